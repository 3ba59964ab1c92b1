#pragma once
/// The Alpaca trade_updates WebSocket client (protocol doc section 2): the order events that drive
/// the engine's order state machine.
///
///   boost::asio::io_context io;
///   trade_stream_config cfg;                      // wss://paper-api.alpaca.markets/stream
///   cfg.key_id = ...; cfg.secret = ...;
///   trade_stream_client client(io, cfg, sink);
///   if (!client.start(err)) { ...err... }         // config refused: no network traffic at all
///   io.poll();                                    // from the hot loop, events delivered inline
///
/// Flow per connection: resolve, TCP, TLS (SNI, peer verification against the system store plus
/// ca_file, host-name check), WebSocket upgrade, auth (the configured form, sent exactly once),
/// `authorization` authorized, listen ["trade_updates"], `listening` naming trade_updates → `live`
/// and sink.on_listening(reconnect). Every trade_updates event then reaches
/// sink.on_trade_update. Text and binary frames are both accepted (the paper stream sends JSON in
/// binary frames).
///
/// Failures:
///   - `unauthorized` → `failed` for good (no retry loop); failure() is
///     "unauthorized: <server message>".
///   - a certificate that fails verification, or an upgrade refused with a 4xx other than 429 →
///     `failed` (an operator must look).
///   - any other drop — read/write error, the server closing, no pong within pong_timeout, no
///     authorization/listening reply within auth_timeout, a `listening` reply without
///     trade_updates — → backoff (md_policy.hpp's `backoff`, full jitter), reconnect, re-auth,
///     re-listen, on_listening(true). The backoff starts again after each successful listen.
///   - a frame that does not decode is counted (decode_errors) and skipped; never fatal. Its bytes
///     never appear in a log line.
///
/// Sink calls: on_listening(reconnect) once per connection that reaches `live`; reconnect is false
/// the first time ever, true afterwards (updates may have been missed: the engine reconciles with
/// REST). on_disconnected() once for every upgraded connection that ends for any reason other than
/// stop() or destruction (including the connection refused as unauthorized); it may therefore come
/// without an on_listening before it (e.g. an auth timeout).
///
/// Threading: all work runs in handlers on the caller's io_context; run it from one thread (the
/// sink is called there). stop() may be called from any thread (it posts). state(), failure(),
/// stats() may be read from any thread. Destroy the client only when its io_context is not running.
///
/// Allocation: none per received event frame once warm (Beast reuses its read buffer, Asio
/// recycles handler memory, the trading_parser is sized at start()). Connection set-up allocates.
///
/// The secret is never logged and never part of failure() or any error text; the buffers that held
/// the auth message are wiped after it is written.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "torghut/adapters/md_policy.hpp"
#include "torghut/adapters/trading_codec.hpp"

namespace boost::asio {
class io_context;
}

namespace torghut::adapters {

/// Which auth message is sent after the upgrade.
enum class trade_stream_auth : uint8_t {
  action,  ///< `{"action":"auth","key":"…","secret":"…"}`
  legacy,  ///< `{"action":"authenticate","data":{"key_id":"…","secret_key":"…"}}`
};
[[nodiscard]] std::string_view to_string(trade_stream_auth a) noexcept;

inline constexpr std::string_view alpaca_paper_trade_stream = "wss://paper-api.alpaca.markets/stream";
inline constexpr std::string_view alpaca_live_trade_stream = "wss://api.alpaca.markets/stream";

struct trade_stream_config {
  /// wss:// anywhere; plain ws:// only to a loopback host (start() refuses anything else).
  std::string url = std::string(alpaca_paper_trade_stream);
  std::string key_id;
  std::string secret;  ///< never logged
  trade_stream_auth auth = trade_stream_auth::action;

  /// An extra PEM CA file to trust (e.g. a self-signed simulator certificate).
  std::string ca_file;
  /// wss: verify the server certificate (system store plus ca_file) and its host name.
  bool verify_peer = true;

  std::chrono::milliseconds ping_interval{10'000};
  std::chrono::milliseconds pong_timeout{5'000};
  /// Resolve + TCP + TLS handshake, then the WebSocket upgrade, each bounded by this.
  std::chrono::milliseconds connect_timeout{10'000};
  /// From the upgrade to the `listening` reply (authorization included): past it the connection
  /// is dropped and dialed again.
  std::chrono::milliseconds auth_timeout{10'000};
  backoff_config backoff;
  /// Seed of the backoff jitter; 0: from std::random_device.
  uint64_t rng_seed = 0;

  /// The largest frame accepted (bigger ones drop the connection); also the parser's capacity.
  size_t max_frame_bytes = size_t{1} << 20;
  /// A name for log lines.
  std::string name = "trade_updates";
};

/// Sets key_id / secret from APCA_API_KEY_ID / APCA_API_SECRET_KEY when they are empty.
void load_credentials_from_env(trade_stream_config& cfg);

/// Receives the stream's events on the thread running the io_context.
class trade_stream_sink {
 public:
  virtual ~trade_stream_sink() = default;
  /// One trade_updates event. The view is valid for the call only.
  virtual void on_trade_update(const trade_update_view& u) noexcept = 0;
  /// Authorized and the listen acknowledged (trade_updates among the streams). reconnect=false the
  /// first time. The engine reconciles with REST here (updates may have been missed while
  /// disconnected).
  virtual void on_listening(bool reconnect) noexcept = 0;
  /// An upgraded connection ended (see the file comment for exactly when).
  virtual void on_disconnected() noexcept {}
};

enum class trade_stream_state : uint8_t {
  idle,            ///< constructed, not started
  connecting,      ///< resolving, TCP, TLS, upgrade
  authenticating,  ///< upgraded, the auth sent, waiting for `authorization`
  listening,       ///< authorized, the listen sent, waiting for `listening`
  live,            ///< trade_updates confirmed: events flow
  backing_off,     ///< waiting to reconnect
  failed,          ///< stopped for good (unauthorized, TLS verification, refused upgrade): see failure()
  stopped,         ///< stop() was called
};
[[nodiscard]] std::string_view to_string(trade_stream_state s) noexcept;

/// Counters (a snapshot; each counter is monotonic).
struct trade_stream_stats {
  trade_stream_state state = trade_stream_state::idle;
  uint64_t dials = 0;           ///< connection attempts started
  uint64_t reconnects = 0;      ///< dials after the first
  uint64_t upgrades = 0;        ///< WebSocket handshakes completed
  uint64_t disconnects = 0;     ///< connections (or dial attempts) that ended, any reason
  uint64_t authorized = 0;      ///< `authorized` replies
  uint64_t listen_acks = 0;     ///< `listening` replies that named trade_updates
  uint64_t frames = 0;
  uint64_t text_frames = 0;
  uint64_t binary_frames = 0;
  uint64_t bytes = 0;
  uint64_t events = 0;          ///< trade_updates events delivered
  std::array<uint64_t, trade_event_count> events_by_type{};  ///< indexed by trade_event
  uint64_t decode_errors = 0;   ///< frames the parser rejected (skipped)
  uint64_t unexpected = 0;      ///< well-formed frames out of place (ignored): a 2nd authorization, ...
  uint64_t unauthorized = 0;
  uint64_t listen_refused = 0;  ///< `listening` replies without trade_updates (reconnects)
  uint64_t pings_sent = 0;
  uint64_t pongs = 0;
  uint64_t pong_timeouts = 0;
  uint64_t auth_timeouts = 0;
  uint64_t tls_failures = 0;
  uint64_t upgrade_refused = 0;  ///< non-101 upgrade answers
  int64_t last_backoff_ms = 0;   ///< the last reconnect delay chosen
};

class trade_stream_client {
 public:
  trade_stream_client(boost::asio::io_context& io, trade_stream_config cfg, trade_stream_sink& sink);
  ~trade_stream_client();
  trade_stream_client(const trade_stream_client&) = delete;
  trade_stream_client& operator=(const trade_stream_client&) = delete;

  /// Validates the config (URL, the loopback rule for ws://, credentials present, positive
  /// timeouts, the CA file readable), sets up TLS and the parser, and schedules the first dial on
  /// the io_context. False with `error` set, state `failed` and no network traffic otherwise.
  [[nodiscard]] bool start(std::string& error);
  /// Closes the connection (a WebSocket close when possible) and cancels the timers; the
  /// io_context then runs out of the client's work. No sink call follows.
  void stop();

  [[nodiscard]] trade_stream_state state() const noexcept;
  /// Why the client is `failed` ("" otherwise). Never contains the secret.
  [[nodiscard]] std::string failure() const;
  [[nodiscard]] trade_stream_stats stats() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace torghut::adapters
