// strategy_engine: when the two bundled strategies decide, how much, and what they never do.
#include "torghut/actors/strategy.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "torghut/core/decision_hash.hpp"
#include "torghut/strategies/builtin.hpp"

using namespace torghut;
using namespace torghut::actors;

namespace {

/// 2024-03-15 14:30:00 UTC (09:30 New York).
constexpr int64_t open_s = 1710513000;

strategy_config macd_rsi_config() {
  strategy_config c;
  c.id = strategy_id{1};
  c.name = "macd_rsi";
  c.kind = "macd_rsi";
  c.warmup_bars = 35;
  return c;
}

strategy_config bollinger_config() {
  strategy_config c;
  c.id = strategy_id{2};
  c.name = "bollinger_reversion";
  c.kind = "bollinger_reversion";
  c.warmup_bars = 20;
  return c;
}

/// One engine with its mailbox, audit sink, clock and symbol table.
struct harness {
  explicit harness(std::vector<strategy_config> strategies,
                   std::vector<std::string> allowed = {"AAPL", "MSFT"}, size_t mailbox_cap = 1024) {
    cfg.allowed_symbols = std::move(allowed);
    cfg.strategies = std::move(strategies);
    aapl = symbols.intern("AAPL");
    out = std::make_unique<mailbox<order_intent>>(mailbox_cap);
    engine = std::make_unique<strategy_engine>(cfg, strategies::builtin(), symbols, *out, audit, clk);
    engine->track_indicators(true);
  }

  void bar(symbol_id s, int64_t second, double close, uint8_t extra_flags = 0) {
    market_event ev;
    ev.kind = market_event_kind::microbar;
    ev.flags = static_cast<uint8_t>(event_flags::final_bar | extra_flags);
    ev.symbol = s;
    ev.event_time = timestamp{second * ns_per_second};
    ev.recv_time = timestamp{(second + 1) * ns_per_second};
    ev.u.bar = bar_payload{};
    ev.u.bar.close = ev.u.bar.open = ev.u.bar.high = ev.u.bar.low =
        price::from_double(close).value();
    ev.u.bar.volume = quantity::from_units(100).value();
    clk.set(timestamp{(second + 1) * ns_per_second + 1234});
    engine->on_market_event(ev);
  }
  /// Feeds `closes` one second apart from `t` (advanced past them); returns intents produced.
  std::vector<order_intent> feed(symbol_id s, const std::vector<double>& closes,
                                 uint8_t flags = 0) {
    for (double c : closes) bar(s, t++, c, flags);
    return drain();
  }
  void gap(symbol_id s = symbol_id{}) {
    market_event ev;
    ev.kind = market_event_kind::gap;
    ev.symbol = s;
    ev.u.gap = gap_payload{duration_ns{10 * ns_per_second}};
    engine->on_market_event(ev);
  }
  std::vector<order_intent> drain() {
    std::vector<order_intent> v;
    order_intent i;
    while (out->pop(i)) v.push_back(i);
    return v;
  }
  void fill(const order_intent& in, order_status status = order_status::filled) {
    execution_report r;
    r.strategy = in.strategy;
    r.symbol = in.symbol;
    r.order_side = in.order_side;
    r.status = status;
    r.order_qty = in.qty;
    r.last_qty = status == order_status::filled ? in.qty : quantity{};
    r.last_px = in.reference_px;
    r.cum_qty = r.last_qty;
    r.hash = in.hash;
    engine->on_execution_report(r);
  }
  void reject(const order_intent& in, risk_reason why = risk_reason::price_outside_collar) {
    risk_verdict v;
    v.intent = in;
    v.reason = why;
    engine->on_risk_verdict(v);
  }

  engine_config cfg;
  symbol_table symbols{64};
  std::unique_ptr<mailbox<order_intent>> out;
  audit_sink audit{1024};
  manual_clock clk;
  std::unique_ptr<strategy_engine> engine;
  symbol_id aapl;
  int64_t t = open_s;
};

/// 25 quiet closes alternating 100.00 / 100.10: Bollinger(20, 2) mid 100.05, lower 99.95.
std::vector<double> range_bound(int n = 25) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(i % 2 == 0 ? 100.0 : 100.1);
  return v;
}

/// 40 closes falling 0.10 a bar from 100: MACD below its signal, RSI near 0.
std::vector<double> downtrend(double from = 100.0, int n = 40) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(from - 0.1 * i);
  return v;
}
std::vector<double> uptrend(double from, int n) {
  std::vector<double> v;
  for (int i = 1; i <= n; ++i) v.push_back(from + 0.1 * i);
  return v;
}

/// The fingerprint the engine computes for `c` (as in the strategy actor's constructor).
uint64_t fingerprint_of(const strategy_config& c) {
  for (const sdk::descriptor* d : strategies::builtin()) {
    if (d->kind != c.kind) continue;
    sdk::param_schema schema;
    d->declare(schema);
    sdk::params p;
    EXPECT_TRUE(sdk::params::bind(schema, c.params, "", p).empty());
    return sdk::params_fingerprint(c, d->kind, d->legacy_code, p);
  }
  ADD_FAILURE() << "no built-in " << c.kind;
  return 0;
}

}  // namespace

// --- macd_rsi ---------------------------------------------------------------------------------

TEST(strategy_macd_rsi, buys_on_macd_cross_up_when_rsi_below_threshold) {
  harness h({macd_rsi_config()});
  EXPECT_TRUE(h.feed(h.aapl, downtrend()).empty());
  const auto intents = h.feed(h.aapl, uptrend(96.1, 10));
  ASSERT_EQ(intents.size(), 1u);
  const order_intent& in = intents[0];
  EXPECT_EQ(in.order_side, side::buy);
  EXPECT_TRUE(in.rationale.view().starts_with("macd crossed above signal")) << in.rationale.view();
  EXPECT_EQ(in.strategy, strategy_id{1});
  EXPECT_EQ(in.symbol, h.aapl);
  const indicator_snapshot snap = h.engine->indicators(h.aapl);
  EXPECT_LT(snap.rsi14, 70.0);
  EXPECT_EQ(h.engine->stats().decisions, 1u);
}

TEST(strategy_macd_rsi, does_not_buy_the_cross_up_when_rsi_is_not_below_threshold) {
  strategy_config c = macd_rsi_config();
  c.params.push_back(strategy_param::of("rsi_buy_below", 5.0));  // RSI is about 7 on the first up bar after the fall
  harness h({c});
  h.feed(h.aapl, downtrend());
  bool crossed = false;
  double prev_hist = h.engine->indicators(h.aapl).macd_hist;
  for (double close : uptrend(96.1, 10)) {
    h.bar(h.aapl, h.t++, close);
    const double hist = h.engine->indicators(h.aapl).macd_hist;
    crossed |= prev_hist <= 0 && hist > 0;
    prev_hist = hist;
  }
  EXPECT_TRUE(crossed) << "the sequence must contain a cross for this test to mean anything";
  EXPECT_TRUE(h.drain().empty());
}

TEST(strategy_macd_rsi, sells_the_whole_position_on_macd_cross_down_when_rsi_above_threshold) {
  harness h({macd_rsi_config()});
  h.feed(h.aapl, downtrend());
  auto buys = h.feed(h.aapl, uptrend(96.1, 20));
  ASSERT_EQ(buys.size(), 1u);
  h.fill(buys[0]);
  const auto sells = h.feed(h.aapl, downtrend(98.0, 10));
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(sells[0].order_side, side::sell);
  EXPECT_EQ(sells[0].qty, buys[0].qty);
  EXPECT_TRUE(sells[0].rationale.view().starts_with("macd crossed below signal")) << sells[0].rationale.view();
}

TEST(strategy_macd_rsi, does_not_sell_the_cross_down_when_rsi_is_not_above_threshold) {
  strategy_config c = macd_rsi_config();
  c.params.push_back(strategy_param::of("rsi_sell_above", 99.9));
  harness h({c});
  h.feed(h.aapl, downtrend());
  auto buys = h.feed(h.aapl, uptrend(96.1, 20));
  ASSERT_EQ(buys.size(), 1u);
  h.fill(buys[0]);
  EXPECT_TRUE(h.feed(h.aapl, downtrend(98.0, 10)).empty());
}

TEST(strategy_macd_rsi, never_sells_without_a_position) {
  harness h({macd_rsi_config()});
  h.feed(h.aapl, uptrend(90.0, 40));
  EXPECT_TRUE(h.feed(h.aapl, downtrend(94.0, 15)).empty());
}

// --- bollinger_reversion ----------------------------------------------------------------------

TEST(strategy_bollinger, buys_when_the_close_falls_below_the_lower_band) {
  harness h({bollinger_config()});
  EXPECT_TRUE(h.feed(h.aapl, range_bound()).empty());
  const auto intents = h.feed(h.aapl, {99.0});
  ASSERT_EQ(intents.size(), 1u);
  EXPECT_EQ(intents[0].order_side, side::buy);
  EXPECT_TRUE(intents[0].rationale.view().starts_with("close below lower band")) << intents[0].rationale.view();
  EXPECT_EQ(intents[0].qty, quantity::from_units(50).value());  // floor(5000 / 99)
}

TEST(strategy_bollinger, does_not_buy_inside_the_bands_or_with_a_wide_k) {
  harness inside({bollinger_config()});
  EXPECT_TRUE(inside.feed(inside.aapl, range_bound(60)).empty());

  strategy_config wide = bollinger_config();
  wide.params.push_back(strategy_param::of("bollinger_k", 6.0));  // the 99.00 close is about 4.4 stddev below the mid band
  harness h({wide});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty());
}

TEST(strategy_bollinger, sells_the_whole_position_when_the_close_is_back_at_the_mid_band) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  const auto buys = h.feed(h.aapl, {99.0});
  ASSERT_EQ(buys.size(), 1u);
  h.fill(buys[0]);
  EXPECT_TRUE(h.feed(h.aapl, {99.2}).empty());  // still below the mid band: hold
  const auto sells = h.feed(h.aapl, {100.5});
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(sells[0].order_side, side::sell);
  EXPECT_EQ(sells[0].qty, buys[0].qty);
  EXPECT_TRUE(sells[0].rationale.view().starts_with("close back at mid band")) << sells[0].rationale.view();
}

TEST(strategy_bollinger, position_follows_partial_fills_and_sells_exactly_what_was_filled) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  const auto buys = h.feed(h.aapl, {99.0});
  ASSERT_EQ(buys.size(), 1u);
  execution_report r;
  r.strategy = buys[0].strategy;
  r.symbol = buys[0].symbol;
  r.hash = buys[0].hash;
  r.order_side = side::buy;
  r.status = order_status::partially_filled;
  r.last_qty = quantity::from_units(20).value();
  h.engine->on_execution_report(r);
  r.status = order_status::canceled;  // the rest is cancelled: terminal, pending cleared
  r.last_qty = quantity{};
  h.engine->on_execution_report(r);
  const auto sells = h.feed(h.aapl, {100.5});
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(sells[0].qty, quantity::from_units(20).value());
}

// --- warm-up, gaps, halts -------------------------------------------------------------------

TEST(strategy_engine_rules, makes_no_decision_during_warm_up) {
  strategy_config b = bollinger_config();
  b.warmup_bars = 27;  // the trigger is bar 26
  harness h({b});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty());
  EXPECT_EQ(h.engine->stats().bars, 26u);

  strategy_config m = macd_rsi_config();
  m.warmup_bars = 60;
  harness hm({m});
  hm.feed(hm.aapl, downtrend());
  EXPECT_TRUE(hm.feed(hm.aapl, uptrend(96.1, 10)).empty());
}

TEST(strategy_engine_rules, a_feed_gap_resets_warm_up) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  h.gap();  // whole feed
  EXPECT_EQ(h.engine->indicators(h.aapl).ready_mask, 0u);
  EXPECT_EQ(h.engine->stats().gaps, 1u);
  h.feed(h.aapl, range_bound(5));
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty()) << "only 6 bars since the gap";
  h.feed(h.aapl, range_bound(20));
  EXPECT_EQ(h.feed(h.aapl, {99.0}).size(), 1u) << "warmed up again";
}

TEST(strategy_engine_rules, a_symbol_gap_resets_only_that_symbol) {
  harness h({bollinger_config()});
  const symbol_id msft = h.symbols.intern("MSFT");
  for (double c : range_bound()) {
    h.bar(h.aapl, h.t, c);
    h.bar(msft, h.t++, c);
  }
  h.gap(msft);
  EXPECT_EQ(h.engine->indicators(msft).ready_mask, 0u);
  EXPECT_NE(h.engine->indicators(h.aapl).ready_mask, 0u);
  EXPECT_TRUE(h.feed(msft, {99.0}).empty());
  EXPECT_EQ(h.feed(h.aapl, {99.0}).size(), 1u);
}

TEST(strategy_engine_rules, halted_bars_never_decide) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}, event_flags::halted).empty());
  EXPECT_EQ(h.engine->stats().bars, 26u) << "indicators still move on halted bars";

  harness all({bollinger_config(), macd_rsi_config()});
  all.feed(all.aapl, range_bound(), event_flags::halted);
  all.feed(all.aapl, {99.0, 98.0, 97.0}, event_flags::halted);
  all.feed(all.aapl, downtrend(), event_flags::halted);
  all.feed(all.aapl, uptrend(96.1, 10), event_flags::halted);
  EXPECT_EQ(all.engine->stats().decisions, 0u);
}

TEST(strategy_engine_rules, non_final_microbars_and_other_events_do_not_update_indicators) {
  harness h({bollinger_config()});
  market_event ev;
  ev.kind = market_event_kind::microbar;
  ev.flags = 0;  // still open
  ev.symbol = h.aapl;
  ev.u.bar.close = price::from_units(10).value();
  h.engine->on_market_event(ev);
  ev.kind = market_event_kind::bar;  // minute bars are not the strategies' timeframe
  ev.flags = event_flags::final_bar;
  h.engine->on_market_event(ev);
  EXPECT_EQ(h.engine->stats().bars, 0u);
  EXPECT_EQ(h.engine->indicators(h.aapl).ready_mask, 0u);
}

TEST(strategy_engine_rules, quotes_feed_the_imbalance_indicators) {
  harness h({bollinger_config()});
  market_event ev;
  ev.kind = market_event_kind::quote;
  ev.symbol = h.aapl;
  ev.u.quote = quote_payload{};
  ev.u.quote.bid_px = price::from_double(99.98).value();
  ev.u.quote.ask_px = price::from_double(100.02).value();
  ev.u.quote.bid_size = quantity::from_units(300).value();
  ev.u.quote.ask_size = quantity::from_units(100).value();
  h.engine->on_market_event(ev);
  const indicator_snapshot s = h.engine->indicators(h.aapl);
  EXPECT_EQ(s.ready_mask, indicator_bit::quote);
  EXPECT_DOUBLE_EQ(s.imbalance_spread, 0.04);
  EXPECT_DOUBLE_EQ(s.imbalance_bid_sz, 300.0);
  EXPECT_DOUBLE_EQ(s.imbalance_ask_sz, 100.0);
}

// --- pending orders -------------------------------------------------------------------------

TEST(strategy_engine_rules, suppresses_a_new_intent_while_one_is_pending) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  EXPECT_EQ(h.feed(h.aapl, {99.0}).size(), 1u);
  EXPECT_TRUE(h.feed(h.aapl, {98.5}).empty()) << "still below the band, but an order is open";
}

TEST(strategy_engine_rules, a_rejecting_verdict_clears_pending) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  const auto first = h.feed(h.aapl, {99.0});
  ASSERT_EQ(first.size(), 1u);
  risk_verdict ok;
  ok.intent = first[0];
  h.engine->on_risk_verdict(ok);  // approval keeps it pending
  EXPECT_TRUE(h.feed(h.aapl, {98.5}).empty());
  h.reject(first[0]);
  const auto second = h.feed(h.aapl, {98.0});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].order_side, side::buy);
}

TEST(strategy_engine_rules, a_terminal_execution_report_clears_pending) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  const auto first = h.feed(h.aapl, {99.0});
  ASSERT_EQ(first.size(), 1u);
  h.fill(first[0], order_status::accepted);  // not terminal
  EXPECT_TRUE(h.feed(h.aapl, {98.5}).empty());
  h.fill(first[0], order_status::expired);  // terminal, nothing filled
  EXPECT_EQ(h.feed(h.aapl, {98.0}).size(), 1u);
}

TEST(strategy_engine_rules, pending_is_per_strategy_and_symbol) {
  harness h({bollinger_config()});
  const symbol_id msft = h.symbols.intern("MSFT");
  for (double c : range_bound()) {
    h.bar(h.aapl, h.t, c);
    h.bar(msft, h.t++, c);
  }
  h.bar(h.aapl, h.t, 99.0);
  h.bar(msft, h.t++, 99.0);
  EXPECT_EQ(h.drain().size(), 2u);
}

// --- sizing -----------------------------------------------------------------------------------

TEST(strategy_sizing, respects_the_max_notional_per_trade) {
  strategy_config c = bollinger_config();
  c.max_notional_per_trade = money::from_units(1000).value();  // 5% of 100k = 5000 is larger
  harness h({c});
  h.feed(h.aapl, range_bound());
  const auto in = h.feed(h.aapl, {99.0});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].qty, quantity::from_units(10).value());  // floor(1000 / 99)
}

TEST(strategy_sizing, respects_the_max_position_pct_of_equity) {
  harness h({bollinger_config()});
  h.engine->set_equity(money::from_units(10'000).value());  // 5% = 500 < 5000
  h.feed(h.aapl, range_bound());
  const auto in = h.feed(h.aapl, {99.0});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].qty, quantity::from_units(5).value());  // floor(500 / 99)
}

TEST(strategy_sizing, skips_a_trade_that_buys_less_than_one_share) {
  strategy_config c = bollinger_config();
  c.max_notional_per_trade = money::from_units(50).value();
  harness h({c});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty());
  c.max_notional_per_trade = money::from_units(99).value();  // exactly one share at 99.00
  harness one({c});
  one.feed(one.aapl, range_bound());
  const auto in = one.feed(one.aapl, {99.0});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].qty, quantity::from_units(1).value());
}

// --- universe -------------------------------------------------------------------------------

TEST(strategy_universe, trades_only_symbols_in_the_strategy_universe) {
  strategy_config c = bollinger_config();
  c.universe_symbols = {"MSFT"};
  harness h({c});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty());
  const symbol_id msft = h.symbols.intern("MSFT");  // interned after the engine was built
  h.feed(msft, range_bound());
  const auto in = h.feed(msft, {99.0});
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].symbol, msft);
}

TEST(strategy_universe, an_empty_universe_means_every_allowed_symbol_and_nothing_else) {
  harness h({bollinger_config()}, {"AAPL"});
  const symbol_id tsla = h.symbols.intern("TSLA");
  h.feed(tsla, range_bound());
  EXPECT_TRUE(h.feed(tsla, {99.0}).empty());
  h.feed(h.aapl, range_bound());
  EXPECT_EQ(h.feed(h.aapl, {99.0}).size(), 1u);
}

TEST(strategy_universe, a_disabled_strategy_never_decides) {
  strategy_config c = bollinger_config();
  c.enabled = false;
  harness h({c});
  h.feed(h.aapl, range_bound());
  EXPECT_TRUE(h.feed(h.aapl, {99.0}).empty());
}

// --- the intent and its hash ----------------------------------------------------------------

TEST(strategy_intent, carries_bar_start_close_clock_time_and_its_decision_hash) {
  harness h({bollinger_config()});
  h.feed(h.aapl, range_bound());
  const int64_t bar_start = h.t;
  const auto in = h.feed(h.aapl, {99.0});
  ASSERT_EQ(in.size(), 1u);
  const order_intent& i = in[0];
  EXPECT_EQ(i.kind, intent_kind::new_order);
  EXPECT_EQ(i.type, order_type::market);
  EXPECT_EQ(i.tif, time_in_force::day);
  EXPECT_EQ(i.event_time, timestamp{bar_start * ns_per_second});
  EXPECT_EQ(i.decided_at, h.clk.now());
  EXPECT_EQ(i.reference_px, price::from_double(99.0).value());
  EXPECT_TRUE(i.limit_px.is_zero());

  decision_key k;
  k.strategy = strategy_id{2};
  k.symbol = "AAPL";
  k.event_time = i.event_time;
  k.action = side::buy;
  k.type = order_type::market;
  k.qty = i.qty;
  k.limit_px = price{};
  k.params_fingerprint = fingerprint_of(bollinger_config());
  EXPECT_EQ(i.hash, compute_decision_hash(k));

  audit_row row;
  ASSERT_TRUE(h.audit.pop(row));
  EXPECT_EQ(row.kind, audit_kind::decision);
  EXPECT_EQ(row.body.decision.hash, i.hash);
  EXPECT_EQ(row.time, i.decided_at);
  EXPECT_FALSE(h.audit.pop(row));
}

TEST(strategy_intent, the_same_input_gives_the_same_decision_hash) {
  decision_hash hashes[2];
  symbol_id ids[2];
  for (int run = 0; run < 2; ++run) {
    harness h({bollinger_config(), macd_rsi_config()});
    // A different id layout must not matter: the hash uses the symbol text.
    if (run == 1) {
      EXPECT_TRUE(h.symbols.intern("ZZZ").valid());
    }
    const symbol_id msft = h.symbols.intern("MSFT");
    h.feed(msft, range_bound());
    const auto in = h.feed(msft, {99.0});
    ASSERT_EQ(in.size(), 1u);
    hashes[run] = in[0].hash;
    ids[run] = msft;
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(hashes[0], hashes[1]);
}

TEST(strategy_intent, a_different_parameter_gives_a_different_decision_hash) {
  strategy_config a = bollinger_config(), b = bollinger_config();
  b.params.push_back(strategy_param::of("bollinger_k", 1.9));  // still fires on the same bar
  harness ha({a}), hb({b});
  ha.feed(ha.aapl, range_bound());
  hb.feed(hb.aapl, range_bound());
  const auto ia = ha.feed(ha.aapl, {99.0});
  const auto ib = hb.feed(hb.aapl, {99.0});
  ASSERT_EQ(ia.size(), 1u);
  ASSERT_EQ(ib.size(), 1u);
  EXPECT_EQ(ia[0].qty, ib[0].qty);
  EXPECT_NE(ia[0].hash, ib[0].hash);
}

TEST(strategy_intent, params_fingerprint_covers_parameters_but_not_the_name) {
  const strategy_config base = macd_rsi_config();
  const uint64_t f = fingerprint_of(base);
  strategy_config renamed = base;
  renamed.name = "something_else";
  EXPECT_EQ(fingerprint_of(renamed), f);
  strategy_config defaults_spelled_out = base;  // the defaults, written: the same parameters
  defaults_spelled_out.params = {strategy_param::of("rsi_buy_below", 70), strategy_param::of("rsi_sell_above", 30)};
  EXPECT_EQ(fingerprint_of(defaults_spelled_out), f);
  for (auto change :
       {+[](strategy_config& c) { c.params.push_back(strategy_param::of("rsi_buy_below", 65)); },
        +[](strategy_config& c) { c.params.push_back(strategy_param::of("rsi_sell_above", 35)); },
        +[](strategy_config& c) { c.warmup_bars = 40; },
        +[](strategy_config& c) { c.max_position_pct_equity = 0.04; },
        +[](strategy_config& c) { c.max_notional_per_trade = money::from_units(1).value(); },
        +[](strategy_config& c) { c.kind = "bollinger_reversion"; }}) {
    strategy_config c = base;
    change(c);
    EXPECT_NE(fingerprint_of(c), f);
  }
}

// --- back-pressure --------------------------------------------------------------------------

TEST(strategy_engine_rules,
     counts_back_pressure_and_does_not_mark_pending_when_the_mailbox_is_full) {
  harness h({bollinger_config()}, {"AAPL", "MSFT"}, 1);
  h.feed(h.aapl, range_bound());
  order_intent filler;
  while (h.out->push(filler) == push_result::ok) {
  }
  h.bar(h.aapl, h.t++, 99.0);
  EXPECT_EQ(h.engine->stats().back_pressured, 1u);
  EXPECT_EQ(h.engine->stats().decisions, 0u);
  EXPECT_EQ(h.audit.emitted(), 0u) << "a decision that never left is not audited";
  h.drain();
  const auto in = h.feed(h.aapl, {98.5});
  ASSERT_EQ(in.size(), 1u) << "not pending: the next signal goes out";
}

TEST(tick_probe, one_order_per_trade_alternating_and_never_while_pending) {
  strategy_config c;
  c.id = strategy_id{7};
  c.name = "probe";
  c.kind = "tick_probe";
  harness h({c});
  auto trade = [&](int64_t ns, const char* px) {
    market_event ev;
    ev.kind = market_event_kind::trade;
    ev.symbol = h.aapl;
    ev.event_time = timestamp{open_s * ns_per_second + ns};
    ev.u.trade = trade_payload{};
    ev.u.trade.px = parse_decimal<price>(px).value();
    ev.u.trade.size = quantity::from_units(5).value();
    h.engine->on_market_event(ev);
    return h.drain();
  };
  auto first = trade(1, "10.5");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].order_side, side::buy);
  EXPECT_EQ(first[0].qty, quantity::from_units(1).value());
  EXPECT_EQ(first[0].reference_px, parse_decimal<price>("10.5").value());
  EXPECT_TRUE(trade(2, "10.6").empty()) << "pending: no second order";
  h.fill(first[0]);
  auto second = trade(3, "10.7");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].order_side, side::sell);
  EXPECT_NE(second[0].hash, first[0].hash);
}
