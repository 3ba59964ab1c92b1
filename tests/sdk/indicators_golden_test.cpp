// Golden check of every indicator at every step against tests/sdk/data/indicators_golden.csv,
// which make_golden.py computes directly (non-incrementally) from the published formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/sdk/indicators.hpp"

using namespace torghut;
using namespace torghut::sdk;

namespace {

constexpr double rel_tol = 1e-9;
constexpr double abs_floor = 1e-12;

/// |actual - expected| within 1e-9 of |expected|, or within 1e-12 for values near zero.
::testing::AssertionResult close_to(std::string_view what, size_t row, double actual,
                                    double expected) {
  const double tol = std::max(rel_tol * std::fabs(expected), abs_floor);
  if (std::fabs(actual - expected) <= tol) return ::testing::AssertionSuccess();
  std::ostringstream os;
  os.precision(17);
  os << what << " at row " << row << ": got " << actual << ", expected " << expected << " (diff "
     << actual - expected << ", tol " << tol << ")";
  return ::testing::AssertionFailure() << os.str();
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

double to_double(const std::string& s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(ec == std::errc{} && p == s.data() + s.size()) << "bad number '" << s << "'";
  return v;
}

template <class Fixed>
Fixed to_fixed(const std::string& s) {
  const std::optional<Fixed> v = parse_decimal<Fixed>(s);
  EXPECT_TRUE(v.has_value()) << "bad decimal '" << s << "'";
  return v.value_or(Fixed{});
}

struct golden_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  [[nodiscard]] size_t col(std::string_view name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "missing column " << name;
    return 0;
  }
};

golden_table load_golden() {
  golden_table t;
  std::ifstream in(std::string(TORGHUT_TEST_DATA) + "/indicators_golden.csv");
  EXPECT_TRUE(in.good()) << "cannot open golden CSV under " << TORGHUT_TEST_DATA;
  std::string line;
  if (std::getline(in, line)) t.header = split(line);
  while (std::getline(in, line))
    if (!line.empty()) t.rows.push_back(split(line));
  return t;
}

}  // namespace

TEST(indicators_golden, every_indicator_matches_the_direct_reference_at_every_step) {
  const golden_table g = load_golden();
  ASSERT_GE(g.rows.size(), 400u);
  const size_t c_t = g.col("t_ns"), c_close = g.col("close"), c_vol = g.col("volume"),
               c_vwap = g.col("vwap"), c_bid = g.col("bid"), c_ask = g.col("ask"),
               c_bsz = g.col("bid_sz"), c_asz = g.col("ask_sz"), c_mask = g.col("ready_mask");
  struct field {
    const char* name;
    double indicator_snapshot::*member;
  };
  const field fields[] = {
      {"ema12", &indicator_snapshot::ema12},
      {"ema26", &indicator_snapshot::ema26},
      {"macd", &indicator_snapshot::macd},
      {"macd_signal", &indicator_snapshot::macd_signal},
      {"macd_hist", &indicator_snapshot::macd_hist},
      {"rsi14", &indicator_snapshot::rsi14},
      {"boll_mid", &indicator_snapshot::boll_mid},
      {"boll_upper", &indicator_snapshot::boll_upper},
      {"boll_lower", &indicator_snapshot::boll_lower},
      {"vwap_session", &indicator_snapshot::vwap_session},
      {"vwap_w5m", &indicator_snapshot::vwap_w5m},
      {"vol_realized_w60s", &indicator_snapshot::vol_realized_w60s},
      {"imbalance_spread", &indicator_snapshot::imbalance_spread},
      {"imbalance_bid_px", &indicator_snapshot::imbalance_bid_px},
      {"imbalance_ask_px", &indicator_snapshot::imbalance_ask_px},
      {"imbalance_bid_sz", &indicator_snapshot::imbalance_bid_sz},
      {"imbalance_ask_sz", &indicator_snapshot::imbalance_ask_sz},
  };
  std::vector<size_t> cols;
  for (const auto& f : fields) cols.push_back(g.col(f.name));

  indicator_set set;
  size_t checked = 0;
  double worst = 0;  // largest |diff| / tolerance seen: how much headroom the check has
  const char* worst_name = "";
  for (size_t r = 0; r < g.rows.size(); ++r) {
    const auto& row = g.rows[r];
    ASSERT_EQ(row.size(), g.header.size()) << "row " << r;
    if (!row[c_bid].empty()) {
      quote_payload q{};
      q.bid_px = to_fixed<price>(row[c_bid]);
      q.ask_px = to_fixed<price>(row[c_ask]);
      q.bid_size = to_fixed<quantity>(row[c_bsz]);
      q.ask_size = to_fixed<quantity>(row[c_asz]);
      set.on_quote(q);
    }
    bar_payload b{};
    b.close = b.open = b.high = b.low = to_fixed<price>(row[c_close]);
    b.volume = to_fixed<quantity>(row[c_vol]);
    b.vwap = to_fixed<price>(row[c_vwap]);
    set.on_bar(b, timestamp{std::stoll(row[c_t])});

    const indicator_snapshot s = set.snapshot();
    EXPECT_EQ(s.ready_mask, static_cast<uint32_t>(std::stoul(row[c_mask])))
        << "ready_mask at row " << r;
    for (size_t i = 0; i < std::size(fields); ++i) {
      const double actual = s.*(fields[i].member), expected = to_double(row[cols[i]]);
      EXPECT_TRUE(close_to(fields[i].name, r, actual, expected));
      const double ratio =
          std::fabs(actual - expected) / std::max(rel_tol * std::fabs(expected), abs_floor);
      if (ratio > worst) {
        worst = ratio;
        worst_name = fields[i].name;
      }
      ++checked;
    }
  }
  EXPECT_EQ(set.bars(), g.rows.size());
  EXPECT_EQ(checked, g.rows.size() * std::size(fields));
  RecordProperty("worst_error_over_tolerance", std::to_string(worst) + " (" + worst_name + ")");
  std::printf("worst |error| / tolerance = %.3g (%s)\n", worst, worst_name);
}

TEST(indicators_golden, golden_series_covers_quiet_stretch_jump_session_reset_and_empty_window) {
  // Guards the data itself: if make_golden.py changes shape, the golden test must still exercise
  // the hard cases.
  const golden_table g = load_golden();
  ASSERT_FALSE(g.rows.empty());
  const size_t c_t = g.col("t_ns"), c_close = g.col("close"), c_vwap = g.col("vwap"),
               c_vol = g.col("vol_realized_w60s"), c_mask = g.col("ready_mask");
  int64_t prev_day = indicator_set::session_day(timestamp{std::stoll(g.rows[0][c_t])});
  bool session_reset = false, window_emptied = false, zero_vol = false, jump = false,
       vwap_zero = false, all_ready = false;
  double prev_close = to_double(g.rows[0][c_close]);
  int64_t prev_t = std::stoll(g.rows[0][c_t]);
  for (const auto& row : g.rows) {
    const int64_t t = std::stoll(row[c_t]);
    const int64_t day = indicator_set::session_day(timestamp{t});
    session_reset |= day != prev_day;
    window_emptied |= t - prev_t > 300 * ns_per_second;
    const double close = to_double(row[c_close]);
    jump |= std::fabs(close / prev_close - 1.0) > 0.05;
    zero_vol |= to_double(row[c_vol]) == 0.0 &&
                (std::stoul(row[c_mask]) & indicator_bit::vol_realized) != 0;
    vwap_zero |= row[c_vwap] == "0";
    all_ready |= std::stoul(row[c_mask]) == 0x3ffu;
    prev_day = day;
    prev_close = close;
    prev_t = t;
  }
  EXPECT_TRUE(session_reset);
  EXPECT_TRUE(window_emptied);
  EXPECT_TRUE(zero_vol) << "the quiet stretch must reach 60 zero returns";
  EXPECT_TRUE(jump);
  EXPECT_TRUE(vwap_zero);
  EXPECT_TRUE(all_ready);
}
