// The trading REST client against a scripted loopback HTTP server: pool warm-up, keep-alive,
// exact request bytes, every response class, the never-a-duplicate rules (lost POST → by-coid
// query), 429 and the client-side budget, re-dials, cancel, get, start-up validation, and that the
// secret never appears in an error or a log line.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <sstream>

#include "torghut/test/scripted_server.hpp"
#include "torghut/adapters/trading_rest.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::http_reply;
using testing::http_request;
using testing::limit_buy;
using testing::order_json;
using testing::poll_for;
using testing::poll_until;
using testing::recording_sink;
using testing::rest_event;
using testing::scripted_server;
using K = rest_event::kind;

bool is_post(const http_request& r) { return r.method == "POST" && r.target == "/v2/orders"; }
bool is_coid_query(const http_request& r) {
  return r.method == "GET" && r.target.rfind("/v2/orders:by_client_order_id?client_order_id=", 0) == 0;
}
/// The client_order_id in a POST body (the tests' ids need no unescaping).
std::string coid_of(const http_request& r) {
  const std::string key = R"("client_order_id":")";
  const size_t p = r.body.find(key);
  if (p == std::string::npos) return {};
  const size_t e = r.body.find('"', p + key.size());
  return r.body.substr(p + key.size(), e - p - key.size());
}
std::string query_coid(const http_request& r) { return r.target.substr(r.target.find('=') + 1); }

/// Answers every POST with 200 and the order, every by-coid query with 404.
http_reply accept_all(const http_request& r) {
  if (is_post(r)) return http_reply::json(200, order_json(coid_of(r)));
  if (is_coid_query(r)) return http_reply::json(404, R"({"code":40410000,"message":"order not found"})");
  return http_reply::json(404, R"({"message":"not found"})");
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// 429 with Alpaca's headers, the reset `seconds_ahead` whole seconds from now (stored in `reset_s`).
http_reply rate_limited(std::atomic<int64_t>& reset_s, int64_t seconds_ahead) {
  reset_s = unix_now_ms() / 1000 + seconds_ahead;
  http_reply rep = http_reply::json(429, R"({"message":"too many requests"})");
  rep.headers = {{"X-Ratelimit-Limit", "200"}, {"X-Ratelimit-Remaining", "0"},
                 {"X-Ratelimit-Reset", std::to_string(reset_s.load())}};
  return rep;
}

class trading_rest : public ::testing::Test {
 protected:
  void start(trading_rest_client& c) {
    std::string err;
    ASSERT_TRUE(c.start(err)) << err;
    ASSERT_TRUE(poll_until(io_, [&] { return c.ready(); })) << c.last_error();
  }
  void stop(trading_rest_client& c) {
    c.stop();
    poll_for(io_, 10ms);
  }
  boost::asio::io_context io_;
  recording_sink sink_;
};

TEST_F(trading_rest, every_pool_connection_is_dialled_and_warmed_at_start) {
  scripted_server srv(accept_all);
  trading_rest_client c(io_, config_for(srv, 3), sink_);
  EXPECT_FALSE(c.ready());
  start(c);
  ASSERT_TRUE(poll_until(io_, [&] { return c.stats().warm_connections == 3; }));
  EXPECT_EQ(srv.accepted(), 3);
  const auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (auto& r : reqs) EXPECT_TRUE(testing::is_clock(r)) << r.head;
  EXPECT_EQ(c.stats().connects, 3u);
  EXPECT_EQ(c.stats().requests, 3u);
  EXPECT_EQ(c.stats().in_flight, 0u);
  stop(c);
}

TEST_F(trading_rest, request_bytes_are_exactly_as_specified) {
  scripted_server srv(accept_all);
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-bytes-1"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 1; }));
  const std::string host = "127.0.0.1:" + std::to_string(srv.port());
  const auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].raw, "GET /v2/clock HTTP/1.1\r\nHost: " + host +
                             "\r\nAPCA-API-KEY-ID: PKTESTKEY0123\r\nAPCA-API-SECRET-KEY: s3cr3t-SECRET-value-xyz"
                             "\r\nConnection: keep-alive\r\n\r\n");
  const std::string body =
      R"({"symbol":"AAPL","qty":"10","side":"buy","type":"limit","time_in_force":"day",)"
      R"("limit_price":"187.5","client_order_id":"tg-bytes-1"})";
  EXPECT_EQ(reqs[1].raw, "POST /v2/orders HTTP/1.1\r\nHost: " + host +
                             "\r\nAPCA-API-KEY-ID: PKTESTKEY0123\r\nAPCA-API-SECRET-KEY: s3cr3t-SECRET-value-xyz"
                             "\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body);
  const auto& e = sink_.events[0];
  EXPECT_EQ(e.what, K::accepted);
  EXPECT_EQ(e.cmd.coid.view(), "tg-bytes-1");
  EXPECT_EQ(e.order.coid.view(), "tg-bytes-1");
  EXPECT_EQ(e.order.id.view(), "61e69015-8549-4bfd-b9c3-01e75843f47d");
  EXPECT_EQ(e.order.status_text.view(), "accepted");
  EXPECT_EQ(c.stats().responses_2xx, 2u);
  stop(c);
}

TEST_F(trading_rest, keep_alive_many_submits_share_one_connection) {
  scripted_server srv(accept_all);
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  // One at a time, then a burst (queued behind the single connection, never pipelined).
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.submit(limit_buy("tg-seq-" + std::to_string(i)), "AAPL"));
    ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == static_cast<size_t>(i + 1); }));
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.submit(limit_buy("tg-burst-" + std::to_string(i)), "MSFT"));
  EXPECT_EQ(c.stats().in_flight, 1u);
  EXPECT_EQ(c.stats().queued, 19u);
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 30; }));
  EXPECT_EQ(sink_.count(K::accepted), 30u);
  EXPECT_EQ(srv.accepted(), 1);
  for (auto& r : srv.requests()) EXPECT_EQ(r.conn, 0);
  // Delivered in order, each with its own command.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sink_.events[static_cast<size_t>(10 + i)].cmd.coid.view(), "tg-burst-" + std::to_string(i));
  EXPECT_EQ(c.stats().reconnects, 0u);
  stop(c);
}

TEST_F(trading_rest, a_pool_spreads_concurrent_requests_over_its_connections) {
  std::atomic<int> hold{1};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r)) {
      while (hold.load() != 0) std::this_thread::sleep_for(1ms);  // both must be in flight at once
      return http_reply::json(200, order_json(coid_of(r)));
    }
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv, 2), sink_);
  start(c);
  ASSERT_TRUE(poll_until(io_, [&] { return c.stats().warm_connections == 2; }));
  ASSERT_TRUE(c.submit(limit_buy("tg-a"), "AAPL"));
  ASSERT_TRUE(c.submit(limit_buy("tg-b"), "AAPL"));
  ASSERT_TRUE(c.submit(limit_buy("tg-c"), "AAPL"));
  EXPECT_EQ(c.stats().in_flight, 2u);  // one per connection
  EXPECT_EQ(c.stats().queued, 1u);
  ASSERT_TRUE(poll_until(io_, [&] { return srv.calls().size() == 2; }));
  hold = 0;
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 3; }));
  const auto calls = srv.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_NE(calls[0].conn, calls[1].conn);
  stop(c);
}

TEST_F(trading_rest, refusals_403_and_422_reach_the_sink_with_the_brokers_code_and_message) {
  scripted_server srv([](const http_request& r) {
    if (is_post(r) && coid_of(r) == "tg-403")
      return http_reply::json(403, R"({"code":40310000,"message":"insufficient buying power"})");
    if (is_post(r) && coid_of(r) == "tg-422")
      return http_reply::json(422, R"({"code":40010001,"message":"qty must be > 0"})");
    if (is_post(r)) {  // not JSON, and text/plain: still read
      http_reply p = http_reply::json(400, "Bad Request");
      p.content_type = "text/plain";
      return p;
    }
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-403"), "AAPL"));
  ASSERT_TRUE(c.submit(limit_buy("tg-422"), "AAPL"));
  ASSERT_TRUE(c.submit(limit_buy("tg-400"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 3; }));
  EXPECT_EQ(sink_.events[0].what, K::rejected);
  EXPECT_EQ(sink_.events[0].status, 403u);
  EXPECT_EQ(sink_.events[0].err.code, 40310000);
  EXPECT_EQ(sink_.events[0].err.message.view(), "insufficient buying power");
  EXPECT_EQ(sink_.events[1].status, 422u);
  EXPECT_EQ(sink_.events[1].err.code, 40010001);
  EXPECT_EQ(sink_.events[1].err.message.view(), "qty must be > 0");
  EXPECT_EQ(sink_.events[2].status, 400u);
  EXPECT_EQ(sink_.events[2].err.code, 0);
  EXPECT_EQ(sink_.events[2].err.message.view(), "HTTP 400: Bad Request");
  poll_for(io_, 30ms);
  EXPECT_EQ(srv.calls().size(), 3u);  // no retries of a refusal
  const auto s = c.stats();
  EXPECT_EQ(s.status_403, 1u);
  EXPECT_EQ(s.status_422, 1u);
  EXPECT_EQ(s.responses_4xx, 3u);
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.coid_queries, 0u);
  stop(c);
}

TEST_F(trading_rest, a_5xx_post_is_looked_up_then_resent_and_accepted) {
  std::atomic<int> posts{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r)) {
      if (posts.fetch_add(1) == 0) return http_reply::json(503, R"({"message":"service unavailable"})");
      return http_reply::json(200, order_json(coid_of(r)));
    }
    return accept_all(r);  // the query: 404
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-5xx"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  EXPECT_EQ(sink_.events[0].what, K::accepted);
  const auto calls = srv.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_TRUE(is_post(calls[0]));
  EXPECT_TRUE(is_coid_query(calls[1]));
  EXPECT_EQ(query_coid(calls[1]), "tg-5xx");
  EXPECT_TRUE(is_post(calls[2]));
  EXPECT_EQ(calls[2].body, calls[0].body);
  const auto s = c.stats();
  EXPECT_EQ(s.responses_5xx, 1u);
  EXPECT_EQ(s.coid_queries, 1u);
  EXPECT_EQ(s.resends_after_404, 1u);
  EXPECT_EQ(s.retries, 1u);
  stop(c);
}

TEST_F(trading_rest, get_and_delete_retry_on_5xx) {
  std::atomic<int> gets{0}, deletes{0};
  scripted_server srv([&](const http_request& r) {
    if (r.method == "GET" && r.target == "/v2/account")
      return gets.fetch_add(1) < 2 ? http_reply::json(500, "{}") : http_reply::json(200, R"({"id":"acct"})");
    if (r.method == "DELETE")
      return deletes.fetch_add(1) == 0 ? http_reply::json(502, "") : http_reply::json(204, "");
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  unsigned status = 1;
  std::string body;
  c.get("/v2/account", [&](unsigned s, std::string_view b) {
    status = s;
    body = b;
  });
  ASSERT_TRUE(c.cancel(limit_buy("tg-c"), "0b1c2d3e-0000-4000-8000-000000000001"));
  ASSERT_TRUE(poll_until(io_, [&] { return status != 1 && sink_.events.size() == 1; }));
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(body, R"({"id":"acct"})");
  EXPECT_EQ(gets.load(), 3);
  EXPECT_EQ(sink_.events[0].what, K::cancel);
  EXPECT_EQ(sink_.events[0].status, 204u);
  EXPECT_EQ(deletes.load(), 2);
  EXPECT_EQ(c.stats().retries, 3u);
  stop(c);
}

TEST_F(trading_rest, get_gives_up_after_max_retries) {
  scripted_server srv([](const http_request& r) {
    if (r.target == "/v2/positions") return http_reply::json(503, "{}");
    return accept_all(r);
  });
  auto cfg = config_for(srv);
  cfg.max_retries = 2;
  trading_rest_client c(io_, cfg, sink_);
  start(c);
  unsigned status = 1;
  std::string body;
  c.get("/v2/positions", [&](unsigned s, std::string_view b) {
    status = s;
    body = b;
  });
  ASSERT_TRUE(poll_until(io_, [&] { return status != 1; }));
  EXPECT_EQ(status, 0u);
  EXPECT_NE(body.find("retries"), std::string::npos) << body;
  EXPECT_EQ(srv.calls().size(), 3u);  // the first try and two retries
  EXPECT_EQ(c.stats().gave_up, 1u);
  stop(c);
}

TEST_F(trading_rest, lost_post_found_by_client_order_id_is_accepted_without_a_second_post) {
  scripted_server srv([](const http_request& r) {
    if (is_post(r)) return http_reply::silent();  // reads it, never answers
    if (is_coid_query(r)) return http_reply::json(200, order_json(query_coid(r), "found-id-1"));
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-lost-1"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  ASSERT_EQ(sink_.events[0].what, K::accepted);
  EXPECT_EQ(sink_.events[0].order.id.view(), "found-id-1");
  EXPECT_EQ(sink_.events[0].order.coid.view(), "tg-lost-1");
  poll_for(io_, 50ms);
  EXPECT_EQ(srv.count(is_post), 1u);
  EXPECT_EQ(srv.count(is_coid_query), 1u);
  const auto s = c.stats();
  EXPECT_EQ(s.lost_responses, 1u);
  EXPECT_EQ(s.coid_queries, 1u);
  EXPECT_EQ(s.resends_after_404, 0u);
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_GE(srv.accepted(), 2);  // the silent connection was dropped and re-dialled
  stop(c);
}

TEST_F(trading_rest, lost_post_unknown_to_the_broker_is_resent_exactly_once) {
  std::atomic<int> posts{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r)) {
      if (posts.fetch_add(1) == 0) return http_reply::drop();  // read, then the connection dies
      return http_reply::json(200, order_json(coid_of(r)));
    }
    return accept_all(r);  // the query: 404
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-lost-2"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  EXPECT_EQ(sink_.events[0].what, K::accepted);
  poll_for(io_, 50ms);
  const auto calls = srv.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_TRUE(is_post(calls[0]));
  EXPECT_TRUE(is_coid_query(calls[1]));
  EXPECT_TRUE(is_post(calls[2]));
  const auto s = c.stats();
  EXPECT_EQ(s.lost_responses, 1u);
  EXPECT_EQ(s.resends_after_404, 1u);
  EXPECT_EQ(s.retries, 1u);
  stop(c);
}

TEST_F(trading_rest, duplicate_client_order_id_after_a_resend_is_resolved_by_the_query) {
  std::atomic<int> posts{0}, queries{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r)) {
      if (posts.fetch_add(1) == 0) return http_reply::silent();
      return http_reply::json(422, R"({"code":40010001,"message":"client_order_id must be unique"})");
    }
    if (is_coid_query(r)) {
      // First look: not there yet (the broker was slow); second: there.
      if (queries.fetch_add(1) == 0) return http_reply::json(404, R"({"message":"order not found"})");
      return http_reply::json(200, order_json(query_coid(r), "late-id"));
    }
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-dup"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  ASSERT_EQ(sink_.events[0].what, K::accepted);
  EXPECT_EQ(sink_.events[0].order.id.view(), "late-id");
  EXPECT_EQ(posts.load(), 2);
  EXPECT_EQ(queries.load(), 2);
  stop(c);
}

TEST_F(trading_rest, lost_posts_give_up_after_max_retries_and_never_exceed_them) {
  scripted_server srv([](const http_request& r) {
    if (is_post(r)) return http_reply::drop();
    return accept_all(r);  // the query: 404
  });
  auto cfg = config_for(srv);
  cfg.max_retries = 2;
  trading_rest_client c(io_, cfg, sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-never"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  EXPECT_EQ(sink_.events[0].what, K::rejected);
  EXPECT_EQ(sink_.events[0].status, 0u);
  EXPECT_NE(sink_.events[0].err.message.view().find("never got"), std::string_view::npos)
      << sink_.events[0].err.message.view();
  EXPECT_EQ(srv.count(is_post), 3u);  // the first and two resends, each after a 404 query
  EXPECT_EQ(srv.count(is_coid_query), 3u);
  stop(c);
}

TEST_F(trading_rest, rate_limited_429_pauses_every_request_until_the_reset) {
  std::atomic<int> posts{0};
  std::atomic<int64_t> reset_s{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r) && posts.fetch_add(1) == 0) return rate_limited(reset_s, 1);
    if (r.target == "/v2/account") return http_reply::json(200, "{}");
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv, 2), sink_);
  start(c);
  ASSERT_TRUE(poll_until(io_, [&] { return c.stats().warm_connections == 2; }));
  ASSERT_TRUE(c.submit(limit_buy("tg-429"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return c.stats().status_429 == 1; }));
  // During the pause a GET waits too, although a connection is idle.
  unsigned st = 1;
  c.get("/v2/account", [&](unsigned s, std::string_view) { st = s; });
  ASSERT_TRUE(poll_until(io_, [&] { return st != 1 && !sink_.events.empty(); }));
  EXPECT_EQ(st, 200u);
  EXPECT_EQ(sink_.events[0].what, K::accepted);
  const auto calls = srv.calls();
  ASSERT_EQ(calls.size(), 3u);
  // Nothing was sent before X-Ratelimit-Reset (the server's clock is the client's here).
  for (size_t i = 1; i < calls.size(); ++i)
    EXPECT_GE(calls[i].at_unix_ms, reset_s.load() * 1000 - 2) << calls[i].head;
  const auto s = c.stats();
  EXPECT_GE(s.rate_limit_waits, 2u);
  EXPECT_GT(s.last_reset_wait_ms, 0);
  EXPECT_LE(s.last_reset_wait_ms, 1000 + 1000);
  EXPECT_EQ(s.retries, 1u);
  stop(c);
}

TEST_F(trading_rest, client_budget_queues_requests_instead_of_sending_them) {
  scripted_server srv(accept_all);
  auto cfg = config_for(srv);
  cfg.rate_limit_per_minute = 6;  // the warm-up counts: room for five orders
  trading_rest_client c(io_, cfg, sink_);
  start(c);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(c.submit(limit_buy("tg-budget-" + std::to_string(i)), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 5; }));
  poll_for(io_, 200ms);
  EXPECT_EQ(sink_.events.size(), 5u);
  EXPECT_EQ(srv.count(is_post), 5u);  // the sixth waits in the queue
  const auto s = c.stats();
  EXPECT_EQ(s.queued, 1u);
  EXPECT_GE(s.budget_waits, 1u);
  c.stop();
  poll_for(io_, 10ms);
  ASSERT_EQ(sink_.events.size(), 6u);
  EXPECT_EQ(sink_.events[5].what, K::rejected);
  EXPECT_EQ(sink_.events[5].status, 0u);
  EXPECT_EQ(sink_.events[5].cmd.coid.view(), "tg-budget-5");
  EXPECT_EQ(srv.count(is_post), 5u);
}

TEST_F(trading_rest, a_full_queue_refuses_submits) {
  scripted_server srv([](const http_request& r) {
    if (is_post(r)) return http_reply::silent();
    return accept_all(r);
  });
  auto cfg = config_for(srv);
  cfg.queue_capacity = 2;
  cfg.request_timeout = 10s;
  trading_rest_client c(io_, cfg, sink_);
  start(c);
  EXPECT_TRUE(c.submit(limit_buy("tg-q1"), "AAPL"));  // in flight
  EXPECT_TRUE(c.submit(limit_buy("tg-q2"), "AAPL"));  // queued
  EXPECT_TRUE(c.submit(limit_buy("tg-q3"), "AAPL"));  // queued
  EXPECT_FALSE(c.submit(limit_buy("tg-q4"), "AAPL"));
  EXPECT_FALSE(c.cancel(limit_buy("tg-q4"), "some-id"));
  EXPECT_EQ(c.stats().queue_full, 2u);
  EXPECT_TRUE(sink_.events.empty());  // refused submits get no callback: false says it
  c.stop();
  poll_for(io_, 10ms);
  EXPECT_EQ(sink_.events.size(), 3u);
  for (auto& e : sink_.events) EXPECT_EQ(e.status, 0u);
  EXPECT_FALSE(c.submit(limit_buy("tg-q5"), "AAPL"));  // stopped
}

TEST_F(trading_rest, invalid_submits_are_refused_up_front) {
  scripted_server srv(accept_all);
  trading_rest_client c(io_, config_for(srv), sink_);
  EXPECT_FALSE(c.submit(limit_buy("tg-early"), "AAPL"));  // not started
  start(c);
  auto bad = limit_buy("tg-bad");
  bad.limit_px = price{};
  EXPECT_FALSE(c.submit(bad, "AAPL"));  // a limit order without a limit price
  EXPECT_FALSE(c.submit(limit_buy("tg-x"), ""));
  EXPECT_FALSE(c.submit(limit_buy("tg-x"), "A-SYMBOL-TOO-LONG"));
  auto cancel_cmd = limit_buy("tg-x");
  cancel_cmd.kind = order_command_kind::cancel;
  EXPECT_FALSE(c.submit(cancel_cmd, "AAPL"));
  EXPECT_FALSE(c.cancel(cancel_cmd, "a/../b"));
  EXPECT_FALSE(c.cancel(cancel_cmd, ""));
  poll_for(io_, 20ms);
  EXPECT_TRUE(srv.calls().empty());
  EXPECT_TRUE(sink_.events.empty());
  stop(c);
}

TEST_F(trading_rest, connection_close_from_the_server_is_redialled) {
  std::atomic<int> posts{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r)) {
      http_reply rep = http_reply::json(200, order_json(coid_of(r)));
      rep.close_after = posts.fetch_add(1) == 0;  // the first answer says Connection: close
      return rep;
    }
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.submit(limit_buy("tg-close-1"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 1; }));
  EXPECT_EQ(sink_.events[0].what, K::accepted);  // the closing answer is still delivered
  ASSERT_TRUE(poll_until(io_, [&] { return c.ready() && srv.accepted() == 2; }));
  ASSERT_TRUE(c.submit(limit_buy("tg-close-2"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 2; }));
  EXPECT_EQ(sink_.events[1].what, K::accepted);
  const auto posts_seen = srv.calls();
  ASSERT_EQ(posts_seen.size(), 2u);
  EXPECT_EQ(posts_seen[0].conn, 0);
  EXPECT_EQ(posts_seen[1].conn, 1);
  EXPECT_GE(c.stats().server_closes, 1u);
  EXPECT_EQ(c.stats().reconnects, 1u);
  stop(c);
}

TEST_F(trading_rest, an_idle_connection_the_server_drops_is_redialled_in_the_background) {
  scripted_server srv(accept_all);
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  srv.close_all();
  ASSERT_TRUE(poll_until(io_, [&] { return srv.accepted() == 2 && c.ready(); }));
  ASSERT_TRUE(c.submit(limit_buy("tg-after-drop"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 1; }));
  EXPECT_EQ(sink_.events[0].what, K::accepted);
  EXPECT_EQ(c.stats().lost_responses, 0u);
  EXPECT_EQ(c.stats().coid_queries, 0u);
  EXPECT_EQ(srv.calls()[0].conn, 1);
  stop(c);
}

TEST_F(trading_rest, a_server_that_closes_after_every_warm_up_is_not_redialled_in_a_tight_loop) {
  scripted_server srv([](const http_request& r) {
    http_reply rep = testing::is_clock(r) ? http_reply::json(200, testing::clock_json()) : accept_all(r);
    rep.close_after = true;
    return rep;
  });
  srv.script_clock_ = true;
  auto cfg = config_for(srv);
  cfg.retry_base = 50ms;
  cfg.retry_max = 100ms;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.start(err)) << err;
  // It does keep trying (waited for, however slow the machine) ...
  ASSERT_TRUE(poll_until(io_, [&] { return srv.accepted() >= 3; }, 30'000ms));
  const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  // ... with a backoff: every re-dial waits at least 10 ms (a tight loop would be thousands).
  EXPECT_LE(srv.accepted(), 2 + waited_ms / 10) << "after " << waited_ms << " ms";
  EXPECT_FALSE(c.ready());  // a connection that closes is never counted warm
  stop(c);
}

TEST_F(trading_rest, a_submit_held_past_its_maximum_age_is_never_sent_and_the_sink_is_told) {
  // The first POST gets 429 with a reset 2 s ahead: every request pauses. The order (decided
  // now) may wait 300 ms at most, so it must be dropped unsent, not resent when the pause ends.
  std::atomic<int> posts{0};
  std::atomic<int64_t> reset_s{0};
  scripted_server srv([&](const http_request& r) {
    if (is_post(r) && posts.fetch_add(1) == 0) return rate_limited(reset_s, 2);
    return accept_all(r);
  });
  auto cfg = config_for(srv);
  cfg.max_limit_order_age = 300ms;
  cfg.max_order_age = 10'000ms;  // the limit order's own bound applies, not this one
  trading_rest_client c(io_, cfg, sink_);
  start(c);
  order_command cmd = limit_buy("tg-stale-1");
  cmd.created_at.ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_TRUE(c.submit(cmd, "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].what, K::stale);
  EXPECT_EQ(sink_.events[0].cmd.coid.view(), "tg-stale-1");
  EXPECT_GT(sink_.events[0].status, 300u);  // the age it had reached, in ms
  EXPECT_EQ(c.stats().stale_orders, 1u);
  EXPECT_EQ(c.stats().queued, 0u);
  // Past the reset, the pool is usable again, and the stale order still never went out.
  ASSERT_TRUE(poll_until(io_, [&] { return unix_now_ms() > reset_s.load() * 1000 + 50; }));
  ASSERT_TRUE(c.submit(limit_buy("tg-fresh-1"), "AAPL"));  // created_at 0: no age bound
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 2; }));
  EXPECT_EQ(sink_.events[1].what, K::accepted);
  EXPECT_EQ(srv.count([](const http_request& r) { return is_post(r) && coid_of(r) == "tg-stale-1"; }), 1u);
  EXPECT_EQ(srv.count([](const http_request& r) { return is_post(r) && coid_of(r) == "tg-fresh-1"; }), 1u);
  stop(c);
}

TEST_F(trading_rest, a_market_order_waiting_for_a_connection_expires_at_its_own_bound) {
  // Nothing listens: the submit waits for a connection. Market orders use max_order_age.
  uint16_t port = 0;
  {
    scripted_server probe(accept_all);
    port = probe.port();
  }
  scripted_server other(accept_all);
  auto cfg = config_for(other);
  cfg.base_url = "http://127.0.0.1:" + std::to_string(port);
  cfg.max_order_age = 200ms;
  cfg.max_limit_order_age = 60'000ms;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  order_command market = limit_buy("tg-mkt-stale");
  market.type = order_type::market;
  market.limit_px = price{};
  market.created_at.ns = now_ns;
  order_command limit = limit_buy("tg-lmt-waits");
  limit.created_at.ns = now_ns;
  ASSERT_TRUE(c.submit(market, "AAPL"));
  ASSERT_TRUE(c.submit(limit, "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return !sink_.events.empty(); }));
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].what, K::stale);
  EXPECT_EQ(sink_.events[0].cmd.coid.view(), "tg-mkt-stale");
  EXPECT_EQ(c.stats().queued, 1u);  // the limit order still waits (its bound is a minute)
  stop(c);
  ASSERT_EQ(sink_.events.size(), 2u);
  EXPECT_EQ(sink_.events[1].what, K::rejected);  // stopped: gave up, not stale
  EXPECT_EQ(sink_.events[1].cmd.coid.view(), "tg-lmt-waits");
}

TEST_F(trading_rest, a_negative_maximum_order_age_is_refused_at_start) {
  scripted_server srv(accept_all);
  auto cfg = config_for(srv);
  cfg.max_order_age = -1ms;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  EXPECT_FALSE(c.start(err));
  EXPECT_NE(err.find("max_order_age"), std::string::npos) << err;
}

TEST_F(trading_rest, requests_wait_while_no_connection_is_up) {
  // Nothing listens at first: the submit waits in the queue; the pool keeps re-dialling.
  uint16_t port = 0;
  {
    scripted_server probe(accept_all);
    port = probe.port();
  }
  scripted_server other(accept_all);
  auto cfg = config_for(other);
  cfg.base_url = "http://127.0.0.1:" + std::to_string(port);
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(c.submit(limit_buy("tg-wait"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return c.stats().connect_failures >= 2; }));
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(c.stats().queued, 1u);
  EXPECT_NE(c.last_error().find("connect"), std::string::npos) << c.last_error();
  EXPECT_TRUE(sink_.events.empty());
  stop(c);
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].status, 0u);
}

TEST_F(trading_rest, cancel_results) {
  scripted_server srv([](const http_request& r) {
    if (r.method == "DELETE" && r.target == "/v2/orders/id-204") return http_reply::json(204, "");
    if (r.method == "DELETE" && r.target == "/v2/orders/id-422")
      return http_reply::json(422, R"({"code":42210000,"message":"order is not cancelable"})");
    if (r.method == "DELETE") return http_reply::json(404, R"({"code":40410000,"message":"order not found"})");
    return accept_all(r);
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  ASSERT_TRUE(c.cancel(limit_buy("tg-c1"), "id-204"));
  ASSERT_TRUE(c.cancel(limit_buy("tg-c2"), "id-422"));
  ASSERT_TRUE(c.cancel(limit_buy("tg-c3"), "id-unknown"));
  ASSERT_TRUE(poll_until(io_, [&] { return sink_.events.size() == 3; }));
  EXPECT_EQ(sink_.events[0].what, K::cancel);
  EXPECT_EQ(sink_.events[0].status, 204u);
  EXPECT_EQ(sink_.events[0].cmd.coid.view(), "tg-c1");
  EXPECT_EQ(sink_.events[1].status, 422u);
  EXPECT_EQ(sink_.events[1].err.code, 42210000);
  EXPECT_EQ(sink_.events[1].err.message.view(), "order is not cancelable");
  EXPECT_EQ(sink_.events[2].status, 404u);
  const auto calls = srv.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].raw.rfind("DELETE /v2/orders/id-204 HTTP/1.1\r\n", 0), 0u);
  EXPECT_TRUE(calls[0].body.empty());
  EXPECT_TRUE(calls[0].header("Content-Length").empty());
  stop(c);
}

TEST_F(trading_rest, get_delivers_status_and_body) {
  scripted_server srv([](const http_request& r) {
    if (r.target == "/v2/account") {
      http_reply p = http_reply::json(200, R"({"id":"a","cash":"1.5"})");
      p.content_type = "text/plain";  // read as JSON whatever the type
      return p;
    }
    return http_reply::json(404, R"({"message":"not found"})");
  });
  trading_rest_client c(io_, config_for(srv), sink_);
  start(c);
  std::vector<std::pair<unsigned, std::string>> got;
  c.get("/v2/account", [&](unsigned s, std::string_view b) { got.emplace_back(s, std::string(b)); });
  c.get("/v2/nothing", [&](unsigned s, std::string_view b) { got.emplace_back(s, std::string(b)); });
  c.get("/v2/bad target", [&](unsigned s, std::string_view b) { got.emplace_back(s, std::string(b)); });
  c.get("/v2/x\r\nEvil: 1", [&](unsigned s, std::string_view b) { got.emplace_back(s, std::string(b)); });
  ASSERT_TRUE(poll_until(io_, [&] { return got.size() == 4; }));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0].first, 0u);
  EXPECT_EQ(got[1].first, 0u);
  EXPECT_EQ(got[2], (std::pair<unsigned, std::string>{200, R"({"id":"a","cash":"1.5"})"}));
  EXPECT_EQ(got[3].first, 404u);
  EXPECT_EQ(srv.calls().size(), 2u);
  stop(c);
}

TEST_F(trading_rest, the_sink_may_submit_again_from_its_callback) {
  scripted_server srv(accept_all);
  struct chaining_sink final : trading_rest_sink {
    trading_rest_client* c = nullptr;
    int accepted = 0;
    void on_submit_accepted(const order_command& cmd, const order_view&) noexcept override {
      ++accepted;
      if (accepted < 5) {
        auto next = cmd;
        next.coid.assign("tg-chain-" + std::to_string(accepted));
        (void)c->submit(next, "AAPL");
      }
    }
    void on_submit_rejected(const order_command&, unsigned, const api_error_view&) noexcept override {}
    void on_cancel_result(const order_command&, unsigned, const api_error_view&) noexcept override {}
  } chain;
  trading_rest_client c(io_, config_for(srv), chain);
  chain.c = &c;
  std::string err;
  ASSERT_TRUE(c.start(err));
  ASSERT_TRUE(poll_until(io_, [&] { return c.ready(); }));
  ASSERT_TRUE(c.submit(limit_buy("tg-chain-0"), "AAPL"));
  ASSERT_TRUE(poll_until(io_, [&] { return chain.accepted == 5; }));
  EXPECT_EQ(srv.count(is_post), 5u);
  stop(c);
}

// ----- start-up validation and secrecy ---------------------------------------------------------------

TEST(trading_rest_start, refuses_bad_configurations_without_traffic) {
  boost::asio::io_context io;
  recording_sink sink;
  struct bad_case {
    std::function<void(trading_rest_config&)> edit;
    std::string expect;
  };
  const std::vector<bad_case> cases = {
      {[](auto& c) { c.base_url = "http://paper-api.alpaca.markets"; }, "loopback"},
      {[](auto& c) { c.base_url = "http://10.1.2.3:8080"; }, "loopback"},
      {[](auto& c) { c.base_url = "ftp://127.0.0.1"; }, "https://"},
      {[](auto& c) { c.base_url = "https://h/v2"; }, "path"},
      {[](auto& c) { c.key_id.clear(); }, "credentials"},
      {[](auto& c) { c.secret.clear(); }, "credentials"},
      {[](auto& c) { c.secret = std::string(testing::test_secret) + "\r\nX-Evil: 1"; }, "CR, LF"},
      {[](auto& c) { c.key_id = "key\n"; }, "CR, LF"},
      {[](auto& c) { c.connections = 0; }, "connections"},
      {[](auto& c) { c.queue_capacity = 0; }, "queue_capacity"},
      {[](auto& c) { c.request_timeout = std::chrono::milliseconds(0); }, "positive"},
      {[](auto& c) { c.retry_max = std::chrono::milliseconds(1); }, "retry_max"},
      {[](auto& c) {
         c.base_url = "https://localhost:1";
         c.ca_file = "/nonexistent/ca.pem";
       },
       "cannot set up"},
  };
  for (const auto& bc : cases) {
    trading_rest_config cfg;
    cfg.base_url = "http://127.0.0.1:1";
    cfg.key_id = std::string(testing::test_key);
    cfg.secret = std::string(testing::test_secret);
    bc.edit(cfg);
    trading_rest_client c(io, cfg, sink);
    std::string err;
    EXPECT_FALSE(c.start(err)) << bc.expect;
    EXPECT_NE(err.find(bc.expect), std::string::npos) << err;
    EXPECT_EQ(err.find(testing::test_secret), std::string::npos) << err;
    EXPECT_FALSE(c.submit(limit_buy("tg-x"), "AAPL"));
    poll_for(io, 5ms);
    EXPECT_EQ(c.stats().requests, 0u);
    EXPECT_EQ(c.stats().connects + c.stats().connect_failures, 0u);
  }
}

TEST(trading_rest_start, the_secret_never_appears_in_a_log_line_or_an_error) {
  auto out = std::make_shared<std::ostringstream>();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out));
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  std::vector<std::string> texts;
  {
    boost::asio::io_context io;
    recording_sink sink;
    std::atomic<int> n{0};
    scripted_server srv([&](const http_request& r) {
      if (is_post(r)) {
        switch (n.fetch_add(1)) {
          case 0: return http_reply::json(403, R"({"code":40310000,"message":"insufficient buying power"})");
          case 1: return http_reply::json(200, "{not json");  // unreadable: treated as lost
          default: return http_reply::drop();
        }
      }
      if (is_coid_query(r)) return http_reply::json(500, "{}");
      return accept_all(r);
    });
    auto cfg = config_for(srv);
    cfg.max_retries = 1;
    trading_rest_client c(io, cfg, sink);
    std::string err;
    ASSERT_TRUE(c.start(err));
    ASSERT_TRUE(poll_until(io, [&] { return c.ready(); }));
    ASSERT_TRUE(c.submit(limit_buy("tg-s1"), "AAPL"));
    ASSERT_TRUE(c.submit(limit_buy("tg-s2"), "AAPL"));
    ASSERT_TRUE(poll_until(io, [&] { return sink.events.size() == 2; }));
    srv.stop();  // now every dial fails
    ASSERT_TRUE(poll_until(io, [&] { return c.stats().connect_failures >= 1; }));
    texts.push_back(c.last_error());
    c.stop();
    poll_for(io, 5ms);
    for (auto& e : sink.events) texts.emplace_back(e.err.message.view());
    // Start-up refusals mention no value either.
    trading_rest_config bad = cfg;
    bad.secret += "\n";
    trading_rest_client c2(io, bad, sink);
    std::string err2;
    EXPECT_FALSE(c2.start(err2));
    texts.push_back(err2);
  }
  logger->flush();
  spdlog::set_default_logger(previous);
  const std::string log = out->str();
  EXPECT_FALSE(log.empty());  // something was logged (the test would prove nothing otherwise)
  EXPECT_EQ(log.find(testing::test_secret), std::string::npos) << log;
  for (auto& t : texts) EXPECT_EQ(t.find(testing::test_secret), std::string::npos) << t;
}

}  // namespace
}  // namespace torghut::adapters
