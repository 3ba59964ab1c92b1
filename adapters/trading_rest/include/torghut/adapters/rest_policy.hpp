#pragma once
/// The pure decisions of the trading REST client (trading_rest.hpp): what to do with each
/// response (deliver it, retry after N ms, ask for the order by client_order_id, resend the POST,
/// give up), the 429 pause, the exponential backoff with full jitter, the client-side sliding
/// window budget, and the URL rules. No sockets, no clocks, no randomness of its own: time and
/// random draws are passed in, so every branch is unit-tested directly.
///
/// The one rule that shapes the rest: never a duplicate order. A POST /v2/orders whose outcome is
/// unknown (the response was lost, or it was a 5xx, or a 422 "client_order_id must be unique"
/// after a resend) is never simply sent again: the client first asks
/// `GET /v2/orders:by_client_order_id`; 200 means the broker holds the order (accepted), 404 that
/// it never got it (only then is the POST resent, counting as a retry).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/url.hpp"

namespace torghut::adapters {

/// What a request (or its current phase) is.
enum class rest_request_kind : uint8_t {
  submit,      ///< POST /v2/orders
  coid_query,  ///< GET /v2/orders:by_client_order_id (a submit whose outcome is unknown)
  cancel,      ///< DELETE /v2/orders/{id}
  get,         ///< any other GET (account, positions, orders, clock)
};
[[nodiscard]] std::string_view to_string(rest_request_kind k) noexcept;

enum class rest_action : uint8_t {
  deliver,       ///< final: hand the response (status and body) to the sink or the callback
  accept_found,  ///< final: the by-coid query found the order (200): the submit is accepted
  retry,         ///< send the same request again after `delay` (GET, DELETE, a by-coid query)
  query_coid,    ///< a POST's outcome is unknown: ask by client_order_id after `delay`
  resend,        ///< the by-coid query said 404: the broker never got it: POST again after `delay`
  give_up,       ///< final: report status 0 with `reason`
};
[[nodiscard]] std::string_view to_string(rest_action a) noexcept;

struct rest_policy_config {
  uint32_t max_retries = 3;  ///< retries per request (5xx, lost responses, 429, resends)
  std::chrono::milliseconds retry_base{50};
  std::chrono::milliseconds retry_max{2000};
  /// A 429's X-Ratelimit-Reset further away than this is clamped (a bogus header must not
  /// freeze trading for hours; Alpaca's window is one minute).
  std::chrono::milliseconds max_rate_limit_wait{60'000};
};

/// Where a request stands when its response (or the loss of it) arrives.
struct rest_attempt {
  rest_request_kind kind = rest_request_kind::submit;
  uint32_t retries = 0;   ///< retries this request has used so far
  bool has_coid = true;   ///< submit/coid_query: the order carries a client_order_id
  bool resent = false;    ///< submit: the POST has already been sent more than once
};

/// What came back. status 0: lost (no complete response within the request timeout, or the
/// connection dropped after the request was written; also a 2xx whose body is unreadable).
struct rest_response {
  unsigned status = 0;
  bool coid_not_unique = false;             ///< a 422 whose message says so (is_coid_not_unique)
  std::optional<int64_t> ratelimit_reset_s;  ///< X-Ratelimit-Reset (unix seconds), when present
};

struct rest_decision {
  rest_action action = rest_action::deliver;
  std::chrono::milliseconds delay{0};  ///< before the next send (retry, query_coid, resend)
  bool pause_all = false;   ///< 429: no request at all may be sent before `delay` has passed
  bool counts_retry = false;  ///< this step uses one of the request's max_retries
  std::string_view reason;  ///< short text for logs and for give_up's error message (static)
};

/// The decision table (docs in the .cpp next to each branch):
///  - 2xx: submit/cancel/get → deliver; coid_query → accept_found.
///  - 429 (any kind): pause_all for ratelimit_wait(), then the same request again (counts as a
///    retry); give_up when the retries are used up.
///  - 5xx or lost: get/cancel → retry with backoff; submit → query_coid with backoff (not itself
///    a retry) or give_up when it has no client_order_id; coid_query → retry the query.
///  - coid_query 404 → resend the POST (a retry); other coid_query 4xx → give_up.
///  - submit 422 coid_not_unique after a resend → query_coid; any other 4xx → deliver.
///  - cancel/get 4xx → deliver. Anything else (1xx/3xx) → deliver.
/// Every retry-like branch gives up once `retries >= max_retries`. `random` is one uniform
/// 64-bit draw for the jitter; `now_unix_ms` is wall time (for X-Ratelimit-Reset).
[[nodiscard]] rest_decision decide_response(const rest_policy_config& cfg, const rest_attempt& at,
                                            const rest_response& r, int64_t now_unix_ms,
                                            uint64_t random) noexcept;

/// The upper bound of the backoff before retry number `attempt` (0-based):
/// min(retry_max, retry_base * 2^attempt).
[[nodiscard]] std::chrono::milliseconds backoff_ceiling(const rest_policy_config& cfg,
                                                        uint32_t attempt) noexcept;
/// Full jitter: uniform in [0, backoff_ceiling(attempt)] from the draw `random`.
[[nodiscard]] std::chrono::milliseconds backoff_delay(const rest_policy_config& cfg, uint32_t attempt,
                                                      uint64_t random) noexcept;
/// How long a 429 pauses everything: until X-Ratelimit-Reset (rounded up to the millisecond,
/// clamped to max_rate_limit_wait; retry_base when it is already past), or retry_max when the
/// header is absent.
[[nodiscard]] std::chrono::milliseconds ratelimit_wait(const rest_policy_config& cfg,
                                                       std::optional<int64_t> reset_unix_s,
                                                       int64_t now_unix_ms) noexcept;

/// Whether a 422's error message is Alpaca's duplicate client_order_id refusal
/// ("client_order_id must be unique"): mentions client_order_id and unique/duplicate/exists.
[[nodiscard]] bool is_coid_not_unique(std::string_view message) noexcept;

/// X-Ratelimit-Reset's value: unix seconds (digits, optional surrounding blanks).
[[nodiscard]] std::optional<int64_t> parse_ratelimit_reset(std::string_view value) noexcept;

// ---------------------------------------------------------------------------------------------
// Client-side budget
// ---------------------------------------------------------------------------------------------

/// At most `limit` sends in any window of `window` (sliding, not fixed buckets): a ring of the
/// last `limit` send times. Allocates once at construction; limit 0 means no budget (always
/// allowed). Times are caller-given milliseconds of a monotonic clock.
class rate_window {
 public:
  explicit rate_window(uint32_t limit, std::chrono::milliseconds window = std::chrono::minutes(1));

  /// Whether a send at `now_ms` fits the budget.
  [[nodiscard]] bool allows(int64_t now_ms) const noexcept;
  /// Records a send at `now_ms` (call only when allows() said yes; otherwise it is still
  /// recorded, displacing the oldest).
  void record(int64_t now_ms) noexcept;
  /// The earliest time a send is allowed (`now_ms` when allows(now_ms)).
  [[nodiscard]] int64_t next_allowed(int64_t now_ms) const noexcept;
  /// Sends within the window ending at `now_ms`.
  [[nodiscard]] uint32_t used(int64_t now_ms) const noexcept;
  [[nodiscard]] uint32_t limit() const noexcept { return limit_; }

 private:
  uint32_t limit_;
  int64_t window_ms_;
  std::vector<int64_t> ring_;  ///< send times, oldest at head_ once full
  uint32_t head_ = 0;
  uint32_t count_ = 0;
};

// ---------------------------------------------------------------------------------------------
// URLs and request targets
// ---------------------------------------------------------------------------------------------

struct rest_url {
  bool tls = true;
  std::string host;  ///< without brackets for IPv6 literals
  std::string port;  ///< "443"/"80" when the URL names none
  /// The Host header value: host (bracketed if IPv6), plus ":port" when not the default.
  [[nodiscard]] std::string host_header() const;
};
/// Parses `https://host[:port][/]` or `http://...` (a base URL: no path beyond "/", no query).
/// http:// is refused unless the host is loopback (is_loopback_host). nullopt with `error` set.
[[nodiscard]] std::optional<rest_url> parse_rest_url(std::string_view url, std::string& error);

/// Writes `/v2/orders:by_client_order_id?client_order_id=<coid percent-encoded>`. Returns the
/// size, 0 when it does not fit.
[[nodiscard]] size_t write_coid_query_target(std::string_view coid, std::span<char> out) noexcept;
/// Writes `/v2/orders/<id>`; 0 when it does not fit or the id holds anything but letters,
/// digits, '-', '_' and '.' (Alpaca ids are UUIDs).
[[nodiscard]] size_t write_cancel_target(std::string_view broker_order_id, std::span<char> out) noexcept;

}  // namespace torghut::adapters
