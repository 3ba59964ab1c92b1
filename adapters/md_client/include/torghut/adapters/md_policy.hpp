#pragma once
/// The pure parts of the market-data client: what to do on each Alpaca error code and on each
/// HTTP status of the upgrade, the reconnect backoff (exponential, full jitter, seeded), the
/// subscription state as the server reports it, the receive-lag gauge, and URL parsing.
/// No sockets, no threads, no clocks: everything here is unit-tested directly.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/engine/types.hpp"

namespace torghut::adapters {

// ---------------------------------------------------------------------------------------------
// Error policy
// ---------------------------------------------------------------------------------------------

/// What the client does after an Alpaca `error` message or a refused upgrade.
enum class md_action : uint8_t {
  ignore,                ///< nothing (403 already authenticated)
  log_bug,               ///< our request was wrong (400, 401, 410): log it as a bug, carry on
  alert,                 ///< alert, the connection and the subscriptions stay as they are (405)
  stop,                  ///< stop for good with a clear error, never retry (402, 409)
  reconnect,             ///< drop and reconnect with the normal backoff (404, 407, 500)
  reconnect_conn_limit,  ///< drop and reconnect after the long connection-limit backoff (406)
  reconnect_rate_limited,  ///< the upgrade got HTTP 429: normal backoff with a floor
};
[[nodiscard]] std::string_view to_string(md_action a) noexcept;

struct md_decision {
  md_action action = md_action::ignore;
  bool alarm = false;       ///< count it in the alarm counter and log it at error level (407)
  std::string_view reason;  ///< a short human explanation for logs and the failed-state text
};

/// The protocol table (docs/alpaca-protocol.md §1) as a function. Unknown codes: log_bug.
[[nodiscard]] md_decision decide_on_error(int code) noexcept;
/// The HTTP status of a refused WebSocket upgrade: 429 → reconnect_rate_limited; 401/403 (bad
/// credentials in header auth) and other 4xx (a wrong URL: retrying cannot help) → stop;
/// 5xx and anything else → reconnect.
[[nodiscard]] md_decision decide_on_upgrade_status(int http_status) noexcept;

// ---------------------------------------------------------------------------------------------
// Backoff
// ---------------------------------------------------------------------------------------------

struct backoff_config {
  /// Normal reconnects: full jitter, delay uniform in [0, min(cap, base * 2^attempt)].
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{30'000};
  /// After 406 (connection limit): a dead connection holds the slot for about 90 s, so the
  /// delay is d = min(conn_limit_cap, conn_limit_min * 2^n) plus up to d/4 of jitter, where n
  /// counts consecutive 406s. The first retry is never sooner than conn_limit_min.
  std::chrono::milliseconds conn_limit_min{30'000};
  std::chrono::milliseconds conn_limit_cap{300'000};
  /// After HTTP 429: the normal delay, but never less than this.
  std::chrono::milliseconds rate_limited_min{5'000};
};

/// Reconnect delays. Deterministic for a given seed (tests), otherwise seeded from the OS.
class backoff {
 public:
  explicit backoff(backoff_config cfg, uint64_t seed) noexcept : cfg_(cfg), rng_(seed) {}

  /// The delay before the next dial after a failure of kind `a` (one of the reconnect actions;
  /// anything else is treated as reconnect). Advances the attempt counters.
  [[nodiscard]] std::chrono::milliseconds next(md_action a) noexcept;
  /// A successful authentication: the normal and connection-limit counters start again.
  void reset() noexcept {
    attempt_ = 0;
    conn_limit_attempt_ = 0;
  }
  [[nodiscard]] uint32_t attempt() const noexcept { return attempt_; }
  [[nodiscard]] uint32_t conn_limit_attempt() const noexcept { return conn_limit_attempt_; }
  [[nodiscard]] const backoff_config& config() const noexcept { return cfg_; }

  /// The upper bound of the normal (full-jitter) delay for attempt `n`.
  [[nodiscard]] std::chrono::milliseconds ceiling(uint32_t n) const noexcept;
  /// The lower bound d of the connection-limit delay for the n-th consecutive 406.
  [[nodiscard]] std::chrono::milliseconds conn_limit_floor(uint32_t n) const noexcept;

 private:
  [[nodiscard]] int64_t uniform(int64_t lo, int64_t hi) noexcept;
  backoff_config cfg_;
  std::mt19937_64 rng_;
  uint32_t attempt_ = 0;
  uint32_t conn_limit_attempt_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------------

/// Adds `add` into `state` (set union per channel; "*" kept as a symbol of its own).
void merge_channels(channel_lists& state, const channel_lists& add);
/// Removes `remove` from `state` (per channel, exact symbols; "*" removes "*").
void remove_channels(channel_lists& state, const channel_lists& remove);
/// Copies a server `subscription` control message into `out` (all ten channels).
void channels_from_control(const control_message& m, channel_lists& out);
/// Only the eight request channels (what a re-subscribe sends).
[[nodiscard]] channel_lists request_channels(const channel_lists& state);
/// Same symbols per channel, order ignored.
[[nodiscard]] bool same_channels(const channel_lists& a, const channel_lists& b);

// ---------------------------------------------------------------------------------------------
// Receive lag
// ---------------------------------------------------------------------------------------------

/// receive time − event time of trades and quotes (and statuses, LULDs, corrections, cancels,
/// imbalances; not bars, whose `t` is the bar start). One writer (the thread that decodes), any
/// number of readers: every field is a relaxed atomic, so reading a snapshot from another thread
/// is race-free (the snapshot is not atomic as a whole).
class lag_gauge {
 public:
  /// Bucket i counts lags in [2^(i-1), 2^i) microseconds (bucket 0: below 1 µs, including
  /// negative lags from clock skew, which are also counted in `negative`).
  static constexpr size_t bucket_count = 40;

  struct snapshot {
    uint64_t samples = 0;
    uint64_t negative = 0;
    int64_t last_ns = 0;
    int64_t max_ns = 0;
    std::array<uint64_t, bucket_count> buckets{};
    /// The upper bound (ns) of the bucket holding quantile q (0 < q <= 1); 0 when empty.
    [[nodiscard]] int64_t quantile_upper_ns(double q) const noexcept;
  };

  void record(int64_t lag_ns) noexcept;
  [[nodiscard]] snapshot read() const noexcept;
  /// Not concurrent with record().
  void reset() noexcept;
  [[nodiscard]] static size_t bucket_of(int64_t lag_ns) noexcept;
  /// The exclusive upper bound of bucket i in ns.
  [[nodiscard]] static int64_t bucket_upper_ns(size_t i) noexcept;

 private:
  std::atomic<uint64_t> samples_{0};
  std::atomic<uint64_t> negative_{0};
  std::atomic<int64_t> last_{0};
  std::atomic<int64_t> max_{0};
  std::array<std::atomic<uint64_t>, bucket_count> buckets_{};
};

/// Whether the receive lag of an event of this kind means anything (not bars, not internal).
[[nodiscard]] bool lag_applies(market_event_kind k) noexcept;

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

struct ws_url {
  bool tls = false;
  std::string host;
  std::string port;  ///< "443"/"80" when the URL names none
  std::string path;  ///< starts with '/'; "/" when the URL has none
  /// The Host header value: host, plus ":port" when the port is not the scheme's default.
  [[nodiscard]] std::string host_header() const;
};
/// Parses `ws://host[:port][/path]` or `wss://...` (IPv6 literals in brackets). nullopt with
/// `error` set when malformed.
[[nodiscard]] std::optional<ws_url> parse_ws_url(std::string_view url, std::string& error);

/// Alpaca's market-data feeds (stocks v2).
enum class md_feed : uint8_t { iex, sip, delayed_sip, test };
[[nodiscard]] std::string_view to_string(md_feed f) noexcept;
[[nodiscard]] std::optional<md_feed> parse_feed(std::string_view s) noexcept;
inline constexpr std::string_view alpaca_md_base = "wss://stream.data.alpaca.markets";
/// base + "/v2/" + feed (a trailing '/' on base is dropped).
[[nodiscard]] std::string make_stream_url(std::string_view base, md_feed feed);

}  // namespace torghut::adapters
