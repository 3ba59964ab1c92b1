#pragma once
// What json_decoder and msgpack_decoder share, whatever the wire format: statistics and
// first-error bookkeeping, delivery of decoded messages, the assembly of control messages
// (subscription lists), and the per-message-type field rules that build a market_event.
//
// The field rules are templates over a `Reader`: the decoder's own format-specific readers
// (read_symbol, read_int64, read_uint64, read_price, read_size, read_time, read_char,
// read_string, read_conditions, skip_value), each taking the format's value handle `V&` and a
// msg_state. Everything here is inline so that each decoder's hot loop compiles as before.
//
// Private to torghut_alpaca_codec: not installed, no simdjson.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "torghut/adapters/json_decoder.hpp"

namespace torghut::adapters::detail {

/// A one- or two-character key packed into an integer ("T" → 'T', "bx" → 'b' | 'x' << 8).
constexpr uint32_t key(std::string_view s) noexcept {
  return s.size() == 1 ? static_cast<uint8_t>(s[0])
                       : static_cast<uint32_t>(static_cast<uint8_t>(s[0])) |
                             static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 8;
}
/// The code of a key longer than two characters.
constexpr uint32_t long_key = 0xffffffffu;

/// Alpaca's key for each subscription_channel, in enum order.
inline constexpr std::array<std::string_view, subscription_channel_count> channel_names = {
    "trades", "quotes", "bars", "updatedBars", "dailyBars",
    "statuses", "lulds", "imbalances", "corrections", "cancelErrors"};

/// Index of the channel named `k` (anything comparable with a string_view), or
/// subscription_channel_count.
template <class K>
inline size_t channel_index(const K& k) noexcept {
  for (size_t c = 0; c < subscription_channel_count; ++c)
    if (k == channel_names[c]) return c;
  return subscription_channel_count;
}

/// `success` / `error` / `subscription`, or nothing for any other type name.
inline std::optional<control_type> control_type_of(std::string_view type) noexcept {
  if (type == "success") return control_type::success;
  if (type == "error") return control_type::error;
  if (type == "subscription") return control_type::subscription;
  return std::nullopt;
}

/// Per-message decoding state: the first error wins; `fatal` stops the frame.
///
/// Each decoder instantiates it with a tag from its own anonymous namespace: its readers then
/// have internal linkage, which lets the compiler specialise them (as when each .cpp had its
/// own msg_state); a shared external type measurably slowed the msgpack hot path.
template <class Tag>
struct basic_msg_state {
  decode_error err = decode_error::none;
  bool fatal = false;
  uint32_t seen = 0;  // bit per required field

  void fail(decode_error e) noexcept {
    if (err == decode_error::none) err = e;
  }
  /// The frame itself is broken (syntax error, truncation): the rest of it is skipped.
  void broken() noexcept {
    fatal = true;
    fail(decode_error::malformed_json);
  }
  [[nodiscard]] bool ok() const noexcept { return err == decode_error::none && !fatal; }
};

/// missing_field unless every bit of `all` was seen (and nothing failed before).
template <class M>
inline void require(M& m, uint32_t all) noexcept {
  if (m.ok() && (m.seen & all) != all) m.fail(decode_error::missing_field);
}

/// An `error` message's code, clamped to int32.
inline void set_code(control_message& cm, int64_t code) noexcept {
  cm.code = static_cast<int32_t>(std::clamp<int64_t>(code, INT32_MIN, INT32_MAX));
}

/// Fills control_message::channels from the decoder's preallocated pool, one list at a time:
/// open(), add() each symbol, close(channel). A list that fails before close() stays empty.
class subscription_lists {
 public:
  subscription_lists(std::vector<std::string_view>& pool, control_message& cm) noexcept
      : pool_(pool), cm_(cm) {}
  void open() noexcept { begin_ = used_; }
  void add(std::string_view s) noexcept {
    if (used_ < pool_.size())
      pool_[used_++] = s;
    else
      cm_.channels_truncated = true;
  }
  void close(size_t channel) noexcept {
    cm_.channels[channel] =
        std::span<const std::string_view>(pool_.data() + begin_, used_ - begin_);
  }

 private:
  std::vector<std::string_view>& pool_;
  control_message& cm_;
  size_t used_ = 0;
  size_t begin_ = 0;
};

using event_sink = function_ref<void(const market_event&)>;
using control_sink = function_ref<void(const control_message&)>;

/// Statistics, first error and per-frame position shared by both decoders' impl; `M` is the
/// decoder's basic_msg_state.
template <class M>
struct decoder_core {
  symbol_table& symbols;
  size_t max_frame;
  std::vector<std::string_view> sub_pool;
  decode_stats stats;
  decode_error_context first;
  std::array<decode_error_context, decode_error_count> first_of_kind{};
  // Per-frame state
  std::string_view frame;
  uint32_t msg_index = 0;
  uint32_t msg_offset = 0;
  std::string_view msg_type;  ///< `T` of the message being decoded, once read (empty before)

  decoder_core(symbol_table& s, size_t max_frame_bytes, size_t max_sub)
      : symbols(s), max_frame(max_frame_bytes), sub_pool(max_sub) {}

  /// Starts a frame; false when it is too large (already counted as rejected).
  bool begin_frame(std::string_view f, decode_result& r) noexcept {
    ++stats.frames;
    frame = f;
    msg_index = 0;
    msg_offset = 0;
    if (f.size() > max_frame) {
      r = frame_fail(r, decode_error::frame_too_large, 0);
      return false;
    }
    return true;
  }

  /// Starts a message at `offset` (its type is not known yet).
  void begin_message(uint32_t offset) noexcept {
    msg_offset = offset;
    msg_type = {};
  }

  void fill(decode_error_context& c, decode_error e, uint32_t offset) const noexcept {
    c.kind = e;
    c.frame_number = stats.frames;
    c.message_index = msg_index;
    c.byte_offset = offset;
    c.frame_size = static_cast<uint32_t>(std::min<size_t>(frame.size(), UINT32_MAX));
    // From the offending message on; at the very end of the frame, its last characters.
    size_t start = std::min<size_t>(offset, frame.size());
    if (start == frame.size())
      start = frame.size() > c.excerpt_data.size() ? frame.size() - c.excerpt_data.size() : 0;
    const size_t n = std::min(c.excerpt_data.size(), frame.size() - start);
    if (n > 0) std::memcpy(c.excerpt_data.data(), frame.data() + start, n);  // an empty frame may have no data()
    c.excerpt_len = static_cast<uint8_t>(n);
    const size_t tn = std::min(c.type_data.size(), msg_type.size());
    if (tn > 0) std::memcpy(c.type_data.data(), msg_type.data(), tn);
    c.type_len = static_cast<uint8_t>(tn);
  }

  /// Counts an error and keeps its context if it is the first overall or of its kind.
  void record(decode_error e, uint32_t offset) noexcept {
    ++stats.errors[static_cast<size_t>(e)];
    if (!first.has_error()) fill(first, e, offset);
    auto& k = first_of_kind[static_cast<size_t>(e)];
    if (!k.has_error()) fill(k, e, offset);
  }

  /// Counts a skipped message (or a fatal frame error); returns whether decoding may go on.
  bool finish_skip(const M& m, decode_result& r) noexcept {
    if (m.fatal) {
      r.frame_error = decode_error::malformed_json;
      ++stats.frames_rejected;
      record(decode_error::malformed_json, msg_offset);
      return false;
    }
    ++r.skipped;
    ++stats.messages_skipped;
    record(m.err, msg_offset);
    return true;
  }

  decode_result frame_fail(decode_result r, decode_error e, uint32_t offset) noexcept {
    msg_type = {};  // a frame-level error belongs to no message
    r.frame_error = e;
    ++stats.frames_rejected;
    record(e, offset);
    return r;
  }

  /// Delivers a decoded event, or counts it skipped when `m` holds an error.
  bool deliver(const market_event& ev, const M& m, decode_result& r,
               event_sink& on_event) noexcept {
    if (!m.ok()) return finish_skip(m, r);
    ++r.events;
    ++stats.events;
    on_event(ev);
    return true;
  }
  bool deliver(const control_message& cm, const M& m, decode_result& r,
               control_sink& on_control) noexcept {
    if (!m.ok()) return finish_skip(m, r);
    ++r.controls;
    ++stats.controls;
    on_control(cm);
    return true;
  }

  void reset_first_error() noexcept {
    first = decode_error_context{};
    first_of_kind.fill(decode_error_context{});
  }
  void reset_stats() noexcept {
    stats = decode_stats{};
    reset_first_error();
  }
  /// The first error of kind `k` (an empty context for `none` or an out-of-range value).
  [[nodiscard]] const decode_error_context& first_of(decode_error k) const noexcept {
    static constexpr decode_error_context none{};
    const auto i = static_cast<size_t>(k);
    return i < first_of_kind.size() ? first_of_kind[i] : none;
  }
  void reset_first_of(decode_error k) noexcept {
    const auto i = static_cast<size_t>(k);
    if (i < first_of_kind.size()) first_of_kind[i] = decode_error_context{};
  }
};

// --- per-type field rules ---------------------------------------------------------------
//
// `each(f)` calls f(key_code, value&) for every field but `T` of the message (the format's
// iteration); `rd` reads one value. Required fields set a bit of m.seen; unknown keys go to
// rd.skip_value.

template <class R, class Each, class M>
[[gnu::noinline]] void decode_trade(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  trade_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("i"): if (rd.read_int64(v, p.id.value, m)) m.seen |= 2; break;
      case key("p"): if (rd.read_price(v, p.px, m)) m.seen |= 4; break;
      case key("s"): if (rd.read_size(v, p.size, m)) m.seen |= 8; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 16; break;
      case key("x"): (void)rd.read_char(v, p.exchange, m); break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      case key("c"): (void)rd.read_conditions(v, p.conditions, p.n_conditions, m); break;
      default: rd.skip_value(v, m); break;
    }
  });
  require(m, 31);
  ev.kind = market_event_kind::trade;
  ev.u.trade = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_quote(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  quote_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("bp"): if (rd.read_price(v, p.bid_px, m)) m.seen |= 2; break;
      case key("bs"): if (rd.read_size(v, p.bid_size, m)) m.seen |= 4; break;
      case key("ap"): if (rd.read_price(v, p.ask_px, m)) m.seen |= 8; break;
      case key("as"): if (rd.read_size(v, p.ask_size, m)) m.seen |= 16; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 32; break;
      case key("bx"): (void)rd.read_char(v, p.bid_exchange, m); break;
      case key("ax"): (void)rd.read_char(v, p.ask_exchange, m); break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;  // "c" (quote conditions) is not kept
    }
  });
  require(m, 63);
  // Prices and sizes are delivered whatever their sign: market_data judges them (a one-sided
  // quote has price 0 and size 0 on its empty side; anything else non-positive is an anomaly).
  ev.kind = market_event_kind::quote;
  ev.u.quote = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_bar(R& rd, Each&& each, market_event& ev, M& m,
                       market_event_kind kind) noexcept {
  bar_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("o"): if (rd.read_price(v, p.open, m)) m.seen |= 2; break;
      case key("h"): if (rd.read_price(v, p.high, m)) m.seen |= 4; break;
      case key("l"): if (rd.read_price(v, p.low, m)) m.seen |= 8; break;
      case key("c"): if (rd.read_price(v, p.close, m)) m.seen |= 16; break;
      case key("v"): if (rd.read_size(v, p.volume, m)) m.seen |= 32; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 64; break;
      case key("n"): (void)rd.read_uint64(v, p.trade_count, m); break;
      case key("vw"): (void)rd.read_price(v, p.vwap, m); break;
      default: rd.skip_value(v, m); break;
    }
  });
  require(m, 127);
  ev.kind = kind;
  ev.u.bar = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_status(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  status_payload p{};
  each([&](uint32_t k, auto& v) {
    std::string_view s;
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("sc"):
        if (rd.read_string(v, s, m)) {
          (void)p.status_code.assign(s);
          m.seen |= 2;
        }
        break;
      case key("rc"):
        if (rd.read_string(v, s, m)) (void)p.reason_code.assign(s);
        break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 4; break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;  // "sm", "rm": human-readable texts, not kept
    }
  });
  require(m, 7);
  ev.kind = market_event_kind::status;
  ev.u.status = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_correction(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  correction_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("oi"): if (rd.read_int64(v, p.original_id.value, m)) m.seen |= 2; break;
      case key("op"): if (rd.read_price(v, p.original_px, m)) m.seen |= 4; break;
      case key("os"): if (rd.read_size(v, p.original_size, m)) m.seen |= 8; break;
      case key("ci"): if (rd.read_int64(v, p.corrected_id.value, m)) m.seen |= 16; break;
      case key("cp"): if (rd.read_price(v, p.corrected_px, m)) m.seen |= 32; break;
      case key("cs"): if (rd.read_size(v, p.corrected_size, m)) m.seen |= 64; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 128; break;
      case key("x"): (void)rd.read_char(v, p.exchange, m); break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;  // "oc", "cc": conditions, not kept
    }
  });
  require(m, 255);
  ev.kind = market_event_kind::correction;
  ev.u.correction = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_cancel(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  cancel_error_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("i"): if (rd.read_int64(v, p.id.value, m)) m.seen |= 2; break;
      case key("p"): if (rd.read_price(v, p.px, m)) m.seen |= 4; break;
      case key("s"): if (rd.read_size(v, p.size, m)) m.seen |= 8; break;
      case key("a"): if (rd.read_char(v, p.action, m)) m.seen |= 16; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 32; break;
      case key("x"): (void)rd.read_char(v, p.exchange, m); break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;
    }
  });
  require(m, 63);
  ev.kind = market_event_kind::cancel_error;
  ev.u.cancel_error = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_luld(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  luld_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("u"): if (rd.read_price(v, p.limit_up, m)) m.seen |= 2; break;
      case key("d"): if (rd.read_price(v, p.limit_down, m)) m.seen |= 4; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 8; break;
      case key("i"): (void)rd.read_char(v, p.indicator, m); break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;
    }
  });
  require(m, 15);
  ev.kind = market_event_kind::luld;
  ev.u.luld = p;
}

template <class R, class Each, class M>
[[gnu::noinline]] void decode_imbalance(R& rd, Each&& each, market_event& ev, M& m) noexcept {
  imbalance_payload p{};
  each([&](uint32_t k, auto& v) {
    switch (k) {
      case key("S"): if (rd.read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
      case key("p"): if (rd.read_price(v, p.px, m)) m.seen |= 2; break;
      case key("t"): if (rd.read_time(v, ev.event_time, m)) m.seen |= 4; break;
      case key("z"): (void)rd.read_char(v, p.tape, m); break;
      default: rd.skip_value(v, m); break;
    }
  });
  require(m, 7);
  ev.kind = market_event_kind::imbalance;
  ev.u.imbalance = p;
}

/// Decodes the fields of a data message of one-character type `type` into `ev`. False when
/// `type` names no data message (nothing read). Inlined into the caller's dispatch, the
/// per-type decoders not: the call structure each decoder had before sharing this code (one
/// extra call level cost the msgpack trade path ~10%).
template <class R, class Each, class M>
[[gnu::always_inline]] inline bool decode_event(R& rd, char type, Each&& each, market_event& ev, M& m) noexcept {
  switch (type) {
    case 't': decode_trade(rd, each, ev, m); return true;
    case 'q': decode_quote(rd, each, ev, m); return true;
    case 'b': decode_bar(rd, each, ev, m, market_event_kind::bar); return true;
    case 'd': decode_bar(rd, each, ev, m, market_event_kind::daily_bar); return true;
    case 'u': decode_bar(rd, each, ev, m, market_event_kind::updated_bar); return true;
    case 's': decode_status(rd, each, ev, m); return true;
    case 'c': decode_correction(rd, each, ev, m); return true;
    case 'x': decode_cancel(rd, each, ev, m); return true;
    case 'l': decode_luld(rd, each, ev, m); return true;
    case 'i': decode_imbalance(rd, each, ev, m); return true;
    default: return false;
  }
}

}  // namespace torghut::adapters::detail
