// md_client against the in-process Alpaca protocol server (md_server): connect, auth, subscribe
// (JSON and msgpack), every data type decoded, subscription tracking, the error codes, backoff at
// the server's dial counter, reconnect with a gap event, ping timeout, registry and lease before
// any traffic, recording, both delivery modes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "md_client_test_util.hpp"
#include "torghut/adapters/recording.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::collecting_sink;
using testing::config_for;
using testing::run_for;
using testing::run_until;
using testing::stop_and_drain;

constexpr int64_t t0 = 1'700'000'000'123'456'789;  // nanoseconds kept through both encodings

price px(int64_t cents) { return price::from_raw(cents * 10'000'000); }
quantity qty(int64_t units) { return quantity::from_raw(units * 1'000'000'000); }

std::vector<market_event> one_of_each_kind() {
  std::vector<market_event> v;
  auto make = [&](market_event_kind k) -> market_event& {
    market_event e{};
    e.kind = k;
    e.event_time = timestamp{t0};
    v.push_back(e);
    return v.back();
  };
  {
    auto& e = make(market_event_kind::trade);
    e.u.trade = {};
    e.u.trade.id = trade_id{52983525029461};
    e.u.trade.px = px(12655);
    e.u.trade.size = qty(3);
    e.u.trade.exchange = 'K';
    e.u.trade.tape = 'C';
  }
  {
    auto& e = make(market_event_kind::quote);
    e.u.quote = {};
    e.u.quote.bid_px = px(8766);
    e.u.quote.bid_size = qty(1);
    e.u.quote.ask_px = px(8768);
    e.u.quote.ask_size = qty(4);
    e.u.quote.bid_exchange = 'U';
    e.u.quote.ask_exchange = 'Q';
    e.u.quote.tape = 'C';
  }
  for (auto k : {market_event_kind::bar, market_event_kind::daily_bar, market_event_kind::updated_bar}) {
    auto& e = make(k);
    e.event_time = timestamp{1'700'000'040'000'000'000};
    e.u.bar = {};
    e.u.bar.open = px(38898);
    e.u.bar.high = px(38913);
    e.u.bar.low = px(38897);
    e.u.bar.close = px(38912);
    e.u.bar.volume = qty(49378);
    e.u.bar.vwap = px(38906);
    e.u.bar.trade_count = 461;
  }
  {
    auto& e = make(market_event_kind::status);
    e.u.status = {};
    e.u.status.status_code.assign("H");
    e.u.status.reason_code.assign("T12");
    e.u.status.tape = 'C';
  }
  {
    auto& e = make(market_event_kind::correction);
    e.u.correction = {};
    e.u.correction.original_id = trade_id{1716};
    e.u.correction.original_px = px(3925);
    e.u.correction.original_size = qty(100);
    e.u.correction.corrected_id = trade_id{1722};
    e.u.correction.corrected_px = px(3926);
    e.u.correction.corrected_size = qty(150);
    e.u.correction.exchange = 'N';
    e.u.correction.tape = 'A';
  }
  {
    auto& e = make(market_event_kind::cancel_error);
    e.u.cancel_error = {};
    e.u.cancel_error.id = trade_id{5};
    e.u.cancel_error.px = px(100);
    e.u.cancel_error.size = qty(2);
    e.u.cancel_error.action = 'E';
    e.u.cancel_error.exchange = 'D';
    e.u.cancel_error.tape = 'C';
  }
  {
    auto& e = make(market_event_kind::luld);
    e.u.luld = {};
    e.u.luld.limit_up = px(530);
    e.u.luld.limit_down = px(444);
    e.u.luld.indicator = 'B';
    e.u.luld.tape = 'C';
  }
  {
    auto& e = make(market_event_kind::imbalance);
    e.u.imbalance = {};
    e.u.imbalance.px = px(41219);
    e.u.imbalance.tape = 'P';
  }
  return v;
}

channel_lists all_channels_star() {
  channel_lists c;
  for (size_t i = 0; i < request_channel_count; ++i) c.symbols[i] = {"*"};
  return c;
}

struct server_fixture : ::testing::Test {
  void start_server(md_server_options opt = {}) {
    server = std::make_unique<md_server>(std::move(opt));
    std::string err;
    ASSERT_TRUE(server->start(err)) << err;
  }
  void SetUp() override { start_server(); }
  void TearDown() override {
    if (client) {
      stop_and_drain(*client, io);
      client.reset();
    }
    if (server) server->stop();
  }
  md_client& make_client(md_client_config cfg) {
    client = std::make_unique<md_client>(io, std::move(cfg), symbols, sink);
    return *client;
  }
  bool wait_state(md_client_state s, std::chrono::milliseconds limit = 10'000ms) {
    return run_until(io, [&] { return client->state() == s; }, limit);
  }
  void publish_sync(const market_event& e, std::string_view sym) {
    ASSERT_TRUE(server->publish(e, sym));
    server->sync();
  }

  std::unique_ptr<md_server> server;
  boost::asio::io_context io;
  symbol_table symbols{1024};
  collecting_sink sink;
  std::unique_ptr<md_client> client;
};

// --- connect / auth / subscribe --------------------------------------------------------------

class md_client_formats : public server_fixture, public ::testing::WithParamInterface<wire_format> {};

TEST_P(md_client_formats, connects_authenticates_and_subscribes) {
  auto cfg = config_for(*server, GetParam());
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  cfg.subscriptions[subscription_channel::quotes] = {"AMD", "MSFT"};
  cfg.subscriptions[subscription_channel::bars] = {"*"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live)) << to_string(c.state()) << " " << c.failure();
  const auto subs = c.subscriptions();
  EXPECT_EQ(subs[subscription_channel::trades], (std::vector<std::string>{"AAPL"}));
  EXPECT_EQ(subs[subscription_channel::quotes], (std::vector<std::string>{"AMD", "MSFT"}));
  EXPECT_EQ(subs[subscription_channel::bars], (std::vector<std::string>{"*"}));
  EXPECT_EQ(subs[subscription_channel::corrections], (std::vector<std::string>{"AAPL"}));
  EXPECT_EQ(subs[subscription_channel::cancel_errors], (std::vector<std::string>{"AAPL"}));
  EXPECT_EQ(server->authenticated_connections(md_default_key), 1u);
  const auto s = c.stats();
  EXPECT_EQ(s.dials, 1u);
  EXPECT_EQ(s.authenticated, 1u);
  EXPECT_EQ(s.subscription_replies, 1u);
  EXPECT_EQ(s.gaps, 0u);
}

TEST_P(md_client_formats, every_data_type_arrives_decoded) {
  auto cfg = config_for(*server, GetParam());
  cfg.subscriptions = all_channels_star();
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live)) << c.failure();
  const auto evs = one_of_each_kind();
  for (const auto& e : evs) ASSERT_TRUE(server->publish(e, "AAPL"));
  server->sync();
  ASSERT_TRUE(run_until(io, [&] { return sink.events.size() >= evs.size(); })) << sink.events.size();
  ASSERT_EQ(sink.events.size(), evs.size());
  const symbol_id aapl = symbols.find("AAPL");
  ASSERT_TRUE(aapl.valid());
  for (size_t i = 0; i < evs.size(); ++i) {
    const auto& got = sink.events[i];
    EXPECT_EQ(got.kind, evs[i].kind) << i;
    EXPECT_EQ(got.symbol, aapl) << i;
    EXPECT_EQ(got.event_time.ns, evs[i].event_time.ns) << i;
    EXPECT_GT(got.recv_time.ns, 0) << i;
  }
  const auto* t = sink.first(market_event_kind::trade);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->u.trade.id.value, 52983525029461);
  EXPECT_EQ(t->u.trade.px.raw, px(12655).raw);
  EXPECT_EQ(t->u.trade.size.raw, qty(3).raw);
  const auto* q = sink.first(market_event_kind::quote);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->u.quote.ask_px.raw, px(8768).raw);
  EXPECT_EQ(q->u.quote.ask_size.raw, qty(4).raw);
  const auto* b = sink.first(market_event_kind::updated_bar);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->u.bar.volume.raw, qty(49378).raw);
  EXPECT_EQ(b->u.bar.trade_count, 461u);
  const auto* st = sink.first(market_event_kind::status);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->u.status.status_code.view(), "H");
  const auto* co = sink.first(market_event_kind::correction);
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(co->u.correction.corrected_size.raw, qty(150).raw);
  const auto* ce = sink.first(market_event_kind::cancel_error);
  ASSERT_NE(ce, nullptr);
  EXPECT_EQ(ce->u.cancel_error.action, 'E');
  const auto* l = sink.first(market_event_kind::luld);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->u.luld.limit_down.raw, px(444).raw);
  const auto* im = sink.first(market_event_kind::imbalance);
  ASSERT_NE(im, nullptr);
  EXPECT_EQ(im->u.imbalance.px.raw, px(41219).raw);

  const auto s = c.stats();
  EXPECT_EQ(s.events, evs.size());
  EXPECT_EQ(s.decode_errors, 0u);
  // Lag applies to 7 of the 10 kinds (not the three bar kinds); t0 is in 2023, so lag is large.
  EXPECT_EQ(s.lag.samples, 7u);
  EXPECT_GT(s.lag.max_ns, 0);
}

INSTANTIATE_TEST_SUITE_P(wire, md_client_formats, ::testing::Values(wire_format::json, wire_format::msgpack),
                         [](const ::testing::TestParamInfo<wire_format>& p) { return std::string(to_string(p.param)); });

TEST_F(server_fixture, header_auth_needs_no_auth_message) {
  auto cfg = config_for(*server);
  cfg.auth = md_auth_mode::headers;
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live)) << c.failure();
  EXPECT_EQ(server->stats().auth_ok, 1u);
}

TEST_F(server_fixture, tracks_additive_subscribe_and_unsubscribe_from_the_replies) {
  auto cfg = config_for(*server);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  channel_lists add;
  add[subscription_channel::trades] = {"MSFT"};
  add[subscription_channel::quotes] = {"*"};
  c.subscribe(add);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().subscription_replies == 2 && c.state() == md_client_state::live; }));
  auto subs = c.subscriptions();
  EXPECT_EQ(subs[subscription_channel::trades], (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(subs[subscription_channel::quotes], (std::vector<std::string>{"*"}));
  channel_lists rem;
  rem[subscription_channel::trades] = {"AAPL"};
  rem[subscription_channel::quotes] = {"*"};
  c.unsubscribe(rem);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().subscription_replies == 3 && c.state() == md_client_state::live; }));
  subs = c.subscriptions();
  EXPECT_EQ(subs[subscription_channel::trades], (std::vector<std::string>{"MSFT"}));
  EXPECT_TRUE(subs[subscription_channel::quotes].empty());
  // Data follows the server's state: AAPL trades no longer arrive, MSFT ones do.
  auto trade = one_of_each_kind()[0];
  publish_sync(trade, "AAPL");
  publish_sync(trade, "MSFT");
  ASSERT_TRUE(run_until(io, [&] { return sink.events.size() == 1; }));
  run_for(io, 30ms);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(symbols.name(sink.events[0].symbol), "MSFT");
}

TEST_F(server_fixture, symbol_limit_405_leaves_the_state_and_the_connection_alone) {
  server->stop();
  md_server_options opt;
  opt.max_symbols_per_connection = 2;
  start_server(opt);
  auto cfg = config_for(*server);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  channel_lists add;
  add[subscription_channel::quotes] = {"A", "B", "C"};
  c.subscribe(add);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().alerts == 1; }));
  ASSERT_TRUE(wait_state(md_client_state::live));
  EXPECT_TRUE(c.subscriptions()[subscription_channel::quotes].empty());
  EXPECT_EQ(c.stats().dials, 1u);
  EXPECT_EQ(c.stats().last_error_code, 405);
}

// --- error codes ---------------------------------------------------------------------------

TEST_F(server_fixture, auth_failure_402_stops_and_never_retries) {
  auto cfg = config_for(*server);
  cfg.secret = "wrong-secret";
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::failed));
  EXPECT_NE(c.failure().find("auth failed"), std::string::npos) << c.failure();
  EXPECT_EQ(c.failure().find("wrong-secret"), std::string::npos);  // never the secret
  run_for(io, 200ms);  // 20 normal backoffs' worth: no retry may happen
  EXPECT_EQ(server->dials(md_default_key), 1u);
  EXPECT_EQ(c.stats().dials, 1u);
  EXPECT_EQ(c.state(), md_client_state::failed);
}

TEST_F(server_fixture, insufficient_subscription_409_stops) {
  auto& c = make_client(config_for(*server));
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  server->inject_error(md_default_key, 409);
  ASSERT_TRUE(wait_state(md_client_state::failed));
  EXPECT_NE(c.failure().find("insufficient subscription"), std::string::npos) << c.failure();
  run_for(io, 150ms);
  EXPECT_EQ(server->dials(md_default_key), 1u);
}

TEST_F(server_fixture, codes_404_407_500_reconnect_with_backoff) {
  auto& c = make_client(config_for(*server));
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  uint64_t auths = 1;
  for (int code : {404, 407, 500}) {
    server->inject_error(md_default_key, code);
    ++auths;
    ASSERT_TRUE(run_until(io, [&] { return c.stats().authenticated == auths && c.state() == md_client_state::live; }))
        << code;
    EXPECT_EQ(c.stats().last_error_code, code);
  }
  const auto s = c.stats();
  EXPECT_EQ(s.slow_client, 1u);
  EXPECT_EQ(s.alarms, 1u);  // 407 only
  EXPECT_EQ(s.dials, 4u);
  EXPECT_EQ(server->dials(md_default_key), 4u);
}

TEST_F(server_fixture, connection_limit_406_backs_off_long_enough) {
  // A blocker holds the key's slot (outside the registry, as another process would).
  auto bcfg = config_for(*server);
  bcfg.use_registry = false;
  collecting_sink bsink;
  md_client blocker(io, bcfg, symbols, bsink);
  std::string err;
  ASSERT_TRUE(blocker.start(err)) << err;
  ASSERT_TRUE(run_until(io, [&] { return blocker.state() == md_client_state::live; }));

  auto& c = make_client(config_for(*server));
  ASSERT_TRUE(c.start(err)) << err;
  // The 406 is counted when its message is read; the client backs off once the connection has
  // closed, a handler or two later (sanitizer builds run them slowly enough to look in between).
  ASSERT_TRUE(run_until(io, [&] { return c.stats().conn_limit == 1 && c.state() == md_client_state::backing_off; }))
      << to_string(c.state()) << ", conn_limit " << c.stats().conn_limit;
  EXPECT_GE(c.stats().last_backoff_ms, 300);  // conn_limit_min
  EXPECT_LE(c.stats().last_backoff_ms, 375);
  // During the backoff nobody dials again (a tight loop would have dialed dozens of times).
  run_for(io, 150ms);
  EXPECT_EQ(server->dials(md_default_key), 2u);  // blocker + one
  blocker.stop();
  ASSERT_TRUE(wait_state(md_client_state::live)) << to_string(c.state());
  const auto times = server->dial_times_ns(md_default_key);
  ASSERT_EQ(times.size(), 3u);
  EXPECT_GE(times[2] - times[1], 300'000'000);  // the retry waited at least the floor
  EXPECT_EQ(c.stats().conn_limit, 1u);
  stop_and_drain(blocker, io);
}

// --- liveness and gaps -----------------------------------------------------------------------

TEST_F(server_fixture, reconnects_resubscribes_and_reports_a_gap_after_a_drop) {
  auto cfg = config_for(*server);
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  const auto trade = one_of_each_kind()[0];
  publish_sync(trade, "AAPL");
  ASSERT_TRUE(run_until(io, [&] { return sink.events.size() == 1; }));

  server->drop_connections(md_default_key);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().authenticated == 2 && c.state() == md_client_state::live; }));
  ASSERT_EQ(sink.count(market_event_kind::gap), 1u);
  const auto* gap = sink.first(market_event_kind::gap);
  ASSERT_NE(gap, nullptr);
  EXPECT_FALSE(gap->symbol.valid());
  EXPECT_GT(gap->u.gap.length.ns, 0);
  EXPECT_EQ(sink.events.back().kind, market_event_kind::gap);  // before any new data
  EXPECT_EQ(c.subscriptions()[subscription_channel::trades], (std::vector<std::string>{"AAPL"}));

  publish_sync(trade, "AAPL");  // the re-subscription is in force at the server
  ASSERT_TRUE(run_until(io, [&] { return sink.count(market_event_kind::trade) == 2; }));
  EXPECT_EQ(c.stats().reconnects, 1u);
  EXPECT_EQ(c.stats().gaps, 1u);
}

TEST_F(server_fixture, missing_pong_drops_and_reconnects) {
  auto cfg = config_for(*server);
  cfg.ping_interval = 30ms;
  cfg.pong_timeout = 60ms;
  cfg.subscriptions[subscription_channel::quotes] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  ASSERT_TRUE(run_until(io, [&] { return c.stats().pongs >= 2; }));  // pings are answered
  EXPECT_EQ(c.stats().pong_timeouts, 0u);
  server->silence_connections(md_default_key);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().pong_timeouts >= 1; }));
  ASSERT_TRUE(run_until(io, [&] { return c.stats().disconnects >= 1; }));
  // Like Alpaca, the server still holds the silent connection's slot, so the first redial may
  // get 406; the server notices the dead connection later (here: told to drop it).
  server->drop_connections(md_default_key);
  ASSERT_TRUE(run_until(io, [&] { return c.stats().authenticated >= 2 && c.state() == md_client_state::live; }));
  EXPECT_EQ(sink.count(market_event_kind::gap), 1u);
}

// --- registry, lease: refusals before any traffic --------------------------------------------

TEST_F(server_fixture, registry_refuses_a_second_client_before_any_traffic) {
  auto& c = make_client(config_for(*server));
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  const auto accepted = server->stats().tcp_accepted;
  collecting_sink other_sink;
  md_client second(io, config_for(*server), symbols, other_sink);
  EXPECT_FALSE(second.start(err));
  EXPECT_NE(err.find("already has a market-data connection"), std::string::npos) << err;
  EXPECT_EQ(second.state(), md_client_state::failed);
  run_for(io, 50ms);
  EXPECT_EQ(server->stats().tcp_accepted, accepted);
  EXPECT_EQ(server->dials(md_default_key), 1u);
}

TEST_F(server_fixture, a_held_lease_means_no_dial) {
  const auto dir = (std::filesystem::temp_directory_path() / ("torghut-mdc-" + std::to_string(::getpid()))).string();
  auto cfg = config_for(*server);
  cfg.lease = lease_config{lease_kind::file, dir, ""};
  collecting_sink s1;
  md_client first(io, cfg, symbols, s1);
  // The same slot, but pretend to be another process: skip the in-process registry.
  std::string err;
  {
    stream_slot slot = first.slot();
    auto held = stream_lease::acquire(cfg.lease, slot, err);
    ASSERT_TRUE(held) << err;
    EXPECT_FALSE(first.start(err));
    EXPECT_NE(err.find("held by another process"), std::string::npos) << err;
    EXPECT_NE(err.find("pid=" + std::to_string(::getpid())), std::string::npos) << err;
    run_for(io, 30ms);
    EXPECT_EQ(server->stats().tcp_accepted, 0u);
  }
  // Released: a fresh client gets it (and the registry slot the failed one gave back).
  auto& c = make_client(cfg);
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  std::filesystem::remove_all(dir);
}

TEST_F(server_fixture, missing_credentials_are_refused_without_traffic) {
  auto cfg = config_for(*server);
  cfg.secret.clear();
  auto& c = make_client(cfg);
  std::string err;
  EXPECT_FALSE(c.start(err));
  EXPECT_NE(err.find("APCA_API_SECRET_KEY"), std::string::npos);
  EXPECT_EQ(server->stats().tcp_accepted, 0u);
}

// --- recording and the two delivery modes ----------------------------------------------------

TEST_F(server_fixture, records_every_frame_with_its_receive_time) {
  const auto path = (std::filesystem::temp_directory_path() / ("torghut-mdc-rec-" + std::to_string(::getpid()) + ".rec")).string();
  std::filesystem::remove(path);
  auto cfg = config_for(*server);
  cfg.record_path = path;
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  auto& c = make_client(cfg);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(wait_state(md_client_state::live));
  publish_sync(one_of_each_kind()[0], "AAPL");
  ASSERT_TRUE(run_until(io, [&] { return sink.events.size() == 1; }));
  const uint64_t frames = c.stats().frames;
  stop_and_drain(c, io);
  EXPECT_EQ(c.stats().frames_recorded, frames);
  recording_reader r;
  ASSERT_TRUE(r.open(path)) << r.error();
  std::vector<std::string> lines;
  r.for_each([&](const recording_entry& e) { lines.emplace_back(e.frame); });
  ASSERT_EQ(lines.size(), frames);  // greeting, authenticated, subscription, one data frame
  EXPECT_NE(lines.front().find("connected"), std::string::npos);
  EXPECT_NE(lines.back().find("\"T\":\"t\""), std::string::npos);
  std::filesystem::remove(path);
}

TEST_F(server_fixture, io_thread_mode_delivers_through_the_spsc_mailbox) {
  mailbox<market_event> mb(1024);
  mailbox_event_sink msink(mb);
  auto cfg = config_for(*server);
  cfg.subscriptions[subscription_channel::trades] = {"*"};
  md_client c(io, cfg, symbols, msink);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  auto guard = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  auto wait = [&](auto pred) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!pred() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
    return pred();
  };
  EXPECT_TRUE(wait([&] { return c.state() == md_client_state::live; }));
  auto trade = one_of_each_kind()[0];
  for (int i = 0; i < 100; ++i) {
    trade.u.trade.id = trade_id{i};
    ASSERT_TRUE(server->publish(trade, "AAPL"));
  }
  std::vector<int64_t> ids;
  EXPECT_TRUE(wait([&] {
    market_event e;
    while (mb.pop(e)) ids.push_back(e.u.trade.id.value);
    return ids.size() >= 100;
  }));
  ASSERT_EQ(ids.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ids[static_cast<size_t>(i)], i);  // in order
  EXPECT_EQ(msink.dropped(), 0u);
  c.stop();
  guard.reset();
  io_thread.join();
  EXPECT_EQ(c.state(), md_client_state::stopped);
}

TEST(mailbox_event_sink, a_full_mailbox_drops_and_then_owes_a_gap) {
  mailbox<market_event> mb(2);
  mailbox_event_sink s(mb);
  market_event e{};
  e.kind = market_event_kind::trade;
  for (int i = 0; i < 10; ++i) {
    e.recv_time = timestamp{1000 + i};
    s.on_market_event(e);
  }
  EXPECT_GT(s.dropped(), 0u);
  market_event out;
  size_t n = 0;
  while (mb.pop(out)) ++n;
  e.recv_time = timestamp{5000};
  s.on_market_event(e);
  ASSERT_TRUE(mb.pop(out));
  EXPECT_EQ(out.kind, market_event_kind::gap);
  EXPECT_GT(out.u.gap.length.ns, 0);
  ASSERT_TRUE(mb.pop(out));
  EXPECT_EQ(out.kind, market_event_kind::trade);
  EXPECT_GT(n, 0u);
}

}  // namespace
}  // namespace torghut::adapters
