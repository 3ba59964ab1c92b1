// Conformance of md_server to docs/alpaca-protocol.md, driven by a plain Beast client.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_server.hpp"
#include "ws_test_client.hpp"

namespace torghut::test_md {
namespace {

using adapters::control_type;
using adapters::md_server;
using adapters::md_server_options;
using adapters::subscription_channel;
using adapters::wire_format;

constexpr std::string_view key1 = adapters::md_default_key;
constexpr std::string_view secret1 = adapters::md_default_secret;
constexpr std::string_view key2 = "second-key";
constexpr std::string_view secret2 = "second-secret";

md_server_options test_options() {
  md_server_options o;
  o.credentials.push_back({std::string(key2), std::string(secret2)});
  o.auth_timeout = 5s;
  o.idle_timeout = 0ms;
  o.slow_client_grace = 5s;
  return o;
}

struct running_server {
  md_server srv;
  uint16_t port = 0;
  explicit running_server(md_server_options o = test_options()) : srv(std::move(o)) {
    std::string err;
    const bool ok = srv.start(err);
    EXPECT_TRUE(ok) << err;
    port = srv.port();
  }
};

template <class Pred>
bool wait_until(Pred p, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::string auth_msg(wire_format f, std::string_view key, std::string_view secret) {
  std::string s;
  adapters::encode_auth(f, key, secret, s);
  return s;
}

std::string sub_msg(wire_format f, bool subscribe,
                    std::initializer_list<std::pair<subscription_channel, std::vector<std::string>>> chans) {
  adapters::channel_lists l;
  for (const auto& [c, syms] : chans) l[c] = syms;
  std::string s;
  adapters::encode_subscribe(f, subscribe, l, s);
  return s;
}

bool is_success(const std::optional<decoded_frame>& f, std::string_view msg) {
  return f && f->controls.size() == 1 && f->events.empty() && f->controls[0].type == control_type::success &&
         f->controls[0].msg == msg;
}
bool is_error(const std::optional<decoded_frame>& f, int code) {
  return f && f->controls.size() == 1 && f->events.empty() && f->controls[0].type == control_type::error &&
         f->controls[0].code == code;
}
const control_copy* subscription_of(const std::optional<decoded_frame>& f) {
  if (!f || f->controls.size() != 1 || f->controls[0].type != control_type::subscription) return nullptr;
  return &f->controls[0];
}

/// Connects, reads the greeting, authenticates with the message form.
template <class Client>
void connect_and_auth(Client& c, uint16_t port, const std::string& path = "/v2/iex", std::string_view key = key1,
                      std::string_view secret = secret1, bool msgpack = false) {
  std::map<std::string, std::string> h;
  if (msgpack) h["Content-Type"] = "application/msgpack";
  ASSERT_TRUE(c.connect(port, path, h));
  ASSERT_TRUE(is_success(c.read(), "connected"));
  ASSERT_TRUE(c.send(auth_msg(c.format(), key, secret)));
  ASSERT_TRUE(is_success(c.read(), "authenticated"));
}

market_event make_event(market_event_kind k, int64_t t_ns) {
  market_event e;
  e.kind = k;
  e.event_time = timestamp{t_ns};
  e.recv_time = timestamp{t_ns + 1000};
  return e;
}
market_event trade(int64_t id, int64_t px_cents, int64_t size, int64_t t_ns) {
  market_event e = make_event(market_event_kind::trade, t_ns);
  e.u.trade = trade_payload{trade_id{id}, price::from_raw(px_cents * 10'000'000), quantity::from_raw(size * 1'000'000'000),
                            {}, 0, 'V', 'C'};
  return e;
}
market_event quote(int64_t bid_cents, int64_t ask_cents, int64_t t_ns) {
  market_event e = make_event(market_event_kind::quote, t_ns);
  e.u.quote = quote_payload{price::from_raw(bid_cents * 10'000'000), quantity::from_raw(100'000'000'000),
                            price::from_raw(ask_cents * 10'000'000), quantity::from_raw(200'000'000'000), 'V', 'V', 'C'};
  return e;
}
market_event status(std::string_view code, int64_t t_ns) {
  market_event e = make_event(market_event_kind::status, t_ns);
  e.u.status = status_payload{};
  e.u.status.status_code.assign(code);
  e.u.status.reason_code.assign("X");
  e.u.status.tape = 'C';
  return e;
}
constexpr int64_t t0 = 1'709'562'600'123'456'789LL;  // 2024-03-04T14:30:00.123456789Z

// ---------------------------------------------------------------------------------------------

TEST(md_server_protocol, greets_then_authenticates_with_the_auth_message) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex"));
  auto g = c.read();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->raw, R"([{"T":"success","msg":"connected"}])");
  EXPECT_FALSE(g->binary);
  ASSERT_TRUE(c.send(auth_msg(wire_format::json, key1, secret1)));
  auto a = c.read();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->raw, R"([{"T":"success","msg":"authenticated"}])");
  EXPECT_EQ(s.srv.stats().auth_ok, 1u);
  EXPECT_EQ(s.srv.authenticated_connections(key1), 1u);
}

TEST(md_server_protocol, authenticates_with_upgrade_headers) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/sip",
                        {{"APCA-API-KEY-ID", std::string(key1)}, {"APCA-API-SECRET-KEY", std::string(secret1)}}));
  EXPECT_TRUE(is_success(c.read(), "connected"));
  EXPECT_TRUE(is_success(c.read(), "authenticated"));
  EXPECT_EQ(s.srv.dials(key1), 1u);
}

TEST(md_server_protocol, accepts_auth_sent_before_the_greeting_is_read) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex"));
  ASSERT_TRUE(c.send(auth_msg(wire_format::json, key1, secret1)));
  EXPECT_TRUE(is_success(c.read(), "connected"));
  EXPECT_TRUE(is_success(c.read(), "authenticated"));
}

TEST(md_server_protocol, wrong_secret_gets_402_and_a_close) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex"));
  EXPECT_TRUE(is_success(c.read(), "connected"));
  ASSERT_TRUE(c.send(auth_msg(wire_format::json, key1, "wrong")));
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(c.read_until_closed(frames));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].raw, R"([{"T":"error","code":402,"msg":"auth failed"}])");
  EXPECT_EQ(c.last_error(), websocket::error::closed);
  EXPECT_EQ(s.srv.stats().auth_failed, 1u);
  EXPECT_EQ(s.srv.stats().errors(402), 1u);
}

TEST(md_server_protocol, wrong_header_credentials_get_402) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex",
                        {{"APCA-API-KEY-ID", "nobody"}, {"APCA-API-SECRET-KEY", "nothing"}}));
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(c.read_until_closed(frames));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(is_success(frames[0], "connected"));
  EXPECT_TRUE(is_error(frames[1], 402));
}

TEST(md_server_protocol, no_auth_within_the_timeout_gets_404_and_a_close) {
  auto o = test_options();
  o.auth_timeout = 150ms;
  running_server s(o);
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex"));
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(c.read_until_closed(frames));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(is_success(frames[0], "connected"));
  EXPECT_EQ(frames[1].raw, R"([{"T":"error","code":404,"msg":"auth timeout"}])");
  EXPECT_EQ(s.srv.stats().auth_timeouts, 1u);
}

TEST(md_server_protocol, subscribe_before_auth_gets_401_and_the_connection_stays) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/iex"));
  EXPECT_TRUE(is_success(c.read(), "connected"));
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL"}}})));
  auto e = c.read();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->raw, R"([{"T":"error","code":401,"msg":"not authenticated"}])");
  ASSERT_TRUE(c.send(auth_msg(wire_format::json, key1, secret1)));
  EXPECT_TRUE(is_success(c.read(), "authenticated"));
}

TEST(md_server_protocol, second_auth_gets_403) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.send(auth_msg(wire_format::json, key1, secret1)));
  auto e = c.read();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->raw, R"([{"T":"error","code":403,"msg":"already authenticated"}])");
}

TEST(md_server_protocol, malformed_actions_get_400_and_the_connection_stays) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  for (const char* bad : {"not json", R"({"action":"dance"})", R"([1,2])", R"({"action":"subscribe","trades":"AAPL"})"}) {
    ASSERT_TRUE(c.send(bad));
    auto e = c.read();
    EXPECT_TRUE(is_error(e, 400)) << bad << " -> " << (e ? e->raw : "nothing");
  }
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL"}}})));
  EXPECT_NE(subscription_of(c.read()), nullptr);
  EXPECT_EQ(s.srv.stats().errors(400), 4u);
  EXPECT_EQ(s.srv.stats().active_connections, 1u);
}

TEST(md_server_protocol, subscription_replies_carry_the_whole_state_with_every_key) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true,
                             {{subscription_channel::trades, {"AAPL"}},
                              {subscription_channel::quotes, {"AMD"}},
                              {subscription_channel::bars, {"*"}}})));
  auto r = c.read();
  const control_copy* sub = subscription_of(r);
  ASSERT_NE(sub, nullptr) << (r ? r->raw : "");
  for (const char* k : {"\"trades\":", "\"quotes\":", "\"bars\":", "\"updatedBars\":", "\"dailyBars\":",
                        "\"statuses\":", "\"lulds\":", "\"corrections\":", "\"cancelErrors\":"})
    EXPECT_NE(r->raw.find(k), std::string::npos) << k << " missing in " << r->raw;
  EXPECT_EQ(sub->list(subscription_channel::trades), std::vector<std::string>{"AAPL"});
  EXPECT_EQ(sub->list(subscription_channel::quotes), std::vector<std::string>{"AMD"});
  EXPECT_EQ(sub->list(subscription_channel::bars), std::vector<std::string>{"*"});
  EXPECT_EQ(sub->list(subscription_channel::corrections), std::vector<std::string>{"AAPL"});
  EXPECT_EQ(sub->list(subscription_channel::cancel_errors), std::vector<std::string>{"AAPL"});
  EXPECT_TRUE(sub->list(subscription_channel::statuses).empty());

  // Additive, then removal; the reply is always the whole state.
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"MSFT"}}})));
  sub = subscription_of(r = c.read());
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->list(subscription_channel::trades), (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(sub->list(subscription_channel::quotes), std::vector<std::string>{"AMD"});
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, false,
                             {{subscription_channel::trades, {"AAPL"}}, {subscription_channel::quotes, {"AMD"}}})));
  sub = subscription_of(r = c.read());
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->list(subscription_channel::trades), std::vector<std::string>{"MSFT"});
  EXPECT_TRUE(sub->list(subscription_channel::quotes).empty());
  EXPECT_EQ(sub->list(subscription_channel::bars), std::vector<std::string>{"*"});
  EXPECT_EQ(sub->list(subscription_channel::cancel_errors), std::vector<std::string>{"MSFT"});
}

TEST(md_server_protocol, symbol_limit_gets_405_and_leaves_the_state_unchanged) {
  auto o = test_options();
  o.max_symbols_per_connection = 2;
  running_server s(o);
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL", "MSFT"}}})));
  ASSERT_NE(subscription_of(c.read()), nullptr);
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::quotes, {"AMD"}}})));
  EXPECT_TRUE(is_error(c.read(), 405));
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, false, {{subscription_channel::trades, {"MSFT"}}})));
  const auto r = c.read();
  const control_copy* sub = subscription_of(r);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->list(subscription_channel::trades), std::vector<std::string>{"AAPL"});
  EXPECT_TRUE(sub->list(subscription_channel::quotes).empty());
}

TEST(md_server_publish, a_polled_drain_delivers_without_the_publisher_posting) {
  md_server_options o = test_options();
  o.drain_interval = std::chrono::microseconds(200);  // the relay's mode: publishers only enqueue
  running_server s(o);
  ws_client a;
  connect_and_auth(a, s.port, "/v2/iex", key1, secret1);
  ASSERT_TRUE(a.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL"}}})));
  ASSERT_NE(subscription_of(a.read()), nullptr);
  std::thread publisher([&] {
    for (int64_t i = 0; i < 50; ++i) EXPECT_TRUE(s.srv.try_publish(trade(i + 1, 18'512, 100, t0 + i), "AAPL"));
  });
  publisher.join();
  std::vector<decoded_frame> f;
  ASSERT_TRUE(a.read_events(50, f));
  size_t n = 0;
  for (const auto& fr : f) n += fr.events.size();
  EXPECT_EQ(n, 50u);
  EXPECT_EQ(f.front().events.front().u.trade.id.value, 1);
  EXPECT_TRUE(wait_until([&] { return s.srv.stats().events_drained == 50; }));
}

TEST(md_server_publish, events_from_another_thread_reach_only_subscribed_clients) {
  running_server s;
  ws_client a;  // trades AAPL (+ corrections, cancel errors), statuses *
  ws_client b;  // quotes *, statuses *
  connect_and_auth(a, s.port, "/v2/iex", key1, secret1);
  connect_and_auth(b, s.port, "/v2/iex", key2, secret2);
  ASSERT_TRUE(a.send(sub_msg(wire_format::json, true,
                             {{subscription_channel::trades, {"AAPL"}}, {subscription_channel::statuses, {"*"}}})));
  ASSERT_NE(subscription_of(a.read()), nullptr);
  ASSERT_TRUE(b.send(sub_msg(wire_format::json, true,
                             {{subscription_channel::quotes, {"*"}}, {subscription_channel::statuses, {"*"}}})));
  ASSERT_NE(subscription_of(b.read()), nullptr);

  std::thread publisher([&] {
    EXPECT_TRUE(s.srv.publish(trade(1, 18'512, 100, t0), "AAPL"));
    EXPECT_TRUE(s.srv.publish(trade(2, 40'010, 5, t0 + 1), "MSFT"));
    EXPECT_TRUE(s.srv.publish(quote(18'500, 18'510, t0 + 2), "AAPL"));
    EXPECT_TRUE(s.srv.publish(quote(40'000, 40'020, t0 + 3), "MSFT"));
    market_event corr = make_event(market_event_kind::correction, t0 + 4);
    corr.u.correction = correction_payload{trade_id{1}, price::from_raw(185'120'000'000), quantity::from_raw(100'000'000'000),
                                           trade_id{3}, price::from_raw(185'130'000'000), quantity::from_raw(100'000'000'000),
                                           'V', 'C'};
    EXPECT_TRUE(s.srv.publish(corr, "AAPL"));
    market_event cx = make_event(market_event_kind::cancel_error, t0 + 5);
    cx.u.cancel_error = cancel_error_payload{trade_id{3}, price::from_raw(185'130'000'000),
                                             quantity::from_raw(100'000'000'000), 'C', 'V', 'C'};
    EXPECT_TRUE(s.srv.publish(cx, "AAPL"));
    market_event gap = make_event(market_event_kind::gap, t0 + 6);  // engine-internal: never sent
    EXPECT_TRUE(s.srv.publish(gap, "AAPL"));
    EXPECT_TRUE(s.srv.publish(status("H", t0 + 7), "ZZZZ"));  // sentinel: both subscribe statuses *
  });
  publisher.join();

  std::vector<decoded_frame> fa, fb;
  ASSERT_TRUE(a.read_events(4, fa));
  ASSERT_TRUE(b.read_events(3, fb));
  std::vector<std::pair<market_event_kind, std::string>> got_a, got_b;
  for (const auto& f : fa)
    for (size_t i = 0; i < f.events.size(); ++i) got_a.emplace_back(f.events[i].kind, f.symbols[i]);
  for (const auto& f : fb)
    for (size_t i = 0; i < f.events.size(); ++i) got_b.emplace_back(f.events[i].kind, f.symbols[i]);
  using K = market_event_kind;
  EXPECT_EQ(got_a, (std::vector<std::pair<K, std::string>>{
                       {K::trade, "AAPL"}, {K::correction, "AAPL"}, {K::cancel_error, "AAPL"}, {K::status, "ZZZZ"}}));
  EXPECT_EQ(got_b, (std::vector<std::pair<K, std::string>>{
                       {K::quote, "AAPL"}, {K::quote, "MSFT"}, {K::status, "ZZZZ"}}));
  // The trade arrived exactly (fixed point and nanoseconds survive the wire).
  ASSERT_FALSE(fa.empty());
  const market_event& t = fa[0].events[0];
  EXPECT_EQ(t.u.trade.id.value, 1);
  EXPECT_EQ(t.u.trade.px.raw, 185'120'000'000);
  EXPECT_EQ(t.u.trade.size.raw, 100'000'000'000);
  EXPECT_EQ(t.event_time.ns, t0);
  EXPECT_EQ(s.srv.stats().events_published, 8u);
  EXPECT_EQ(s.srv.stats().messages_sent, 7u);
}

TEST(md_server_publish, fakepaca_flows_on_the_test_feed_only) {
  running_server s;
  ws_client t;
  ws_client i;
  connect_and_auth(t, s.port, "/v2/test");
  connect_and_auth(i, s.port, "/v2/iex");  // same key, other path: allowed
  for (ws_client* c : {&t, &i}) {
    ASSERT_TRUE(c->send(sub_msg(wire_format::json, true,
                                {{subscription_channel::trades, {"*"}}, {subscription_channel::statuses, {"*"}}})));
    ASSERT_NE(subscription_of(c->read()), nullptr);
  }
  s.srv.publish(trade(1, 10'000, 1, t0), "AAPL");
  s.srv.publish(trade(2, 2'000, 1, t0 + 1), "FAKEPACA");
  s.srv.publish(status("T", t0 + 2), "AAPL");
  s.srv.publish(status("T", t0 + 3), "FAKEPACA");
  std::vector<decoded_frame> ft, fi;
  ASSERT_TRUE(t.read_events(2, ft));
  ASSERT_TRUE(i.read_events(2, fi));
  std::vector<std::string> st, si;
  for (const auto& f : ft) st.insert(st.end(), f.symbols.begin(), f.symbols.end());
  for (const auto& f : fi) si.insert(si.end(), f.symbols.begin(), f.symbols.end());
  EXPECT_EQ(st, (std::vector<std::string>{"FAKEPACA", "FAKEPACA"}));
  EXPECT_EQ(si, (std::vector<std::string>{"AAPL", "AAPL"}));
}

TEST(md_server_publish, batches_never_mix_control_and_data_and_respect_max_batch) {
  auto o = test_options();
  o.max_batch = 5;
  running_server s(o);
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::quotes, {"*"}}})));
  ASSERT_NE(subscription_of(c.read()), nullptr);
  // Publish in the background while the client keeps changing its subscription, so control
  // replies are produced in the middle of the data.
  constexpr int n = 2000;
  std::thread publisher([&] {
    for (int k = 0; k < n; ++k)
      while (!s.srv.try_publish(quote(10'000 + k, 10'001 + k, t0 + k), k % 2 ? "AAA" : "BBB")) std::this_thread::yield();
  });
  for (int k = 0; k < 20; ++k)
    ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"T" + std::to_string(k)}}})));
  publisher.join();
  size_t data = 0, controls = 0;
  while (data < static_cast<size_t>(n) || controls < 20) {
    auto f = c.read();
    ASSERT_TRUE(f) << "after " << data << " events, " << controls << " controls";
    if (!f->controls.empty()) {
      EXPECT_EQ(f->controls.size(), 1u);
      EXPECT_TRUE(f->events.empty()) << f->raw;
      ++controls;
    } else {
      EXPECT_GE(f->events.size(), 1u);
      EXPECT_LE(f->events.size(), 5u);
      data += f->events.size();
    }
    EXPECT_TRUE(f->result.ok()) << f->raw;
  }
  EXPECT_EQ(data, static_cast<size_t>(n));
  EXPECT_EQ(controls, 20u);
}

TEST(md_server_msgpack, a_msgpack_session_works_end_to_end) {
  running_server s;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port, "/v2/sip", {{"Content-Type", "application/msgpack"}}));
  auto g = c.read();
  ASSERT_TRUE(is_success(g, "connected"));
  EXPECT_TRUE(g->binary);
  EXPECT_EQ(static_cast<unsigned char>(g->raw[0]), 0x91u);  // fixarray of one map
  ASSERT_TRUE(c.send(auth_msg(wire_format::msgpack, key1, secret1)));
  EXPECT_TRUE(is_success(c.read(), "authenticated"));
  ASSERT_TRUE(c.send(sub_msg(wire_format::msgpack, true, {{subscription_channel::trades, {"AAPL"}}})));
  const auto r = c.read();
  const control_copy* sub = subscription_of(r);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->list(subscription_channel::corrections), std::vector<std::string>{"AAPL"});
  ASSERT_TRUE(c.send("\x81\xa6" "action"));  // truncated msgpack map: 400, in msgpack
  const auto bad = c.read();
  EXPECT_TRUE(is_error(bad, 400));
  s.srv.publish(trade(77, 18'512, 300, t0), "AAPL");
  std::vector<decoded_frame> f;
  ASSERT_TRUE(c.read_events(1, f));
  const decoded_frame& d = f.back();
  EXPECT_TRUE(d.binary);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.symbols[0], "AAPL");
  EXPECT_EQ(d.events[0].u.trade.id.value, 77);
  EXPECT_EQ(d.events[0].u.trade.px.raw, 185'120'000'000);
  EXPECT_EQ(d.events[0].u.trade.size.raw, 300'000'000'000);
  EXPECT_EQ(d.events[0].event_time.ns, t0);  // nanoseconds via the timestamp extension
}

TEST(md_server_limits, second_connection_with_the_same_key_and_path_gets_406) {
  running_server s;
  ws_client a;
  connect_and_auth(a, s.port, "/v2/iex");
  ws_client b;
  ASSERT_TRUE(b.connect(s.port, "/v2/iex"));
  EXPECT_TRUE(is_success(b.read(), "connected"));
  ASSERT_TRUE(b.send(auth_msg(wire_format::json, key1, secret1)));
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(b.read_until_closed(frames));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].raw, R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
  EXPECT_EQ(s.srv.stats().connection_limit, 1u);
  EXPECT_EQ(s.srv.dials(key1), 2u);
  // Another path is a separate slot; a clean close frees the slot at once.
  ws_client other;
  connect_and_auth(other, s.port, "/v2/sip");
  ASSERT_TRUE(a.close());
  ASSERT_TRUE(wait_until([&] { return s.srv.authenticated_connections(key1) == 1; }));
  ws_client again;
  connect_and_auth(again, s.port, "/v2/iex");
}

TEST(md_server_limits, an_unclean_drop_holds_the_slot_when_configured) {
  auto o = test_options();
  o.slot_hold_after_drop = 60s;
  running_server s(o);
  ws_client a;
  connect_and_auth(a, s.port);
  s.srv.drop_connections(key1);
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(a.read_until_closed(frames));
  EXPECT_NE(a.last_error(), websocket::error::closed);  // no close handshake
  EXPECT_TRUE(wait_until([&] { return s.srv.stats().unclean_drops == 1; }));
  ws_client b;
  ASSERT_TRUE(b.connect(s.port, "/v2/iex"));
  EXPECT_TRUE(is_success(b.read(), "connected"));
  ASSERT_TRUE(b.send(auth_msg(wire_format::json, key1, secret1)));
  EXPECT_TRUE(is_error(b.read(), 406));
  s.srv.release_held_slots();
  ws_client c;
  connect_and_auth(c, s.port);
}

TEST(md_server_limits, a_client_that_stops_reading_gets_407_and_is_dropped) {
  auto o = test_options();
  o.max_queued_bytes = 256 * 1024;
  o.max_batch = 100;
  running_server s(o);
  ws_client slow;
  connect_and_auth(slow, s.port);
  ASSERT_TRUE(slow.send(sub_msg(wire_format::json, true, {{subscription_channel::quotes, {"*"}}})));
  ASSERT_NE(subscription_of(slow.read()), nullptr);
  // `slow` stops reading. Publish until the server gives up on it; publish() must never block.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::thread publisher([&] {
    int64_t k = 0;
    while (!stop.load()) {
      if (s.srv.try_publish(quote(10'000, 10'001, t0 + k), "SPAM")) ++k, sent.fetch_add(1);
      else std::this_thread::yield();
      if (k % 256 == 0) std::this_thread::yield();
    }
  });
  const bool got_drop = wait_until([&] { return s.srv.stats().slow_client_drops == 1; }, 20s);
  stop.store(true);
  publisher.join();
  ASSERT_TRUE(got_drop);
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(slow.read_until_closed(frames, 10s));
  ASSERT_FALSE(frames.empty());
  EXPECT_TRUE(is_error(frames.back(), 407)) << frames.back().raw.substr(0, 200);
  EXPECT_EQ(s.srv.stats().errors(407), 1u);
  EXPECT_GT(sent.load(), 0u);
}

TEST(md_server_liveness, client_pings_are_answered) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.ping());
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL"}}})));
  ASSERT_NE(subscription_of(c.read()), nullptr);  // the pong comes first, processed during the read
  EXPECT_EQ(c.pongs(), 1);
  EXPECT_TRUE(wait_until([&] { return s.srv.stats().pings_received == 1; }));
}

TEST(md_server_liveness, the_server_pings_an_idle_client) {
  auto o = test_options();
  o.idle_timeout = 400ms;
  running_server s(o);
  ws_client c;
  connect_and_auth(c, s.port);
  ASSERT_TRUE(c.send(sub_msg(wire_format::json, true, {{subscription_channel::trades, {"AAPL"}}})));
  ASSERT_NE(subscription_of(c.read()), nullptr);
  // While our read waits, the server pings; the client answers; then data still flows.
  bool published = false;
  auto f = c.read_polling([&] {
    if (!published && s.srv.stats().pongs_received >= 1) {
      published = true;
      s.srv.publish(trade(5, 100, 1, t0), "AAPL");
    }
  });
  ASSERT_TRUE(f);
  EXPECT_GE(c.pings(), 1);
  EXPECT_EQ(f->events.size(), 1u);
}

TEST(md_server_faults, a_silenced_connection_stops_answering_pings) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  s.srv.silence_connections(key1);
  s.srv.sync();
  ASSERT_TRUE(c.ping());
  EXPECT_FALSE(c.read(300ms));  // nothing: no pong, no data
  EXPECT_TRUE(c.timed_out());
  EXPECT_EQ(c.pongs(), 0);
}

TEST(md_server_faults, injected_error_is_sent_and_the_connection_closed) {
  running_server s;
  ws_client c;
  connect_and_auth(c, s.port);
  s.srv.inject_error(key1, 500);
  std::vector<decoded_frame> frames;
  ASSERT_TRUE(c.read_until_closed(frames));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].raw, R"([{"T":"error","code":500,"msg":"internal error"}])");
}

TEST(md_server_http, unknown_paths_and_plain_requests_get_404_and_handlers_can_answer) {
  auto o = test_options();
  o.on_http = [](const adapters::http_request_info& r) -> std::optional<adapters::http_reply> {
    if (r.method == "GET" && r.target == "/v2/clock") return adapters::http_reply{200, "application/json", {}, R"({"is_open":true})"};
    return std::nullopt;
  };
  running_server s(o);
  ws_client c;
  EXPECT_FALSE(c.connect(s.port, "/v2/bogus"));
  EXPECT_EQ(c.http_status(), 404u);
  EXPECT_EQ(http_get(s.port, "/"), 404u);
  std::string body;
  EXPECT_EQ(http_get(s.port, "/v2/clock", &body), 200u);
  EXPECT_EQ(body, R"({"is_open":true})");
  EXPECT_EQ(s.srv.stats().http_not_found, 2u);
}

// --- TLS ---------------------------------------------------------------------------------------

bool write_self_signed(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (pkey == nullptr) return false;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, pkey, EVP_sha256());
  bool ok = false;
  if (FILE* f = std::fopen(cert_path.c_str(), "w")) {
    ok = PEM_write_X509(f, x) == 1;
    std::fclose(f);
  }
  if (FILE* f = std::fopen(key_path.c_str(), "w")) {
    ok = ok && PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
  }
  X509_free(x);
  EVP_PKEY_free(pkey);
  return ok;
}

TEST(md_server_tls, wss_works_with_a_trusted_certificate_and_fails_without_it) {
  const auto dir = std::filesystem::temp_directory_path() / ("md_server_tls_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  ASSERT_TRUE(write_self_signed(cert, key));
  auto o = test_options();
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  running_server s(o);
  EXPECT_EQ(s.srv.url("test").rfind("wss://127.0.0.1:", 0), 0u);

  ssl::context trusting(ssl::context::tls_client);
  trusting.load_verify_file(cert);
  trusting.set_verify_mode(ssl::verify_peer);
  wss_client good(trusting);
  good.stream().next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  connect_and_auth(good, s.port, "/v2/test");

  ssl::context strict(ssl::context::tls_client);
  strict.set_verify_mode(ssl::verify_peer);  // no CA: the self-signed certificate is refused
  wss_client bad(strict);
  EXPECT_FALSE(bad.connect(s.port, "/v2/test"));
  EXPECT_TRUE(bad.tls_error());
  EXPECT_TRUE(wait_until([&] { return s.srv.stats().tls_handshake_failures == 1; }));
  std::filesystem::remove_all(dir);
}

TEST(md_server_lifecycle, start_fails_cleanly_on_a_port_in_use_and_stop_is_idempotent) {
  running_server a;
  auto o = test_options();
  o.port = a.port;
  md_server b(o);
  std::string err;
  EXPECT_FALSE(b.start(err));
  EXPECT_FALSE(err.empty());
  a.srv.stop();
  a.srv.stop();
  md_server_options bad = test_options();
  bad.tls_cert_file = "/nonexistent/cert.pem";
  bad.tls_key_file = "/nonexistent/key.pem";
  md_server c(bad);
  EXPECT_FALSE(c.start(err));
}

}  // namespace
}  // namespace torghut::test_md
