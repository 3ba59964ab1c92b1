// Behaviour of the market_data actor: dedupe, ordering, staleness, halts, validation,
// microbars, gaps and back-pressure.

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "torghut/actors/market_data.hpp"

namespace torghut::actors {
namespace {

constexpr int64_t s_ns = ns_per_second;
constexpr int64_t ms_ns = ns_per_second / 1000;
constexpr int64_t t0 = 1'700'000'000 * s_ns;  // a whole second

price px(std::string_view s) { return parse_decimal<price>(s).value(); }
quantity qty(std::string_view s) { return parse_decimal<quantity>(s).value(); }

market_event trade(uint32_t sym, int64_t t, std::string_view p, std::string_view sz, int64_t id,
                   int64_t recv = -1) {
  market_event e;
  e.kind = market_event_kind::trade;
  e.symbol = symbol_id{sym};
  e.event_time = timestamp{t};
  e.recv_time = timestamp{recv < 0 ? t + ms_ns : recv};
  e.u.trade = trade_payload{trade_id{id}, px(p), qty(sz), {}, 0, 'V', 'C'};
  return e;
}

market_event quote(uint32_t sym, int64_t t, std::string_view bid, std::string_view bid_sz,
                   std::string_view ask, std::string_view ask_sz, int64_t recv = -1) {
  market_event e;
  e.kind = market_event_kind::quote;
  e.symbol = symbol_id{sym};
  e.event_time = timestamp{t};
  e.recv_time = timestamp{recv < 0 ? t + ms_ns : recv};
  e.u.quote = quote_payload{px(bid), qty(bid_sz), px(ask), qty(ask_sz), 'V', 'V', 'C'};
  return e;
}

market_event status(uint32_t sym, int64_t t, std::string_view code) {
  market_event e;
  e.kind = market_event_kind::status;
  e.symbol = symbol_id{sym};
  e.event_time = timestamp{t};
  e.recv_time = timestamp{t + ms_ns};
  status_payload sp{};
  sp.status_code.assign(code);
  sp.reason_code.assign("T1");
  sp.tape = 'C';
  e.u.status = sp;
  return e;
}

market_event bar(market_event_kind kind, uint32_t sym, int64_t start, int64_t recv,
                 std::string_view o = "10", std::string_view c = "11") {
  market_event e;
  e.kind = kind;
  e.symbol = symbol_id{sym};
  e.event_time = timestamp{start};
  e.recv_time = timestamp{recv};
  e.u.bar = bar_payload{px(o), px("12"), px("9"), px(c), qty("100"), px("10.5"), 7};
  return e;
}

class market_data_test : public ::testing::Test {
 protected:
  static market_data_config config() {
    market_data_config c;
    c.stale_after_ns = 2 * s_ns;
    c.dedupe_window = 4;
    c.gap_after_ns = 5 * s_ns;
    return c;
  }

  std::vector<market_event> drain() {
    std::vector<market_event> v;
    out_.drain([&](const market_event& e) { v.push_back(e); });
    return v;
  }
  std::vector<anomaly_record> anomalies() {
    std::vector<anomaly_record> v;
    audit_row r;
    while (audit_.pop(r))
      if (r.kind == audit_kind::anomaly) v.push_back(r.body.anomaly);
    return v;
  }
  static size_t count_kind(const std::vector<anomaly_record>& v, anomaly_kind k) {
    size_t n = 0;
    for (const auto& a : v) n += a.kind == k ? 1u : 0u;
    return n;
  }

  mailbox<market_event> out_{1024};
  audit_sink audit_{1 << 12};
  market_data md_{config(), 16, out_, audit_};
};

TEST_F(market_data_test, forwards_a_valid_trade_unchanged_and_unflagged) {
  const market_event t = trade(3, t0 + 100 * ms_ns, "187.25", "100", 1);
  md_.on_market_event(t);
  const auto out = drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, market_event_kind::trade);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[0].symbol, symbol_id{3});
  EXPECT_EQ(out[0].event_time, t.event_time);
  EXPECT_EQ(out[0].recv_time, t.recv_time);
  EXPECT_EQ(out[0].u.trade.id, trade_id{1});
  EXPECT_EQ(out[0].u.trade.px, px("187.25"));
  EXPECT_EQ(out[0].u.trade.size, qty("100"));
  EXPECT_EQ(md_.stats().received, 1u);
  EXPECT_EQ(md_.stats().forwarded, 1u);
  EXPECT_TRUE(anomalies().empty());
}

TEST_F(market_data_test, drops_duplicate_trade_ids_per_symbol) {
  md_.on_market_event(trade(1, t0 + 1, "10", "1", 42));
  md_.on_market_event(trade(1, t0 + 2, "10", "1", 42));  // duplicate
  md_.on_market_event(trade(2, t0 + 3, "10", "1", 42));  // same id, other symbol: not a duplicate
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].symbol, symbol_id{1});
  EXPECT_EQ(out[1].symbol, symbol_id{2});
  EXPECT_EQ(md_.stats().duplicates, 1u);
  const auto a = anomalies();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, anomaly_kind::duplicate_trade);
  EXPECT_EQ(a[0].symbol, symbol_id{1});
}

TEST_F(market_data_test, remembers_only_the_last_dedupe_window_trade_ids) {
  for (int64_t id = 1; id <= 5; ++id) md_.on_market_event(trade(1, t0 + id, "10", "1", id));  // window 4
  md_.on_market_event(trade(1, t0 + 10, "10", "1", 2));  // still remembered
  md_.on_market_event(trade(1, t0 + 11, "10", "1", 1));  // evicted: accepted again
  EXPECT_EQ(md_.stats().duplicates, 1u);
  EXPECT_EQ(drain().size(), 6u);
}

TEST_F(market_data_test, never_treats_trade_id_zero_as_a_duplicate) {
  md_.on_market_event(trade(1, t0 + 1, "10", "1", 0));
  md_.on_market_event(trade(1, t0 + 2, "10", "1", 0));
  EXPECT_EQ(md_.stats().duplicates, 0u);
  EXPECT_EQ(drain().size(), 2u);
}

TEST_F(market_data_test, flags_out_of_order_per_symbol_and_kind_class) {
  md_.on_market_event(trade(1, t0 + 10 * ms_ns, "10", "1", 1));
  md_.on_market_event(quote(1, t0 + 5 * ms_ns, "9.99", "1", "10.01", "1"));  // quotes have their own clock
  md_.on_market_event(trade(2, t0 + 1 * ms_ns, "10", "1", 2));               // other symbol
  md_.on_market_event(trade(1, t0 + 9 * ms_ns, "10", "1", 3));               // earlier trade: flagged
  md_.on_market_event(trade(1, t0 + 9 * ms_ns + 500, "10", "1", 4));  // clock did not move back: flagged
  md_.on_market_event(trade(1, t0 + 10 * ms_ns, "10", "1", 5));       // equal time is in order
  const auto out = drain();
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[1].flags, 0);
  EXPECT_EQ(out[2].flags, 0);
  EXPECT_EQ(out[3].flags, event_flags::out_of_order);
  EXPECT_EQ(out[4].flags, event_flags::out_of_order);
  EXPECT_EQ(out[5].flags, 0);
  EXPECT_EQ(md_.stats().out_of_order, 2u);
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::out_of_order), 1u);  // rate limited
}

TEST_F(market_data_test, compares_bars_only_with_bars_of_the_same_kind) {
  const int64_t minute = 60 * s_ns;
  md_.on_market_event(bar(market_event_kind::bar, 1, t0 + 5 * minute, t0 + 6 * minute));
  md_.on_market_event(bar(market_event_kind::updated_bar, 1, t0 + 3 * minute, t0 + 6 * minute + 1));
  md_.on_market_event(bar(market_event_kind::daily_bar, 1, t0, t0 + 6 * minute + 2));
  md_.on_market_event(bar(market_event_kind::bar, 1, t0 + 4 * minute, t0 + 6 * minute + 3));
  const auto out = drain();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].flags & event_flags::out_of_order, 0);
  EXPECT_EQ(out[1].flags & event_flags::out_of_order, 0);
  EXPECT_EQ(out[2].flags & event_flags::out_of_order, 0);
  EXPECT_NE(out[3].flags & event_flags::out_of_order, 0);
  EXPECT_EQ(md_.stats().out_of_order, 1u);
}

TEST_F(market_data_test, flags_stale_when_receive_lags_event_time) {
  md_.on_market_event(trade(1, t0, "10", "1", 1, t0 + 2 * s_ns));      // exactly the threshold: fresh
  md_.on_market_event(trade(1, t0, "10", "1", 2, t0 + 2 * s_ns + 1));  // just past it: stale
  md_.on_market_event(quote(2, t0, "10", "1", "10.1", "1", t0 + 3 * s_ns));
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[1].flags, event_flags::stale);
  EXPECT_EQ(out[2].flags, event_flags::stale);
  EXPECT_EQ(md_.stats().stale, 2u);
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::stale), 2u);  // one per symbol
}

TEST_F(market_data_test, measures_minute_bar_staleness_from_the_bar_end) {
  const int64_t minute = 60 * s_ns;
  md_.on_market_event(bar(market_event_kind::bar, 1, t0, t0 + minute + 500 * ms_ns));     // on time
  md_.on_market_event(bar(market_event_kind::bar, 2, t0, t0 + minute + 3 * s_ns));        // late
  md_.on_market_event(bar(market_event_kind::daily_bar, 3, t0, t0 + minute + 4 * s_ns));  // never stale
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[1].flags, event_flags::stale);
  EXPECT_EQ(out[2].flags, 0);
}

TEST_F(market_data_test, tracks_a_halt_flags_events_and_clears_on_resume) {
  md_.on_market_event(trade(1, t0 + 1 * ms_ns, "10", "1", 1));
  EXPECT_FALSE(md_.is_halted(symbol_id{1}));
  md_.on_market_event(status(1, t0 + 2 * ms_ns, "H"));
  EXPECT_TRUE(md_.is_halted(symbol_id{1}));
  EXPECT_FALSE(md_.is_halted(symbol_id{2}));
  md_.on_market_event(quote(1, t0 + 3 * ms_ns, "10", "1", "10.1", "1"));
  md_.on_market_event(trade(2, t0 + 4 * ms_ns, "10", "1", 2));    // another symbol trades normally
  md_.on_market_event(status(1, t0 + 5 * ms_ns, "H"));            // repeated: not a new transition
  md_.on_market_event(status(1, t0 + 6 * ms_ns, "T"));
  EXPECT_FALSE(md_.is_halted(symbol_id{1}));
  md_.on_market_event(quote(1, t0 + 7 * ms_ns, "10", "1", "10.1", "1"));
  const auto out = drain();
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[1].flags, event_flags::halted);  // the halt message itself
  EXPECT_EQ(out[2].flags, event_flags::halted);
  EXPECT_EQ(out[3].flags, 0);
  EXPECT_EQ(out[4].flags, event_flags::halted);
  EXPECT_EQ(out[5].flags, 0);  // the resume message
  EXPECT_EQ(out[6].flags, 0);
  EXPECT_EQ(md_.stats().halts, 1u);
  const auto a = anomalies();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, anomaly_kind::halted);
  EXPECT_EQ(a[0].event_time, timestamp{t0 + 2 * ms_ns});
  EXPECT_EQ(a[1].kind, anomaly_kind::resumed);
  EXPECT_FALSE(md_.is_halted(symbol_id{}));
  EXPECT_FALSE(md_.is_halted(symbol_id{1000}));
}

TEST_F(market_data_test, drops_and_counts_invalid_prices_and_sizes) {
  md_.on_market_event(trade(1, t0 + 1, "0", "1", 1));
  md_.on_market_event(trade(1, t0 + 2, "-1.5", "1", 2));
  md_.on_market_event(trade(2, t0 + 3, "10", "-1", 3));
  md_.on_market_event(quote(1, t0 + 4, "-0.01", "1", "10", "1"));
  md_.on_market_event(quote(1, t0 + 5, "10", "-1", "10.1", "1"));
  md_.on_market_event(bar(market_event_kind::bar, 1, t0 - 60 * s_ns, t0 + 2 * ms_ns, "0", "11"));
  md_.on_market_event(trade(1, t0 + 3 * ms_ns, "10", "1", 1));  // the dropped trade's id was not remembered
  EXPECT_EQ(md_.stats().invalid, 6u);
  const auto out = drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].u.trade.id, trade_id{1});
  EXPECT_EQ(md_.stats().duplicates, 0u);
  const auto a = anomalies();
  EXPECT_EQ(count_kind(a, anomaly_kind::invalid_price), 1u);  // symbol 1, rate limited
  EXPECT_EQ(count_kind(a, anomaly_kind::invalid_size), 2u);   // symbol 2 trade, symbol 1 quote
}

TEST_F(market_data_test, keeps_one_sided_quotes_with_zero_price_or_size) {
  md_.on_market_event(quote(1, t0 + 1, "0", "0", "10.01", "3"));  // no bid
  md_.on_market_event(quote(1, t0 + 2, "10", "5", "0", "0"));     // no ask
  md_.on_market_event(quote(1, t0 + 3, "10", "0", "10.01", "2"));
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  for (const auto& e : out) EXPECT_EQ(e.flags, 0);
  EXPECT_EQ(md_.stats().invalid, 0u);
}

TEST_F(market_data_test, drops_events_with_an_unknown_symbol_id) {
  md_.on_market_event(trade(16, t0 + 1, "10", "1", 1));  // capacity is 16
  md_.on_market_event(trade(symbol_id::invalid, t0 + 2, "10", "1", 2));
  EXPECT_EQ(md_.stats().invalid, 2u);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::malformed_frame), 1u);
}

TEST_F(market_data_test, builds_a_microbar_with_exact_ohlcv_vwap_and_trade_count) {
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "100.10", "10", 1));
  md_.on_market_event(trade(1, t0 + 200 * ms_ns, "100.50", "5", 2));
  md_.on_market_event(trade(1, t0 + 300 * ms_ns, "99.90", "20.5", 3));
  md_.on_market_event(trade(1, t0 + 999 * ms_ns, "100.00", "0.5", 4));
  EXPECT_EQ(drain().size(), 4u);  // the bar is still open
  md_.on_time(timestamp{t0 + s_ns});
  const auto out = drain();
  ASSERT_EQ(out.size(), 1u);
  const market_event& m = out[0];
  EXPECT_EQ(m.kind, market_event_kind::microbar);
  EXPECT_EQ(m.flags, event_flags::final_bar);
  EXPECT_EQ(m.symbol, symbol_id{1});
  EXPECT_EQ(m.event_time, timestamp{t0});
  EXPECT_EQ(m.recv_time, timestamp{t0 + s_ns});
  EXPECT_EQ(m.u.bar.open, px("100.10"));
  EXPECT_EQ(m.u.bar.high, px("100.50"));
  EXPECT_EQ(m.u.bar.low, px("99.90"));
  EXPECT_EQ(m.u.bar.close, px("100.00"));
  EXPECT_EQ(m.u.bar.volume, qty("36"));
  // Σp·s = 1001 + 502.5 + 2047.95 + 50 = 3601.45; / 36 = 100.040277777…: rounds up at 1e-9.
  EXPECT_EQ(m.u.bar.vwap, px("100.040277778"));
  EXPECT_EQ(m.u.bar.trade_count, 4u);
  EXPECT_EQ(md_.stats().microbars, 1u);
}

TEST_F(market_data_test, computes_vwap_exactly_for_extreme_prices_and_sizes) {
  // Sizes and prices whose products exceed 64 bits: the 128-bit sum keeps them exact.
  md_.on_market_event(trade(1, t0 + 1, "9000000000", "1000000000", 1));
  md_.on_market_event(trade(1, t0 + 2, "0.000000001", "1000000000", 2));
  md_.on_time(timestamp{t0 + s_ns});
  auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].u.bar.volume, qty("2000000000"));
  EXPECT_EQ(out[2].u.bar.vwap, px("4500000000.0000000005"));  // half rounds up
  EXPECT_EQ(out[2].u.bar.vwap, price::from_raw(4'500'000'000'000'000'001));
}

TEST_F(market_data_test, uses_close_as_vwap_when_every_trade_has_zero_size) {
  md_.on_market_event(trade(1, t0 + 1, "10", "0", 1));
  md_.on_market_event(trade(1, t0 + 2, "11", "0", 2));
  md_.on_time(timestamp{t0 + s_ns});
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].u.bar.volume, qty("0"));
  EXPECT_EQ(out[2].u.bar.vwap, px("11"));
  EXPECT_EQ(out[2].u.bar.trade_count, 2u);
}

TEST_F(market_data_test, closes_the_bar_before_forwarding_the_first_trade_of_a_later_second) {
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "10", "1", 1));
  md_.on_market_event(trade(1, t0 + 900 * ms_ns, "11", "1", 2));
  md_.on_market_event(trade(1, t0 + 3 * s_ns + 5, "12", "2", 3, t0 + 3 * s_ns + 7));
  const auto out = drain();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, market_event_kind::trade);
  EXPECT_EQ(out[1].kind, market_event_kind::trade);
  ASSERT_EQ(out[2].kind, market_event_kind::microbar);
  EXPECT_EQ(out[2].event_time, timestamp{t0});
  EXPECT_EQ(out[2].recv_time, timestamp{t0 + 3 * s_ns + 7});  // the triggering trade's
  EXPECT_EQ(out[2].u.bar.open, px("10"));
  EXPECT_EQ(out[2].u.bar.close, px("11"));
  EXPECT_EQ(out[2].u.bar.trade_count, 2u);
  EXPECT_EQ(out[3].kind, market_event_kind::trade);
  EXPECT_EQ(out[3].u.trade.id, trade_id{3});
  // The new trade opened the bar of its own second.
  md_.on_time(timestamp{t0 + 4 * s_ns});
  const auto next = drain();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].event_time, timestamp{t0 + 3 * s_ns});
  EXPECT_EQ(next[0].u.bar.volume, qty("2"));
}

TEST_F(market_data_test, on_time_closes_only_bars_whose_second_has_ended) {
  md_.on_market_event(trade(1, t0 + 500 * ms_ns, "10", "1", 1));
  md_.on_market_event(trade(2, t0 + s_ns + 10, "20", "1", 2));
  md_.on_market_event(trade(3, t0 + 900 * ms_ns, "30", "1", 3));
  (void)drain();
  md_.on_time(timestamp{t0 + s_ns - 1});
  EXPECT_TRUE(drain().empty());
  md_.on_time(timestamp{t0 + s_ns});  // symbols 1 and 3 end here, 2 is in the next second
  auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].symbol, out[1].symbol);
  for (const auto& m : out) {
    EXPECT_EQ(m.kind, market_event_kind::microbar);
    EXPECT_EQ(m.event_time, timestamp{t0});
    EXPECT_TRUE(m.symbol == symbol_id{1} || m.symbol == symbol_id{3});
  }
  md_.on_time(timestamp{t0 + s_ns});  // nothing closes twice
  EXPECT_TRUE(drain().empty());
  md_.on_time(timestamp{t0 + 2 * s_ns});
  out = drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].symbol, symbol_id{2});
  EXPECT_EQ(md_.stats().microbars, 3u);
}

TEST_F(market_data_test, forwards_but_does_not_bar_a_trade_whose_second_is_closed) {
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "10", "1", 1));
  md_.on_time(timestamp{t0 + s_ns});
  md_.on_market_event(trade(1, t0 + 200 * ms_ns, "99", "1", 2, t0 + s_ns + 5));  // late, in order
  md_.on_time(timestamp{t0 + 5 * s_ns});
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);  // trade, microbar, late trade: no second microbar for t0
  EXPECT_EQ(out[1].kind, market_event_kind::microbar);
  EXPECT_EQ(out[2].kind, market_event_kind::trade);
  EXPECT_EQ(out[2].flags, 0);
  EXPECT_EQ(md_.stats().late_trades, 1u);
}

TEST_F(market_data_test, does_not_bar_out_of_order_trades) {
  md_.on_market_event(trade(1, t0 + 500 * ms_ns, "10", "1", 1));
  md_.on_market_event(trade(1, t0 + 400 * ms_ns, "50", "7", 2));  // out of order
  md_.on_time(timestamp{t0 + s_ns});
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].u.bar.high, px("10"));
  EXPECT_EQ(out[2].u.bar.volume, qty("1"));
  EXPECT_EQ(out[2].u.bar.trade_count, 1u);
}

TEST_F(market_data_test, flags_a_microbar_closed_while_its_symbol_is_halted) {
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "10", "1", 1));
  md_.on_market_event(status(1, t0 + 200 * ms_ns, "H"));
  md_.on_time(timestamp{t0 + s_ns});
  const auto out = drain();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].flags, event_flags::final_bar | event_flags::halted);
}

TEST_F(market_data_test, gap_drops_open_bars_and_resets_ordering) {
  md_.on_market_event(trade(1, t0 + 500 * ms_ns, "10", "1", 1));
  md_.on_market_event(quote(1, t0 + 600 * ms_ns, "10", "1", "10.1", "1"));
  (void)drain();
  md_.on_gap(timestamp{t0 + 700 * ms_ns}, duration_ns{300 * ms_ns});
  auto out = drain();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, market_event_kind::gap);
  EXPECT_FALSE(out[0].symbol.valid());
  EXPECT_EQ(out[0].event_time, timestamp{t0 + 700 * ms_ns});
  EXPECT_EQ(out[0].u.gap.length, duration_ns{300 * ms_ns});
  EXPECT_EQ(md_.stats().gaps, 1u);
  EXPECT_EQ(md_.stats().dropped_bars, 1u);
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::gap), 1u);

  // Earlier times after the gap are not out of order any more.
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "11", "1", 2, t0 + 800 * ms_ns));
  md_.on_market_event(quote(1, t0 + 100 * ms_ns, "10", "1", "10.1", "1", t0 + 800 * ms_ns));
  out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].flags, 0);
  EXPECT_EQ(out[1].flags, 0);
  // The dropped (incomplete) second is never emitted, not even partially.
  md_.on_time(timestamp{t0 + 10 * s_ns});
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(md_.stats().microbars, 0u);
  // Later seconds bar normally.
  md_.on_market_event(trade(1, t0 + 2 * s_ns + 1, "12", "1", 3));
  md_.on_time(timestamp{t0 + 3 * s_ns});
  out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, market_event_kind::microbar);
}

TEST_F(market_data_test, gap_keeps_halts_and_the_duplicate_memory) {
  md_.on_market_event(status(1, t0, "H"));
  md_.on_market_event(trade(2, t0 + 1, "10", "1", 9));
  md_.on_gap(timestamp{t0 + 2}, duration_ns{1});
  md_.on_market_event(trade(2, t0 + 3, "10", "1", 9));
  EXPECT_TRUE(md_.is_halted(symbol_id{1}));
  EXPECT_EQ(md_.stats().duplicates, 1u);
}

TEST_F(market_data_test, treats_a_gap_event_in_the_input_as_on_gap) {
  md_.on_market_event(trade(1, t0 + 1, "10", "1", 1));
  market_event g;
  g.kind = market_event_kind::gap;
  g.event_time = timestamp{t0 + 2};
  g.recv_time = timestamp{t0 + 3};
  g.u.gap = gap_payload{duration_ns{42}};
  md_.on_market_event(g);
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].kind, market_event_kind::gap);
  EXPECT_EQ(out[1].u.gap.length, duration_ns{42});
  EXPECT_EQ(md_.stats().gaps, 1u);
  EXPECT_EQ(md_.stats().dropped_bars, 1u);
}

TEST_F(market_data_test, feed_silence_produces_a_gap_before_the_next_event) {
  md_.on_market_event(trade(1, t0, "10", "1", 1, t0 + 1 * s_ns));
  md_.on_market_event(quote(2, t0 + 5 * s_ns, "10", "1", "10.1", "1", t0 + 6 * s_ns));  // exactly 5 s
  EXPECT_EQ(md_.stats().gaps, 0u);
  md_.on_market_event(quote(2, t0 + 12 * s_ns, "10", "1", "10.1", "1", t0 + 12 * s_ns));  // 6 s silence
  const auto out = drain();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, market_event_kind::trade);
  EXPECT_EQ(out[1].kind, market_event_kind::quote);
  ASSERT_EQ(out[2].kind, market_event_kind::gap);
  EXPECT_EQ(out[2].u.gap.length, duration_ns{6 * s_ns});
  EXPECT_EQ(out[2].event_time, timestamp{t0 + 12 * s_ns});
  EXPECT_EQ(out[3].kind, market_event_kind::quote);
  EXPECT_EQ(md_.stats().gaps, 1u);
  EXPECT_EQ(md_.stats().dropped_bars, 1u);  // symbol 1's bar was still open
}

TEST_F(market_data_test, rate_limits_anomaly_audits_per_symbol_and_kind_but_counts_all) {
  md_.on_market_event(trade(1, t0, "10", "1", 1));
  for (int i = 0; i < 100; ++i)
    md_.on_market_event(trade(1, t0, "10", "1", 1, t0 + 1 + i * 5 * ms_ns));  // 100 duplicates in 0.5 s
  md_.on_market_event(trade(1, t0, "10", "1", 1, t0 + 2 * s_ns));  // a second later: audited again
  EXPECT_EQ(md_.stats().duplicates, 101u);
  const auto a = anomalies();
  EXPECT_EQ(count_kind(a, anomaly_kind::duplicate_trade), 2u);
}

TEST_F(market_data_test, counts_back_pressure_when_the_output_mailbox_is_full) {
  mailbox<market_event> tiny{2};
  audit_sink audit{1024};
  market_data md{config(), 4, tiny, audit};
  constexpr int n = 50;
  for (int i = 0; i < n; ++i) md.on_market_event(trade(1, t0 + i, "10", "1", i + 1));
  const auto& st = md.stats();
  EXPECT_GT(st.back_pressured, 0u);
  EXPECT_EQ(st.forwarded + st.back_pressured, static_cast<uint64_t>(n));
  EXPECT_EQ(st.forwarded, tiny.size_approx());
  EXPECT_EQ(tiny.back_pressured_count(), st.back_pressured);
  // Draining makes room again.
  market_event e;
  while (tiny.pop(e)) {
  }
  md.on_market_event(trade(1, t0 + n, "10", "1", n + 1));
  EXPECT_EQ(st.forwarded + st.back_pressured, static_cast<uint64_t>(n + 1));
  EXPECT_EQ(tiny.size_approx(), 1u);
}

TEST_F(market_data_test, floors_bar_seconds_for_times_before_the_epoch) {
  md_.on_market_event(trade(1, -500 * ms_ns, "10", "1", 1, 0));
  md_.on_time(timestamp{0});
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].event_time, timestamp{-s_ns});

}

TEST_F(market_data_test, treats_a_volatility_pause_as_a_halt_until_trading_resumes) {
  md_.on_market_event(status(1, t0 + 1 * ms_ns, "P"));
  EXPECT_TRUE(md_.is_halted(symbol_id{1}));
  md_.on_market_event(status(1, t0 + 2 * ms_ns, "Q"));  // quotation only: still no trading
  EXPECT_TRUE(md_.is_halted(symbol_id{1}));
  md_.on_market_event(status(1, t0 + 3 * ms_ns, "T"));
  EXPECT_FALSE(md_.is_halted(symbol_id{1}));
  EXPECT_EQ(md_.stats().halts, 1u);
}


// --- implausible timestamps -----------------------------------------------------------------

constexpr int64_t y2099_ns = 4'070'908'800 * s_ns;  // 2099-01-01T00:00:00Z

TEST_F(market_data_test, a_trade_stamped_2099_is_dropped_counted_and_does_not_blind_the_symbol) {
  md_.on_market_event(trade(1, t0 + 100 * ms_ns, "10", "1", 1));
  md_.on_market_event(trade(1, y2099_ns, "10.5", "1", 2, t0 + 200 * ms_ns));  // received now, stamped 2099
  md_.on_market_event(trade(1, t0 + 300 * ms_ns, "11", "1", 3));
  md_.on_market_event(trade(1, t0 + 1200 * ms_ns, "12", "1", 4));
  md_.on_market_event(trade(1, t0 + 2500 * ms_ns, "13", "1", 5));
  md_.on_time(timestamp{t0 + 3 * s_ns});
  const auto out = drain();
  EXPECT_EQ(md_.stats().implausible_time, 1u);
  EXPECT_EQ(md_.stats().out_of_order, 0u);
  EXPECT_EQ(md_.stats().microbars, 3u);  // seconds t0, t0 + 1 and t0 + 2 all closed
  size_t trades = 0;
  for (const auto& e : out) {
    EXPECT_EQ(e.flags & event_flags::out_of_order, 0);
    if (e.kind == market_event_kind::trade) {
      ++trades;
      EXPECT_NE(e.u.trade.id, trade_id{2});  // the 2099 trade is not forwarded
    }
  }
  EXPECT_EQ(trades, 4u);
  ASSERT_EQ(out.back().kind, market_event_kind::microbar);
  EXPECT_EQ(out.back().u.bar.close, px("13"));
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::implausible_time), 1u);  // audited as what it is
}

TEST_F(market_data_test, judges_timestamps_against_the_receive_time_with_configured_bounds) {
  constexpr int64_t hour_ns = 3600 * s_ns;
  const int64_t now = t0 + 100 * hour_ns;  // a replay's receive time: not the wall clock
  // Within the defaults (5 s ahead, 24 h behind): kept.
  md_.on_market_event(trade(1, now + 4 * s_ns, "10", "1", 1, now));
  md_.on_market_event(quote(2, now - 23 * hour_ns, "10", "1", "10.01", "1", now));
  // A minute bar is stamped at its start and a daily bar at its day's: never too old.
  md_.on_market_event(bar(market_event_kind::bar, 3, now - 60 * s_ns, now));
  md_.on_market_event(bar(market_event_kind::daily_bar, 4, now - 30 * hour_ns, now));
  EXPECT_EQ(md_.stats().implausible_time, 0u);
  // Outside: dropped.
  md_.on_market_event(trade(5, now + 6 * s_ns, "10", "1", 2, now));
  md_.on_market_event(trade(6, now - 25 * hour_ns, "10", "1", 3, now));
  md_.on_market_event(quote(7, now - 25 * hour_ns, "10", "1", "10.01", "1", now));
  md_.on_market_event(bar(market_event_kind::bar, 8, now + 10 * s_ns, now));  // a bar that starts later
  EXPECT_EQ(md_.stats().implausible_time, 4u);
  EXPECT_EQ(drain().size(), 4u);

  // 0 turns a check off.
  market_data_config c = config();
  c.max_future_skew_ns = 0;
  c.max_past_age_ns = 0;
  mailbox<market_event> out{64};
  audit_sink audit{64};
  market_data md{c, 4, out, audit};
  md.on_market_event(trade(1, y2099_ns, "10", "1", 1, t0));
  md.on_market_event(trade(2, t0 - 1000 * hour_ns, "10", "1", 2, t0));
  EXPECT_EQ(md.stats().implausible_time, 0u);
  EXPECT_EQ(md.stats().forwarded, 2u);
}

TEST_F(market_data_test, validates_the_prices_the_decoder_now_delivers_as_is) {
  // The decoders no longer drop non-positive prices: market_data audits them as anomalies.
  md_.on_market_event(quote(1, t0 + 1, "0", "5", "10.01", "1"));  // a zero bid with a size: not one-sided
  market_event l;
  l.kind = market_event_kind::luld;
  l.symbol = symbol_id{2};
  l.event_time = timestamp{t0 + 2};
  l.recv_time = timestamp{t0 + 2 + ms_ns};
  l.u.luld = luld_payload{px("11"), price::from_raw(0), 'B', 'C'};
  md_.on_market_event(l);
  market_event c = l;
  c.kind = market_event_kind::correction;
  c.symbol = symbol_id{3};
  c.u.correction = correction_payload{trade_id{1}, px("10"), qty("1"), trade_id{2}, px("-1"), qty("1"), 'N', 'C'};
  md_.on_market_event(c);
  market_event x = l;
  x.kind = market_event_kind::cancel_error;
  x.symbol = symbol_id{4};
  x.u.cancel_error = cancel_error_payload{trade_id{1}, price::from_raw(0), qty("1"), 'C', 'N', 'C'};
  md_.on_market_event(x);
  market_event im = l;
  im.kind = market_event_kind::imbalance;
  im.symbol = symbol_id{5};
  im.u.imbalance = imbalance_payload{px("-3"), 'P'};
  md_.on_market_event(im);
  EXPECT_EQ(md_.stats().invalid, 5u);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(count_kind(anomalies(), anomaly_kind::invalid_price), 5u);  // one per symbol
}


}  // namespace
}  // namespace torghut::actors
