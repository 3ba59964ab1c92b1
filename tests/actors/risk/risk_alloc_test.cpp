// The per-message functions of risk_engine allocate nothing after construction.

#include "risk_fixture.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::test {
namespace {

class risk_alloc : public risk_fixture {};

TEST_F(risk_alloc, per_message_functions_allocate_nothing_after_construction) {
  const symbol_id late = symbols.intern("LATE");  // resolved lazily on the hot path
  risk_verdict v;
  audit_row row;
  uint64_t allocations = 0;
  {
    allocation_scope scope;
    for (int k = 0; k < 200; ++k) {
      clk.advance(duration_ns{400'000'000});
      risk->on_market_event(quote_event(aapl, "99.99", "100.01"));
      risk->on_market_event(trade_event(late, "10"));
      risk->on_market_event(status_event(msft, k % 2 == 0 ? "H" : "T"));
      const order_intent i = k % 2 == 0 ? buy(aapl, "1") : sell(aapl, "1");
      (void)risk->check(i);
      risk->on_order_intent(i);
      risk->on_order_intent(buy(late, "1"));
      risk->on_order_intent(cancel_of(static_cast<uint64_t>(k)));
      risk->on_order_intent(i);  // duplicate
      risk->on_execution_report(fill_report(aapl, i.order_side, "1", "100"));
      control_command c;
      c.kind = control_kind::reload_risk_limits;
      c.limits = risk->limits();
      risk->on_control_command(c);
      c.kind = control_kind::kill_switch_on;
      risk->on_control_command(c);
      risk->on_order_intent(buy(aapl, "1"));
      c.kind = control_kind::kill_switch_off;
      risk->on_control_command(c);
      (void)risk->equity();
      while (out.pop(v)) {
      }
      while (audit.pop(row)) {
      }
    }
    allocations = scope.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(risk->stats().approved, 200u);
  EXPECT_GT(risk->stats().by_reason[static_cast<size_t>(risk_reason::duplicate_decision)], 0u);
}

TEST(counting_new, counts_allocations_while_on) {
  uint64_t n = 0;
  {
    allocation_scope scope;
    int* volatile p = new int(3);  // volatile: the pair must not be elided
    delete p;
    n = scope.count();
  }
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace torghut::test
