#pragma once
// A plain Beast WebSocket client for the md_server conformance tests (deliberately not the
// engine's adapter). Every operation is asynchronous and run on the client's own io_context for
// at most a timeout, so a test never hangs: a timed-out operation cancels the socket and reports
// failure.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "torghut/adapters/frame_decoder.hpp"
#include "torghut/engine/symbol_table.hpp"

namespace torghut::test_md {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// A deep copy of a control message.
struct control_copy {
  adapters::control_type type = adapters::control_type::success;
  int code = 0;
  std::string msg;
  std::array<std::vector<std::string>, adapters::subscription_channel_count> channels;
  [[nodiscard]] const std::vector<std::string>& list(adapters::subscription_channel c) const {
    return channels[static_cast<size_t>(c)];
  }
};

/// What one frame held.
struct decoded_frame {
  std::string raw;
  bool binary = false;
  std::vector<control_copy> controls;
  std::vector<market_event> events;
  std::vector<std::string> symbols;  ///< per event
  adapters::decode_result result;
};

template <class Stream>
class basic_ws_client {
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  basic_ws_client() requires(!is_tls) : ws_(ioc_) { init(); }
  explicit basic_ws_client(ssl::context& ctx) requires(is_tls) : ws_(ioc_, ctx) { init(); }

  /// TCP connect + (TLS) + upgrade to `target`. Headers are added to the upgrade request.
  /// Returns false on any failure; `http_status()` then holds the upgrade response status if any.
  bool connect(uint16_t port, const std::string& target,
               const std::map<std::string, std::string>& headers = {},
               std::chrono::milliseconds timeout = 5s) {
    format_ = adapters::wire_format::json;
    for (const auto& [k, v] : headers)
      if (k == "Content-Type" && v.rfind("application/msgpack", 0) == 0) format_ = adapters::wire_format::msgpack;
    decoder_.set_format(format_);
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [k, v] : headers) req.set(k, v);
    }));
    beast::error_code ec;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (!run([&](auto h) { beast::get_lowest_layer(ws_).async_connect(ep, h); }, ec, timeout) || ec) return false;
    if constexpr (is_tls) {
      char host[] = "localhost";  // SNI (SSL_set_tlsext_host_name is a macro with a C cast)
      if (SSL_ctrl(ws_.next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host) != 1)
        return false;
      if (!run([&](auto h) { ws_.next_layer().async_handshake(ssl::stream_base::client, h); }, ec, timeout) ||
          ec) {
        tls_error_ = ec;
        return false;
      }
    }
    beast::get_lowest_layer(ws_).expires_never();
    if (!run([&](auto h) { ws_.async_handshake(upgrade_response_, "localhost", target, h); }, ec, timeout) ||
        ec)
      return false;
    ws_.binary(format_ == adapters::wire_format::msgpack);
    return true;
  }

  [[nodiscard]] unsigned http_status() const { return upgrade_response_.result_int(); }
  [[nodiscard]] beast::error_code tls_error() const { return tls_error_; }
  [[nodiscard]] adapters::wire_format format() const { return format_; }

  bool send(std::string_view text, std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    return run([&](auto h) { ws_.async_write(net::buffer(text.data(), text.size()), h); }, ec, timeout) && !ec;
  }
  bool ping(std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    return run([&](auto h) { ws_.async_ping({}, h); }, ec, timeout) && !ec;
  }
  bool close(std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    return run([&](auto h) { ws_.async_close(websocket::close_code::normal, h); }, ec, timeout) && !ec;
  }

  /// Reads one frame. nullopt on timeout (the stream is then unusable) or error (last_error()).
  std::optional<decoded_frame> read(std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    buf_.clear();
    if (!run([&](auto h) { ws_.async_read(buf_, h); }, ec, timeout)) {
      timed_out_ = true;
      return std::nullopt;
    }
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    return decode();
  }

  /// Reads one frame while running `poll` every few milliseconds until the frame arrives
  /// (e.g. to act while a read is pending).
  std::optional<decoded_frame> read_polling(const std::function<void()>& poll,
                                            std::chrono::milliseconds timeout = 5s) {
    beast::error_code ec;
    bool done = false;
    buf_.clear();
    ws_.async_read(buf_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc_.restart();
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc_.run_for(5ms);
      if (!done) {
        poll();
        ioc_.restart();
      }
    }
    if (!done) {
      abort_pending();
      timed_out_ = true;
      return std::nullopt;
    }
    if (ec) {
      last_error_ = ec;
      return std::nullopt;
    }
    return decode();
  }

  /// Reads until the connection ends (returns true) or the timeout; collects the frames.
  bool read_until_closed(std::vector<decoded_frame>& frames, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto f = read(left);
      if (f) {
        frames.push_back(std::move(*f));
        continue;
      }
      return !timed_out_;
    }
  }

  /// Reads frames until `n` data events arrived (control frames are kept too).
  bool read_events(size_t n, std::vector<decoded_frame>& frames, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t got = 0;
    while (got < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto f = read(left);
      if (!f) return false;
      got += f->events.size();
      frames.push_back(std::move(*f));
    }
    return true;
  }

  [[nodiscard]] beast::error_code last_error() const { return last_error_; }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  [[nodiscard]] int pongs() const { return pongs_; }
  [[nodiscard]] int pings() const { return pings_; }
  websocket::stream<Stream>& stream() { return ws_; }
  net::io_context& io() { return ioc_; }

 private:
  void init() {
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) ++pongs_;
      if (kind == websocket::frame_type::ping) ++pings_;
    });
    ws_.read_message_max(size_t{64} << 20);
  }

  template <class Op>
  bool run(Op&& op, beast::error_code& ec, std::chrono::milliseconds timeout) {
    bool done = false;
    op([&](beast::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc_.run_for(10ms);
      ioc_.restart();
    }
    if (!done) {
      abort_pending();
      return false;
    }
    return true;
  }

  void abort_pending() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().cancel(ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    ioc_.restart();
    ioc_.run_for(200ms);
  }

  decoded_frame decode() {
    decoded_frame f;
    const auto data = buf_.cdata();
    f.raw.assign(static_cast<const char*>(data.data()), data.size());
    f.binary = ws_.got_binary();
    f.result = decoder_.decode(
        f.raw, timestamp{1},
        [&](const market_event& e) {
          f.events.push_back(e);
          f.symbols.emplace_back(symbols_.name(e.symbol));
        },
        [&](const adapters::control_message& c) {
          control_copy cc;
          cc.type = c.type;
          cc.code = c.code;
          cc.msg = std::string(c.msg);
          for (size_t i = 0; i < adapters::subscription_channel_count; ++i)
            for (const auto s : c.channels[i]) cc.channels[i].emplace_back(s);
          f.controls.push_back(std::move(cc));
        });
    return f;
  }

  net::io_context ioc_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buf_;
  websocket::response_type upgrade_response_;
  beast::error_code last_error_;
  beast::error_code tls_error_;
  bool timed_out_ = false;
  int pongs_ = 0;
  int pings_ = 0;
  adapters::wire_format format_ = adapters::wire_format::json;
  symbol_table symbols_{4096};
  adapters::frame_decoder decoder_{symbols_, adapters::wire_format::json, size_t{64} << 20};
};

using ws_client = basic_ws_client<beast::tcp_stream>;
using wss_client = basic_ws_client<beast::ssl_stream<beast::tcp_stream>>;

/// A plain HTTP request to the server; returns the status (0 on failure).
inline unsigned http_get(uint16_t port, const std::string& target, std::string* body = nullptr) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(s, req, ec);
  if (ec) return 0;
  beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res, ec);
  if (ec) return 0;
  if (body) *body = res.body();
  return res.result_int();
}

}  // namespace torghut::test_md
