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
#include <vector>

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/core/types.hpp"
#include "torghut/core/url.hpp"

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
  /// The attempt counters start again only after a connection was healthy this long:
  /// authenticated and receiving without error (a server that authenticates us and then drops
  /// the connection at once must not be dialled in a tight loop). 0: at every authentication.
  std::chrono::milliseconds healthy_after{30'000};
};

/// Reconnect delays. Deterministic for a given seed (tests), otherwise seeded from the OS.
class backoff {
 public:
  explicit backoff(backoff_config cfg, uint64_t seed) noexcept : cfg_(cfg), rng_(seed) {}

  /// The delay before the next dial after a failure of kind `a` (one of the reconnect actions;
  /// anything else is treated as reconnect). Advances the attempt counters.
  [[nodiscard]] std::chrono::milliseconds next(md_action a) noexcept;
  /// The normal and connection-limit counters start again.
  void reset() noexcept {
    attempt_ = 0;
    conn_limit_attempt_ = 0;
  }

  // Connection health (monotonic nanoseconds, from the caller): the counters reset only when a
  // connection stayed healthy for healthy_after.

  /// The connection authenticated at `now_ns`: its healthy period starts (healthy_after 0: the
  /// counters reset at once).
  void on_authenticated(int64_t now_ns) noexcept;
  /// The connection misbehaved (e.g. a frame that could not be decoded): its healthy period
  /// starts again from `now_ns`.
  void on_trouble(int64_t now_ns) noexcept;
  /// The connection ended (or failed to open) at `now_ns`. When it had been healthy for
  /// healthy_after the counters reset, and the result is true. Call it before next().
  bool on_connection_end(int64_t now_ns) noexcept;
  /// Whether an authenticated connection is being timed for health.
  [[nodiscard]] bool timing_health() const noexcept { return healthy_since_ns_ != no_time; }
  [[nodiscard]] uint32_t attempt() const noexcept { return attempt_; }
  [[nodiscard]] uint32_t conn_limit_attempt() const noexcept { return conn_limit_attempt_; }
  [[nodiscard]] const backoff_config& config() const noexcept { return cfg_; }

  /// The upper bound of the normal (full-jitter) delay for attempt `n`.
  [[nodiscard]] std::chrono::milliseconds ceiling(uint32_t n) const noexcept;
  /// The lower bound d of the connection-limit delay for the n-th consecutive 406.
  [[nodiscard]] std::chrono::milliseconds conn_limit_floor(uint32_t n) const noexcept;

 private:
  [[nodiscard]] int64_t uniform(int64_t lo, int64_t hi) noexcept;
  static constexpr int64_t no_time = INT64_MIN;
  backoff_config cfg_;
  std::mt19937_64 rng_;
  uint32_t attempt_ = 0;
  uint32_t conn_limit_attempt_ = 0;
  int64_t healthy_since_ns_ = no_time;  ///< start of the current connection's healthy period
};

/// "1 MiB", "64 KiB" or "1000 bytes": a byte count as a log line names a limit.
[[nodiscard]] std::string describe_bytes(size_t n);

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
/// How a server's reported state differs from what the client asked for, over the eight request
/// channels: "trades +EVIL -AAPL; quotes -AAPL" (symbols the server added with +, those it
/// lacks with -). Empty when they agree (order ignored).
[[nodiscard]] std::string describe_difference(const channel_lists& wanted, const channel_lists& reported);

// ---------------------------------------------------------------------------------------------
// Decode error reports
// ---------------------------------------------------------------------------------------------

/// `s` quoted, printable ASCII kept, backslash and anything else as \xNN (msgpack is binary).
[[nodiscard]] std::string printable_excerpt(std::string_view s);
/// The excerpt of `frame` fit for a log line, or why there is none: nothing of a frame that could
/// carry a credential (it contains the key id or the secret, or names auth or a secret, in any
/// case) is ever shown.
[[nodiscard]] std::string excerpt_for_log(std::string_view frame, std::string_view excerpt,
                                          std::string_view key_id, std::string_view secret);

/// Decides the log lines for a connection's decode errors: the first of each kind with its
/// context (frame number and size, message index and type, byte offset, an excerpt), then at
/// most once per `period` per kind "N more <kind> decode errors". Pure: the caller logs the lines.
class decode_error_reporter {
 public:
  using first_fn = function_ref<const decode_error_context&(decode_error)>;
  using forget_fn = function_ref<void(decode_error)>;

  explicit decode_error_reporter(std::string connection,
                                 std::chrono::nanoseconds period = std::chrono::seconds{10})
      : connection_(std::move(connection)), period_ns_(period.count()) {}

  /// After a frame: `stats` and `first` of its decoder, `forget` to drop a kind's recorded first
  /// error once reported (so the next one is kept for the next line). `frame`: the frame just
  /// decoded, or empty (with `in_frame` false) when only owed counts may be reported (a timer).
  void collect(const decode_stats& stats, first_fn first, forget_fn forget, std::string_view frame,
               bool in_frame, int64_t now_ns, std::string_view key_id, std::string_view secret,
               std::vector<std::string>& lines);

 private:
  [[nodiscard]] static std::string describe(const decode_error_context& c, std::string_view frame,
                                            std::string_view key_id, std::string_view secret);
  std::string connection_;
  int64_t period_ns_;
  std::array<bool, decode_error_count> context_logged_{};
  std::array<uint64_t, decode_error_count> reported_{};
  std::array<int64_t, decode_error_count> last_log_ns_{};
};

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
    int64_t sum_ns = 0;  ///< of every lag recorded (the metrics' histogram sum)
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
  std::atomic<int64_t> sum_{0};
  std::array<std::atomic<uint64_t>, bucket_count> buckets_{};
};

/// Whether the receive lag of an event of this kind means anything (not bars, not internal).
[[nodiscard]] bool lag_applies(market_event_kind k) noexcept;

// ---------------------------------------------------------------------------------------------
// Feeds (the URL parsing itself is core's url.hpp)
// ---------------------------------------------------------------------------------------------

/// Alpaca's market-data feeds (stocks v2).
enum class md_feed : uint8_t { iex, sip, delayed_sip, test };
[[nodiscard]] std::string_view to_string(md_feed f) noexcept;
[[nodiscard]] std::optional<md_feed> parse_feed(std::string_view s) noexcept;
inline constexpr std::string_view alpaca_md_base = "wss://stream.data.alpaca.markets";
/// base + "/v2/" + feed (a trailing '/' on base is dropped).
[[nodiscard]] std::string make_stream_url(std::string_view base, md_feed feed);

}  // namespace torghut::adapters
