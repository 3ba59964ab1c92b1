// The Alpaca trade_updates WebSocket client. See trade_stream.hpp for the contract.
//
// The only Beast translation unit of the target. Built like md_client: one
// `ws_connection<Tls, impl>` (adapters/net) per dial owns the socket stack and reports to the client's `impl` through a generation
// number; callbacks from a connection that is no longer current are ignored, so a reconnect never
// races an old socket.

#include "torghut/adapters/tls.hpp"
#include "torghut/adapters/ws_connection.hpp"
#include "torghut/adapters/trade_stream.hpp"

#include "torghut/core/secrets.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <random>

#include "torghut/core/config.hpp"

#include "torghut/core/counter.hpp"

namespace torghut::adapters {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

std::string_view to_string(trade_stream_auth a) noexcept {
  return a == trade_stream_auth::action ? "action" : "legacy";
}

std::string_view to_string(trade_stream_state s) noexcept {
  switch (s) {
    case trade_stream_state::idle: return "idle";
    case trade_stream_state::connecting: return "connecting";
    case trade_stream_state::authenticating: return "authenticating";
    case trade_stream_state::listening: return "listening";
    case trade_stream_state::live: return "live";
    case trade_stream_state::backing_off: return "backing_off";
    case trade_stream_state::failed: return "failed";
    case trade_stream_state::stopped: return "stopped";
  }
  return "unknown";
}

void load_credentials_from_env(trade_stream_config& cfg) { credentials_from_env(cfg.key_id, cfg.secret); }

// ---------------------------------------------------------------------------------------------

namespace {

/// Single-writer counters, readable from any thread.
using counter = relaxed_counter;

/// `text` with every occurrence of `secret` replaced (server texts are echoed into failure()).
std::string redact(std::string_view text, std::string_view secret) {
  std::string out(text);
  if (secret.empty()) return out;
  for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 10))
    out.replace(pos, secret.size(), "[redacted]");
  return out;
}

constexpr std::array<std::string_view, 1> listen_streams = {"trade_updates"};

}  // namespace

struct trade_stream_client::impl : ws_client_core<trade_stream_state>,
                                   std::enable_shared_from_this<trade_stream_client::impl> {
  impl(net::io_context& io_, trade_stream_config c, trade_stream_sink& s)
      : ws_client_core(io_),
        cfg(std::move(c)),
        sink(s),
        bo(cfg.backoff, cfg.rng_seed != 0 ? cfg.rng_seed : std::random_device{}()),
        auth_timer(io_) {}

  // --- configuration and collaborators (I/O thread only after start); the endpoint, TLS,
  // connection, liveness, reconnect timer and state are ws_client_core's ---
  trade_stream_config cfg;
  trade_stream_sink& sink;
  std::unique_ptr<trading_parser> parser;
  backoff bo;
  net::steady_timer auth_timer;

  // --- protocol state (I/O thread only) ---
  bool conn_open = false;       ///< the current connection is upgraded and has not ended
  bool ever_listening = false;  ///< on_listening was called before
  stream_message msg;  ///< reused for every frame (large: an order view with its texts)

  // --- readable from any thread ---
  counter dials, reconnects, upgrades, disconnects, authorized, listen_acks, frames, text_frames, binary_frames,
      bytes, events, decode_errors, unexpected, unauthorized, listen_refused, pings_sent, pongs, pong_timeouts,
      auth_timeouts, tls_failures, upgrade_refused;
  std::array<counter, trade_event_count> by_type;

  // --- lifecycle -----------------------------------------------------------------------------
  void dial();

  void teardown_connection(bool graceful) {
    conn_open = false;
    close_connection(graceful);
    auth_timer.cancel();
  }

  /// The current upgraded connection ended: tell the sink once.
  void notify_disconnected() noexcept {
    if (!conn_open) return;
    conn_open = false;
    sink.on_disconnected();
  }

  void fail(std::string reason) {
    if (finished()) return;
    spdlog::error("[{}] trade_updates client stopped for good: {}", cfg.name, reason);
    set_failure(std::move(reason));
    set_state(trade_stream_state::failed);
    if (conn_open) disconnects.inc();
    notify_disconnected();
    teardown_connection(true);
    reconnect_timer.cancel();
  }

  void stop_now() {
    if (finished()) return;
    set_state(trade_stream_state::stopped);
    teardown_connection(true);
    reconnect_timer.cancel();
  }

  void schedule_reconnect(md_action a) {
    if (finished()) return;
    const auto delay = bo.next(a);
    last_backoff_ms.store(delay.count(), std::memory_order_relaxed);
    set_state(trade_stream_state::backing_off);
    spdlog::info("[{}] reconnecting to {}{} in {} ms", cfg.name, url.host_header(), url.path, delay.count());
    reconnect_timer.expires_after(delay);
    reconnect_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->state() != trade_stream_state::backing_off) return;
      self->dial();
    });
  }

  // --- connection callbacks ------------------------------------------------------------------
  void on_open(uint64_t g) {
    if (!current(g)) return;
    upgrades.inc();
    conn_open = true;
    set_state(trade_stream_state::authenticating);
    std::string m;
    if (cfg.auth == trade_stream_auth::action)
      encode_trading_auth(cfg.key_id, cfg.secret, m);
    else
      encode_trading_auth_legacy(cfg.key_id, cfg.secret, m);
    conn->send(std::move(m));
    arm_auth_timer(g);
    keepalive.arm(shared_from_this(), g, cfg.ping_interval, cfg.pong_timeout);
  }

  void on_connect_failed(uint64_t g, ws_fail_stage stage, const error_code& ec, int http_status,
                         std::string_view detail) {
    if (!current(g)) return;
    conn.reset();
    disconnects.inc();
    if (stage == ws_fail_stage::upgrade && http_status != 0) {
      upgrade_refused.inc();
      const auto d = decide_on_upgrade_status(http_status);
      if (d.action == md_action::stop) {
        fail(std::string(d.reason) + " (HTTP " + std::to_string(http_status) + " from " + url.host_header() +
             url.path + ")");
        return;
      }
      spdlog::warn("[{}] upgrade refused with HTTP {}: {}", cfg.name, http_status, d.reason);
      schedule_reconnect(d.action);
      return;
    }
    if (stage == ws_fail_stage::tls) {
      tls_failures.inc();
      if (!detail.empty()) {
        fail("TLS: " + std::string(detail));
        return;
      }
    }
    spdlog::warn("[{}] {} to {} failed: {}", cfg.name, to_string(stage), url.host_header(),
                 ec.message());
    schedule_reconnect(md_action::reconnect);
  }

  void on_closed(uint64_t g, const error_code& ec, std::string_view reason) {
    if (!current(g)) return;
    conn.reset();
    keepalive.cancel();
    auth_timer.cancel();
    disconnects.inc();
    notify_disconnected();
    if (finished()) return;
    spdlog::warn("[{}] connection to {} ended: {}{}{}", cfg.name, url.host_header(), ec.message(),
                 reason.empty() ? "" : " / ", redact(reason, cfg.secret));
    schedule_reconnect(md_action::reconnect);
  }

  void on_pong(uint64_t g) {
    if (!current(g)) return;
    pongs.inc();
    keepalive.pong();
  }
  // ws_keepalive's notes
  void on_ping_sent() { pings_sent.inc(); }
  void on_pong_timeout() {
    pong_timeouts.inc();
    spdlog::warn("[{}] no pong from {} within {} ms: dropping the connection", cfg.name, url.host_header(),
                 cfg.pong_timeout.count());
  }

  void arm_auth_timer(uint64_t g) {
    auth_timer.expires_after(cfg.auth_timeout);
    auth_timer.async_wait([self = shared_from_this(), g](const error_code& ec) {
      if (ec || !self->current(g) || !self->conn) return;
      const auto s = self->state();
      if (s != trade_stream_state::authenticating && s != trade_stream_state::listening) return;
      self->auth_timeouts.inc();
      spdlog::warn("[{}] no {} reply from {} within {} ms: dropping the connection", self->cfg.name,
                   s == trade_stream_state::authenticating ? "authorization" : "listening",
                   self->url.host_header(), self->cfg.auth_timeout.count());
      self->conn->abort();
    });
  }

  // --- frames --------------------------------------------------------------------------------
  void on_frame(uint64_t g, std::string_view frame, bool binary) {
    if (!current(g)) return;
    frames.inc();
    (binary ? binary_frames : text_frames).inc();
    bytes.add(frame.size());
    const parse_result r = parser->parse_trade_update(frame, msg);
    if (!r.ok()) {
      on_decode_error(r);
      return;
    }
    switch (msg.kind) {
      case stream_kind::trade_updates: {
        events.inc();
        const auto i = static_cast<size_t>(msg.update.event);
        if (i < by_type.size()) by_type[i].inc();
        sink.on_trade_update(msg.update);
        return;
      }
      case stream_kind::authorization: on_authorization(); return;
      case stream_kind::listening: on_listening_reply(); return;
    }
  }

  void on_decode_error(const parse_result& r) {
    decode_errors.inc();
    const uint64_t n = decode_errors.get();
    // Never the frame's bytes: the error kind and the (static) field name only. Rate-limited.
    if (n <= 5 || n % 1000 == 0)
      spdlog::warn("[{}] skipped a frame that does not decode: {}{}{} ({} so far)", cfg.name, to_string(r.error),
                   r.field.empty() ? "" : " at ", r.field, n);
  }

  void on_authorization() {
    if (state() != trade_stream_state::authenticating) {
      unexpected.inc();  // never answered with a second auth (protocol doc)
      spdlog::debug("[{}] ignoring an authorization frame in state {}", cfg.name, to_string(state()));
      return;
    }
    if (!msg.authorized) {
      unauthorized.inc();
      const std::string_view m = msg.auth_message.view();
      fail("unauthorized: " + (m.empty() ? std::string("the server refused the credentials (no message)")
                                         : redact(m, cfg.secret)));
      return;
    }
    authorized.inc();
    set_state(trade_stream_state::listening);
    spdlog::info("[{}] authorized on {}; listening to trade_updates", cfg.name, url.host_header());
    std::string m;
    encode_trading_listen(listen_streams, m);
    if (conn) conn->send(std::move(m));
  }

  void on_listening_reply() {
    const auto s = state();
    if (s != trade_stream_state::listening) {
      unexpected.inc();
      if (s == trade_stream_state::live && !msg.listening_trade_updates)
        spdlog::warn("[{}] the server's listening reply no longer names trade_updates", cfg.name);
      return;
    }
    if (!msg.listening_trade_updates) {
      listen_refused.inc();
      spdlog::error("[{}] the server did not confirm trade_updates ({} other streams): reconnecting", cfg.name,
                    msg.listening_count);
      if (conn) conn->abort();  // on_closed reconnects with the backoff
      return;
    }
    listen_acks.inc();
    auth_timer.cancel();
    bo.reset();
    set_state(trade_stream_state::live);
    const bool reconnect = ever_listening;
    ever_listening = true;
    spdlog::info("[{}] live on {}{}", cfg.name, url.host_header(), reconnect ? " (after a reconnect)" : "");
    sink.on_listening(reconnect);
  }
};

void trade_stream_client::impl::dial() {
  if (finished()) return;
  ++gen;
  conn_open = false;
  dials.inc();
  if (dials.get() > 1) reconnects.inc();
  set_state(trade_stream_state::connecting);
  ws_dial_options o;
  o.connect_timeout = cfg.connect_timeout;
  o.verify_peer = cfg.verify_peer;
  o.max_frame_bytes = cfg.max_frame_bytes;
  o.user_agent = "torghut-trade-stream";
  o.binary = false;  // our actions are JSON text
  conn = make_ws_connection(shared_from_this(), gen, std::move(o));
  conn->run();
}

// ---------------------------------------------------------------------------------------------

trade_stream_client::trade_stream_client(net::io_context& io, trade_stream_config cfg, trade_stream_sink& sink)
    : impl_(std::make_shared<impl>(io, std::move(cfg), sink)) {}

trade_stream_client::~trade_stream_client() {
  // The io_context is not running (contract): stale handlers it still holds keep impl alive and
  // see a finished state if they ever run.
  auto& im = *impl_;
  if (!im.finished()) {
    im.set_state(trade_stream_state::stopped);
    im.teardown_connection(false);
    im.reconnect_timer.cancel();
  }
}

bool trade_stream_client::start(std::string& error) {
  auto& im = *impl_;
  auto refuse = [&](std::string e) {
    error = std::move(e);
    im.set_failure(error);
    im.set_state(trade_stream_state::failed);
    return false;
  };
  if (im.state() != trade_stream_state::idle) return refuse("start() called twice");
  std::string url_err;
  auto u = parse_ws_url(im.cfg.url, url_err);
  if (!u) return refuse("bad trade_updates URL: " + url_err);
  if (!u->tls && !is_loopback_host(u->host))
    return refuse("trade_updates URL: plain ws:// is only allowed to a loopback host (use wss:// for '" + u->host +
                  "')");
  im.url = std::move(*u);
  if (im.cfg.key_id.empty() || im.cfg.secret.empty())
    return refuse("no Alpaca credentials: set APCA_API_KEY_ID and APCA_API_SECRET_KEY");
  if (im.cfg.ping_interval.count() <= 0 || im.cfg.pong_timeout.count() <= 0 ||
      im.cfg.connect_timeout.count() <= 0 || im.cfg.auth_timeout.count() <= 0)
    return refuse("ping_interval, pong_timeout, connect_timeout and auth_timeout must be positive");
  if (im.cfg.max_frame_bytes < 1024) return refuse("max_frame_bytes must be at least 1024");
  try {
    if (im.url.tls) {
      im.ssl_ctx = tls::make_client_context(im.cfg.verify_peer, im.cfg.ca_file);
      if (!im.cfg.verify_peer) {
        spdlog::warn("[{}] TLS peer verification is OFF for {}", im.cfg.name, im.url.host_header());
      }
    }
    im.parser = std::make_unique<trading_parser>(im.cfg.max_frame_bytes);
  } catch (const std::exception& e) {
    im.ssl_ctx.reset();
    return refuse(std::string("cannot set up the trade_updates client") +
                  (im.cfg.ca_file.empty() ? std::string() : " (ca_file " + im.cfg.ca_file + ")") + ": " + e.what());
  }
  im.set_state(trade_stream_state::connecting);
  spdlog::info("[{}] trade_updates client for {}{} ({} auth, key {})", im.cfg.name, im.url.host_header(),
               im.url.path, to_string(im.cfg.auth), key_fingerprint(im.cfg.key_id));
  net::post(im.io, [self = impl_] { self->dial(); });
  return true;
}

void trade_stream_client::stop() {
  net::post(impl_->io, [self = impl_] { self->stop_now(); });
}

trade_stream_state trade_stream_client::state() const noexcept { return impl_->state(); }

std::string trade_stream_client::failure() const { return impl_->failure(); }

trade_stream_stats trade_stream_client::stats() const {
  const auto& im = *impl_;
  trade_stream_stats s;
  s.state = im.state();
  s.dials = im.dials.get();
  s.reconnects = im.reconnects.get();
  s.upgrades = im.upgrades.get();
  s.disconnects = im.disconnects.get();
  s.authorized = im.authorized.get();
  s.listen_acks = im.listen_acks.get();
  s.frames = im.frames.get();
  s.text_frames = im.text_frames.get();
  s.binary_frames = im.binary_frames.get();
  s.bytes = im.bytes.get();
  s.events = im.events.get();
  for (size_t i = 0; i < s.events_by_type.size(); ++i) s.events_by_type[i] = im.by_type[i].get();
  s.decode_errors = im.decode_errors.get();
  s.unexpected = im.unexpected.get();
  s.unauthorized = im.unauthorized.get();
  s.listen_refused = im.listen_refused.get();
  s.pings_sent = im.pings_sent.get();
  s.pongs = im.pongs.get();
  s.pong_timeouts = im.pong_timeouts.get();
  s.auth_timeouts = im.auth_timeouts.get();
  s.tls_failures = im.tls_failures.get();
  s.upgrade_refused = im.upgrade_refused.get();
  s.last_backoff_ms = im.last_backoff_ms.load(std::memory_order_relaxed);
  return s;
}

}  // namespace torghut::adapters
