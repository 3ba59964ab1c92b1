// md_client against a scripted hostile server (tests/support/src/script_server.cpp): a forged
// subscription reply must not change what the client subscribes to on the next connection, and
// a server that authenticates and then sends an oversized frame must not be dialled in a tight
// loop (the backoff resets only after a healthy period).

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "torghut/test/script_server.hpp"
#include "md_client_test_util.hpp"
#include "torghut/adapters/alpaca_wire.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::collecting_sink;
using testing::run_until;
using testing::session;

constexpr std::string_view connected = R"([{"T":"success","msg":"connected"}])";
constexpr std::string_view authenticated_frame = R"([{"T":"success","msg":"authenticated"}])";

/// Greeting, auth, the client's subscribe (into `subscribe`), a reply with `reply`. False when
/// the client sent something else or the connection ended.
bool serve_until_subscribed(session& s, std::string_view reply, std::string* subscribe = nullptr) {
  std::string m;
  if (!s.send_text(connected)) return false;
  if (!s.read(m) || m.find(R"("action":"auth")") == std::string::npos) return false;
  if (!s.send_text(authenticated_frame)) return false;
  if (!s.read(m) || m.find(R"("action":"subscribe")") == std::string::npos) return false;
  if (subscribe != nullptr) *subscribe = m;
  return s.send_text(reply);
}

/// Waits (bounded) until `flag` is set or the server stops.
void wait_for(const std::atomic<bool>& flag, const session& s) {
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (!flag.load() && !s.stopping() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(1ms);
}

md_client_config hostile_config(const testing::script_server& srv) {
  md_client_config cfg;
  cfg.url = srv.url();
  cfg.key_id = "hostile-test-key";
  cfg.secret = "hostile-test-secret";
  cfg.lease.kind = lease_kind::none;
  cfg.use_registry = false;
  cfg.rng_seed = 99;
  cfg.backoff.base = 5ms;
  cfg.backoff.cap = 200ms;
  cfg.connect_timeout = 5'000ms;
  cfg.name = "hostile";
  return cfg;
}

TEST(md_client_hostile, a_forged_subscription_reply_does_not_change_what_a_reconnect_subscribes) {
  std::atomic<bool> client_saw_forgery{false};
  constexpr std::string_view honest = R"([{"T":"subscription","trades":["AAPL"],"quotes":["AAPL","MSFT"]}])";
  constexpr std::string_view forged = R"([{"T":"subscription","trades":["EVIL"],"quotes":[]}])";
  testing::script_server srv([&](session& s) {
    if (!serve_until_subscribed(s, honest)) return;
    if (s.index() == 0) {
      s.send_text(forged);  // answers nothing the client asked
      wait_for(client_saw_forgery, s);
      s.drop();
    }
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = hostile_config(srv);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  cfg.subscriptions[subscription_channel::quotes] = {"AAPL", "MSFT"};
  boost::asio::io_context io;
  symbol_table symbols{64};
  collecting_sink sink;
  md_client c(io, cfg, symbols, sink);
  ASSERT_TRUE(c.start(err)) << err;

  ASSERT_TRUE(run_until(io, [&] { return c.stats().unsolicited_replies == 1; }, 20'000ms));
  // subscriptions() reports what the server claims; the wish is unchanged.
  EXPECT_EQ(c.subscriptions()[subscription_channel::trades], (std::vector<std::string>{"EVIL"}));
  EXPECT_EQ(c.stats().subscription_disagreements, 1u);  // logged once, with the difference
  client_saw_forgery.store(true);

  ASSERT_TRUE(run_until(io, [&] { return srv.received(1).size() >= 2 && c.state() == md_client_state::live; },
                        20'000ms))
      << to_string(c.state());
  std::string want;
  encode_subscribe(wire_format::json, true, request_channels(cfg.subscriptions), want);
  EXPECT_EQ(srv.received(0).at(1), want);
  EXPECT_EQ(srv.received(1).at(1), want) << "the reconnect must subscribe exactly the configured symbols";
  EXPECT_EQ(c.subscriptions()[subscription_channel::trades], (std::vector<std::string>{"AAPL"}));
  EXPECT_EQ(c.stats().subscription_disagreements, 1u);  // the honest reply agrees: nothing new
  testing::stop_and_drain(c, io);
  srv.stop();
}

constexpr std::string_view any_reply = R"([{"T":"subscription","trades":["AAPL"]}])";

TEST(md_client_hostile, oversized_frames_after_auth_do_not_reset_the_backoff) {
  testing::script_server srv([&](session& s) {
    if (!serve_until_subscribed(s, any_reply)) return;
    s.send_text(std::string(8 * 1024, ' '));  // over the 4 KiB limit: Beast closes with 1009
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = hostile_config(srv);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  cfg.max_frame_bytes = 4 * 1024;
  cfg.backoff.healthy_after = 60'000ms;  // none of these connections is ever healthy
  boost::asio::io_context io;
  symbol_table symbols{64};
  collecting_sink sink;
  md_client c(io, cfg, symbols, sink);
  ASSERT_TRUE(c.start(err)) << err;

  constexpr uint64_t dials = 7;
  ASSERT_TRUE(run_until(io, [&] { return c.stats().dials >= dials; }, 30'000ms)) << c.stats().dials;
  const auto s = c.stats();
  EXPECT_GE(s.authenticated, dials - 1);  // each one authenticated...
  EXPECT_GE(s.oversized_frames, dials - 1);  // ...and was closed for the frame
  EXPECT_EQ(s.healthy_resets, 0u);
  // Every failure grew the backoff: after n failures the next delay is drawn from
  // [0, base * 2^(n-1)] (before, each authentication reset it to attempt 0).
  EXPECT_GE(s.backoff_attempt + 1, s.dials);
  EXPECT_LE(static_cast<uint64_t>(srv.accepted()), s.dials);  // no dial the client did not count
  testing::stop_and_drain(c, io);
  srv.stop();
}

TEST(md_client_hostile, the_backoff_resets_after_a_connection_was_healthy_for_healthy_after) {
  std::atomic<bool> healthy_long_enough{false};
  testing::script_server srv([&](session& s) {
    if (!serve_until_subscribed(s, any_reply)) return;
    if (s.index() == 3) wait_for(healthy_long_enough, s);  // the fourth connection stays up
    if (s.index() <= 3) s.send_text(std::string(8 * 1024, ' '));
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = hostile_config(srv);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  cfg.max_frame_bytes = 4 * 1024;
  cfg.backoff.healthy_after = 50ms;
  boost::asio::io_context io;
  symbol_table symbols{64};
  collecting_sink sink;
  md_client c(io, cfg, symbols, sink);
  ASSERT_TRUE(c.start(err)) << err;

  ASSERT_TRUE(run_until(io, [&] { return c.stats().dials == 4 && c.state() == md_client_state::live; }, 30'000ms));
  EXPECT_EQ(c.stats().backoff_attempt, 3u);  // three quick failures in a row
  EXPECT_EQ(c.stats().healthy_resets, 0u);
  // Stay up for more than healthy_after (a lower bound on elapsed time, not a race), then fail.
  testing::run_for(io, 120ms);
  healthy_long_enough.store(true);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().dials == 5 && c.state() == md_client_state::live; }, 30'000ms));
  const auto s = c.stats();
  EXPECT_EQ(s.healthy_resets, 1u);
  EXPECT_EQ(s.backoff_attempt, 1u);  // started again: this delay was attempt 0's
  EXPECT_EQ(s.oversized_frames, 4u);
  testing::stop_and_drain(c, io);
  srv.stop();
}

TEST(md_client_hostile, decode_errors_count_and_do_not_stop_the_connection) {
  testing::script_server srv([&](session& s) {
    if (!serve_until_subscribed(s, any_reply)) return;
    s.send_text(R"([{"T":"zz"},{"T":"t","S":"AAPL","i":1,"p":0,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  });
  std::string err;
  ASSERT_TRUE(srv.start(err)) << err;
  auto cfg = hostile_config(srv);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  boost::asio::io_context io;
  symbol_table symbols{64};
  collecting_sink sink;
  md_client c(io, cfg, symbols, sink);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io, [&] { return c.stats().decode_errors == 1 && sink.events.size() == 1; }, 20'000ms));
  // The zero-price trade is delivered (market_data audits it); only the unknown type is an error.
  EXPECT_EQ(sink.events[0].kind, market_event_kind::trade);
  EXPECT_TRUE(sink.events[0].u.trade.px.is_zero());
  EXPECT_EQ(c.stats().dials, 1u);
  testing::stop_and_drain(c, io);
  srv.stop();
}

}  // namespace
}  // namespace torghut::adapters
