// Positions, P&L, equity, and what on_intent emits.

#include "risk_fixture.hpp"

namespace torghut::test {
namespace {

using rr = risk_reason;

class risk_ledger : public risk_fixture {};

TEST_F(risk_ledger, round_trip_pnl_is_exact_in_fixed_point) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100.01"));
  EXPECT_EQ(risk->position_of(aapl).qty, qty("10"));
  EXPECT_EQ(risk->position_of(aapl).cost_basis, usd("1000.1"));
  risk->on_execution_report(fill_report(aapl, side::sell, "10", "100.37"));
  EXPECT_EQ(risk->realized_pnl(), usd("3.6"));
  EXPECT_EQ(risk->position_of(aapl).realized_pnl, usd("3.6"));
  EXPECT_TRUE(risk->position_of(aapl).qty.is_zero());
  EXPECT_TRUE(risk->position_of(aapl).cost_basis.is_zero());
  EXPECT_TRUE(risk->unrealized_pnl().is_zero());
  EXPECT_EQ(risk->equity(), usd("100003.6"));
}

TEST_F(risk_ledger, many_small_round_trips_accumulate_without_drift) {
  for (int k = 0; k < 1000; ++k) {
    risk->on_execution_report(fill_report(aapl, side::buy, "3", "0.1"));
    risk->on_execution_report(fill_report(aapl, side::sell, "3", "0.2"));
  }
  EXPECT_EQ(risk->realized_pnl(), usd("300"));  // 1000 × 3 × 0.1, no binary rounding
}

TEST_F(risk_ledger, partial_close_realizes_at_average_cost) {
  risk->on_execution_report(fill_report(aapl, side::buy, "3", "10.00"));
  risk->on_execution_report(fill_report(aapl, side::buy, "7", "10.10"));  // avg 10.07
  risk->on_execution_report(fill_report(aapl, side::sell, "4", "10.20"));
  EXPECT_EQ(risk->realized_pnl(), usd("0.52"));
  EXPECT_EQ(risk->position_of(aapl).qty, qty("6"));
  EXPECT_EQ(risk->position_of(aapl).cost_basis, usd("60.42"));
}

TEST_F(risk_ledger, short_round_trip_realizes_the_drop) {
  risk->on_execution_report(fill_report(aapl, side::sell, "5", "50"));
  EXPECT_EQ(risk->position_of(aapl).qty, qty("-5"));
  EXPECT_EQ(risk->position_of(aapl).cost_basis, usd("-250"));
  risk->on_execution_report(fill_report(aapl, side::buy, "5", "45"));
  EXPECT_EQ(risk->realized_pnl(), usd("25"));
  EXPECT_TRUE(risk->position_of(aapl).qty.is_zero());
}

TEST_F(risk_ledger, a_fill_through_zero_flips_the_position_at_the_fill_price) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  risk->on_execution_report(fill_report(aapl, side::sell, "15", "110"));
  EXPECT_EQ(risk->realized_pnl(), usd("100"));
  EXPECT_EQ(risk->position_of(aapl).qty, qty("-5"));
  EXPECT_EQ(risk->position_of(aapl).cost_basis, usd("-550"));
  risk->on_market_event(quote_event(aapl, "104.99", "105.01"));  // mark 105
  EXPECT_EQ(risk->unrealized_pnl(), usd("25"));
}

TEST_F(risk_ledger, equity_reflects_marks_from_quotes_and_trades) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  risk->on_execution_report(fill_report(msft, side::sell, "2", "300"));
  EXPECT_TRUE(risk->unrealized_pnl().is_zero());  // marked at the fill price
  risk->on_market_event(quote_event(aapl, "100.99", "101.01"));
  EXPECT_EQ(risk->position_of(aapl).mark, px("101"));
  EXPECT_EQ(risk->unrealized_pnl(), usd("10"));
  EXPECT_EQ(risk->equity(), usd("100010"));
  risk->on_market_event(trade_event(aapl, "99"));
  EXPECT_EQ(risk->unrealized_pnl(), usd("-10"));
  risk->on_market_event(trade_event(msft, "310"));  // short loses 20
  EXPECT_EQ(risk->unrealized_pnl(), usd("-30"));
  EXPECT_EQ(risk->equity(), usd("99970"));
}

TEST_F(risk_ledger, out_of_order_quotes_do_not_move_the_mark) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "100"));
  market_event old = quote_event(aapl, "89.99", "90.01");
  old.flags = event_flags::out_of_order;
  risk->on_market_event(old);
  EXPECT_TRUE(risk->unrealized_pnl().is_zero());
}

TEST_F(risk_ledger, position_of_an_unknown_symbol_is_flat) {
  EXPECT_TRUE(risk->position_of(symbol_id{}).qty.is_zero());
  EXPECT_TRUE(risk->position_of(symbol_id{100000}).qty.is_zero());
}

TEST_F(risk_ledger, on_intent_pushes_and_audits_the_verdict_with_state_and_time) {
  risk->on_market_event(quote_event(aapl, "99.99", "100.01"));
  clk.advance(duration_ns{42});
  const order_intent i = buy(aapl, "1");
  risk->on_order_intent(i);
  risk_verdict v;
  ASSERT_TRUE(out.pop(v));
  EXPECT_TRUE(v.approved());
  EXPECT_EQ(v.intent.hash, i.hash);
  EXPECT_EQ(v.state, trading_state::active);
  EXPECT_EQ(v.decided_at, clk.now());
  audit_row row;
  ASSERT_TRUE(audit.pop(row));
  EXPECT_EQ(row.kind, audit_kind::verdict);
  EXPECT_EQ(row.body.verdict.intent.hash, i.hash);
  EXPECT_EQ(row.time, clk.now());

  control(control_kind::set_trading_state, trading_state::reducing);
  risk->on_order_intent(buy(aapl, "1"));
  ASSERT_TRUE(out.pop(v));
  EXPECT_EQ(v.reason, rr::trading_reducing);
  EXPECT_EQ(v.state, trading_state::reducing);
  ASSERT_TRUE(audit.pop(row));
  EXPECT_EQ(row.body.verdict.reason, rr::trading_reducing);

  EXPECT_EQ(risk->stats().checked, 2u);
  EXPECT_EQ(risk->stats().approved, 1u);
  EXPECT_EQ(risk->stats().rejected, 1u);
  EXPECT_EQ(risk->stats().by_reason[static_cast<size_t>(rr::trading_reducing)], 1u);
}

TEST_F(risk_ledger, a_verdict_the_mailbox_refuses_leaves_no_hash_or_exposure_behind) {
  risk->on_market_event(quote_event(aapl, "99.99", "100.01"));
  risk_verdict filler;
  while (out.push(filler) == push_result::ok) {
  }
  const order_intent i = buy(aapl, "1");
  risk->on_order_intent(i);
  EXPECT_EQ(risk->stats().back_pressured, 1u);
  risk_verdict v;
  while (out.pop(v)) {
  }
  EXPECT_EQ(risk->check(i), rr::approved);  // the hash was not recorded
}

}  // namespace
}  // namespace torghut::test
