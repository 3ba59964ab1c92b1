#pragma once
/// The Alpaca market-data WebSocket client (stocks v2, also the simulator and the relay).
///
///   boost::asio::io_context io;
///   md_client_config cfg;                        // defaults: wss://stream.data.alpaca.markets/v2/iex
///   load_credentials_from_env(cfg);              // APCA_API_KEY_ID / APCA_API_SECRET_KEY
///   cfg.subscriptions[subscription_channel::quotes] = {"AAPL"};
///   md_client client(io, cfg, symbols, sink);
///   if (!client.start(err)) { ...err... }        // registry + lease first: no traffic on refusal
///   io.run();   // (a) on an I/O thread with a mailbox_event_sink, or
///   io.poll();  // (b) from the hot loop, events delivered inline
///
/// Flow: resolve, TCP, TLS (SNI, peer verification against the system store, host name check),
/// upgrade (optionally with the key headers; `Content-Type: application/msgpack` for msgpack),
/// greeting, auth, subscribe what the engine wants, data. The engine's wish (the configured
/// subscriptions plus subscribe(), minus unsubscribe() and minus what a 405 refused) is what every
/// (re)authentication subscribes; a server `subscription` reply only updates subscriptions() (what
/// the server says it sends), and one that disagrees with the wish, or that answers no request,
/// is logged (once per distinct difference). Decode errors: the first of each kind is logged with
/// its context (frame, byte offset, message type, an excerpt, never of a frame that could carry a
/// credential), then a count at most every 10 s per kind. A frame over max_frame_bytes closes the
/// connection (1009) and is logged with the limit. The backoff starts again only after a
/// connection was healthy for backoff.healthy_after. Liveness: a ping every ping_interval; no pong within pong_timeout drops the
/// connection. Any drop reconnects after a backoff (md_policy.hpp); after a reconnect the sink
/// gets one `gap` event (feed-wide, length = time since the last frame of the old connection)
/// before new data. Error codes follow the protocol table exactly (decide_on_error).
///
/// Threading: all of the client's work runs in handlers on the caller's io_context, one thread
/// at a time (run it from one thread). subscribe/unsubscribe/stop may be called from any thread
/// (they post). state(), stats(), subscriptions() may be read from any thread. Destroy the
/// client only when its io_context is not running.
///
/// The decoder interns symbols into the given symbol_table from the I/O thread: with mode (a)
/// the hot thread may only read names of ids it received (symbol_table's contract).
///
/// Allocation: per data frame, none in the client or the decoder once warm (Beast reuses its
/// buffer; Asio recycles handler memory). Control messages allocate (rare).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/md_lease.hpp"
#include "torghut/adapters/md_policy.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"

namespace boost::asio {
class io_context;
}

namespace torghut::adapters {

/// Receives decoded market events (and gap events) on the thread running the io_context.
class md_event_sink {
 public:
  virtual ~md_event_sink() = default;
  virtual void on_market_event(const market_event& e) noexcept = 0;
};

/// Mode (a): the I/O thread pushes into a lock-free SPSC mailbox the hot thread drains.
/// A full mailbox drops the event and counts it (dropped()); a gap is then pushed as soon as
/// there is room, so the hot side knows it missed data.
class mailbox_event_sink final : public md_event_sink {
 public:
  explicit mailbox_event_sink(mailbox<market_event>& mb) noexcept : mb_(mb) {}
  void on_market_event(const market_event& e) noexcept override;
  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  mailbox<market_event>& mb_;
  std::atomic<uint64_t> dropped_{0};
  bool owe_gap_ = false;
  timestamp first_drop_{};
};

enum class md_auth_mode : uint8_t {
  message,  ///< `{"action":"auth",...}` after the greeting (default)
  headers,  ///< APCA-API-KEY-ID / APCA-API-SECRET-KEY on the upgrade request
};

enum class md_client_state : uint8_t {
  idle,            ///< constructed, not started
  connecting,      ///< resolving, TCP, TLS, upgrade
  authenticating,  ///< upgraded, waiting for the greeting / the auth reply
  subscribing,     ///< authenticated, a subscribe is unanswered
  live,            ///< authenticated, every subscribe answered
  backing_off,     ///< waiting to reconnect
  failed,          ///< stopped for good (402, 409, refused upgrade, TLS verification): see failure()
  stopped,         ///< stop() was called
};
[[nodiscard]] std::string_view to_string(md_client_state s) noexcept;

struct md_client_config {
  /// The full stream URL; empty: make_stream_url(base, feed).
  std::string url;
  std::string base = std::string(alpaca_md_base);
  md_feed feed = md_feed::iex;
  std::string key_id;
  std::string secret;  ///< never logged
  md_auth_mode auth = md_auth_mode::message;
  wire_format format = wire_format::json;
  /// Subscribed after every (re)authentication, together with later subscribe() calls.
  channel_lists subscriptions;

  /// wss: verify the server certificate (system store plus ca_file) and its host name.
  bool verify_peer = true;
  /// An extra PEM CA file to trust (e.g. a self-signed simulator certificate).
  std::string ca_file;

  std::chrono::milliseconds ping_interval{10'000};
  std::chrono::milliseconds pong_timeout{5'000};
  /// Resolve + TCP + TLS handshake, then the WebSocket upgrade, each bounded by this.
  std::chrono::milliseconds connect_timeout{10'000};
  backoff_config backoff;
  /// Seed of the backoff jitter; 0: from std::random_device.
  uint64_t rng_seed = 0;

  /// Refuse a second connection for the same slot in this process (connection_registry).
  bool use_registry = true;
  /// The cross-process lease (lock file by default; postgres when a DSN is given).
  lease_config lease;

  /// Non-empty: every received frame is appended with its receive time to this recording
  /// (recording_writer line format). JSON only: with msgpack nothing is recorded (the line format
  /// holds text frames; a warning is logged once).
  std::string record_path;

  size_t max_frame_bytes = size_t{1} << 20;
  /// Receive times come from here; nullptr: a system_clock owned by the client.
  const clock* clk = nullptr;
  /// A name for log lines ("md" by default).
  std::string name = "md";
};

/// Sets key_id / secret from APCA_API_KEY_ID / APCA_API_SECRET_KEY when they are empty.
void load_credentials_from_env(md_client_config& cfg);
/// The URL the config dials (url, or base + feed).
[[nodiscard]] std::string effective_url(const md_client_config& cfg);

/// Counters and gauges (a snapshot; each counter is monotonic).
struct md_client_stats {
  md_client_state state = md_client_state::idle;
  uint64_t dials = 0;             ///< connection attempts started
  uint64_t upgrades = 0;          ///< WebSocket handshakes completed
  uint64_t authenticated = 0;     ///< successful authentications
  uint64_t reconnects = 0;        ///< dials after the first
  uint64_t disconnects = 0;       ///< connections that ended (any reason)
  uint64_t frames = 0;
  uint64_t bytes = 0;
  uint64_t events = 0;            ///< market events delivered (gap events excluded)
  uint64_t controls = 0;
  uint64_t decode_errors = 0;     ///< messages or frames the decoder skipped
  uint64_t gaps = 0;              ///< gap events delivered
  uint64_t subscription_replies = 0;
  uint64_t pings_sent = 0;
  uint64_t pongs = 0;
  uint64_t pong_timeouts = 0;
  uint64_t error_messages = 0;    ///< Alpaca `error` messages received (any code)
  uint64_t conn_limit = 0;        ///< 406
  uint64_t slow_client = 0;       ///< 407
  uint64_t auth_failed = 0;       ///< 402 (the client stops: wrong keys)
  uint64_t alarms = 0;            ///< errors that raised an alarm (407)
  uint64_t alerts = 0;            ///< 405
  uint64_t bugs = 0;              ///< 400, 401, 410, unknown codes
  uint64_t upgrade_refused = 0;   ///< non-101 upgrade answers
  uint64_t rate_limited = 0;      ///< HTTP 429 on the upgrade
  uint64_t tls_failures = 0;
  uint64_t frames_recorded = 0;
  uint64_t oversized_frames = 0;  ///< connections closed for a frame over max_frame_bytes (1009)
  uint64_t healthy_resets = 0;    ///< backoff resets: a connection had been healthy for healthy_after
  uint64_t unsolicited_replies = 0;  ///< subscription replies to no request of ours
  uint64_t subscription_disagreements = 0;  ///< distinct reply/wish differences (each logged once)
  uint32_t backoff_attempt = 0;   ///< the normal backoff's attempt counter after the last reconnect delay
  int last_error_code = 0;        ///< the last Alpaca error code received (0: none)
  int64_t last_backoff_ms = 0;    ///< the last reconnect delay chosen
  lag_gauge::snapshot lag;
};

class md_client {
 public:
  md_client(boost::asio::io_context& io, md_client_config cfg, symbol_table& symbols, md_event_sink& sink);
  ~md_client();
  md_client(const md_client&) = delete;
  md_client& operator=(const md_client&) = delete;

  /// Validates the config, takes the registry slot and the lease, and schedules the first dial on
  /// the io_context. False with `error` set, and no network traffic, when any of them fails (the
  /// state then is `failed`).
  [[nodiscard]] bool start(std::string& error);
  /// Adds to the subscriptions (sent at once when connected, else after the next auth).
  void subscribe(const channel_lists& add);
  /// Removes from the subscriptions.
  void unsubscribe(const channel_lists& remove);
  /// Closes the connection (cleanly when possible), cancels timers, releases the registry slot and
  /// the lease. The io_context then runs out of the client's work.
  void stop();

  [[nodiscard]] md_client_state state() const noexcept;
  /// Why the client is `failed` ("" otherwise).
  [[nodiscard]] std::string failure() const;
  [[nodiscard]] md_client_stats stats() const;
  /// The subscription state the server last confirmed (all ten channels).
  [[nodiscard]] channel_lists subscriptions() const;
  /// The registry/lease slot of this client.
  [[nodiscard]] const stream_slot& slot() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace torghut::adapters
