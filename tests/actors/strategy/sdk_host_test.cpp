// The strategy actor as an SDK host: what a strategy written against torghut/sdk/strategy.hpp
// is told, what its actions become, and what happens when it misbehaves.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torghut/actors/strategy.hpp"
#include "torghut/sdk/strategy.hpp"
#include "torghut/strategies/builtin.hpp"

using namespace torghut;
using namespace torghut::actors;

namespace {

constexpr int64_t open_s = 1710513000;  // 2024-03-15 14:30:00 UTC

/// A scriptable strategy: each callback runs the test's hook (if any) and is recorded.
struct probe_strategy final : sdk::strategy {
  static constexpr std::string_view kind = "test_probe";
  static constexpr std::string_view summary = "test";
  static void declare(sdk::param_schema& s) {
    s.number("threshold", 1.5, 0, 10, "a number").integer("lookback", 3, 1, 100, "an integer").boolean("aggressive", false, "a flag");
  }
  explicit probe_strategy(const sdk::params& p)
      : threshold(p.number("threshold")), lookback(p.integer("lookback")), aggressive(p.boolean("aggressive")) {}

  static inline std::function<void(sdk::context&, const sdk::bar&)> bar_hook;
  static inline std::function<void(sdk::context&, const sdk::trade&)> trade_hook;
  static inline std::function<void(sdk::context&, const sdk::order_update&)> update_hook;
  static inline std::function<void(sdk::context&, const sdk::timer_event&)> timer_hook;
  static inline std::function<void(sdk::context&)> start_hook;
  static inline std::vector<std::string> log;
  static void reset() {
    bar_hook = {};
    trade_hook = {};
    update_hook = {};
    timer_hook = {};
    start_hook = {};
    log.clear();
  }

  void on_start(sdk::context& c) override {
    log.push_back("start");
    if (start_hook) start_hook(c);
  }
  void on_bar(sdk::context& c, const sdk::bar& b) override {
    log.push_back("bar " + std::string(sdk::to_string(b.tf)) + " " + std::to_string(b.start.ns / ns_per_second - open_s));
    if (bar_hook) bar_hook(c, b);
  }
  void on_trade(sdk::context& c, const sdk::trade& t) override {
    log.push_back("trade");
    if (trade_hook) trade_hook(c, t);
  }
  void on_order_update(sdk::context& c, const sdk::order_update& u) override {
    log.push_back("update " + std::string(sdk::to_string(u.event)));
    if (update_hook) update_hook(c, u);
  }
  void on_timer(sdk::context& c, const sdk::timer_event& t) override {
    log.push_back("timer " + std::to_string(t.tag));
    if (timer_hook) timer_hook(c, t);
  }
  void on_feed_gap(sdk::context&, const sdk::feed_gap&) override { log.push_back("gap"); }
  void on_halt(sdk::context&, symbol_id, bool halted) override { log.push_back(halted ? "halted" : "resumed"); }
  void on_trading_state(sdk::context&, trading_state s) override { log.push_back("state " + std::string(to_string(s))); }
  void on_stop(sdk::context& c) override {
    log.push_back("stop");
    const auto r = c.close_position(symbol_id{0}, sdk::rationale("late"));
    log.push_back(std::string("stop action ") + std::string(sdk::to_string(r.status)));
  }

  double threshold;
  int64_t lookback;
  bool aggressive;
};

/// A strategy that overrides nothing but on_bar (the host must not call the rest).
struct bar_only final : sdk::strategy {
  static constexpr std::string_view kind = "bar_only";
  static constexpr std::string_view summary = "test";
  static void declare(sdk::param_schema&) {}
  explicit bar_only(const sdk::params&) {}
  void on_bar(sdk::context&, const sdk::bar&) override { ++bars; }
  static inline int bars = 0;
};

const sdk::descriptor probe_desc = sdk::describe<probe_strategy>();
const sdk::descriptor bar_only_desc = sdk::describe<bar_only>();

strategy_config probe_config(strategy_id id = strategy_id{9}, std::string tf = "1Sec") {
  strategy_config c;
  c.id = id;
  c.name = "probe" + std::to_string(id.value);
  c.kind = "test_probe";
  c.base_timeframe = std::move(tf);
  c.warmup_bars = 0;
  return c;
}

struct host {
  explicit host(std::vector<strategy_config> strategies) {
    cfg.allowed_symbols = {"AAPL", "MSFT"};
    cfg.strategies = std::move(strategies);
    aapl = symbols.intern("AAPL");
    msft = symbols.intern("MSFT");
    catalog = {&probe_desc, &bar_only_desc};
    for (const auto* d : strategies::builtin()) catalog.push_back(d);
    engine = std::make_unique<strategy_engine>(cfg, catalog, symbols, out, audit, clk);
  }
  void bar(symbol_id s, int64_t second, double close, uint8_t flags = 0) {
    market_event ev;
    ev.kind = market_event_kind::microbar;
    ev.flags = static_cast<uint8_t>(event_flags::final_bar | flags);
    ev.symbol = s;
    ev.event_time = timestamp{(open_s + second) * ns_per_second};
    ev.u.bar = bar_payload{};
    ev.u.bar.open = ev.u.bar.high = ev.u.bar.low = ev.u.bar.close = price::from_double(close).value();
    ev.u.bar.volume = quantity::from_units(10).value();
    clk.set(timestamp{(open_s + second + 1) * ns_per_second});
    engine->on_market_event(ev);
  }
  void trade(symbol_id s, int64_t second, double px, uint8_t flags = 0) {
    market_event ev;
    ev.kind = market_event_kind::trade;
    ev.flags = flags;
    ev.symbol = s;
    ev.event_time = timestamp{(open_s + second) * ns_per_second};
    ev.u.trade = trade_payload{};
    ev.u.trade.px = price::from_double(px).value();
    ev.u.trade.size = quantity::from_units(1).value();
    engine->on_market_event(ev);
  }
  void report(const order_intent& in, order_status st, double fill_qty = 0, double px = 0, uint64_t id = 1) {
    execution_report r;
    r.id = order_id{id};
    r.strategy = in.strategy;
    r.symbol = in.symbol;
    r.order_side = in.order_side;
    r.status = st;
    r.order_qty = in.qty;
    r.last_qty = quantity::from_double(fill_qty).value();
    r.last_px = price::from_double(px).value();
    r.cum_qty = r.last_qty;
    r.hash = in.hash;
    engine->on_execution_report(r);
  }
  std::vector<order_intent> drain() {
    std::vector<order_intent> v;
    order_intent i;
    while (out.pop(i)) v.push_back(i);
    return v;
  }

  engine_config cfg;
  symbol_table symbols{16};
  mailbox<order_intent> out{256};
  audit_sink audit{4096};
  manual_clock clk;
  std::vector<const sdk::descriptor*> catalog;
  std::unique_ptr<strategy_engine> engine;
  symbol_id aapl, msft;
};

class sdk_host : public ::testing::Test {
 protected:
  void SetUp() override {
    probe_strategy::reset();
    bar_only::bars = 0;
  }
};

}  // namespace

TEST_F(sdk_host, describe_finds_the_overridden_callbacks_at_compile_time) {
  EXPECT_EQ(bar_only_desc.callbacks, sdk::callback::bar);
  EXPECT_NE(probe_desc.callbacks & sdk::callback::timer, 0u);
  EXPECT_EQ(probe_desc.callbacks & sdk::callback::quote, 0u);
  EXPECT_EQ(probe_desc.abi_version, sdk::abi_version);
}

TEST_F(sdk_host, parameters_are_typed_defaulted_and_validated_with_their_keys) {
  sdk::param_schema schema;
  probe_strategy::declare(schema);
  sdk::params p;
  EXPECT_TRUE(sdk::params::bind(schema, {}, "s.", p).empty());
  EXPECT_DOUBLE_EQ(p.number("threshold"), 1.5);
  EXPECT_EQ(p.integer("lookback"), 3);
  EXPECT_FALSE(p.boolean("aggressive"));
  EXPECT_THROW((void)p.number("lookback"), std::out_of_range) << "declared as an integer";

  strategy_param bad_type;
  bad_type.key = "lookback";
  bad_type.type = strategy_param::kind::number;
  bad_type.number = 2.5;
  strategy_param flag;
  flag.key = "aggressive";
  flag.type = strategy_param::kind::integer;
  const std::vector<strategy_param> given = {strategy_param::of("threshold", 11), bad_type, flag,
                                             strategy_param::of("nope", 1)};
  const auto errs = sdk::params::bind(schema, given, "strategies[0].", p);
  ASSERT_EQ(errs.size(), 4u);
  EXPECT_EQ(errs[0], "strategies[0].threshold: must be in [0, 10] (got 11)");
  EXPECT_EQ(errs[1], "strategies[0].lookback: must be an integer");
  EXPECT_EQ(errs[2], "strategies[0].aggressive: must be true or false");
  EXPECT_EQ(errs[3], "strategies[0].nope: not a parameter of this strategy (its parameters: threshold, lookback, aggressive)");
}

TEST_F(sdk_host, an_unknown_kind_or_bad_parameters_fail_construction_with_every_problem) {
  strategy_config unknown = probe_config();
  unknown.kind = "momentum";
  strategy_config bad = probe_config(strategy_id{10});
  bad.params = {strategy_param::of("threshold", -1)};
  try {
    host h({unknown, bad});
    FAIL() << "expected strategy_setup_error";
  } catch (const strategy_setup_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown strategy 'momentum'"), std::string::npos) << what;
    EXPECT_NE(what.find("threshold: must be in [0, 10] (got -1)"), std::string::npos) << what;
  }
}

TEST_F(sdk_host, the_fingerprint_covers_declared_parameters_in_order_and_keeps_the_builtins_layout) {
  strategy_config c = probe_config();
  sdk::param_schema schema;
  probe_strategy::declare(schema);
  sdk::params a, b;
  ASSERT_TRUE(sdk::params::bind(schema, {}, "", a).empty());
  ASSERT_TRUE(sdk::params::bind(schema, std::vector{strategy_param::of("threshold", 1.6)}, "", b).empty());
  EXPECT_NE(sdk::params_fingerprint(c, "test_probe", -1, a), sdk::params_fingerprint(c, "test_probe", -1, b));
  EXPECT_NE(sdk::params_fingerprint(c, "test_probe", -1, a), sdk::params_fingerprint(c, "other", -1, a))
      << "a library strategy's kind is part of its fingerprint";
  // The built-ins keep their pre-SDK layout (the recorded replay decision log depends on it).
  strategy_config m;
  m.kind = "macd_rsi";
  strategy_config bo;
  bo.kind = "bollinger_reversion";
  EXPECT_NE(strategies::builtin_fingerprint(m), strategies::builtin_fingerprint(bo));
  strategy_config m2 = m;
  m2.params = {strategy_param::of("rsi_buy_below", 70), strategy_param::of("rsi_sell_above", 30)};
  EXPECT_EQ(strategies::builtin_fingerprint(m), strategies::builtin_fingerprint(m2));
}

TEST_F(sdk_host, callbacks_arrive_in_order_and_only_the_overridden_ones) {
  strategy_config only = probe_config(strategy_id{3});
  only.kind = "bar_only";
  host h({probe_config(), only});
  h.trade(h.aapl, 0, 100.0);
  h.bar(h.aapl, 0, 100.0);
  h.trade(h.aapl, 1, 100.5, event_flags::halted);
  h.trade(h.aapl, 2, 100.6);
  market_event gap;
  gap.kind = market_event_kind::gap;
  h.engine->on_market_event(gap);
  h.engine->on_trading_state(trading_state::halted);
  h.engine->on_trading_state(trading_state::halted);  // no change: no call
  h.engine->finish();
  const std::vector<std::string> want = {"start",  "trade", "bar 1Sec 0", "halted", "trade", "resumed", "trade",
                                         "gap",    "state HALTED", "stop", "stop action stopped"};
  EXPECT_EQ(probe_strategy::log, want);
  EXPECT_EQ(bar_only::bars, 1);
}

TEST_F(sdk_host, an_action_becomes_an_intent_with_its_hash_rationale_and_reference) {
  host h({probe_config()});
  sdk::action_result res;
  probe_strategy::bar_hook = [&](sdk::context& c, const sdk::bar& b) {
    EXPECT_EQ(c.now(), timestamp{b.start.ns + ns_per_second}) << "a bar's market time is its close";
    res = c.limit(b.symbol, side::buy, quantity::from_units(3).value(), price::from_double(99.5).value(),
                  sdk::rationale("dip to ").num(99.5, 2));
  };
  h.bar(h.aapl, 5, 100.0);
  ASSERT_TRUE(res.ok()) << sdk::to_string(res.status);
  const auto in = h.drain();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].type, order_type::limit);
  EXPECT_EQ(in[0].limit_px, price::from_double(99.5).value());
  EXPECT_EQ(in[0].reference_px, price::from_double(100.0).value());
  EXPECT_EQ(in[0].rationale.view(), "dip to 99.50");
  EXPECT_EQ(in[0].event_time, timestamp{(open_s + 5) * ns_per_second});
  EXPECT_EQ(res.order.hash, in[0].hash);
  EXPECT_EQ(h.engine->stats().decisions, 1u);
  audit_row row;
  ASSERT_TRUE(h.audit.pop(row));
  EXPECT_EQ(row.kind, audit_kind::decision);
  EXPECT_EQ(row.body.decision.rationale.view(), "dip to 99.50");
}

TEST_F(sdk_host, invalid_actions_are_refused_at_once_with_a_typed_reason) {
  host h({probe_config()});
  std::vector<sdk::action_status> got;
  probe_strategy::bar_hook = [&](sdk::context& c, const sdk::bar& b) {
    const auto one = quantity::from_units(1).value();
    got.push_back(c.market(b.symbol, side::buy, quantity{}, "zero").status);
    got.push_back(c.limit(b.symbol, side::buy, one, price{}, "no price").status);
    got.push_back(c.stop(b.symbol, side::buy, one, price{}, "no stop").status);
    got.push_back(c.market(symbol_id{12}, side::buy, one, "unknown").status);
    const symbol_id tsla = c.symbol("TSLA");
    got.push_back(tsla.valid() ? c.market(tsla, side::buy, one, "outside").status : sdk::action_status::accepted);
    got.push_back(c.market(b.symbol, side::buy, quantity::from_double(0.5).value(), "frac gtc", time_in_force::gtc).status);
    got.push_back(c.stop(b.symbol, side::buy, one, price::from_units(101).value(), "stop opg", time_in_force::opg).status);
    got.push_back(c.cancel(sdk::order_ref{}, "nothing").status);
    got.push_back(c.close_position(b.symbol, "flat").status);
    got.push_back(c.cancel_all("none").status);
    got.push_back(c.market(b.symbol, side::buy, quantity::from_double(0.5).value(), "frac day").status);
  };
  (void)h.symbols.intern("TSLA");
  h.bar(h.aapl, 0, 100.0);
  using s = sdk::action_status;
  const std::vector<s> want = {s::invalid_quantity, s::invalid_price,  s::invalid_price, s::unknown_symbol,
                               s::not_in_universe,  s::invalid_quantity, s::invalid_order, s::unknown_order,
                               s::nothing_to_do,    s::nothing_to_do,  s::accepted};
  EXPECT_EQ(got, want);
  EXPECT_EQ(h.drain().size(), 1u) << "only the fractional day market order became an intent";
}

TEST_F(sdk_host, order_updates_positions_pnl_and_a_risk_rejection_with_its_reason) {
  host h({probe_config()});
  std::vector<sdk::order_update> updates;
  probe_strategy::update_hook = [&](sdk::context&, const sdk::order_update& u) { updates.push_back(u); };
  probe_strategy::bar_hook = [&](sdk::context& c, const sdk::bar& b) {
    if (c.position_of(b.symbol).flat() && c.open_order_count(b.symbol) == 0)
      (void)c.market(b.symbol, side::buy, quantity::from_units(10).value(), "in");
    else if (!c.position_of(b.symbol).flat())
      (void)c.close_position(b.symbol, "out");
  };
  h.bar(h.aapl, 0, 100.0);
  auto in = h.drain();
  ASSERT_EQ(in.size(), 1u);
  h.report(in[0], order_status::pending_new);
  h.report(in[0], order_status::new_order);
  h.report(in[0], order_status::partially_filled, 4, 100.0);
  h.report(in[0], order_status::filled, 6, 101.0);
  ASSERT_EQ(updates.size(), 3u) << "pending_new is not news; accepted once; then the fills";
  EXPECT_EQ(updates[0].event, sdk::order_event::accepted);
  EXPECT_EQ(updates[1].event, sdk::order_event::partial_fill);
  EXPECT_EQ(updates[2].event, sdk::order_event::fill);
  const sdk::position p = h.engine->position(strategy_id{9}, h.aapl);
  EXPECT_EQ(p.qty, quantity::from_units(10).value());
  EXPECT_EQ(p.avg_cost, price::from_double(100.6).value());
  h.trade(h.aapl, 1, 102.0);
  EXPECT_EQ(h.engine->position(strategy_id{9}, h.aapl).unrealized_pnl, money::from_double(14.0).value());

  h.bar(h.aapl, 2, 103.0);  // closes the position: a sell of 10
  in = h.drain();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].order_side, side::sell);
  risk_verdict v;
  v.intent = in[0];
  v.reason = risk_reason::price_outside_collar;
  h.engine->on_risk_verdict(v);
  ASSERT_EQ(updates.size(), 4u);
  EXPECT_EQ(updates[3].event, sdk::order_event::rejected);
  EXPECT_EQ(updates[3].reject.by, sdk::reject_reason::source::risk);
  EXPECT_EQ(updates[3].reject.risk, risk_reason::price_outside_collar);

  h.bar(h.aapl, 3, 103.0);  // tries again; this time it fills
  in = h.drain();
  ASSERT_EQ(in.size(), 1u);
  h.report(in[0], order_status::filled, 10, 103.0, 2);
  const sdk::position flat = h.engine->position(strategy_id{9}, h.aapl);
  EXPECT_TRUE(flat.flat());
  EXPECT_EQ(flat.realized_pnl, money::from_double(24.0).value()) << "10 × (103 − 100.6)";
}

TEST_F(sdk_host, a_cancel_of_an_unrouted_order_goes_out_once_the_router_names_it) {
  host h({probe_config()});
  sdk::order_ref ref;
  probe_strategy::bar_hook = [&](sdk::context& c, const sdk::bar& b) {
    ref = c.limit(b.symbol, side::buy, quantity::from_units(1).value(), price::from_units(90).value(), "bid").order;
    EXPECT_TRUE(c.cancel(ref, "changed my mind").ok());
  };
  h.bar(h.aapl, 0, 100.0);
  auto in = h.drain();
  ASSERT_EQ(in.size(), 1u) << "no id yet: the cancel waits";
  h.report(in[0], order_status::new_order, 0, 0, 77);
  const auto c = h.drain();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, intent_kind::cancel);
  EXPECT_EQ(c[0].cancel_target, order_id{77});
  EXPECT_EQ(c[0].rationale.view(), "changed my mind");
}

TEST_F(sdk_host, timers_fire_in_market_time_with_their_tag) {
  host h({probe_config()});
  probe_strategy::start_hook = [&](sdk::context& c) {
    uint32_t id = 0;
    EXPECT_TRUE(c.set_timer(timestamp{(open_s + 10) * ns_per_second}, 42, id).ok());
    uint32_t other = 0;
    EXPECT_TRUE(c.set_timer(timestamp{(open_s + 5) * ns_per_second}, 7, other).ok());
    EXPECT_TRUE(c.cancel_timer(other));
  };
  h.bar(h.aapl, 0, 100.0);
  h.engine->on_time(timestamp{(open_s + 9) * ns_per_second});
  EXPECT_EQ(probe_strategy::log.back(), "bar 1Sec 0");
  h.engine->on_time(timestamp{(open_s + 10) * ns_per_second});
  EXPECT_EQ(probe_strategy::log.back(), "timer 42");
  h.engine->on_time(timestamp{(open_s + 20) * ns_per_second});
  EXPECT_EQ(probe_strategy::log.back(), "timer 42") << "fires once";
}

TEST_F(sdk_host, longer_timeframes_are_built_from_seconds_and_close_on_time) {
  host h({probe_config(strategy_id{9}, "5Sec")});
  std::vector<sdk::bar> bars;
  probe_strategy::bar_hook = [&](sdk::context&, const sdk::bar& b) { bars.push_back(b); };
  const int64_t base = 5 - open_s % 5;  // the first whole 5-second boundary after the open
  h.bar(h.aapl, base + 0, 10.0);
  h.bar(h.aapl, base + 1, 12.0);
  h.bar(h.aapl, base + 3, 9.0);
  h.bar(h.aapl, base + 4, 11.0);
  EXPECT_TRUE(bars.empty());
  h.bar(h.aapl, base + 5, 20.0);  // the next bucket closes the first
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].tf, sdk::timeframe::s5);
  EXPECT_EQ(bars[0].start, timestamp{(open_s + base) * ns_per_second});
  EXPECT_EQ(bars[0].open, price::from_units(10).value());
  EXPECT_EQ(bars[0].high, price::from_units(12).value());
  EXPECT_EQ(bars[0].low, price::from_units(9).value());
  EXPECT_EQ(bars[0].close, price::from_units(11).value());
  EXPECT_EQ(bars[0].volume, quantity::from_units(40).value());
  h.engine->on_time(timestamp{(open_s + base + 12) * ns_per_second});  // past the second's end
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[1].close, price::from_units(20).value());
}

TEST_F(sdk_host, a_strategy_that_throws_is_stopped_alone_and_its_orders_are_canceled) {
  host h({probe_config(strategy_id{9}), [] {
            strategy_config b;
            b.id = strategy_id{2};
            b.name = "bollinger_reversion";
            b.kind = "bollinger_reversion";
            b.warmup_bars = 20;
            return b;
          }()});
  int calls = 0;
  probe_strategy::bar_hook = [&](sdk::context& c, const sdk::bar& b) {
    if (++calls == 1) {
      (void)c.limit(b.symbol, side::buy, quantity::from_units(1).value(), price::from_units(90).value(), "bid");
      return;
    }
    throw std::runtime_error("index out of range in my_indicator");
  };
  h.bar(h.aapl, 0, 100.0);
  auto in = h.drain();
  ASSERT_EQ(in.size(), 1u);
  h.report(in[0], order_status::new_order, 0, 0, 5);
  h.bar(h.aapl, 1, 100.1);  // throws
  const auto after = h.drain();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].kind, intent_kind::cancel);
  EXPECT_EQ(after[0].cancel_target, order_id{5});
  std::array<stopped_strategy, 4> rec{};
  ASSERT_EQ(h.engine->stopped(rec), 1u);
  EXPECT_EQ(rec[0].id, strategy_id{9});
  EXPECT_EQ(rec[0].reason, "threw: index out of range in my_indicator");
  bool audited = false;
  audit_row row;
  while (h.audit.pop(row))
    audited |= row.kind == audit_kind::anomaly && row.body.anomaly.kind == anomaly_kind::strategy_stopped &&
               row.body.anomaly.strategy == strategy_id{9};
  EXPECT_TRUE(audited);
  // The other strategy keeps trading: bollinger buys the drop.
  for (int i = 0; i < 25; ++i) h.bar(h.aapl, 2 + i, i % 2 == 0 ? 100.0 : 100.1);
  h.drain();
  h.bar(h.aapl, 30, 99.0);
  const auto boll = h.drain();
  ASSERT_EQ(boll.size(), 1u);
  EXPECT_EQ(boll[0].strategy, strategy_id{2});
  EXPECT_EQ(calls, 2) << "the stopped strategy is never called again";
}

TEST_F(sdk_host, a_runaway_loop_of_actions_is_a_contract_violation) {
  strategy_config c = probe_config();
  c.max_actions_per_callback = 4;
  host h({c});
  sdk::action_status last = sdk::action_status::accepted;
  probe_strategy::bar_hook = [&](sdk::context& ctx, const sdk::bar& b) {
    for (int i = 0; i < 10; ++i)
      last = ctx.limit(b.symbol, side::buy, quantity::from_units(1).value(), price::from_units(90 - i).value(), "spam").status;
  };
  h.bar(h.aapl, 0, 100.0);
  EXPECT_EQ(last, sdk::action_status::stopped);
  EXPECT_EQ(h.drain().size(), 4u);
  std::array<stopped_strategy, 2> rec{};
  ASSERT_EQ(h.engine->stopped(rec), 1u);
  EXPECT_NE(rec[0].reason.find("contract violation"), std::string_view::npos);
}
