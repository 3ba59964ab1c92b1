// The scripted loopback WebSocket server of the trade_stream tests (see script_server.hpp).
// Synchronous Beast on plain threads; stop() unblocks every thread by shutting its file
// descriptor down (a system call, no Asio object touched from another thread).

#include "torghut/test/script_server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

namespace torghut::adapters::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

struct script_server::impl {
  impl(script s, script_server_options o) : fn(std::move(s)), opt(std::move(o)) {}

  script fn;
  script_server_options opt;
  net::io_context io;  // never run: synchronous operations only
  std::unique_ptr<ssl::context> ctx;
  std::optional<tcp::acceptor> acc;
  int acc_fd = -1;
  uint16_t port = 0;
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  std::atomic<int> accepted{0}, upgraded{0}, tls_failed{0};
  mutable std::mutex mu;
  std::vector<std::thread> threads;
  std::set<int> fds;
  std::vector<std::vector<std::string>> log;

  void record(int conn, std::string m) {
    const std::lock_guard l(mu);
    if (log.size() <= static_cast<size_t>(conn)) log.resize(static_cast<size_t>(conn) + 1);
    log[static_cast<size_t>(conn)].push_back(std::move(m));
  }

  void accept_loop() {
    while (!stopping.load()) {
      tcp::socket sock(io);
      error_code ec;
      acc->accept(sock, ec);
      if (ec) {
        if (stopping.load()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      const int idx = accepted.fetch_add(1);
      const std::lock_guard l(mu);
      if (stopping.load()) break;
      fds.insert(sock.native_handle());
      threads.emplace_back([this, s = std::move(sock), idx]() mutable { run_session(std::move(s), idx); });
    }
  }

  template <bool Tls>
  struct session_impl final : session {
    using next_t = std::conditional_t<Tls, beast::ssl_stream<tcp::socket>, tcp::socket>;
    session_impl(impl& srv, tcp::socket sock, int idx) : srv_(srv), fd_(sock.native_handle()), ws_(make(std::move(sock))) {
      index_ = idx;
    }

    websocket::stream<next_t> make(tcp::socket sock) {
      if constexpr (Tls)
        return websocket::stream<next_t>(std::move(sock), *srv_.ctx);
      else
        return websocket::stream<next_t>(std::move(sock));
    }

    bool handshake() {
      error_code ec;
      if constexpr (Tls) {
        ws_.next_layer().handshake(ssl::stream_base::server, ec);
        if (ec) {
          srv_.tls_failed.fetch_add(1);
          return false;
        }
      }
      ws_.accept(ec);
      if (ec) return false;
      srv_.upgraded.fetch_add(1);
      return true;
    }

    bool read(std::string& out, bool* binary) override {
      if (closed_) return false;
      beast::flat_buffer b;
      error_code ec;
      ws_.read(b, ec);
      if (ec) {
        closed_ = true;
        return false;
      }
      out = beast::buffers_to_string(b.data());
      if (binary != nullptr) *binary = ws_.got_binary();
      srv_.record(index_, out);
      return true;
    }
    bool send(std::string_view s, bool bin) {
      if (closed_) return false;
      ws_.binary(bin);
      error_code ec;
      ws_.write(net::buffer(s.data(), s.size()), ec);
      if (ec) closed_ = true;
      return !ec;
    }
    bool send_text(std::string_view s) override { return send(s, false); }
    bool send_binary(std::string_view s) override { return send(s, true); }
    void close() override {
      if (closed_) return;
      error_code ec;
      ws_.close(websocket::close_code::normal, ec);
      closed_ = true;
    }
    void drop() override {
      if (closed_) return;
      ::shutdown(fd_, SHUT_RDWR);
      closed_ = true;
    }
    void go_silent() override {
      if (closed_) return;
      char buf[4096];
      while (!srv_.stopping.load()) {
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) break;
      }
      closed_ = true;
    }
    [[nodiscard]] bool stopping() const override { return srv_.stopping.load(); }
    /// After the script: keep reading (answers pings, logs messages) until the connection ends.
    void hold() {
      std::string m;
      while (read(m, nullptr)) {
      }
    }

    impl& srv_;
    int fd_;
    websocket::stream<next_t> ws_;
    bool closed_ = false;
  };

  template <bool Tls>
  void serve(tcp::socket sock, int idx) {
    session_impl<Tls> s(*this, std::move(sock), idx);
    if (s.handshake()) {
      fn(s);
      s.hold();
    }
    {
      const std::lock_guard l(mu);
      fds.erase(s.fd_);
    }
    error_code ignored;
    beast::get_lowest_layer(s.ws_).close(ignored);
  }

  void run_session(tcp::socket sock, int idx) {
    if (opt.tls)
      serve<true>(std::move(sock), idx);
    else
      serve<false>(std::move(sock), idx);
  }
};

script_server::script_server(script s, script_server_options opt)
    : impl_(std::make_unique<impl>(std::move(s), std::move(opt))) {}

script_server::~script_server() { stop(); }

bool script_server::start(std::string& error) {
  auto& im = *impl_;
  try {
    if (im.opt.tls) {
      im.ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
      im.ctx->use_certificate_chain_file(im.opt.cert_file);
      im.ctx->use_private_key_file(im.opt.key_file, ssl::context::pem);
    }
    im.acc.emplace(im.io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    im.port = im.acc->local_endpoint().port();
    im.acc_fd = im.acc->native_handle();
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  im.accept_thread = std::thread([&im] { im.accept_loop(); });
  return true;
}

void script_server::stop() {
  auto& im = *impl_;
  if (im.stopping.exchange(true)) return;
  if (im.acc_fd >= 0) ::shutdown(im.acc_fd, SHUT_RDWR);
  if (im.accept_thread.joinable()) im.accept_thread.join();
  std::vector<std::thread> ts;
  {
    const std::lock_guard l(im.mu);
    for (const int fd : im.fds) ::shutdown(fd, SHUT_RDWR);
    ts.swap(im.threads);
  }
  for (auto& t : ts) t.join();
  if (im.acc) {
    error_code ignored;
    im.acc->close(ignored);
  }
}

uint16_t script_server::port() const { return impl_->port; }

std::string script_server::url(std::string_view host) const {
  return std::string(impl_->opt.tls ? "wss://" : "ws://") + std::string(host) + ":" + std::to_string(impl_->port) +
         "/stream";
}

int script_server::accepted() const { return impl_->accepted.load(); }
int script_server::upgraded() const { return impl_->upgraded.load(); }
int script_server::tls_failures() const { return impl_->tls_failed.load(); }

std::vector<std::string> script_server::received(int conn) const {
  const std::lock_guard l(impl_->mu);
  if (conn < 0 || static_cast<size_t>(conn) >= impl_->log.size()) return {};
  return impl_->log[static_cast<size_t>(conn)];
}

}  // namespace torghut::adapters::testing
