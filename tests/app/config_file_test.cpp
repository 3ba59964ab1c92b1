// Config files: every key loads, every problem is reported at once, live needs two settings.
#include "torghut/app/config_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

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
  EXPECT_EQ(r.config.strategies[1].kind, "bollinger_reversion");
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
  EXPECT_EQ(r.config.feed.format, feed_format::msgpack);
  EXPECT_EQ(r.config.feed.auth, feed_auth::headers);
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
  EXPECT_EQ(r.config.trading.broker, broker_kind::alpaca);
  EXPECT_EQ(r.config.trading.rest_url, "http://127.0.0.1:9001");
  EXPECT_EQ(r.config.trading.stream_auth, stream_auth_form::legacy);
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
  live.broker = broker_kind::alpaca;
  live.rest_url = "https://api.alpaca.markets";
  live.stream_url = "wss://api.alpaca.markets/stream";
  const std::string err = check_trading_target(live, trading_mode::paper);
  EXPECT_NE(err.find("live trading refused"), std::string::npos) << err;
  EXPECT_NE(err.find("TRADING_LIVE_ENABLED=true"), std::string::npos) << err;
  EXPECT_EQ(check_trading_target(live, trading_mode::live), "");
  // A live switch never paper-trades by accident either.
  trading_config paper;  // defaults: the internal paper broker
  EXPECT_NE(check_trading_target(paper, trading_mode::live), "");
  paper.broker = broker_kind::alpaca;  // the paper API
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

// ---- issue 10: configuration and process hardening ----

TEST(config_file, one_run_reports_every_problem_types_values_and_unknown_keys_together) {
  // 4 unknown keys, 5 wrong types or malformed values, 7 bad values: all 16 in one load, none
  // hidden behind another (the value rules used to run only once nothing else was wrong).
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL", 7]
colour = "blue"
starting_equity = "-5"
mailbox_capacity = 8
[risk]
max_notional_per_order = "ten thousand"
price_collar_pct = "wide"
orders_per_minute = 500
max_order_qty = "0.0000000000001"
typo = 1
[market_data]
stale_after_ms = 0
dedupe_window = "64"
[feed]
url = "ws://example.com/v2/iex"
secret = "x"
[[strategies]]
id = 1
name = "x"
kind = "bollinger_reversion"
enabled = "yes"
bollinger_k = -1
speed = 3
)");
  const std::vector<std::string_view> expected = {
      // unknown keys
      "colour: unknown key",
      "risk.typo: unknown key",
      "feed.secret: unknown key",
      "strategies[0].speed: not a parameter of this strategy (its parameters: bollinger_k)",
      // wrong types
      "allowed_symbols: every element must be a string",
      "risk.max_notional_per_order: 'ten thousand' is not a decimal number",
      "risk.price_collar_pct: expected a number, not a string",
      "market_data.dedupe_window: expected an integer, not a string",
      "strategies[0].enabled: expected true or false, not a string",
      // bad values
      "starting_equity: must be > 0",
      "mailbox_capacity: must be >= 16",
      "risk.orders_per_minute: must be in [1, 200]",
      "risk.max_order_qty: '0.0000000000001' has 13 decimals, more than the 9 supported",
      "market_data.stale_after_ms: must be > 0",
      "feed.url: plain ws:// is only allowed to a loopback host",
      "strategies[0].bollinger_k: must be in (0, 1000000] (got -1)",
  };
  std::string all;
  for (const auto& e : r.errors) all += "\n  " + e;
  for (const auto e : expected) EXPECT_TRUE(has_error(r, e)) << "missing: " << e << "\ngot:" << all;
  EXPECT_EQ(r.errors.size(), expected.size()) << all;
}

TEST(config_file, names_the_key_a_config_file_has) {
  auto r = load_config_text("allowed_symbols=[\"A\"]\n[market_data]\nstale_after_ms = -1\ngap_after_ms = 0\n");
  EXPECT_TRUE(has_error(r, "market_data.stale_after_ms: must be > 0"));
  EXPECT_TRUE(has_error(r, "market_data.gap_after_ms: must be > 0"));
  for (const auto& e : r.errors) EXPECT_EQ(e.find("_ns"), std::string::npos) << e;
  // A millisecond count whose nanoseconds do not fit is out of range, never wrapped around.
  auto big = load_config_text("allowed_symbols=[\"A\"]\n[market_data]\nstale_after_ms = 9223372036854775807\n");
  EXPECT_TRUE(has_error(big, "market_data.stale_after_ms: expected an integer in range")) << big.errors.size();
}

TEST(config_file, says_a_decimal_is_out_of_range_not_malformed) {
  auto r = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = \"12345678901234567890123\"\n"
                            "daily_loss_limit = \"12345678901234567890123\"\n");
  EXPECT_TRUE(has_error(r, "risk.max_order_qty: '12345678901234567890123' is out of range (at most "
                           "±9223372036.854775807 with 9 decimals)"));
  EXPECT_TRUE(has_error(r, "risk.daily_loss_limit: '12345678901234567890123' is out of range (at most "
                           "±9223372036854.775807 with 6 decimals)"));
  EXPECT_FALSE(has_error(r, "not a decimal number"));
  auto i = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = 9223372036854775807\n");
  EXPECT_TRUE(has_error(i, "risk.max_order_qty: 9223372036854775807 is out of range"));
}

TEST(config_file, refuses_more_decimals_than_the_type_holds_instead_of_rounding) {
  // price/quantity hold 9 decimals, money 6: more is an error naming the count, never a silent
  // rounding (to zero here, which used to surface as "must be > 0").
  auto q = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = \"0.0000000000001\"\n");
  EXPECT_TRUE(has_error(q, "risk.max_order_qty: '0.0000000000001' has 13 decimals, more than the 9 supported"));
  EXPECT_FALSE(has_error(q, "must be > 0"));
  auto m = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_notional_per_order = \"100.0000001\"\n");
  EXPECT_TRUE(has_error(m, "risk.max_notional_per_order: '100.0000001' has 7 decimals, more than the 6 supported"));
  auto f = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = 1e-13\n");
  EXPECT_TRUE(has_error(f, "risk.max_order_qty: 1e-13 has 13 decimals, more than the 9 supported"));
  auto e = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = \"15e-10\"\n");
  EXPECT_TRUE(has_error(e, "'15e-10' has 10 decimals"));
  // Exactly representable spellings still load: trailing zeros, exponents, the full 9 decimals.
  auto ok = load_config_text("allowed_symbols=[\"A\"]\nstarting_equity = \"1000.500000000\"\n[risk]\n"
                             "max_order_qty = \"0.000000001\"\nmax_notional_per_order = \"125e-2\"\n"
                             "daily_loss_limit = 2000.25\n");
  ASSERT_TRUE(ok.ok()) << ok.errors.front();
  EXPECT_EQ(ok.config.limits.max_order_qty.raw, 1);
  EXPECT_EQ(ok.config.limits.max_notional_per_order.raw, 1'250'000);
  EXPECT_EQ(ok.config.limits.daily_loss_limit.raw, 2'000'250'000);
  EXPECT_EQ(ok.config.starting_equity.raw, 1'000'500'000);
}

TEST(config_file, refuses_non_finite_numbers) {
  auto r = load_config_text("allowed_symbols=[\"A\"]\n[risk]\nmax_order_qty = inf\n[[strategies]]\nid = 1\n"
                            "name = \"m\"\nbollinger_k = inf\nrsi_buy_below = nan\n");
  EXPECT_TRUE(has_error(r, "risk.max_order_qty: must be a finite number"));
  EXPECT_TRUE(has_error(r, "strategies[0].bollinger_k: not a parameter of this strategy (its parameters: rsi_buy_below, rsi_sell_above)"));
  EXPECT_TRUE(has_error(r, "strategies[0].rsi_buy_below: must be a finite number"));
}

TEST(config_file, every_shipped_config_passes_check_config) {
  // The same rules as `torghut check-config`, `run` and `replay` (an empty allow-list is valid in
  // a file: run takes --symbols, a replay the recording's symbols).
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TORGHUT_SOURCE_DIR) + "/config")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    const auto r = load_config_file(entry.path().string(), /*allow_empty_symbols=*/true);
    std::string all;
    for (const auto& e : r.errors) all += "\n  " + e;
    EXPECT_TRUE(r.ok()) << entry.path() << all;
  }
  EXPECT_GE(files, 2u);
}

TEST(trading_mode, the_enable_flag_alone_stops_with_a_clear_error) {
  auto r = resolve_trading_mode(nullptr, "true");
  EXPECT_NE(r.error.find("TRADING_LIVE_ENABLED=true also needs TRADING_MODE=live"), std::string::npos) << r.error;
  r = resolve_trading_mode("", "true");
  EXPECT_FALSE(r.error.empty());
  r = resolve_trading_mode("paper", "true");  // a contradiction, not a quiet paper run
  EXPECT_NE(r.error.find("contradicts"), std::string::npos) << r.error;
  r = resolve_trading_mode("live", nullptr);
  EXPECT_NE(r.error.find("TRADING_MODE=live also needs TRADING_LIVE_ENABLED=true"), std::string::npos) << r.error;
}

TEST(trading_mode, odd_spellings_are_refused_never_guessed) {
  for (const char* v : {"yes", "1", "TRUE", "True", "on", " true"}) {
    const auto r = resolve_trading_mode("live", v);
    EXPECT_NE(r.error.find("TRADING_LIVE_ENABLED must be \"true\" or \"false\""), std::string::npos) << v;
    EXPECT_FALSE(resolve_trading_mode(nullptr, v).error.empty()) << v;
  }
  for (const char* m : {"LIVE", "Live", "PAPER", "live "}) {
    const auto r = resolve_trading_mode(m, "true");
    EXPECT_NE(r.error.find("TRADING_MODE must be \"paper\" or \"live\""), std::string::npos) << m;
  }
}

TEST(trading_mode, paper_settings_stay_paper) {
  for (auto [m, l] : std::initializer_list<std::pair<const char*, const char*>>{
           {nullptr, nullptr}, {"paper", nullptr}, {nullptr, "false"}, {"paper", "false"}, {"", ""}}) {
    const auto r = resolve_trading_mode(m, l);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.mode, trading_mode::paper);
  }
}

TEST(config_file, choices_are_named_and_a_wrong_name_lists_the_accepted_ones) {
  auto r = load_config_text(R"(
allowed_symbols = ["AAPL"]
idle = "nap"
[feed]
format = "xml"
auth = 3
[trading]
broker = "robinhood"
stream_auth = "token"
[[strategies]]
id = 1
name = "s"
kind = "momentum"
)");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_error(r, R"(idle: expected "busy-spin" or "backoff")"));
  EXPECT_TRUE(has_error(r, R"(feed.format: expected "json" or "msgpack")"));
  EXPECT_TRUE(has_error(r, "feed.auth: expected a string, not an integer"));
  EXPECT_TRUE(has_error(r, R"(trading.broker: expected "paper" or "alpaca")"));
  EXPECT_TRUE(has_error(r, R"(trading.stream_auth: expected "action" or "legacy")"));
  EXPECT_TRUE(has_error(r, "strategies[0].kind: unknown strategy 'momentum' (built in: macd_rsi, bollinger_reversion, tick_probe"));
  r = load_config_text("allowed_symbols = [\"AAPL\"]\nidle = \"busy-spin\"\n[feed]\nauth = \"headers\"\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.idle, idle_kind::busy_spin);
  EXPECT_EQ(r.config.feed.auth, feed_auth::headers);
  EXPECT_EQ(r.config.feed.format, feed_format::json) << "an absent choice keeps its default";
}
