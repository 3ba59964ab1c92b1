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

#include "decoder_core.hpp"
#include "torghut/core/rfc3339.hpp"

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

std::string_view to_string(subscription_channel c) noexcept {
  using detail::channel_names;
  const auto i = static_cast<size_t>(c);
  return i < channel_names.size() ? channel_names[i] : std::string_view{"unknown"};
}

namespace {

using detail::key;
using detail::long_key;
struct json_tag {};
using msg_state = detail::basic_msg_state<json_tag>;

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

/// Classifies a simdjson error: value-level → `as`; otherwise the frame is broken.
inline void fail_json(msg_state& m, simdjson::error_code e, decode_error as) noexcept {
  if (is_value_error(e))
    m.fail(as);
  else
    m.broken();
}

}  // namespace

struct json_decoder::impl : detail::decoder_core<msg_state> {
  size_t capacity;
  std::unique_ptr<char[]> buf;
  od::parser parser;

  impl(symbol_table& s, size_t max_frame_bytes, size_t max_sub)
      : decoder_core(s, max_frame_bytes, max_sub),
        capacity(max_frame_bytes + simdjson::SIMDJSON_PADDING),
        buf(std::make_unique_for_overwrite<char[]>(max_frame_bytes + simdjson::SIMDJSON_PADDING)),
        parser(max_frame_bytes) {
    std::memset(buf.get(), 0, capacity);
    // Sizing once here means iterate() never reallocates. Alpaca nests 3 deep; allow margin.
    if (parser.allocate(max_frame_bytes == 0 ? 1 : max_frame_bytes, 64) != simdjson::SUCCESS)
      max_frame = 0;  // out of memory: every frame is then reported as frame_too_large
  }

  uint32_t location_of(const char* p) const noexcept {
    const auto base = reinterpret_cast<uintptr_t>(buf.get());
    const auto at = reinterpret_cast<uintptr_t>(p);
    if (at < base || at - base > frame.size()) return static_cast<uint32_t>(frame.size());
    return static_cast<uint32_t>(at - base);
  }

  // --- field readers: each returns true on success, else records the error in `m` ---

  /// A price or size, exactly from the number text. Its sign is not judged here: a zero or
  /// negative price is a market-data anomaly (market_data audits and drops it), not a decode
  /// error.
  template <class Fixed>
  static bool read_fixed(od::value& v, Fixed& out, msg_state& m) noexcept {
    const std::string_view tok = trim_right(v.raw_json_token());
    if (tok.empty() || tok[0] == '"' || tok[0] == '{' || tok[0] == '[' || tok[0] == 't' ||
        tok[0] == 'f' || tok[0] == 'n') {
      m.fail(decode_error::bad_field);
      return false;
    }
    const auto p = parse_decimal<Fixed>(tok);
    if (!p) {
      m.fail(decode_error::bad_number);
      return false;
    }
    out = *p;
    return true;
  }
  static bool read_price(od::value& v, price& out, msg_state& m) noexcept { return read_fixed(v, out, m); }
  static bool read_size(od::value& v, quantity& out, msg_state& m) noexcept { return read_fixed(v, out, m); }

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
        fail_json(m, e, decode_error::bad_field);
      return false;
    }
    return true;
  }

  static bool read_uint64(od::value& v, uint64_t& out, msg_state& m) noexcept {
    if (auto e = v.get_uint64().get(out)) {
      if (is_value_error(e))
        m.fail(number_error_kind(v));
      else
        fail_json(m, e, decode_error::bad_field);
      return false;
    }
    return true;
  }

  static bool read_string(od::value& v, std::string_view& out, msg_state& m) noexcept {
    if (auto e = v.get_string().get(out)) {
      fail_json(m, e, decode_error::bad_field);
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
      fail_json(m, e, decode_error::bad_field);
      return false;
    }
    n = 0;
    out = {};
    for (auto el : arr) {
      od::value cv;
      if (auto e = std::move(el).get(cv)) {
        fail_json(m, e, decode_error::bad_field);
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
        m.broken();
        return;
      }
      const uint32_t k = key_code(fld.key().raw());
      if (k == 'T') continue;
      f(k, fld.value());
      if (m.fatal) return;
    }
  }

  /// Unknown keys: for_each_field's iteration skips them.
  static void skip_value(od::value&, msg_state&) noexcept {}

  void decode_control(od::object& obj, control_type type, control_message& cm, msg_state& m) noexcept {
    cm.type = type;
    detail::subscription_lists lists(sub_pool, cm);
    for (auto fr : obj) {
      od::field fld;
      if (auto e = std::move(fr).get(fld)) {
        fail_json(m, e, decode_error::malformed_json);
        m.fatal = true;
        return;
      }
      const od::raw_json_string k = fld.key();
      od::value& v = fld.value();
      if (k == "msg") {
        (void)read_string(v, cm.msg, m);
      } else if (k == "code") {
        int64_t code = 0;
        if (read_int64(v, code, m)) detail::set_code(cm, code);
      } else if (type == control_type::subscription) {
        const size_t c = detail::channel_index(k);
        if (c < subscription_channel_count) {
          od::array arr;
          if (auto ae = v.get_array().get(arr)) {
            fail_json(m, ae, decode_error::bad_field);
          } else {
            lists.open();
            for (auto el : arr) {
              od::value sv;
              if (auto e = std::move(el).get(sv)) {
                fail_json(m, e, decode_error::bad_field);
                return;
              }
              std::string_view s;
              if (!read_string(sv, s, m)) {
                if (m.fatal) return;
                continue;
              }
              lists.add(s);
            }
            lists.close(c);
          }
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
      fail_json(m, e, decode_error::not_object);
      return finish_skip(m, r);
    }
    od::value tv;
    if (auto e = obj.find_field_unordered("T").get(tv)) {
      if (e == simdjson::error_code::NO_SUCH_FIELD)
        m.fail(decode_error::missing_type);
      else
        fail_json(m, e, decode_error::missing_type);
      return finish_skip(m, r);
    }
    std::string_view type;
    if (auto e = tv.get_string().get(type)) {
      fail_json(m, e, decode_error::missing_type);
      return finish_skip(m, r);
    }
    msg_type = type;
    if (auto e = obj.reset().error()) {
      fail_json(m, e, decode_error::malformed_json);
      return finish_skip(m, r);
    }

    if (type.size() == 1) {
      market_event ev{};
      ev.recv_time = recv;
      const auto each = [&](auto&& f) { for_each_field(obj, m, f); };
      if (!detail::decode_event(*this, type[0], each, ev, m)) {
        m.fail(decode_error::unknown_type);
        return finish_skip(m, r);
      }
      return deliver(ev, m, r, on_event);
    }
    const auto ct = detail::control_type_of(type);
    if (!ct) {
      m.fail(decode_error::unknown_type);
      return finish_skip(m, r);
    }
    control_message cm;
    decode_control(obj, *ct, cm, m);
    return deliver(cm, m, r, on_control);
  }

  decode_result decode(std::string_view f, timestamp recv, event_sink& on_event,
                       control_sink& on_control) noexcept {
    decode_result r;
    if (!begin_frame(f, r)) return r;
    if (!f.empty()) std::memcpy(buf.get(), f.data(), f.size());  // an empty view may have no data()
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
      begin_message(location_of(elem.raw_json_token().data()));
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
const decode_error_context& json_decoder::first_error(decode_error k) const noexcept {
  return impl_->first_of(k);
}
void json_decoder::reset_first_error() noexcept { impl_->reset_first_error(); }
void json_decoder::reset_first_error(decode_error k) noexcept { impl_->reset_first_of(k); }
void json_decoder::reset_stats() noexcept { impl_->reset_stats(); }
size_t json_decoder::max_frame_bytes() const noexcept { return impl_->max_frame; }

}  // namespace torghut::adapters
