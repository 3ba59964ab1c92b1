#pragma once
/// One accepted HTTP/1.1 connection of a server (the market-data server, the trading simulator):
/// the TLS handshake when the stream is TLS, keep-alive request reading with a body limit and an
/// idle timeout, writing replies (now or after a delay), closing, and handing the stream over to
/// a WebSocket session on an upgrade. What a request means is its handler's:
///
///   struct my_handler {
///     void on_tls_failed();                                  // the handshake failed (count it)
///     template <class Conn>
///     void on_request(const std::shared_ptr<Conn>& conn, http::request<http::string_body>&& req);
///   };
///   std::make_shared<http_conn<Stream, my_handler>>(my_handler{...}, std::move(stream), opts)->run();
///
/// In on_request the handler answers with conn->reply(...) / reply_after(...), ends the
/// connection unanswered with conn->drop(), or takes the stream for a WebSocket session with
/// conn->take_stream(). A request that fails to read (closed, timed out, garbage) ends the
/// connection quietly. Header-only, for the Beast translation unit of each server.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace torghut::adapters {

struct http_conn_options {
  std::chrono::seconds tls_handshake_timeout{10};
  std::chrono::seconds idle_timeout{30};  ///< no complete request this long: the connection ends
  size_t body_limit = size_t{1} << 20;
  /// After the last reply (keep-alive off): shut down both directions, or only sending (a
  /// half-close: the peer reads the whole reply, then EOF).
  boost::asio::ip::tcp::socket::shutdown_type shutdown_after_last = boost::asio::ip::tcp::socket::shutdown_both;
};

template <class Stream, class Handler>
class http_conn final : public std::enable_shared_from_this<http_conn<Stream, Handler>> {
  static constexpr bool is_tls = !std::is_same_v<Stream, boost::beast::tcp_stream>;
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using response = boost::beast::http::response<boost::beast::http::string_body>;
  using error_code = boost::beast::error_code;

 public:
  using stream_type = Stream;

  http_conn(Handler handler, Stream&& s, http_conn_options opt = {})
      : handler_(std::move(handler)), stream_(std::move(s)), opt_(opt), timer_(stream_.get_executor()) {}

  void run() {
    if constexpr (is_tls) {
      boost::beast::get_lowest_layer(stream_).expires_after(opt_.tls_handshake_timeout);
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const error_code& ec) {
                                if (ec) {
                                  self->handler_.on_tls_failed();
                                  return;
                                }
                                self->read_request();
                              });
    } else {
      read_request();
    }
  }

  /// Writes `res`; then reads the next request (keep_alive) or closes.
  void reply(std::shared_ptr<response> res, bool keep_alive) {
    boost::beast::http::async_write(stream_, *res,
                                    [self = this->shared_from_this(), res, keep_alive](const error_code& ec, size_t) {
                                      if (ec) return;
                                      if (keep_alive)
                                        self->read_request();
                                      else
                                        self->close(self->opt_.shutdown_after_last);
                                    });
  }
  /// reply(), after `delay` (an injected latency).
  void reply_after(std::chrono::microseconds delay, std::shared_ptr<response> res, bool keep_alive) {
    timer_.expires_after(delay);
    timer_.async_wait([self = this->shared_from_this(), res = std::move(res), keep_alive](const error_code& ec) {
      if (ec) return;
      self->reply(res, keep_alive);
    });
  }
  /// Ends the connection without an answer.
  void drop() { close(boost::asio::ip::tcp::socket::shutdown_both); }
  /// The stream, for a WebSocket session (an upgrade); this connection is done with it.
  [[nodiscard]] Stream take_stream() { return std::move(stream_); }
  [[nodiscard]] Handler& handler() noexcept { return handler_; }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(opt_.body_limit);
    boost::beast::get_lowest_layer(stream_).expires_after(opt_.idle_timeout);
    boost::beast::http::async_read(stream_, buf_, *parser_,
                                   [self = this->shared_from_this()](const error_code& ec, size_t) {
                                     if (ec) return;  // closed, timed out or garbage: the connection ends
                                     self->handler_.on_request(self, self->parser_->release());
                                   });
  }

  void close(boost::asio::ip::tcp::socket::shutdown_type how) {
    error_code ignored;
    boost::beast::get_lowest_layer(stream_).socket().shutdown(how, ignored);
    boost::beast::get_lowest_layer(stream_).close();
  }

  Handler handler_;
  Stream stream_;
  http_conn_options opt_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buf_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

/// Makes the connection for an accepted socket: TLS when `tls_ctx` is set, plain otherwise.
template <class Handler>
void serve_http(boost::asio::ip::tcp::socket s, boost::asio::ssl::context* tls_ctx, Handler handler,
                http_conn_options opt = {}) {
  namespace beast = boost::beast;
  if (tls_ctx != nullptr) {
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<http_conn<tls_stream, Handler>>(std::move(handler),
                                                     tls_stream(beast::tcp_stream(std::move(s)), *tls_ctx), opt)
        ->run();
  } else {
    std::make_shared<http_conn<beast::tcp_stream, Handler>>(std::move(handler), beast::tcp_stream(std::move(s)), opt)
        ->run();
  }
}

}  // namespace torghut::adapters
