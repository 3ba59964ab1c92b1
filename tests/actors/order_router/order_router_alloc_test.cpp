// The per-message functions of order_router and paper_broker allocate nothing after
// construction.

#include "router_fixture.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::test {
namespace {

TEST(order_router_alloc, per_message_functions_allocate_nothing_after_construction) {
  mailbox<order_command> commands{1024};
  mailbox<execution_report> reports{1024};
  mailbox<broker_event> events{1024};
  audit_sink audit{4096};
  manual_clock clk{timestamp{1}};
  actors::order_router router{commands, reports, audit, clk, 256};
  actors::paper_broker broker{events, clk, 16, 256, /*shares_per_quote_lot=*/1};

  uint64_t allocations = 0;
  {
    allocation_scope scope;
    for (uint64_t k = 0; k < 500; ++k) {
      clk.advance(duration_ns{1000});
      broker.on_market_event(quote(symbol_id{2}, "10", "7", "10.01", "7"));
      router.on_risk_verdict(approved_order("10", k % 2 == 0 ? side::buy : side::sell, k + 1));
      router.on_risk_verdict(approved_order("3", side::buy, k + 100'000, order_type::limit, "1"));
      router.on_risk_verdict(approved_cancel(2 * k + 2));  // cancel the resting limit order
      router.on_risk_verdict(approved_cancel(999'999));    // unknown
      order_command c;
      while (commands.pop(c)) broker.on_order_command(c);
      broker_event e;
      while (events.pop(e)) {
        router.on_broker_event(e);
        router.on_broker_event(e);  // duplicate delivery
      }
      (void)router.status_of(order_id{k});
      execution_report r;
      while (reports.pop(r)) {
      }
      audit_row row;
      while (audit.pop(row)) {
      }
    }
    allocations = scope.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(broker.fills(), 500u);
  EXPECT_GT(router.stats().fills, 500u);
  EXPECT_GT(router.stats().illegal_transitions + router.stats().duplicate_fills, 0u);
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
