// Risk's side of broker reconciliation: the gate before start-up reconciliation, positions and
// equity taken from the broker, adopted exposure and decision hashes.
#include "risk_fixture.hpp"

namespace torghut::test {
namespace {

using rr = risk_reason;

class risk_reconcile : public risk_fixture {
 protected:
  void SetUp() override { risk->on_market_event(quote_event(aapl, "99.9", "100.1")); }
};

TEST_F(risk_reconcile, rejects_new_orders_until_reconciled_but_lets_cancels_through) {
  risk->require_reconciliation(true);
  EXPECT_FALSE(risk->reconciled());
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::awaiting_reconciliation);
  EXPECT_EQ(risk->check(cancel_of(1)), rr::approved);
  risk->set_reconciled(true);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::approved);
  EXPECT_EQ(to_string(rr::awaiting_reconciliation), "AWAITING_RECONCILIATION");
}

TEST_F(risk_reconcile, the_kill_switch_still_comes_first) {
  risk->require_reconciliation(true);
  control(control_kind::kill_switch_on);
  EXPECT_EQ(risk->check(buy(aapl, "1")), rr::kill_switch_engaged);
}

TEST_F(risk_reconcile, set_position_makes_the_broker_position_the_local_one) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "90"));
  EXPECT_FALSE(risk->set_position(aapl, qty("10"), px("90"))) << "same position: no difference";
  EXPECT_TRUE(risk->set_position(aapl, qty("-4"), px("101")));
  EXPECT_EQ(risk->position_of(aapl).qty, qty("-4"));
  EXPECT_EQ(risk->position_of(aapl).cost_basis, usd("-404"));
  // Marked at the 100 mid: a short of 4 from 101 is 4 up.
  EXPECT_EQ(risk->unrealized_pnl(), usd("4"));
}

TEST_F(risk_reconcile, equity_from_the_broker_moves_the_base_not_the_pnl) {
  risk->on_execution_report(fill_report(aapl, side::buy, "10", "90"));  // 10 × (100 − 90) unrealized
  risk->set_equity(usd("50000"));
  EXPECT_EQ(risk->equity(), usd("50000"));
  EXPECT_EQ(risk->unrealized_pnl(), usd("100"));
}

TEST_F(risk_reconcile, adopted_exposure_counts_toward_the_position_limit) {
  // The global 10 % of 100 000 = 10 000 per symbol (an unknown strategy): 95 shares at the
  // 100.1 ask fit; with 20 adopted open shares they do not.
  risk_limits l = risk->limits();
  l.max_notional_per_order = usd("50000");
  reload(l);
  EXPECT_EQ(risk->check(buy(aapl, "95")), rr::approved);
  risk->add_open_exposure(aapl, side::buy, qty("20"));
  EXPECT_EQ(risk->check(buy(aapl, "95")), rr::position_exceeds_max_pct_equity);
}

TEST_F(risk_reconcile, an_adopted_decision_hash_cannot_be_sent_again) {
  order_intent i = buy(aapl, "1");
  risk->remember_decision(i.hash);
  EXPECT_EQ(risk->check(i), rr::duplicate_decision);
}

}  // namespace
}  // namespace torghut::test
