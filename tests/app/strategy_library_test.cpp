// The strategy library loader (engine/app/src/strategy_library.cpp): the example strategy built
// in-tree as a shared library (examples/strategy-template) loads, declares its parameters, and
// trades through the SDK's context; every way a library can be wrong is refused with a message
// that names the file and the reason.
#include "strategy_library.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "torghut/sdk/strategy.hpp"

using namespace torghut;

namespace {

using app::strategy_library;

std::string load_error(const std::filesystem::path& p) {
  auto r = strategy_library::load(p);
  EXPECT_FALSE(r.ok()) << p;
  return r.ok() ? std::string() : r.error();
}

#ifdef TORGHUT_EXAMPLE_STRATEGY_LIBRARY

// A context for one symbol (id 0, "AAPL"): records every order the strategy asks for; its
// positions follow the orders as if each filled at once.
class recording_context final : public sdk::context {
 public:
  struct order {
    side order_side;
    quantity qty;
    std::string why;
  };
  std::vector<order> orders;
  quantity pos;
  sdk::settings cfg;

  recording_context() {
    cfg.max_position_pct_equity = 0.05;
    cfg.max_notional_per_trade = money::from_units(5000).value();
  }
  [[nodiscard]] timestamp now() const noexcept override { return {}; }
  [[nodiscard]] const sdk::settings& config() const noexcept override { return cfg; }
  [[nodiscard]] std::string_view symbol_name(symbol_id s) const noexcept override {
    return s.value == 0 ? "AAPL" : "";
  }
  [[nodiscard]] symbol_id symbol(std::string_view n) const noexcept override {
    return n == "AAPL" ? symbol_id{0} : symbol_id{};
  }
  [[nodiscard]] uint32_t symbol_capacity() const noexcept override { return 4; }
  [[nodiscard]] bool in_universe(symbol_id s) const noexcept override { return s.value == 0; }
  [[nodiscard]] sdk::position position_of(symbol_id) const noexcept override {
    sdk::position p;
    p.qty = pos;
    return p;
  }
  [[nodiscard]] quantity position_qty(symbol_id) const noexcept override { return pos; }
  [[nodiscard]] sdk::account account_state() const noexcept override {
    return {money::from_units(100000).value(), money::from_units(100000).value()};
  }
  [[nodiscard]] std::span<const sdk::open_order> open_orders() const noexcept override { return {}; }
  [[nodiscard]] uint32_t open_order_count(symbol_id) const noexcept override { return 0; }
  [[nodiscard]] const sdk::quote* last_quote(symbol_id) const noexcept override { return nullptr; }
  [[nodiscard]] const sdk::trade* last_trade(symbol_id) const noexcept override { return nullptr; }
  [[nodiscard]] uint32_t bars_seen(symbol_id) const noexcept override { return 0; }
  [[nodiscard]] trading_state trading() const noexcept override { return trading_state{}; }
  sdk::action_result submit(const sdk::order_request& r, const sdk::rationale& why) noexcept override {
    orders.push_back({r.order_side, r.qty, std::string(why.view())});
    pos = quantity::from_raw(pos.raw + (r.order_side == side::buy ? r.qty.raw : -r.qty.raw));
    return {};
  }
  sdk::action_result cancel(sdk::order_ref, const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result replace(sdk::order_ref, quantity, price, price, const sdk::rationale&) noexcept override {
    return {};
  }
  sdk::action_result close_position(symbol_id s, const sdk::rationale& why) noexcept override {
    sdk::order_request r;
    r.symbol = s;
    r.order_side = side::sell;
    r.qty = pos;
    return submit(r, why);
  }
  sdk::action_result cancel_all(const sdk::rationale&) noexcept override { return {}; }
  sdk::action_result set_timer(timestamp, uint64_t, uint32_t&) noexcept override { return {}; }
  bool cancel_timer(uint32_t) noexcept override { return false; }
};

sdk::bar bar_at(int i, double close) {
  sdk::bar b;
  b.symbol = symbol_id{0};
  b.start = timestamp{int64_t{i} * ns_per_second};
  b.open = b.high = b.low = b.close = price::from_double(close).value();
  return b;
}

TEST(strategy_library, the_example_loads_with_its_kind_and_callbacks) {
  auto r = strategy_library::load(TORGHUT_EXAMPLE_STRATEGY_LIBRARY);
  ASSERT_TRUE(r.ok()) << r.error();
  const sdk::descriptor* d = *r;
  EXPECT_EQ(d->abi_version, sdk::abi_version);
  EXPECT_EQ(d->kind, "sma_cross");
  EXPECT_FALSE(d->summary.empty());
  EXPECT_EQ(d->callbacks, sdk::callback::start | sdk::callback::bar | sdk::callback::feed_gap);
  EXPECT_EQ(d->legacy_code, -1);

  // Loaded once: the same file again (also by a relative path) gives the same descriptor.
  auto again = strategy_library::load(TORGHUT_EXAMPLE_STRATEGY_LIBRARY);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, d);
  const std::filesystem::path full(TORGHUT_EXAMPLE_STRATEGY_LIBRARY);
  auto relative = strategy_library::load(full.filename(), full.parent_path());
  ASSERT_TRUE(relative.ok()) << relative.error();
  EXPECT_EQ(*relative, d);
}

TEST(strategy_library, the_example_declares_its_parameters_and_checks_them) {
  auto r = strategy_library::load(TORGHUT_EXAMPLE_STRATEGY_LIBRARY);
  ASSERT_TRUE(r.ok()) << r.error();
  sdk::param_schema schema;
  (*r)->declare(schema);
  ASSERT_EQ(schema.specs().size(), 2u);
  EXPECT_EQ(schema.specs()[0].key, "fast_period");
  EXPECT_EQ(schema.specs()[1].key, "slow_period");
  EXPECT_EQ(schema.specs()[0].type, sdk::param_type::integer);

  // fast_period >= slow_period is refused when the strategy is made.
  std::vector<strategy_param> given(2);
  given[0].key = "fast_period";
  given[0].type = strategy_param::kind::integer;
  given[0].integer = 30;
  given[1].key = "slow_period";
  given[1].type = strategy_param::kind::integer;
  given[1].integer = 10;
  sdk::params p;
  ASSERT_TRUE(sdk::params::bind(schema, given, "strategies[0].", p).empty());
  EXPECT_THROW((void)(*r)->make(p), std::invalid_argument);
}

TEST(strategy_library, the_example_trades_a_crossover_through_the_context) {
  auto r = strategy_library::load(TORGHUT_EXAMPLE_STRATEGY_LIBRARY);
  ASSERT_TRUE(r.ok()) << r.error();
  sdk::param_schema schema;
  (*r)->declare(schema);
  sdk::params p;  // the defaults: fast 10, slow 30
  ASSERT_TRUE(sdk::params::bind(schema, {}, "", p).empty());
  std::unique_ptr<sdk::strategy> s = (*r)->make(p);
  ASSERT_NE(s, nullptr);

  recording_context ctx;
  s->on_start(ctx);
  int i = 0;
  for (; i < 40; ++i) s->on_bar(ctx, bar_at(i, 100.0 - 0.1 * i));  // falling: fast below slow
  EXPECT_TRUE(ctx.orders.empty());
  for (; i < 60 && ctx.orders.empty(); ++i) s->on_bar(ctx, bar_at(i, 96.0 + 0.5 * (i - 40)));
  ASSERT_EQ(ctx.orders.size(), 1u);  // the cross up buys what the budget allows
  EXPECT_EQ(ctx.orders[0].order_side, side::buy);
  EXPECT_GT(ctx.orders[0].qty.raw, 0);
  EXPECT_NE(ctx.orders[0].why.find("crossed above"), std::string::npos) << ctx.orders[0].why;
  for (int k = 0; k < 60 && ctx.orders.size() == 1; ++k, ++i) s->on_bar(ctx, bar_at(i, 90.0 - k));
  ASSERT_EQ(ctx.orders.size(), 2u);  // the cross down closes the position
  EXPECT_EQ(ctx.orders[1].order_side, side::sell);
  EXPECT_EQ(ctx.orders[1].qty, ctx.orders[0].qty);
  EXPECT_TRUE(ctx.pos.raw == 0);

  // A gap forgets the history: no cross is seen before the slow average is full again.
  sdk::feed_gap g;
  s->on_feed_gap(ctx, g);
  for (int k = 0; k < 29; ++k, ++i) s->on_bar(ctx, bar_at(i, 50.0 + (k % 2 == 0 ? 5.0 : -5.0)));
  EXPECT_EQ(ctx.orders.size(), 2u);
  s->on_stop(ctx);
}

#endif  // TORGHUT_EXAMPLE_STRATEGY_LIBRARY

TEST(strategy_library, a_missing_file_is_named) {
  const std::string e = load_error("/nonexistent/libnothing.so");
  EXPECT_NE(e.find("'/nonexistent/libnothing.so'"), std::string::npos) << e;
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
  EXPECT_NE(load_error("").find("empty path"), std::string::npos);
  EXPECT_NE(load_error(TORGHUT_SOURCE_DIR).find("is a directory"), std::string::npos);
  // A relative path is not looked up on the library search path: libc.so.6 is not a file here.
  EXPECT_NE(load_error("libc.so.6").find("no such file"), std::string::npos);
}

TEST(strategy_library, a_file_that_is_not_a_shared_library_gives_the_loaders_reason) {
  const std::string e = load_error(TORGHUT_SOURCE_DIR "/config/paper.toml");
  EXPECT_NE(e.find("paper.toml'"), std::string::npos) << e;
  EXPECT_NE(e.find("not a loadable shared library"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid ELF header"), std::string::npos) << e;  // dlerror()'s text
}

TEST(strategy_library, a_library_without_the_entry_point_is_refused) {
  const std::string e = load_error(TORGHUT_BAD_STRATEGY_LIBRARY_NO_SYMBOL);
  EXPECT_NE(e.find("does not export torghut_strategy_descriptor"), std::string::npos) << e;
  EXPECT_NE(e.find("TORGHUT_STRATEGY_LIBRARY"), std::string::npos) << e;
}

TEST(strategy_library, a_null_descriptor_is_refused) {
  const std::string e = load_error(TORGHUT_BAD_STRATEGY_LIBRARY_NULL);
  EXPECT_NE(e.find("returned no descriptor"), std::string::npos) << e;
}

TEST(strategy_library, another_sdk_abi_version_is_refused) {
  const std::string e = load_error(TORGHUT_BAD_STRATEGY_LIBRARY_ABI);
  EXPECT_NE(e.find("ABI version " + std::to_string(sdk::abi_version + 1) + ", this engine's is " +
                   std::to_string(sdk::abi_version)),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("rebuild"), std::string::npos) << e;
}

TEST(strategy_library, an_incomplete_descriptor_is_refused) {
  const std::string e = load_error(TORGHUT_BAD_STRATEGY_LIBRARY_INCOMPLETE);
  EXPECT_NE(e.find("incomplete"), std::string::npos) << e;
}

}  // namespace
