// Alpaca market-data wire encoding (JSON and MessagePack), both directions. See alpaca_wire.hpp.
//
// Encoders append small pieces to a caller-owned std::string: once its capacity has grown to the
// largest frame, encoding allocates nothing (tested). Key order follows Alpaca's documented
// examples, with `T` first in every map.

#include "torghut/adapters/alpaca_wire.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstring>

#include "msgpack_detail.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters {

std::string_view to_string(wire_format f) noexcept {
  switch (f) {
    case wire_format::json: return "json";
    case wire_format::msgpack: return "msgpack";
  }
  return "unknown";
}

std::string_view error_message(int code) noexcept {
  switch (code) {
    case 400: return "invalid syntax";
    case 401: return "not authenticated";
    case 402: return "auth failed";
    case 403: return "already authenticated";
    case 404: return "auth timeout";
    case 405: return "symbol limit exceeded";
    case 406: return "connection limit exceeded";
    case 407: return "slow client";
    case 409: return "insufficient subscription";
    case 410: return "invalid subscribe action for this feed";
    case 500: return "internal error";
    default: return "";
  }
}

namespace {

// ---------------------------------------------------------------------------------------------
// JSON writing
// ---------------------------------------------------------------------------------------------

void json_str(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        constexpr char hex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void json_char(std::string& out, char c) {
  if (c == '\0') {
    out.append("\"\"");
  } else {
    json_str(out, std::string_view(&c, 1));
  }
}

template <class Fixed>
void json_fixed(std::string& out, Fixed v) {
  char buf[32];
  out.append(buf, format_decimal(v, buf));
}

void json_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}
void json_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void json_time(std::string& out, timestamp t) {
  char buf[32];
  out.push_back('"');
  out.append(buf, format_rfc3339(t, buf));
  out.push_back('"');
}

void json_chars(std::string& out, const char* cs, size_t n) {
  out.push_back('[');
  for (size_t i = 0; i < n; ++i) {
    if (i != 0) out.push_back(',');
    json_char(out, cs[i]);
  }
  out.push_back(']');
}

void json_strings(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out.push_back(',');
    json_str(out, v[i]);
  }
  out.push_back(']');
}

/// `,"k":` for keys that need no escaping.
void json_key(std::string& out, std::string_view k) {
  out.append(",\"");
  out.append(k);
  out.append("\":");
}

void add_json(std::string& out, const market_event& e, std::string_view sym) {
  const auto head = [&](std::string_view type_and_symbol_key) {
    out.append(type_and_symbol_key);
    json_str(out, sym);
  };
  switch (e.kind) {
    case market_event_kind::trade: {
      const auto& p = e.u.trade;
      head(R"({"T":"t","S":)");
      json_key(out, "i"), json_int(out, p.id.value);
      json_key(out, "x"), json_char(out, p.exchange);
      json_key(out, "p"), json_fixed(out, p.px);
      json_key(out, "s"), json_fixed(out, p.size);
      json_key(out, "c"), json_chars(out, p.conditions.data(), std::min<size_t>(p.n_conditions, 4));
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::quote: {
      const auto& p = e.u.quote;
      head(R"({"T":"q","S":)");
      json_key(out, "bx"), json_char(out, p.bid_exchange);
      json_key(out, "bp"), json_fixed(out, p.bid_px);
      json_key(out, "bs"), json_fixed(out, p.bid_size);
      json_key(out, "ax"), json_char(out, p.ask_exchange);
      json_key(out, "ap"), json_fixed(out, p.ask_px);
      json_key(out, "as"), json_fixed(out, p.ask_size);
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "c"), out.append("[]");
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::bar:
    case market_event_kind::daily_bar:
    case market_event_kind::updated_bar: {
      const auto& p = e.u.bar;
      head(e.kind == market_event_kind::bar         ? R"({"T":"b","S":)"
           : e.kind == market_event_kind::daily_bar ? R"({"T":"d","S":)"
                                                    : R"({"T":"u","S":)");
      json_key(out, "o"), json_fixed(out, p.open);
      json_key(out, "h"), json_fixed(out, p.high);
      json_key(out, "l"), json_fixed(out, p.low);
      json_key(out, "c"), json_fixed(out, p.close);
      json_key(out, "v"), json_fixed(out, p.volume);
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "n"), json_uint(out, p.trade_count);
      // A bar without a VWAP (never from Alpaca) omits it: decoders default it to 0.
      if (!p.vwap.is_zero()) json_key(out, "vw"), json_fixed(out, p.vwap);
      break;
    }
    case market_event_kind::status: {
      const auto& p = e.u.status;
      head(R"({"T":"s","S":)");
      json_key(out, "sc"), json_str(out, p.status_code.view());
      json_key(out, "sm"), out.append("\"\"");
      json_key(out, "rc"), json_str(out, p.reason_code.view());
      json_key(out, "rm"), out.append("\"\"");
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::correction: {
      const auto& p = e.u.correction;
      head(R"({"T":"c","S":)");
      json_key(out, "x"), json_char(out, p.exchange);
      json_key(out, "oi"), json_int(out, p.original_id.value);
      json_key(out, "op"), json_fixed(out, p.original_px);
      json_key(out, "os"), json_fixed(out, p.original_size);
      json_key(out, "oc"), out.append("[]");
      json_key(out, "ci"), json_int(out, p.corrected_id.value);
      json_key(out, "cp"), json_fixed(out, p.corrected_px);
      json_key(out, "cs"), json_fixed(out, p.corrected_size);
      json_key(out, "cc"), out.append("[]");
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::cancel_error: {
      const auto& p = e.u.cancel_error;
      head(R"({"T":"x","S":)");
      json_key(out, "i"), json_int(out, p.id.value);
      json_key(out, "x"), json_char(out, p.exchange);
      json_key(out, "p"), json_fixed(out, p.px);
      json_key(out, "s"), json_fixed(out, p.size);
      json_key(out, "a"), json_char(out, p.action);
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::luld: {
      const auto& p = e.u.luld;
      head(R"({"T":"l","S":)");
      json_key(out, "u"), json_fixed(out, p.limit_up);
      json_key(out, "d"), json_fixed(out, p.limit_down);
      json_key(out, "i"), json_char(out, p.indicator);
      json_key(out, "t"), json_time(out, e.event_time);
      json_key(out, "z"), json_char(out, p.tape);
      break;
    }
    case market_event_kind::imbalance: {
      const auto& p = e.u.imbalance;
      head(R"({"T":"i","S":)");
      json_key(out, "p"), json_fixed(out, p.px);
      json_key(out, "z"), json_char(out, p.tape);
      json_key(out, "t"), json_time(out, e.event_time);
      break;
    }
    case market_event_kind::microbar:
    case market_event_kind::gap: return;
  }
  out.push_back('}');
}

// ---------------------------------------------------------------------------------------------
// MessagePack writing (same keys and order as JSON)
// ---------------------------------------------------------------------------------------------

void mp_chars(std::string& out, const char* cs, size_t n) {
  mp::write_array(out, static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) mp::write_char(out, cs[i]);
}

void add_msgpack(std::string& out, const market_event& e, std::string_view sym) {
  using namespace mp;
  const auto head = [&](uint32_t fields, char type) {
    write_map(out, fields);
    write_str(out, "T");
    write_char(out, type);
    write_str(out, "S");
    write_str(out, sym);
  };
  switch (e.kind) {
    case market_event_kind::trade: {
      const auto& p = e.u.trade;
      head(9, 't');
      write_str(out, "i"), write_int(out, p.id.value);
      write_str(out, "x"), write_char(out, p.exchange);
      write_str(out, "p"), write_fixed_f64(out, p.px);
      write_str(out, "s"), write_fixed_number(out, p.size);
      write_str(out, "c"), mp_chars(out, p.conditions.data(), std::min<size_t>(p.n_conditions, 4));
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::quote: {
      const auto& p = e.u.quote;
      head(11, 'q');
      write_str(out, "bx"), write_char(out, p.bid_exchange);
      write_str(out, "bp"), write_fixed_f64(out, p.bid_px);
      write_str(out, "bs"), write_fixed_number(out, p.bid_size);
      write_str(out, "ax"), write_char(out, p.ask_exchange);
      write_str(out, "ap"), write_fixed_f64(out, p.ask_px);
      write_str(out, "as"), write_fixed_number(out, p.ask_size);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "c"), write_array(out, 0);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::bar:
    case market_event_kind::daily_bar:
    case market_event_kind::updated_bar: {
      const auto& p = e.u.bar;
      const bool vw = !p.vwap.is_zero();
      head(vw ? 10 : 9, e.kind == market_event_kind::bar         ? 'b'
                        : e.kind == market_event_kind::daily_bar ? 'd'
                                                                 : 'u');
      write_str(out, "o"), write_fixed_f64(out, p.open);
      write_str(out, "h"), write_fixed_f64(out, p.high);
      write_str(out, "l"), write_fixed_f64(out, p.low);
      write_str(out, "c"), write_fixed_f64(out, p.close);
      write_str(out, "v"), write_fixed_number(out, p.volume);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "n"), write_uint(out, p.trade_count);
      if (vw) write_str(out, "vw"), write_fixed_f64(out, p.vwap);
      break;
    }
    case market_event_kind::status: {
      const auto& p = e.u.status;
      head(8, 's');
      write_str(out, "sc"), write_str(out, p.status_code.view());
      write_str(out, "sm"), write_str(out, "");
      write_str(out, "rc"), write_str(out, p.reason_code.view());
      write_str(out, "rm"), write_str(out, "");
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::correction: {
      const auto& p = e.u.correction;
      head(13, 'c');
      write_str(out, "x"), write_char(out, p.exchange);
      write_str(out, "oi"), write_int(out, p.original_id.value);
      write_str(out, "op"), write_fixed_f64(out, p.original_px);
      write_str(out, "os"), write_fixed_number(out, p.original_size);
      write_str(out, "oc"), write_array(out, 0);
      write_str(out, "ci"), write_int(out, p.corrected_id.value);
      write_str(out, "cp"), write_fixed_f64(out, p.corrected_px);
      write_str(out, "cs"), write_fixed_number(out, p.corrected_size);
      write_str(out, "cc"), write_array(out, 0);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::cancel_error: {
      const auto& p = e.u.cancel_error;
      head(9, 'x');
      write_str(out, "i"), write_int(out, p.id.value);
      write_str(out, "x"), write_char(out, p.exchange);
      write_str(out, "p"), write_fixed_f64(out, p.px);
      write_str(out, "s"), write_fixed_number(out, p.size);
      write_str(out, "a"), write_char(out, p.action);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::luld: {
      const auto& p = e.u.luld;
      head(7, 'l');
      write_str(out, "u"), write_fixed_f64(out, p.limit_up);
      write_str(out, "d"), write_fixed_f64(out, p.limit_down);
      write_str(out, "i"), write_char(out, p.indicator);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      write_str(out, "z"), write_char(out, p.tape);
      break;
    }
    case market_event_kind::imbalance: {
      const auto& p = e.u.imbalance;
      head(5, 'i');
      write_str(out, "p"), write_fixed_f64(out, p.px);
      write_str(out, "z"), write_char(out, p.tape);
      write_str(out, "t"), write_timestamp(out, e.event_time);
      break;
    }
    case market_event_kind::microbar:
    case market_event_kind::gap: break;
  }
}

bool encodable(market_event_kind k) noexcept {
  return k != market_event_kind::microbar && k != market_event_kind::gap;
}

/// The keys of a subscription reply, in the order of the protocol reference's example; then
/// `imbalances`, written only when non-empty (the example has no such key).
constexpr subscription_channel reply_order[] = {
    subscription_channel::trades,      subscription_channel::quotes,
    subscription_channel::bars,        subscription_channel::updated_bars,
    subscription_channel::daily_bars,  subscription_channel::statuses,
    subscription_channel::lulds,       subscription_channel::corrections,
    subscription_channel::cancel_errors};

}  // namespace

// ---------------------------------------------------------------------------------------------
// frame_encoder
// ---------------------------------------------------------------------------------------------

void frame_encoder::begin(std::string& out) noexcept {
  out.clear();
  count_ = 0;
  header_at_ = 0;
  // Capacity for at least the header is reserved on first use; clear() keeps capacity, so the
  // push_back / append calls below cannot throw once warmed up. Until then a failure to
  // allocate terminates (noexcept), as any out-of-memory on this path would.
  if (format_ == wire_format::json) {
    out.push_back('[');
  } else {
    // array32 placeholder, compacted by finish()
    out.append("\xdd\0\0\0\0", 5);
  }
}

bool frame_encoder::add(std::string& out, const market_event& e, std::string_view symbol) {
  if (!encodable(e.kind)) return false;
  if (format_ == wire_format::json) {
    if (count_ != 0) out.push_back(',');
    add_json(out, e, symbol);
  } else {
    add_msgpack(out, e, symbol);
  }
  ++count_;
  return true;
}

void frame_encoder::finish(std::string& out) noexcept {
  if (format_ == wire_format::json) {
    out.push_back(']');
    return;
  }
  char* base = out.data() + header_at_;
  const size_t body = out.size() - header_at_ - 5;
  if (count_ <= 15) {
    base[0] = static_cast<char>(0x90 | count_);
    std::memmove(base + 1, base + 5, body);
    out.resize(out.size() - 4);
  } else if (count_ <= 0xffff) {
    base[0] = static_cast<char>(0xdc);
    base[1] = static_cast<char>(count_ >> 8);
    base[2] = static_cast<char>(count_ & 0xff);
    std::memmove(base + 3, base + 5, body);
    out.resize(out.size() - 2);
  } else {
    base[1] = static_cast<char>(count_ >> 24);
    base[2] = static_cast<char>((count_ >> 16) & 0xff);
    base[3] = static_cast<char>((count_ >> 8) & 0xff);
    base[4] = static_cast<char>(count_ & 0xff);
  }
}

// ---------------------------------------------------------------------------------------------
// Control messages
// ---------------------------------------------------------------------------------------------

void encode_success(wire_format f, std::string_view msg, std::string& out) {
  out.clear();
  if (f == wire_format::json) {
    out.append(R"([{"T":"success","msg":)");
    json_str(out, msg);
    out.append("}]");
    return;
  }
  mp::write_array(out, 1);
  mp::write_map(out, 2);
  mp::write_str(out, "T");
  mp::write_str(out, "success");
  mp::write_str(out, "msg");
  mp::write_str(out, msg);
}

void encode_error(wire_format f, int code, std::string_view msg, std::string& out) {
  out.clear();
  if (f == wire_format::json) {
    out.append(R"([{"T":"error","code":)");
    json_int(out, code);
    out.append(R"(,"msg":)");
    json_str(out, msg);
    out.append("}]");
    return;
  }
  mp::write_array(out, 1);
  mp::write_map(out, 3);
  mp::write_str(out, "T");
  mp::write_str(out, "error");
  mp::write_str(out, "code");
  mp::write_int(out, code);
  mp::write_str(out, "msg");
  mp::write_str(out, msg);
}

void encode_subscription(wire_format f, const channel_lists& state, std::string& out) {
  out.clear();
  const bool imbalances = !state[subscription_channel::imbalances].empty();
  if (f == wire_format::json) {
    out.append(R"([{"T":"subscription")");
    for (const subscription_channel c : reply_order) {
      json_key(out, to_string(c));
      json_strings(out, state[c]);
    }
    if (imbalances) {
      json_key(out, "imbalances");
      json_strings(out, state[subscription_channel::imbalances]);
    }
    out.append("}]");
    return;
  }
  const auto list = [&](subscription_channel c) {
    mp::write_str(out, to_string(c));
    const auto& v = state[c];
    mp::write_array(out, static_cast<uint32_t>(v.size()));
    for (const auto& s : v) mp::write_str(out, s);
  };
  mp::write_array(out, 1);
  mp::write_map(out, static_cast<uint32_t>(1 + std::size(reply_order) + (imbalances ? 1 : 0)));
  mp::write_str(out, "T");
  mp::write_str(out, "subscription");
  for (const subscription_channel c : reply_order) list(c);
  if (imbalances) list(subscription_channel::imbalances);
}

// ---------------------------------------------------------------------------------------------
// Client actions
// ---------------------------------------------------------------------------------------------

namespace {

client_action_type action_type(std::string_view a) noexcept {
  if (a == "auth") return client_action_type::auth;
  if (a == "subscribe") return client_action_type::subscribe;
  if (a == "unsubscribe") return client_action_type::unsubscribe;
  return client_action_type::unknown;
}

/// The request channel named `k`, or subscription_channel_count.
size_t request_channel(std::string_view k) noexcept {
  for (size_t c = 0; c < request_channel_count; ++c)
    if (to_string(static_cast<subscription_channel>(c)) == k) return c;
  return subscription_channel_count;
}

bool parse_json_action(std::string_view frame, client_action& out, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const simdjson::padded_string padded(frame);
  if (parser.parse(padded).get(doc)) {
    error = "malformed JSON";
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    error = "not an object";
    return false;
  }
  bool have_action = false;
  for (const auto field : obj) {
    const std::string_view k = field.key;
    if (k == "action") {
      std::string_view a;
      if (field.value.get_string().get(a)) {
        error = "action is not a string";
        return false;
      }
      out.action.assign(a);
      have_action = true;
    } else if (k == "key" || k == "secret") {
      std::string_view s;
      if (field.value.get_string().get(s)) {
        error = std::string(k) + " is not a string";
        return false;
      }
      (k == "key" ? out.key : out.secret).assign(s);
    } else if (const size_t c = request_channel(k); c < subscription_channel_count) {
      simdjson::dom::array arr;
      if (field.value.get_array().get(arr)) {
        error = std::string(k) + " is not an array";
        return false;
      }
      auto& list = out.channels.symbols[c];
      for (const auto el : arr) {
        std::string_view s;
        if (el.get_string().get(s)) {
          error = std::string(k) + " holds a non-string";
          return false;
        }
        list.emplace_back(s);
      }
    }
    // other keys are ignored
  }
  if (!have_action) {
    error = "no action";
    return false;
  }
  out.type = action_type(out.action);
  return true;
}

bool parse_msgpack_action(std::string_view frame, client_action& out, std::string& error) {
  mp::cursor c(frame);
  uint32_t n = 0;
  if (c.map_header(n) != mp::rd::ok) {
    error = "not a map";
    return false;
  }
  bool have_action = false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view k;
    if (const auto r = c.str(k); r != mp::rd::ok) {
      if (r == mp::rd::truncated || !c.skip() || !c.skip()) {
        error = "truncated";
        return false;
      }
      continue;  // a non-string key names nothing we know
    }
    if (k == "action" || k == "key" || k == "secret") {
      std::string_view s;
      if (c.str(s) != mp::rd::ok) {
        error = std::string(k) + " is not a string";
        return false;
      }
      if (k == "action") {
        out.action.assign(s);
        have_action = true;
      } else {
        (k == "key" ? out.key : out.secret).assign(s);
      }
    } else if (const size_t ch = request_channel(k); ch < subscription_channel_count) {
      uint32_t len = 0;
      if (c.array_header(len) != mp::rd::ok) {
        error = std::string(k) + " is not an array";
        return false;
      }
      auto& list = out.channels.symbols[ch];
      for (uint32_t j = 0; j < len; ++j) {
        std::string_view s;
        if (c.str(s) != mp::rd::ok) {
          error = std::string(k) + " holds a non-string";
          return false;
        }
        list.emplace_back(s);
      }
    } else if (!c.skip()) {
      error = "truncated";
      return false;
    }
  }
  if (!c.at_end()) {
    error = "trailing bytes";
    return false;
  }
  if (!have_action) {
    error = "no action";
    return false;
  }
  out.type = action_type(out.action);
  return true;
}

}  // namespace

bool parse_client_action(wire_format f, std::string_view frame, client_action& out,
                         std::string& error) {
  out = client_action{};
  error.clear();
  return f == wire_format::json ? parse_json_action(frame, out, error)
                                : parse_msgpack_action(frame, out, error);
}

void encode_auth(wire_format f, std::string_view key, std::string_view secret, std::string& out) {
  out.clear();
  if (f == wire_format::json) {
    out.append(R"({"action":"auth","key":)");
    json_str(out, key);
    out.append(R"(,"secret":)");
    json_str(out, secret);
    out.push_back('}');
    return;
  }
  mp::write_map(out, 3);
  mp::write_str(out, "action");
  mp::write_str(out, "auth");
  mp::write_str(out, "key");
  mp::write_str(out, key);
  mp::write_str(out, "secret");
  mp::write_str(out, secret);
}

void encode_subscribe(wire_format f, bool subscribe, const channel_lists& channels,
                      std::string& out) {
  out.clear();
  const std::string_view action = subscribe ? "subscribe" : "unsubscribe";
  if (f == wire_format::json) {
    out.append(R"({"action":)");
    json_str(out, action);
    for (size_t c = 0; c < request_channel_count; ++c) {
      const auto& v = channels.symbols[c];
      if (v.empty()) continue;
      json_key(out, to_string(static_cast<subscription_channel>(c)));
      json_strings(out, v);
    }
    out.push_back('}');
    return;
  }
  uint32_t n = 1;
  for (size_t c = 0; c < request_channel_count; ++c) n += channels.symbols[c].empty() ? 0u : 1u;
  mp::write_map(out, n);
  mp::write_str(out, "action");
  mp::write_str(out, action);
  for (size_t c = 0; c < request_channel_count; ++c) {
    const auto& v = channels.symbols[c];
    if (v.empty()) continue;
    mp::write_str(out, to_string(static_cast<subscription_channel>(c)));
    mp::write_array(out, static_cast<uint32_t>(v.size()));
    for (const auto& s : v) mp::write_str(out, s);
  }
}

}  // namespace torghut::adapters
