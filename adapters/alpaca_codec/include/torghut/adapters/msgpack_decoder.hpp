#pragma once
/// Decodes Alpaca market-data frames in MessagePack (what a client gets after sending
/// `Content-Type: application/msgpack` on the upgrade) into `market_event`s: same contract,
/// callbacks, statistics and error kinds as json_decoder, hand-written, reading the frame in
/// place, with no heap allocation per frame once constructed.
///
/// Wire rules (Alpaca, as its SDKs send and read them): the frame is a msgpack array of maps;
/// `T` is normally the first key but is found anywhere; `t` is the Timestamp extension (type -1)
/// in its 32, 64 or 96-bit form (an RFC 3339 str is accepted too), nanoseconds kept; strings may
/// be fixstr/str8/16/32; numbers any msgpack integer or float32/float64.
///
/// Prices and sizes sent as floats become 9-decimal fixed point exactly: below 4e6 in magnitude
/// the double is rounded to the nearest 10^-9 (half away from zero) in 128-bit integer
/// arithmetic, so the nearest double of any decimal with at most nine fractional digits gives
/// back that decimal; above, the shortest round-trip decimal (std::to_chars) is parsed with
/// parse_decimal, which returns the sender's decimal whenever it had at most 15 significant
/// digits. Integers are exact (overflow → bad_number).
///
/// Error kinds are json_decoder's: `malformed_json` means malformed or truncated msgpack (the
/// rest of the frame is skipped, messages before it delivered, as for JSON); `not_array` a top
/// level that is not an array; `not_object` an element that is not a map; `bad_field` a value of
/// the wrong msgpack type; `bad_number` a NaN/infinite/out-of-range number or a fractional id;
/// `bad_timestamp` a timestamp out of the RFC 3339 range json_decoder accepts (1970..2261) or
/// with nanoseconds >= 10^9. Unknown keys are skipped whatever their type (nested arrays and
/// maps included, iteratively: no recursion on hostile input). Trailing bytes after the array
/// are malformed. Required fields and value rules are json_decoder's (see there): prices and
/// sizes are delivered whatever their sign, for market_data to judge.

#include <memory>

#include "torghut/adapters/json_decoder.hpp"

namespace torghut::adapters {

class msgpack_decoder {
 public:
  using event_sink = function_ref<void(const market_event&)>;
  using control_sink = function_ref<void(const control_message&)>;

  static constexpr size_t default_max_subscription_symbols =
      json_decoder::default_max_subscription_symbols;

  /// Frames longer than `max_frame_bytes` are rejected whole (frame_too_large), as in JSON.
  explicit msgpack_decoder(symbol_table& symbols, size_t max_frame_bytes = size_t{1} << 20,
                           size_t max_subscription_symbols = default_max_subscription_symbols);
  ~msgpack_decoder();
  msgpack_decoder(const msgpack_decoder&) = delete;
  msgpack_decoder& operator=(const msgpack_decoder&) = delete;
  msgpack_decoder(msgpack_decoder&&) noexcept;
  msgpack_decoder& operator=(msgpack_decoder&&) noexcept;

  /// As json_decoder::decode. Control-message views point into `frame` itself (and the
  /// decoder's pool): valid during the callback only.
  template <class OnEvent, class OnControl>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event,
                       OnControl&& on_control) noexcept {
    return decode_frame(frame, recv_time, event_sink(on_event), control_sink(on_control));
  }
  template <class OnEvent>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event) noexcept {
    auto ignore = [](const control_message&) noexcept {};
    return decode_frame(frame, recv_time, event_sink(on_event), control_sink(ignore));
  }

  decode_result decode_frame(std::string_view frame, timestamp recv_time, event_sink on_event,
                             control_sink on_control) noexcept;

  [[nodiscard]] const decode_stats& stats() const noexcept;
  [[nodiscard]] const decode_error_context& first_error() const noexcept;
  [[nodiscard]] const decode_error_context& first_error(decode_error k) const noexcept;
  void reset_first_error() noexcept;
  void reset_first_error(decode_error k) noexcept;
  void reset_stats() noexcept;
  [[nodiscard]] size_t max_frame_bytes() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut::adapters
