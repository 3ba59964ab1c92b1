// Config files: every key loads, every problem is reported at once, live needs two settings.
#include "torghut/engine/config_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace torghut;

namespace {
bool has_error(const config_load_result& r, std::string_view needle) {
  return std::any_of(r.errors.begin(), r.errors.end(),
                     [&](const std::string& e) { return e.find(needle) != std::string::npos; });
}
}  // namespace

TEST(config_file, loads_the_bundled_paper_config) {
  auto r = load_config_file(std::string(TORGHUT_SOURCE_DIR) + "/config/paper.toml", true);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors.front());
  EXPECT_EQ(r.config.strategies.size(), 2u);
  EXPECT_EQ(r.config.strategies[1].kind, strategy_kind::bollinger_reversion);
  EXPECT_EQ(r.config.limits.orders_per_minute, 200u);
  EXPECT_EQ(r.config.limits.max_notional_per_order, money::from_raw(10'000 * money::scale));
}

TEST(config_file, reads_money_exactly_from_decimal_strings) {
  auto r = load_config_text("allowed_symbols=[\"AAPL\"]\n[risk]\nmax_notional_per_order = \"1234.567891\"\n");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.config.limits.max_notional_per_order.raw, 1'234'567'891);
}

TEST(config_file, reports_every_violation_together_with_its_key) {
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL"]
colour = "blue"
[risk]
max_notional_per_order = "ten thousand"
orders_per_minute = 500
price_collar_pct = "wide"
[[strategies]]
id = 1
name = "x"
kind = "martingale"
)");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, "colour: unknown key"));
  EXPECT_TRUE(has_error(r, "risk.max_notional_per_order: 'ten thousand' is not a decimal number"));
  EXPECT_TRUE(has_error(r, "risk.price_collar_pct: expected a number"));
  EXPECT_TRUE(has_error(r, "strategies[0].kind"));
  EXPECT_GE(r.errors.size(), 4u);
}

TEST(config_file, runs_semantic_validation_after_parsing) {
  auto r = load_config_text("allowed_symbols=[\"AAPL\"]\n[risk]\norders_per_minute = 500\n");
  EXPECT_TRUE(has_error(r, "risk.orders_per_minute: must be in [1, 200]"));
}

TEST(config_file, reports_toml_syntax_errors_with_their_position) {
  auto r = load_config_text("allowed_symbols = [\"AAPL\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, "TOML syntax error at line"));
}

TEST(config_file, reports_a_missing_file_clearly) {
  auto r = load_config_file("/nonexistent/torghut.toml");
  EXPECT_TRUE(has_error(r, "cannot open config file '/nonexistent/torghut.toml'"));
}

TEST(trading_mode, is_paper_by_default) {
  auto r = resolve_trading_mode(nullptr, nullptr);
  EXPECT_EQ(r.mode, trading_mode::paper);
  EXPECT_TRUE(r.error.empty());
}

TEST(trading_mode, refuses_live_without_the_second_setting) {
  auto r = resolve_trading_mode("live", nullptr);
  EXPECT_FALSE(r.error.empty());
  r = resolve_trading_mode("live", "false");
  EXPECT_FALSE(r.error.empty());
  r = resolve_trading_mode(nullptr, "true");  // the enable flag alone is not live either
  EXPECT_EQ(r.mode, trading_mode::paper);
}

TEST(trading_mode, allows_live_only_with_both_settings) {
  auto r = resolve_trading_mode("live", "true");
  EXPECT_EQ(r.mode, trading_mode::live);
  EXPECT_TRUE(r.error.empty());
}

TEST(trading_mode, rejects_an_unknown_mode) {
  EXPECT_FALSE(resolve_trading_mode("yolo", "true").error.empty());
}

TEST(config_file, loads_the_feed_section) {
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL"]
[feed]
url = "ws://127.0.0.1:9000/v2/test"
format = "msgpack"
auth = "headers"
trades = ["AAPL"]
relay_listen = "127.0.0.1:9100"
relay_url = "ws://127.0.0.1:9100/v2/test"
)");
  ASSERT_TRUE(r.ok()) << r.errors.front();
  EXPECT_EQ(r.config.feed.url, "ws://127.0.0.1:9000/v2/test");
  EXPECT_EQ(r.config.feed.format, "msgpack");
  EXPECT_EQ(r.config.feed.auth, "headers");
  EXPECT_EQ(r.config.feed.trades, std::vector<std::string>{"AAPL"});
  EXPECT_EQ(r.config.feed.relay_listen, "127.0.0.1:9100");
}

TEST(config_file, refuses_plain_ws_off_loopback_and_bad_feed_values) {
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL"]
[feed]
url = "ws://stream.data.alpaca.markets/v2/iex"
format = "xml"
auth = "cookie"
relay_url = "http://127.0.0.1:1/"
secret = "x"
)");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, "feed.secret: unknown key"));
  // Unknown keys stop before validation; fix that one and the rest are all reported together.
  r = load_config_text(R"(
allowed_symbols = ["AAPL"]
[feed]
url = "ws://stream.data.alpaca.markets/v2/iex"
format = "xml"
auth = "cookie"
relay_url = "http://127.0.0.1:1/"
)");
  EXPECT_TRUE(has_error(r, "plain ws:// is only allowed to a loopback host"));
  EXPECT_TRUE(has_error(r, "feed.format"));
  EXPECT_TRUE(has_error(r, "feed.auth"));
  EXPECT_TRUE(has_error(r, "feed.relay_url"));
  r = load_config_text("allowed_symbols = [\"AAPL\"]\n[feed]\nurl = \"https://x/v2/iex\"\n");
  EXPECT_TRUE(has_error(r, "feed.url: must start with wss://"));
}

TEST(config_file, accepts_wss_anywhere_and_ws_on_loopback) {
  for (const char* url : {"wss://stream.data.alpaca.markets/v2/sip", "ws://localhost:1/v2/iex",
                          "ws://[::1]:8080/v2/iex", "ws://127.0.0.1:8080/v2/delayed_sip"}) {
    auto r = load_config_text(std::string("allowed_symbols = [\"AAPL\"]\n[feed]\nurl = \"") + url + "\"\n");
    EXPECT_TRUE(r.ok()) << url << ": " << (r.errors.empty() ? "" : r.errors.front());
  }
}

TEST(config_file, loads_the_trading_section_and_checks_its_urls) {
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL"]
[trading]
broker = "alpaca"
rest_url = "http://127.0.0.1:9001"
stream_url = "ws://127.0.0.1:9001/stream"
stream_auth = "legacy"
connections = 3
request_timeout_ms = 500
)");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_EQ(r.config.trading.broker, "alpaca");
  EXPECT_EQ(r.config.trading.rest_url, "http://127.0.0.1:9001");
  EXPECT_EQ(r.config.trading.stream_auth, "legacy");
  EXPECT_EQ(r.config.trading.connections, 3u);
  EXPECT_EQ(r.config.trading.request_timeout_ms, 500u);

  auto bad = load_config_text(R"(
allowed_symbols = ["AAPL"]
[trading]
broker = "robinhood"
rest_url = "http://paper-api.alpaca.markets"
stream_url = "ftp://x"
stream_auth = "cookie"
connections = 0
)");
  EXPECT_TRUE(has_error(bad, "trading.broker: expected"));
  EXPECT_TRUE(has_error(bad, "trading.rest_url: plain http:// is only allowed to a loopback host"));
  EXPECT_TRUE(has_error(bad, "trading.stream_url: must start with wss://"));
  EXPECT_TRUE(has_error(bad, "trading.stream_auth: expected"));
  EXPECT_TRUE(has_error(bad, "trading.connections: must be in [1, 16]"));
  EXPECT_TRUE(has_error(load_config_text("allowed_symbols = [\"A\"]\n[trading]\ntypo = 1\n"),
                        "trading.typo: unknown key"));
}

TEST(trading_mode, the_live_api_is_refused_without_both_settings) {
  trading_config live;
  live.broker = "alpaca";
  live.rest_url = "https://api.alpaca.markets";
  live.stream_url = "wss://api.alpaca.markets/stream";
  const std::string err = check_trading_target(live, trading_mode::paper);
  EXPECT_NE(err.find("live trading refused"), std::string::npos) << err;
  EXPECT_NE(err.find("TRADING_LIVE_ENABLED=true"), std::string::npos) << err;
  EXPECT_EQ(check_trading_target(live, trading_mode::live), "");
  // A live switch never paper-trades by accident either.
  trading_config paper;  // defaults: the internal paper broker
  EXPECT_NE(check_trading_target(paper, trading_mode::live), "");
  paper.broker = "alpaca";  // the paper API
  EXPECT_EQ(check_trading_target(paper, trading_mode::paper), "");
  EXPECT_NE(check_trading_target(paper, trading_mode::live), "");
  EXPECT_EQ(url_host("https://user@api.alpaca.markets:443/v2"), "api.alpaca.markets");
  EXPECT_EQ(url_host("ws://[::1]:80/stream"), "::1");
}

TEST(config_file, only_a_loopback_broker_may_take_more_than_200_orders_a_minute) {
  const auto fast = [](const char* url) {
    return load_config_text(std::string("allowed_symbols = [\"A\"]\n[risk]\norders_per_minute = 100000\n"
                                        "order_burst = 1000\n[trading]\nbroker = \"alpaca\"\nrest_url = \"") +
                            url + "\"\n");
  };
  EXPECT_TRUE(fast("http://127.0.0.1:9000").ok());
  EXPECT_TRUE(has_error(fast("https://paper-api.alpaca.markets"), "risk.orders_per_minute: must be in [1, 200]"));
}
