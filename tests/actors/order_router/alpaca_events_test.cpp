// The router with Alpaca-shaped events: orders found by client_order_id, fills applied by the
// broker's cumulative quantity (duplicates, missed fills), adoption by reconciliation, and the
// reject-code names.

#include "router_fixture.hpp"

namespace torghut::test {
namespace {

using os = order_status;
using be = broker_event_kind;

class alpaca_router : public ::testing::Test {
 protected:
  mailbox<order_command> commands{256};
  mailbox<execution_report> reports{256};
  audit_sink audit{1024};
  manual_clock clk{timestamp{5'000}};
  actors::order_router router{commands, reports, audit, clk, 16};

  order_command submit(std::string_view q = "10", uint64_t h = 1) {
    router.on_risk_verdict(approved_order(q, side::buy, h));
    order_command c;
    EXPECT_TRUE(commands.pop(c));
    execution_report r;
    EXPECT_TRUE(reports.pop(r));
    return c;
  }
  /// An event as trade_updates delivers it: no engine id, the client_order_id, the fill and the
  /// order's filled_qty / filled_avg_price.
  static broker_event update(const client_order_id& coid, be k, std::string_view q = "0",
                             std::string_view p = "0", std::string_view cum = "0",
                             std::string_view avg = "0") {
    broker_event ev = event(0, k, q, p);
    ev.coid = coid;
    ev.cum_qty = qty(cum);
    ev.avg_px = px(avg);
    return ev;
  }
  std::vector<execution_report> send(const broker_event& ev) {
    router.on_broker_event(ev);
    return drain(reports);
  }
};

TEST_F(alpaca_router, finds_the_order_by_client_order_id) {
  const order_command c = submit("10");
  EXPECT_EQ(router.find_by_coid(c.coid), c.id);
  const auto r = send(update(c.coid, be::new_order));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].id, c.id);
  EXPECT_EQ(r[0].status, os::new_order);
  client_order_id other;
  other.assign("someone-else");
  EXPECT_TRUE(send(update(other, be::fill, "1", "1", "1", "1")).empty());
  EXPECT_EQ(router.stats().unknown_orders, 1u);
}

TEST_F(alpaca_router, the_coid_index_survives_table_slot_reuse) {
  // Table of 16: 100 orders, each filled, each slot reused six times; every coid must resolve to
  // the order now in its slot and the old ones must be gone.
  std::vector<order_command> all;
  for (uint64_t h = 1; h <= 100; ++h) {
    const order_command c = submit("1", h);
    all.push_back(c);
    ASSERT_EQ(send(update(c.coid, be::fill, "1", "5", "1", "5")).size(), 1u);
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const auto found = router.find_by_coid(all[i].coid);
    if (i + 16 >= all.size()) {
      ASSERT_TRUE(found) << i;
      EXPECT_EQ(*found, all[i].id);
    } else {
      EXPECT_FALSE(found) << i;
    }
  }
}

TEST_F(alpaca_router, a_replayed_fill_with_the_same_cumulative_quantity_is_a_duplicate) {
  const order_command c = submit("10");
  auto r = send(update(c.coid, be::partial_fill, "4", "10", "4", "10"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last_qty, qty("4"));
  // Within the order quantity, so only the cumulative quantity can tell it is a replay.
  EXPECT_TRUE(send(update(c.coid, be::partial_fill, "4", "10", "4", "10")).empty());
  EXPECT_EQ(router.stats().duplicate_fills, 1u);
  r = send(update(c.coid, be::fill, "6", "11", "10", "10.6"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, os::filled);
  EXPECT_EQ(r[0].last_qty, qty("6"));
  EXPECT_EQ(r[0].last_px, px("11"));
  EXPECT_EQ(r[0].cum_qty, qty("10"));
  EXPECT_EQ(r[0].avg_px, px("10.6"));
  // The fill again, after filled: a duplicate, not a regress.
  EXPECT_TRUE(send(update(c.coid, be::fill, "6", "11", "10", "10.6")).empty());
  EXPECT_EQ(router.stats().duplicate_fills, 2u);
  EXPECT_EQ(router.status_of(c.id), os::filled);
}

TEST_F(alpaca_router, a_fill_after_a_missed_one_books_both_at_the_right_price) {
  const order_command c = submit("10");
  // Missed: partial fill of 4 at 10. Received: the fill of 6 at 11, cum 10 at avg 10.6.
  const auto r = send(update(c.coid, be::fill, "6", "11", "10", "10.6"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, os::filled);
  EXPECT_EQ(r[0].last_qty, qty("10"));
  EXPECT_EQ(r[0].last_px, px("10.6"));  // the missed 4 @ 10 and the 6 @ 11 together
  EXPECT_EQ(r[0].cum_qty, qty("10"));
}

TEST_F(alpaca_router, a_fill_event_short_of_the_order_quantity_leaves_it_partially_filled) {
  const order_command c = submit("10");
  const auto r = send(update(c.coid, be::fill, "3", "10", "3", "10"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, os::partially_filled);
}

TEST_F(alpaca_router, a_cancel_that_reports_unseen_fills_books_them_and_closes) {
  const order_command c = submit("10");
  const auto r = send(update(c.coid, be::canceled, "0", "0", "2", "9.5"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, os::canceled);
  EXPECT_EQ(r[0].last_qty, qty("2"));
  EXPECT_EQ(r[0].last_px, px("9.5"));
  EXPECT_EQ(r[0].cum_qty, qty("2"));
}

TEST_F(alpaca_router, a_cumulative_quantity_above_the_order_is_illegal) {
  const order_command c = submit("10");
  EXPECT_TRUE(send(update(c.coid, be::fill, "11", "1", "11", "1")).empty());
  EXPECT_EQ(router.stats().illegal_transitions, 1u);
  EXPECT_EQ(router.status_of(c.id), os::pending_new);
}

TEST_F(alpaca_router, out_of_order_fill_before_new_is_applied_and_the_late_new_is_ignored) {
  const order_command c = submit("10");
  ASSERT_EQ(send(update(c.coid, be::fill, "10", "5", "10", "5")).size(), 1u);
  EXPECT_TRUE(send(update(c.coid, be::new_order)).empty());
  EXPECT_EQ(router.stats().illegal_transitions, 1u);
  EXPECT_EQ(router.status_of(c.id), os::filled);
}

TEST_F(alpaca_router, adopts_an_unknown_open_broker_order) {
  actors::broker_order_state o;
  o.coid = client_order_id_for(decision_hash{7, 9});
  o.symbol = symbol_id{4};
  o.order_side = side::sell;
  o.status = os::partially_filled;
  o.qty = qty("10");
  o.filled_qty = qty("4");
  o.filled_avg_px = px("12.5");
  const auto id = router.adopt(o);
  ASSERT_TRUE(id);
  EXPECT_EQ(router.stats().adopted, 1u);
  const auto r = drain(reports);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, os::partially_filled);
  EXPECT_EQ(r[0].last_qty, quantity{});  // the broker's position already holds the fills
  EXPECT_EQ(r[0].cum_qty, qty("4"));
  EXPECT_EQ(r[0].hash, (decision_hash{7, 9}));  // read back from the tg- id
  EXPECT_FALSE(router.adopt(o)) << "known already";
  // Its later events resolve by coid, by cumulative quantity.
  const auto f = send(update(o.coid, be::fill, "6", "13", "10", "12.8"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, os::filled);
  EXPECT_EQ(f[0].last_qty, qty("6"));
  EXPECT_EQ(f[0].order_side, side::sell);
}

TEST(decision_hash_from_client_order_id, round_trips_and_refuses_other_ids) {
  const decision_hash h{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(decision_hash_from_client_order_id(client_order_id_for(h).view()), h);
  EXPECT_FALSE(decision_hash_from_client_order_id("tg-0123"));
  EXPECT_FALSE(decision_hash_from_client_order_id("xx-0123456789abcdeffedcba9876543210"));
  EXPECT_FALSE(decision_hash_from_client_order_id("tg-0123456789ABCDEFfedcba9876543210"));
  EXPECT_FALSE(decision_hash_from_client_order_id("8f14e45f-ceea-467f-a0e6-7a5c3b5e1d2a"));
}

TEST(reject_code_name, names_broker_and_engine_codes) {
  EXPECT_EQ(actors::reject_code_name(403), "INSUFFICIENT_BUYING_POWER");
  EXPECT_EQ(actors::reject_code_name(422), "UNPROCESSABLE_ORDER");
  EXPECT_EQ(actors::reject_code_name(429), "RATE_LIMITED");
  EXPECT_EQ(actors::reject_code_name(503), "BROKER_SERVER_ERROR");
  EXPECT_EQ(actors::reject_code_name(actors::reject_codes::gateway_unavailable), "BROKER_UNAVAILABLE");
  EXPECT_EQ(actors::reject_code_name(777), "REJECTED");
}

}  // namespace
}  // namespace torghut::test
