// trade_stream_client against a scripted loopback WebSocket server (script_server.hpp): what the
// client sends on the wire, the auth/listen sequence, events in text and binary frames, decode
// errors, every kind of drop and its reconnect, TLS verification, the config refusals, the secret
// kept out of every text, and no allocation per event frame on the polling thread.
//
// Every test captures the log (spdlog's default logger) and checks at the end that the secret
// never appeared in it.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "torghut/test/self_signed_cert.hpp"
#include "torghut/test/script_server.hpp"
#include "torghut/adapters/trade_stream.hpp"
#include "torghut/core/fixed_point.hpp"
#include "torghut/core/rfc3339.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::script_server;
using testing::serve_auth_and_listen;
using testing::session;

constexpr std::string_view test_key = "PKTEST1";
constexpr std::string_view test_secret = "s3cr3t-Never-Log-Me";

constexpr std::string_view event_names[] = {"new", "fill", "partial_fill", "canceled", "expired",
                                            "done_for_day", "replaced", "accepted", "rejected",
                                            "pending_new", "stopped", "pending_cancel", "pending_replace",
                                            "calculated", "suspended", "order_replace_rejected",
                                            "order_cancel_rejected"};
static_assert(std::size(event_names) == trade_event_count);

/// A trade_updates frame in Alpaca's shape: decimals as strings, a timestamp with an offset.
std::string event_frame(std::string_view event, int i) {
  const std::string n = std::to_string(i);
  const std::string status = event == "fill" ? "filled" : event == "partial_fill" ? "partially_filled" : "new";
  return R"({"stream":"trade_updates","data":{"event":")" + std::string(event) + R"(","execution_id":"exec-)" + n +
         R"(","order":{"id":"61e69015-8549-4bfd-b9c3-01e75843f4)" + (i < 10 ? "0" + n : n) +
         R"(","client_order_id":"tg-)" + n +
         R"(","symbol":"AAPL","side":"buy","type":"limit","time_in_force":"day","qty":"10","filled_qty":"3",)"
         R"("filled_avg_price":"187.4900","limit_price":"187.5","status":")" +
         status +
         R"("},"timestamp":"2024-06-03T09:30:00.123456789-04:00","price":"187.49","qty":"3","position_qty":"103.5"}})";
}

struct recording_sink final : trade_stream_sink {
  std::vector<trade_update_view> updates;
  std::vector<bool> listening;
  int disconnected = 0;
  void on_trade_update(const trade_update_view& u) noexcept override { updates.push_back(u); }
  void on_listening(bool reconnect) noexcept override { listening.push_back(reconnect); }
  void on_disconnected() noexcept override { ++disconnected; }
};

/// Runs `io` until `done()` holds; false after `limit` (a liveness bound, never a speed claim).
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10'000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (io.stopped()) io.restart();
    io.run_for(5ms);
  }
  return true;
}

/// Runs `io` for `d` (to let things that must NOT happen have their chance).
void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    if (io.stopped()) io.restart();
    io.run_for(5ms);
  }
}

void stop_and_drain(trade_stream_client& c, boost::asio::io_context& io) {
  c.stop();
  run_until(io, [&] { return c.state() == trade_stream_state::stopped || c.state() == trade_stream_state::failed; });
  run_for(io, 20ms);
}

trade_stream_config config_for(const script_server& srv) {
  trade_stream_config cfg;
  cfg.url = srv.url();
  cfg.key_id = std::string(test_key);
  cfg.secret = std::string(test_secret);
  cfg.rng_seed = 12345;
  cfg.backoff.base = 10ms;
  cfg.backoff.cap = 50ms;
  cfg.connect_timeout = 5'000ms;
  cfg.auth_timeout = 5'000ms;
  cfg.name = "test";
  return cfg;
}

std::string expected_auth(trade_stream_auth a) {
  if (a == trade_stream_auth::action)
    return R"({"action":"auth","key":")" + std::string(test_key) + R"(","secret":")" + std::string(test_secret) +
           R"("})";
  return R"({"action":"authenticate","data":{"key_id":")" + std::string(test_key) + R"(","secret_key":")" +
         std::string(test_secret) + R"("}})";
}

class trade_stream : public ::testing::Test {
 protected:
  void SetUp() override {
    old_logger_ = spdlog::default_logger();
    auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(logs_));
    capture->set_level(spdlog::level::trace);
    spdlog::set_default_logger(capture);
  }
  void TearDown() override {
    spdlog::set_default_logger(old_logger_);
    const std::string text = logs_.str();
    EXPECT_EQ(text.find(test_secret), std::string::npos) << "the secret reached the log:\n" << text;
  }
  [[nodiscard]] std::string logs() const { return logs_.str(); }

  std::ostringstream logs_;
  std::shared_ptr<spdlog::logger> old_logger_;
  boost::asio::io_context io_;
  recording_sink sink_;
};

// ----- the start sequence on the wire ----------------------------------------------------------

class trade_stream_auth_form : public trade_stream, public ::testing::WithParamInterface<trade_stream_auth> {};

TEST_P(trade_stream_auth_form, sends_the_configured_auth_then_listen_and_goes_live) {
  script_server srv([](session& s) { (void)serve_auth_and_listen(s); });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = config_for(srv);
  cfg.auth = GetParam();
  trade_stream_client c(io_, cfg, sink_);
  ASSERT_TRUE(c.start(err)) << err;
  EXPECT_EQ(c.state(), trade_stream_state::connecting);
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::live; })) << to_string(c.state());

  const auto got = srv.received(0);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], expected_auth(GetParam()));
  EXPECT_EQ(got[1], R"({"action":"listen","data":{"streams":["trade_updates"]}})");
  EXPECT_EQ(sink_.listening, std::vector<bool>{false});
  EXPECT_EQ(sink_.disconnected, 0);
  const auto st = c.stats();
  EXPECT_EQ(st.state, trade_stream_state::live);
  EXPECT_EQ(st.dials, 1u);
  EXPECT_EQ(st.upgrades, 1u);
  EXPECT_EQ(st.authorized, 1u);
  EXPECT_EQ(st.listen_acks, 1u);
  EXPECT_EQ(st.binary_frames, 2u);  // the server answered in binary frames, like Alpaca's paper stream
  EXPECT_EQ(st.decode_errors, 0u);
  stop_and_drain(c, io_);
  EXPECT_EQ(c.state(), trade_stream_state::stopped);
  EXPECT_EQ(sink_.disconnected, 0);  // stop() is not a disconnect the engine must react to
}

std::string auth_name(const ::testing::TestParamInfo<trade_stream_auth>& p) { return std::string(to_string(p.param)); }
INSTANTIATE_TEST_SUITE_P(forms, trade_stream_auth_form,
                         ::testing::Values(trade_stream_auth::action, trade_stream_auth::legacy), auth_name);

TEST_F(trade_stream, text_replies_are_accepted_too) {
  script_server srv([](session& s) { (void)serve_auth_and_listen(s, false); });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::live; })) << to_string(c.state());
  EXPECT_EQ(c.stats().text_frames, 2u);
  EXPECT_EQ(c.stats().binary_frames, 0u);
  stop_and_drain(c, io_);
}

TEST_F(trade_stream, unauthorized_fails_for_good_without_a_redial) {
  script_server srv([](session& s) {
    std::string m;
    if (!s.read(m)) return;
    (void)s.send_binary(
        R"({"stream":"authorization","data":{"action":"authenticate","status":"unauthorized","message":"access key verification failed"}})");
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::failed; })) << to_string(c.state());
  EXPECT_EQ(c.failure(), "unauthorized: access key verification failed");
  run_for(io_, 300ms);  // 30x the backoff base: a retry loop would have dialed again by now
  const auto st = c.stats();
  EXPECT_EQ(st.dials, 1u);
  EXPECT_EQ(st.unauthorized, 1u);
  EXPECT_EQ(srv.accepted(), 1);
  EXPECT_EQ(srv.received(0).size(), 1u);  // the auth only: no listen after a refusal
  EXPECT_TRUE(sink_.listening.empty());
  EXPECT_EQ(sink_.disconnected, 1);
  EXPECT_EQ(c.state(), trade_stream_state::failed);
}

TEST_F(trade_stream, a_server_message_echoing_the_secret_is_redacted) {
  script_server srv([](session& s) {
    std::string m;
    if (!s.read(m)) return;
    (void)s.send_text(std::string(R"({"stream":"authorization","data":{"status":"unauthorized","message":"bad secret )") +
                      std::string(test_secret) + R"("}})");
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::failed; })) << to_string(c.state());
  EXPECT_EQ(c.failure(), "unauthorized: bad secret [redacted]");
  EXPECT_EQ(c.failure().find(test_secret), std::string::npos);
}

TEST_F(trade_stream, a_listening_reply_without_trade_updates_reconnects) {
  script_server srv([](session& s) {
    if (s.index() > 0) {
      (void)serve_auth_and_listen(s);
      return;
    }
    std::string m;
    if (!s.read(m) || !s.send_binary(testing::authorized_frame) || !s.read(m)) return;
    (void)s.send_binary(R"({"stream":"listening","data":{"streams":[]}})");
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::live; })) << to_string(c.state());
  EXPECT_EQ(c.stats().listen_refused, 1u);
  EXPECT_EQ(c.stats().dials, 2u);
  EXPECT_EQ(sink_.listening, std::vector<bool>{false});  // the first successful listen
  EXPECT_EQ(sink_.disconnected, 1);
  stop_and_drain(c, io_);
}

// ----- events ----------------------------------------------------------------------------------

TEST_F(trade_stream, all_17_events_in_text_and_binary_frames_reach_the_sink_with_their_fields) {
  script_server srv([](session& s) {
    if (!serve_auth_and_listen(s)) return;
    for (int i = 0; i < trade_event_count; ++i) {
      const std::string f = event_frame(event_names[i], i);
      if (!(i % 2 == 1 ? s.send_text(f) : s.send_binary(f))) return;
    }
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return sink_.updates.size() >= trade_event_count; })) << sink_.updates.size();
  ASSERT_EQ(sink_.updates.size(), static_cast<size_t>(trade_event_count));
  for (int i = 0; i < trade_event_count; ++i) {
    const auto& u = sink_.updates[static_cast<size_t>(i)];
    EXPECT_EQ(static_cast<int>(u.event), i) << event_names[i];
    EXPECT_EQ(to_string(u.event), event_names[i]);
    EXPECT_EQ(u.execution_id.view(), "exec-" + std::to_string(i));
    EXPECT_EQ(u.order.coid.view(), "tg-" + std::to_string(i));
    EXPECT_EQ(u.order.symbol.view(), "AAPL");
  }
  const auto& fill = sink_.updates[1];
  ASSERT_EQ(fill.event, trade_event::fill);
  EXPECT_EQ(fill.px, parse_decimal<price>("187.49"));
  EXPECT_EQ(fill.qty, parse_decimal<quantity>("3"));
  EXPECT_EQ(fill.position_qty, parse_decimal<quantity>("103.5"));
  ASSERT_TRUE(fill.time);
  EXPECT_EQ(fill.time, parse_rfc3339("2024-06-03T13:30:00.123456789Z"));  // -04:00 applied
  EXPECT_EQ(fill.order.status, order_status::filled);
  EXPECT_EQ(fill.order.order_side, side::buy);
  EXPECT_EQ(fill.order.type, order_type::limit);
  EXPECT_EQ(fill.order.limit_price, parse_decimal<price>("187.5"));
  EXPECT_EQ(fill.order.filled_qty, *parse_decimal<quantity>("3"));
  EXPECT_EQ(fill.order.filled_avg_price, parse_decimal<price>("187.49"));
  EXPECT_EQ(fill.order.qty, parse_decimal<quantity>("10"));
  EXPECT_EQ(sink_.updates[2].order.status, order_status::partially_filled);

  const auto st = c.stats();
  EXPECT_EQ(st.events, static_cast<uint64_t>(trade_event_count));
  for (int i = 0; i < trade_event_count; ++i) EXPECT_EQ(st.events_by_type[static_cast<size_t>(i)], 1u) << i;
  EXPECT_EQ(st.text_frames, 8u);         // the odd events
  EXPECT_EQ(st.binary_frames, 2u + 9u);  // authorization, listening, the even events
  EXPECT_EQ(st.frames, 19u);
  EXPECT_EQ(st.decode_errors, 0u);
  stop_and_drain(c, io_);
}

TEST_F(trade_stream, malformed_frames_are_counted_and_skipped_and_never_logged) {
  script_server srv([](session& s) {
    if (!serve_auth_and_listen(s)) return;
    (void)s.send_binary(event_frame("new", 0));
    (void)s.send_binary(R"({"stream":"trade_updates","data":{"event":"fill" MARKER-9f3e)");         // truncated JSON
    (void)s.send_text(R"({"stream":"trade_updates","data":{"event":"MARKER-9f3e","order":{}}})");  // unknown event
    (void)s.send_text("MARKER-9f3e not JSON at all");
    (void)s.send_binary(event_frame("fill", 1));
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return sink_.updates.size() >= 2; }));
  run_for(io_, 30ms);
  ASSERT_EQ(sink_.updates.size(), 2u);
  EXPECT_EQ(sink_.updates[0].event, trade_event::new_order);
  EXPECT_EQ(sink_.updates[1].event, trade_event::fill);
  const auto st = c.stats();
  EXPECT_EQ(st.decode_errors, 3u);
  EXPECT_EQ(st.events, 2u);
  EXPECT_EQ(st.dials, 1u);  // not fatal
  EXPECT_EQ(c.state(), trade_stream_state::live);
  EXPECT_NE(logs().find("does not decode"), std::string::npos) << logs();
  EXPECT_EQ(logs().find("MARKER-9f3e"), std::string::npos) << logs();
  stop_and_drain(c, io_);
}

// ----- drops and reconnects ----------------------------------------------------------------------

class trade_stream_drop : public trade_stream, public ::testing::WithParamInterface<bool> {};

TEST_P(trade_stream_drop, a_server_side_end_reconnects_reauths_relistens_and_says_reconnect) {
  const bool close_frame = GetParam();
  script_server srv([close_frame](session& s) {
    if (!serve_auth_and_listen(s)) return;
    if (!s.send_binary(event_frame(event_names[s.index()], s.index()))) return;
    if (s.index() == 0) {
      if (close_frame)
        s.close();
      else
        s.drop();
    }
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  trade_stream_client c(io_, config_for(srv), sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return sink_.updates.size() >= 2 && sink_.listening.size() >= 2; }))
      << sink_.updates.size() << " " << sink_.listening.size() << " " << to_string(c.state());
  EXPECT_EQ(sink_.listening, (std::vector<bool>{false, true}));
  EXPECT_EQ(sink_.disconnected, 1);
  EXPECT_EQ(sink_.updates[0].event, trade_event::new_order);
  EXPECT_EQ(sink_.updates[1].event, trade_event::fill);
  const auto st = c.stats();
  EXPECT_EQ(st.dials, 2u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_EQ(st.disconnects, 1u);
  EXPECT_EQ(st.authorized, 2u);
  EXPECT_EQ(c.state(), trade_stream_state::live);
  const auto again = srv.received(1);
  ASSERT_GE(again.size(), 2u);
  EXPECT_EQ(again[0], expected_auth(trade_stream_auth::action));
  EXPECT_EQ(again[1], testing::listen_action);
  stop_and_drain(c, io_);
}

std::string drop_name(const ::testing::TestParamInfo<bool>& p) { return p.param ? "close_frame" : "tcp_drop"; }
INSTANTIATE_TEST_SUITE_P(ends, trade_stream_drop, ::testing::Values(false, true), drop_name);

TEST_F(trade_stream, pong_timeout_drops_a_silent_server_and_reconnects) {
  script_server srv([](session& s) {
    if (!serve_auth_and_listen(s)) return;
    if (s.index() == 0) s.go_silent();  // no pong, ever
    // later connections are held open and answer pings
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = config_for(srv);
  cfg.ping_interval = 40ms;
  cfg.pong_timeout = 120ms;
  trade_stream_client c(io_, cfg, sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return sink_.listening.size() >= 2 && c.stats().pongs >= 1; }))
      << sink_.listening.size() << " " << to_string(c.state());
  const auto st = c.stats();
  EXPECT_GE(st.pong_timeouts, 1u);
  EXPECT_GE(st.pings_sent, 2u);
  EXPECT_EQ(st.auth_timeouts, 0u);
  EXPECT_EQ(sink_.listening, (std::vector<bool>{false, true}));
  EXPECT_EQ(sink_.disconnected, 1);
  EXPECT_EQ(c.state(), trade_stream_state::live);
  stop_and_drain(c, io_);
}

TEST_F(trade_stream, auth_timeout_drops_and_reconnects) {
  script_server srv([](session& s) {
    if (s.index() == 0) {
      std::string m;
      if (s.read(m)) s.go_silent();  // the auth arrives, no authorization reply ever
      return;
    }
    (void)serve_auth_and_listen(s);
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = config_for(srv);
  cfg.auth_timeout = 150ms;
  trade_stream_client c(io_, cfg, sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::live; })) << to_string(c.state());
  const auto st = c.stats();
  EXPECT_EQ(st.auth_timeouts, 1u);
  EXPECT_EQ(st.dials, 2u);
  EXPECT_EQ(st.pong_timeouts, 0u);
  EXPECT_EQ(srv.received(0).size(), 1u);  // just the auth
  EXPECT_EQ(srv.received(1)[0], expected_auth(trade_stream_auth::action));
  EXPECT_EQ(sink_.disconnected, 1);
  EXPECT_EQ(sink_.listening, std::vector<bool>{false});  // never listened before: not a reconnect
  stop_and_drain(c, io_);
}

TEST_F(trade_stream, a_dead_port_is_retried_with_backoff) {
  // A port nothing listens on: connect fails, the client backs off and dials again (no sink call).
  script_server srv([](session&) {});
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = config_for(srv);
  srv.stop();  // the port is now closed
  trade_stream_client c(io_, cfg, sink_);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.stats().dials >= 3; }));
  EXPECT_EQ(sink_.disconnected, 0);
  EXPECT_TRUE(sink_.listening.empty());
  EXPECT_LE(c.stats().last_backoff_ms, 50);  // within the configured cap
  stop_and_drain(c, io_);
  EXPECT_EQ(c.state(), trade_stream_state::stopped);
}

// ----- configuration refusals ------------------------------------------------------------------

TEST_F(trade_stream, start_refuses_bad_configs_without_any_traffic) {
  struct row {
    std::string url;
    bool key, secret;
    std::string expect;
  };
  const row rows[] = {
      {"ws://example.com/stream", true, true, "loopback"},
      {"ws://10.1.2.3:8080/stream", true, true, "loopback"},
      {"ws://paper-api.alpaca.markets/stream", true, true, "loopback"},
      {"http://127.0.0.1/stream", true, true, "bad trade_updates URL"},
      {"wss:///stream", true, true, "bad trade_updates URL"},
      {"ws://127.0.0.1:9/stream", false, true, "credentials"},
      {"ws://127.0.0.1:9/stream", true, false, "credentials"},
  };
  for (const row& r : rows) {
    boost::asio::io_context io;
    trade_stream_config cfg;
    cfg.url = r.url;
    if (r.key) cfg.key_id = std::string(test_key);
    if (r.secret) cfg.secret = std::string(test_secret);
    trade_stream_client c(io, cfg, sink_);
    std::string err;
    EXPECT_FALSE(c.start(err)) << r.url;
    EXPECT_NE(err.find(r.expect), std::string::npos) << r.url << ": " << err;
    EXPECT_EQ(err.find(test_secret), std::string::npos) << err;
    EXPECT_EQ(c.state(), trade_stream_state::failed) << r.url;
    EXPECT_EQ(c.failure(), err);
    EXPECT_EQ(io.poll(), 0u) << r.url << ": nothing may be scheduled";
    EXPECT_EQ(c.stats().dials, 0u);
  }
  {
    boost::asio::io_context io;
    trade_stream_config cfg;
    cfg.url = "wss://localhost:9/stream";
    cfg.key_id = std::string(test_key);
    cfg.secret = std::string(test_secret);
    cfg.ca_file = "/nonexistent/torghut-ca.pem";
    trade_stream_client c(io, cfg, sink_);
    std::string err;
    EXPECT_FALSE(c.start(err));
    EXPECT_NE(err.find("ca_file"), std::string::npos) << err;
    EXPECT_EQ(err.find(test_secret), std::string::npos) << err;
    EXPECT_EQ(io.poll(), 0u);
  }
  {
    boost::asio::io_context io;
    trade_stream_config cfg;
    cfg.url = "ws://127.0.0.1:9/stream";
    cfg.key_id = std::string(test_key);
    cfg.secret = std::string(test_secret);
    cfg.auth_timeout = 0ms;
    trade_stream_client c(io, cfg, sink_);
    std::string err;
    EXPECT_FALSE(c.start(err));
    EXPECT_NE(err.find("positive"), std::string::npos) << err;
  }
}

TEST_F(trade_stream, loopback_hosts_may_use_plain_ws_and_start_twice_is_refused) {
  for (const char* url : {"ws://127.0.0.1:9/stream", "ws://localhost:9/stream", "ws://[::1]:9/stream"}) {
    boost::asio::io_context io;
    trade_stream_config cfg;
    cfg.url = url;
    cfg.key_id = std::string(test_key);
    cfg.secret = std::string(test_secret);
    trade_stream_client c(io, cfg, sink_);
    std::string err;
    EXPECT_TRUE(c.start(err)) << url << ": " << err;
    EXPECT_FALSE(c.start(err));
    EXPECT_NE(err.find("twice"), std::string::npos) << err;
    c.stop();
    (void)io.poll();
  }
}

// ----- TLS ---------------------------------------------------------------------------------------

class trade_stream_tls : public trade_stream {
 protected:
  void SetUp() override {
    trade_stream::SetUp();
    const auto made = test::make_self_signed_cert("torghut-ts-tls-");
    if (!made) GTEST_SKIP() << "the openssl command line tool is not available";
    dir_ = made->dir;
    cert_ = made->cert;
    key_ = made->key;
    testing::script_server_options opt;
    opt.tls = true;
    opt.cert_file = cert_;
    opt.key_file = key_;
    server_ = std::make_unique<script_server>(
        [](session& s) {
          if (serve_auth_and_listen(s)) (void)s.send_binary(event_frame("fill", 1));
        },
        opt);
    std::string err;
    ASSERT_TRUE(server_->start(err)) << err;
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::filesystem::remove_all(dir_);
    trade_stream::TearDown();
  }

  std::string dir_, cert_, key_;
  std::unique_ptr<script_server> server_;
};

TEST_F(trade_stream_tls, a_self_signed_certificate_is_refused_without_ca_file) {
  auto cfg = config_for(*server_);
  cfg.url = server_->url("localhost");
  ASSERT_EQ(cfg.url.rfind("wss://localhost:", 0), 0u) << cfg.url;
  trade_stream_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == trade_stream_state::failed; })) << to_string(c.state());
  EXPECT_NE(c.failure().find("failed verification"), std::string::npos) << c.failure();
  EXPECT_NE(c.failure().find("ca_file"), std::string::npos) << c.failure();
  EXPECT_EQ(c.failure().find(test_secret), std::string::npos);
  run_for(io_, 100ms);
  EXPECT_EQ(c.stats().dials, 1u);  // no retry loop against a certificate problem
  EXPECT_EQ(c.stats().tls_failures, 1u);
  EXPECT_EQ(server_->upgraded(), 0);
  EXPECT_TRUE(server_->received(0).empty());  // the secret never left the client
  EXPECT_EQ(sink_.disconnected, 0);
}

TEST_F(trade_stream_tls, accepted_with_the_ca_file) {
  auto cfg = config_for(*server_);
  cfg.url = server_->url("localhost");
  cfg.ca_file = cert_;
  trade_stream_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return !sink_.updates.empty(); })) << to_string(c.state()) << " " << c.failure();
  EXPECT_EQ(c.state(), trade_stream_state::live);
  EXPECT_EQ(sink_.listening, std::vector<bool>{false});
  EXPECT_EQ(sink_.updates[0].event, trade_event::fill);
  EXPECT_EQ(server_->received(0)[0], expected_auth(trade_stream_auth::action));
  stop_and_drain(c, io_);
}

TEST_F(trade_stream_tls, the_host_name_is_checked) {
  // The certificate names only localhost: the same server dialed as 127.0.0.1 is refused even
  // with the CA trusted.
  auto cfg = config_for(*server_);
  cfg.ca_file = cert_;
  trade_stream_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] {
    return c.state() == trade_stream_state::failed || c.state() == trade_stream_state::backing_off;
  }));
  EXPECT_EQ(c.state(), trade_stream_state::failed) << c.failure();
  EXPECT_EQ(server_->upgraded(), 0);
}

// ----- allocations -------------------------------------------------------------------------------

struct counting_sink final : trade_stream_sink {
  uint64_t n = 0;
  uint64_t fills = 0;
  void on_trade_update(const trade_update_view& u) noexcept override {
    ++n;
    fills += u.event == trade_event::fill ? 1u : 0u;
  }
  void on_listening(bool) noexcept override {}
};

TEST_F(trade_stream, event_frames_read_on_the_polling_thread_allocate_nothing_after_warm_up) {
  constexpr int warm = 2'000;
  constexpr int counted = 20'000;
  std::atomic<bool> go{false};
  script_server srv([&go](session& s) {
    if (!serve_auth_and_listen(s)) return;
    const std::string f = event_frame("fill", 7);
    for (int i = 0; i < warm; ++i)
      if (!s.send_binary(f)) return;
    while (!go.load() && !s.stopping()) std::this_thread::sleep_for(1ms);
    const std::string t = event_frame("partial_fill", 8);
    for (int i = 0; i < counted; ++i)
      if (!(i % 2 == 0 ? s.send_binary(f) : s.send_text(t))) return;
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = config_for(srv);
  cfg.ping_interval = 60'000ms;  // no timer work inside the counted window
  counting_sink sink;
  trade_stream_client c(io_, cfg, sink);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return sink.n >= static_cast<uint64_t>(warm); }));

  const uint64_t frames_before = c.stats().frames;
  go.store(true);
  torghut::test::start_counting_allocations_on_this_thread();
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (sink.n < static_cast<uint64_t>(warm + counted) && std::chrono::steady_clock::now() < end) (void)io_.poll();
  const uint64_t allocations = torghut::test::stop_counting_allocations();

  EXPECT_EQ(sink.n, static_cast<uint64_t>(warm + counted));
  EXPECT_EQ(sink.fills, static_cast<uint64_t>(warm + counted / 2));
  EXPECT_EQ(c.stats().frames, frames_before + counted);
  EXPECT_EQ(allocations, 0u) << "heap allocations on the polling thread while reading "
                             << c.stats().frames - frames_before << " event frames";
  stop_and_drain(c, io_);
}

}  // namespace
}  // namespace torghut::adapters
