// What the live hot thread publishes for the control API (hot_agents.hpp): the position board
// agrees with the risk engine's positions, the tick-to-order and frame-to-order histograms count
// one sample per order an event caused, and neither adds an allocation per event after warm-up.
#include "hot_agents.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::app {
namespace {

struct live_like_chain {
  explicit live_like_chain(uint32_t n)
      : cfg(default_config(adapters::default_symbol_names(n))), symbols(256), audit(1 << 16), decoder(symbols) {
    cfg.symbol_capacity = 256;
    cfg.mailbox_capacity = 4096;
    // One order per trade print (as the wire-to-wire harness runs the engine): orders that
    // events cause, besides those bar closes on the clock cause.
    strategy_config probe;
    probe.name = "probe";
    probe.kind = "tick_probe";
    cfg.strategies = {probe};
    for (const auto& s : cfg.allowed_symbols) (void)symbols.intern(s);
    hp = std::make_unique<actors::hot_path>(cfg, symbols, audit, clk);
    hp->set_order_probe(true);
    gauges.positions = std::make_unique<position_board>(static_cast<uint32_t>(symbols.capacity()));
  }
  void frame(const std::pair<timestamp, std::string>& f) {
    clk.set(f.first);
    hp->on_time(f.first);
    (void)decoder.decode(f.second, f.first, [this](const market_event& ev) noexcept {
      const uint64_t before = hp->counters().orders;
      latency.on_event(*hp, ev);
      if (hp->counters().orders != before) ++orders_caused_by_events;
    });
    gauges.publish(*hp, f.first);  // the live loop publishes once a millisecond
    audit_row r;
    while (audit.pop(r)) {
    }
  }
  engine_config cfg;
  symbol_table symbols;
  audit_sink audit;
  manual_clock clk;
  adapters::json_decoder decoder;
  std::unique_ptr<actors::hot_path> hp;
  hot_gauges gauges;
  hot_meters latency;
  uint64_t orders_caused_by_events = 0;
};

std::vector<std::pair<timestamp, std::string>> market(uint32_t symbols, int64_t seconds, uint64_t seed) {
  adapters::synth_config sc;
  sc.seed = seed;
  sc.symbol_count = symbols;
  sc.duration = duration_ns{seconds * ns_per_second};
  return adapters::generate_frames(sc);
}

TEST(hot_telemetry, the_position_board_shows_the_risk_engines_positions) {
  live_like_chain c(4);
  for (const auto& f : market(4, 600, 7)) c.frame(f);
  ASSERT_GT(c.hp->counters().fills, 0u);
  // The board is current within one sweep of the symbol table: the live loop keeps publishing
  // each millisecond after the last fill.
  for (uint32_t i = 0; i <= c.symbols.capacity() / position_board::slice; ++i) c.gauges.publish(*c.hp, c.clk.now());
  const auto rows = c.gauges.positions->read();
  size_t expected = 0;
  for (uint32_t i = 0; i < c.symbols.size(); ++i) {
    const auto& p = c.hp->risk().position_of(symbol_id{i});
    if (p.qty.is_zero() && p.realized_pnl.raw == 0) continue;
    ++expected;
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.symbol == i; });
    ASSERT_NE(it, rows.end()) << c.symbols.name(symbol_id{i});
    EXPECT_EQ(it->qty.raw, p.qty.raw);
    EXPECT_EQ(it->cost_basis.raw, p.cost_basis.raw);
    EXPECT_EQ(it->realized_pnl.raw, p.realized_pnl.raw);
    EXPECT_EQ(it->mark.raw, p.mark.raw);
  }
  EXPECT_GT(expected, 0u) << "the market must leave positions or realized P&L to show";
  EXPECT_EQ(rows.size(), expected) << "flat symbols without P&L are not listed";
}

TEST(hot_telemetry, the_board_reads_whole_slots_while_the_hot_thread_writes) {
  live_like_chain c(4);
  const auto frames = market(4, 300, 3);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      for (const auto& r : c.gauges.positions->read()) {
        // A torn slot could pair one publish's quantity with another's cost; the sign of the
        // cost basis always follows the quantity's in a whole slot.
        if (!r.qty.is_zero()) {
          EXPECT_EQ(r.qty.raw > 0, r.cost_basis.raw > 0) << r.symbol;
        }
      }
    }
  });
  for (const auto& f : frames) c.frame(f);
  done = true;
  reader.join();
}

TEST(hot_telemetry, every_order_an_event_caused_is_one_latency_sample) {
  live_like_chain c(4);
  for (const auto& f : market(4, 600, 7)) c.frame(f);
  ASSERT_GT(c.orders_caused_by_events, 0u);
  const auto t2o = c.latency.tick_to_order.read();
  const auto f2o = c.latency.frame_to_order.read();
  EXPECT_EQ(t2o.count, c.orders_caused_by_events);
  EXPECT_EQ(f2o.count, c.orders_caused_by_events);
  EXPECT_GT(t2o.sum_ns, 0u);
  EXPECT_LT(t2o.quantile_upper_ns(0.5), int64_t{1'000'000'000}) << "a chain run is far below a second";
  uint64_t by_kind = 0;
  for (const auto& n : c.latency.events) by_kind += n.load();
  EXPECT_EQ(by_kind, c.hp->counters().events_in) << "every event counted under its kind";
  EXPECT_GT(c.latency.events[static_cast<size_t>(market_event_kind::trade)].load(), 0u);
  EXPECT_GT(c.latency.events[static_cast<size_t>(market_event_kind::quote)].load(), 0u);
}

TEST(hot_telemetry, latency_and_position_publishing_allocate_nothing_per_event_after_warm_up) {
  live_like_chain c(8);
  const auto frames = market(8, 900, 11);
  const size_t warm = frames.size() / 3;
  for (size_t i = 0; i < warm; ++i) c.frame(frames[i]);
  const uint64_t samples_before = c.latency.tick_to_order.read().count;
  test::start_counting_allocations();
  for (size_t i = warm; i < frames.size(); ++i) c.frame(frames[i]);
  const uint64_t allocations = test::stop_counting_allocations();
  EXPECT_GT(c.latency.tick_to_order.read().count, samples_before) << "orders were measured in the stretch";
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace torghut::app
