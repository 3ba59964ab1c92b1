// The whole hot path: raw Alpaca frames → decoder → market_data → strategy → risk → router →
// paper broker → back to risk. Proves zero heap allocations per event after warm-up, and that the
// chain produces orders, fills and P&L from a synthetic market.
#include "torghut/actors/hot_path.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "torghut/adapters/synth.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/test/allocations.hpp"

using namespace torghut;

namespace {

struct chain {
  explicit chain(const std::vector<std::string>& syms, uint32_t capacity = 256)
      : cfg(default_config(syms)), symbols(capacity), audit(1 << 16), decoder(symbols) {
    cfg.symbol_capacity = capacity;
    cfg.mailbox_capacity = 4096;
    hp = std::make_unique<actors::hot_path>(cfg, symbols, audit, clk);
  }
  /// Runs one frame through the chain, then drains the audit trail (as the writer would).
  void frame(const std::pair<timestamp, std::string>& f) {
    clk.set(f.first);
    hp->on_time(f.first);
    (void)decoder.decode(f.second, f.first, [this](const market_event& ev) noexcept { hp->on_market_event(ev); });
    audit_row r;
    while (audit.pop(r)) ++audit_rows;
  }
  engine_config cfg;
  symbol_table symbols;
  audit_sink audit;
  manual_clock clk;
  adapters::json_decoder decoder;
  std::unique_ptr<actors::hot_path> hp;
  uint64_t audit_rows = 0;
};

std::vector<std::pair<timestamp, std::string>> market(uint32_t symbols, int64_t seconds, uint64_t seed) {
  adapters::synth_config sc;
  sc.seed = seed;
  sc.symbol_count = symbols;
  sc.duration = duration_ns{seconds * ns_per_second};
  return adapters::generate_frames(sc);
}

}  // namespace

TEST(hot_path, trades_a_synthetic_market_end_to_end) {
  auto frames = market(4, 600, 7);
  chain c(adapters::default_symbol_names(4));
  for (const auto& f : frames) c.frame(f);
  const auto& k = c.hp->counters();
  EXPECT_GT(k.events_in, 5'000u);
  EXPECT_GT(c.hp->md().stats().microbars, 1'000u);
  EXPECT_GT(k.decisions, 0u);
  EXPECT_GT(k.orders, 0u);
  EXPECT_GT(k.fills, 0u);
  EXPECT_EQ(k.decisions, k.verdicts);
  EXPECT_EQ(k.orders, k.verdicts - k.rejections);
  EXPECT_GT(c.audit_rows, k.decisions);
  EXPECT_EQ(c.audit.dropped(), 0u);
}

TEST(hot_path, allocates_nothing_per_event_after_warm_up) {
  auto frames = market(8, 900, 11);
  chain c(adapters::default_symbol_names(8));
  const size_t warm = frames.size() / 3;
  for (size_t i = 0; i < warm; ++i) c.frame(frames[i]);
  const auto orders_before = c.hp->counters().orders;
  test::start_counting_allocations();
  for (size_t i = warm; i < frames.size(); ++i) c.frame(frames[i]);
  const uint64_t allocations = test::stop_counting_allocations();
  // The measured stretch must exercise the whole chain, orders and fills included.
  EXPECT_GT(c.hp->counters().orders, orders_before);
  EXPECT_GT(frames.size() - warm, 10'000u);
  EXPECT_EQ(allocations, 0u) << "heap allocations on the hot path after warm-up";
}

TEST(hot_path, answers_status_and_applies_the_kill_switch_from_the_control_channel) {
  chain c(adapters::default_symbol_names(2));
  control_channel ch;
  control_command k;
  k.kind = control_kind::kill_switch_on;
  ch.commands.enqueue(k);
  control_command s;
  s.kind = control_kind::status_snapshot;
  s.request_id = 99;
  ch.commands.enqueue(s);
  EXPECT_TRUE(c.hp->poll_control(ch));
  engine_status st;
  ASSERT_TRUE(ch.statuses.try_dequeue(st));
  EXPECT_EQ(st.request_id, 99u);
  EXPECT_TRUE(st.kill_switch);
  control_command stop;
  stop.kind = control_kind::shutdown;
  ch.commands.enqueue(stop);
  EXPECT_FALSE(c.hp->poll_control(ch));
}

TEST(hot_path, kill_switch_stops_new_orders_but_the_chain_keeps_processing) {
  auto frames = market(4, 600, 7);
  chain c(adapters::default_symbol_names(4));
  control_channel ch;
  control_command k;
  k.kind = control_kind::kill_switch_on;
  ch.commands.enqueue(k);
  (void)c.hp->poll_control(ch);
  for (const auto& f : frames) c.frame(f);
  EXPECT_GT(c.hp->counters().decisions, 0u);
  EXPECT_EQ(c.hp->counters().orders, 0u);
  EXPECT_EQ(c.hp->risk().stats().by_reason[static_cast<size_t>(risk_reason::kill_switch_engaged)],
            c.hp->counters().decisions);
}
