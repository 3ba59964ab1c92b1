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

#include "decoder_core.hpp"
#include "msgpack_detail.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters {

namespace {

using mp::rd;

using detail::key;
using detail::long_key;
struct msgpack_tag {};
using msg_state = detail::basic_msg_state<msgpack_tag>;

inline uint32_t key_code(std::string_view s) noexcept {
  if (s.empty()) return 0;
  if (s.size() == 1) return static_cast<uint8_t>(s[0]);
  if (s.size() == 2) return key(s);
  return long_key;
}

/// After a read that did not consume the value: skip it, recording `as` (or truncation).
inline void reject(mp::cursor& c, rd r, decode_error as, msg_state& m) noexcept {
  if (r == rd::truncated || !c.skip()) {
    m.broken();
    return;
  }
  m.fail(as);
}

}  // namespace

struct msgpack_decoder::impl : detail::decoder_core<msg_state> {
  using decoder_core::decoder_core;

  uint32_t offset_of(const mp::cursor& c) const noexcept {
    return static_cast<uint32_t>(reinterpret_cast<const char*>(c.p) - frame.data());
  }

  // --- field readers: each consumes exactly one value (unless the frame is truncated) ---

  /// A price or size. Its sign is not judged here (see json_decoder's read_fixed).
  template <class Fixed>
  static bool read_fixed(mp::cursor& c, Fixed& out, msg_state& m) noexcept {
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
      m.fail(decode_error::bad_number);
      return false;
    }
    out = *v;
    return true;
  }
  static bool read_price(mp::cursor& c, price& out, msg_state& m) noexcept { return read_fixed(c, out, m); }
  static bool read_size(mp::cursor& c, quantity& out, msg_state& m) noexcept { return read_fixed(c, out, m); }

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
      m.broken();
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
          m.broken();
          return;
        }
        continue;
      }
      const uint32_t code = key_code(k);
      if (code == 'T') {
        if (!c.skip()) {
          m.broken();
          return;
        }
        continue;
      }
      if (code == long_key || code == 0) {
        if (!c.skip()) {
          m.broken();
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
    m.broken();
    return false;
  }

  void decode_control(mp::cursor& c, uint32_t n, control_type type, control_message& cm,
                      msg_state& m) noexcept {
    cm.type = type;
    detail::subscription_lists lists(sub_pool, cm);
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view k;
      if (const rd r = c.str(k); r != rd::ok) {
        if (r == rd::truncated || !c.skip() || !c.skip()) return m.broken();
        continue;
      }
      if (k == "T") {
        if (!skip_value(c, m)) return;
      } else if (k == "msg") {
        (void)read_string(c, cm.msg, m);
      } else if (k == "code") {
        int64_t code = 0;
        if (read_int64(c, code, m)) detail::set_code(cm, code);
      } else {
        const size_t ch = type == control_type::subscription ? detail::channel_index(k)
                                                             : subscription_channel_count;
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
        lists.open();
        for (uint32_t j = 0; j < len; ++j) {
          std::string_view s;
          if (!read_string(c, s, m)) {
            if (m.fatal) return;
            continue;
          }
          lists.add(s);
        }
        lists.close(ch);
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
        m.broken();
        return finish_skip(m, r);
      }
      if (rk == rd::ok && k == "T") {
        const rd rt = c.str(type);
        if (rt == rd::truncated) {
          m.broken();
          return finish_skip(m, r);
        }
        if (rt == rd::wrong_type) m.fail(decode_error::missing_type);
        if (rt == rd::ok) msg_type = type;
        found = true;
        break;
      }
      if ((rk == rd::wrong_type && !c.skip()) || !c.skip()) {
        m.broken();
        return finish_skip(m, r);
      }
    }
    if (!found) m.fail(decode_error::missing_type);
    if (!m.ok()) {
      c.p = start;
      if (!c.skip()) m.broken();
      return finish_skip(m, r);
    }
    c.p = fields;

    if (type.size() == 1) {
      market_event ev{};
      ev.recv_time = recv;
      const auto each = [&](auto&& f) { for_each_field(c, n, m, f); };
      if (!detail::decode_event(*this, type[0], each, ev, m)) {
        m.fail(decode_error::unknown_type);
        c.p = start;
        if (!c.skip()) m.broken();
        return finish_skip(m, r);
      }
      return deliver(ev, m, r, on_event);
    }
    const auto ct = detail::control_type_of(type);
    if (!ct) {
      m.fail(decode_error::unknown_type);
      c.p = start;
      if (!c.skip()) m.broken();
      return finish_skip(m, r);
    }
    control_message cm;
    decode_control(c, n, *ct, cm, m);
    return deliver(cm, m, r, on_control);
  }

  decode_result decode(std::string_view f, timestamp recv, event_sink& on_event,
                       control_sink& on_control) noexcept {
    decode_result r;
    if (!begin_frame(f, r)) return r;
    mp::cursor c(f);
    uint32_t n = 0;
    if (const rd rr = c.array_header(n); rr != rd::ok)
      return frame_fail(r, rr == rd::wrong_type ? decode_error::not_array : decode_error::malformed_json, 0);
    for (uint32_t i = 0; i < n; ++i) {
      begin_message(offset_of(c));
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
const decode_error_context& msgpack_decoder::first_error(decode_error k) const noexcept {
  return impl_->first_of(k);
}
void msgpack_decoder::reset_first_error() noexcept { impl_->reset_first_error(); }
void msgpack_decoder::reset_first_error(decode_error k) noexcept { impl_->reset_first_of(k); }
void msgpack_decoder::reset_stats() noexcept { impl_->reset_stats(); }
size_t msgpack_decoder::max_frame_bytes() const noexcept { return impl_->max_frame; }

}  // namespace torghut::adapters
