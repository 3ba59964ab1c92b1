#pragma once
/// The Alpaca market-data protocol server: the simulator (`torghut sim`) and the relay (the engine
/// publishes its normalised events; local consumers — a shadow engine, a dashboard, an official
/// SDK — connect to it as if it were Alpaca).
///
/// Speaks `/v2/{iex,sip,delayed_sip,test}` exactly as docs/alpaca-protocol.md describes: greeting,
/// auth by upgrade headers or `auth` action, error codes 400..407, subscription replies with the
/// whole state, `*`, corrections/cancelErrors with trades, control messages alone in their array,
/// data batched, FAKEPACA on /v2/test only, ping/pong, JSON or msgpack (`Content-Type:
/// application/msgpack` on the upgrade), one connection per key and path (406), bounded outgoing
/// buffers (407).
///
/// Threading: all I/O runs on the server's own thread. `publish` may be called from any thread:
/// it copies the event into a preallocated lock-free queue (moodycamel) and never blocks; the
/// server thread drains the queue, filters per connection subscription and encodes per connection
/// format. Fault switches and stats are thread-safe.
///
/// The protocol decisions (auth, subscriptions, error codes, slots) are md_protocol.hpp's, pure;
/// this class adds the sockets, timers, queues and the thread. Beast and OpenSSL are private:
/// nothing of them appears here.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "torghut/adapters/md_protocol.hpp"  // md_credentials, md_default_key
#include "torghut/core/messages.hpp"
#include "torghut/core/types.hpp"

namespace torghut::adapters {

/// A plain HTTP request that is not a market-data upgrade (for handlers added on the same port,
/// e.g. the trading REST API of the simulator).
struct http_request_info {
  std::string method;
  std::string target;  ///< path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept;
};
struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
/// Returns a reply, or nullopt for "not mine" (the server then answers 404). Runs on the server
/// thread: it must not block.
using http_handler = std::function<std::optional<http_reply>(const http_request_info&)>;

/// Splits a listen address "HOST:PORT" ("[::1]:8765" for IPv6) into `host` and `port`; false
/// when it is malformed (no host, no port, a port that is not a number in 0..65535).
[[nodiscard]] bool parse_listen_address(std::string_view text, std::string& host, uint16_t& port);

struct md_server_options {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;  ///< 0: an ephemeral port (see md_server::port())
  /// Accepted key pairs. An `auth` with any other pair gets 402.
  std::vector<md_credentials> credentials{{std::string(md_default_key), std::string(md_default_secret)}};
  /// Both set: TLS (`wss://`) with this PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// No successful auth this long after the upgrade: 404 `auth timeout` and close.
  std::chrono::milliseconds auth_timeout{10'000};
  /// WebSocket idle timeout: the server pings after half of it without traffic from the client
  /// and drops the connection (uncleanly) after all of it. 0 disables pings and the timeout.
  std::chrono::milliseconds idle_timeout{20'000};
  /// After an unclean drop, the dead connection keeps its (key, path) slot this long, so a quick
  /// reconnect gets 406 (Alpaca holds it ~90 s). 0: released at once.
  std::chrono::milliseconds slot_hold_after_drop{0};
  /// A slow client is sent 407 and given this long to read it before a hard close.
  std::chrono::milliseconds slow_client_grace{1'000};
  /// Most data messages per frame.
  uint32_t max_batch = 1000;
  /// Per-connection outgoing bound: over either, the client is a slow client (407, dropped).
  size_t max_queued_bytes = size_t{64} << 20;
  size_t max_queued_frames = 100'000;
  /// Capacity of the publish queue (events); a full queue drops and counts (queue_overflows).
  size_t publish_queue_capacity = size_t{1} << 17;
  /// Most symbols one connection may subscribe to, all channels together (405 past it); 0: no limit.
  size_t max_symbols_per_connection = 0;
  /// Largest client message accepted (bigger ones close the connection with "message too big").
  size_t max_client_message_bytes = size_t{1} << 20;
  /// 0: every publish that finds the server idle posts a drain to the server thread (lowest
  /// latency; the publisher pays an Asio post: a lock and a wake-up). > 0: publishers only
  /// enqueue, lock-free and allocation-free, and the server drains the queue on this period (what
  /// the relay uses, so the hot thread never takes a lock or makes a system call for it).
  std::chrono::microseconds drain_interval{0};
  /// Optional handler for plain HTTP requests (anything that is not a /v2/<feed> upgrade).
  http_handler on_http;
  /// Optional: called on the server thread with steady_clock ns as each data frame is handed to
  /// its connection's writer (the wire-to-wire harness stamps the trigger frame with it).
  std::function<void(int64_t steady_ns)> on_data_frame;
};

/// Error codes counted in md_server_stats::errors_sent (index: code - 400 for 400..410; 11 for 500).
inline constexpr size_t md_error_slots = 12;
[[nodiscard]] constexpr size_t md_error_slot(int code) noexcept {
  return code == 500 ? 11 : (code >= 400 && code <= 410 ? static_cast<size_t>(code - 400) : 11);
}

/// Counters (a snapshot; each is monotonic except active_connections).
struct md_server_stats {
  uint64_t tcp_accepted = 0;
  uint64_t tls_handshake_failures = 0;
  uint64_t http_requests = 0;      ///< plain HTTP requests (not upgrades)
  uint64_t http_not_found = 0;     ///< 404 answers to plain requests and unknown upgrade paths
  uint64_t ws_upgrades = 0;        ///< WebSocket handshakes completed
  uint64_t auth_ok = 0;
  uint64_t auth_failed = 0;        ///< 402
  uint64_t auth_timeouts = 0;      ///< 404
  uint64_t connection_limit = 0;   ///< 406
  uint64_t slow_client_drops = 0;  ///< 407
  std::array<uint64_t, md_error_slots> errors_sent{};  ///< every error frame sent, by code
  uint64_t control_frames_sent = 0;
  uint64_t data_frames_sent = 0;
  uint64_t messages_sent = 0;  ///< data messages, over all connections
  uint64_t bytes_sent = 0;     ///< payload bytes of all frames
  uint64_t events_published = 0;  ///< accepted by publish()
  uint64_t queue_overflows = 0;   ///< publish() found the queue full (event dropped)
  uint64_t events_drained = 0;    ///< taken off the queue by the server thread
  uint64_t pings_received = 0;
  uint64_t pongs_received = 0;
  uint64_t clean_closes = 0;    ///< connections that ended with a WebSocket close handshake
  uint64_t unclean_drops = 0;   ///< connections that ended otherwise
  uint64_t active_connections = 0;  ///< open WebSocket connections now

  [[nodiscard]] uint64_t errors(int code) const noexcept { return errors_sent[md_error_slot(code)]; }
};

/// One event for publish_bulk().
struct md_published_event {
  market_event event;
  symbol_text symbol;
};

class md_server {
 public:
  explicit md_server(md_server_options options = {});
  ~md_server();  ///< stop()s
  md_server(const md_server&) = delete;
  md_server& operator=(const md_server&) = delete;

  /// Binds, listens and starts the server thread. False with `error` set on failure (bad
  /// address, port in use, unreadable TLS files).
  [[nodiscard]] bool start(std::string& error);
  /// Closes every connection (uncleanly) and joins the server thread. Idempotent. Publishers must
  /// have stopped calling publish() by then (publish racing with stop() is not supported).
  void stop();

  /// The bound port (valid after start()).
  [[nodiscard]] uint16_t port() const noexcept;
  [[nodiscard]] bool tls() const noexcept;
  /// `ws://127.0.0.1:PORT/v2/<feed>` (or wss://).
  [[nodiscard]] std::string url(std::string_view feed = "iex") const;

  /// Queues one event for every connection subscribed to it (any thread; never blocks). False
  /// when the queue was full: the event is dropped and counted in queue_overflows. Events whose
  /// kind Alpaca does not send (microbar, gap) are skipped at the server.
  bool publish(const market_event& e, std::string_view symbol) noexcept;
  /// As publish() but a full queue is not counted as an overflow (for sources that retry).
  bool try_publish(const market_event& e, std::string_view symbol) noexcept;
  /// Queues as many as fit, in order; returns how many (the rest are not counted as overflow).
  size_t try_publish_bulk(std::span<const md_published_event> events) noexcept;

  [[nodiscard]] md_server_stats stats() const noexcept;
  /// Connection attempts (first auth attempt of a connection, by headers or action) for `key`.
  [[nodiscard]] uint64_t dials(std::string_view key) const;
  /// Their times (steady clock, ns since its epoch), oldest first.
  [[nodiscard]] std::vector<int64_t> dial_times_ns(std::string_view key) const;
  /// Open, authenticated connections of `key` (any key when empty).
  [[nodiscard]] size_t authenticated_connections(std::string_view key = {}) const;

  // --- fault switches (any thread; they act on the server thread shortly after) ---------------
  /// Sends `[{"T":"error","code":code,"msg":...}]` to every connection of `key` and closes them.
  void inject_error(std::string_view key, int code);
  /// Drops every connection of `key` (all connections when empty) without a close handshake.
  void drop_connections(std::string_view key = {});
  /// Makes every connection of `key` (all when empty) go silent while staying open: no pongs, no
  /// data, its messages unread. One-way: the connection stays silent until it ends.
  void silence_connections(std::string_view key = {});
  /// Frees slots held by dead connections (slot_hold_after_drop).
  void release_held_slots();

  /// Drains the publish queue and runs `f` on the server thread, waiting for both (for tests: a
  /// barrier after publish()es). Never call it from the server thread (an http handler).
  void sync(std::function<void()> f = {});

  struct impl;  ///< implementation detail (named by the server's own session classes)

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
