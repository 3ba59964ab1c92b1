#pragma once
/// Decodes Alpaca market-data WebSocket frames (JSON arrays of messages) into `market_event`s,
/// exactly (prices and sizes from the number text, never through a double), to the nanosecond,
/// and without any heap allocation per frame once constructed.
///
/// simdjson is a private dependency: nothing of it appears here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/core/types.hpp"

namespace torghut::adapters {

/// A non-owning, non-allocating reference to a callable (like C++26 std::function_ref).
///
/// The referenced callable must outlive the function_ref; binding a temporary is fine for the
/// duration of a call expression (how `json_decoder::decode` uses it).
template <class Signature>
class function_ref;

template <class R, class... Args>
class function_ref<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> &&
             std::is_invocable_r_v<R, F&, Args...>)
  function_ref(F&& f) noexcept  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* obj, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(obj))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(obj_, std::forward<Args>(args)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

/// Why a message (or a whole frame) was skipped. Each kind has its own counter in decode_stats.
enum class decode_error : uint8_t {
  none = 0,
  frame_too_large,  ///< frame longer than max_frame_bytes: whole frame skipped
  malformed_json,   ///< syntax error or truncation: the rest of the frame is skipped
  not_array,        ///< top level is not a JSON array: whole frame skipped
  not_object,       ///< an array element is not an object
  missing_type,     ///< no `T`, or `T` is not a string
  unknown_type,     ///< `T` names no known message type
  missing_field,    ///< a required field is absent
  bad_field,        ///< a field has the wrong JSON type (e.g. a number where a string belongs)
  bad_number,       ///< number text that is not an exact decimal (NaN, Infinity, overflow...)
  invalid_price,    ///< not produced any more: non-positive prices reach market_data (an anomaly)
  invalid_size,     ///< not produced any more: negative sizes reach market_data (an anomaly)
  bad_timestamp,    ///< not RFC 3339, or an impossible date/time
  bad_symbol,       ///< empty, longer than 15 characters, or the symbol table is full
};
/// Derived from the last enumerator (kept last), never counted by hand.
inline constexpr size_t decode_error_count = static_cast<size_t>(decode_error::bad_symbol) + 1;

/// A short stable name for `e` ("malformed_json", ...), for logs and metrics.
[[nodiscard]] std::string_view to_string(decode_error e) noexcept;

/// Counters kept by a decoder across all frames it decoded.
struct decode_stats {
  uint64_t frames = 0;            ///< decode() calls
  uint64_t frames_rejected = 0;   ///< frames that stopped on a frame-level error
  uint64_t messages = 0;          ///< array elements looked at
  uint64_t events = 0;            ///< market events delivered
  uint64_t controls = 0;          ///< control messages delivered
  uint64_t messages_skipped = 0;  ///< messages skipped for a message-level error
  std::array<uint64_t, decode_error_count> errors{};  ///< per decode_error, index = enum value

  [[nodiscard]] uint64_t count(decode_error e) const noexcept {
    return errors[static_cast<size_t>(e)];
  }
  /// Sum of all error counters.
  [[nodiscard]] uint64_t total_errors() const noexcept {
    uint64_t n = 0;
    for (const uint64_t c : errors) n += c;
    return n;
  }
};

/// Where an error happened, so the caller can log it with context (copied on the error path
/// into fixed storage: recording it allocates nothing).
struct decode_error_context {
  decode_error kind = decode_error::none;
  uint64_t frame_number = 0;   ///< 1-based index of the frame among all decoded (stats.frames)
  uint32_t message_index = 0;  ///< 0-based index of the message in its array
  uint32_t byte_offset = 0;    ///< offset in the frame of the offending message (or the error)
  uint32_t frame_size = 0;
  uint8_t excerpt_len = 0;
  uint8_t type_len = 0;
  std::array<char, 120> excerpt_data{};  ///< frame bytes starting near byte_offset (raw: msgpack is binary)
  std::array<char, 16> type_data{};      ///< the message's `T` when it was read (cut at 16)

  [[nodiscard]] bool has_error() const noexcept { return kind != decode_error::none; }
  [[nodiscard]] std::string_view excerpt() const noexcept {
    return {excerpt_data.data(), excerpt_len};
  }
  /// The message type (`T`) of the offending message; empty when unknown (a frame-level error,
  /// or no readable `T`).
  [[nodiscard]] std::string_view message_type() const noexcept { return {type_data.data(), type_len}; }
};

/// Subscription channels as Alpaca names them in a `subscription` message.
enum class subscription_channel : uint8_t {
  trades,         ///< "trades"
  quotes,         ///< "quotes"
  bars,           ///< "bars"
  updated_bars,   ///< "updatedBars"
  daily_bars,     ///< "dailyBars"
  statuses,       ///< "statuses"
  lulds,          ///< "lulds"
  imbalances,     ///< "imbalances"
  corrections,    ///< "corrections"
  cancel_errors,  ///< "cancelErrors"
};
inline constexpr size_t subscription_channel_count = static_cast<size_t>(subscription_channel::cancel_errors) + 1;
/// Alpaca's JSON key for `c` ("trades", "updatedBars", ...).
[[nodiscard]] std::string_view to_string(subscription_channel c) noexcept;

enum class control_type : uint8_t {
  success,       ///< `{"T":"success","msg":"connected"|"authenticated"}`
  error,         ///< `{"T":"error","code":406,"msg":"connection limit exceeded"}`
  subscription,  ///< `{"T":"subscription","trades":[...],...}`: the whole current state
};

/// A control message, valid only during the on_control callback (views point into the
/// decoder's buffers, which the next decode() reuses).
struct control_message {
  control_type type = control_type::success;
  int32_t code = 0;      ///< `error`: Alpaca's code (400..500); 0 otherwise
  std::string_view msg;  ///< `success` / `error`: the `msg` text (unescaped); empty otherwise
  /// `subscription`: the symbols of each channel ("*" means all); keys absent from the message
  /// give empty lists.
  std::array<std::span<const std::string_view>, subscription_channel_count> channels{};
  /// `subscription`: true when the lists held more symbols than the decoder keeps (see
  /// json_decoder::max_subscription_symbols); the lists are then cut short.
  bool channels_truncated = false;

  [[nodiscard]] std::span<const std::string_view> symbols(subscription_channel c) const noexcept {
    return channels[static_cast<size_t>(c)];
  }
  [[nodiscard]] bool is_success(std::string_view m) const noexcept {
    return type == control_type::success && msg == m;
  }
};

/// What one decode() call did.
struct decode_result {
  uint32_t events = 0;    ///< market events delivered
  uint32_t controls = 0;  ///< control messages delivered
  uint32_t skipped = 0;   ///< messages skipped (message-level errors)
  /// The frame-level error that stopped the frame early, or none. Messages before the error
  /// point have been delivered.
  decode_error frame_error = decode_error::none;
  [[nodiscard]] bool ok() const noexcept { return frame_error == decode_error::none && skipped == 0; }
};

/// Decodes Alpaca market-data frames into market events and control messages.
///
/// One decoder per connection (not thread-safe). All memory is allocated by the constructor;
/// decode() never allocates (proven by a test) and never throws. Bad input is skipped and counted
/// in stats(): a bad message is skipped alone; a frame that is not valid JSON stops at the error
/// point (messages before it are delivered); a frame that is not an array or is too large is
/// skipped whole. Event order within a frame is message order. Timestamps are not checked for
/// order (market_data does that).
///
/// Field rules (Alpaca v2 stocks; crypto shares the shapes): prices and sizes are parsed exactly
/// from the number text into 9-decimal fixed point and delivered whatever their sign (a zero or
/// negative price, a negative size, is a market-data anomaly that market_data audits and drops,
/// not a decode error; a quote side with price 0 and size 0 is a one-sided quote). Required
/// fields per type: `t` S i p s t; `q` S bp bs ap as t; `b`/`d`/`u` S o h l c v t (n, vw default
/// to 0); `s` S sc t; `c` S oi op os ci cp cs t; `x` S i p s a t; `l` S u d t; `i` S p t. Other
/// documented fields are optional (character fields default to '\0'); unknown fields are
/// ignored. Exchange, tape, action and indicator keep the first character of their string.
class json_decoder {
 public:
  using event_sink = function_ref<void(const market_event&)>;
  using control_sink = function_ref<void(const control_message&)>;

  /// Default cap on the symbols kept from one `subscription` message (all channels together).
  static constexpr size_t default_max_subscription_symbols = 16384;

  /// Allocates a padded frame buffer for frames up to `max_frame_bytes` and sizes the parser.
  explicit json_decoder(symbol_table& symbols, size_t max_frame_bytes = size_t{1} << 20,
                        size_t max_subscription_symbols = default_max_subscription_symbols);
  ~json_decoder();
  json_decoder(const json_decoder&) = delete;
  json_decoder& operator=(const json_decoder&) = delete;
  json_decoder(json_decoder&&) noexcept;
  json_decoder& operator=(json_decoder&&) noexcept;

  /// Decodes one frame received at `recv_time`, calling `on_event(const market_event&)` for each
  /// data message and `on_control(const control_message&)` for each control message, in order.
  /// The callbacks must not throw (decode is noexcept) and must not call decode() re-entrantly.
  template <class OnEvent, class OnControl>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event,
                       OnControl&& on_control) noexcept {
    return decode_frame(frame, recv_time, event_sink(on_event), control_sink(on_control));
  }
  /// As above, ignoring control messages (they are still counted in stats().controls).
  template <class OnEvent>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event) noexcept {
    auto ignore = [](const control_message&) noexcept {};
    return decode_frame(frame, recv_time, event_sink(on_event), control_sink(ignore));
  }

  /// The non-template entry point behind decode().
  decode_result decode_frame(std::string_view frame, timestamp recv_time, event_sink on_event,
                             control_sink on_control) noexcept;

  [[nodiscard]] const decode_stats& stats() const noexcept;
  /// The first error since construction (or since reset_first_error()).
  [[nodiscard]] const decode_error_context& first_error() const noexcept;
  /// The first error of kind `k` since construction (or since reset_first_error(k)); its
  /// has_error() is false when there was none.
  [[nodiscard]] const decode_error_context& first_error(decode_error k) const noexcept;
  /// Forgets the recorded first errors (overall and of every kind) so the next ones are recorded.
  void reset_first_error() noexcept;
  /// Forgets the first error of kind `k` (e.g. after logging it, once per log period).
  void reset_first_error(decode_error k) noexcept;
  /// Zeroes stats() and forgets the first error.
  void reset_stats() noexcept;
  [[nodiscard]] size_t max_frame_bytes() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
