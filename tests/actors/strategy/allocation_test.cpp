// Proves the strategy hot path allocates nothing after construction: every global operator new
// of this test executable goes through a counter (torghut/test/allocations.hpp) that is switched
// on around the measured calls.
#include <gtest/gtest.h>

#include "torghut/actors/strategy.hpp"
#include "torghut/strategies/builtin.hpp"
#include "torghut/test/allocations.hpp"

using namespace torghut;
using namespace torghut::actors;

namespace {

market_event microbar(symbol_id s, int64_t second, double close, uint8_t flags = 0) {
  market_event ev;
  ev.kind = market_event_kind::microbar;
  ev.flags = static_cast<uint8_t>(event_flags::final_bar | flags);
  ev.symbol = s;
  ev.event_time = timestamp{second * ns_per_second};
  ev.u.bar = bar_payload{};
  ev.u.bar.close = price::from_double(close).value();
  ev.u.bar.volume = quantity::from_units(100).value();
  ev.u.bar.vwap = ev.u.bar.close;
  return ev;
}

}  // namespace

TEST(strategy_allocation, the_counter_sees_an_allocation) {
  test::allocation_scope probe;
  int* volatile p = new int(7);  // volatile: the new/delete pair must not be elided
  const uint64_t n = probe.count();
  delete p;
  EXPECT_EQ(n, 1u);
}

TEST(strategy_allocation,
     on_market_on_verdict_and_on_execution_allocate_nothing_after_construction) {
  engine_config cfg = default_config({"AAPL", "MSFT"});
  symbol_table symbols(64);
  const symbol_id aapl = symbols.intern("AAPL");
  mailbox<order_intent> out(4096);
  audit_sink audit(4096);
  manual_clock clk;
  strategy_engine engine(cfg, strategies::builtin(), symbols, out, audit, clk);
  engine.track_indicators(true);  // the ta_signals set too (--signals)
  // The first event starts the strategies (on_start sizes their per-symbol state: allowed to
  // allocate); from then on nothing may.
  market_event first;
  first.kind = market_event_kind::quote;  // for no symbol: starts the strategies, nothing else
  engine.on_market_event(first);

  test::start_counting_allocations();
  int64_t t = 1710513000;
  uint64_t intents = 0;
  order_intent in;
  symbol_id msft;
  for (int round = 0; round < 3; ++round) {
    // Range-bound, then a drop below the band (bollinger buys), a fill, a recovery (sells).
    for (int i = 0; i < 40; ++i) engine.on_market_event(microbar(aapl, t++, i % 2 == 0 ? 100.0 : 100.1));
    market_event q;
    q.kind = market_event_kind::quote;
    q.symbol = aapl;
    q.u.quote = quote_payload{};
    q.u.quote.bid_px = price::from_units(99).value();
    q.u.quote.ask_px = price::from_units(101).value();
    engine.on_market_event(q);
    engine.on_market_event(microbar(aapl, t++, 99.0));
    while (out.pop(in)) {
      ++intents;
      risk_verdict v;
      v.intent = in;
      engine.on_risk_verdict(v);
      execution_report r;
      r.strategy = in.strategy;
      r.symbol = in.symbol;
      r.hash = in.hash;
      r.id = order_id{static_cast<uint64_t>(intents)};
      r.order_side = in.order_side;
      r.status = order_status::filled;
      r.last_qty = in.qty;
      engine.on_execution_report(r);
    }
    // Down then up: the MACD strategy sells or buys too; a halted bar in the middle.
    for (int i = 0; i < 40; ++i) engine.on_market_event(microbar(aapl, t++, 100.0 - 0.1 * i));
    engine.on_market_event(microbar(aapl, t++, 96.0, event_flags::halted));
    for (int i = 0; i < 30; ++i) engine.on_market_event(microbar(aapl, t++, 96.0 + 0.1 * i));
    while (out.pop(in)) {
      ++intents;
      risk_verdict v;
      v.intent = in;
      v.reason = risk_reason::price_outside_collar;
      engine.on_risk_verdict(v);
    }
    // A symbol interned after construction (resolved lazily), then a gap resets everything.
    if (round == 0) msft = symbols.intern("MSFT");  // interning is the market_data's cost
    engine.on_market_event(microbar(msft, t++, 50.0));
    market_event gap;
    gap.kind = market_event_kind::gap;
    engine.on_market_event(gap);
  }
  const uint64_t n = test::stop_counting_allocations();
  EXPECT_EQ(n, 0u);
  EXPECT_GT(intents, 3u) << "the measured path must include decisions";
  EXPECT_EQ(engine.stats().gaps, 3u);
}
