// Synthetic market generator: determinism, realism checks through the real decoder, and the
// bundled sample recording.

#include "torghut/adapters/synth.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "torghut/test/decoder_test_util.hpp"
#include "torghut/adapters/recording.hpp"

namespace torghut::adapters {
namespace {

synth_config small_config(uint64_t seed) {
  synth_config c;
  c.seed = seed;
  c.symbol_count = 4;
  c.duration = duration_ns{3LL * 60 * ns_per_second};
  c.halts_per_symbol_hour = 20;  // several halts in 3 minutes
  c.halt_length = duration_ns{20 * ns_per_second};
  return c;
}

TEST(synth, same_seed_gives_byte_identical_output) {
  const auto a = generate_frames(small_config(7));
  const auto b = generate_frames(small_config(7));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

TEST(synth, different_seed_gives_different_output) {
  EXPECT_NE(generate_frames(small_config(7)), generate_frames(small_config(8)));
}

TEST(synth, names_default_to_sym_numbers_and_explicit_names_are_used) {
  synth_config c = small_config(1);
  c.duration = duration_ns{ns_per_second};
  const auto frames = generate_frames(c);
  std::string all;
  for (const auto& [t, f] : frames) all += f;
  EXPECT_NE(all.find("\"SYM000\""), std::string::npos);
  EXPECT_NE(all.find("\"SYM003\""), std::string::npos);
  EXPECT_EQ(all.find("\"SYM004\""), std::string::npos);
  c.symbols = {"ZED"};
  const auto named = generate_frames(c);
  std::string all2;
  for (const auto& [t, f] : named) all2 += f;
  EXPECT_NE(all2.find("\"ZED\""), std::string::npos);
  EXPECT_EQ(all2.find("SYM000"), std::string::npos);
}

TEST(synth, max_messages_stops_generation) {
  synth_config c = small_config(3);
  c.max_messages = 100;
  c.control_frames = false;
  symbol_table symbols(64);
  json_decoder d(symbols);
  uint64_t n = 0;
  const auto r = generate(c, [&](timestamp t, std::string_view f) { (void)d.decode(f, t, [&](const market_event&) { ++n; }); });
  EXPECT_GE(r.messages, 100u);
  EXPECT_LT(r.messages, 100u + 8 * c.max_batch);
  EXPECT_EQ(n, r.messages);
}

/// Everything the sanity test checks, gathered over one run.
struct market_checker {
  testing::collector c{size_t{1} << 20};
  struct per_symbol {
    int64_t last_trade_id = -1;
    int64_t last_tq_time = -1;
    price bid, ask;
    bool halted = false;
    std::map<int64_t, std::vector<trade_payload>> trades_by_minute;
  };
  std::map<uint32_t, per_symbol> syms;
  std::set<int> frac_digits_seen;
  int64_t last_recv = -1;
  uint64_t frames = 0, bars = 0, trades = 0, quotes = 0, halts = 0, resumes = 0;

  void frame(timestamp recv, std::string_view f) {
    ++frames;
    EXPECT_GE(recv.ns, last_recv) << "receive times go backwards";
    last_recv = recv.ns;
    EXPECT_EQ(f.find('\n'), std::string_view::npos);
    // Fractional digit counts of every "t":"..." in the frame.
    for (size_t p = f.find(R"("t":")"); p != std::string_view::npos; p = f.find(R"("t":")", p + 1)) {
      const size_t end = f.find('Z', p);
      const size_t dot = f.find('.', p);
      frac_digits_seen.insert(dot != std::string_view::npos && dot < end ? static_cast<int>(end - dot - 1) : 0);
    }
    const size_t before_events = c.events.size();
    const size_t before_controls = c.controls.size();
    const auto r = c(f, recv);
    EXPECT_TRUE(r.ok()) << f;
    const bool has_events = c.events.size() > before_events;
    const bool has_controls = c.controls.size() > before_controls;
    EXPECT_FALSE(has_events && has_controls) << "data mixed with control: " << f;
    for (size_t i = before_events; i < c.events.size(); ++i) event(c.events[i]);
    c.events.clear();
  }

  void event(const market_event& e) {
    per_symbol& s = syms[e.symbol.value];
    EXPECT_LE(e.event_time.ns, e.recv_time.ns);
    switch (e.kind) {
      case market_event_kind::trade: {
        ++trades;
        const auto& t = e.u.trade;
        EXPECT_FALSE(s.halted) << "trade while halted";
        EXPECT_GT(t.id.value, s.last_trade_id);
        s.last_trade_id = t.id.value;
        EXPECT_GE(e.event_time.ns, s.last_tq_time);
        s.last_tq_time = e.event_time.ns;
        EXPECT_TRUE(t.px.is_positive());
        EXPECT_EQ(t.px.raw % 100'000, 0) << "more than 4 decimals";
        EXPECT_GE(t.px, s.bid);
        EXPECT_LE(t.px, s.ask);
        EXPECT_GT(t.size.raw, 0);
        EXPECT_EQ(t.size.raw % quantity::scale, 0) << "integer sizes";
        EXPECT_GE(t.n_conditions, 1);
        s.trades_by_minute[e.event_time.ns / (60 * ns_per_second)].push_back(t);
        break;
      }
      case market_event_kind::quote: {
        ++quotes;
        const auto& q = e.u.quote;
        EXPECT_FALSE(s.halted) << "quote while halted";
        EXPECT_GE(e.event_time.ns, s.last_tq_time);
        s.last_tq_time = e.event_time.ns;
        EXPECT_TRUE(q.bid_px.is_positive());
        EXPECT_LT(q.bid_px, q.ask_px);
        EXPECT_LE(q.ask_px.raw - q.bid_px.raw, 5 * price::scale / 100) << "spread of a few ticks";
        EXPECT_EQ(q.bid_px.raw % (price::scale / 100), 0) << "quotes on the cent grid";
        EXPECT_GT(q.bid_size.raw, 0);
        EXPECT_GT(q.ask_size.raw, 0);
        EXPECT_GT(q.bid_px.to_double(), 1.0);
        EXPECT_LT(q.ask_px.to_double(), 2000.0);
        s.bid = q.bid_px;
        s.ask = q.ask_px;
        break;
      }
      case market_event_kind::bar: {
        ++bars;
        const auto& b = e.u.bar;
        EXPECT_EQ(e.event_time.ns % (60 * ns_per_second), 0) << "bar starts on a minute";
        const auto& ts = s.trades_by_minute[e.event_time.ns / (60 * ns_per_second)];
        ASSERT_FALSE(ts.empty()) << "bar without trades";
        EXPECT_EQ(b.open, ts.front().px);
        EXPECT_EQ(b.close, ts.back().px);
        price hi = ts.front().px, lo = ts.front().px;
        int64_t vol = 0;
        for (const auto& t : ts) {
          hi = std::max(hi, t.px);
          lo = std::min(lo, t.px);
          vol += t.size.raw;
        }
        EXPECT_EQ(b.high, hi);
        EXPECT_EQ(b.low, lo);
        EXPECT_EQ(b.volume.raw, vol);
        EXPECT_EQ(b.trade_count, ts.size());
        EXPECT_GE(b.vwap.raw, lo.raw - 100'000);
        EXPECT_LE(b.vwap.raw, hi.raw + 100'000);
        break;
      }
      case market_event_kind::status: {
        const bool halt = e.u.status.status_code.view() == "H";
        EXPECT_NE(halt, s.halted) << "status must alternate";
        s.halted = halt;
        (halt ? halts : resumes) += 1;
        break;
      }
      default:
        ADD_FAILURE() << "unexpected kind " << static_cast<int>(e.kind);
    }
  }
};

TEST(synth, generated_market_is_sane_through_the_real_decoder) {
  market_checker m;
  const auto r = generate(small_config(11), [&](timestamp t, std::string_view f) { m.frame(t, f); });
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(m.frames, r.frames);
  EXPECT_EQ(m.trades, r.trades);
  EXPECT_EQ(m.quotes, r.quotes);
  EXPECT_EQ(m.bars, r.bars);
  EXPECT_EQ(m.c.decoder.stats().total_errors(), 0u);
  EXPECT_GT(m.trades, 200u);
  EXPECT_GT(m.quotes, 400u);
  EXPECT_GE(m.bars, 4u);
  EXPECT_GE(m.halts, 1u);
  EXPECT_EQ(m.c.controls.size(), 3u);  // connected, authenticated, subscription
  EXPECT_LT(m.frames, r.messages) << "frames batch several messages";
  // Alpaca trims trailing zeros: many different digit counts appear.
  EXPECT_TRUE(m.frac_digits_seen.count(0));
  EXPECT_TRUE(m.frac_digits_seen.count(9));
  EXPECT_GE(m.frac_digits_seen.size(), 7u);
}

TEST(synth, halts_are_off_by_default) {
  synth_config c;
  c.duration = duration_ns{60 * ns_per_second};
  const auto r = generate(c, [](timestamp, std::string_view) {});
  EXPECT_EQ(r.statuses, 0u);
}

TEST(synth, recording_file_round_trips_through_the_reader) {
  const std::string path = ::testing::TempDir() + "torghut_synth.rec";
  synth_config c = small_config(5);
  c.duration = duration_ns{20 * ns_per_second};
  const auto r = generate_recording(c, path);
  ASSERT_TRUE(r.ok) << r.error;
  const auto frames = generate_frames(c);
  recording_reader reader;
  ASSERT_TRUE(reader.open(path));
  size_t i = 0;
  recording_entry e;
  while (reader.next(e)) {
    ASSERT_LT(i, frames.size());
    EXPECT_EQ(e.recv_time, frames[i].first);
    EXPECT_EQ(e.frame, frames[i].second);
    ++i;
  }
  EXPECT_EQ(i, frames.size());
  EXPECT_EQ(r.frames, frames.size());
  EXPECT_EQ(reader.malformed_lines(), 0u);
  std::remove(path.c_str());
  EXPECT_FALSE(generate_recording(c, "/nonexistent_dir_torghut/x.rec").ok);
}

TEST(synth, deterministic_log_and_exp_match_libm_closely) {
  for (double x : {1e-300, 1e-10, 0.1, 0.5, 0.7071, 1.0, 1.5, 2.0, 20.0, 500.0, 1e10, 1e300}) {
    EXPECT_NEAR(det_log(x), std::log(x), 1e-14 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (double x : {-50.0, -1.0, -1e-9, 0.0, 1e-9, 0.3, 1.0, 3.0, 6.2, 50.0}) {
    EXPECT_NEAR(det_exp(x) / std::exp(x), 1.0, 1e-14) << x;
  }
}

// The bundled sample must be exactly what sample_config() generates. Set
// TORGHUT_REGENERATE_SAMPLE=1 to (re)write it (see docs/RECORDING.md).
TEST(synth, bundled_sample_matches_the_generator) {
  const std::string path = std::string(TORGHUT_SOURCE_DIR) + "/data/sample.rec";
  if (const char* regen = std::getenv("TORGHUT_REGENERATE_SAMPLE"); regen != nullptr && std::string(regen) == "1") {
    const auto r = generate_recording(sample_config(), path);
    ASSERT_TRUE(r.ok) << r.error;
    std::printf("wrote %s: %llu frames, %llu messages (%llu trades, %llu quotes, %llu bars, %llu statuses)\n",
                path.c_str(), static_cast<unsigned long long>(r.frames),
                static_cast<unsigned long long>(r.messages), static_cast<unsigned long long>(r.trades),
                static_cast<unsigned long long>(r.quotes), static_cast<unsigned long long>(r.bars),
                static_cast<unsigned long long>(r.statuses));
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path << " missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string file = ss.str();
  EXPECT_LT(file.size(), 4u << 20);
  std::string expected;
  for (const auto& [t, f] : generate_frames(sample_config())) {
    expected += std::to_string(t.ns);
    expected += '\t';
    expected += f;
    expected += '\n';
  }
  EXPECT_TRUE(file == expected) << "data/sample.rec differs from sample_config() output";
  market_checker m;
  recording_reader reader;
  reader.open_memory(file);
  (void)reader.for_each([&](const recording_entry& e) { m.frame(e.recv_time, e.frame); });
  EXPECT_EQ(m.c.decoder.stats().total_errors(), 0u);
  EXPECT_EQ(m.syms.size(), 8u);
}

}  // namespace
}  // namespace torghut::adapters
