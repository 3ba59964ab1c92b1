// Alpaca market-data frame decoder for MessagePack. See msgpack_decoder.hpp for the contract.
//
// The frame is read in place with a bounds-checked cursor (msgpack_detail.hpp): no copy, no
// allocation, no recursion. Each message is a map: a first pass finds `T` (the first key in
// practice, so it costs one key), a second pass decodes the fields with a switch on the key
// packed into an integer, exactly like json_decoder. Every field reader consumes exactly one
// value whatever happens (a wrong type is skipped and recorded), so one bad value never loses
// the position; running off the end of the frame is the only fatal condition.

#include "torghut/adapters/msgpack_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "msgpack_detail.hpp"
#include "torghut/engine/rfc3339.hpp"

namespace torghut::adapters {

namespace {

using mp::rd;

constexpr uint32_t key(std::string_view s) noexcept {
  return s.size() == 1 ? static_cast<uint8_t>(s[0])
                       : static_cast<uint32_t>(static_cast<uint8_t>(s[0])) |
                             static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 8;
}
constexpr uint32_t long_key = 0xffffffffu;

inline uint32_t key_code(std::string_view s) noexcept {
  if (s.empty()) return 0;
  if (s.size() == 1) return static_cast<uint8_t>(s[0]);
  if (s.size() == 2) return key(s);
  return long_key;
}

constexpr std::array<std::string_view, subscription_channel_count> channel_names = {
    "trades", "quotes", "bars", "updatedBars", "dailyBars",
    "statuses", "lulds", "imbalances", "corrections", "cancelErrors"};

struct msg_state {
  decode_error err = decode_error::none;
  bool fatal = false;
  uint32_t seen = 0;

  void fail(decode_error e) noexcept {
    if (err == decode_error::none) err = e;
  }
  void truncated() noexcept {
    fatal = true;
    fail(decode_error::malformed_json);
  }
  [[nodiscard]] bool ok() const noexcept { return err == decode_error::none && !fatal; }
};

/// After a read that did not consume the value: skip it, recording `as` (or truncation).
inline void reject(mp::cursor& c, rd r, decode_error as, msg_state& m) noexcept {
  if (r == rd::truncated || !c.skip()) {
    m.truncated();
    return;
  }
  m.fail(as);
}

}  // namespace

struct msgpack_decoder::impl {
  symbol_table& symbols;
  size_t max_frame;
  std::vector<std::string_view> sub_pool;
  decode_stats stats;
  decode_error_context first;
  std::string_view frame;
  uint32_t msg_index = 0;
  uint32_t msg_offset = 0;

  impl(symbol_table& s, size_t max_frame_bytes, size_t max_sub)
      : symbols(s), max_frame(max_frame_bytes), sub_pool(max_sub) {}

  void record(decode_error e, uint32_t offset) noexcept {
    ++stats.errors[static_cast<size_t>(e)];
    if (first.has_error()) return;
    first.kind = e;
    first.frame_number = stats.frames;
    first.message_index = msg_index;
    first.byte_offset = offset;
    first.frame_size = static_cast<uint32_t>(std::min<size_t>(frame.size(), UINT32_MAX));
    size_t start = std::min<size_t>(offset, frame.size());
    if (start == frame.size())
      start = frame.size() > first.excerpt_data.size() ? frame.size() - first.excerpt_data.size() : 0;
    const size_t n = std::min(first.excerpt_data.size(), frame.size() - start);
    std::memcpy(first.excerpt_data.data(), frame.data() + start, n);
    first.excerpt_len = static_cast<uint8_t>(n);
  }

  uint32_t offset_of(const mp::cursor& c) const noexcept {
    return static_cast<uint32_t>(reinterpret_cast<const char*>(c.p) - frame.data());
  }

  // --- field readers: each consumes exactly one value (unless the frame is truncated) ---

  /// A price or size. `allow_zero` for sizes and one-sided quotes; negatives are `negative_err`.
  template <class Fixed>
  static bool read_fixed(mp::cursor& c, Fixed& out, msg_state& m, bool allow_zero,
                         decode_error negative_err) noexcept {
    mp::number n;
    if (const rd r = c.num(n); r != rd::ok) {
      reject(c, r, decode_error::bad_field, m);
      return false;
    }
    std::optional<Fixed> v;
    switch (n.k) {
      case mp::number::kind::u:
        v = n.u > static_cast<uint64_t>(INT64_MAX) ? std::nullopt
                                                   : Fixed::from_units(static_cast<int64_t>(n.u));
        break;
      case mp::number::kind::i: v = Fixed::from_units(n.i); break;
      case mp::number::kind::f: v = mp::fixed_from_double<Fixed>(n.f); break;
    }
    if (!v) {
      m.fail(n.k == mp::number::kind::i ? negative_err : decode_error::bad_number);
      return false;
    }
    if (v->is_negative() || (!allow_zero && v->is_zero())) {
      m.fail(negative_err);
      return false;
    }
    out = *v;
    return true;
  }
  static bool read_price(mp::cursor& c, price& out, msg_state& m, bool allow_zero = false) noexcept {
    return read_fixed(c, out, m, allow_zero, decode_error::invalid_price);
  }
  static bool read_size(mp::cursor& c, quantity& out, msg_state& m) noexcept {
    return read_fixed(c, out, m, true, decode_error::invalid_size);
  }

  static bool read_int64(mp::cursor& c, int64_t& out, msg_state& m) noexcept {
    mp::number n;
    if (const rd r = c.num(n); r != rd::ok) {
      reject(c, r, decode_error::bad_field, m);
      return false;
    }
    if (n.k == mp::number::kind::i) {
      out = n.i;
      return true;
    }
    if (n.k == mp::number::kind::u && n.u <= static_cast<uint64_t>(INT64_MAX)) {
      out = static_cast<int64_t>(n.u);
      return true;
    }
    m.fail(decode_error::bad_number);
    return false;
  }

  static bool read_uint64(mp::cursor& c, uint64_t& out, msg_state& m) noexcept {
    mp::number n;
    if (const rd r = c.num(n); r != rd::ok) {
      reject(c, r, decode_error::bad_field, m);
      return false;
    }
    if (n.k == mp::number::kind::u) {
      out = n.u;
      return true;
    }
    m.fail(decode_error::bad_number);
    return false;
  }

  static bool read_string(mp::cursor& c, std::string_view& out, msg_state& m) noexcept {
    if (const rd r = c.str(out); r != rd::ok) {
      reject(c, r, decode_error::bad_field, m);
      return false;
    }
    return true;
  }

  static bool read_char(mp::cursor& c, char& out, msg_state& m) noexcept {
    std::string_view s;
    if (!read_string(c, s, m)) return false;
    out = s.empty() ? '\0' : s[0];
    return true;
  }

  static bool read_time(mp::cursor& c, timestamp& out, msg_state& m) noexcept {
    int64_t sec = 0;
    uint32_t nsec = 0;
    const rd r = c.timestamp_ext(sec, nsec);
    if (r == rd::ok) {
      const auto t = mp::to_timestamp(sec, nsec);
      if (!t) {
        m.fail(decode_error::bad_timestamp);
        return false;
      }
      out = *t;
      return true;
    }
    if (r == rd::truncated) {
      m.truncated();
      return false;
    }
    std::string_view s;  // tolerated: RFC 3339 text, as in JSON
    if (const rd rs = c.str(s); rs != rd::ok) {
      reject(c, rs, decode_error::bad_field, m);
      return false;
    }
    const auto t = parse_rfc3339(s);
    if (!t) {
      m.fail(decode_error::bad_timestamp);
      return false;
    }
    out = *t;
    return true;
  }

  bool read_symbol(mp::cursor& c, symbol_id& out, msg_state& m) noexcept {
    std::string_view s;
    if (!read_string(c, s, m)) return false;
    out = symbols.intern(s);
    if (!out.valid()) {
      m.fail(decode_error::bad_symbol);
      return false;
    }
    return true;
  }

  static bool read_conditions(mp::cursor& c, std::array<char, 4>& out, uint8_t& n,
                              msg_state& m) noexcept {
    uint32_t len = 0;
    if (const rd r = c.array_header(len); r != rd::ok) {
      reject(c, r, decode_error::bad_field, m);
      return false;
    }
    n = 0;
    out = {};
    for (uint32_t i = 0; i < len; ++i) {
      std::string_view s;
      if (!read_string(c, s, m)) {
        if (m.fatal) return false;
        continue;
      }
      if (n < out.size()) out[n++] = s.empty() ? '\0' : s[0];
    }
    return m.ok();
  }

  /// Calls f(key_code, cursor&) for every field but `T`; f must consume the value.
  template <class F>
  static void for_each_field(mp::cursor& c, uint32_t fields, msg_state& m, F&& f) noexcept {
    for (uint32_t i = 0; i < fields; ++i) {
      std::string_view k;
      if (const rd r = c.str(k); r != rd::ok) {
        // A non-string key names nothing Alpaca sends: skip it and its value.
        if (r == rd::truncated || !c.skip() || !c.skip()) {
          m.truncated();
          return;
        }
        continue;
      }
      const uint32_t code = key_code(k);
      if (code == 'T') {
        if (!c.skip()) {
          m.truncated();
          return;
        }
        continue;
      }
      if (code == long_key || code == 0) {
        if (!c.skip()) {
          m.truncated();
          return;
        }
        continue;
      }
      f(code, c);
      if (m.fatal) return;
    }
  }

  static bool skip_value(mp::cursor& c, msg_state& m) noexcept {
    if (c.skip()) return true;
    m.truncated();
    return false;
  }

  static void require(msg_state& m, uint32_t all) noexcept {
    if (m.ok() && (m.seen & all) != all) m.fail(decode_error::missing_field);
  }

  // --- per-type decoders ---

  void decode_trade(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    trade_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("i"): if (read_int64(v, p.id.value, m)) m.seen |= 2; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 4; break;
        case key("s"): if (read_size(v, p.size, m)) m.seen |= 8; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 16; break;
        case key("x"): (void)read_char(v, p.exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        case key("c"): (void)read_conditions(v, p.conditions, p.n_conditions, m); break;
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 31);
    ev.kind = market_event_kind::trade;
    ev.u.trade = p;
  }

  void decode_quote(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    quote_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
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
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 63);
    // A side may be absent (price 0 with size 0); a zero price with a size is invalid.
    if (m.ok() && ((p.bid_px.is_zero() && !p.bid_size.is_zero()) ||
                   (p.ask_px.is_zero() && !p.ask_size.is_zero())))
      m.fail(decode_error::invalid_price);
    ev.kind = market_event_kind::quote;
    ev.u.quote = p;
  }

  void decode_bar(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m,
                  market_event_kind kind) noexcept {
    bar_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
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
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 127);
    ev.kind = kind;
    ev.u.bar = p;
  }

  void decode_status(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    status_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
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
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 7);
    ev.kind = market_event_kind::status;
    ev.u.status = p;
  }

  void decode_correction(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    correction_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
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
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 255);
    ev.kind = market_event_kind::correction;
    ev.u.correction = p;
  }

  void decode_cancel(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    cancel_error_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("i"): if (read_int64(v, p.id.value, m)) m.seen |= 2; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 4; break;
        case key("s"): if (read_size(v, p.size, m)) m.seen |= 8; break;
        case key("a"): if (read_char(v, p.action, m)) m.seen |= 16; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 32; break;
        case key("x"): (void)read_char(v, p.exchange, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 63);
    ev.kind = market_event_kind::cancel_error;
    ev.u.cancel_error = p;
  }

  void decode_luld(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    luld_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("u"): if (read_price(v, p.limit_up, m)) m.seen |= 2; break;
        case key("d"): if (read_price(v, p.limit_down, m)) m.seen |= 4; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 8; break;
        case key("i"): (void)read_char(v, p.indicator, m); break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 15);
    ev.kind = market_event_kind::luld;
    ev.u.luld = p;
  }

  void decode_imbalance(mp::cursor& c, uint32_t n, market_event& ev, msg_state& m) noexcept {
    imbalance_payload p{};
    for_each_field(c, n, m, [&](uint32_t k, mp::cursor& v) {
      switch (k) {
        case key("S"): if (read_symbol(v, ev.symbol, m)) m.seen |= 1; break;
        case key("p"): if (read_price(v, p.px, m)) m.seen |= 2; break;
        case key("t"): if (read_time(v, ev.event_time, m)) m.seen |= 4; break;
        case key("z"): (void)read_char(v, p.tape, m); break;
        default: (void)skip_value(v, m); break;
      }
    });
    require(m, 7);
    ev.kind = market_event_kind::imbalance;
    ev.u.imbalance = p;
  }

  void decode_control(mp::cursor& c, uint32_t n, control_type type, control_message& cm,
                      msg_state& m) noexcept {
    cm.type = type;
    size_t used = 0;
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view k;
      if (const rd r = c.str(k); r != rd::ok) {
        if (r == rd::truncated || !c.skip() || !c.skip()) return m.truncated();
        continue;
      }
      if (k == "T") {
        if (!skip_value(c, m)) return;
      } else if (k == "msg") {
        (void)read_string(c, cm.msg, m);
      } else if (k == "code") {
        int64_t code = 0;
        if (read_int64(c, code, m))
          cm.code = static_cast<int32_t>(std::clamp<int64_t>(code, INT32_MIN, INT32_MAX));
      } else {
        size_t ch = subscription_channel_count;
        if (type == control_type::subscription)
          for (size_t j = 0; j < subscription_channel_count; ++j)
            if (k == channel_names[j]) ch = j;
        if (ch == subscription_channel_count) {
          if (!skip_value(c, m)) return;
          continue;
        }
        uint32_t len = 0;
        if (const rd r = c.array_header(len); r != rd::ok) {
          reject(c, r, decode_error::bad_field, m);
          if (m.fatal) return;
          continue;
        }
        const size_t begin = used;
        for (uint32_t j = 0; j < len; ++j) {
          std::string_view s;
          if (!read_string(c, s, m)) {
            if (m.fatal) return;
            continue;
          }
          if (used < sub_pool.size())
            sub_pool[used++] = s;
          else
            cm.channels_truncated = true;
        }
        cm.channels[ch] = std::span<const std::string_view>(sub_pool.data() + begin, used - begin);
      }
      if (m.fatal) return;
    }
  }

  /// Decodes one array element; false when the frame cannot be read further.
  bool decode_message(mp::cursor& c, timestamp recv, decode_result& r, event_sink& on_event,
                      control_sink& on_control) noexcept {
    msg_state m;
    const uint8_t* const start = c.p;
    uint32_t n = 0;
    if (const rd rr = c.map_header(n); rr != rd::ok) {
      reject(c, rr, decode_error::not_object, m);
      return finish_skip(m, r);
    }
    const uint8_t* const fields = c.p;
    // Pass 1: find T (normally the first key).
    std::string_view type;
    bool found = false;
    for (uint32_t i = 0; i < n && !found; ++i) {
      std::string_view k;
      const rd rk = c.str(k);
      if (rk == rd::truncated) {
        m.truncated();
        return finish_skip(m, r);
      }
      if (rk == rd::ok && k == "T") {
        const rd rt = c.str(type);
        if (rt == rd::truncated) {
          m.truncated();
          return finish_skip(m, r);
        }
        if (rt == rd::wrong_type) m.fail(decode_error::missing_type);
        found = true;
        break;
      }
      if ((rk == rd::wrong_type && !c.skip()) || !c.skip()) {
        m.truncated();
        return finish_skip(m, r);
      }
    }
    if (!found) m.fail(decode_error::missing_type);
    if (!m.ok()) {
      c.p = start;
      if (!c.skip()) m.truncated();
      return finish_skip(m, r);
    }
    c.p = fields;

    if (type.size() == 1) {
      market_event ev{};
      ev.recv_time = recv;
      switch (type[0]) {
        case 't': decode_trade(c, n, ev, m); break;
        case 'q': decode_quote(c, n, ev, m); break;
        case 'b': decode_bar(c, n, ev, m, market_event_kind::bar); break;
        case 'd': decode_bar(c, n, ev, m, market_event_kind::daily_bar); break;
        case 'u': decode_bar(c, n, ev, m, market_event_kind::updated_bar); break;
        case 's': decode_status(c, n, ev, m); break;
        case 'c': decode_correction(c, n, ev, m); break;
        case 'x': decode_cancel(c, n, ev, m); break;
        case 'l': decode_luld(c, n, ev, m); break;
        case 'i': decode_imbalance(c, n, ev, m); break;
        default:
          m.fail(decode_error::unknown_type);
          c.p = start;
          if (!c.skip()) m.truncated();
          return finish_skip(m, r);
      }
      if (!m.ok()) return finish_skip(m, r);
      ++r.events;
      ++stats.events;
      on_event(ev);
      return true;
    }
    control_type ct{};
    if (type == "success") {
      ct = control_type::success;
    } else if (type == "error") {
      ct = control_type::error;
    } else if (type == "subscription") {
      ct = control_type::subscription;
    } else {
      m.fail(decode_error::unknown_type);
      c.p = start;
      if (!c.skip()) m.truncated();
      return finish_skip(m, r);
    }
    control_message cm;
    decode_control(c, n, ct, cm, m);
    if (!m.ok()) return finish_skip(m, r);
    ++r.controls;
    ++stats.controls;
    on_control(cm);
    return true;
  }

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
    mp::cursor c(f);
    uint32_t n = 0;
    if (const rd rr = c.array_header(n); rr != rd::ok)
      return frame_fail(r, rr == rd::wrong_type ? decode_error::not_array : decode_error::malformed_json, 0);
    for (uint32_t i = 0; i < n; ++i) {
      msg_offset = offset_of(c);
      if (c.at_end()) return frame_fail(r, decode_error::malformed_json, msg_offset);
      ++stats.messages;
      if (!decode_message(c, recv, r, on_event, on_control)) return r;
      ++msg_index;
    }
    if (!c.at_end()) return frame_fail(r, decode_error::malformed_json, offset_of(c));
    return r;
  }
};

msgpack_decoder::msgpack_decoder(symbol_table& symbols, size_t max_frame_bytes,
                                 size_t max_subscription_symbols)
    : impl_(std::make_unique<impl>(symbols, max_frame_bytes, max_subscription_symbols)) {}
msgpack_decoder::~msgpack_decoder() = default;
msgpack_decoder::msgpack_decoder(msgpack_decoder&&) noexcept = default;
msgpack_decoder& msgpack_decoder::operator=(msgpack_decoder&&) noexcept = default;

decode_result msgpack_decoder::decode_frame(std::string_view frame, timestamp recv_time,
                                            event_sink on_event, control_sink on_control) noexcept {
  return impl_->decode(frame, recv_time, on_event, on_control);
}

const decode_stats& msgpack_decoder::stats() const noexcept { return impl_->stats; }
const decode_error_context& msgpack_decoder::first_error() const noexcept { return impl_->first; }
void msgpack_decoder::reset_first_error() noexcept { impl_->first = decode_error_context{}; }
void msgpack_decoder::reset_stats() noexcept {
  impl_->stats = decode_stats{};
  impl_->first = decode_error_context{};
}
size_t msgpack_decoder::max_frame_bytes() const noexcept { return impl_->max_frame; }

}  // namespace torghut::adapters
