// The tutorial strategy of docs/STRATEGIES.md, verbatim between the markers (a test checks the
// two stay the same), run through the strategy actor: the documented code compiles and trades.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "torghut/actors/strategy.hpp"

// --- tutorial begin
#include "torghut/sdk/indicators.hpp"
#include "torghut/sdk/strategy.hpp"

using namespace torghut;
using namespace torghut::sdk;

class ema_cross final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "ema_cross";  // what `kind = ...` in the config names
  static constexpr std::string_view summary = "fast EMA crosses the slow one; long only";

  // Parameters: type, default, bounds, help. The config is checked against this.
  static void declare(param_schema& s) {
    s.integer("fast", 9, 2, 500, "fast EMA period").integer("slow", 21, 3, 2000, "slow EMA period");
  }
  explicit ema_cross(const params& p) : fast_n_(p.integer("fast")), slow_n_(p.integer("slow")) {}

  // Allocation is allowed here, once: size per-symbol state.
  void on_start(context& ctx) override {
    state_.assign(ctx.symbol_capacity(), per_symbol{static_cast<int>(fast_n_), static_cast<int>(slow_n_)});
  }

  void on_bar(context& ctx, const bar& b) override {
    auto& s = state_[b.symbol.value];
    const double was = s.fast.value() - s.slow.value();
    s.fast.update(b.close.to_double());
    s.slow.update(b.close.to_double());
    const double now = s.fast.value() - s.slow.value();
    if (b.halted || !s.slow.ready() || ctx.open_order_count(b.symbol) != 0) return;
    const bool flat = ctx.position_of(b.symbol).flat();
    if (flat && was <= 0 && now > 0)
      ctx.market(b.symbol, side::buy, ctx.shares_for_budget(b.close), rationale("ema cross up ").num(now, 4));
    else if (!flat && was >= 0 && now < 0)
      ctx.close_position(b.symbol, "ema cross down");
  }

  // History is stale after a gap.
  void on_feed_gap(context&, const feed_gap&) override {
    for (auto& s : state_) s = per_symbol{static_cast<int>(fast_n_), static_cast<int>(slow_n_)};
  }

 private:
  struct per_symbol {
    per_symbol(int f, int sl) : fast(f), slow(sl) {}
    ema fast, slow;
  };
  int64_t fast_n_, slow_n_;
  std::vector<per_symbol> state_;
};
// --- tutorial end

namespace {

const sdk::descriptor tutorial = sdk::describe<ema_cross>();

}  // namespace

TEST(strategies_tutorial, the_documented_strategy_is_the_one_tested_here) {
  std::ifstream doc(TORGHUT_SOURCE_DIR "/docs/STRATEGIES.md");
  std::stringstream d;
  d << doc.rdbuf();
  std::ifstream self(TORGHUT_SOURCE_DIR "/tests/actors/strategy/tutorial_test.cpp");
  std::stringstream t;
  t << self.rdbuf();
  const std::string ds = d.str(), ts = t.str();
  const auto a = ts.find("// --- tutorial begin\n") + 22, b = ts.find("// --- tutorial end");
  ASSERT_NE(b, std::string::npos);
  EXPECT_NE(ds.find(ts.substr(a, b - a)), std::string::npos) << "docs/STRATEGIES.md and this test differ";
}

TEST(strategies_tutorial, buys_the_cross_up_and_sells_the_cross_down) {
  engine_config cfg;
  cfg.allowed_symbols = {"AAPL"};
  strategy_config c;
  c.id = strategy_id{3};
  c.name = "ema_cross";
  c.kind = "ema_cross";
  c.warmup_bars = 21;
  c.params = {strategy_param::of("fast", 3), strategy_param::of("slow", 8)};
  c.params[0].type = c.params[1].type = strategy_param::kind::integer;
  c.params[0].integer = 3;
  c.params[1].integer = 8;
  cfg.strategies = {c};
  symbol_table symbols(8);
  const symbol_id aapl = symbols.intern("AAPL");
  mailbox<order_intent> out(64);
  audit_sink audit(1024);
  manual_clock clk;
  const sdk::descriptor* catalog[] = {&tutorial};
  actors::strategy_engine engine(cfg, catalog, symbols, out, audit, clk);
  std::vector<order_intent> got;
  int64_t t = 1710513000;
  auto feed = [&](double close) {
    market_event ev;
    ev.kind = market_event_kind::microbar;
    ev.flags = event_flags::final_bar;
    ev.symbol = aapl;
    ev.event_time = timestamp{t++ * ns_per_second};
    ev.u.bar = bar_payload{};
    ev.u.bar.open = ev.u.bar.high = ev.u.bar.low = ev.u.bar.close = price::from_double(close).value();
    engine.on_market_event(ev);
    order_intent in;
    while (out.pop(in)) got.push_back(in);
  };
  for (int i = 0; i < 20; ++i) feed(100.0 - 0.1 * i);
  for (int i = 0; i < 10; ++i) feed(98.0 + 0.3 * i);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].order_side, side::buy);
  EXPECT_TRUE(got[0].rationale.view().starts_with("ema cross up ")) << got[0].rationale.view();
  execution_report r;
  r.id = order_id{1};
  r.strategy = c.id;
  r.symbol = aapl;
  r.order_side = side::buy;
  r.status = order_status::filled;
  r.order_qty = r.last_qty = r.cum_qty = got[0].qty;
  r.last_px = price::from_units(100).value();
  r.hash = got[0].hash;
  engine.on_execution_report(r);
  for (int i = 0; i < 10; ++i) feed(100.7 - 0.4 * i);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].order_side, side::sell);
  EXPECT_EQ(got[1].qty, got[0].qty);
  EXPECT_EQ(got[1].rationale.view(), "ema cross down");
}
