// Alpaca market-data frame decoder over simdjson On-Demand. See json_decoder.hpp for the contract.
//
// Every frame is copied into one buffer allocated (with SIMDJSON_PADDING) at construction and
// iterated by a parser sized once for the largest frame, so decoding never allocates. Numbers
// that become money are read from their raw token text with parse_decimal (never a double);
// trade ids through simdjson's exact integer parser.

#include "torghut/adapters/json_decoder.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "torghut/engine/rfc3339.hpp"

namespace torghut::adapters {

namespace od = simdjson::ondemand;

std::string_view to_string(decode_error e) noexcept {
  switch (e) {
    case decode_error::none: return "none";
    case decode_error::frame_too_large: return "frame_too_large";
    case decode_error::malformed_json: return "malformed_json";
    case decode_error::not_array: return "not_array";
    case decode_error::not_object: return "not_object";
    case decode_error::missing_type: return "missing_type";
    case decode_error::unknown_type: return "unknown_type";
    case decode_error::missing_field: return "missing_field";
    case decode_error::bad_field: return "bad_field";
    case decode_error::bad_number: return "bad_number";
    case decode_error::invalid_price: return "invalid_price";
    case decode_error::invalid_size: return "invalid_size";
    case decode_error::bad_timestamp: return "bad_timestamp";
    case decode_error::bad_symbol: return "bad_symbol";
  }
  return "unknown";
}

namespace {
constexpr std::array<std::string_view, subscription_channel_count> channel_names = {
    "trades", "quotes", "bars", "updatedBars", "dailyBars",
    "statuses", "lulds", "imbalances", "corrections", "cancelErrors"};
}  // namespace

std::string_view to_string(subscription_channel c) noexcept {
  const auto i = static_cast<size_t>(c);
  return i < channel_names.size() ? channel_names[i] : std::string_view{"unknown"};
}

namespace {

/// A one- or two-character key packed into an integer ("T" → 'T', "bx" → 'b' | 'x' << 8).
constexpr uint32_t key(std::string_view s) noexcept {
  return s.size() == 1 ? static_cast<uint8_t>(s[0])
                       : static_cast<uint32_t>(static_cast<uint8_t>(s[0])) |
                             static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 8;
}
constexpr uint32_t long_key = 0xffffffffu;

/// Packs the raw (still escaped, quote-terminated) key text the same way; long_key when it has
/// more than two characters, 0 when empty. Reads at most 3 bytes: the buffer is padded and the
/// key is known to be closed by a quote.
inline uint32_t key_code(const char* raw) noexcept {
  const auto c0 = static_cast<uint8_t>(raw[0]);
  if (c0 == '"') return 0;
  const auto c1 = static_cast<uint8_t>(raw[1]);
  if (c1 == '"') return c0;
  if (raw[2] == '"') return static_cast<uint32_t>(c0) | static_cast<uint32_t>(c1) << 8;
  return long_key;
}

/// Errors that concern one value only: the iterator is still positioned consistently, so the
/// rest of the frame can be read. Anything else means the JSON itself is broken.
inline bool is_value_error(simdjson::error_code e) noexcept {
  using simdjson::error_code;
  return e == error_code::INCORRECT_TYPE || e == error_code::NUMBER_ERROR ||
         e == error_code::NUMBER_OUT_OF_RANGE || e == error_code::STRING_ERROR;
}

inline std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Per-message decoding state: the first error wins; `fatal` stops the frame.
struct msg_state {
  decode_error err = decode_error::none;
  bool fatal = false;
  uint32_t seen = 0;  // bit per required field

  void fail(decode_error e) noexcept {
    if (err == decode_error::none) err = e;
  }
  /// Classifies a simdjson error: value-level → `as`; otherwise the frame is broken.
  void fail_json(simdjson::error_code e, decode_error as) noexcept {
    if (is_value_error(e)) {
      fail(as);
    } else {
      fatal = true;
      fail(decode_error::malformed_json);
    }
  }
  [[nodiscard]] bool ok() const noexcept { return err == decode_error::none && !fatal; }
};

}  // namespace

struct json_decoder::impl {
  symbol_table& symbols;
  size_t max_frame;
  size_t capacity;
  std::unique_ptr<char[]> buf;
  od::parser parser;
  std::vector<std::string_view> sub_pool;
  decode_stats stats;
  decode_error_context first;
  // Per-frame state
  std::string_view frame;
  uint32_t msg_index = 0;
  uint32_t msg_offset = 0;

  impl(symbol_table& s, size_t max_frame_bytes, size_t max_sub)
      : symbols(s),
        max_frame(max_frame_bytes),
        capacity(max_frame_bytes + simdjson::SIMDJSON_PADDING),
        buf(std::make_unique_for_overwrite<char[]>(max_frame_bytes + simdjson::SIMDJSON_PADDING)),
        parser(max_frame_bytes) {
    std::memset(buf.get(), 0, capacity);
    // Sizing once here means iterate() never reallocates. Alpaca nests 3 deep; allow margin.
    if (parser.allocate(max_frame_bytes == 0 ? 1 : max_frame_bytes, 64) != simdjson::SUCCESS)
      max_frame = 0;  // out of memory: every frame is then reported as frame_too_large
    sub_pool.resize(max_sub);
  }

  void record(decode_error e, uint32_t offset) noexcept {
    ++stats.errors[static_cast<size_t>(e)];
    if (first.has_error()) return;
    first.kind = e;
    first.frame_number = stats.frames;
    first.message_index = msg_index;
    first.byte_offset = offset;
    first.frame_size = static_cast<uint32_t>(std::min<size_t>(frame.size(), UINT32_MAX));
    // From the offending message on; at the very end of the frame, its last characters.
    size_t start = std::min<size_t>(offset, frame.size());
    if (start == frame.size())
      start = frame.size() > first.excerpt_data.size() ? frame.size() - first.excerpt_data.size() : 0;
    const size_t n = std::min(first.excerpt_data.size(), frame.size() - start);
    std::memcpy(first.excerpt_data.data(), frame.data() + start, n);
    first.excerpt_len = static_cast<uint8_t>(n);
  }

  uint32_t location_of(const char* p) const noexcept {
    const auto base = reinterpret_cast<uintptr_t>(buf.get());
    const auto at = reinterpret_cast<uintptr_t>(p);
    if (at < base || at - base > frame.size()) return static_cast<uint32_t>(frame.size());
    return static_cast<uint32_t>(at - base);
  }

  // --- field readers: each returns true on success, else records the error in `m` ---

  /// `allow_zero` for quote sides, where 0 means "no such side" (checked against the size).
  static bool read_price(od::value& v, price& out, msg_state& m, bool allow_zero = false) noexcept {
    const std::string_view tok = trim_right(v.raw_json_token());
    if (tok.empty() || tok[0] == '"' || tok[0] == '{' || tok[0] == '[' || tok[0] == 't' ||
        tok[0] == 'f' || tok[0] == 'n') {
      m.fail(decode_error::bad_field);
      return false;
    }
    const auto p = parse_decimal<price>(tok);
    if (!p) {
      m.fail(decode_error::bad_number);
      return false;
    }
    if (p->is_negative() || (!allow_zero && p->is_zero())) {
      m.fail(decode_error::invalid_price);
      return false;
    }
    out = *p;
    return true;
  }

  static bool read_size(od::value& v, quantity& out, msg_state& m) noexcept {
    const std::string_view tok = trim_right(v.raw_json_token());
    if (tok.empty() || tok[0] == '"' || tok[0] == '{' || tok[0] == '[' || tok[0] == 't' ||
        tok[0] == 'f' || tok[0] == 'n') {
      m.fail(decode_error::bad_field);
      return false;
    }
    const auto q = parse_decimal<quantity>(tok);
    if (!q) {
      m.fail(decode_error::bad_number);
      return false;
    }
    if (q->is_negative()) {
      m.fail(decode_error::invalid_size);
      return false;
    }
    out = *q;
    return true;
  }

  static decode_error number_error_kind(od::value& v) noexcept {
    const std::string_view tok = v.raw_json_token();
    return !tok.empty() && (tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9'))
               ? decode_error::bad_number
               : decode_error::bad_field;
  }

  static bool read_int64(od::value& v, int64_t& out, msg_state& m) noexcept {
    if (auto e = v.get_int64().get(out)) {
      if (is_value_error(e))
        m.fail(number_error_kind(v));
      else
        m.fail_json(e, decode_error::bad_field);
      return false;
    }
    return true;
  }

  static bool read_uint64(od::value& v, uint64_t& out, msg_state& m) noexcept {
    if (auto e = v.get_uint64().get(out)) {
      if (is_value_error(e))
        m.fail(number_error_kind(v));
      else
        m.fail_json(e, decode_error::bad_field);
      return false;
    }
    return true;
  }

  static bool read_string(od::value& v, std::string_view& out, msg_state& m) noexcept {
    if (auto e = v.get_string().get(out)) {
      m.fail_json(e, decode_error::bad_field);
      return false;
    }
    return true;
  }

  static bool read_char(od::value& v, char& out, msg_state& m) noexcept {
    std::string_view s;
    if (!read_string(v, s, m)) return false;
    out = s.empty() ? '\0' : s[0];
    return true;
  }

  static bool read_time(od::value& v, timestamp& out, msg_state& m) noexcept {
    std::string_view s;
    if (!read_string(v, s, m)) return false;
    const auto t = parse_rfc3339(s);
    if (!t) {
      m.fail(decode_error::bad_timestamp);
      return false;
    }
    out = *t;
    return true;
  }

  bool read_symbol(od::value& v, symbol_id& out, msg_state& m) noexcept {
    std::string_view s;
    if (!read_string(v, s, m)) return false;
    out = symbols.intern(s);
    if (!out.valid()) {
      m.fail(decode_error::bad_symbol);
      return false;
    }
    return true;
  }

  /// Conditions: first character of each of the first four strings; the rest are read and
  /// dropped.
  static bool read_conditions(od::value& v, std::array<char, 4>& out, uint8_t& n, msg_state& m) noexcept {
    od::array arr;
    if (auto e = v.get_array().get(arr)) {
      m.fail_json(e, decode_error::bad_field);
      return false;
    }
    n = 0;
    out = {};
    for (auto el : arr) {
      od::value cv;
      if (auto e = std::move(el).get(cv)) {
        m.fail_json(e, decode_error::bad_field);
        return false;
      }
      std::string_view s;
      if (!read_string(cv, s, m)) {
        if (m.fatal) return false;
        continue;  // a non-string condition: recorded as bad_field, keep the iterator in step
      }
      if (n < out.size()) out[n++] = s.empty() ? '\0' : s[0];
    }
    return m.ok();
  }

  /// Iterates the fields of `obj`, calling `f(key_code, value&)`; skips `T`. Stops on a
  /// structural error (m.fatal).
  template <class F>
  static void for_each_field(od::object& obj, msg_state& m, F&& f) noexcept {
    for (auto fr : obj) {
      od::field fld;
      if (auto e = std::move(fr).get(fld)) {
        m.fatal = true;
        m.fail(decode_error::malformed_json);
        return;
      }
      const uint32_t k = key_code(fld.key().raw());
      if (k == 'T') continue;
      f(k, fld.value());
      if (m.fatal) return;
    }
  }

  static void require(msg_state& m, uint32_t all) noexcept {
    if (m.ok() && (m.seen & all) != all) m.fail(decode_error::missing_field);
  }

  // --- per-type decoders: fill `ev`, report problems in `m` ---

  void decode_trade(od::object& obj, market_event& ev, msg_state& m) noexcept {
    trade_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("i"): if (read_int64(v, p.id.value, m)) m.seen |= 2; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 4; break;
        case key("s"): if (read_size(v, p.size, m)) m.seen |= 8; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 16; break;
        case key("x"): (void)read_char(v, p.exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        case key("c"): (void)read_conditions(v, p.conditions, p.n_conditions, m); break;
        default: break;
      }
    });
    require(m, 31);
    ev.kind = market_event_kind::trade;
    ev.u.trade = p;
  }

  void decode_quote(od::object& obj, market_event& ev, msg_state& m) noexcept {
    quote_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("bp"): if (read_price(v, p.bid_px, m, true)) m.seen |= 2; break;
        case key("bs"): if (read_size(v, p.bid_size, m)) m.seen |= 4; break;
        case key("ap"): if (read_price(v, p.ask_px, m, true)) m.seen |= 8; break;
        case key("as"): if (read_size(v, p.ask_size, m)) m.seen |= 16; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 32; break;
        case key("bx"): (void)read_char(v, p.bid_exchange, m); break;
        case key("ax"): (void)read_char(v, p.ask_exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;  // "c" (quote conditions) is not kept
      }
    });
    require(m, 63);
    // A one-sided quote has price 0 and size 0 on its empty side: delivered (market_data
    // tolerates a zero side). A zero price with a size is invalid.
    if (m.ok() && ((p.bid_px.is_zero() && !p.bid_size.is_zero()) ||
                   (p.ask_px.is_zero() && !p.ask_size.is_zero())))
      m.fail(decode_error::invalid_price);
    ev.kind = market_event_kind::quote;
    ev.u.quote = p;
  }

  void decode_bar(od::object& obj, market_event& ev, msg_state& m, market_event_kind kind) noexcept {
    bar_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("o"): if (read_price(v, p.open, m)) m.seen |= 2; break;
        case key("h"): if (read_price(v, p.high, m)) m.seen |= 4; break;
        case key("l"): if (read_price(v, p.low, m)) m.seen |= 8; break;
        case key("c"): if (read_price(v, p.close, m)) m.seen |= 16; break;
        case key("v"): if (read_size(v, p.volume, m)) m.seen |= 32; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 64; break;
        case key("n"): (void)read_uint64(v, p.trade_count, m); break;
        case key("vw"): (void)read_price(v, p.vwap, m); break;
        default: break;
      }
    });
    require(m, 127);
    ev.kind = kind;
    ev.u.bar = p;
  }

  void decode_status(od::object& obj, market_event& ev, msg_state& m) noexcept {
    status_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      std::string_view s;
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("sc"):
          if (read_string(v, s, m)) {
            (void)p.status_code.assign(s);
            m.seen |= 2;
          }
          break;
        case key("rc"):
          if (read_string(v, s, m)) (void)p.reason_code.assign(s);
          break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 4; break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;  // "sm", "rm": human-readable texts, not kept
      }
    });
    require(m, 7);
    ev.kind = market_event_kind::status;
    ev.u.status = p;
  }

  void decode_correction(od::object& obj, market_event& ev, msg_state& m) noexcept {
    correction_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("oi"): if (read_int64(v, p.original_id.value, m)) m.seen |= 2; break;
        case key("op"): if (read_price(v, p.original_px, m)) m.seen |= 4; break;
        case key("os"): if (read_size(v, p.original_size, m)) m.seen |= 8; break;
        case key("ci"): if (read_int64(v, p.corrected_id.value, m)) m.seen |= 16; break;
        case key("cp"): if (read_price(v, p.corrected_px, m)) m.seen |= 32; break;
        case key("cs"): if (read_size(v, p.corrected_size, m)) m.seen |= 64; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 128; break;
        case key("x"): (void)read_char(v, p.exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;  // "oc", "cc": conditions, not kept
      }
    });
    require(m, 255);
    ev.kind = market_event_kind::correction;
    ev.u.correction = p;
  }

  void decode_cancel(od::object& obj, market_event& ev, msg_state& m) noexcept {
    cancel_error_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("i"): if (read_int64(v, p.id.value, m)) m.seen |= 2; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 4; break;
        case key("s"): if (read_size(v, p.size, m)) m.seen |= 8; break;
        case key("a"): if (read_char(v, p.action, m)) m.seen |= 16; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 32; break;
        case key("x"): (void)read_char(v, p.exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;
      }
    });
    require(m, 63);
    ev.kind = market_event_kind::cancel_error;
    ev.u.cancel_error = p;
  }

  void decode_luld(od::object& obj, market_event& ev, msg_state& m) noexcept {
    luld_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("u"): if (read_price(v, p.limit_up, m)) m.seen |= 2; break;
        case key("d"): if (read_price(v, p.limit_down, m)) m.seen |= 4; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 8; break;
        case key("i"): (void)read_char(v, p.indicator, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;
      }
    });
    require(m, 15);
    ev.kind = market_event_kind::luld;
    ev.u.luld = p;
  }

  void decode_imbalance(od::object& obj, market_event& ev, msg_state& m) noexcept {
    imbalance_payload p{};
    for_each_field(obj, m, [&](uint32_t k, od::value& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 2; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 4; break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: break;
      }
    });
    require(m, 7);
    ev.kind = market_event_kind::imbalance;
    ev.u.imbalance = p;
  }

  void decode_control(od::object& obj, control_type type, control_message& cm, msg_state& m) noexcept {
    cm.type = type;
    size_t used = 0;
    for (auto fr : obj) {
      od::field fld;
      if (auto e = std::move(fr).get(fld)) {
        m.fail_json(e, decode_error::malformed_json);
        m.fatal = true;
        return;
      }
      const od::raw_json_string k = fld.key();
      od::value& v = fld.value();
      if (k == "msg") {
        (void)read_string(v, cm.msg, m);
      } else if (k == "code") {
        int64_t code = 0;
        if (read_int64(v, code, m)) cm.code = static_cast<int32_t>(std::clamp<int64_t>(code, INT32_MIN, INT32_MAX));
      } else if (type == control_type::subscription) {
        for (size_t c = 0; c < subscription_channel_count; ++c) {
          if (!(k == channel_names[c])) continue;
          od::array arr;
          if (auto e = v.get_array().get(arr)) {
            m.fail_json(e, decode_error::bad_field);
            break;
          }
          const size_t begin = used;
          for (auto el : arr) {
            od::value sv;
            if (auto e = std::move(el).get(sv)) {
              m.fail_json(e, decode_error::bad_field);
              return;
            }
            std::string_view s;
            if (!read_string(sv, s, m)) {
              if (m.fatal) return;
              continue;
            }
            if (used < sub_pool.size())
              sub_pool[used++] = s;
            else
              cm.channels_truncated = true;
          }
          cm.channels[c] = std::span<const std::string_view>(sub_pool.data() + begin, used - begin);
          break;
        }
      }
      if (m.fatal) return;
    }
  }

  /// Decodes one array element. Returns false when the frame cannot be read further.
  bool decode_message(od::value& elem, timestamp recv, decode_result& r, event_sink& on_event,
                      control_sink& on_control) noexcept {
    msg_state m;
    od::object obj;
    if (auto e = elem.get_object().get(obj)) {
      m.fail_json(e, decode_error::not_object);
      return finish_skip(m, r);
    }
    od::value tv;
    if (auto e = obj.find_field_unordered("T").get(tv)) {
      if (e == simdjson::error_code::NO_SUCH_FIELD)
        m.fail(decode_error::missing_type);
      else
        m.fail_json(e, decode_error::missing_type);
      return finish_skip(m, r);
    }
    std::string_view type;
    if (auto e = tv.get_string().get(type)) {
      m.fail_json(e, decode_error::missing_type);
      return finish_skip(m, r);
    }
    if (auto e = obj.reset().error()) {
      m.fail_json(e, decode_error::malformed_json);
      return finish_skip(m, r);
    }

    if (type.size() == 1) {
      market_event ev{};
      ev.recv_time = recv;
      switch (type[0]) {
        case 't': decode_trade(obj, ev, m); break;
        case 'q': decode_quote(obj, ev, m); break;
        case 'b': decode_bar(obj, ev, m, market_event_kind::bar); break;
        case 'd': decode_bar(obj, ev, m, market_event_kind::daily_bar); break;
        case 'u': decode_bar(obj, ev, m, market_event_kind::updated_bar); break;
        case 's': decode_status(obj, ev, m); break;
        case 'c': decode_correction(obj, ev, m); break;
        case 'x': decode_cancel(obj, ev, m); break;
        case 'l': decode_luld(obj, ev, m); break;
        case 'i': decode_imbalance(obj, ev, m); break;
        default: m.fail(decode_error::unknown_type); return finish_skip(m, r);
      }
      if (!m.ok()) return finish_skip(m, r);
      ++r.events;
      ++stats.events;
      on_event(ev);
      return true;
    }
    control_type ct{};
    if (type == "success")
      ct = control_type::success;
    else if (type == "error")
      ct = control_type::error;
    else if (type == "subscription")
      ct = control_type::subscription;
    else {
      m.fail(decode_error::unknown_type);
      return finish_skip(m, r);
    }
    control_message cm;
    decode_control(obj, ct, cm, m);
    if (!m.ok()) return finish_skip(m, r);
    ++r.controls;
    ++stats.controls;
    on_control(cm);
    return true;
  }

  /// Counts a skipped message (or a fatal frame error); returns whether decoding may go on.
  bool finish_skip(const msg_state& m, decode_result& r) noexcept {
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
    r.frame_error = e;
    ++stats.frames_rejected;
    record(e, offset);
    return r;
  }

  decode_result decode(std::string_view f, timestamp recv, event_sink& on_event,
                       control_sink& on_control) noexcept {
    decode_result r;
    ++stats.frames;
    frame = f;
    msg_index = 0;
    msg_offset = 0;
    if (f.size() > max_frame) return frame_fail(r, decode_error::frame_too_large, 0);
    std::memcpy(buf.get(), f.data(), f.size());
    // Keep the padding clean so a stale byte can never look like a continuation of the frame.
    std::memset(buf.get() + f.size(), 0, simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (parser.iterate(buf.get(), f.size(), capacity).get(doc))
      return frame_fail(r, decode_error::malformed_json, 0);
    od::array arr;
    if (auto e = doc.get_array().get(arr)) {
      return frame_fail(r, e == simdjson::error_code::INCORRECT_TYPE ? decode_error::not_array
                                                                      : decode_error::malformed_json,
                        0);
    }
    for (auto er : arr) {
      od::value elem;
      if (std::move(er).get(elem)) {
        return frame_fail(r, decode_error::malformed_json, error_offset(doc));
      }
      msg_offset = location_of(elem.raw_json_token().data());
      ++stats.messages;
      if (!decode_message(elem, recv, r, on_event, on_control)) return r;
      ++msg_index;
    }
    // Anything after the closing bracket (e.g. "[...]]" or "[...] x") is trailing content; at
    // the end of the document current_location() reports OUT_OF_BOUNDS.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
      return frame_fail(r, decode_error::malformed_json, location_of(rest));
    return r;
  }

  uint32_t error_offset(od::document& doc) noexcept {
    const char* p = nullptr;
    if (doc.current_location().get(p)) return static_cast<uint32_t>(frame.size());
    return location_of(p);
  }
};

json_decoder::json_decoder(symbol_table& symbols, size_t max_frame_bytes,
                           size_t max_subscription_symbols)
    : impl_(std::make_unique<impl>(symbols, max_frame_bytes, max_subscription_symbols)) {}
json_decoder::~json_decoder() = default;
json_decoder::json_decoder(json_decoder&&) noexcept = default;
json_decoder& json_decoder::operator=(json_decoder&&) noexcept = default;

decode_result json_decoder::decode_frame(std::string_view frame, timestamp recv_time,
                                         event_sink on_event, control_sink on_control) noexcept {
  return impl_->decode(frame, recv_time, on_event, on_control);
}

const decode_stats& json_decoder::stats() const noexcept { return impl_->stats; }
const decode_error_context& json_decoder::first_error() const noexcept { return impl_->first; }
void json_decoder::reset_first_error() noexcept { impl_->first = decode_error_context{}; }
void json_decoder::reset_stats() noexcept {
  impl_->stats = decode_stats{};
  impl_->first = decode_error_context{};
}
size_t json_decoder::max_frame_bytes() const noexcept { return impl_->max_frame; }

}  // namespace torghut::adapters
