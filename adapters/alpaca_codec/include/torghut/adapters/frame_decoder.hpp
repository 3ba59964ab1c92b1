#pragma once
/// One decoder type for a market-data connection whatever its encoding: holds a json_decoder and
/// a msgpack_decoder (both allocated at construction) and dispatches on the connection's
/// wire_format. Same decode() contract as either (no allocation per frame, noexcept).

#include "torghut/adapters/alpaca_wire.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"

namespace torghut::adapters {

class frame_decoder {
 public:
  explicit frame_decoder(symbol_table& symbols, wire_format format = wire_format::json,
                         size_t max_frame_bytes = size_t{1} << 20,
                         size_t max_subscription_symbols = json_decoder::default_max_subscription_symbols)
      : format_(format),
        json_(symbols, max_frame_bytes, max_subscription_symbols),
        msgpack_(symbols, max_frame_bytes, max_subscription_symbols) {}

  /// The encoding of the frames that follow (e.g. on a reconnect that negotiated another one).
  void set_format(wire_format f) noexcept { format_ = f; }
  [[nodiscard]] wire_format format() const noexcept { return format_; }

  template <class OnEvent, class OnControl>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event,
                       OnControl&& on_control) noexcept {
    return format_ == wire_format::json
               ? json_.decode(frame, recv_time, on_event, on_control)
               : msgpack_.decode(frame, recv_time, on_event, on_control);
  }
  template <class OnEvent>
  decode_result decode(std::string_view frame, timestamp recv_time, OnEvent&& on_event) noexcept {
    auto ignore = [](const control_message&) noexcept {};
    return decode(frame, recv_time, on_event, ignore);
  }

  /// Statistics and first error of the decoder of the current format.
  [[nodiscard]] const decode_stats& stats() const noexcept {
    return format_ == wire_format::json ? json_.stats() : msgpack_.stats();
  }
  [[nodiscard]] const decode_error_context& first_error() const noexcept {
    return format_ == wire_format::json ? json_.first_error() : msgpack_.first_error();
  }
  [[nodiscard]] const decode_error_context& first_error(decode_error k) const noexcept {
    return format_ == wire_format::json ? json_.first_error(k) : msgpack_.first_error(k);
  }
  void reset_first_error() noexcept {
    json_.reset_first_error();
    msgpack_.reset_first_error();
  }
  void reset_first_error(decode_error k) noexcept {
    json_.reset_first_error(k);
    msgpack_.reset_first_error(k);
  }
  void reset_stats() noexcept {
    json_.reset_stats();
    msgpack_.reset_stats();
  }

  [[nodiscard]] json_decoder& json() noexcept { return json_; }
  [[nodiscard]] msgpack_decoder& msgpack() noexcept { return msgpack_; }

 private:
  wire_format format_;
  json_decoder json_;
  msgpack_decoder msgpack_;
};

}  // namespace torghut::adapters
