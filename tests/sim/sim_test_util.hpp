#pragma once
// Small synchronous Beast clients for the trading simulator's tests (deliberately not the
// engine's adapters): an HTTP/1.1 keep-alive client, and the trade_updates stream client (the
// tests' own WebSocket client, torghut/test/ws_client.hpp), both plain or TLS. Every operation
// runs on the client's own io_context for at most a timeout, so a test never hangs.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "torghut/adapters/trading_sim.hpp"
#include "torghut/core/fixed_point.hpp"
#include "torghut/core/rfc3339.hpp"
#include "torghut/test/ws_client.hpp"

namespace torghut::test_sim {

using namespace test;  // beast, http, websocket, net, ssl, tcp, run_op, chrono literals

struct response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  bool keep_alive = true;
  [[nodiscard]] std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

template <class Stream>
class basic_http_client {
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  basic_http_client() requires(!is_tls) : stream_(ioc_) {}
  explicit basic_http_client(ssl::context& ctx) requires(is_tls) : stream_(ioc_, ctx) {}

  bool connect(uint16_t port, std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (!run([&](auto h) { beast::get_lowest_layer(stream_).async_connect(ep, h); }, ec, timeout) || ec) return false;
    if constexpr (is_tls) {
      if (!set_sni_localhost(stream_.native_handle())) return false;
      if (!run([&](auto h) { stream_.async_handshake(ssl::stream_base::client, h); }, ec, timeout) || ec) return false;
    }
    return true;
  }

  /// One request; with `auth` the default key pair is sent. nullopt when the connection ended or
  /// timed out without a response (last_error()).
  std::optional<response> request(const std::string& method, const std::string& target, const std::string& body = "",
                                  bool auth = true, const std::map<std::string, std::string>& extra = {},
                                  std::chrono::milliseconds timeout = 5s) {
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "localhost");
    if (auth) {
      req.set("APCA-API-KEY-ID", std::string(adapters::md_default_key));
      req.set("APCA-API-SECRET-KEY", std::string(adapters::md_default_secret));
    }
    for (const auto& [k, v] : extra) req.set(k, v);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(extra.count("Connection") == 0 || extra.at("Connection") != "close");
    req.prepare_payload();
    beast::error_code ec;
    if (!run([&](auto h) { http::async_write(stream_, req, h); }, ec, timeout) || ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    http::response<http::string_body> res;
    if (!run([&](auto h) { http::async_read(stream_, buf_, res, h); }, ec, timeout) || ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    response r;
    r.status = res.result_int();
    for (const auto& f : res) {
      std::string k(f.name_string());
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[k] = std::string(f.value());
    }
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    return r;
  }

  /// True when the server closed the connection (a read gets EOF).
  bool server_closed(std::chrono::milliseconds timeout = 2s) {
    beast::error_code ec;
    char b[1];
    if (!run([&](auto h) { beast::get_lowest_layer(stream_).socket().async_read_some(net::buffer(b), h); }, ec, timeout))
      return false;
    return static_cast<bool>(ec);
  }

  [[nodiscard]] beast::error_code last_error() const { return last_error_; }

 private:
  template <class Op>
  bool run(Op&& op, beast::error_code& ec, std::chrono::milliseconds timeout) {
    return run_op(ioc_, std::forward<Op>(op), ec, timeout, [this] {
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().cancel(ignored);
      beast::get_lowest_layer(stream_).socket().close(ignored);
    });
  }
  net::io_context ioc_;
  Stream stream_;
  beast::flat_buffer buf_;
  beast::error_code last_error_;
};
using http_client = basic_http_client<beast::tcp_stream>;
using https_client = basic_http_client<beast::ssl_stream<beast::tcp_stream>>;

using frame = test::ws_frame;

/// The trade_updates stream client: the tests' own WebSocket client, on /stream by default.
template <class Stream>
class basic_stream_client : public test::basic_ws_client<Stream> {
  using base = test::basic_ws_client<Stream>;

 public:
  using base::base;

  bool connect(uint16_t port, const std::string& target = "/stream", std::chrono::milliseconds timeout = 5s) {
    return base::connect(port, target, {}, timeout);
  }
  /// Connects and authenticates (new form), then listens to trade_updates.
  bool open_and_listen(uint16_t port) {
    if (!connect(port)) return false;
    if (!this->send(R"({"action":"auth","key":"torghut-test-key","secret":"torghut-test-secret"})")) return false;
    auto a = this->read();
    if (!a || a->text.find("\"authorized\"") == std::string::npos) return false;
    if (!this->send(R"({"action":"listen","data":{"streams":["trade_updates"]}})")) return false;
    auto l = this->read();
    return l && l->text.find("\"listening\"") != std::string::npos;
  }
};
using stream_client = basic_stream_client<beast::tcp_stream>;
using tls_stream_client = basic_stream_client<beast::ssl_stream<beast::tcp_stream>>;

// --- JSON helpers ------------------------------------------------------------------------------

/// Parses `text` (owning the document).
struct json {
  explicit json(const std::string& text) {
    auto r = parser.parse(text);
    ok = !r.error();
    if (ok) root = r.value();
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool ok = false;
  [[nodiscard]] simdjson::dom::element operator[](std::string_view k) const { return root[k].value(); }
  [[nodiscard]] std::string str(std::string_view k) const {
    auto r = root[k].get_string();
    return r.error() ? std::string("<missing>") : std::string(r.value());
  }
  [[nodiscard]] bool has(std::string_view k) const { return !root[k].error(); }
  [[nodiscard]] bool is_null(std::string_view k) const { return !root[k].error() && root[k].value().is_null(); }
};

inline std::string str_of(simdjson::dom::element e, std::string_view k) {
  auto r = e[k].get_string();
  return r.error() ? std::string("<missing>") : std::string(r.value());
}

inline bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4';
}

// --- market helpers ----------------------------------------------------------------------------

inline market_event quote(std::string_view bid, double bid_lots, std::string_view ask, double ask_lots) {
  market_event e;
  e.kind = market_event_kind::quote;
  e.u.quote = quote_payload{};
  e.u.quote.bid_px = *parse_decimal<price>(bid);
  e.u.quote.ask_px = *parse_decimal<price>(ask);
  e.u.quote.bid_size = *quantity::from_double(bid_lots);
  e.u.quote.ask_size = *quantity::from_double(ask_lots);
  return e;
}
inline market_event trade(std::string_view px) {
  market_event e;
  e.kind = market_event_kind::trade;
  e.u.trade = trade_payload{};
  e.u.trade.px = *parse_decimal<price>(px);
  e.u.trade.size = *quantity::from_units(100);
  return e;
}

/// A started simulator (options adjustable before start()).
class sim_fixture : public ::testing::Test {
 protected:
  void start(adapters::trading_sim_options o = {}) {
    if (o.seed == 0) o.seed = 42;
    sim_ = std::make_unique<adapters::trading_sim>(o);
    std::string err;
    ASSERT_TRUE(sim_->start(err)) << err;
  }
  void TearDown() override {
    if (sim_) sim_->stop();
  }
  void market(const market_event& e, std::string_view sym) {
    sim_->on_market(e, sym);
    sim_->sync();
  }
  /// POSTs an order on a fresh connection.
  std::optional<response> post(const std::string& body) {
    http_client c;
    if (!c.connect(sim_->port())) return std::nullopt;
    return c.request("POST", "/v2/orders", body);
  }
  std::optional<response> get(const std::string& target) {
    http_client c;
    if (!c.connect(sim_->port())) return std::nullopt;
    return c.request("GET", target);
  }
  std::unique_ptr<adapters::trading_sim> sim_;
};

/// Reads the next trade_updates frame and returns its parsed `data` (event name in `event`).
struct event_copy {
  std::string raw;
  bool binary = false;
  std::string event, status, price, qty, position_qty, order_id, coid, filled_qty;
  bool has_price = false;
};
template <class Client>
std::optional<event_copy> next_event(Client& c, std::chrono::milliseconds timeout = 5s) {
  auto f = c.read(timeout);
  if (!f) return std::nullopt;
  event_copy ev;
  ev.raw = f->text;
  ev.binary = f->binary;
  simdjson::dom::parser p;
  auto r = p.parse(ev.raw);
  if (r.error()) return ev;
  auto root = r.value();
  if (str_of(root, "stream") != "trade_updates") return ev;
  auto data = root["data"].value();
  ev.event = str_of(data, "event");
  auto order = data["order"].value();
  ev.status = str_of(order, "status");
  ev.order_id = str_of(order, "id");
  ev.coid = str_of(order, "client_order_id");
  ev.filled_qty = str_of(order, "filled_qty");
  ev.has_price = !data["price"].error();
  ev.price = str_of(data, "price");
  ev.qty = str_of(data, "qty");
  ev.position_qty = str_of(data, "position_qty");
  return ev;
}

}  // namespace torghut::test_sim
