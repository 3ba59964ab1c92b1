// The signals CSV (`--signals FILE`): the `ta_signals` columns in order, a not-ready indicator as
// an empty field, ready ones with the shortest text that reads back exactly, timestamps in
// RFC 3339 with milliseconds; and the writer, which drains its queue to the file on its own thread.
#include "torghut/persistence/signal_log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace torghut;
using persistence::append_signal_csv;
using persistence::signal_csv_header;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\n') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("torghut_" + std::to_string(::getpid()) + "_" + name)).string();
}

// 2024-03-04T14:30:05Z
constexpr int64_t bar_start_ns = 1'709'562'605LL * ns_per_second;

signal_row full_row() {
  signal_row r;
  r.sig.symbol = symbol_id{0};
  r.sig.event_time = timestamp{bar_start_ns};
  r.ingest_time = timestamp{bar_start_ns + 1'007'654'321};  // 1.007654321 s after the start
  r.seq = 42;
  auto& x = r.sig.ind;
  x.macd = 0.1;
  x.macd_signal = -0.058914198446814225;
  x.macd_hist = 1.0 / 3.0;
  x.ema12 = 164.11685947444084;
  x.ema26 = 164.05794527599403;
  x.rsi14 = 60.98698878736457;
  x.boll_mid = 164.07875;
  x.boll_upper = 164.21402287237285;
  x.boll_lower = 163.94347712762718;
  x.vwap_session = 164.0352785312883;
  x.vwap_w5m = 2.5e-7;
  x.imbalance_spread = 0.03;
  x.imbalance_bid_px = 164.12;
  x.imbalance_ask_px = 164.15;
  x.imbalance_bid_sz = 400;
  x.imbalance_ask_sz = 100;
  x.vol_realized_w60s = 1e300;
  x.ready_mask = indicator_bit::ema12 | indicator_bit::ema26 | indicator_bit::macd | indicator_bit::macd_signal |
                 indicator_bit::rsi14 | indicator_bit::bollinger | indicator_bit::vwap_session |
                 indicator_bit::vwap_w5m | indicator_bit::vol_realized | indicator_bit::quote;
  return r;
}

}  // namespace

TEST(signal_csv, the_header_is_the_ta_signals_columns_in_order) {
  EXPECT_EQ(std::string(signal_csv_header),
            "symbol,event_ts,seq,ingest_ts,is_final,source,window_size,window_step,window_start,window_end,"
            "version,macd,macd_signal,macd_hist,ema12,ema26,rsi14,boll_mid,boll_upper,boll_lower,"
            "vwap_session,vwap_w5m,imbalance_spread,imbalance_bid_px,imbalance_ask_px,imbalance_bid_sz,"
            "imbalance_ask_sz,vol_realized_w60s");
  EXPECT_EQ(split(std::string(signal_csv_header)).size(), 28u);
}

TEST(signal_csv, a_ready_row_has_every_column_and_round_trips_its_doubles) {
  const signal_row r = full_row();
  std::string line;
  append_signal_csv(line, r, "DLTA");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const auto f = split(line);
  ASSERT_EQ(f.size(), 28u);
  EXPECT_EQ(f[0], "DLTA");
  EXPECT_EQ(f[1], "2024-03-04T14:30:05.000Z");  // event_ts: the bar start
  EXPECT_EQ(f[2], "42");
  EXPECT_EQ(f[3], "2024-03-04T14:30:06.007Z");  // ingest_ts, milliseconds truncated
  EXPECT_EQ(f[4], "1");
  EXPECT_EQ(f[5], "torghut");
  EXPECT_EQ(f[6], "PT1S");
  EXPECT_EQ(f[7], "PT1S");
  EXPECT_EQ(f[8], "2024-03-04T14:30:05.000Z");   // window_start = event_ts
  EXPECT_EQ(f[9], "2024-03-04T14:30:06.000Z");   // window_end = start + 1 s
  EXPECT_EQ(f[10], "1");
  const auto& x = r.sig.ind;
  const double expect[] = {x.macd,         x.macd_signal,      x.macd_hist,  x.ema12,      x.ema26,
                           x.rsi14,        x.boll_mid,         x.boll_upper, x.boll_lower, x.vwap_session,
                           x.vwap_w5m,     x.imbalance_spread, x.imbalance_bid_px, x.imbalance_ask_px};
  for (size_t i = 0; i < std::size(expect); ++i) {
    ASSERT_FALSE(f[11 + i].empty()) << "column " << 11 + i;
    EXPECT_EQ(std::strtod(f[11 + i].c_str(), nullptr), expect[i]) << "column " << 11 + i << ": " << f[11 + i];
  }
  EXPECT_EQ(f[11], "0.1");  // shortest round-trip text, not %.17g's 0.10000000000000001
  EXPECT_EQ(f[25], "400");  // sizes are integers (UInt64)
  EXPECT_EQ(f[26], "100");
  EXPECT_EQ(f[27], "1e+300");
  EXPECT_EQ(std::strtod(f[27].c_str(), nullptr), 1e300);
}

TEST(signal_csv, an_indicator_that_is_not_ready_is_an_empty_field) {
  signal_row r = full_row();
  r.sig.ind.ready_mask = indicator_bit::ema12 | indicator_bit::macd;  // nothing else is ready
  std::string line;
  append_signal_csv(line, r, "ALFA");
  auto f = split(line);
  ASSERT_EQ(f.size(), 28u);
  EXPECT_EQ(f[11], "0.1");  // macd
  EXPECT_EQ(f[12], "");     // macd_signal
  EXPECT_EQ(f[13], "");     // macd_hist needs the signal
  EXPECT_FALSE(f[14].empty());  // ema12
  for (size_t i = 15; i < 28; ++i) EXPECT_EQ(f[i], "") << "column " << i;
  // The fixed columns are there either way.
  EXPECT_EQ(f[0], "ALFA");
  EXPECT_EQ(f[4], "1");
  EXPECT_EQ(f[10], "1");

  r.sig.ind.ready_mask = 0;
  line.clear();
  append_signal_csv(line, r, "ALFA");
  f = split(line);
  ASSERT_EQ(f.size(), 28u);
  for (size_t i = 11; i < 28; ++i) EXPECT_EQ(f[i], "") << "column " << i;
}

TEST(signal_csv, a_ready_value_that_is_not_a_finite_number_is_null_too) {
  signal_row r = full_row();
  r.sig.ind.rsi14 = std::numeric_limits<double>::quiet_NaN();
  r.sig.ind.boll_upper = std::numeric_limits<double>::infinity();
  r.sig.ind.imbalance_bid_sz = -1;
  std::string line;
  append_signal_csv(line, r, "ALFA");
  const auto f = split(line);
  ASSERT_EQ(f.size(), 28u);
  EXPECT_EQ(f[16], "");  // rsi14
  EXPECT_EQ(f[18], "");  // boll_upper
  EXPECT_EQ(f[25], "");  // imbalance_bid_sz
  EXPECT_FALSE(f[17].empty());
}

TEST(signal_csv, a_symbol_with_a_comma_or_quote_is_quoted) {
  std::string line;
  append_signal_csv(line, full_row(), "A,\"B\"");
  EXPECT_EQ(line.rfind("\"A,\"\"B\"\"\",2024-03-04T14:30:05.000Z,", 0), 0u) << line;
}

TEST(signal_log, writes_the_header_and_every_queued_row_and_counts_them) {
  symbol_table syms(8);
  const auto a = syms.intern("ALFA");
  const auto b = syms.intern("BRVO");
  manual_clock clk{timestamp{bar_start_ns + ns_per_second}};
  signal_queue q(1024, 8, clk, signal_queue::when_full::wait);
  const std::string path = tmp("signals.csv");
  {
    persistence::signal_log log(path, q, syms, std::chrono::milliseconds(1));
    log.start();
    for (int i = 0; i < 5000; ++i) {
      torghut::signal s{};
      s.symbol = i % 2 == 0 ? a : b;
      s.event_time = timestamp{bar_start_ns + (i / 2) * ns_per_second};
      q.on_signal(s);
    }
    log.stop();
    EXPECT_EQ(log.rows(), 5000u);
    EXPECT_EQ(log.dropped(), 0u);
    EXPECT_EQ(log.lost(), 0u);
    EXPECT_EQ(log.error(), "");
  }
  const std::string text = slurp(path);
  std::istringstream in(text);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, signal_csv_header);
  size_t rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(split(line).size(), 28u);
  }
  EXPECT_EQ(rows, 5000u);
  EXPECT_NE(text.find("\nBRVO,2024-03-04T14:30:05.000Z,1,2024-03-04T14:30:06.000Z,1,torghut,"), std::string::npos);
  EXPECT_NE(text.find("\nALFA,2024-03-04T15:11:44.000Z,2500,"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(signal_log, an_unwritable_path_is_refused_at_once_naming_it) {
  symbol_table syms(8);
  manual_clock clk;
  signal_queue q(16, 8, clk, signal_queue::when_full::drop);
  const std::string path = tmp("no_such_dir") + "/signals.csv";
  try {
    persistence::signal_log log(path, q, syms);
    FAIL() << "opened " << path;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
  try {
    persistence::signal_log log("/dev/full", q, syms);
    FAIL() << "wrote to /dev/full";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
}
