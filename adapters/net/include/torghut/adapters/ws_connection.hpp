#pragma once
/// One WebSocket client connection, the transport under every WebSocket client of the engine
/// (market data, trade_updates): resolve, TCP (no delay), TLS (SNI, peer and host-name
/// verification), the upgrade, an outgoing message queue, pings, a read loop and the close. The
/// protocol above it lives in its owner, which it calls back on the owner's io_context.
///
///   auto c = std::make_shared<ws_connection<true, my_client>>(owner, generation, options);
///   c->run();
///
/// The owner (`Owner`, held by shared_ptr; the connection keeps it alive) provides:
///   net::io_context& io;  ws_url url;  std::unique_ptr<ssl::context> ssl_ctx (TLS only)
///   void on_connect_failed(uint64_t gen, ws_fail_stage, const error_code&, int http_status,
///                          std::string_view detail);   // before the upgrade completed
///   void on_open(uint64_t gen);                         // upgraded: send the auth message here
///   void on_frame(uint64_t gen, std::string_view frame, bool binary);  // valid for the call
///   void on_closed(uint64_t gen, const error_code&, std::string_view close_reason);
///   void on_pong(uint64_t gen);
/// Each callback carries the generation the connection was made with, so an owner that has
/// moved on to a newer connection ignores a stale one. Exactly one of on_connect_failed and
/// on_closed is called per connection, unless the owner aborted it first.
///
/// Messages sent are wiped (OPENSSL_cleanse) once written or dropped: auth messages hold the
/// secret. Allocation: none per received frame once warm (the read buffer is reused, Asio
/// recycles handler memory); connection set-up and sends allocate.
///
/// Header-only, included by the Beast translation unit of each client (one per client).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/crypto.h>

#include <chrono>
#include <cstdint>
#include <atomic>
#include <deque>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "torghut/adapters/tls.hpp"
#include "torghut/core/url.hpp"

namespace torghut::adapters {

/// Where a connection attempt failed before the upgrade completed.
enum class ws_fail_stage : uint8_t { resolve, connect, tls, upgrade };
inline constexpr std::string_view ws_fail_stage_names[] = {"resolve", "connect", "TLS handshake", "upgrade"};
[[nodiscard]] inline std::string_view to_string(ws_fail_stage s) noexcept {
  return ws_fail_stage_names[static_cast<size_t>(s)];
}

/// How a connection dials and upgrades.
struct ws_dial_options {
  std::chrono::milliseconds connect_timeout{10'000};  ///< resolve+TCP+TLS, then the upgrade, each
  bool verify_peer = true;
  size_t max_frame_bytes = size_t{1} << 20;  ///< a bigger message closes the connection (1009)
  std::string user_agent = "torghut";
  std::string content_type;  ///< "" = no Content-Type header on the upgrade
  bool binary = false;       ///< send binary frames (else text)
  /// Non-empty: sent as APCA-API-KEY-ID / APCA-API-SECRET-KEY on the upgrade. Wiped afterwards.
  std::string key_id;
  std::string secret;
};

/// Securely empties a string that may hold a credential.
inline void wipe(std::string& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

/// What an owner holds of its current connection, whatever its stream type.
class ws_connection_base {
 public:
  virtual ~ws_connection_base() = default;
  virtual void run() = 0;
  /// Queues a message; its bytes are wiped once written (or at once when the connection is closed).
  virtual void send(std::string msg) = 0;
  virtual void ping() = 0;
  /// Closes the socket now (no close handshake); the pending read then reports.
  virtual void abort() = 0;
  /// A WebSocket close handshake when upgraded, else abort().
  virtual void close_gracefully() = 0;
};

template <bool Tls, class Owner>
class ws_connection final : public ws_connection_base,
                            public std::enable_shared_from_this<ws_connection<Tls, Owner>> {
  using error_code = boost::system::error_code;
  using tcp = boost::asio::ip::tcp;

 public:
  using ws_t = std::conditional_t<Tls, boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>,
                                  boost::beast::websocket::stream<boost::beast::tcp_stream>>;

  ws_connection(std::shared_ptr<Owner> owner, uint64_t gen, ws_dial_options opt)
      : owner_(std::move(owner)), gen_(gen), opt_(std::move(opt)), resolver_(owner_->io), ws_(make_ws()) {}

  ~ws_connection() override {
    for (auto& m : outq_) wipe(m);
    wipe(opt_.secret);
  }
  ws_connection(const ws_connection&) = delete;
  ws_connection& operator=(const ws_connection&) = delete;

  void run() override {
    auto self = this->shared_from_this();
    resolver_.async_resolve(owner_->url.host, owner_->url.port,
                            [self](const error_code& ec, const tcp::resolver::results_type& results) {
                              self->on_resolve(ec, results);
                            });
  }

  void send(std::string msg) override {
    if (closed_) {
      wipe(msg);
      return;
    }
    outq_.push_back(std::move(msg));
    if (!writing_ && upgraded_) write_next();
  }

  void ping() override {
    if (!upgraded_ || closed_ || pinging_) return;
    pinging_ = true;
    auto self = this->shared_from_this();
    ws_.async_ping({}, [self](const error_code&) { self->pinging_ = false; });
  }

  void abort() override {
    if (closed_) return;
    closed_ = true;
    resolver_.cancel();
    error_code ignored;
    boost::beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    boost::beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void close_gracefully() override {
    if (closed_) return;
    if (!upgraded_) {
      abort();
      return;
    }
    closed_ = true;
    auto self = this->shared_from_this();
    // Bounded by the handshake timeout (connect_timeout) set at the upgrade.
    ws_.async_close(boost::beast::websocket::close_code::normal, [self](const error_code&) {
      error_code ignored;
      boost::beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
  }

 private:
  ws_t make_ws() {
    if constexpr (Tls)
      return ws_t(owner_->io, *owner_->ssl_ctx);
    else
      return ws_t(owner_->io);
  }

  void failed(ws_fail_stage stage, const error_code& ec, int http_status = 0, std::string detail = {}) {
    if (reported_) return;
    reported_ = true;
    closed_ = true;
    owner_->on_connect_failed(gen_, stage, ec, http_status, detail);
  }

  void on_resolve(const error_code& ec, const tcp::resolver::results_type& results) {
    if (closed_) return;
    if (ec) return failed(ws_fail_stage::resolve, ec);
    boost::beast::get_lowest_layer(ws_).expires_after(opt_.connect_timeout);
    auto self = this->shared_from_this();
    boost::beast::get_lowest_layer(ws_).async_connect(
        results, [self](const error_code& e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(const error_code& ec) {
    if (closed_) return;
    if (ec) return failed(ws_fail_stage::connect, ec);
    error_code ignored;
    boost::beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (Tls) {
      auto& stream = ws_.next_layer();
      tls::prepare_client_handshake(stream, owner_->url.host, opt_.verify_peer);
      boost::beast::get_lowest_layer(ws_).expires_after(opt_.connect_timeout);
      auto self = this->shared_from_this();
      stream.async_handshake(boost::asio::ssl::stream_base::client, [self](const error_code& e) { self->on_tls(e); });
    } else {
      upgrade();
    }
  }

  void on_tls(const error_code& ec) {
    if (closed_) return;
    if (ec) {
      std::string detail;
      if constexpr (Tls)
        detail = tls::verification_failure(ws_.next_layer().native_handle(), ec, owner_->url.host, opt_.verify_peer);
      return failed(ws_fail_stage::tls, ec, 0, std::move(detail));
    }
    upgrade();
  }

  void upgrade() {
    namespace websocket = boost::beast::websocket;
    boost::beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = opt_.connect_timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    // The decorator runs once, for the upgrade request; it owns copies of what it sets.
    ws_.set_option(websocket::stream_base::decorator(
        [agent = opt_.user_agent, type = opt_.content_type, key = opt_.key_id,
         secret = opt_.secret](websocket::request_type& req) {
          req.set(boost::beast::http::field::user_agent, agent);
          if (!type.empty()) req.set(boost::beast::http::field::content_type, type);
          if (!key.empty()) {
            req.set("APCA-API-KEY-ID", key);
            req.set("APCA-API-SECRET-KEY", secret);
          }
        }));
    wipe(opt_.secret);
    ws_.read_message_max(opt_.max_frame_bytes);
    ws_.binary(opt_.binary);
    auto weak_owner = std::weak_ptr<Owner>(owner_);
    const uint64_t g = gen_;
    ws_.control_callback([weak_owner, g](websocket::frame_type kind, boost::beast::string_view) {
      if (kind != websocket::frame_type::pong) return;
      if (auto o = weak_owner.lock()) o->on_pong(g);
    });
    auto self = this->shared_from_this();
    ws_.async_handshake(res_, owner_->url.host_header(), owner_->url.path,
                        [self](const error_code& ec) { self->on_upgrade(ec); });
  }

  void on_upgrade(const error_code& ec) {
    if (closed_) return;
    if (ec) {
      const int status =
          ec == boost::beast::websocket::error::upgrade_declined ? static_cast<int>(res_.result_int()) : 0;
      return failed(ws_fail_stage::upgrade, ec, status);
    }
    upgraded_ = true;
    owner_->on_open(gen_);
    if (!outq_.empty() && !writing_ && !closed_) write_next();
    read();
  }

  void write_next() {
    writing_ = true;
    auto self = this->shared_from_this();
    ws_.async_write(boost::asio::buffer(outq_.front()), [self](const error_code& ec, size_t) {
      self->writing_ = false;
      wipe(self->outq_.front());
      self->outq_.pop_front();
      if (ec) {
        self->abort();
        return;
      }
      if (!self->outq_.empty() && !self->closed_) self->write_next();
    });
  }

  void read() {
    auto self = this->shared_from_this();
    ws_.async_read(buf_, [self](const error_code& ec, size_t) { self->on_read(ec); });
  }

  void on_read(const error_code& ec) {
    if (ec) {
      if (!reported_) {
        reported_ = true;
        closed_ = true;
        const std::string reason =
            ec == boost::beast::websocket::error::closed ? std::string(ws_.reason().reason.c_str()) : "";
        owner_->on_closed(gen_, ec, reason);
      }
      return;
    }
    const auto data = buf_.cdata();
    owner_->on_frame(gen_, std::string_view(static_cast<const char*>(data.data()), data.size()), ws_.got_binary());
    buf_.consume(buf_.size());
    read();  // after abort() the read fails at once and reports
  }

  std::shared_ptr<Owner> owner_;
  uint64_t gen_;
  ws_dial_options opt_;
  tcp::resolver resolver_;
  ws_t ws_;
  boost::beast::flat_buffer buf_;
  boost::beast::websocket::response_type res_;
  std::deque<std::string> outq_;
  bool writing_ = false;
  bool pinging_ = false;
  bool upgraded_ = false;
  bool closed_ = false;
  bool reported_ = false;
};

/// Liveness of a client's current connection: a ping every interval; no pong within the timeout
/// aborts the connection (its read then fails, and the owner's on_closed reconnects).
///
/// The owner (held by shared_ptr while a timer waits) provides `bool current(uint64_t gen)`,
/// `std::shared_ptr<ws_connection_base> conn`, and two notes: `on_ping_sent()` and
/// `on_pong_timeout()` (count, log). A pong is reported with `pong()`.
class ws_keepalive {
 public:
  explicit ws_keepalive(boost::asio::io_context& io) : ping_timer_(io), pong_timer_(io) {}

  /// Starts pinging connection `gen` of `owner`.
  template <class Owner>
  void arm(std::shared_ptr<Owner> owner, uint64_t gen, std::chrono::milliseconds interval,
           std::chrono::milliseconds pong_timeout) {
    ping_timer_.expires_after(interval);
    ping_timer_.async_wait([this, owner = std::move(owner), gen, interval, pong_timeout](
                               const boost::system::error_code& ec) mutable {
      if (ec || !owner->current(gen) || !owner->conn) return;
      owner->conn->ping();
      owner->on_ping_sent();
      if (!awaiting_pong_) {
        awaiting_pong_ = true;
        pong_timer_.expires_after(pong_timeout);
        pong_timer_.async_wait([this, owner, gen](const boost::system::error_code& ec2) {
          if (ec2 || !owner->current(gen) || !awaiting_pong_ || !owner->conn) return;
          owner->on_pong_timeout();
          owner->conn->abort();  // the read fails next; on_closed reconnects
        });
      }
      arm(std::move(owner), gen, interval, pong_timeout);
    });
  }
  /// A pong arrived on the current connection.
  void pong() noexcept {
    awaiting_pong_ = false;
    pong_timer_.cancel();
  }
  /// The connection ended or is being torn down.
  void cancel() noexcept {
    ping_timer_.cancel();
    pong_timer_.cancel();
    awaiting_pong_ = false;
  }

 private:
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer pong_timer_;
  bool awaiting_pong_ = false;
};

/// What every WebSocket client of the engine holds besides its protocol: the endpoint, the TLS
/// context, the current connection and its generation (callbacks of older connections are
/// ignored), its liveness, the reconnect timer, the client's state (readable from any thread)
/// and why it failed. `State` is the client's state enum; it must have `failed` and `stopped`.
/// The protocol owner derives from it (and from enable_shared_from_this) and keeps the rest.
template <class State>
struct ws_client_core {
  explicit ws_client_core(boost::asio::io_context& io_) : io(io_), reconnect_timer(io_), keepalive(io_) {}

  boost::asio::io_context& io;
  ws_url url;
  std::unique_ptr<boost::asio::ssl::context> ssl_ctx;
  boost::asio::steady_timer reconnect_timer;
  ws_keepalive keepalive;
  std::shared_ptr<ws_connection_base> conn;
  uint64_t gen = 0;
  std::atomic<State> st{State{}};
  std::atomic<int64_t> last_backoff_ms{0};  ///< the last reconnect delay chosen

  [[nodiscard]] bool current(uint64_t g) const noexcept { return g == gen; }
  [[nodiscard]] State state() const noexcept { return st.load(std::memory_order_relaxed); }
  void set_state(State s) noexcept { st.store(s, std::memory_order_relaxed); }
  [[nodiscard]] bool finished() const noexcept {
    const State s = state();
    return s == State::failed || s == State::stopped;
  }
  /// Why the client failed ("" otherwise); any thread.
  [[nodiscard]] std::string failure() const {
    const std::lock_guard lock(failure_mu_);
    return failure_text_;
  }
  void set_failure(std::string why) {
    const std::lock_guard lock(failure_mu_);
    failure_text_ = std::move(why);
  }
  /// Ends the current connection (a close handshake when `graceful`, else at once) and its
  /// liveness timers; every callback of it is stale from now on.
  void close_connection(bool graceful) {
    ++gen;
    if (conn) {
      if (graceful)
        conn->close_gracefully();
      else
        conn->abort();
      conn.reset();
    }
    keepalive.cancel();
  }

 private:
  mutable std::mutex failure_mu_;
  std::string failure_text_;
};

/// Makes the connection for `url.tls` (TLS or plain), not yet running.
template <class Owner>
[[nodiscard]] std::shared_ptr<ws_connection_base> make_ws_connection(std::shared_ptr<Owner> owner, uint64_t gen,
                                                                     ws_dial_options opt) {
  if (owner->url.tls) return std::make_shared<ws_connection<true, Owner>>(std::move(owner), gen, std::move(opt));
  return std::make_shared<ws_connection<false, Owner>>(std::move(owner), gen, std::move(opt));
}

}  // namespace torghut::adapters
