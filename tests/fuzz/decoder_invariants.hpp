#pragma once
// The invariants every market-data frame decoder must keep on any input (the JSON and msgpack
// fuzzers share them): delivered events are valid, counters add up, every delivered view is
// readable, and decoding the same frame again gives the same answer.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "torghut/adapters/json_decoder.hpp"

namespace torghut::adapters::fuzz {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

inline void check_event(const market_event& e) {
  check(static_cast<int>(e.kind) < static_cast<int>(market_event_kind::microbar));
  check(e.symbol.valid());
  check(e.event_time.ns >= 0);
  // Prices and sizes are delivered whatever their sign: market_data judges them (it drops
  // non-positive prices and negative sizes as anomalies), so there is no sign to check here.
  switch (e.kind) {
    case market_event_kind::trade:
      check(e.u.trade.n_conditions <= 4);
      break;
    default:
      break;
  }
}

/// Decodes `frame` with a fresh `Decoder` (fresh state per input keeps crashes reproducible from
/// the input alone) and traps on any broken invariant.
template <class Decoder>
void check_decoder(std::string_view frame) {
  symbol_table symbols(64);
  Decoder decoder(symbols, frame.size() < 4096 ? 4096 : frame.size(), 256);
  uint32_t events = 0, controls = 0;
  auto on_event = [&](const market_event& e) noexcept {
    ++events;
    check_event(e);
  };
  auto on_control = [&](const control_message& c) noexcept {
    ++controls;
    size_t n = 0;
    for (const auto& ch : c.channels) n += ch.size();
    check(n <= 256);
    size_t sum = 0;  // every view must be readable (ASan checks the reads)
    for (const char ch : c.msg) sum += static_cast<unsigned char>(ch);
    for (const auto& ch : c.channels)
      for (const std::string_view s : ch)
        for (const char x : s) sum += static_cast<unsigned char>(x);
    asm volatile("" : : "r"(sum));
  };
  const decode_result r = decoder.decode(frame, timestamp{1}, on_event, on_control);
  check(r.events == events && r.controls == controls);
  const decode_stats& s = decoder.stats();
  check(s.events + s.controls + s.messages_skipped <= s.messages);
  check(s.frames == 1);
  check((r.frame_error == decode_error::none) == (s.frames_rejected == 0));
  // The kept context of an error stays within its fixed storage, overall and per kind.
  if (decoder.first_error().has_error()) {
    const decode_error_context& fe = decoder.first_error();
    check(fe.excerpt().size() <= fe.excerpt_data.size() && fe.message_type().size() <= fe.type_data.size());
    check(fe.byte_offset <= frame.size() && fe.frame_size == frame.size());
    check(decoder.first_error(fe.kind).has_error());
  }
  // Decoding the same frame again (buffer reuse) gives the same answer.
  uint32_t events2 = 0;
  const decode_result r2 =
      decoder.decode(frame, timestamp{2}, [&](const market_event&) noexcept { ++events2; });
  check(r2.events == r.events && r2.skipped == r.skipped && r2.frame_error == r.frame_error);
}

}  // namespace torghut::adapters::fuzz
