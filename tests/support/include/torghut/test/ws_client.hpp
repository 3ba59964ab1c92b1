#pragma once
// The tests' own WebSocket client, plain or TLS (deliberately not the engine's adapters, so a test
// of a server never leans on the client it is meant to check). Every operation is asynchronous
// and runs on the client's own io_context for at most a timeout, so a test never hangs: a
// timed-out operation cancels the socket and reports failure. Used by the market-data server's
// conformance tests (which decode what they read) and the trading simulator's stream tests.

#include <openssl/ssl.h>

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
#include <utility>

namespace torghut::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// Starts `op` (which takes a completion handler) and runs `ioc` until it completes or `timeout`
/// passes; on timeout `cancel()` runs, the cancellation is drained, and the result is false.
template <class Op, class Cancel>
bool run_op(net::io_context& ioc, Op&& op, beast::error_code& ec, std::chrono::milliseconds timeout, Cancel&& cancel) {
  bool done = false;
  op([&](beast::error_code e, auto&&...) {
    ec = e;
    done = true;
  });
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_for(10ms);
    ioc.restart();
  }
  if (!done) {
    cancel();
    ioc.restart();
    ioc.run_for(200ms);
    return false;
  }
  return true;
}

/// Sets SNI to "localhost" on a client TLS stream (SSL_set_tlsext_host_name is a macro with a C cast).
inline bool set_sni_localhost(SSL* ssl) {
  char host[] = "localhost";
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host) == 1;
}

/// One frame as read.
struct ws_frame {
  std::string text;
  bool binary = false;
};

template <class Stream>
class basic_ws_client {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  basic_ws_client() requires(!is_tls) : ws_(ioc_) { init(); }
  explicit basic_ws_client(ssl::context& ctx) requires(is_tls) : ws_(ioc_, ctx) { init(); }

  /// TCP connect to 127.0.0.1:port, (TLS), upgrade to `target` with `headers` on the request.
  /// False on any failure; http_status() then holds the upgrade response status if there was one.
  bool connect(uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {},
               std::chrono::milliseconds timeout = 5s) {
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [k, v] : headers) req.set(k, v);
    }));
    beast::error_code ec;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (!run([&](auto h) { beast::get_lowest_layer(ws_).async_connect(ep, h); }, ec, timeout) || ec) return false;
    if constexpr (is_tls) {
      if (!set_sni_localhost(ws_.next_layer().native_handle())) return false;
      if (!run([&](auto h) { ws_.next_layer().async_handshake(ssl::stream_base::client, h); }, ec, timeout) || ec) {
        tls_error_ = ec;
        return false;
      }
    }
    beast::get_lowest_layer(ws_).expires_never();
    return run([&](auto h) { ws_.async_handshake(upgrade_response_, "localhost", target, h); }, ec, timeout) && !ec;
  }

  [[nodiscard]] unsigned http_status() const { return upgrade_response_.result_int(); }
  [[nodiscard]] beast::error_code tls_error() const { return tls_error_; }

  /// Sends binary frames from now on (else text).
  void binary(bool on) { ws_.binary(on); }

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

  /// Reads one frame. nullopt on timeout (timed_out(); the stream is then unusable) or error
  /// (last_error()).
  std::optional<ws_frame> read(std::chrono::milliseconds timeout = 5s) {
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
    return frame();
  }

  /// Reads one frame while running `poll` every few milliseconds until the frame arrives
  /// (e.g. to act while a read is pending).
  std::optional<ws_frame> read_polling(const std::function<void()>& poll, std::chrono::milliseconds timeout = 5s) {
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
    return frame();
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
    return run_op(ioc_, std::forward<Op>(op), ec, timeout, [this] { cancel_socket(); });
  }

  void cancel_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().cancel(ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void abort_pending() {
    cancel_socket();
    ioc_.restart();
    ioc_.run_for(200ms);
  }

  ws_frame frame() {
    const auto data = buf_.cdata();
    return ws_frame{std::string(static_cast<const char*>(data.data()), data.size()), ws_.got_binary()};
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
};

using ws_client = basic_ws_client<beast::tcp_stream>;
using wss_client = basic_ws_client<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace torghut::test
