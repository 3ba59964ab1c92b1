// trading_sim REST v2: every endpoint and status code, keep-alive, auth, rate limits, the fault
// switches and the debug endpoints, over real loopback sockets.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "sim_test_util.hpp"
#include "torghut/adapters/trading_codec.hpp"

namespace torghut::test_sim {
namespace {

using adapters::trading_sim_options;

class TradingSimRest : public sim_fixture {};

constexpr const char* kMarketBuy = R"({"symbol":"AAPL","qty":"10","side":"buy","type":"market","time_in_force":"day","client_order_id":"c-1"})";

TEST_F(TradingSimRest, UnauthorizedWithoutOrWithWrongKeys) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("GET", "/v2/account", "", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401u);
  EXPECT_EQ(r->body, R"({"code":40110000,"message":"request is not authorized"})");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_FALSE(r->header("x-ratelimit-limit").empty());
  r = c.request("GET", "/v2/account", "", false,
                {{"APCA-API-KEY-ID", "torghut-test-key"}, {"APCA-API-SECRET-KEY", "wrong-secret-value"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401u);
  EXPECT_EQ(r->body.find("wrong-secret-value"), std::string::npos);
  r = c.request("GET", "/v2/account", "", false, {{"APCA-API-KEY-ID", "torghut-test-key"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401u);
  EXPECT_EQ(sim_->stats().rejected_401, 3u);
}

TEST_F(TradingSimRest, KeepAliveServesManyRequestsOnOneConnectionAndHonoursClose) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  for (int i = 0; i < 40; ++i) {
    auto r = c.request("GET", "/v2/clock");
    ASSERT_TRUE(r) << i << ": " << c.last_error().message();
    EXPECT_EQ(r->status, 200u);
    EXPECT_TRUE(r->keep_alive);
  }
  auto r = c.request("GET", "/v2/clock", "", true, {{"Connection", "close"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.server_closed());
  EXPECT_EQ(sim_->stats().http_requests, 41u);
}

TEST_F(TradingSimRest, ClockAccountAndRateLimitHeaders) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
  json clk(r->body);
  ASSERT_TRUE(clk.ok) << r->body;
  EXPECT_TRUE(clk["is_open"].get_bool().value());
  const auto ts = parse_rfc3339(clk.str("timestamp"));
  const auto nc = parse_rfc3339(clk.str("next_close"));
  const auto no = parse_rfc3339(clk.str("next_open"));
  ASSERT_TRUE(ts && nc && no) << r->body;
  EXPECT_LT(ts->ns, nc->ns);
  EXPECT_LT(nc->ns, no->ns);
  EXPECT_EQ(clk.str("timestamp").size(), 30u) << "nanoseconds: " << clk.str("timestamp");
  EXPECT_EQ(r->header("x-ratelimit-limit"), "200");
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "199");
  const long reset = std::stol(r->header("x-ratelimit-reset"));
  EXPECT_GT(reset, ts->ns / ns_per_second);
  EXPECT_LE(reset, ts->ns / ns_per_second + 61);

  r = c.request("GET", "/v2/account");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "198");
  json a(r->body);
  ASSERT_TRUE(a.ok) << r->body;
  for (const char* k : {"cash", "portfolio_value", "equity", "last_equity", "buying_power", "regt_buying_power",
                        "daytrading_buying_power", "non_marginable_buying_power", "long_market_value",
                        "short_market_value", "initial_margin", "maintenance_margin", "multiplier", "id",
                        "account_number", "status", "currency", "created_at"})
    EXPECT_TRUE(a[k].is_string()) << k << " in " << r->body;
  for (const char* k : {"pattern_day_trader", "trading_blocked", "transfers_blocked", "account_blocked", "shorting_enabled"})
    EXPECT_TRUE(a[k].is_bool()) << k;
  EXPECT_TRUE(a["daytrade_count"].is_int64());
  EXPECT_EQ(a.str("cash"), "100000");
  EXPECT_EQ(a.str("equity"), "100000");
  EXPECT_EQ(a.str("buying_power"), "100000");
  EXPECT_EQ(a.str("status"), "ACTIVE");
  EXPECT_EQ(a.str("currency"), "USD");
  EXPECT_TRUE(is_uuid(a.str("id")));
}

TEST_F(TradingSimRest, PostOrderReturnsTheFullOrderObjectAndItCanBeReadBack) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("POST", "/v2/orders",
                     R"({"symbol":"AAPL","qty":"10","side":"buy","type":"limit","time_in_force":"day","limit_price":"187.5","client_order_id":"my-1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  json o(r->body);
  ASSERT_TRUE(o.ok);
  for (const char* k : {"id", "client_order_id", "created_at", "updated_at", "submitted_at", "filled_at", "expired_at",
                        "canceled_at", "failed_at", "replaced_at", "replaced_by", "replaces", "asset_id", "symbol",
                        "asset_class", "notional", "qty", "filled_qty", "filled_avg_price", "order_class", "type",
                        "side", "time_in_force", "limit_price", "stop_price", "status", "extended_hours", "legs",
                        "trail_percent", "trail_price", "hwm", "position_intent"})
    EXPECT_TRUE(o.has(k)) << k;
  EXPECT_TRUE(is_uuid(o.str("id")));
  EXPECT_TRUE(is_uuid(o.str("asset_id")));
  EXPECT_EQ(o.str("client_order_id"), "my-1");
  EXPECT_EQ(o.str("status"), "accepted");
  EXPECT_EQ(o.str("qty"), "10");
  EXPECT_EQ(o.str("filled_qty"), "0");
  EXPECT_EQ(o.str("limit_price"), "187.5");
  EXPECT_EQ(o.str("position_intent"), "buy_to_open");
  EXPECT_TRUE(o.is_null("filled_at"));
  EXPECT_TRUE(o.is_null("filled_avg_price"));
  EXPECT_TRUE(o.is_null("stop_price"));
  EXPECT_TRUE(o.is_null("notional"));
  EXPECT_TRUE(o.is_null("legs"));
  EXPECT_FALSE(o["extended_hours"].get_bool().value());
  // Our own codec reads it.
  adapters::order_view v;
  ASSERT_TRUE(adapters::parse_order(r->body, v).ok());
  EXPECT_EQ(v.coid.view(), "my-1");
  EXPECT_EQ(v.limit_price, parse_decimal<price>("187.5"));
  const std::string id = o.str("id");

  r = c.request("GET", "/v2/orders/" + id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(json(r->body).str("status"), "new");
  r = c.request("GET", "/v2/orders:by_client_order_id?client_order_id=my-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(json(r->body).str("id"), id);
  r = c.request("GET", "/v2/orders:by_client_order_id?client_order_id=nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  EXPECT_EQ(r->body, R"({"code":40410000,"message":"order not found"})");
  r = c.request("GET", "/v2/orders/00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);

  // A generated client_order_id when none is given.
  r = c.request("POST", "/v2/orders", R"({"symbol":"MSFT","qty":1,"side":"sell","type":"stop","time_in_force":"gtc","stop_price":300})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  EXPECT_TRUE(is_uuid(json(r->body).str("client_order_id")));
  EXPECT_EQ(json(r->body).str("stop_price"), "300");
  EXPECT_EQ(json(r->body).str("position_intent"), "sell_to_open");
  EXPECT_EQ(sim_->stats().orders_accepted, 2u);
}

TEST_F(TradingSimRest, ValidationFailuresAre422NamingTheField) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  struct tc {
    const char* body;
    const char* field;
  };
  const tc cases[] = {
      {R"({"qty":"1","side":"buy","type":"market","time_in_force":"day"})", "symbol"},
      {R"({"symbol":"AAPL","qty":"1","side":"hold","type":"market","time_in_force":"day"})", "side"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"trailing_stop","time_in_force":"day","trail_percent":"1"})", "trailing_stop"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"iceberg","time_in_force":"day"})", "type"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"week"})", "time_in_force"},
      {R"({"symbol":"AAPL","side":"buy","type":"market","time_in_force":"day"})", "qty"},
      {R"({"symbol":"AAPL","qty":"1","notional":"10","side":"buy","type":"market","time_in_force":"day"})", "notional"},
      {R"({"symbol":"AAPL","qty":"-1","side":"buy","type":"market","time_in_force":"day"})", "qty"},
      {R"({"symbol":"AAPL","qty":"abc","side":"buy","type":"market","time_in_force":"day"})", "qty"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","time_in_force":"day"})", "limit_price"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"stop_limit","time_in_force":"day","limit_price":"1"})", "stop_price"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day","extended_hours":true})", "extended_hours"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day","order_class":"bracket"})", "order_class"},
      {R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day","client_order_id":"0123456789012345678901234567890123456789012345678"})", "client_order_id"},
      {R"(not json)", "JSON"},
  };
  for (const auto& t : cases) {
    auto r = c.request("POST", "/v2/orders", t.body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422u) << t.body;
    json e(r->body);
    ASSERT_TRUE(e.ok) << r->body;
    EXPECT_EQ(e["code"].get_int64().value(), 40010001) << r->body;
    EXPECT_NE(e.str("message").find(t.field), std::string::npos) << r->body;
  }
  EXPECT_EQ(sim_->stats().rejected_422, std::size(cases));
  EXPECT_EQ(sim_->stats().orders_accepted, 0u);
}

TEST_F(TradingSimRest, DuplicateClientOrderIdIs422AndEveryPostIsCounted) {
  start();
  std::vector<std::string> observed;
  sim_->set_post_observer([&observed](std::string_view coid, std::string_view sym, int64_t ns) {
    EXPECT_GT(ns, 0);
    observed.push_back(std::string(coid) + "/" + std::string(sym));
  });
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("POST", "/v2/orders", kMarketBuy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  for (int i = 0; i < 2; ++i) {
    r = c.request("POST", "/v2/orders", kMarketBuy);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422u);
    EXPECT_EQ(r->body, R"({"code":40010001,"message":"client_order_id must be unique"})");
  }
  EXPECT_EQ(sim_->posts_for("c-1"), 3u);
  EXPECT_EQ(sim_->posts_for("c-2"), 0u);
  EXPECT_EQ(sim_->posts_by_coid().at("c-1"), 3u);
  EXPECT_EQ(sim_->stats().duplicate_coid, 2u);
  EXPECT_EQ(sim_->stats().orders_posted, 3u);
  sim_->sync();
  ASSERT_EQ(observed.size(), 3u);
  EXPECT_EQ(observed[0], "c-1/AAPL");
  // /_sim/stats carries every counter and the per-coid counts, without auth.
  r = c.request("GET", "/_sim/stats", "", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  json s(r->body);
  ASSERT_TRUE(s.ok) << r->body;
  EXPECT_EQ(s["posts_by_client_order_id"]["c-1"].get_int64().value(), 3);
  EXPECT_EQ(s["duplicate_coid"].get_int64().value(), 2);
  EXPECT_EQ(s["orders_posted"].get_int64().value(), 3);
  EXPECT_TRUE(s.has("events_sent"));
  EXPECT_TRUE(s.has("streams_killed"));
}

TEST_F(TradingSimRest, InsufficientBuyingPowerIs403AndReducingOrdersNeedNone) {
  start();
  market(quote("99.9", 100, "100", 100), "AAPL");
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"1001","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 403u) << r->body;
  json e(r->body);
  EXPECT_EQ(e["code"].get_int64().value(), 40310000);
  EXPECT_EQ(e.str("message"), "insufficient buying power");
  EXPECT_EQ(e.str("buying_power"), "100000");
  EXPECT_EQ(e.str("cost_basis"), "100100");
  // A limit order is estimated at its limit price.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"500","side":"buy","type":"limit","limit_price":"250","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u);
  // Opening short needs buying power too.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"2000","side":"sell","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u);
  // Buy 900 (fills at once: 10,000 shares displayed); then equity 99,955 − positions 89,955 leaves 10,000.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"900","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  sim_->sync();
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"200","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u) << r->body;
  // Selling what we hold only reduces: no buying power needed even with a resting opening order.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"90","side":"buy","type":"limit","limit_price":"100","time_in_force":"gtc"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u) << r->body;  // fills at once (ask 100 <= 100)
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"990","side":"sell","type":"limit","limit_price":"500","time_in_force":"gtc"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u) << r->body;
  json o(r->body);
  EXPECT_EQ(o.str("position_intent"), "sell_to_close");
  EXPECT_EQ(sim_->stats().rejected_403, 4u);
}

TEST_F(TradingSimRest, RateLimitGives429WithHeadersAndResetsAfterTheWindow) {
  trading_sim_options o;
  o.rate_limit_per_minute = 5;
  o.rate_limit_window = std::chrono::milliseconds(1000);
  start(o);
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  for (int i = 0; i < 5; ++i) {
    auto r = c.request("GET", "/v2/clock");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(r->header("x-ratelimit-limit"), "5");
    EXPECT_EQ(r->header("x-ratelimit-remaining"), std::to_string(4 - i));
  }
  auto r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429u);
  EXPECT_EQ(r->body, R"({"code":42910000,"message":"rate limit exceeded"})");
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "0");
  const long reset = std::stol(r->header("x-ratelimit-reset"));
  const long now_s = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  EXPECT_GE(reset, now_s);
  EXPECT_LE(reset, now_s + 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("x-ratelimit-remaining"), "4");
  EXPECT_EQ(sim_->stats().rate_limited, 1u);
}

TEST_F(TradingSimRest, CancelOneAndAll) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = c.request("POST", "/v2/orders",
                       R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","limit_price":"10","time_in_force":"gtc"})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200u);
    ids.push_back(json(r->body).str("id"));
  }
  auto r = c.request("DELETE", "/v2/orders/" + ids[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204u);
  EXPECT_TRUE(r->body.empty());
  r = c.request("DELETE", "/v2/orders/" + ids[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422u);
  EXPECT_EQ(r->body, R"({"code":42210000,"message":"order is not cancelable"})");
  r = c.request("DELETE", "/v2/orders/00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  r = c.request("GET", "/v2/orders/" + ids[0]);
  ASSERT_TRUE(r);
  EXPECT_EQ(json(r->body).str("status"), "canceled");
  EXPECT_FALSE(json(r->body).is_null("canceled_at"));

  r = c.request("DELETE", "/v2/orders");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 207u);
  json arr(r->body);
  ASSERT_TRUE(arr.ok) << r->body;
  simdjson::dom::array a;
  ASSERT_FALSE(arr.root.get_array().get(a));
  ASSERT_EQ(a.size(), 2u);
  for (auto el : a) {
    EXPECT_EQ(el["status"].get_int64().value(), 200);
    EXPECT_EQ(str_of(el["body"].value(), "status"), "canceled");
    EXPECT_EQ(str_of(el, "id"), str_of(el["body"].value(), "id"));
  }
  EXPECT_EQ(sim_->stats().cancels, 3u);
  r = c.request("GET", "/v2/orders");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "[]");
}

TEST_F(TradingSimRest, ListOrdersFilters) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  const char* syms[] = {"AAPL", "MSFT", "AAPL", "TSLA"};
  std::vector<std::string> ids;
  for (const char* s : syms) {
    auto r = c.request("POST", "/v2/orders",
                       std::string(R"({"symbol":")") + s +
                           R"(","qty":"1","side":"buy","type":"limit","limit_price":"10","time_in_force":"gtc"})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200u);
    ids.push_back(json(r->body).str("id"));
  }
  ASSERT_EQ(c.request("DELETE", "/v2/orders/" + ids[1])->status, 204u);
  auto list = [&c](const std::string& q) {
    std::vector<std::string> out;
    auto r = c.request("GET", "/v2/orders" + q);
    EXPECT_TRUE(r && r->status == 200u) << q;
    if (!r) return out;
    json j(r->body);
    simdjson::dom::array arr;
    if (j.root.get_array().get(arr)) return out;
    for (auto el : arr) out.push_back(str_of(el, "id"));
    return out;
  };
  EXPECT_EQ(list(""), (std::vector<std::string>{ids[3], ids[2], ids[0]}));  // open, desc
  EXPECT_EQ(list("?status=closed"), (std::vector<std::string>{ids[1]}));
  EXPECT_EQ(list("?status=all&direction=asc"), ids);
  EXPECT_EQ(list("?status=all&limit=2"), (std::vector<std::string>{ids[3], ids[2]}));
  EXPECT_EQ(list("?status=all&symbols=AAPL,TSLA&direction=asc"), (std::vector<std::string>{ids[0], ids[2], ids[3]}));
  EXPECT_EQ(list("?status=all&symbols=AAPL%2CMSFT&direction=asc"), (std::vector<std::string>{ids[0], ids[1], ids[2]}));
  EXPECT_EQ(list("?status=all&after=2000-01-01T00:00:00Z&until=2200-01-01"), (std::vector<std::string>{ids[3], ids[2], ids[1], ids[0]}));
  EXPECT_TRUE(list("?status=all&after=2200-01-01T00:00:00Z").empty());
  EXPECT_EQ(c.request("GET", "/v2/orders?status=bogus")->status, 422u);
  EXPECT_EQ(c.request("GET", "/v2/orders?limit=x")->status, 422u);
  EXPECT_EQ(c.request("GET", "/v2/orders?direction=up")->status, 422u);
  EXPECT_EQ(c.request("GET", "/v2/orders?after=yesterday")->status, 422u);
}

TEST_F(TradingSimRest, UnknownPathsAndMethods) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("GET", "/v2/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  EXPECT_EQ(json(r->body)["code"].get_int64().value(), 40410000);
  EXPECT_EQ(r->header("content-type"), "application/json");
  r = c.request("GET", "/_sim/nothing", "", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  r = c.request("PUT", "/v2/account");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405u);
  r = c.request("GET", "/v2/positions/AAPL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  EXPECT_EQ(json(r->body)["code"].get_int64().value(), 40410000);
  r = c.request("GET", "/v2/positions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "[]");
}

TEST_F(TradingSimRest, FaultForcedRateLimit) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  sim_->force_rate_limit(2);
  for (int i = 0; i < 2; ++i) {
    auto r = c.request("POST", "/v2/orders", kMarketBuy);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429u);
    EXPECT_EQ(r->header("x-ratelimit-remaining"), "0");
    EXPECT_FALSE(r->header("x-ratelimit-reset").empty());
  }
  auto r = c.request("POST", "/v2/orders", kMarketBuy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(sim_->posts_for("c-1"), 3u);
  EXPECT_EQ(sim_->stats().rate_limited, 2u);
}

TEST_F(TradingSimRest, FaultServerErrorsAreNotProcessed) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  sim_->set_server_error_rate(1.0, 503);
  auto r = c.request("POST", "/v2/orders", kMarketBuy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503u);
  EXPECT_EQ(json(r->body)["code"].get_int64().value(), 50010000);
  sim_->set_server_error_rate(0.0);
  r = c.request("GET", "/v2/orders:by_client_order_id?client_order_id=c-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u) << "a 5xx order must not exist";
  EXPECT_EQ(sim_->posts_for("c-1"), 1u);
  EXPECT_EQ(sim_->stats().injected_5xx, 1u);
  // A fraction: about half of 200 requests (seeded generator).
  sim_->set_server_error_rate(0.5);
  int errors = 0;
  for (int i = 0; i < 100; ++i) {
    auto rr = c.request("GET", "/v2/clock");
    ASSERT_TRUE(rr);
    if (rr->status == 500u) ++errors;
  }
  EXPECT_GT(errors, 20);
  EXPECT_LT(errors, 80);
}

TEST_F(TradingSimRest, FaultDroppedResponsesStillPlaceTheOrder) {
  start();
  sim_->drop_responses(1);
  {
    http_client c;
    ASSERT_TRUE(c.connect(sim_->port()));
    auto r = c.request("POST", "/v2/orders", kMarketBuy);
    EXPECT_FALSE(r) << "no response expected";
  }
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("GET", "/v2/orders:by_client_order_id?client_order_id=c-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u) << "the dropped POST placed the order";
  EXPECT_EQ(sim_->stats().dropped_responses, 1u);
  EXPECT_EQ(sim_->stats().orders_accepted, 1u);
}

TEST_F(TradingSimRest, FaultAddedLatencyDelaysResponses) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  sim_->set_added_latency(std::chrono::milliseconds(80));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c.request("GET", "/v2/clock");
  const auto dt = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_GE(dt, std::chrono::milliseconds(80));  // a lower bound only
  sim_->set_added_latency(std::chrono::microseconds(0));
  r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
}

TEST_F(TradingSimRest, DebugFaultsEndpointDrivesTheSwitches) {
  start();
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("POST", "/_sim/faults", R"({"rate_limit":1,"reject_next":1})", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429u);
  r = c.request("POST", "/v2/orders", kMarketBuy);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  r = c.request("GET", "/v2/orders:by_client_order_id?client_order_id=c-1");
  ASSERT_TRUE(r);
  EXPECT_EQ(json(r->body).str("status"), "rejected");
  EXPECT_FALSE(json(r->body).is_null("failed_at"));
  r = c.request("POST", "/_sim/faults", R"({"error_rate":1,"error_status":502})", false);
  ASSERT_TRUE(r);
  r = c.request("GET", "/v2/clock");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502u);
  r = c.request("POST", "/_sim/faults", R"({"error_rate":0,"drop_responses":1})", false);
  ASSERT_TRUE(r);
  EXPECT_FALSE(c.request("GET", "/v2/clock"));
  http_client c2;
  ASSERT_TRUE(c2.connect(sim_->port()));
  r = c2.request("POST", "/_sim/faults", R"({"latency_us":1000,"expire":true,"kill_streams":true})", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  r = c2.request("POST", "/_sim/faults", "{", false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422u);
}

TEST_F(TradingSimRest, PositionsAndAccountFollowFills) {
  start();
  market(quote("99", 5, "100", 5), "AAPL");
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"100","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  market(quote("101", 5, "103", 5), "AAPL");  // mid 102
  r = c.request("GET", "/v2/positions/AAPL");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  json p(r->body);
  for (const char* k : {"asset_id", "symbol", "exchange", "asset_class", "avg_entry_price", "qty", "qty_available", "side",
                        "market_value", "cost_basis", "unrealized_pl", "unrealized_plpc", "current_price",
                        "lastday_price", "change_today"})
    EXPECT_TRUE(p[k].is_string()) << k;
  EXPECT_EQ(p.str("avg_entry_price"), "100");
  EXPECT_EQ(p.str("qty"), "100");
  EXPECT_EQ(p.str("side"), "long");
  EXPECT_EQ(p.str("market_value"), "10200");
  EXPECT_EQ(p.str("cost_basis"), "10000");
  EXPECT_EQ(p.str("unrealized_pl"), "200");
  EXPECT_EQ(p.str("unrealized_plpc"), "0.02");
  EXPECT_EQ(p.str("current_price"), "102");
  EXPECT_EQ(p.str("lastday_price"), "99.5");
  r = c.request("GET", "/v2/account");
  ASSERT_TRUE(r);
  json a(r->body);
  EXPECT_EQ(a.str("cash"), "90000");
  EXPECT_EQ(a.str("equity"), "100200");
  EXPECT_EQ(a.str("long_market_value"), "10200");
  EXPECT_EQ(a.str("buying_power"), "90000");  // 1 × equity − gross position value
  // Sell 150 at the bid (101): 100 close the long, 50 open a short at 101.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"150","side":"sell","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  EXPECT_EQ(json(r->body).str("position_intent"), "sell_to_close");
  r = c.request("GET", "/v2/positions");
  ASSERT_TRUE(r);
  json ps(r->body);
  simdjson::dom::array arr;
  ASSERT_FALSE(ps.root.get_array().get(arr));
  ASSERT_EQ(arr.size(), 1u);
  simdjson::dom::element p0;
  ASSERT_FALSE(arr.at(0).get(p0));
  EXPECT_EQ(str_of(p0, "qty"), "-50");
  EXPECT_EQ(str_of(p0, "side"), "short");
  EXPECT_EQ(str_of(p0, "avg_entry_price"), "101");
  EXPECT_EQ(str_of(p0, "market_value"), "-5100");
  r = c.request("GET", "/v2/account");
  ASSERT_TRUE(r);
  json a2(r->body);
  EXPECT_EQ(a2.str("cash"), "105150");  // 90000 + 150 × 101
  EXPECT_EQ(a2.str("short_market_value"), "-5100");
  EXPECT_EQ(a2.str("equity"), "100050");
  // Buy 50 back: flat, the position is gone.
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"50","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(json(r->body).str("position_intent"), "buy_to_close");
  r = c.request("GET", "/v2/positions/AAPL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
  r = c.request("GET", "/v2/account");
  ASSERT_TRUE(r);
  EXPECT_EQ(json(r->body).str("cash"), "100000");  // 105150 - 50 × 103
}

TEST_F(TradingSimRest, SecretNeverAppearsInAnythingTheSimPrints) {
  const std::string secret = "s3cr3t-VALUE-never-printed";
  trading_sim_options o;
  o.credentials = {{"k1", secret}};
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  start(o);
  std::string all;
  {
    http_client c;
    ASSERT_TRUE(c.connect(sim_->port()));
    for (const auto& s : {secret, std::string("bad")}) {
      auto r = c.request("POST", "/v2/orders", kMarketBuy, false, {{"APCA-API-KEY-ID", "k1"}, {"APCA-API-SECRET-KEY", s}});
      ASSERT_TRUE(r);
      all += r->body;
      for (const auto& [k, v] : r->headers) all += k + v;
    }
    auto r = c.request("GET", "/_sim/stats", "", false);
    ASSERT_TRUE(r);
    all += r->body;
    stream_client ws;
    ASSERT_TRUE(ws.connect(sim_->port()));
    ASSERT_TRUE(ws.send(R"({"action":"auth","key":"k1","secret":")" + secret + R"("})"));
    auto f = ws.read();
    ASSERT_TRUE(f);
    all += f->text;
    ASSERT_TRUE(ws.send(R"({"action":"listen","data":{"streams":["trade_updates"]}})"));
    f = ws.read();
    ASSERT_TRUE(f);
    all += f->text;
  }
  sim_->stop();
  all += testing::internal::GetCapturedStdout();
  all += testing::internal::GetCapturedStderr();
  EXPECT_EQ(all.find(secret), std::string::npos);
  EXPECT_NE(all.find("authorized"), std::string::npos);
}

}  // namespace
}  // namespace torghut::test_sim
