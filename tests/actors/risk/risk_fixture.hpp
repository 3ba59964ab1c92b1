#pragma once
/// Shared helpers for the risk tests: a small engine wired to a manual clock, and builders for
/// quotes, trades, intents and fills written with exact decimal strings.

#include <gtest/gtest.h>

#include <memory>
#include <string_view>

#include "torghut/actors/risk.hpp"

namespace torghut::test {

inline price px(std::string_view s) { return parse_decimal<price>(s).value(); }
inline quantity qty(std::string_view s) { return parse_decimal<quantity>(s).value(); }
inline money usd(std::string_view s) { return parse_decimal<money>(s).value(); }

inline market_event quote_event(symbol_id s, std::string_view bid, std::string_view ask,
                                std::string_view size = "100") {
  market_event ev;
  ev.kind = market_event_kind::quote;
  ev.symbol = s;
  ev.u.quote = quote_payload{};
  ev.u.quote.bid_px = px(bid);
  ev.u.quote.ask_px = px(ask);
  ev.u.quote.bid_size = qty(size);
  ev.u.quote.ask_size = qty(size);
  return ev;
}

inline market_event trade_event(symbol_id s, std::string_view p) {
  market_event ev;
  ev.kind = market_event_kind::trade;
  ev.symbol = s;
  ev.u.trade = trade_payload{};
  ev.u.trade.px = px(p);
  ev.u.trade.size = qty("1");
  return ev;
}

inline market_event status_event(symbol_id s, std::string_view code) {
  market_event ev;
  ev.kind = market_event_kind::status;
  ev.symbol = s;
  ev.u.status = status_payload{};
  ev.u.status.status_code.assign(code);
  return ev;
}

/// A filled execution report for `q` at `p`.
inline execution_report fill_report(symbol_id s, side sd, std::string_view q, std::string_view p) {
  execution_report r;
  r.symbol = s;
  r.order_side = sd;
  r.status = order_status::filled;
  r.order_qty = qty(q);
  r.last_qty = qty(q);
  r.cum_qty = qty(q);
  r.last_px = px(p);
  r.avg_px = px(p);
  return r;
}

class risk_fixture : public ::testing::Test {
 protected:
  risk_fixture() {
    cfg.allowed_symbols = {"AAPL", "MSFT", "LATE"};
    cfg.strategies.clear();
    strategy_config s;
    s.id = strategy_id{1};
    s.max_position_pct_equity = 0.05;
    s.max_notional_per_trade = usd("5000");
    cfg.strategies.push_back(s);
    aapl = symbols.intern("AAPL");
    msft = symbols.intern("MSFT");
    tsla = symbols.intern("TSLA");
    rebuild();
  }

  /// Reconstructs the engine from `cfg` (after a test changed it).
  void rebuild() { risk = std::make_unique<actors::risk_engine>(cfg, symbols, out, audit, clk); }

  /// A new-order intent with a fresh hash. Strategy 9 is unknown: only global limits apply.
  order_intent intent(symbol_id s, side sd, std::string_view q, order_type t = order_type::market,
                      std::string_view limit = "0", std::string_view ref = "0") {
    order_intent i;
    i.kind = intent_kind::new_order;
    i.strategy = strategy_id{9};
    i.symbol = s;
    i.order_side = sd;
    i.type = t;
    i.qty = qty(q);
    i.limit_px = px(limit);
    i.reference_px = px(ref);
    i.hash = decision_hash{0x1234, ++hash_counter};
    i.decided_at = clk.now();
    return i;
  }
  order_intent buy(symbol_id s, std::string_view q) { return intent(s, side::buy, q); }
  order_intent sell(symbol_id s, std::string_view q) { return intent(s, side::sell, q); }
  order_intent limit_buy(symbol_id s, std::string_view q, std::string_view limit) {
    return intent(s, side::buy, q, order_type::limit, limit);
  }
  order_intent cancel_of(uint64_t target) {
    order_intent i;
    i.kind = intent_kind::cancel;
    i.strategy = strategy_id{9};
    i.symbol = aapl;
    i.cancel_target = order_id{target};
    i.hash = decision_hash{0x5678, ++hash_counter};
    return i;
  }

  /// Runs on_intent and returns the verdict it pushed (drains the audit trail too).
  risk_verdict decide(const order_intent& i) {
    risk->on_order_intent(i);
    risk_verdict v;
    EXPECT_TRUE(out.pop(v));
    audit_row row;
    while (audit.pop(row)) {
    }
    return v;
  }

  void control(control_kind k, trading_state st = trading_state::active) {
    control_command c;
    c.kind = k;
    c.state = st;
    c.limits = risk->limits();
    risk->on_control_command(c);
  }
  void reload(const risk_limits& l) {
    control_command c;
    c.kind = control_kind::reload_risk_limits;
    c.limits = l;
    risk->on_control_command(c);
  }

  engine_config cfg;
  symbol_table symbols{64};
  mailbox<risk_verdict> out{1024};
  audit_sink audit{1 << 12};
  manual_clock clk{timestamp{1'700'000'000 * ns_per_second}};
  symbol_id aapl, msft, tsla;
  std::unique_ptr<actors::risk_engine> risk;
  uint64_t hash_counter = 0;
};

}  // namespace torghut::test
