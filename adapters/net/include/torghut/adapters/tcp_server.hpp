#pragma once
/// The listening side every server of the engine shares (the market-data relay and simulator,
/// the trading API simulator): a TLS context when a certificate and key are given, an io_context
/// of its own, a bound and listening acceptor, the accept loop, and the server thread.
///
///   tcp_server srv;
///   if (!srv.open({.bind_address = "127.0.0.1", .port = 0}, err)) { ...err... }
///   srv.start([&](tcp::socket s) { ...make a session on srv.io()... });  // on the server thread
///   ...
///   post(srv.io(), [&] { srv.close_acceptor(); ...end sessions... });
///   srv.join();      // the io_context stopped, the thread joined
///   ...forget sessions...
///   srv.release();   // the acceptor and io_context destroyed (with every pending handler)
///
/// Header-only, for the Beast translation unit of each server.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "torghut/adapters/tls.hpp"

namespace torghut::adapters {

struct tcp_server_options {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  ///< 0: any free port (port() tells which)
  /// Both or neither: with both, the server speaks TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class tcp_server {
 public:
  using socket = boost::asio::ip::tcp::socket;
  using accept_handler = std::function<void(socket)>;
  using thread_body = std::function<void(boost::asio::io_context&)>;

  tcp_server() = default;
  ~tcp_server() {
    if (thread_.joinable()) join();
  }
  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;

  /// Sets up TLS (when configured), the io_context and a listening acceptor; no thread yet.
  /// False with `error` set (and nothing left open) when any of it fails.
  [[nodiscard]] bool open(const tcp_server_options& o, std::string& error) {
    if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
      if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
        error = "TLS needs both a certificate and a key file";
        return false;
      }
    }
    try {
      if (!o.tls_cert_file.empty()) tls_ctx_.emplace(tls::make_server_context(o.tls_cert_file, o.tls_key_file));
      ioc_ = std::make_unique<boost::asio::io_context>(1);
      const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address(o.bind_address), o.port);
      acceptor_.emplace(*ioc_);
      acceptor_->open(ep.protocol());
      acceptor_->set_option(boost::asio::socket_base::reuse_address(true));
      acceptor_->bind(ep);
      acceptor_->listen(boost::asio::socket_base::max_listen_connections);
      port_ = acceptor_->local_endpoint().port();
    } catch (const std::exception& e) {
      error = e.what();
      release();
      return false;
    }
    return true;
  }

  /// Starts the accept loop (each accepted socket, with TCP_NODELAY set, goes to `on_accept` on
  /// the server thread) and the server thread, which runs `body` (default: io().run()).
  void start(accept_handler on_accept, thread_body body = {}) {
    on_accept_ = std::move(on_accept);
    work_.emplace(boost::asio::make_work_guard(*ioc_));
    accept_next();
    thread_ = std::thread([this, body = std::move(body)] {
      if (body)
        body(*ioc_);
      else
        ioc_->run();
    });
  }

  /// Stops accepting. On the server thread (or before start()).
  void close_acceptor() noexcept {
    if (!acceptor_) return;
    boost::system::error_code ec;
    acceptor_->close(ec);
  }

  /// Lets go of the io_context's work, stops it and joins the server thread.
  void join() {
    work_.reset();
    if (ioc_) ioc_->stop();
    if (thread_.joinable()) thread_.join();
  }

  /// Destroys the acceptor, then the io_context with every handler still pending in it. After
  /// join(), once the owner has let go of its sessions.
  void release() noexcept {
    acceptor_.reset();
    ioc_.reset();
    tls_ctx_.reset();
  }

  [[nodiscard]] boost::asio::io_context& io() noexcept { return *ioc_; }
  /// The TLS context sessions wrap their sockets with; nullptr for plain TCP.
  [[nodiscard]] boost::asio::ssl::context* tls_context() noexcept { return tls_ctx_ ? &*tls_ctx_ : nullptr; }
  [[nodiscard]] bool tls() const noexcept { return tls_ctx_.has_value(); }
  /// The bound port (the chosen one when options.port was 0).
  [[nodiscard]] uint16_t port() const noexcept { return port_; }

 private:
  void accept_next() {
    acceptor_->async_accept([this](const boost::system::error_code& ec, socket s) {
      if (ec) {
        if (ec == boost::asio::error::operation_aborted || !acceptor_->is_open()) return;
      } else {
        boost::system::error_code ignored;
        s.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        on_accept_(std::move(s));
      }
      accept_next();
    });
  }

  std::optional<boost::asio::ssl::context> tls_ctx_;  // outlives every stream
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  accept_handler on_accept_;
};

}  // namespace torghut::adapters
