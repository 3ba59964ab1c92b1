// The fill model (fill_model.hpp): the one set of fill rules of the paper broker and the trading
// simulator, tested on its own.

#include <cstdint>
#include <limits>

#include "router_fixture.hpp"
#include "torghut/actors/fill_model.hpp"

namespace torghut::test {
namespace {

namespace fm = actors::fill_model;

fm::book_top top_of(std::string_view bid, std::string_view bid_size, std::string_view ask,
                    std::string_view ask_size, int64_t lot = 1) {
  fm::book_top t;
  t.set(quote(symbol_id{1}, bid, bid_size, ask, ask_size).u.quote, lot);
  return t;
}

fm::order_terms terms(side sd, order_type t = order_type::market,
                      time_in_force tif = time_in_force::day, std::string_view limit = "0",
                      std::string_view stop = "0") {
  return fm::order_terms{sd, t, tif, px(limit), px(stop)};
}

// --- the book top ------------------------------------------------------------------------------

TEST(fill_model, displayed_shares_are_quote_lots_times_the_lot_size) {
  EXPECT_EQ(fm::displayed_shares(qty("3"), 100), qty("300"));
  EXPECT_EQ(fm::displayed_shares(qty("0.5"), 1), qty("0.5"));
  EXPECT_EQ(fm::displayed_shares(qty("2"), 0), qty("2"));   // a lot below 1 counts as 1
  EXPECT_EQ(fm::displayed_shares(qty("2"), -5), qty("2"));
}

TEST(fill_model, displayed_shares_saturate_and_never_go_negative) {
  EXPECT_EQ(fm::displayed_shares(quantity::from_raw(std::numeric_limits<int64_t>::max() / 2), 100).raw,
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(fm::displayed_shares(qty("-3"), 100), quantity{});
  EXPECT_EQ(fm::displayed_shares(quantity::from_raw(std::numeric_limits<int64_t>::min() / 2), 100),
            quantity{});
  EXPECT_EQ(fm::displayed_shares(quantity{}, 100), quantity{});
}

TEST(fill_model, a_quote_sets_prices_and_displayed_shares_and_replaces_the_previous_one) {
  fm::book_top t = top_of("99.98", "3", "100.02", "2", 100);
  EXPECT_TRUE(t.quoted);
  EXPECT_EQ(t.bid_px, px("99.98"));
  EXPECT_EQ(t.ask_px, px("100.02"));
  EXPECT_EQ(t.bid_shares, qty("300"));
  EXPECT_EQ(t.ask_shares, qty("200"));
  EXPECT_EQ(t.touch(side::buy), px("100.02"));
  EXPECT_EQ(t.touch(side::sell), px("99.98"));
  EXPECT_EQ(t.displayed(side::buy), qty("200"));
  EXPECT_EQ(t.displayed(side::sell), qty("300"));
  t.set(quote(symbol_id{1}, "0", "0", "0", "0").u.quote, 100);
  EXPECT_FALSE(t.quoted);  // no price on either side
  EXPECT_EQ(t.ask_shares, quantity{});
  t.set(quote(symbol_id{1}, "0", "0", "101", "1").u.quote, 100);
  EXPECT_TRUE(t.quoted);  // one priced side is a quote
}

// --- market and limit orders --------------------------------------------------------------------

TEST(fill_model, a_market_buy_fills_at_the_ask_and_consumes_the_displayed_size) {
  fm::book_top t = top_of("99.98", "100", "100.02", "100");
  bool triggered = false;
  const fm::fill f = fm::match(terms(side::buy), triggered, qty("10"), t);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.px, px("100.02"));
  EXPECT_EQ(f.qty, qty("10"));
  EXPECT_EQ(t.ask_shares, qty("90"));
  EXPECT_EQ(t.bid_shares, qty("100"));  // the other side is untouched
}

TEST(fill_model, a_market_sell_fills_at_the_bid) {
  fm::book_top t = top_of("99.98", "100", "100.02", "100");
  bool triggered = false;
  const fm::fill f = fm::match(terms(side::sell), triggered, qty("10"), t);
  EXPECT_EQ(f.px, px("99.98"));
  EXPECT_EQ(f.qty, qty("10"));
  EXPECT_EQ(t.bid_shares, qty("90"));
}

TEST(fill_model, fills_stop_at_the_displayed_size_and_then_nothing_is_left_until_the_next_quote) {
  fm::book_top t = top_of("99.98", "100", "100.02", "40");
  bool triggered = false;
  const fm::fill first = fm::match(terms(side::buy), triggered, qty("100"), t);
  EXPECT_EQ(first.qty, qty("40"));
  EXPECT_EQ(t.ask_shares, quantity{});
  const fm::fill second = fm::match(terms(side::buy), triggered, qty("60"), t);
  EXPECT_TRUE(second.empty());
  t.set(quote(symbol_id{1}, "99.98", "100", "100.03", "100").u.quote, 1);
  const fm::fill third = fm::match(terms(side::buy), triggered, qty("60"), t);
  EXPECT_EQ(third.qty, qty("60"));
  EXPECT_EQ(third.px, px("100.03"));
}

TEST(fill_model, nothing_fills_without_a_priced_and_displayed_touch) {
  bool triggered = false;
  fm::book_top empty;
  EXPECT_TRUE(fm::match(terms(side::buy), triggered, qty("1"), empty).empty());
  fm::book_top no_ask = top_of("99.98", "100", "0", "0");
  EXPECT_TRUE(fm::match(terms(side::buy), triggered, qty("1"), no_ask).empty());
  EXPECT_FALSE(fm::match(terms(side::sell), triggered, qty("1"), no_ask).empty());
  fm::book_top no_size = top_of("99.98", "0", "100.02", "0");
  EXPECT_TRUE(fm::match(terms(side::buy), triggered, qty("1"), no_size).empty());
  EXPECT_FALSE(fm::marketable(terms(side::sell), no_size));
}

TEST(fill_model, a_limit_order_fills_only_when_crossed_and_at_the_touch) {
  const fm::book_top t = top_of("99.98", "100", "100.02", "100");
  EXPECT_FALSE(fm::marketable(terms(side::buy, order_type::limit, time_in_force::day, "100.01"), t));
  EXPECT_TRUE(fm::marketable(terms(side::buy, order_type::limit, time_in_force::day, "100.02"), t));
  EXPECT_FALSE(fm::marketable(terms(side::sell, order_type::limit, time_in_force::day, "99.99"), t));
  EXPECT_TRUE(fm::marketable(terms(side::sell, order_type::limit, time_in_force::day, "99.98"), t));
  fm::book_top copy = t;
  bool triggered = false;
  const fm::fill f =
      fm::match(terms(side::buy, order_type::limit, time_in_force::day, "101"), triggered, qty("5"), copy);
  EXPECT_EQ(f.px, px("100.02"));  // the touch, not the limit
  EXPECT_EQ(f.qty, qty("5"));
}

TEST(fill_model, no_fill_for_nothing_remaining) {
  fm::book_top t = top_of("99.98", "100", "100.02", "100");
  bool triggered = false;
  EXPECT_TRUE(fm::match(terms(side::buy), triggered, quantity{}, t).empty());
  EXPECT_TRUE(fm::match(terms(side::buy), triggered, qty("-1"), t).empty());
  EXPECT_EQ(t.ask_shares, qty("100"));
}

// --- fok ----------------------------------------------------------------------------------------

TEST(fill_model, fok_fills_completely_or_not_at_all) {
  const fm::order_terms fok = terms(side::buy, order_type::market, time_in_force::fok);
  bool triggered = false;
  fm::book_top t = top_of("99.98", "100", "100.02", "50");
  EXPECT_TRUE(fm::match(fok, triggered, qty("51"), t).empty());
  EXPECT_EQ(t.ask_shares, qty("50"));  // nothing consumed
  const fm::fill f = fm::match(fok, triggered, qty("50"), t);
  EXPECT_EQ(f.qty, qty("50"));
  EXPECT_EQ(t.ask_shares, quantity{});
}

TEST(fill_model, ioc_takes_what_is_displayed_like_any_order) {
  fm::book_top t = top_of("99.98", "100", "100.02", "30");
  bool triggered = false;
  const fm::fill f =
      fm::match(terms(side::buy, order_type::market, time_in_force::ioc), triggered, qty("50"), t);
  EXPECT_EQ(f.qty, qty("30"));  // the caller cancels the rest
}

// --- stops --------------------------------------------------------------------------------------

TEST(fill_model, a_buy_stop_triggers_when_the_ask_reaches_the_stop_and_stays_triggered) {
  const fm::order_terms stop = terms(side::buy, order_type::stop, time_in_force::day, "0", "101");
  bool triggered = false;
  fm::book_top below = top_of("100.48", "100", "100.50", "100");
  EXPECT_TRUE(fm::match(stop, triggered, qty("10"), below).empty());
  EXPECT_FALSE(triggered);
  fm::book_top at = top_of("100.98", "100", "101", "100");
  const fm::fill f = fm::match(stop, triggered, qty("4"), at);
  EXPECT_TRUE(triggered);
  EXPECT_EQ(f.px, px("101"));
  EXPECT_EQ(f.qty, qty("4"));
  // Once triggered it is a market order, whatever the touch does next.
  EXPECT_FALSE(fm::match(stop, triggered, qty("6"), below).empty());
}

TEST(fill_model, a_sell_stop_triggers_when_the_bid_falls_to_the_stop) {
  const fm::order_terms stop = terms(side::sell, order_type::stop, time_in_force::day, "0", "99");
  bool triggered = false;
  EXPECT_FALSE(fm::trigger(stop, triggered, top_of("99.01", "100", "99.03", "100")));
  EXPECT_TRUE(fm::trigger(stop, triggered, top_of("99", "100", "99.02", "100")));
  EXPECT_TRUE(triggered);
}

TEST(fill_model, an_unpriced_touch_triggers_no_stop) {
  const fm::order_terms stop = terms(side::sell, order_type::stop, time_in_force::day, "0", "99");
  bool triggered = false;
  EXPECT_FALSE(fm::trigger(stop, triggered, top_of("0", "0", "98", "100")));
  EXPECT_FALSE(triggered);
}

TEST(fill_model, orders_without_a_stop_are_always_triggered) {
  bool triggered = false;
  EXPECT_TRUE(fm::trigger(terms(side::buy), triggered, fm::book_top{}));
  EXPECT_TRUE(fm::trigger(terms(side::sell, order_type::limit, time_in_force::day, "1"), triggered,
                          fm::book_top{}));
}

TEST(fill_model, a_triggered_stop_limit_still_needs_its_limit_crossed) {
  const fm::order_terms sl =
      terms(side::buy, order_type::stop_limit, time_in_force::day, "101.5", "101");
  bool triggered = false;
  fm::book_top above_limit = top_of("101.9", "100", "102", "100");
  EXPECT_TRUE(fm::match(sl, triggered, qty("10"), above_limit).empty());
  EXPECT_TRUE(triggered);  // the stop was reached; the limit was not
  fm::book_top within = top_of("101.2", "100", "101.4", "100");
  const fm::fill f = fm::match(sl, triggered, qty("10"), within);
  EXPECT_EQ(f.px, px("101.4"));
  EXPECT_EQ(f.qty, qty("10"));
}

// --- take and notional --------------------------------------------------------------------------

TEST(fill_model, take_checks_nothing_but_the_displayed_size) {
  fm::book_top t = top_of("99.98", "100", "100.02", "100");
  // take() ignores the limit (that is marketable()'s job): the caller asks in order.
  const fm::fill f =
      fm::take(terms(side::buy, order_type::limit, time_in_force::day, "1"), qty("150"), t);
  EXPECT_EQ(f.qty, qty("100"));
  EXPECT_EQ(f.px, px("100.02"));
  EXPECT_TRUE(fm::take(terms(side::buy), qty("1"), t).empty());
}

TEST(fill_model, a_notional_order_fixes_its_quantity_at_the_first_price_rounded_down) {
  EXPECT_EQ(fm::notional_quantity(parse_decimal<money>("1000").value(), px("100")), qty("10"));
  EXPECT_EQ(fm::notional_quantity(parse_decimal<money>("100").value(), px("3")),
            qty("33.333333333"));
  EXPECT_EQ(fm::notional_quantity(parse_decimal<money>("100").value(), price{}), quantity{});
  EXPECT_EQ(fm::notional_quantity(money{}, px("3")), quantity{});
  EXPECT_EQ(fm::notional_quantity(money::from_raw(std::numeric_limits<int64_t>::max()),
                                  price::from_raw(1)),
            quantity{});  // would overflow
}

TEST(fill_model, terms_of_an_order_command_carry_what_fills_read) {
  order_command c;
  c.order_side = side::sell;
  c.type = order_type::stop_limit;
  c.tif = time_in_force::ioc;
  c.limit_px = px("10");
  c.stop_px = px("11");
  const fm::order_terms t = fm::terms_of(c);
  EXPECT_EQ(t.order_side, side::sell);
  EXPECT_EQ(t.type, order_type::stop_limit);
  EXPECT_EQ(t.tif, time_in_force::ioc);
  EXPECT_EQ(t.limit_px, px("10"));
  EXPECT_EQ(t.stop_px, px("11"));
  EXPECT_TRUE(fm::has_limit_price(order_type::stop_limit));
  EXPECT_TRUE(fm::has_stop_price(order_type::stop_limit));
  EXPECT_FALSE(fm::has_limit_price(order_type::stop));
  EXPECT_FALSE(fm::has_stop_price(order_type::limit));
}

}  // namespace
}  // namespace torghut::test
