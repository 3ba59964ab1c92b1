// Each risk rule: a just-inside order passes and a just-outside one is rejected with its reason.

#include "risk_fixture.hpp"

namespace torghut::test {
namespace {

using actors::risk_engine;
using rr = risk_reason;

class risk_rules : public risk_fixture {
 protected:
  void SetUp() override { risk->on_market_event(quote_event(aapl, "99.99", "100.01")); }
};

// --- kill switch, trading state, cancels ---------------------------------------------------------

TEST_F(risk_rules, kill_switch_rejects_new_orders_until_released) {
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
  control(control_kind::kill_switch_on);
  EXPECT_TRUE(risk->kill_switch());
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::kill_switch_engaged);
  EXPECT_EQ(risk->check(sell(aapl, "1")), rr::kill_switch_engaged);
  control(control_kind::kill_switch_off);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

TEST_F(risk_rules, halted_state_rejects_every_new_order) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  control(control_kind::set_trading_state, trading_state::halted);
  EXPECT_EQ(risk->state(), trading_state::halted);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::trading_halted);
  EXPECT_EQ(risk->check(sell(aapl, "1")), rr::trading_halted);  // even a reducing one
  control(control_kind::set_trading_state, trading_state::active);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

TEST_F(risk_rules, cancels_pass_under_kill_switch_halted_state_and_audit_backpressure) {
  control(control_kind::kill_switch_on);
  control(control_kind::set_trading_state, trading_state::halted);
  while (!audit.backpressured()) audit.emit(audit_row{});
  EXPECT_EQ(risk->check(cancel_of(7)), rr::approved);
  risk->on_order_intent(cancel_of(7));
  risk_verdict v;
  ASSERT_TRUE(out.pop(v));
  EXPECT_TRUE(v.approved());
  EXPECT_EQ(v.intent.kind, intent_kind::cancel);
  EXPECT_EQ(v.state, trading_state::halted);
}

TEST_F(risk_rules, reducing_state_lets_a_sell_of_a_long_through_and_rejects_a_buy) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  control(control_kind::set_trading_state, trading_state::reducing);
  EXPECT_EQ(risk->check(sell(aapl, "10")), rr::approved);
  EXPECT_EQ(risk->check(sell(aapl, "10.000000001")), rr::trading_reducing);  // would flip short
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::trading_reducing);
  EXPECT_EQ(risk->check(sell(msft, "1")), rr::trading_reducing);  // no position to reduce
}

TEST_F(risk_rules, reducing_state_counts_pending_sells_against_the_position) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  control(control_kind::set_trading_state, trading_state::reducing);
  EXPECT_TRUE(decide(sell(aapl, "6")).approved());
  EXPECT_EQ(risk->check(sell(aapl, "4")), rr::approved);
  EXPECT_EQ(risk->check(sell(aapl, "5")), rr::trading_reducing);
}

TEST_F(risk_rules, reducing_state_lets_a_buy_cover_a_short) {
  risk->on_execution_report(fill_report(aapl, side::sell, "10", "100"));
  control(control_kind::set_trading_state, trading_state::reducing);
  EXPECT_EQ(risk->check(buy(aapl, "10")), rr::approved);
  EXPECT_EQ(risk->check(buy(aapl, "11")), rr::trading_reducing);
  EXPECT_EQ(risk->check(sell(aapl, "1")), rr::trading_reducing);
}

// --- audit back-pressure ----------------------------------------------------------------------

TEST_F(risk_rules, audit_backpressure_blocks_risk_increasing_orders_only) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  while (!audit.backpressured()) audit.emit(audit_row{});
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::audit_backpressure);
  EXPECT_EQ(risk->check(sell(aapl, "1")), rr::approved);  // reduces the long
  audit_row row;
  while (audit.pop(row)) {
  }
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

TEST_F(risk_rules, after_audit_rows_were_dropped_trading_resumes_once_the_queue_drains) {
  while (audit.dropped() == 0) audit.emit(audit_row{});  // the queue overflowed: rows were lost
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::audit_backpressure);
  audit_row row;
  while (audit.pop(row)) {
  }
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
  EXPECT_GT(audit.dropped(), 0u);  // still counted for the metric
}

// --- symbols ----------------------------------------------------------------------------------

TEST_F(risk_rules, rejects_symbol_outside_the_allow_list) {
  risk->on_market_event(quote_event(tsla, "99.99", "100.01"));
  EXPECT_EQ(risk->check(buy(tsla, "1")), rr::symbol_not_allowed);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
  EXPECT_EQ(risk->check(buy(symbol_id{}, "1")), rr::symbol_not_allowed);
  EXPECT_EQ(risk->check(buy(symbol_id{63}, "1")), rr::symbol_not_allowed);  // not interned
  EXPECT_EQ(risk->check(buy(symbol_id{1000}, "1")), rr::symbol_not_allowed);
}

TEST_F(risk_rules, allows_a_listed_symbol_interned_after_construction) {
  const symbol_id late = symbols.intern("LATE");
  risk->on_market_event(quote_event(late, "9.99", "10.01"));
  EXPECT_EQ(risk->check(buy(late, "1")), rr::approved);
  const symbol_id other = symbols.intern("OTHER");
  risk->on_market_event(quote_event(other, "9.99", "10.01"));
  EXPECT_EQ(risk->check(buy(other, "1")), rr::symbol_not_allowed);
}

TEST_F(risk_rules, rejects_a_halted_symbol_until_trading_resumes) {
  risk->on_market_event(status_event(aapl, "H"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::symbol_halted);
  EXPECT_EQ(risk->check(buy(msft, "1")), rr::no_reference_price);  // other symbols unaffected
  risk->on_market_event(status_event(aapl, "T"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

TEST_F(risk_rules, treats_the_halted_event_flag_as_a_halt) {
  market_event q = quote_event(aapl, "99.99", "100.01");
  q.flags = event_flags::halted;
  risk->on_market_event(q);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::symbol_halted);
  risk->on_market_event(status_event(aapl, "T"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

// --- quantity ---------------------------------------------------------------------------------

TEST_F(risk_rules, rejects_non_positive_quantity) {
  EXPECT_EQ(risk->check(buy(aapl, "0")), rr::invalid_quantity);
  EXPECT_EQ(risk->check(buy(aapl, "-1")), rr::invalid_quantity);
  EXPECT_EQ(risk->check(buy(aapl, "0.000000001")), rr::approved);
}

TEST_F(risk_rules, rejects_order_above_max_quantity) {
  risk->on_market_event(quote_event(msft, "0.99", "1.01"));
  EXPECT_EQ(risk->check(buy(msft, "1000")), rr::approved);
  EXPECT_EQ(risk->check(buy(msft, "1000.000000001")), rr::quantity_exceeds_max);
}

// --- duplicate decisions ----------------------------------------------------------------------

TEST_F(risk_rules, rejects_a_repeated_decision_hash_after_approval) {
  const order_intent first = buy(aapl, "1");
  EXPECT_TRUE(decide(first).approved());
  EXPECT_EQ(decide(first).reason, rr::duplicate_decision);
  EXPECT_TRUE(decide(buy(aapl, "1")).approved());  // a different hash
}

TEST_F(risk_rules, a_rejected_decision_can_be_retried_with_the_same_hash) {
  const order_intent i = buy(aapl, "1");
  control(control_kind::kill_switch_on);
  EXPECT_EQ(decide(i).reason, rr::kill_switch_engaged);
  control(control_kind::kill_switch_off);
  EXPECT_TRUE(decide(i).approved());
}

TEST_F(risk_rules, the_all_zero_hash_is_remembered_too) {
  order_intent i = buy(aapl, "1");
  i.hash = decision_hash{};
  EXPECT_TRUE(decide(i).approved());
  EXPECT_EQ(decide(i).reason, rr::duplicate_decision);
}

// --- reference price and collar ---------------------------------------------------------------

TEST_F(risk_rules, rejects_without_a_quote_or_trade_and_falls_back_to_the_last_trade) {
  EXPECT_EQ(risk->check(buy(msft, "1")), rr::no_reference_price);
  risk->on_market_event(trade_event(msft, "50"));
  EXPECT_EQ(risk->check(buy(msft, "1")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(msft, "1", "52.5")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(msft, "1", "52.500000001")), rr::price_outside_collar);
}

TEST_F(risk_rules, a_one_sided_quote_is_not_a_reference) {
  risk->on_market_event(quote_event(msft, "0", "50"));
  EXPECT_EQ(risk->check(buy(msft, "1")), rr::no_reference_price);
}

TEST_F(risk_rules, rejects_limit_price_outside_the_collar) {
  // mid 100.00, collar 5%: 95.00 .. 105.00 inclusive.
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "105")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "105.000000001")), rr::price_outside_collar);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "95")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "94.999999999")), rr::price_outside_collar);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "0")), rr::price_outside_collar);
}

TEST_F(risk_rules, rejects_market_order_whose_reference_is_outside_the_collar) {
  EXPECT_EQ(risk->check(intent(aapl, side::buy, "1", order_type::market, "0", "105")),
            rr::approved);
  EXPECT_EQ(risk->check(intent(aapl, side::buy, "1", order_type::market, "0", "105.01")),
            rr::price_outside_collar);
}

// --- notional ---------------------------------------------------------------------------------

TEST_F(risk_rules, rejects_order_above_max_notional) {
  // limit 100.00 × 100 = 10,000.00 = max_notional_per_order (and 10% of 100,000 equity).
  EXPECT_EQ(risk->check(limit_buy(aapl, "100", "100")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "100.000001", "100")), rr::notional_exceeds_max_per_order);
}

TEST_F(risk_rules, market_order_notional_uses_the_ask_for_buys) {
  // ask 100.01 × 99.99 = 9,999.9999 passes; × 100 = 10,001 does not.
  EXPECT_EQ(risk->check(buy(aapl, "99.99")), rr::approved);
  EXPECT_EQ(risk->check(buy(aapl, "100")), rr::notional_exceeds_max_per_order);
}

TEST_F(risk_rules, rejects_order_above_the_strategy_max_notional_per_trade) {
  order_intent ok = limit_buy(aapl, "50", "100");  // 5,000.00
  ok.strategy = strategy_id{1};
  order_intent over = limit_buy(aapl, "50.000001", "100");
  over.strategy = strategy_id{1};
  EXPECT_EQ(risk->check(ok), rr::approved);
  EXPECT_EQ(risk->check(over), rr::notional_exceeds_max_per_order);
}

TEST_F(risk_rules, rejects_notional_that_overflows) {
  risk_limits l = risk->limits();
  l.max_order_qty = quantity::from_raw(std::numeric_limits<int64_t>::max());
  l.price_collar_pct = 1000.0;
  reload(l);
  risk->on_market_event(quote_event(msft, "9000000000", "9000000000"));
  EXPECT_EQ(risk->check(limit_buy(msft, "9000000000", "9000000000")), rr::arithmetic_overflow);
}

// --- position as % of equity ------------------------------------------------------------------

class risk_position : public risk_fixture {
 protected:
  void SetUp() override {
    cfg.limits.max_notional_per_order = usd("50000");
    cfg.strategies[0].max_notional_per_trade = usd("50000");
    rebuild();
    risk->on_market_event(quote_event(aapl, "99.99", "100.01"));
  }
};

TEST_F(risk_position, rejects_position_above_max_pct_of_equity) {
  risk->on_execution_report(fill_report(aapl, side::buy, "60", "100"));
  risk->on_market_event(quote_event(aapl, "99.99", "100.01"));  // mark 100: no P&L
  // 60 held + 40 at 100.00 = 10,000.00 = 10% of 100,000.
  EXPECT_EQ(risk->check(limit_buy(aapl, "40", "100")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "40.000001", "100")), rr::position_exceeds_max_pct_equity);
}

TEST_F(risk_position, applies_the_strategy_pct_when_tighter) {
  order_intent ok = limit_buy(aapl, "50", "100");  // 5,000 = 5%
  ok.strategy = strategy_id{1};
  order_intent over = limit_buy(aapl, "50.000001", "100");
  over.strategy = strategy_id{1};
  EXPECT_EQ(risk->check(ok), rr::approved);
  EXPECT_EQ(risk->check(over), rr::position_exceeds_max_pct_equity);
  over.strategy = strategy_id{9};  // unknown strategy: global 10% only
  EXPECT_EQ(risk->check(over), rr::approved);
}

TEST_F(risk_position, short_positions_count_by_magnitude) {
  order_intent s = intent(aapl, side::sell, "100", order_type::limit, "100");
  EXPECT_EQ(risk->check(s), rr::approved);
  s.qty = qty("100.000001");
  EXPECT_EQ(risk->check(s), rr::position_exceeds_max_pct_equity);
}

TEST_F(risk_position, approved_orders_count_as_open_exposure_until_terminal) {
  EXPECT_TRUE(decide(limit_buy(aapl, "60", "100")).approved());
  EXPECT_EQ(risk->check(limit_buy(aapl, "40.000001", "100")), rr::position_exceeds_max_pct_equity);
  EXPECT_EQ(risk->check(limit_buy(aapl, "40", "100")), rr::approved);
  // The first order is canceled unfilled: its exposure is released.
  execution_report r = fill_report(aapl, side::buy, "60", "100");
  r.status = order_status::canceled;
  r.last_qty = quantity{};
  r.cum_qty = quantity{};
  risk->on_execution_report(r);
  EXPECT_EQ(risk->check(limit_buy(aapl, "100", "100")), rr::approved);
}

TEST_F(risk_position, partially_filled_then_canceled_keeps_only_the_filled_part) {
  EXPECT_TRUE(decide(limit_buy(aapl, "60", "100")).approved());
  execution_report part = fill_report(aapl, side::buy, "20", "100");
  part.status = order_status::partially_filled;
  part.order_qty = qty("60");
  risk->on_execution_report(part);
  execution_report cxl = part;
  cxl.status = order_status::canceled;
  cxl.last_qty = quantity{};
  risk->on_execution_report(cxl);
  EXPECT_EQ(risk->position_of(aapl).qty, qty("20"));
  EXPECT_EQ(risk->check(limit_buy(aapl, "80", "100")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "80.000001", "100")), rr::position_exceeds_max_pct_equity);
}

TEST_F(risk_position, reducing_orders_skip_the_position_limit) {
  risk->on_execution_report(fill_report(aapl, side::buy, "100", "100"));
  risk_limits l = risk->limits();
  l.max_position_pct_equity = 0.01;
  reload(l);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "100")), rr::position_exceeds_max_pct_equity);
  EXPECT_EQ(risk->check(intent(aapl, side::sell, "50", order_type::limit, "100")), rr::approved);
}

// --- daily loss -------------------------------------------------------------------------------

class risk_daily_loss : public risk_fixture {
 protected:
  void SetUp() override {
    cfg.limits.max_position_pct_equity = 1.0;
    rebuild();
    risk->on_execution_report(fill_report(aapl, side::buy, "100", "100"));
  }
};

TEST_F(risk_daily_loss, rejects_risk_increasing_orders_once_the_daily_loss_limit_is_reached) {
  risk->on_market_event(quote_event(aapl, "80", "80.02"));  // mark 80.01: −1,999.00
  EXPECT_EQ(risk->unrealized_pnl(), usd("-1999"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
  risk->on_market_event(quote_event(aapl, "79.99", "80.01"));  // mark 80.00: −2,000.00
  EXPECT_EQ(risk->unrealized_pnl(), usd("-2000"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::daily_loss_limit_reached);
  EXPECT_EQ(risk->check(sell(aapl, "1")), rr::approved);  // reducing still passes
}

TEST_F(risk_daily_loss, counts_realized_losses) {
  risk->on_execution_report(fill_report(aapl, side::sell, "50", "60"));  // realized −2,000
  risk->on_market_event(quote_event(aapl, "99.99", "100.01"));        // rest marked flat
  EXPECT_EQ(risk->realized_pnl(), usd("-2000"));
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::daily_loss_limit_reached);
  risk_limits l = risk->limits();
  l.daily_loss_limit = usd("2000.000001");
  reload(l);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
}

// --- order rate -------------------------------------------------------------------------------

TEST_F(risk_rules, rejects_orders_beyond_the_burst_and_refills_with_time) {
  for (int k = 0; k < 20; ++k) ASSERT_TRUE(decide(buy(aapl, "1")).approved()) << k;
  EXPECT_EQ(decide(buy(aapl, "1")).reason, rr::order_rate_exceeded);
  clk.advance(duration_ns{299'999'999});  // 200/min: one token per 300 ms
  EXPECT_EQ(decide(buy(aapl, "1")).reason, rr::order_rate_exceeded);
  clk.advance(duration_ns{1});
  EXPECT_TRUE(decide(buy(aapl, "1")).approved());
  EXPECT_EQ(decide(buy(aapl, "1")).reason, rr::order_rate_exceeded);
}

TEST_F(risk_rules, check_is_pure_and_takes_no_token_or_hash) {
  risk_limits l = risk->limits();
  l.order_burst = 1;
  reload(l);
  const order_intent i = buy(aapl, "1");
  for (int k = 0; k < 3; ++k) EXPECT_EQ(risk->check(i), rr::approved);
  EXPECT_TRUE(decide(i).approved());
  EXPECT_EQ(risk->check(i), rr::duplicate_decision);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::order_rate_exceeded);
}

TEST(token_bucket, refills_at_the_configured_rate_up_to_the_burst) {
  actors::token_bucket b(60, 2);  // one a second, two stored
  const timestamp t0{1'000 * ns_per_second};
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_TRUE(b.try_take(t0 + duration_ns{ns_per_second}));
  EXPECT_FALSE(b.try_take(t0 + duration_ns{ns_per_second}));
  // A long pause refills only up to the burst.
  const timestamp t1 = t0 + duration_ns{3600 * ns_per_second};
  EXPECT_TRUE(b.try_take(t1));
  EXPECT_TRUE(b.try_take(t1));
  EXPECT_FALSE(b.try_take(t1));
  // Time going backwards adds nothing.
  EXPECT_FALSE(b.try_take(t0));
}

TEST(token_bucket, zero_rate_or_burst_allows_nothing) {
  actors::token_bucket none(0, 5);
  EXPECT_FALSE(none.try_take(timestamp{1}));
  actors::token_bucket b(60, 1);
  EXPECT_TRUE(b.try_take(timestamp{1}));
  b.reconfigure(60, 0);
  EXPECT_FALSE(b.try_take(timestamp{10 * ns_per_second}));
}

// --- limits reload ----------------------------------------------------------------------------

TEST_F(risk_rules, limits_reload_takes_effect) {
  EXPECT_EQ(risk->check(buy(aapl, "6")), rr::approved);
  risk_limits l = risk->limits();
  l.max_order_qty = qty("5");
  reload(l);
  EXPECT_EQ(risk->limits().max_order_qty, qty("5"));
  EXPECT_EQ(risk->check(buy(aapl, "6")), rr::quantity_exceeds_max);
  EXPECT_EQ(risk->check(buy(aapl, "5")), rr::approved);
  l.price_collar_pct = 0.01;
  reload(l);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "101")), rr::approved);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "101.01")), rr::price_outside_collar);
}

TEST_F(risk_rules, limits_reload_reconfigures_the_order_rate) {
  risk_limits l = risk->limits();
  l.orders_per_minute = 60;
  l.order_burst = 2;
  reload(l);
  EXPECT_TRUE(decide(buy(aapl, "1")).approved());
  EXPECT_TRUE(decide(buy(aapl, "1")).approved());
  EXPECT_EQ(decide(buy(aapl, "1")).reason, rr::order_rate_exceeded);
  clk.advance(duration_ns{ns_per_second});
  EXPECT_TRUE(decide(buy(aapl, "1")).approved());
}

TEST_F(risk_rules, a_nan_percentage_fails_closed) {
  risk_limits l = risk->limits();
  l.price_collar_pct = std::numeric_limits<double>::quiet_NaN();
  reload(l);
  EXPECT_EQ(risk->check(limit_buy(aapl, "1", "100.000000001")), rr::price_outside_collar);
}

// --- evaluation order -------------------------------------------------------------------------

TEST_F(risk_rules, the_first_failing_rule_names_the_rejection) {
  order_intent i = buy(tsla, "0");  // not allowed and invalid quantity
  EXPECT_EQ(risk->check(i), rr::symbol_not_allowed);
  control(control_kind::kill_switch_on);
  EXPECT_EQ(risk->check(i), rr::kill_switch_engaged);
}

}  // namespace
}  // namespace torghut::test
