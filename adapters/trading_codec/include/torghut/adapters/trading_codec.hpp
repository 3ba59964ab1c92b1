#pragma once
/// Alpaca trading wire codec (protocol doc sections 2 and 3). Pure: no sockets, no clock.
///
/// Writers (hot path): the `POST /v2/orders` JSON body and the whole HTTP/1.1 request, into a
/// caller-owned buffer (std::span<char>) or a reused std::string; neither allocates once the
/// string's capacity has grown.
/// Parsers: Alpaca order objects, error bodies and trade_updates frames, through a
/// `trading_parser` that owns its padded buffer and simdjson parser (sized once at construction,
/// so parsing never allocates). Views borrow nothing: every text is copied into fixed_strings.
/// Encoders (connection set-up, may allocate): trade_updates auth (both forms) and listen.
/// No error text ever contains a key, a secret or any input bytes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "torghut/core/messages.hpp"

namespace torghut::adapters {

enum class trading_codec_error : uint8_t {
  none,
  buffer_too_small,      ///< writer: the output does not fit
  invalid_order,         ///< writer: not a submit, qty <= 0, missing limit/stop price, ...
  invalid_header_value,  ///< writer: CR, LF or NUL in a header value, method or target
  too_large,             ///< parser: input larger than the parser's capacity
  malformed_json,        ///< parser: not JSON (or truncated)
  not_object,            ///< parser: an object was expected
  missing_field,         ///< parser: a required field is absent
  bad_field,             ///< parser: wrong JSON type, or an unknown enum text
  bad_decimal,           ///< parser: a decimal that parse_decimal rejects
  bad_timestamp,         ///< parser: not RFC 3339
  field_too_long,        ///< parser: text longer than its fixed_string
  unknown_stream,        ///< trade_updates: `stream` is none of authorization/listening/trade_updates
  unknown_event,         ///< trade_updates: an event name not in the protocol doc
};
[[nodiscard]] std::string_view to_string(trading_codec_error e) noexcept;

/// Result of a writer: bytes written (0 on error) or the error.
struct write_result {
  size_t size = 0;
  trading_codec_error error = trading_codec_error::none;
  [[nodiscard]] constexpr bool ok() const noexcept { return error == trading_codec_error::none; }
};

/// Result of a parser: the error and the JSON key it concerns ("" when none). `field` points at
/// a static string, never into the input.
struct parse_result {
  trading_codec_error error = trading_codec_error::none;
  std::string_view field;
  [[nodiscard]] constexpr bool ok() const noexcept { return error == trading_codec_error::none; }
};

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// Upper bound of an order body (symbol ≤ 15 and client_order_id ≤ 48 characters, escaped).
inline constexpr size_t max_order_body = 512;

/// Writes the `POST /v2/orders` body of a submit command, e.g.
/// `{"symbol":"AAPL","qty":"10","side":"buy","type":"limit","time_in_force":"day",`
/// `"limit_price":"187.5","client_order_id":"t-1"}`. Decimals are strings, trailing zeros
/// trimmed. `limit_price` for limit/stop_limit, `stop_price` for stop/stop_limit (required
/// positive there, never written otherwise); `client_order_id` is omitted when empty.
[[nodiscard]] write_result write_order_body(const order_command& cmd, std::string_view symbol,
                                            std::span<char> out) noexcept;
/// As above into `out` (replaced). Allocation-free once `out` has max_order_body capacity.
write_result write_order_body(const order_command& cmd, std::string_view symbol, std::string& out);

/// Credentials for the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers.
struct api_credentials {
  std::string_view key_id;
  std::string_view secret_key;
};

/// Writes a full HTTP/1.1 request: `METHOD target HTTP/1.1`, Host, APCA-API-KEY-ID,
/// APCA-API-SECRET-KEY, [Content-Type: application/json, Content-Length when body is not
/// empty], Connection: keep-alive, blank line, body. Allocation-free.
[[nodiscard]] write_result write_http_request(std::span<char> out, std::string_view method,
                                              std::string_view target, std::string_view host,
                                              const api_credentials& creds,
                                              std::string_view body) noexcept;

/// The whole `POST /v2/orders` request. The constant head (request line, Host, credentials,
/// Content-Type, Connection) is rendered once at construction; each request then only writes
/// Content-Length and the body. Copyable; holds the secret, never prints it.
class order_request_writer {
 public:
  /// Throws std::invalid_argument (naming no value) when a field holds CR, LF or NUL.
  order_request_writer(std::string_view host, const api_credentials& creds);

  [[nodiscard]] write_result write(const order_command& cmd, std::string_view symbol,
                                   std::span<char> out) const noexcept;
  /// Into `out` (replaced). Allocation-free once `out` has max_request_size() capacity.
  write_result write(const order_command& cmd, std::string_view symbol, std::string& out) const;
  [[nodiscard]] size_t max_request_size() const noexcept { return head_.size() + 32 + max_order_body; }

 private:
  std::string head_;  ///< ends with "Content-Length: "
};

// ---------------------------------------------------------------------------------------------
// Responses and stream frames
// ---------------------------------------------------------------------------------------------

/// An Alpaca order object. Absent or null optional fields are nullopt.
struct order_view {
  fixed_string<36> id;  ///< UUID text
  client_order_id coid;
  symbol_text symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  bool type_known = true;  ///< false for Alpaca types the engine lacks (trailing_stop)
  time_in_force tif = time_in_force::day;
  /// The engine status when one exists (status_known), else `status_text` is all there is
  /// (done_for_day, pending_replace, accepted_for_bidding, stopped, suspended, calculated, and
  /// any status Alpaca adds). status_text always holds Alpaca's text.
  order_status status = order_status::pending_new;
  bool status_known = true;
  fixed_string<31> status_text;
  std::optional<quantity> qty;  ///< null for notional orders
  std::optional<money> notional;
  quantity filled_qty;  ///< 0 when null
  std::optional<price> filled_avg_price;
  std::optional<price> limit_price;
  std::optional<price> stop_price;
  std::optional<timestamp> created_at, updated_at, submitted_at, filled_at, canceled_at,
      expired_at, failed_at;
};

/// An error body: `{"code":40310000,"message":"insufficient buying power",...}`.
struct api_error_view {
  int64_t code = 0;  ///< 0 when absent
  fixed_string<255> message;
  bool message_truncated = false;
};

/// trade_updates event names, in the protocol doc's order.
enum class trade_event : uint8_t {
  new_order,  ///< "new"
  fill,
  partial_fill,
  canceled,
  expired,
  done_for_day,
  replaced,
  accepted,
  rejected,
  pending_new,
  stopped,
  pending_cancel,
  pending_replace,
  calculated,
  suspended,
  order_replace_rejected,
  order_cancel_rejected,
};
/// Derived from the last enumerator (kept last), never counted by hand.
inline constexpr int trade_event_count = static_cast<int>(trade_event::order_cancel_rejected) + 1;
[[nodiscard]] std::string_view to_string(trade_event e) noexcept;

enum class stream_kind : uint8_t { authorization, listening, trade_updates };

struct trade_update_view {
  trade_event event = trade_event::new_order;
  fixed_string<63> execution_id;  ///< empty when absent
  order_view order;
  std::optional<timestamp> time;  ///< `timestamp`
  std::optional<price> px;        ///< `price` (fills)
  std::optional<quantity> qty;    ///< `qty` (fills)
  std::optional<quantity> position_qty;
};

/// One trade_updates frame. Only the part named by `kind` is meaningful.
struct stream_message {
  stream_kind kind = stream_kind::trade_updates;
  // authorization
  bool authorized = false;
  fixed_string<127> auth_message;  ///< optional `message` of an unauthorized reply (truncated)
  // listening
  bool listening_trade_updates = false;  ///< "trade_updates" is among data.streams
  uint8_t listening_count = 0;           ///< number of streams listed
  // trade_updates
  trade_update_view update;
};

// ---------------------------------------------------------------------------------------------
// Reconciliation reads (GET /v2/orders, /v2/positions, /v2/account, /v2/clock). Not hot path:
// the list forms grow their vector.
// ---------------------------------------------------------------------------------------------

/// One element of `GET /v2/positions`.
struct position_view {
  symbol_text symbol;
  quantity qty;  ///< signed: negative for a short position (side "short", whatever qty's sign)
  price avg_entry_price;
  std::optional<money> market_value;
  std::optional<price> current_price;
};

/// `GET /v2/account` (the fields the engine uses; the rest are skipped).
struct account_view {
  fixed_string<36> id;
  fixed_string<31> status;  ///< "ACTIVE", "ACCOUNT_UPDATED", ...
  money cash;
  money equity;
  money buying_power;
  money portfolio_value;  ///< equity when absent (Alpaca deprecated it)
  int64_t daytrade_count = 0;
  bool trading_blocked = false;
  bool account_blocked = false;
};

/// `GET /v2/clock`.
struct clock_view {
  timestamp time;  ///< `timestamp`
  bool is_open = false;
  timestamp next_open;
  timestamp next_close;
};

/// Owns the padded copy buffer and the simdjson parser, both sized at construction; parsing
/// never allocates. Not thread-safe: one per thread.
class trading_parser {
 public:
  explicit trading_parser(size_t max_bytes = 1u << 20);
  ~trading_parser();
  trading_parser(const trading_parser&) = delete;
  trading_parser& operator=(const trading_parser&) = delete;

  /// A REST order body (200 of POST/GET /v2/orders/...), read as JSON whatever its content type.
  parse_result parse_order(std::string_view body, order_view& out) noexcept;
  parse_result parse_error_body(std::string_view body, api_error_view& out) noexcept;
  /// A trade_updates frame (text or binary WebSocket frame payload). `stream` and `data` may
  /// come in either order.
  parse_result parse_trade_update(std::string_view frame, stream_message& out) noexcept;
  /// `GET /v2/orders`: a JSON array of order objects (replaces `out`; on error `out` holds the
  /// orders before the bad one and `field` names the failing key).
  parse_result parse_order_list(std::string_view body, std::vector<order_view>& out);
  /// `GET /v2/positions`: required symbol, qty, avg_entry_price.
  parse_result parse_positions(std::string_view body, std::vector<position_view>& out);
  /// `GET /v2/account`: required id, status, cash, equity, buying_power.
  parse_result parse_account(std::string_view body, account_view& out) noexcept;
  /// `GET /v2/clock`: all four fields required.
  parse_result parse_clock(std::string_view body, clock_view& out) noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Convenience forms over a thread-local trading_parser (the first call on a thread allocates it).
parse_result parse_order(std::string_view body, order_view& out) noexcept;
parse_result parse_error_body(std::string_view body, api_error_view& out) noexcept;
parse_result parse_trade_update(std::string_view frame, stream_message& out) noexcept;
parse_result parse_order_list(std::string_view body, std::vector<order_view>& out);
parse_result parse_positions(std::string_view body, std::vector<position_view>& out);
parse_result parse_account(std::string_view body, account_view& out) noexcept;
parse_result parse_clock(std::string_view body, clock_view& out) noexcept;

// ---------------------------------------------------------------------------------------------
// trade_updates client actions (connection set-up; they append to `out`)
// ---------------------------------------------------------------------------------------------

/// `{"action":"auth","key":"…","secret":"…"}`
void encode_trading_auth(std::string_view key, std::string_view secret, std::string& out);
/// Legacy: `{"action":"authenticate","data":{"key_id":"…","secret_key":"…"}}`
void encode_trading_auth_legacy(std::string_view key, std::string_view secret, std::string& out);
/// `{"action":"listen","data":{"streams":["trade_updates"]}}` (the given streams)
void encode_trading_listen(std::span<const std::string_view> streams, std::string& out);

}  // namespace torghut::adapters
