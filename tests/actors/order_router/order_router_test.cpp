// The order state machine and the order router actor.

#include <map>
#include <tuple>

#include "router_fixture.hpp"

namespace torghut::test {
namespace {

using actors::next_status;
using os = order_status;
using be = broker_event_kind;

// --- next_status --------------------------------------------------------------------------------

const std::map<std::pair<os, be>, os>& legal_transitions() {
  static const std::map<std::pair<os, be>, os> table = {
      {{os::pending_new, be::accepted}, os::accepted},
      {{os::pending_new, be::new_order}, os::new_order},
      {{os::pending_new, be::partial_fill}, os::partially_filled},
      {{os::pending_new, be::fill}, os::filled},
      {{os::pending_new, be::pending_cancel}, os::pending_cancel},
      {{os::pending_new, be::canceled}, os::canceled},
      {{os::pending_new, be::rejected}, os::rejected},
      {{os::pending_new, be::expired}, os::expired},
      {{os::pending_new, be::replaced}, os::replaced},
      {{os::accepted, be::new_order}, os::new_order},
      {{os::accepted, be::partial_fill}, os::partially_filled},
      {{os::accepted, be::fill}, os::filled},
      {{os::accepted, be::pending_cancel}, os::pending_cancel},
      {{os::accepted, be::canceled}, os::canceled},
      {{os::accepted, be::rejected}, os::rejected},
      {{os::accepted, be::expired}, os::expired},
      {{os::accepted, be::replaced}, os::replaced},
      {{os::new_order, be::partial_fill}, os::partially_filled},
      {{os::new_order, be::fill}, os::filled},
      {{os::new_order, be::pending_cancel}, os::pending_cancel},
      {{os::new_order, be::canceled}, os::canceled},
      {{os::new_order, be::rejected}, os::rejected},
      {{os::new_order, be::expired}, os::expired},
      {{os::new_order, be::replaced}, os::replaced},
      {{os::partially_filled, be::partial_fill}, os::partially_filled},
      {{os::partially_filled, be::fill}, os::filled},
      {{os::partially_filled, be::pending_cancel}, os::pending_cancel},
      {{os::partially_filled, be::canceled}, os::canceled},
      {{os::partially_filled, be::expired}, os::expired},
      {{os::partially_filled, be::replaced}, os::replaced},
      {{os::pending_cancel, be::partial_fill}, os::partially_filled},
      {{os::pending_cancel, be::fill}, os::filled},
      {{os::pending_cancel, be::canceled}, os::canceled},
      {{os::pending_cancel, be::expired}, os::expired},
      {{os::pending_cancel, be::replaced}, os::replaced},
  };
  return table;
}

TEST(next_status, accepts_exactly_the_documented_transitions) {
  int legal = 0;
  for (int s = 0; s <= static_cast<int>(os::replaced); ++s) {
    for (int e = 0; e <= static_cast<int>(be::replaced); ++e) {
      const auto cur = static_cast<os>(s);
      const auto ev = static_cast<be>(e);
      const auto it = legal_transitions().find({cur, ev});
      const std::optional<os> got = next_status(cur, ev);
      if (it == legal_transitions().end()) {
        EXPECT_FALSE(got.has_value()) << to_string(cur) << " + event " << e;
      } else {
        ++legal;
        ASSERT_TRUE(got.has_value()) << to_string(cur) << " + event " << e;
        EXPECT_EQ(*got, it->second) << to_string(cur) << " + event " << e;
      }
    }
  }
  EXPECT_EQ(legal, 35);
}

TEST(next_status, terminal_states_accept_nothing) {
  for (os t : {os::filled, os::canceled, os::rejected, os::expired, os::replaced})
    for (int e = 0; e <= static_cast<int>(be::replaced); ++e)
      EXPECT_FALSE(next_status(t, static_cast<be>(e)).has_value());
}

TEST(next_status, a_fill_racing_a_cancel_wins) {
  EXPECT_EQ(next_status(os::pending_cancel, be::fill), os::filled);
  EXPECT_EQ(next_status(os::pending_cancel, be::partial_fill), os::partially_filled);
  EXPECT_EQ(next_status(os::partially_filled, be::canceled), os::canceled);
}

TEST(next_status, never_regresses_to_an_earlier_state) {
  EXPECT_FALSE(next_status(os::new_order, be::accepted));
  EXPECT_FALSE(next_status(os::new_order, be::pending_new));
  EXPECT_FALSE(next_status(os::partially_filled, be::new_order));
  EXPECT_FALSE(next_status(os::partially_filled, be::rejected));
  EXPECT_FALSE(next_status(os::pending_cancel, be::new_order));
  EXPECT_FALSE(next_status(os::pending_cancel, be::pending_cancel));
}

// --- client order ids -------------------------------------------------------------------------

TEST(client_order_id, is_derived_from_the_hash_short_enough_and_stable) {
  const decision_hash h{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  const client_order_id a = client_order_id_for(h);
  const client_order_id b = client_order_id_for(h);
  EXPECT_EQ(a, b);
  EXPECT_LE(a.view().size(), 48u);
  EXPECT_EQ(a.view(), "tg-0123456789abcdeffedcba9876543210");
  EXPECT_NE(client_order_id_for(decision_hash{h.hi, h.lo + 1}), a);
}

// --- the router ---------------------------------------------------------------------------------

class router_test : public ::testing::Test {
 protected:
  mailbox<order_command> commands{256};
  mailbox<execution_report> reports{256};
  audit_sink audit{1024};
  manual_clock clk{timestamp{5'000}};
  actors::order_router router{commands, reports, audit, clk, 16};

  /// Submits an approved order and returns its id (drains the command and the first report).
  order_id submit(std::string_view q = "10", uint64_t h = 1) {
    router.on_risk_verdict(approved_order(q, side::buy, h));
    order_command c;
    EXPECT_TRUE(commands.pop(c));
    execution_report r;
    EXPECT_TRUE(reports.pop(r));
    return c.id;
  }
  /// Sends a broker event; returns the report it produced, if any.
  std::optional<execution_report> send(const broker_event& ev) {
    router.on_broker_event(ev);
    execution_report r;
    if (!reports.pop(r)) return std::nullopt;
    EXPECT_FALSE(reports.pop(r)) << "one report per event";
    return r;
  }
};

TEST_F(router_test, approved_order_becomes_a_command_with_a_hash_derived_id) {
  risk_verdict v = approved_order("10", side::sell, 77, order_type::limit, "123.45");
  v.intent.tif = time_in_force::ioc;
  v.intent.stop_px = px("1");
  router.on_risk_verdict(v);
  order_command c;
  ASSERT_TRUE(commands.pop(c));
  EXPECT_EQ(c.kind, order_command_kind::submit);
  EXPECT_EQ(c.id, order_id{1});
  EXPECT_EQ(c.coid, client_order_id_for(v.intent.hash));
  EXPECT_EQ(c.strategy, v.intent.strategy);
  EXPECT_EQ(c.symbol, v.intent.symbol);
  EXPECT_EQ(c.order_side, side::sell);
  EXPECT_EQ(c.type, order_type::limit);
  EXPECT_EQ(c.tif, time_in_force::ioc);
  EXPECT_EQ(c.qty, qty("10"));
  EXPECT_EQ(c.limit_px, px("123.45"));
  EXPECT_EQ(c.stop_px, px("1"));
  EXPECT_EQ(c.hash, v.intent.hash);
  EXPECT_EQ(c.created_at, clk.now());

  execution_report r;
  ASSERT_TRUE(reports.pop(r));
  EXPECT_EQ(r.status, os::pending_new);
  EXPECT_EQ(r.id, c.id);
  EXPECT_EQ(r.coid, c.coid);
  EXPECT_EQ(r.order_qty, qty("10"));
  EXPECT_TRUE(r.cum_qty.is_zero());
  EXPECT_EQ(router.status_of(c.id), os::pending_new);

  audit_row row;
  ASSERT_TRUE(audit.pop(row));
  EXPECT_EQ(row.kind, audit_kind::order);
  EXPECT_EQ(row.body.order.id, c.id);
  ASSERT_TRUE(audit.pop(row));
  EXPECT_EQ(row.kind, audit_kind::execution);
  EXPECT_EQ(router.stats().submitted, 1u);
}

TEST_F(router_test, rejected_verdicts_send_nothing) {
  risk_verdict v = approved_order("10");
  v.reason = risk_reason::kill_switch_engaged;
  router.on_risk_verdict(v);
  order_command c;
  EXPECT_FALSE(commands.pop(c));
  execution_report r;
  EXPECT_FALSE(reports.pop(r));
}

TEST_F(router_test, assigns_sequential_order_ids) {
  EXPECT_EQ(submit("1", 1), order_id{1});
  EXPECT_EQ(submit("1", 2), order_id{2});
  EXPECT_EQ(submit("1", 3), order_id{3});
}

TEST_F(router_test, the_same_hash_gives_the_same_client_order_id) {
  router.on_risk_verdict(approved_order("1", side::buy, 9));
  router.on_risk_verdict(approved_order("1", side::buy, 9));
  const auto cmds = drain(commands);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].coid, cmds[1].coid);
  EXPECT_NE(cmds[0].id, cmds[1].id);
}

TEST_F(router_test, walks_an_order_through_partial_fills_to_filled) {
  const order_id id = submit("10");
  auto r = send(event(id.value, be::accepted));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::accepted);
  r = send(event(id.value, be::new_order));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::new_order);
  r = send(event(id.value, be::partial_fill, "3", "10"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::partially_filled);
  EXPECT_EQ(r->last_qty, qty("3"));
  EXPECT_EQ(r->last_px, px("10"));
  EXPECT_EQ(r->cum_qty, qty("3"));
  EXPECT_EQ(r->avg_px, px("10"));
  r = send(event(id.value, be::fill, "7", "11"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::filled);
  EXPECT_EQ(r->cum_qty, qty("10"));
  EXPECT_EQ(r->avg_px, px("10.7"));  // (3×10 + 7×11) / 10, exact
  EXPECT_EQ(router.status_of(id), os::filled);
  EXPECT_EQ(router.stats().fills, 2u);
}

TEST_F(router_test, average_price_rounds_half_up_in_nano_dollars) {
  const order_id id = submit("3");
  (void)send(event(id.value, be::partial_fill, "1", "1"));
  (void)send(event(id.value, be::partial_fill, "1", "1"));
  const auto r = send(event(id.value, be::fill, "1", "2"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->avg_px, px("1.333333333"));
}

TEST_F(router_test, a_partial_fill_that_completes_the_order_marks_it_filled) {
  const order_id id = submit("5");
  const auto r = send(event(id.value, be::partial_fill, "5", "20"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::filled);
}

TEST_F(router_test, a_duplicated_fill_does_not_double_the_cumulative_quantity) {
  const order_id id = submit("10");
  ASSERT_TRUE(send(event(id.value, be::partial_fill, "6", "10")));
  EXPECT_FALSE(send(event(id.value, be::partial_fill, "6", "10")));  // 12 > 10
  EXPECT_EQ(router.stats().duplicate_fills, 1u);
  const auto r = send(event(id.value, be::fill, "4", "10"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cum_qty, qty("10"));
  EXPECT_FALSE(send(event(id.value, be::fill, "4", "10")));  // after filled: illegal
  EXPECT_EQ(router.stats().illegal_transitions, 1u);
}

TEST_F(router_test, a_fill_without_quantity_or_price_is_ignored) {
  const order_id id = submit("10");
  EXPECT_FALSE(send(event(id.value, be::partial_fill, "0", "10")));
  EXPECT_FALSE(send(event(id.value, be::fill, "10", "0")));
  EXPECT_EQ(router.stats().illegal_transitions, 2u);
  EXPECT_EQ(router.status_of(id), os::pending_new);
}

TEST_F(router_test, late_and_out_of_order_events_are_counted_and_ignored) {
  const order_id id = submit("10");
  ASSERT_TRUE(send(event(id.value, be::new_order)));
  EXPECT_FALSE(send(event(id.value, be::accepted)));  // accepted after new
  ASSERT_TRUE(send(event(id.value, be::fill, "10", "5")));
  EXPECT_FALSE(send(event(id.value, be::new_order)));  // new after filled
  EXPECT_FALSE(send(event(id.value, be::canceled)));   // cancel after filled
  EXPECT_EQ(router.status_of(id), os::filled);
  EXPECT_EQ(router.stats().illegal_transitions, 3u);
}

TEST_F(router_test, a_fill_after_canceled_is_ignored) {
  const order_id id = submit("10");
  ASSERT_TRUE(send(event(id.value, be::canceled)));
  EXPECT_FALSE(send(event(id.value, be::fill, "10", "5")));
  EXPECT_EQ(router.status_of(id), os::canceled);
  EXPECT_EQ(router.stats().illegal_transitions, 1u);
}

TEST_F(router_test, a_fill_racing_a_cancel_is_applied_then_the_cancel_completes) {
  const order_id id = submit("10");
  ASSERT_TRUE(send(event(id.value, be::new_order)));
  ASSERT_TRUE(send(event(id.value, be::pending_cancel)));
  auto r = send(event(id.value, be::partial_fill, "4", "9"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::partially_filled);
  r = send(event(id.value, be::canceled));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::canceled);
  EXPECT_EQ(r->cum_qty, qty("4"));
}

TEST_F(router_test, rejected_report_carries_the_broker_code) {
  const order_id id = submit("10");
  broker_event ev = event(id.value, be::rejected);
  ev.reject_code = 403;
  ev.time = timestamp{777};
  const auto r = send(ev);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, os::rejected);
  EXPECT_EQ(r->reject_code, 403);
  EXPECT_EQ(r->time, timestamp{777});
}

TEST_F(router_test, events_for_unknown_orders_are_counted) {
  EXPECT_FALSE(send(event(99, be::new_order)));
  const order_id id = submit("10");
  broker_event ev = event(id.value, be::new_order);
  ev.coid.assign("tg-someone-else");
  EXPECT_FALSE(send(ev));
  EXPECT_EQ(router.stats().unknown_orders, 2u);
  ev.coid = client_order_id_for(decision_hash{0xabc, 1});
  EXPECT_TRUE(send(ev));
}

TEST_F(router_test, cancel_intent_becomes_a_cancel_command_for_the_target) {
  const order_id id = submit("10");
  router.on_risk_verdict(approved_cancel(id.value));
  order_command c;
  ASSERT_TRUE(commands.pop(c));
  EXPECT_EQ(c.kind, order_command_kind::cancel);
  EXPECT_EQ(c.id, id);
  EXPECT_EQ(c.coid, client_order_id_for(decision_hash{0xabc, 1}));
  EXPECT_EQ(router.stats().cancels, 1u);
  EXPECT_EQ(router.status_of(id), os::pending_new);  // the broker moves the state

  router.on_risk_verdict(approved_cancel(12345));
  EXPECT_FALSE(commands.pop(c));
  EXPECT_EQ(router.stats().unknown_orders, 1u);

  ASSERT_TRUE(send(event(id.value, be::canceled)));
  router.on_risk_verdict(approved_cancel(id.value));  // already finished
  EXPECT_FALSE(commands.pop(c));
}

TEST_F(router_test, refuses_a_new_order_whose_table_slot_is_still_open) {
  for (uint64_t h = 1; h <= 16; ++h) (void)submit("1", h);  // ids 1..16 fill the 16 slots
  router.on_risk_verdict(approved_order("1", side::buy, 17));    // id 17 → slot of open id 1
  order_command c;
  EXPECT_FALSE(commands.pop(c));
  execution_report r;
  ASSERT_TRUE(reports.pop(r));
  EXPECT_EQ(r.id, order_id{17});
  EXPECT_EQ(r.status, os::rejected);
  EXPECT_EQ(r.reject_code, actors::reject_codes::router_table_full);
  EXPECT_EQ(router.status_of(order_id{1}), os::pending_new);  // not lost

  ASSERT_TRUE(send(event(2, be::fill, "1", "1")));  // id 2 finishes: id 18 may take its slot
  router.on_risk_verdict(approved_order("1", side::buy, 18));
  ASSERT_TRUE(commands.pop(c));
  EXPECT_EQ(c.id, order_id{18});
  EXPECT_FALSE(router.status_of(order_id{2}).has_value());  // forgotten
}

TEST_F(router_test, a_full_command_mailbox_turns_the_order_into_a_rejection) {
  order_command filler;
  while (commands.push(filler) == push_result::ok) {
  }
  router.on_risk_verdict(approved_order("1"));
  execution_report r;
  ASSERT_TRUE(reports.pop(r));
  EXPECT_EQ(r.status, os::rejected);
  EXPECT_EQ(r.reject_code, actors::reject_codes::router_backpressure);
  EXPECT_EQ(router.stats().back_pressured, 1u);
  EXPECT_EQ(router.status_of(r.id), os::rejected);
}

}  // namespace
}  // namespace torghut::test
