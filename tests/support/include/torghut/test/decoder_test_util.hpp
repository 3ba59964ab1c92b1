#pragma once
// Shared helpers for the decoder tests: collect what a decoder delivers.

#include <string>
#include <string_view>
#include <vector>

#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/msgpack_decoder.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::adapters::testing {

/// A deep copy of a control_message (its views die with the callback).
struct control_copy {
  control_type type = control_type::success;
  int32_t code = 0;
  std::string msg;
  std::vector<std::vector<std::string>> channels;
  bool truncated = false;
};

/// A decoder with its own symbol table that records everything it delivers.
template <class Decoder>
struct basic_collector {
  symbol_table symbols{64};
  Decoder decoder;
  std::vector<market_event> events;
  std::vector<control_copy> controls;

  explicit basic_collector(size_t max_frame = size_t{1} << 16, size_t max_sub = 1024)
      : decoder(symbols, max_frame, max_sub) {}

  decode_result operator()(std::string_view frame, timestamp recv = timestamp{42}) {
    return decoder.decode(
        frame, recv, [this](const market_event& e) { events.push_back(e); },
        [this](const control_message& c) {
          control_copy cc;
          cc.type = c.type;
          cc.code = c.code;
          cc.msg = std::string(c.msg);
          cc.truncated = c.channels_truncated;
          for (const auto& ch : c.channels) {
            std::vector<std::string> v;
            for (const auto s : ch) v.emplace_back(s);
            cc.channels.push_back(std::move(v));
          }
          controls.push_back(std::move(cc));
        });
  }
  [[nodiscard]] std::string_view name(symbol_id id) const { return symbols.name(id); }
  [[nodiscard]] uint64_t errors(decode_error e) const { return decoder.stats().count(e); }
};
using collector = basic_collector<json_decoder>;
using msgpack_collector = basic_collector<msgpack_decoder>;

}  // namespace torghut::adapters::testing
