// The paper broker: fills against the latest quote, as Alpaca's trade_updates would report them.

#include "router_fixture.hpp"

namespace torghut::test {
namespace {

using be = broker_event_kind;

class paper_broker_test : public ::testing::Test {
 protected:
  mailbox<broker_event> events{256};
  manual_clock clk{timestamp{9'000}};
  actors::paper_broker broker{events, clk, 8, 16, /*shares_per_quote_lot=*/1};
  const symbol_id sym{2};
  uint64_t next_id = 1;

  order_command order(side sd, std::string_view q, order_type t = order_type::market,
                      std::string_view limit = "0", time_in_force tif = time_in_force::day) {
    order_command c;
    c.kind = order_command_kind::submit;
    c.id = order_id{next_id++};
    c.coid = client_order_id_for(decision_hash{1, c.id.value});
    c.symbol = sym;
    c.order_side = sd;
    c.type = t;
    c.tif = tif;
    c.qty = qty(q);
    c.limit_px = px(limit);
    return c;
  }
  order_command cancel_of(const order_command& o) {
    order_command c = o;
    c.kind = order_command_kind::cancel;
    return c;
  }
};

TEST_F(paper_broker_test, market_buy_fills_at_the_ask_after_new) {
  broker.on_market_event(quote(sym, "99.98", "100", "100.02", "100"));
  const order_command c = order(side::buy, "10");
  broker.on_order_command(c);
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, be::new_order);
  EXPECT_EQ(ev[0].id, c.id);
  EXPECT_EQ(ev[0].coid, c.coid);
  EXPECT_EQ(ev[1].kind, be::fill);
  EXPECT_EQ(ev[1].last_qty, qty("10"));
  EXPECT_EQ(ev[1].last_px, px("100.02"));
  EXPECT_EQ(ev[1].time, clk.now());
  EXPECT_EQ(broker.fills(), 1u);
}

TEST(paper_broker_lots, reads_stock_quote_sizes_as_round_lots_of_100_shares) {
  mailbox<broker_event> events{64};
  manual_clock clk{timestamp{1}};
  actors::paper_broker broker{events, clk, 8, 16};  // default: 100 shares per quoted lot
  broker.on_market_event(quote(symbol_id{2}, "99.98", "3", "100.02", "2"));  // 2 lots = 200 shares
  order_command c;
  c.id = order_id{1};
  c.symbol = symbol_id{2};
  c.order_side = side::buy;
  c.qty = qty("250");
  broker.on_order_command(c);
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, broker_event_kind::partial_fill);
  EXPECT_EQ(ev[1].last_qty, qty("200"));
}

TEST_F(paper_broker_test, market_sell_fills_at_the_bid) {
  broker.on_market_event(quote(sym, "99.98", "100", "100.02", "100"));
  broker.on_order_command(order(side::sell, "10"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, be::fill);
  EXPECT_EQ(ev[1].last_px, px("99.98"));
}

TEST_F(paper_broker_test, fills_partially_by_displayed_size_and_the_rest_on_later_quotes) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "100"));
  auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, be::partial_fill);
  EXPECT_EQ(ev[1].last_qty, qty("30"));
  EXPECT_EQ(ev[1].last_px, px("10.01"));

  broker.on_market_event(quote(sym, "10", "30", "10.02", "50"));
  ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::partial_fill);
  EXPECT_EQ(ev[0].last_qty, qty("50"));
  EXPECT_EQ(ev[0].last_px, px("10.02"));

  broker.on_market_event(quote(sym, "10", "30", "10.03", "50"));
  ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[0].last_qty, qty("20"));
}

TEST_F(paper_broker_test, displayed_size_is_consumed_until_the_next_quote) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "20"));
  broker.on_order_command(order(side::buy, "20"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[1].kind, be::fill);
  EXPECT_EQ(ev[3].kind, be::partial_fill);
  EXPECT_EQ(ev[3].last_qty, qty("10"));
}

TEST_F(paper_broker_test, resting_orders_fill_in_time_priority) {
  const order_command first = order(side::buy, "20");
  const order_command second = order(side::buy, "20");
  broker.on_order_command(first);
  broker.on_order_command(second);
  (void)drain(events);
  broker.on_market_event(quote(sym, "10", "30", "10.01", "25"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].id, first.id);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[1].id, second.id);
  EXPECT_EQ(ev[1].last_qty, qty("5"));
}

TEST_F(paper_broker_test, market_order_without_a_quote_rests_until_the_first_quote) {
  broker.on_order_command(order(side::buy, "5"));
  auto ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::new_order);
  broker.on_market_event(quote(symbol_id{3}, "1", "100", "1.01", "100"));  // another symbol
  EXPECT_TRUE(drain(events).empty());
  broker.on_market_event(quote(sym, "20", "100", "20.01", "100"));
  ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[0].last_px, px("20.01"));
}

TEST_F(paper_broker_test, limit_buy_waits_until_the_ask_reaches_it) {
  broker.on_market_event(quote(sym, "99.99", "100", "100.01", "100"));
  broker.on_order_command(order(side::buy, "10", order_type::limit, "100"));
  EXPECT_EQ(drain(events).size(), 1u);  // new only
  broker.on_market_event(quote(sym, "99.99", "100", "100.001", "100"));
  EXPECT_TRUE(drain(events).empty());
  broker.on_market_event(quote(sym, "99.98", "100", "100", "100"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[0].last_px, px("100"));
}

TEST_F(paper_broker_test, marketable_limit_buy_fills_at_the_ask_not_the_limit) {
  broker.on_market_event(quote(sym, "99.99", "100", "100.01", "100"));
  broker.on_order_command(order(side::buy, "10", order_type::limit, "101"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].last_px, px("100.01"));
}

TEST_F(paper_broker_test, limit_sell_waits_until_the_bid_reaches_it) {
  broker.on_market_event(quote(sym, "99.99", "100", "100.01", "100"));
  broker.on_order_command(order(side::sell, "10", order_type::limit, "100"));
  EXPECT_EQ(drain(events).size(), 1u);
  broker.on_market_event(quote(sym, "100.02", "100", "100.03", "100"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[0].last_px, px("100.02"));
}

TEST_F(paper_broker_test, ioc_cancels_the_unfilled_remainder_at_once) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "50", order_type::market, "0", time_in_force::ioc));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].kind, be::partial_fill);
  EXPECT_EQ(ev[1].last_qty, qty("30"));
  EXPECT_EQ(ev[2].kind, be::canceled);
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  EXPECT_TRUE(drain(events).empty());  // nothing rests
}

TEST_F(paper_broker_test, ioc_without_a_quote_is_canceled) {
  broker.on_order_command(order(side::buy, "5", order_type::market, "0", time_in_force::ioc));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, be::canceled);
}

TEST_F(paper_broker_test, fok_cancels_when_the_displayed_size_is_short) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "31", order_type::market, "0", time_in_force::fok));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, be::new_order);
  EXPECT_EQ(ev[1].kind, be::canceled);
  EXPECT_EQ(broker.fills(), 0u);
}

TEST_F(paper_broker_test, fok_fills_everything_in_one_fill_when_it_can) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "30", order_type::market, "0", time_in_force::fok));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, be::fill);
  EXPECT_EQ(ev[1].last_qty, qty("30"));
}

TEST_F(paper_broker_test, fok_limit_not_crossed_is_canceled) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  broker.on_order_command(order(side::buy, "1", order_type::limit, "10", time_in_force::fok));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].kind, be::canceled);
}

TEST_F(paper_broker_test, stop_buy_triggers_when_the_ask_reaches_the_stop) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  order_command c = order(side::buy, "5", order_type::stop);
  c.stop_px = px("10.50");
  broker.on_order_command(c);
  EXPECT_EQ(drain(events).size(), 1u);
  broker.on_market_event(quote(sym, "10.49", "30", "10.5", "30"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::fill);
  EXPECT_EQ(ev[0].last_px, px("10.5"));
}

TEST_F(paper_broker_test, cancel_of_an_open_order_emits_canceled) {
  const order_command c = order(side::buy, "10", order_type::limit, "1");
  broker.on_order_command(c);
  (void)drain(events);
  broker.on_order_command(cancel_of(c));
  auto ev = drain(events);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, be::canceled);
  EXPECT_EQ(ev[0].id, c.id);
  broker.on_market_event(quote(sym, "0.5", "30", "0.51", "30"));  // would have filled
  EXPECT_TRUE(drain(events).empty());
  broker.on_order_command(cancel_of(c));  // again: no longer open
  EXPECT_TRUE(drain(events).empty());
  EXPECT_EQ(broker.unknown_cancels(), 1u);
}

TEST_F(paper_broker_test, cancel_of_an_unknown_or_filled_order_emits_nothing) {
  broker.on_market_event(quote(sym, "10", "30", "10.01", "30"));
  const order_command c = order(side::buy, "1");
  broker.on_order_command(c);
  (void)drain(events);
  broker.on_order_command(cancel_of(c));
  order_command ghost = order(side::buy, "1");
  broker.on_order_command(cancel_of(ghost));
  EXPECT_TRUE(drain(events).empty());
  EXPECT_EQ(broker.unknown_cancels(), 2u);
}

TEST_F(paper_broker_test, rejects_invalid_orders) {
  order_command bad_symbol = order(side::buy, "1");
  bad_symbol.symbol = symbol_id{8};
  broker.on_order_command(bad_symbol);
  broker.on_order_command(order(side::buy, "0"));
  broker.on_order_command(order(side::buy, "1", order_type::limit, "0"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 3u);
  for (const auto& e : ev) {
    EXPECT_EQ(e.kind, be::rejected);
    EXPECT_EQ(e.reject_code, actors::reject_codes::invalid_order);
  }
}

TEST_F(paper_broker_test, rejects_when_the_pool_slot_is_taken_and_ignores_a_repeated_submit) {
  const order_command first = order(side::buy, "1", order_type::limit, "1");  // id 1
  broker.on_order_command(first);
  broker.on_order_command(first);  // repeated: ignored
  next_id = 17;              // 17 % 16 == 1
  broker.on_order_command(order(side::buy, "1", order_type::limit, "1"));
  const auto ev = drain(events);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, be::new_order);
  EXPECT_EQ(ev[1].kind, be::rejected);
  EXPECT_EQ(ev[1].reject_code, actors::reject_codes::broker_capacity);
}

// --- router and broker together -----------------------------------------------------------------

TEST(router_with_paper_broker, an_approved_order_ends_filled_with_exact_average_price) {
  mailbox<order_command> commands{64};
  mailbox<execution_report> reports{64};
  mailbox<broker_event> events{64};
  audit_sink audit{256};
  manual_clock clk{timestamp{1}};
  actors::order_router router{commands, reports, audit, clk, 64};
  actors::paper_broker broker{events, clk, 8, 64, /*shares_per_quote_lot=*/1};
  const auto pump = [&] {
    order_command c;
    while (commands.pop(c)) broker.on_order_command(c);
    broker_event e;
    while (events.pop(e)) router.on_broker_event(e);
  };

  broker.on_market_event(quote(symbol_id{2}, "10", "40", "10.01", "40"));
  router.on_risk_verdict(approved_order("100"));
  pump();
  broker.on_market_event(quote(symbol_id{2}, "10", "40", "10.04", "100"));
  pump();
  const auto r = drain(reports);
  ASSERT_EQ(r.size(), 4u);  // pending_new, new, partial, fill
  EXPECT_EQ(r[0].status, order_status::pending_new);
  EXPECT_EQ(r[1].status, order_status::new_order);
  EXPECT_EQ(r[2].status, order_status::partially_filled);
  EXPECT_EQ(r[3].status, order_status::filled);
  EXPECT_EQ(r[3].cum_qty, qty("100"));
  EXPECT_EQ(r[3].avg_px, px("10.028"));  // (40×10.01 + 60×10.04) / 100
  EXPECT_EQ(router.status_of(order_id{1}), order_status::filled);
  EXPECT_EQ(router.stats().illegal_transitions, 0u);
}

}  // namespace
}  // namespace torghut::test
