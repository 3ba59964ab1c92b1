// The control API's routes, token check and errors, without a socket (control_api.hpp); the same
// API over real HTTP against a running engine: tests/integration/control_api.py.
#include "control_api.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace torghut::app {
namespace {

/// Records what the API asked for; answers with fixed bodies.
struct fake_backend final : control_backend {
  std::vector<std::string> calls;
  bool is_ready = true;
  std::string refuse;  ///< returned by every control ("" = done)
  std::string status_json() override { return R"({"trading_state":"ACTIVE"})"; }
  bool ready(std::string& body) override {
    body = is_ready ? R"({"ready":true})" : R"({"ready":false})";
    return is_ready;
  }
  void metrics(metrics_text& m) override {
    m.family("torghut_orders_total", "Orders.", metric_type::counter);
    m.sample("torghut_orders_total", {}, uint64_t{7});
  }
  std::string positions_json() override { return R"({"positions":[]})"; }
  std::string list_json(listing what, const persistence::activity_query& q) override {
    last_list = what;
    last_query = q;
    return R"({"decisions":[]})";
  }
  listing last_list = listing::decisions;
  persistence::activity_query last_query;
  std::string kill_switch(bool on) override { return call(on ? "kill_on" : "kill_off"); }
  std::string set_trading_state(trading_state s) override { return call("state " + std::string(to_string(s))); }
  std::string cancel_all_orders() override { return call("cancel_all"); }
  std::string reload_limits() override { return call("reload"); }
  std::string call(std::string c) {
    calls.push_back(std::move(c));
    return refuse;
  }
};

constexpr const char* token = "t0k3n-for-tests";

adapters::http_request_in req(std::string method, std::string path, std::string body = {}, std::string auth = {}) {
  adapters::http_request_in r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  r.authorization = std::move(auth);
  return r;
}
std::string bearer(const std::string& t = token) { return "Bearer " + t; }

struct control_case {
  const char* path;
  const char* body;
  const char* call;
};
const control_case controls[] = {
    {"/trading/kill-switch", R"({"engaged": true})", "kill_on"},
    {"/trading/kill-switch", R"({"engaged": false})", "kill_off"},
    {"/trading/state", R"({"state": "HALTED"})", "state HALTED"},
    {"/trading/state", R"({"state": "REDUCING"})", "state REDUCING"},
    {"/trading/cancel-all", "", "cancel_all"},
    {"/trading/limits/reload", "", "reload"},
};

TEST(control_api, every_control_without_the_token_is_401_and_changes_nothing) {
  fake_backend b;
  control_api api(b, token);
  for (const auto& c : controls) {
    for (const std::string& auth : {std::string(), bearer("wrong"), bearer(std::string(token) + "x"),
                                   std::string("Basic dXNlcjpwYXNz"), std::string(token), bearer("")}) {
      const auto r = api.handle(req("POST", c.path, c.body, auth));
      EXPECT_EQ(r.status, 401) << c.path << " with '" << auth << "'";
      EXPECT_NE(r.body.find("bearer token is required"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find(token), std::string::npos) << "the token never appears in a response";
      bool challenge = false;
      for (const auto& [k, v] : r.headers) challenge = challenge || (k == "WWW-Authenticate" && v.rfind("Bearer", 0) == 0);
      EXPECT_TRUE(challenge) << "401 says which scheme (WWW-Authenticate: Bearer)";
    }
  }
  EXPECT_TRUE(b.calls.empty()) << "nothing reached the engine";
  EXPECT_EQ(api.unauthorized(), std::size(controls) * 6);
}

TEST(control_api, without_a_configured_token_every_control_is_401_and_says_why) {
  fake_backend b;
  control_api api(b, "");
  for (const auto& c : controls) {
    const auto r = api.handle(req("POST", c.path, c.body, bearer("")));
    EXPECT_EQ(r.status, 401) << c.path;
    EXPECT_NE(r.body.find("TORGHUT_CONTROL_TOKEN"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(b.calls.empty());
}

TEST(control_api, with_the_token_each_control_reaches_the_engine_once) {
  fake_backend b;
  control_api api(b, token);
  for (const auto& c : controls) {
    b.calls.clear();
    const auto r = api.handle(req("POST", c.path, c.body, bearer()));
    EXPECT_EQ(r.status, 200) << c.path << ": " << r.body;
    ASSERT_EQ(b.calls.size(), 1u) << c.path;
    EXPECT_EQ(b.calls[0], c.call);
    EXPECT_NE(r.body.find(R"("ok":true)"), std::string::npos);
  }
  // The scheme is case-insensitive (RFC 7235).
  b.calls.clear();
  EXPECT_EQ(api.handle(req("POST", "/trading/cancel-all", "", std::string("bearer ") + token)).status, 200);
  EXPECT_EQ(b.calls.size(), 1u);
}

TEST(control_api, a_control_the_engine_refuses_is_503_with_its_reason) {
  fake_backend b;
  b.refuse = "limits not reloaded: the run was started without --config";
  control_api api(b, token);
  const auto r = api.handle(req("POST", "/trading/limits/reload", "", bearer()));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("started without --config"), std::string::npos) << r.body;
}

TEST(control_api, bad_bodies_are_400_with_a_clear_json_error_and_change_nothing) {
  fake_backend b;
  control_api api(b, token);
  const std::pair<const char*, const char*> bad[] = {
      {"/trading/kill-switch", ""},
      {"/trading/kill-switch", "not json"},
      {"/trading/kill-switch", "[true]"},
      {"/trading/kill-switch", R"({"engaged": "yes"})"},
      {"/trading/kill-switch", R"({"on": true})"},
      {"/trading/kill-switch", R"({})"},
      {"/trading/state", R"({"state": "halted"})"},
      {"/trading/state", R"({"state": 2})"},
      {"/trading/state", R"({"state": "HALTED", "engaged": true})"},
      {"/trading/cancel-all", R"({"symbol": "AAPL"})"},
  };
  for (const auto& [path, body] : bad) {
    const auto r = api.handle(req("POST", path, body, bearer()));
    EXPECT_EQ(r.status, 400) << path << " " << body << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body.rfind(R"({"error":")", 0), 0u) << r.body;
  }
  EXPECT_TRUE(b.calls.empty());
}

TEST(control_api, reads_need_no_token_and_answer_in_their_formats) {
  fake_backend b;
  control_api api(b, token);
  auto r = api.handle(req("GET", "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ok\"}\n");
  r = api.handle(req("GET", "/trading/status"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("ACTIVE"), std::string::npos);
  r = api.handle(req("GET", "/trading/health"));
  EXPECT_EQ(r.status, 200);
  b.is_ready = false;
  r = api.handle(req("GET", "/trading/health"));
  EXPECT_EQ(r.status, 503) << "not ready: the readiness probe fails";
  EXPECT_NE(r.body.find(R"("ready":false)"), std::string::npos);
  r = api.handle(req("GET", "/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("torghut_orders_total 7\n"), std::string::npos) << r.body;
  r = api.handle(req("GET", "/metrics"));
  EXPECT_EQ(r.body.find("torghut_orders_total 7"), r.body.rfind("torghut_orders_total 7"))
      << "the reused buffer starts empty on every scrape";
}

TEST(control_api, wrong_methods_and_unknown_paths_are_405_and_404) {
  fake_backend b;
  control_api api(b, token);
  auto r = api.handle(req("GET", "/trading/kill-switch", "", bearer()));
  EXPECT_EQ(r.status, 405);
  r = api.handle(req("POST", "/trading/status", "", bearer()));
  EXPECT_EQ(r.status, 405);
  r = api.handle(req("DELETE", "/metrics"));
  EXPECT_EQ(r.status, 405);
  r = api.handle(req("GET", "/trading/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("/trading/nope"), std::string::npos);
  r = api.handle(req("POST", "/trading/nope", "", bearer()));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(b.calls.empty());
}

adapters::http_request_in get(std::string path, std::string query) {
  auto r = req("GET", std::move(path));
  r.query = std::move(query);
  return r;
}

TEST(control_api, list_endpoints_take_symbol_since_limit_and_the_orders_status) {
  fake_backend b;
  control_api api(b, token);
  using L = control_backend::listing;
  auto r = api.handle(get("/trading/decisions", ""));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(b.last_list, L::decisions);
  EXPECT_EQ(b.last_query.limit, 100u) << "the default limit";
  EXPECT_TRUE(b.last_query.symbol.empty());
  EXPECT_EQ(b.last_query.since.ns, 0);
  r = api.handle(get("/trading/executions", "symbol=BRK.B&since=2024-03-04T14%3A30%3A00Z&limit=7"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(b.last_list, L::executions);
  EXPECT_EQ(b.last_query.symbol, "BRK.B");
  EXPECT_EQ(b.last_query.since.ns, 1'709'562'600'000'000'000);
  EXPECT_EQ(b.last_query.limit, 7u);
  r = api.handle(get("/trading/decisions", "since=2024-03-04"));
  EXPECT_EQ(b.last_query.since.ns, 1'709'510'400'000'000'000) << "a bare date is midnight UTC";
  r = api.handle(get("/trading/orders", ""));
  EXPECT_EQ(b.last_list, L::open_orders) << "like Alpaca's GET /v2/orders: open by default";
  r = api.handle(get("/trading/orders", "status=closed"));
  EXPECT_EQ(b.last_list, L::closed_orders);
  r = api.handle(get("/trading/orders", "status=all&limit=1000"));
  EXPECT_EQ(b.last_list, L::all_orders);
  EXPECT_EQ(b.last_query.limit, 1000u);
  r = api.handle(req("GET", "/trading/positions"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"positions\":[]}\n");
}

TEST(control_api, bad_list_parameters_are_400_naming_the_parameter) {
  fake_backend b;
  control_api api(b, token);
  const std::pair<const char*, const char*> bad[] = {
      {"/trading/decisions", "limit=0"},           {"/trading/decisions", "limit=1001"},
      {"/trading/decisions", "limit=ten"},         {"/trading/decisions", "limit=5x"},
      {"/trading/executions", "since=yesterday"},  {"/trading/executions", "symbol=aapl"},
      {"/trading/executions", "symbol=%22%3E%3C"}, {"/trading/decisions", "status=open"},
      {"/trading/orders", "status=pending"},       {"/trading/orders", "sort=asc"},
  };
  for (const auto& [path, query] : bad) {
    b.last_query.limit = 42;
    const auto r = api.handle(get(path, query));
    EXPECT_EQ(r.status, 400) << path << "?" << query;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
    EXPECT_EQ(b.last_query.limit, 42u) << "nothing reached the backend: " << query;
  }
  const auto r = api.handle(get("/trading/orders", "sort=asc"));
  EXPECT_NE(r.body.find("sort"), std::string::npos) << "names the parameter: " << r.body;
}

TEST(control_api, the_live_page_is_served_with_a_strict_content_security_policy) {
  fake_backend b;
  control_api api(b, token);
  for (const char* path : {"/", "/index.html"}) {
    const auto r = api.handle(req("GET", path));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<html"), std::string::npos);
    EXPECT_EQ(r.body.find("<script src"), std::string::npos) << "no external script";
    EXPECT_EQ(r.body.find("https://"), std::string::npos) << "nothing fetched from elsewhere";
    bool csp = false;
    for (const auto& [k, v] : r.headers)
      if (k == "Content-Security-Policy") csp = v.find("default-src 'self'") != std::string::npos;
    EXPECT_TRUE(csp);
  }
  EXPECT_EQ(api.handle(req("POST", "/", "", bearer())).status, 405);
}

}  // namespace
}  // namespace torghut::app
