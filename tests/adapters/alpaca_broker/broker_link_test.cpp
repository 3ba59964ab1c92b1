// broker_link (the hot path's order gateway onto Alpaca) against the scripted loopback REST server
// (scripted_server.hpp) and the scripted trade_updates server (script_server.hpp): real sockets,
// a real hot path (one tick_probe strategy: one market order per trade print), the io_context
// driven from the test thread as the hot thread drives it. Start-up reconciliation gating, the
// POST and its client_order_id, the broker's order id, trade_updates events, named rejections,
// reconciliation after a reconnect, cancels that wait for the broker's id, stop().
//
// Every test captures the log and checks at the end that the secret never appeared in it.

#include "torghut/strategies/builtin.hpp"
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "torghut/actors/hot_path.hpp"
#include "torghut/actors/strategy.hpp"
#include "torghut/adapters/broker_link.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/test/script_server.hpp"
#include "torghut/test/scripted_server.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::http_reply;
using testing::http_request;
using testing::script_server;
using testing::scripted_server;
using testing::serve_auth_and_listen;
using testing::session;

constexpr std::string_view test_key = "PKLINKTEST01";
constexpr std::string_view test_secret = "s3cr3t-Link-Never-Log-Me";

quantity qty(std::string_view s) { return parse_decimal<quantity>(s).value(); }
money usd(std::string_view s) { return parse_decimal<money>(s).value(); }

// ---- the broker's JSON --------------------------------------------------------------------------

/// An Alpaca order object ("" for the nullable decimals: null).
struct order_fields {
  std::string id, coid, symbol = "AAPL", side = "buy", type = "market", qty = "1", filled_qty = "0";
  std::string filled_avg_price, limit_price;
  std::string status = "accepted";
};

std::string order_object(const order_fields& o) {
  auto or_null = [](const std::string& v) { return v.empty() ? std::string("null") : "\"" + v + "\""; };
  return R"({"id":")" + o.id + R"(","client_order_id":")" + o.coid + R"(","symbol":")" + o.symbol +
         R"(","asset_class":"us_equity","side":")" + o.side + R"(","type":")" + o.type +
         R"(","time_in_force":"day","qty":")" + o.qty + R"(","filled_qty":")" + o.filled_qty +
         R"(","filled_avg_price":)" + or_null(o.filled_avg_price) + R"(,"limit_price":)" + or_null(o.limit_price) +
         R"(,"stop_price":null,"status":")" + o.status + R"("})";
}

/// A trade_updates frame for `o` (`px`/`qty`: the fill's, "" for none).
std::string trade_update(std::string_view event, const order_fields& o, std::string_view px = "",
                         std::string_view q = "") {
  std::string s = R"({"stream":"trade_updates","data":{"event":")" + std::string(event) + R"(","order":)" +
                  order_object(o) + R"(,"timestamp":"2024-06-03T09:30:00.123456789-04:00")";
  if (!px.empty()) s += R"(,"price":")" + std::string(px) + R"(","qty":")" + std::string(q) + "\"";
  return s + "}}";
}

/// The broker's id for the n-th POST (1, 2, ...): UUID-shaped, so DELETE targets accept it.
std::string broker_id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "c0ffee00-0000-4000-8000-%012d", n);
  return buf;
}

/// "key":"value" from a flat JSON body (the tests' values need no unescaping).
std::string field(const std::string& body, std::string_view key) {
  const std::string k = "\"" + std::string(key) + "\":\"";
  const size_t p = body.find(k);
  if (p == std::string::npos) return {};
  const size_t e = body.find('"', p + k.size());
  return body.substr(p + k.size(), e - p - k.size());
}

constexpr std::string_view open_orders_target = "/v2/orders?status=open&limit=500&direction=asc";
constexpr std::string_view coid_query_prefix = "/v2/orders:by_client_order_id?client_order_id=";

/// The REST side of the broker. Its script runs on the server's connection threads.
class rest_broker {
 public:
  http_reply answer(const http_request& r) {
    if (r.method == "POST" && r.target == "/v2/orders") return post(r);
    const bool is_open_orders = r.method == "GET" && r.target == open_orders_target;
    if (is_open_orders) wait_while(hold_open_orders);
    const std::lock_guard l(mu_);
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (r.target.rfind(it->first, 0) != 0) continue;
      const unsigned st = it->second;
      failures_.erase(it);
      return http_reply::json(st, R"({"code":40110000,"message":"scripted failure"})");
    }
    if (r.method == "DELETE" && r.target.rfind("/v2/orders/", 0) == 0) {
      http_reply rep = http_reply::json(204, "");
      rep.content_type.clear();
      return rep;
    }
    if (r.method != "GET") return http_reply::json(405, R"({"message":"method not allowed"})");
    if (is_open_orders) return http_reply::json(200, open_orders_);
    if (r.target.rfind(coid_query_prefix, 0) == 0)
      return http_reply::json(404, R"({"code":40410000,"message":"order not found"})");
    if (r.target == "/v2/positions") return http_reply::json(200, positions_);
    if (r.target == "/v2/account")
      return http_reply::json(200, R"({"id":"904837e3-3b76-47ec-b432-046db621571b","status":"ACTIVE",)"
                                   R"("currency":"USD","cash":")" + equity_ + R"(","equity":")" + equity_ +
                                       R"(","buying_power":")" + equity_ + R"(","trading_blocked":false,)"
                                       R"("account_blocked":false})");
    return http_reply::json(404, R"({"message":"not found"})");
  }

  /// The next request whose target starts with `prefix` is answered `status` (once).
  void fail_next(std::string prefix, unsigned status) {
    const std::lock_guard l(mu_);
    failures_.emplace_back(std::move(prefix), status);
  }
  /// The next POSTs are answered these (in order) instead of 200 with the order.
  void answer_next_posts(std::vector<http_reply> replies) {
    const std::lock_guard l(mu_);
    for (auto& r : replies) post_replies_.push_back(std::move(r));
  }
  void set_open_orders(std::string json) {
    const std::lock_guard l(mu_);
    open_orders_ = std::move(json);
  }
  void set_equity(std::string e) {
    const std::lock_guard l(mu_);
    equity_ = std::move(e);
  }

  /// While set, POST answers (or open-order lists) are held back (bounded: 5 s).
  std::atomic<bool> hold_posts{false};
  std::atomic<bool> hold_open_orders{false};

 private:
  static void wait_while(const std::atomic<bool>& flag) {
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (flag.load() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
  }

  http_reply post(const http_request& r) {
    int n = 0;
    std::optional<http_reply> scripted;
    {
      const std::lock_guard l(mu_);
      n = ++posts_;
      if (!post_replies_.empty()) {
        scripted = std::move(post_replies_.front());
        post_replies_.pop_front();
      }
    }
    wait_while(hold_posts);
    if (scripted) return *scripted;
    order_fields o;
    o.id = broker_id(n);
    o.coid = field(r.body, "client_order_id");
    o.symbol = field(r.body, "symbol");
    o.side = field(r.body, "side");
    o.type = field(r.body, "type");
    o.qty = field(r.body, "qty");
    o.status = "accepted";
    return http_reply::json(200, order_object(o));
  }

  std::mutex mu_;
  int posts_ = 0;
  std::deque<http_reply> post_replies_;
  std::vector<std::pair<std::string, unsigned>> failures_;
  std::string open_orders_ = "[]";
  std::string positions_ = "[]";
  std::string equity_ = "100000";
};

/// The trade_updates side: each connection answers auth and listen, then sends the frames the
/// test queues (in binary frames, like Alpaca's paper stream) until a queued drop ends it.
class stream_feed {
 public:
  void push(std::string frame) {
    const std::lock_guard l(mu_);
    q_.push_back(std::move(frame));
    cv_.notify_all();
  }
  void drop() { push(std::string(drop_marker)); }

  void serve(session& s) {
    if (!serve_auth_and_listen(s)) return;
    for (;;) {
      std::string f;
      {
        std::unique_lock l(mu_);
        if (!cv_.wait_for(l, 10ms, [&] { return !q_.empty(); })) {
          if (s.stopping()) return;
          continue;
        }
        f = std::move(q_.front());
        q_.pop_front();
      }
      if (f == drop_marker) {
        s.drop();
        return;
      }
      if (!s.send_binary(f)) return;
    }
  }

 private:
  static constexpr std::string_view drop_marker = "<drop>";
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> q_;
};

// ---- the fixture --------------------------------------------------------------------------------

class broker_link_test : public ::testing::Test {
 protected:
  void SetUp() override {
    old_logger_ = spdlog::default_logger();
    auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(logs_));
    capture->set_level(spdlog::level::trace);
    spdlog::set_default_logger(capture);

    rest_ = std::make_unique<scripted_server>([this](const http_request& r) { return broker_.answer(r); });
    ws_ = std::make_unique<script_server>([this](session& s) { feed_.serve(s); });
    std::string err;
    ASSERT_TRUE(ws_->start(err)) << err;

    aapl_ = symbols_.intern("AAPL");
    msft_ = symbols_.intern("MSFT");
    cfg_ = default_config({"AAPL", "MSFT"});
    cfg_.symbol_capacity = 64;
    probe_.id = strategy_id{7};
    probe_.name = "probe";
    probe_.kind = "tick_probe";
    cfg_.strategies = {probe_};
    cfg_.limits.order_burst = 1'000;
    cfg_.limits.orders_per_minute = 100'000;
    cfg_.trading.broker = broker_kind::alpaca;
    cfg_.trading.rest_url = rest_->url();
    cfg_.trading.stream_url = ws_->url();
    cfg_.trading.connections = 2;
    hp_ = std::make_unique<actors::hot_path>(cfg_, symbols_, audit_, clock_);
    link_ = std::make_unique<broker_link>(io_, cfg_.trading, std::string(test_key), std::string(test_secret), *hp_,
                                          symbols_);
    hp_->set_gateway(link_.get());
  }

  void TearDown() override {
    if (link_) {
      link_->stop();
      EXPECT_TRUE(run_until([&] { return link_->stopped(); }));
      run_for(20ms);
      link_.reset();
    }
    ws_->stop();
    rest_->stop();
    spdlog::set_default_logger(old_logger_);
    const std::string text = logs_.str();
    EXPECT_EQ(text.find(test_secret), std::string::npos) << "the secret reached the log:\n" << text;
  }

  /// Polls the io_context (as the hot thread does) until `done()`; false after `limit` (a
  /// liveness bound, never a speed claim). The audit queue is drained as the writer would.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10'000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      drain_audit();
      if (done()) return true;
      if (std::chrono::steady_clock::now() > end) return false;
      if (io_.stopped()) io_.restart();
      io_.run_for(2ms);
    }
  }
  /// Polls for `d` (to give what must NOT happen its chance).
  void run_for(std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      if (io_.stopped()) io_.restart();
      io_.run_for(2ms);
      drain_audit();
    }
  }
  void drain_audit() {
    audit_row r;
    while (audit_.pop(r))
      if (r.kind == audit_kind::execution) executions_.push_back(r.body.execution);
  }

  void start_link() {
    std::string err;
    ASSERT_TRUE(link_->start(err)) << err;
  }
  void start_and_reconcile() {
    ASSERT_NO_FATAL_FAILURE(start_link());
    ASSERT_TRUE(run_until([&] { return link_->status().reconciled.load(); })) << link_->last_reconcile_error();
  }

  /// One trade print: the probe strategy decides on it (one share, buy when flat, else sell its
  /// position). Returns the print's time (part of the decision hash).
  timestamp trade(symbol_id s, std::string_view px) {
    market_event ev;
    ev.kind = market_event_kind::trade;
    ev.symbol = s;
    ev.event_time = ev.recv_time = clock_.now();
    ev.u.trade = trade_payload{};
    ev.u.trade.id = trade_id{++trade_seq_};
    ev.u.trade.px = parse_decimal<price>(px).value();
    ev.u.trade.size = qty("100");
    hp_->on_market_event(ev);
    drain_audit();
    return ev.event_time;
  }

  /// The client_order_id the engine must send for the probe's decision on a print at `t`.
  [[nodiscard]] client_order_id expected_coid(std::string_view symbol, timestamp t, side s) const {
    decision_key k;
    k.strategy = probe_.id;
    k.symbol = symbol;
    k.event_time = t;
    k.action = s;
    k.type = order_type::market;
    k.qty = qty("1");
    k.params_fingerprint = strategies::builtin_fingerprint(probe_);
    return client_order_id_for(compute_decision_hash(k));
  }

  [[nodiscard]] std::vector<http_request> requests(std::string_view method, std::string_view prefix = "") const {
    std::vector<http_request> out;
    for (auto& r : rest_->requests())
      if (r.method == method && r.target.rfind(prefix, 0) == 0) out.push_back(r);
    return out;
  }
  [[nodiscard]] std::vector<http_request> posts() const { return requests("POST", "/v2/orders"); }
  [[nodiscard]] std::vector<http_request> deletes() const { return requests("DELETE"); }

  [[nodiscard]] std::optional<order_status> status_of(const client_order_id& coid) const {
    const std::optional<order_id> id = hp_->router().find_by_coid(coid);
    if (!id) return std::nullopt;
    return hp_->router().status_of(*id);
  }
  bool wait_status(const client_order_id& coid, order_status s) {
    return run_until([&] { return status_of(coid) == s; }, 10'000ms);
  }
  /// The last execution row audited for `coid`.
  [[nodiscard]] std::optional<execution_report> last_execution(const client_order_id& coid) const {
    for (auto it = executions_.rbegin(); it != executions_.rend(); ++it)
      if (it->coid == coid) return *it;
    return std::nullopt;
  }
  [[nodiscard]] uint64_t awaiting_reconciliation() const {
    return hp_->risk().stats().by_reason[static_cast<size_t>(risk_reason::awaiting_reconciliation)];
  }
  /// The cancel the router would send for an order (no production path emits one yet: the
  /// gateway is driven directly).
  [[nodiscard]] order_command cancel_of(const client_order_id& coid) const {
    order_command c;
    c.kind = order_command_kind::cancel;
    c.id = hp_->router().find_by_coid(coid).value_or(order_id{});
    c.coid = coid;
    c.symbol = aapl_;
    c.qty = qty("1");
    c.created_at = clock_.now();
    return c;
  }
  /// Submits through the probe and waits for the POST's 200 (the order `accepted` here).
  client_order_id accepted_buy(std::string_view px) {
    const size_t before = posts().size();
    const client_order_id coid = expected_coid("AAPL", trade(aapl_, px), side::buy);
    EXPECT_TRUE(run_until([&] { return posts().size() == before + 1; }));
    EXPECT_TRUE(wait_status(coid, order_status::accepted)) << "status " << to_string(status_of(coid).value_or(order_status::pending_new));
    return coid;
  }

  std::ostringstream logs_;
  std::shared_ptr<spdlog::logger> old_logger_;
  rest_broker broker_;
  stream_feed feed_;
  std::unique_ptr<scripted_server> rest_;
  std::unique_ptr<script_server> ws_;
  symbol_table symbols_{64};
  symbol_id aapl_, msft_;
  audit_sink audit_{1 << 16};
  system_clock clock_;
  strategy_config probe_;
  engine_config cfg_;
  boost::asio::io_context io_{1};
  std::unique_ptr<actors::hot_path> hp_;
  std::unique_ptr<broker_link> link_;
  std::vector<execution_report> executions_;
  int64_t trade_seq_ = 0;
};

// ---- start-up reconciliation --------------------------------------------------------------------

TEST_F(broker_link_test, start_up_reconciliation_gates_trading_until_it_succeeds_then_enables_it) {
  broker_.fail_next("/v2/account", 401);  // the first run fails at its last step
  broker_.set_equity("123456.78");
  ASSERT_NO_FATAL_FAILURE(start_link());
  (void)trade(aapl_, "187.50");  // nothing answered yet
  EXPECT_EQ(awaiting_reconciliation(), 1u);

  ASSERT_TRUE(run_until([&] { return link_->status().reconcile_failures.load() == 1; }));
  EXPECT_FALSE(link_->status().reconciled.load());
  EXPECT_NE(link_->last_reconcile_error().find("GET /v2/account answered 401"), std::string::npos)
      << link_->last_reconcile_error();
  (void)trade(aapl_, "187.51");  // failed, not yet retried: still gated
  EXPECT_EQ(awaiting_reconciliation(), 2u);
  EXPECT_TRUE(posts().empty());

  // Retried (after 1 s): the second run succeeds and trading is enabled.
  ASSERT_TRUE(run_until([&] { return link_->status().reconciled.load(); })) << link_->last_reconcile_error();
  EXPECT_EQ(link_->status().reconciliations.load(), 1u);
  EXPECT_EQ(link_->last_reconcile_error(), "");
  EXPECT_TRUE(hp_->risk().reconciled());
  EXPECT_EQ(hp_->reconciliation().runs, 1u);
  EXPECT_EQ(hp_->risk().equity(), usd("123456.78"));  // the account's equity is the engine's now
  std::vector<std::string> targets;
  for (auto& r : rest_->calls()) targets.push_back(r.method + " " + r.target);
  const std::string open = "GET " + std::string(open_orders_target);
  EXPECT_EQ(targets, (std::vector<std::string>{open, "GET /v2/positions", "GET /v2/account", open,
                                               "GET /v2/positions", "GET /v2/account"}));

  const timestamp t = trade(aapl_, "187.52");
  ASSERT_TRUE(run_until([&] { return posts().size() == 1; }));
  EXPECT_EQ(field(posts()[0].body, "client_order_id"), expected_coid("AAPL", t, side::buy).view());
  EXPECT_EQ(awaiting_reconciliation(), 2u);
  EXPECT_EQ(hp_->risk().stats().approved, 1u);
}

// ---- orders out -----------------------------------------------------------------------------------

TEST_F(broker_link_test, an_order_is_a_post_written_inline_with_the_decision_hash_coid_and_the_brokers_id_is_kept) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  const size_t calls_before = rest_->calls().size();
  const timestamp t = trade(aapl_, "187.50");
  const client_order_id want = expected_coid("AAPL", t, side::buy);

  // Written inside the hot path's pump: the server reads it without the io_context being polled.
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (posts().empty() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(posts().size(), 1u) << "the POST was not written inline";
  const http_request post = posts()[0];
  EXPECT_EQ(rest_->calls().size(), calls_before + 1);
  EXPECT_EQ(field(post.body, "client_order_id"), want.view());
  EXPECT_EQ(field(post.body, "symbol"), "AAPL");
  EXPECT_EQ(field(post.body, "side"), "buy");
  EXPECT_EQ(field(post.body, "type"), "market");
  EXPECT_EQ(field(post.body, "qty"), "1");
  EXPECT_EQ(field(post.body, "time_in_force"), "day");
  EXPECT_EQ(post.header("APCA-API-KEY-ID"), test_key);
  ASSERT_EQ(status_of(want), order_status::pending_new);

  // The answer: the order is `accepted`, its broker id audited with it.
  ASSERT_TRUE(wait_status(want, order_status::accepted));
  const auto row = last_execution(want);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, order_status::accepted);
  EXPECT_EQ(row->broker_id.view(), broker_id(1));

  // Remembered by the link: a cancel goes out at once, addressed by that id.
  link_->send(cancel_of(want));
  ASSERT_TRUE(run_until([&] { return deletes().size() == 1; }));
  EXPECT_EQ(deletes()[0].target, "/v2/orders/" + broker_id(1));
}

TEST_F(broker_link_test, http_403_and_422_become_named_rejections_and_the_strategy_may_decide_again) {
  broker_.answer_next_posts({http_reply::json(403, R"({"code":40310000,"message":"insufficient buying power"})"),
                             http_reply::json(422, R"({"code":42210000,"message":"client_order_id must be unique"})")});
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());

  const client_order_id first = expected_coid("AAPL", trade(aapl_, "187.50"), side::buy);
  ASSERT_TRUE(wait_status(first, order_status::rejected));
  auto row = last_execution(first);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->reject_code, 403);
  EXPECT_EQ(reject_code_name(row->reject_code), "INSUFFICIENT_BUYING_POWER");
  EXPECT_EQ(link_->status().last_reject_code.load(), 403);
  EXPECT_EQ(link_->status().rejections.load(), 1u);

  // The rejection reached the strategy (its pending order cleared) and risk: the next print
  // is decided and approved again.
  const client_order_id second = expected_coid("AAPL", trade(aapl_, "187.55"), side::buy);
  ASSERT_TRUE(run_until([&] { return posts().size() == 2; }));
  EXPECT_EQ(field(posts()[1].body, "client_order_id"), second.view());
  ASSERT_TRUE(wait_status(second, order_status::rejected));
  row = last_execution(second);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->reject_code, 422);
  EXPECT_EQ(reject_code_name(row->reject_code), "UNPROCESSABLE_ORDER");
  EXPECT_EQ(link_->status().last_reject_code.load(), 422);
  EXPECT_EQ(link_->status().rejections.load(), 2u);
  EXPECT_EQ(hp_->risk().stats().approved, 2u);
  EXPECT_TRUE(hp_->risk().position_of(aapl_).qty.is_zero());
  EXPECT_EQ(hp_->counters().fills, 0u);
}

// ---- events in ------------------------------------------------------------------------------------

TEST_F(broker_link_test, trade_updates_events_reach_the_hot_path_and_move_orders_positions_and_fills) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  const client_order_id buy = accepted_buy("100");
  order_fields o;
  o.id = broker_id(1);
  o.coid = std::string(buy.view());

  o.status = "new";
  feed_.push(trade_update("new", o));
  ASSERT_TRUE(wait_status(buy, order_status::new_order));

  o.status = "partially_filled";
  o.filled_qty = "0.4";
  o.filled_avg_price = "100.1";
  feed_.push(trade_update("partial_fill", o, "100.1", "0.4"));
  ASSERT_TRUE(wait_status(buy, order_status::partially_filled));
  EXPECT_EQ(hp_->risk().position_of(aapl_).qty, qty("0.4"));
  EXPECT_EQ(hp_->counters().fills, 1u);

  o.status = "filled";
  o.filled_qty = "1";
  o.filled_avg_price = "100.16";
  feed_.push(trade_update("fill", o, "100.2", "0.6"));
  ASSERT_TRUE(wait_status(buy, order_status::filled));
  EXPECT_EQ(hp_->risk().position_of(aapl_).qty, qty("1"));
  EXPECT_EQ(hp_->risk().position_of(aapl_).cost_basis, usd("100.16"));
  EXPECT_EQ(hp_->counters().fills, 2u);
  auto row = last_execution(buy);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->cum_qty, qty("1"));
  EXPECT_EQ(row->last_qty, qty("0.6"));
  EXPECT_EQ(row->broker_id.view(), broker_id(1));

  // The probe now sells its share; the broker cancels that order.
  const client_order_id sell = expected_coid("AAPL", trade(aapl_, "101"), side::sell);
  ASSERT_TRUE(run_until([&] { return posts().size() == 2; }));
  EXPECT_EQ(field(posts()[1].body, "client_order_id"), sell.view());
  EXPECT_EQ(field(posts()[1].body, "side"), "sell");
  ASSERT_TRUE(wait_status(sell, order_status::accepted));
  order_fields s;
  s.id = broker_id(2);
  s.coid = std::string(sell.view());
  s.side = "sell";
  s.status = "canceled";
  feed_.push(trade_update("canceled", s));
  ASSERT_TRUE(wait_status(sell, order_status::canceled));
  EXPECT_EQ(hp_->risk().position_of(aapl_).qty, qty("1"));

  // Canceled cleared the strategy's pending order: it sells again; the broker rejects that one.
  const client_order_id again = expected_coid("AAPL", trade(aapl_, "101.5"), side::sell);
  ASSERT_TRUE(run_until([&] { return posts().size() == 3; }));
  ASSERT_TRUE(wait_status(again, order_status::accepted));
  s.id = broker_id(3);
  s.coid = std::string(again.view());
  s.status = "rejected";
  feed_.push(trade_update("rejected", s));
  ASSERT_TRUE(wait_status(again, order_status::rejected));
  row = last_execution(again);
  ASSERT_TRUE(row);
  EXPECT_EQ(reject_code_name(row->reject_code), "BROKER_REJECTED");
  EXPECT_EQ(link_->status().rejections.load(), 1u);
  EXPECT_EQ(hp_->risk().position_of(aapl_).qty, qty("1"));

  // An event that changes nothing here is counted, not applied.
  feed_.push(trade_update("done_for_day", o));
  ASSERT_TRUE(run_until([&] { return link_->status().ignored_events.load() == 1; }));
  EXPECT_EQ(link_->status().events.load(), 5u);
  EXPECT_EQ(status_of(buy), order_status::filled);
  EXPECT_EQ(hp_->counters().fills, 2u);
}

// ---- reconciliation after a reconnect -------------------------------------------------------------

TEST_F(broker_link_test, a_reconnect_reconciles_again_adopting_an_unknown_open_order_and_closing_one_never_received) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  const client_order_id ours = accepted_buy("100");
  ASSERT_EQ(link_->status().reconciliations.load(), 1u);

  // While the stream is down: the broker has no trace of ours (by_client_order_id: 404) and
  // holds an open order this engine never saw (placed before a restart).
  const client_order_id theirs = client_order_id_for(decision_hash{1, 2});
  order_fields t;
  t.id = "feedface-0000-4000-8000-000000000001";
  t.coid = std::string(theirs.view());
  t.symbol = "MSFT";
  t.type = "limit";
  t.limit_price = "50";
  t.qty = "3";
  t.status = "new";
  broker_.set_open_orders("[" + order_object(t) + "]");
  feed_.drop();

  ASSERT_TRUE(run_until([&] { return link_->status().reconciliations.load() == 2; })) << link_->last_reconcile_error();
  EXPECT_GE(link_->stream_stats().reconnects, 1u);
  EXPECT_EQ(ws_->upgraded(), 2);
  EXPECT_EQ(requests("GET", std::string(coid_query_prefix) + std::string(ours.view())).size(), 1u);

  // Ours never reached the broker: closed here (404).
  EXPECT_EQ(status_of(ours), order_status::rejected);
  const auto row = last_execution(ours);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->reject_code, 404);
  // Theirs is adopted, open, with the broker's id.
  ASSERT_EQ(status_of(theirs), order_status::new_order);
  const auto adopted = last_execution(theirs);
  ASSERT_TRUE(adopted);
  EXPECT_EQ(adopted->symbol, msft_);
  EXPECT_EQ(adopted->order_qty, qty("3"));
  EXPECT_EQ(adopted->broker_id.view(), t.id);
  EXPECT_EQ(hp_->reconciliation().runs, 2u);
  EXPECT_EQ(hp_->reconciliation().orders_adopted, 1u);
  EXPECT_EQ(hp_->reconciliation().orders_vanished, 1u);
  EXPECT_EQ(link_->status().differences.load(), 2u);
  EXPECT_TRUE(link_->status().reconciled.load());
}

TEST_F(broker_link_test, a_cancel_of_an_adopted_order_is_addressed_by_the_id_reconciliation_learned) {
  const client_order_id theirs = client_order_id_for(decision_hash{3, 4});
  order_fields t;
  t.id = "feedface-0000-4000-8000-000000000002";
  t.coid = std::string(theirs.view());
  t.type = "limit";
  t.limit_price = "50";
  t.status = "new";
  broker_.set_open_orders("[" + order_object(t) + "]");
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  ASSERT_EQ(status_of(theirs), order_status::new_order);
  EXPECT_EQ(hp_->reconciliation().orders_adopted, 1u);

  link_->send(cancel_of(theirs));
  ASSERT_TRUE(run_until([&] { return deletes().size() == 1; }, 3'000ms))
      << "the cancel waits for a broker id reconciliation already had";
  EXPECT_EQ(deletes()[0].target, "/v2/orders/" + t.id);
}

// ---- cancels before the broker's id -------------------------------------------------------------

TEST_F(broker_link_test, a_cancel_before_the_brokers_id_is_known_waits_for_the_posts_answer) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  broker_.hold_posts = true;
  const client_order_id coid = expected_coid("AAPL", trade(aapl_, "100"), side::buy);
  ASSERT_TRUE(run_until([&] { return posts().size() == 1; }));
  ASSERT_EQ(status_of(coid), order_status::pending_new);

  link_->send(cancel_of(coid));
  run_for(100ms);
  EXPECT_TRUE(deletes().empty()) << "a cancel went out before the broker's id was known";

  broker_.hold_posts = false;  // the POST is answered: the id is known, the cancel follows
  ASSERT_TRUE(run_until([&] { return deletes().size() == 1; }));
  EXPECT_EQ(deletes()[0].target, "/v2/orders/" + broker_id(1));
  EXPECT_EQ(status_of(coid), order_status::accepted);  // the stream reports `canceled`, not the DELETE
  run_for(50ms);
  EXPECT_EQ(deletes().size(), 1u);
}

TEST_F(broker_link_test, a_cancel_before_the_brokers_id_is_known_goes_out_with_the_first_stream_event) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  broker_.hold_posts = true;
  const client_order_id coid = expected_coid("AAPL", trade(aapl_, "100"), side::buy);
  ASSERT_TRUE(run_until([&] { return posts().size() == 1; }));
  link_->send(cancel_of(coid));

  order_fields o;
  o.id = broker_id(1);
  o.coid = std::string(coid.view());
  o.status = "new";
  feed_.push(trade_update("new", o));  // the stream is faster than the POST's answer
  ASSERT_TRUE(run_until([&] { return deletes().size() == 1; }));
  EXPECT_EQ(link_->rest_stats().accepted, 0u) << "the id came from the POST's answer, not the stream";
  EXPECT_EQ(deletes()[0].target, "/v2/orders/" + broker_id(1));
  EXPECT_EQ(status_of(coid), order_status::new_order);

  broker_.hold_posts = false;
  ASSERT_TRUE(run_until([&] { return link_->rest_stats().accepted == 1; }));
  run_for(50ms);
  EXPECT_EQ(deletes().size(), 1u) << "one cancel, sent once";
  EXPECT_EQ(status_of(coid), order_status::new_order);  // `accepted` after `new` is a late answer
}

TEST_F(broker_link_test, cancels_of_orders_refused_before_their_id_was_known_do_not_use_up_the_waiting_room) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  // broker_link keeps room for 64 cancels waiting for a broker id. Fill it with cancels of
  // orders the broker then refuses (no id will ever come for them).
  constexpr size_t refused = 64;
  broker_.answer_next_posts(std::vector<http_reply>(
      refused, http_reply::json(403, R"({"code":40310000,"message":"insufficient buying power"})")));
  for (size_t i = 0; i < refused; ++i) {
    broker_.hold_posts = true;
    const client_order_id coid = expected_coid("AAPL", trade(aapl_, "100"), side::buy);
    ASSERT_TRUE(run_until([&] { return posts().size() == i + 1; })) << i;
    link_->send(cancel_of(coid));
    broker_.hold_posts = false;
    ASSERT_TRUE(wait_status(coid, order_status::rejected)) << i;
  }
  EXPECT_EQ(link_->status().rejections.load(), refused);

  // The next order's cancel must still wait for its id, and go out with the POST's answer.
  broker_.hold_posts = true;
  const client_order_id last = expected_coid("AAPL", trade(aapl_, "100"), side::buy);
  ASSERT_TRUE(run_until([&] { return posts().size() == refused + 1; }));
  link_->send(cancel_of(last));
  broker_.hold_posts = false;
  ASSERT_TRUE(run_until([&] { return deletes().size() == 1; }, 3'000ms)) << "the cancel was dropped";
  EXPECT_EQ(deletes()[0].target, "/v2/orders/" + broker_id(static_cast<int>(refused) + 1));
}

// ---- stop ---------------------------------------------------------------------------------------

TEST_F(broker_link_test, stop_during_start_up_reconciliation_ends_cleanly_without_a_retry) {
  broker_.hold_open_orders = true;
  ASSERT_NO_FATAL_FAILURE(start_link());
  ASSERT_TRUE(run_until([&] { return requests("GET", open_orders_target).size() == 1; }));
  EXPECT_FALSE(link_->stopped());

  link_->stop();
  ASSERT_TRUE(run_until([&] { return link_->stopped(); }));
  EXPECT_EQ(link_->stream_stats().state, trade_stream_state::stopped);
  EXPECT_EQ(link_->stream_failure(), "");
  broker_.hold_open_orders = false;
  const size_t calls = rest_->calls().size();
  run_for(1'300ms);  // past the 1 s retry of a failed run: none may start
  EXPECT_EQ(rest_->calls().size(), calls);
  EXPECT_EQ(link_->status().reconcile_failures.load(), 0u);
  EXPECT_FALSE(link_->status().reconciled.load());
  EXPECT_EQ(hp_->reconciliation().runs, 0u);
  EXPECT_EQ(ws_->accepted(), 1);  // no redial of the stream
  EXPECT_EQ(link_->rest_stats().in_flight, 0u);
}

TEST_F(broker_link_test, after_stop_an_order_is_closed_here_and_nothing_is_sent) {
  ASSERT_NO_FATAL_FAILURE(start_and_reconcile());
  link_->stop();
  ASSERT_TRUE(run_until([&] { return link_->stopped(); }));
  run_for(20ms);
  const size_t requests_before = rest_->requests().size();
  const client_order_id coid = expected_coid("AAPL", trade(aapl_, "100"), side::buy);
  EXPECT_EQ(status_of(coid), order_status::rejected);  // never left open
  EXPECT_EQ(link_->status().rejections.load(), 1u);
  run_for(50ms);
  EXPECT_EQ(rest_->requests().size(), requests_before);
  EXPECT_EQ(link_->stream_stats().state, trade_stream_state::stopped);
}

}  // namespace
}  // namespace torghut::adapters
