// config validate / default_config: a valid default, and every violation reported at once.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "torghut/core/config.hpp"

namespace torghut {
namespace {

bool contains(const std::vector<std::string>& errs, std::string_view needle) {
  return std::any_of(errs.begin(), errs.end(),
                     [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}

TEST(config_validate, accepts_the_default_config) {
  const engine_config c = default_config({"AAPL", "MSFT", "BTC/USD"});
  const auto errs = validate(c);
  EXPECT_TRUE(errs.empty()) << errs.front();
  ASSERT_EQ(c.strategies.size(), 2u);
  EXPECT_EQ(c.strategies[0].kind, "macd_rsi");
  EXPECT_EQ(c.strategies[1].kind, "bollinger_reversion");
  EXPECT_NE(c.strategies[0].id, c.strategies[1].id);
  EXPECT_EQ(c.allowed_symbols.size(), 3u);
  EXPECT_EQ(c.account_label, "paper");
}

TEST(config_validate, reports_every_violation_of_a_bad_config_at_once) {
  engine_config c = default_config({});
  c.account_label = "";
  c.starting_equity = money::from_raw(0);
  c.limits.max_notional_per_order = money::from_raw(-1);
  c.limits.max_position_pct_equity = 1.5;
  c.limits.max_order_qty = quantity::from_raw(0);
  c.limits.orders_per_minute = 500;
  c.limits.order_burst = 0;
  c.limits.price_collar_pct = 0.0;
  c.limits.daily_loss_limit = money::from_raw(0);
  c.allowed_symbols = {"AAPL", "", "WAY_TOO_LONG_SYMBOL"};
  c.strategies[1].id = c.strategies[0].id;
  c.strategies[0].base_timeframe = "2Min";
  c.strategies[1].kind = "";
  c.strategies[0].max_position_pct_equity = 0.0;
  c.strategies[0].max_notional_per_trade = money::from_raw(0);
  c.strategies[0].max_actions_per_callback = 0;
  c.strategies[0].universe_symbols = {"TSLA"};
  c.mailbox_capacity = 8;
  c.audit_capacity = 100;
  c.symbol_capacity = 2;
  c.market_data.stale_after_ns = 0;
  c.market_data.dedupe_window = 0;
  c.market_data.gap_after_ns = -1;

  const auto errs = validate(c);
  const std::vector<std::string_view> expected = {
      "account_label",
      "starting_equity",
      "risk.max_notional_per_order",
      "risk.max_position_pct_equity",
      "risk.max_order_qty",
      "risk.orders_per_minute",
      "risk.order_burst",
      "risk.price_collar_pct",
      "risk.daily_loss_limit",
      "allowed_symbols: '' must be 1-15 characters",
      "allowed_symbols: 'WAY_TOO_LONG_SYMBOL' must be 1-15 characters",
      "duplicate strategy id 1",
      "strategies.macd_rsi: base_timeframe",
      "strategies.macd_rsi: max_position_pct_equity",
      "strategies.macd_rsi: max_notional_per_trade",
      "strategies.macd_rsi: max_actions_per_callback",
      "strategies.bollinger_reversion: kind must name a strategy",
      "universe symbol 'TSLA' is not in allowed_symbols",
      "mailbox_capacity",
      "audit_capacity",
      "symbol_capacity",
      "market_data.stale_after_ms: must be > 0",  // the key a config file has, not the field
      "market_data.dedupe_window",
      "market_data.gap_after_ms: must be > 0",
  };
  for (const auto e : expected) EXPECT_TRUE(contains(errs, e)) << "missing: " << e;
  EXPECT_EQ(errs.size(), expected.size());
}

TEST(config_validate, requires_at_least_one_allowed_symbol) {
  const auto errs = validate(default_config({}));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0], "allowed_symbols: must list at least one symbol");
}

TEST(config_validate, checks_the_order_burst_against_the_rate) {
  engine_config c = default_config({"AAPL"});
  c.limits.orders_per_minute = 10;
  c.limits.order_burst = 11;
  const auto errs = validate(c);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_TRUE(contains(errs, "risk.order_burst"));
}

TEST(config_validate, accepts_boundary_values) {
  engine_config c = default_config({"ABCDEFGHIJKLMNO"});  // 15 characters
  c.limits.orders_per_minute = 200;
  c.limits.order_burst = 200;
  c.limits.max_position_pct_equity = 1.0;
  c.strategies[0].max_actions_per_callback = 4096;
  c.strategies[0].base_timeframe = "1Day";
  c.strategies[0].universe_symbols = {"ABCDEFGHIJKLMNO"};
  c.mailbox_capacity = 16;
  c.audit_capacity = 1024;
  c.symbol_capacity = 1;
  c.market_data.dedupe_window = 4096;
  c.market_data.gap_after_ns = 1;
  const auto errs = validate(c);
  EXPECT_TRUE(errs.empty()) << errs.front();
}

}  // namespace
}  // namespace torghut
