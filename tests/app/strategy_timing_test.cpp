// check-strategy's callback timer (engine/app/src/strategy_timing.hpp): the wrapper forwards
// every callback to the strategy it owns, records one sample per call, passes exceptions on,
// and its descriptor keeps the inner descriptor's callback bits (so the host dispatches exactly
// what it would without it), kind, declaration and legacy code.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "allocation_counter.hpp"
#include "strategy_timing.hpp"
#include "torghut/sdk/strategy.hpp"

namespace torghut::app {
namespace {

using sdk::context;

/// A context that answers nothing: the strategies below never ask.
class null_context final : public context {
 public:
  [[nodiscard]] timestamp now() const noexcept override { return {}; }
  [[nodiscard]] const sdk::settings& config() const noexcept override { return settings_; }
  [[nodiscard]] std::string_view symbol_name(symbol_id) const noexcept override { return {}; }
  [[nodiscard]] symbol_id symbol(std::string_view) const noexcept override { return {}; }
  [[nodiscard]] uint32_t symbol_capacity() const noexcept override { return 0; }
  [[nodiscard]] bool in_universe(symbol_id) const noexcept override { return false; }
  [[nodiscard]] sdk::position position_of(symbol_id) const noexcept override { return {}; }
  [[nodiscard]] quantity position_qty(symbol_id) const noexcept override { return {}; }
  [[nodiscard]] sdk::account account_state() const noexcept override { return {}; }
  [[nodiscard]] std::span<const sdk::open_order> open_orders() const noexcept override { return {}; }
  [[nodiscard]] uint32_t open_order_count(symbol_id) const noexcept override { return 0; }
  [[nodiscard]] const sdk::quote* last_quote(symbol_id) const noexcept override { return nullptr; }
  [[nodiscard]] const sdk::trade* last_trade(symbol_id) const noexcept override { return nullptr; }
  [[nodiscard]] uint32_t bars_seen(symbol_id) const noexcept override { return 0; }
  [[nodiscard]] trading_state trading() const noexcept override { return trading_state::active; }
  sdk::action_result submit(const sdk::order_request&, const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result cancel(sdk::order_ref, const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result replace(sdk::order_ref, quantity, price, price, const sdk::rationale&) noexcept override {
    return {};
  }
  sdk::action_result close_position(symbol_id, const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result cancel_all(const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result set_timer(timestamp, uint64_t, uint32_t&) noexcept override { return {}; }
  bool cancel_timer(uint32_t) noexcept override { return false; }

 private:
  sdk::settings settings_;
};

/// Overrides every callback and counts the calls of each (index = callback_kind).
class every_callback final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "every_callback";
  static constexpr std::string_view summary = "counts its callbacks";
  static void declare(sdk::param_schema& s) { s.integer("n", 3, 0, 10, "a parameter"); }
  explicit every_callback(const sdk::params& p) : n_(p.integer("n")) {}

  void on_start(context&) override { ++calls[0]; }
  void on_bar(context&, const sdk::bar&) override { ++calls[1]; }
  void on_trade(context&, const sdk::trade&) override { ++calls[2]; }
  void on_quote(context&, const sdk::quote&) override { ++calls[3]; }
  void on_order_update(context&, const sdk::order_update&) override { ++calls[4]; }
  void on_timer(context&, const sdk::timer_event&) override { ++calls[5]; }
  void on_feed_gap(context&, const sdk::feed_gap&) override { ++calls[6]; }
  void on_halt(context&, symbol_id, bool) override { ++calls[7]; }
  void on_trading_state(context&, trading_state) override { ++calls[8]; }
  void on_stop(context&) override { ++calls[9]; }

  std::array<int, callback_kind_count> calls{};
  int64_t n_;
};

/// Overrides two callbacks only; on_trade throws.
class two_callbacks final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "two_callbacks";
  static constexpr std::string_view summary = "bars and trades";
  static void declare(sdk::param_schema&) {}
  explicit two_callbacks(const sdk::params&) {}
  void on_bar(context&, const sdk::bar&) override {}
  void on_trade(context&, const sdk::trade&) override { throw std::runtime_error("boom"); }
};

void expect_same_descriptor(const sdk::descriptor& wrapped, const sdk::descriptor& inner) {
  EXPECT_EQ(wrapped.callbacks, inner.callbacks);
  EXPECT_EQ(wrapped.kind, inner.kind);
  EXPECT_EQ(wrapped.summary, inner.summary);
  EXPECT_EQ(wrapped.declare, inner.declare);
  EXPECT_EQ(wrapped.legacy_code, inner.legacy_code);
  EXPECT_EQ(wrapped.abi_version, inner.abi_version);
  EXPECT_NE(wrapped.make, inner.make);
}

TEST(StrategyTiming, DescriptorKeepsTheInnerCallbackBitsKindDeclarationAndLegacyCode) {
  static const sdk::descriptor all = sdk::describe<every_callback>(7);
  static const sdk::descriptor two = sdk::describe<two_callbacks>();
  ASSERT_EQ(all.callbacks, (1u << callback_kind_count) - 1);
  ASSERT_EQ(two.callbacks, sdk::callback::bar | sdk::callback::trade);
  callback_timings t;
  expect_same_descriptor(timed_descriptor(all, t), all);
  expect_same_descriptor(timed_descriptor(two, t), two);
}

TEST(StrategyTiming, ForwardsEveryCallbackAndRecordsOneSampleEach) {
  static const sdk::descriptor inner = sdk::describe<every_callback>();
  callback_timings t;
  t.reserve(inner.callbacks, 16);
  const sdk::descriptor d = timed_descriptor(inner, t);
  sdk::param_schema schema;
  d.declare(schema);
  sdk::params p;
  ASSERT_TRUE(sdk::params::bind(schema, {}, "", p).empty());
  std::unique_ptr<sdk::strategy> s = d.make(p);
  ASSERT_NE(s, nullptr);
  auto* w = dynamic_cast<timing_strategy*>(s.get());
  ASSERT_NE(w, nullptr);
  auto* e = dynamic_cast<every_callback*>(&w->inner());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->n_, 3);  // made by the inner descriptor from the bound parameters

  null_context ctx;
  s->on_start(ctx);  // during warm-up: on_start is measured anyway, the others only counted
  s->on_bar(ctx, sdk::bar{});
  t.start_measuring();
  s->on_bar(ctx, sdk::bar{});
  s->on_trade(ctx, sdk::trade{});
  s->on_quote(ctx, sdk::quote{});
  s->on_order_update(ctx, sdk::order_update{});
  s->on_timer(ctx, sdk::timer_event{});
  s->on_feed_gap(ctx, sdk::feed_gap{});
  s->on_halt(ctx, symbol_id{0}, true);
  s->on_trading_state(ctx, trading_state::halted);
  s->on_stop(ctx);

  for (size_t i = 0; i < callback_kind_count; ++i) {
    const auto k = static_cast<callback_kind>(i);
    const int want = k == callback_kind::bar ? 2 : 1;
    EXPECT_EQ(e->calls[i], want) << to_string(k);
    const callback_summary sum = t.summarize(k);
    EXPECT_EQ(sum.calls, static_cast<uint64_t>(want)) << to_string(k);
    EXPECT_EQ(sum.measured, 1u) << to_string(k);
    EXPECT_EQ(sum.kept, 1u) << to_string(k);
    EXPECT_GE(sum.max_ns, sum.p99_ns);
    EXPECT_GE(sum.p99_ns, sum.p50_ns);
    EXPECT_EQ(sum.allocations, 0u);
  }
  EXPECT_EQ(t.market_calls(), 4u);  // two bars, a trade, a quote
}

TEST(StrategyTiming, AnExceptionReachesTheHostAndLeavesNoSample) {
  static const sdk::descriptor inner = sdk::describe<two_callbacks>();
  callback_timings t;
  t.reserve(inner.callbacks, 4);
  t.start_measuring();
  const sdk::descriptor d = timed_descriptor(inner, t);
  std::unique_ptr<sdk::strategy> s = d.make(sdk::params{});
  null_context ctx;
  EXPECT_THROW(s->on_trade(ctx, sdk::trade{}), std::runtime_error);
  EXPECT_EQ(t.summarize(callback_kind::trade).calls, 0u);
  s->on_bar(ctx, sdk::bar{});
  EXPECT_EQ(t.summarize(callback_kind::bar).calls, 1u);
}

TEST(StrategyTiming, SamplesBeyondTheCapacityAreCountedNotStored) {
  callback_timings t;
  t.reserve(sdk::callback::bar, 3);
  t.start_measuring();
  for (int64_t ns : {50, 10, 40, 30, 20}) t.record(callback_kind::bar, ns, 0);
  const callback_summary s = t.summarize(callback_kind::bar);
  EXPECT_EQ(s.calls, 5u);
  EXPECT_EQ(s.measured, 5u);
  EXPECT_EQ(s.kept, 3u);    // 50, 10, 40
  EXPECT_EQ(s.p50_ns, 40);  // of the kept ones
  EXPECT_EQ(s.max_ns, 50);  // of every measured one
}

// The app's counting operator new lives alone in its own object, so a test executable, which has
// tests/support's replacement, links without a clash and keeps that one.
TEST(AllocationCounter, TheTestSupportAllocatorWinsInTestExecutables) {
  EXPECT_FALSE(allocation_counter::installed());
}

}  // namespace
}  // namespace torghut::app
