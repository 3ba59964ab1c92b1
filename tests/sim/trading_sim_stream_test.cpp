// trading_sim trade_updates stream and fill model: both auth forms, listen, events in binary
// frames, the fill model (market at the touch, partial by displayed size, limit when crossed,
// ioc/fok, stop trigger), the stream fault switches, and TLS (https + wss).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "torghut/test/self_signed_cert.hpp"
#include "sim_test_util.hpp"
#include "torghut/adapters/trading_codec.hpp"

namespace torghut::test_sim {
namespace {

using adapters::trading_sim_options;

class TradingSimStream : public sim_fixture {};

TEST_F(TradingSimStream, AuthBothFormsAndListenAck) {
  start();
  {
    stream_client ws;
    ASSERT_TRUE(ws.connect(sim_->port()));
    ASSERT_TRUE(ws.send(R"({"action":"auth","key":"torghut-test-key","secret":"torghut-test-secret"})"));
    auto f = ws.read();
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->binary);
    EXPECT_EQ(f->text, R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})");
    adapters::stream_message m;
    ASSERT_TRUE(adapters::parse_trade_update(f->text, m).ok());
    EXPECT_EQ(m.kind, adapters::stream_kind::authorization);
    EXPECT_TRUE(m.authorized);
    ASSERT_TRUE(ws.send(R"({"action":"listen","data":{"streams":["trade_updates","account_updates"]}})"));
    f = ws.read();
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->binary);
    EXPECT_EQ(f->text, R"({"stream":"listening","data":{"streams":["trade_updates"]}})");
    ASSERT_TRUE(adapters::parse_trade_update(f->text, m).ok());
    EXPECT_TRUE(m.listening_trade_updates);
    ASSERT_TRUE(ws.ping());
    // a second auth is ignored (never a second authorization frame); the ping's pong arrives
    ASSERT_TRUE(ws.send(R"({"action":"auth","key":"torghut-test-key","secret":"torghut-test-secret"})"));
    EXPECT_FALSE(ws.read(std::chrono::milliseconds(300)));
    EXPECT_EQ(ws.pongs(), 1);
  }
  {
    stream_client ws;
    ASSERT_TRUE(ws.connect(sim_->port()));
    std::string legacy;
    adapters::encode_trading_auth_legacy(adapters::md_default_key, adapters::md_default_secret, legacy);
    ASSERT_TRUE(ws.send(legacy));
    auto f = ws.read();
    ASSERT_TRUE(f);
    EXPECT_NE(f->text.find("\"authorized\""), std::string::npos);
  }
  EXPECT_EQ(sim_->stats().stream_auth_ok, 2u);
  EXPECT_EQ(sim_->stats().stream_connections, 2u);
}

TEST_F(TradingSimStream, UnauthorizedThenClose) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.connect(sim_->port()));
  ASSERT_TRUE(ws.send(R"({"action":"authenticate","data":{"key_id":"torghut-test-key","secret_key":"nope"}})"));
  auto f = ws.read();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->text, R"({"stream":"authorization","data":{"action":"authenticate","status":"unauthorized"}})");
  EXPECT_FALSE(ws.read());
  EXPECT_FALSE(ws.timed_out());
  EXPECT_EQ(ws.last_error(), websocket::error::closed);
  EXPECT_EQ(sim_->stats().stream_auth_failed, 1u);
  // listen before auth is refused too
  stream_client ws2;
  ASSERT_TRUE(ws2.connect(sim_->port()));
  ASSERT_TRUE(ws2.send(R"({"action":"listen","data":{"streams":["trade_updates"]}})"));
  f = ws2.read();
  ASSERT_TRUE(f);
  EXPECT_NE(f->text.find("unauthorized"), std::string::npos);
}

TEST_F(TradingSimStream, MarketOrderFillsAtTheTouchUpToTheDisplayedSize) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  market(quote("99.5", 1, "100.25", 1), "AAPL");  // 100 shares each side
  auto r = post(R"({"symbol":"AAPL","qty":"150","side":"buy","type":"market","time_in_force":"day","client_order_id":"m1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->binary);
  EXPECT_EQ(e->event, "new");
  EXPECT_EQ(e->status, "new");
  EXPECT_EQ(e->coid, "m1");
  EXPECT_FALSE(e->has_price);
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "partial_fill");
  EXPECT_EQ(e->status, "partially_filled");
  EXPECT_EQ(e->price, "100.25");
  EXPECT_EQ(e->qty, "100");
  EXPECT_EQ(e->position_qty, "100");
  EXPECT_EQ(e->filled_qty, "100");
  // Our codec reads the event, execution id and all.
  adapters::stream_message m;
  ASSERT_TRUE(adapters::parse_trade_update(e->raw, m).ok()) << e->raw;
  EXPECT_EQ(m.update.event, adapters::trade_event::partial_fill);
  EXPECT_EQ(m.update.execution_id.view().size(), 36u);
  EXPECT_EQ(m.update.px, parse_decimal<price>("100.25"));
  EXPECT_TRUE(m.update.time.has_value());

  // The displayed size is used up until the next quote: a second buy rests.
  r = post(R"({"symbol":"AAPL","qty":"10","side":"buy","type":"market","time_in_force":"day","client_order_id":"m2"})");
  ASSERT_TRUE(r);
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "new");
  EXPECT_EQ(e->coid, "m2");
  EXPECT_FALSE(next_event(ws, std::chrono::milliseconds(200)));

  // The next quote fills the rest of m1 (arrival order), then m2.
  stream_client ws2;  // a fresh reader (the previous one timed out)
  ASSERT_TRUE(ws2.open_and_listen(sim_->port()));
  market(quote("99.75", 2, "100.5", 2), "AAPL");
  e = next_event(ws2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->coid, "m1");
  EXPECT_EQ(e->status, "filled");
  EXPECT_EQ(e->price, "100.5");
  EXPECT_EQ(e->qty, "50");
  EXPECT_EQ(e->position_qty, "150");
  e = next_event(ws2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->coid, "m2");
  EXPECT_EQ(e->position_qty, "160");
  auto g = get("/v2/orders:by_client_order_id?client_order_id=m1");
  ASSERT_TRUE(g);
  json o(g->body);
  EXPECT_EQ(o.str("status"), "filled");
  EXPECT_EQ(o.str("filled_qty"), "150");
  EXPECT_EQ(o.str("filled_avg_price"), "100.333333333");  // (100×100.25 + 50×100.5) / 150
  EXPECT_FALSE(o.is_null("filled_at"));
  EXPECT_EQ(sim_->stats().fills, 2u);
  EXPECT_EQ(sim_->stats().partial_fills, 1u);
  // Sells fill at the bid.
  r = post(R"({"symbol":"AAPL","qty":"60","side":"sell","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  e = next_event(ws2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "new");
  e = next_event(ws2);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "99.75");
  EXPECT_EQ(e->position_qty, "100");
}

TEST_F(TradingSimStream, NoQuoteRestsAndLimitFillsWhenCrossed) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  auto r = post(R"({"symbol":"MSFT","qty":"10","side":"buy","type":"limit","limit_price":"300","time_in_force":"gtc","client_order_id":"l1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "new");
  market(quote("300.5", 3, "301", 3), "MSFT");  // not crossed: rests
  market(trade("299"), "MSFT");                 // trades never fill
  auto g = get("/v2/orders:by_client_order_id?client_order_id=l1");
  ASSERT_TRUE(g);
  EXPECT_EQ(json(g->body).str("status"), "new");
  market(quote("299", 3, "299.5", 3), "MSFT");  // crossed: fills at the ask
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "299.5");
  EXPECT_EQ(e->qty, "10");
  // A sell limit fills at the bid when bid >= limit.
  r = post(R"({"symbol":"MSFT","qty":"10","side":"sell","type":"limit","limit_price":"298","time_in_force":"day"})");
  ASSERT_TRUE(r);
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "new");
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "299");
  EXPECT_EQ(e->position_qty, "0");
}

TEST_F(TradingSimStream, IocAndFok) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  market(quote("49", 1, "50", 1), "AMD");
  // ioc: 100 fill at once, the other 50 are canceled
  auto r = post(R"({"symbol":"AMD","qty":"150","side":"buy","type":"market","time_in_force":"ioc","client_order_id":"i1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  EXPECT_EQ(next_event(ws)->event, "new");
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "partial_fill");
  EXPECT_EQ(e->qty, "100");
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "canceled");
  EXPECT_EQ(e->status, "canceled");
  EXPECT_EQ(e->filled_qty, "100");
  // fok larger than displayed: canceled without a fill
  market(quote("49", 1, "50", 1), "AMD");
  r = post(R"({"symbol":"AMD","qty":"150","side":"buy","type":"limit","limit_price":"51","time_in_force":"fok","client_order_id":"f1"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(ws)->event, "new");
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "canceled");
  EXPECT_EQ(e->filled_qty, "0");
  // fok that fits: one fill
  r = post(R"({"symbol":"AMD","qty":"100","side":"buy","type":"market","time_in_force":"fok","client_order_id":"f2"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(ws)->event, "new");
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->qty, "100");
  // ioc without a quote: canceled at once
  r = post(R"({"symbol":"NVDA","qty":"1","side":"buy","type":"market","time_in_force":"ioc"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(ws)->event, "new");
  EXPECT_EQ(next_event(ws)->event, "canceled");
  EXPECT_EQ(sim_->stats().ioc_fok_canceled, 3u);
}

TEST_F(TradingSimStream, StopTriggersWhenTheTouchReachesIt) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  market(quote("99", 10, "100", 10), "TSLA");
  auto r = post(R"({"symbol":"TSLA","qty":"5","side":"buy","type":"stop","stop_price":"101","time_in_force":"day","client_order_id":"s1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  EXPECT_EQ(next_event(ws)->event, "new");
  market(quote("99.5", 10, "100.5", 10), "TSLA");  // below the stop
  auto g = get("/v2/orders:by_client_order_id?client_order_id=s1");
  EXPECT_EQ(json(g->body).str("status"), "new");
  market(quote("101", 10, "101.5", 10), "TSLA");  // ask >= stop: triggers, fills as market
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "101.5");
  // stop_limit sell: triggers at bid <= 100, then needs bid >= 99.8
  r = post(R"({"symbol":"TSLA","qty":"5","side":"sell","type":"stop_limit","stop_price":"100","limit_price":"99.8","time_in_force":"day","client_order_id":"s2"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  EXPECT_EQ(next_event(ws)->event, "new");
  market(quote("99.5", 10, "99.7", 10), "TSLA");  // triggered, but the bid is below the limit
  g = get("/v2/orders:by_client_order_id?client_order_id=s2");
  EXPECT_EQ(json(g->body).str("status"), "new");
  market(quote("99.9", 10, "100.1", 10), "TSLA");  // bid back over the limit: fills at the bid
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "99.9");
  EXPECT_EQ(e->position_qty, "0");
}

TEST_F(TradingSimStream, CanceledRejectedAndExpiredEvents) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  // canceled by DELETE
  auto r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","limit_price":"1","time_in_force":"day","client_order_id":"x1"})");
  ASSERT_TRUE(r);
  const std::string id = json(r->body).str("id");
  EXPECT_EQ(next_event(ws)->event, "new");
  http_client c;
  ASSERT_TRUE(c.connect(sim_->port()));
  ASSERT_EQ(c.request("DELETE", "/v2/orders/" + id)->status, 204u);
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "canceled");
  EXPECT_EQ(e->order_id, id);
  // rejected after new
  sim_->reject_next_orders(1);
  r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day","client_order_id":"x2"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(json(r->body).str("status"), "accepted");
  EXPECT_EQ(next_event(ws)->event, "new");
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "rejected");
  EXPECT_EQ(e->status, "rejected");
  // expired: day orders only
  r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","limit_price":"1","time_in_force":"day","client_order_id":"x3"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(ws)->event, "new");
  r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"limit","limit_price":"1","time_in_force":"gtc","client_order_id":"x4"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(ws)->event, "new");
  sim_->expire_open_orders();
  e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "expired");
  EXPECT_EQ(e->coid, "x3");
  EXPECT_FALSE(next_event(ws, std::chrono::milliseconds(200)));
  auto g = get("/v2/orders:by_client_order_id?client_order_id=x4");
  EXPECT_EQ(json(g->body).str("status"), "new");
  g = get("/v2/orders:by_client_order_id?client_order_id=x3");
  EXPECT_EQ(json(g->body).str("status"), "expired");
  EXPECT_FALSE(json(g->body).is_null("expired_at"));
  const auto s = sim_->stats();
  EXPECT_EQ(s.rejected_events, 1u);
  EXPECT_EQ(s.expired, 1u);
  EXPECT_EQ(s.cancels, 1u);
  EXPECT_GE(s.events_sent, 7u);
}

TEST_F(TradingSimStream, EventsGoOnlyToListeningConnectionsOfTheOrdersKey) {
  trading_sim_options o;
  o.credentials = {{"torghut-test-key", "torghut-test-secret"}, {"other", "other-secret"}};
  start(o);
  stream_client mine, other, not_listening;
  ASSERT_TRUE(mine.open_and_listen(sim_->port()));
  ASSERT_TRUE(other.connect(sim_->port()));
  ASSERT_TRUE(other.send(R"({"action":"auth","key":"other","secret":"other-secret"})"));
  ASSERT_TRUE(other.read());
  ASSERT_TRUE(other.send(R"({"action":"listen","data":{"streams":["trade_updates"]}})"));
  ASSERT_TRUE(other.read());
  ASSERT_TRUE(not_listening.connect(sim_->port()));
  ASSERT_TRUE(not_listening.send(R"({"action":"auth","key":"torghut-test-key","secret":"torghut-test-secret"})"));
  ASSERT_TRUE(not_listening.read());
  auto r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(next_event(mine)->event, "new");
  EXPECT_FALSE(other.read(std::chrono::milliseconds(200)));
  EXPECT_FALSE(not_listening.read(std::chrono::milliseconds(200)));
}

TEST_F(TradingSimStream, KillStreamsDropsWithoutACloseFrame) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  sim_->kill_streams();
  EXPECT_FALSE(ws.read());
  EXPECT_FALSE(ws.timed_out());
  EXPECT_NE(ws.last_error(), websocket::error::closed) << "no close frame expected";
  sim_->sync();
  EXPECT_EQ(sim_->stats().streams_killed, 1u);
  EXPECT_EQ(sim_->stats().active_streams, 0u);
  // a new connection works
  stream_client ws2;
  EXPECT_TRUE(ws2.open_and_listen(sim_->port()));
}

TEST_F(TradingSimStream, NotionalMarketOrder) {
  start();
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  market(quote("39", 10, "40", 10), "INTC");
  auto r = post(R"({"symbol":"INTC","notional":"100","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u) << r->body;
  json o(r->body);
  EXPECT_EQ(o.str("notional"), "100");
  EXPECT_TRUE(o.is_null("qty"));
  EXPECT_EQ(next_event(ws)->event, "new");
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->qty, "2.5");
  EXPECT_EQ(e->price, "40");
}

TEST_F(TradingSimStream, MarketQueueFromAnotherThread) {
  start();
  std::thread t([this] {
    for (int i = 0; i < 1000; ++i) sim_->on_market(quote("10", 1, "10.01", 1), "AAPL");
  });
  t.join();
  sim_->sync();
  EXPECT_EQ(sim_->stats().market_events, 1000u);
}

TEST_F(TradingSimStream, BusyPollServerThread) {
  trading_sim_options o;
  o.busy_poll = true;
  start(o);
  stream_client ws;
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  sim_->on_market(quote("9.99", 1, "10", 1), "AAPL");  // drained by the polling loop, no post
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sim_->stats().market_events == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(sim_->stats().market_events, 1u);
  auto r = post(R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200u);
  EXPECT_EQ(next_event(ws)->event, "new");
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "fill");
  EXPECT_EQ(e->price, "10");
}

// --- TLS ----------------------------------------------------------------------------------------

class TradingSimTls : public sim_fixture {
 protected:
  void SetUp() override {
    const auto made = test::make_self_signed_cert("torghut-sim-tls-");
    if (!made) GTEST_SKIP() << "the openssl command line tool is not available";
    dir_ = made->dir;
    cert_ = made->cert;
    key_ = made->key;
    trading_sim_options o;
    o.tls_cert_file = cert_;
    o.tls_key_file = key_;
    start(o);
  }
  void TearDown() override {
    sim_fixture::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
  std::string cert_, key_;
};

TEST_F(TradingSimTls, HttpsAndWss) {
  ASSERT_TRUE(sim_->tls());
  EXPECT_EQ(sim_->base_url(), "https://127.0.0.1:" + std::to_string(sim_->port()));
  EXPECT_EQ(sim_->stream_url(), "wss://127.0.0.1:" + std::to_string(sim_->port()) + "/stream");
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(cert_);
  ctx.set_verify_mode(ssl::verify_peer);
  https_client c(ctx);
  ASSERT_TRUE(c.connect(sim_->port()));
  auto r = c.request("GET", "/v2/account");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(json(r->body).str("cash"), "100000");
  tls_stream_client ws(ctx);
  ASSERT_TRUE(ws.open_and_listen(sim_->port()));
  r = c.request("POST", "/v2/orders", R"({"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  auto e = next_event(ws);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "new");
  EXPECT_TRUE(e->binary);
  // A plain client cannot talk to it.
  http_client plain;
  ASSERT_TRUE(plain.connect(sim_->port()));
  EXPECT_FALSE(plain.request("GET", "/v2/account", "", true, {}, std::chrono::milliseconds(1000)));
}

TEST(TradingSimUrls, PlainUrlsAndStartErrors) {
  adapters::trading_sim sim;
  std::string err;
  ASSERT_TRUE(sim.start(err)) << err;
  EXPECT_FALSE(sim.tls());
  EXPECT_EQ(sim.base_url(), "http://127.0.0.1:" + std::to_string(sim.port()));
  EXPECT_EQ(sim.stream_url(), "ws://127.0.0.1:" + std::to_string(sim.port()) + "/stream");
  adapters::trading_sim_options o;
  o.port = sim.port();
  adapters::trading_sim clash(o);
  std::string err2;
  EXPECT_FALSE(clash.start(err2));
  EXPECT_FALSE(err2.empty());
  sim.stop();
  sim.stop();  // idempotent
  adapters::trading_sim_options bad;
  bad.tls_cert_file = "/nonexistent/cert.pem";
  adapters::trading_sim t(bad);
  EXPECT_FALSE(t.start(err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace torghut::test_sim
