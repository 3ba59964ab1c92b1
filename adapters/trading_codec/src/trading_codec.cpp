// Alpaca trading wire codec. See trading_codec.hpp for the contract.

#include "torghut/adapters/trading_codec.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters {

namespace od = simdjson::ondemand;
using E = trading_codec_error;

std::string_view to_string(trading_codec_error e) noexcept {
  switch (e) {
    case E::none: return "none";
    case E::buffer_too_small: return "buffer_too_small";
    case E::invalid_order: return "invalid_order";
    case E::invalid_header_value: return "invalid_header_value";
    case E::too_large: return "too_large";
    case E::malformed_json: return "malformed_json";
    case E::not_object: return "not_object";
    case E::missing_field: return "missing_field";
    case E::bad_field: return "bad_field";
    case E::bad_decimal: return "bad_decimal";
    case E::bad_timestamp: return "bad_timestamp";
    case E::field_too_long: return "field_too_long";
    case E::unknown_stream: return "unknown_stream";
    case E::unknown_event: return "unknown_event";
  }
  return "unknown";
}

namespace {

constexpr std::string_view event_names[trade_event_count] = {
    "new",          "fill",           "partial_fill", "canceled",
    "expired",      "done_for_day",   "replaced",     "accepted",
    "rejected",     "pending_new",    "stopped",      "pending_cancel",
    "pending_replace", "calculated",  "suspended",    "order_replace_rejected",
    "order_cancel_rejected"};
constexpr std::string_view type_names[] = {"market", "limit", "stop", "stop_limit"};
constexpr std::string_view tif_names[] = {"day", "gtc", "ioc", "fok", "opg", "cls"};

/// Index of `s` in `names`, or -1.
template <size_t N>
int index_of(const std::string_view (&names)[N], std::string_view s) noexcept {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<int>(i);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Appends into a fixed span; remembers overflow instead of writing past the end.
struct sink {
  char* p;
  size_t cap;
  size_t n = 0;
  bool over = false;

  void put(std::string_view s) noexcept {
    if (over || s.size() > cap - n) {
      over = true;
      return;
    }
    if (!s.empty()) std::memcpy(p + n, s.data(), s.size());
    n += s.size();
  }
  void put(char c) noexcept { put(std::string_view(&c, 1)); }
  void number(uint64_t v) noexcept {
    char b[24];
    const auto r = std::to_chars(b, b + sizeof b, v);
    put(std::string_view(b, static_cast<size_t>(r.ptr - b)));
  }
  template <class Fixed>
  void decimal_string(Fixed v) noexcept {
    char b[40];
    put('"');
    put(std::string_view(b, format_decimal(v, b)));
    put('"');
  }
  void json_string(std::string_view s) noexcept {
    put('"');
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        put('\\');
        put(ch);
      } else if (c < 0x20) {
        constexpr char hex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        put(std::string_view(esc, 6));
      } else {
        put(ch);
      }
    }
    put('"');
  }
  [[nodiscard]] write_result result() const noexcept {
    if (over) return {0, E::buffer_too_small};
    return {n, E::none};
  }
};

bool header_safe(std::string_view s) noexcept {
  for (const char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool order_valid(const order_command& c, std::string_view symbol) noexcept {
  if (c.kind != order_command_kind::submit || symbol.empty() || !c.qty.is_positive()) return false;
  const bool needs_limit = c.type == order_type::limit || c.type == order_type::stop_limit;
  const bool needs_stop = c.type == order_type::stop || c.type == order_type::stop_limit;
  if (needs_limit && !c.limit_px.is_positive()) return false;
  if (needs_stop && !c.stop_px.is_positive()) return false;
  return static_cast<size_t>(c.type) < std::size(type_names) &&
         static_cast<size_t>(c.tif) < std::size(tif_names) &&
         (c.order_side == side::buy || c.order_side == side::sell);
}

}  // namespace

write_result write_order_body(const order_command& c, std::string_view symbol,
                              std::span<char> out) noexcept {
  if (!order_valid(c, symbol)) return {0, E::invalid_order};
  sink s{out.data(), out.size()};
  s.put(R"({"symbol":)");
  s.json_string(symbol);
  s.put(R"(,"qty":)");
  s.decimal_string(c.qty);
  s.put(R"(,"side":")");
  s.put(to_string(c.order_side));
  s.put(R"(","type":")");
  s.put(type_names[static_cast<size_t>(c.type)]);
  s.put(R"(","time_in_force":")");
  s.put(tif_names[static_cast<size_t>(c.tif)]);
  s.put('"');
  if (c.type == order_type::limit || c.type == order_type::stop_limit) {
    s.put(R"(,"limit_price":)");
    s.decimal_string(c.limit_px);
  }
  if (c.type == order_type::stop || c.type == order_type::stop_limit) {
    s.put(R"(,"stop_price":)");
    s.decimal_string(c.stop_px);
  }
  if (!c.coid.empty()) {
    s.put(R"(,"client_order_id":)");
    s.json_string(c.coid.view());
  }
  s.put('}');
  return s.result();
}

write_result write_order_body(const order_command& c, std::string_view symbol, std::string& out) {
  if (out.capacity() < max_order_body) out.reserve(max_order_body);
  out.resize(out.capacity());  // within capacity: no allocation
  const write_result r = write_order_body(c, symbol, std::span<char>(out.data(), out.size()));
  out.resize(r.size);
  return r;
}

write_result write_http_request(std::span<char> out, std::string_view method,
                                std::string_view target, std::string_view host,
                                const api_credentials& creds, std::string_view body) noexcept {
  if (method.empty() || target.empty() || !header_safe(method) || !header_safe(target) ||
      !header_safe(host) || !header_safe(creds.key_id) || !header_safe(creds.secret_key) ||
      method.find(' ') != std::string_view::npos || target.find(' ') != std::string_view::npos)
    return {0, E::invalid_header_value};
  sink s{out.data(), out.size()};
  s.put(method);
  s.put(' ');
  s.put(target);
  s.put(" HTTP/1.1\r\nHost: ");
  s.put(host);
  s.put("\r\nAPCA-API-KEY-ID: ");
  s.put(creds.key_id);
  s.put("\r\nAPCA-API-SECRET-KEY: ");
  s.put(creds.secret_key);
  if (!body.empty()) {
    s.put("\r\nContent-Type: application/json\r\nContent-Length: ");
    s.number(body.size());
  }
  s.put("\r\nConnection: keep-alive\r\n\r\n");
  s.put(body);
  return s.result();
}

order_request_writer::order_request_writer(std::string_view host, const api_credentials& creds) {
  if (!header_safe(host) || !header_safe(creds.key_id) || !header_safe(creds.secret_key))
    throw std::invalid_argument("order_request_writer: CR, LF or NUL in host or credentials");
  head_.reserve(160 + host.size() + creds.key_id.size() + creds.secret_key.size());
  head_.append("POST /v2/orders HTTP/1.1\r\nHost: ").append(host);
  head_.append("\r\nAPCA-API-KEY-ID: ").append(creds.key_id);
  head_.append("\r\nAPCA-API-SECRET-KEY: ").append(creds.secret_key);
  head_.append("\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: ");
}

write_result order_request_writer::write(const order_command& c, std::string_view symbol,
                                         std::span<char> out) const noexcept {
  char body[max_order_body];
  const write_result b = write_order_body(c, symbol, std::span<char>(body, sizeof body));
  if (!b.ok()) return b;
  sink s{out.data(), out.size()};
  s.put(head_);
  s.number(b.size);
  s.put("\r\n\r\n");
  s.put(std::string_view(body, b.size));
  return s.result();
}

write_result order_request_writer::write(const order_command& c, std::string_view symbol,
                                         std::string& out) const {
  if (out.capacity() < max_request_size()) out.reserve(max_request_size());
  out.resize(out.capacity());
  const write_result r = write(c, symbol, std::span<char>(out.data(), out.size()));
  out.resize(r.size);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

namespace {

/// A simdjson error as ours: value-level errors mean a field of the wrong type, anything else
/// that the JSON itself is broken.
parse_result fail(simdjson::error_code e, std::string_view field) noexcept {
  using simdjson::error_code;
  if (e == error_code::INCORRECT_TYPE || e == error_code::NUMBER_ERROR ||
      e == error_code::NUMBER_OUT_OF_RANGE)
    return {E::bad_field, field};
  return {E::malformed_json, field};
}

/// Reads the type of `v`; null is reported as true in `is_null`.
bool null_value(od::value& v, bool& is_null, parse_result& r, std::string_view field) noexcept {
  od::json_type t{};
  if (auto e = v.type().get(t)) {
    r = fail(e, field);
    return false;
  }
  is_null = t == od::json_type::null;
  return true;
}

/// A required (or, with `nullable`, optional) string into a fixed_string.
template <size_t N>
parse_result read_text(od::value& v, fixed_string<N>& out, std::string_view field,
                       bool nullable = true) noexcept {
  parse_result r;
  bool is_null = false;
  if (!null_value(v, is_null, r, field)) return r;
  if (is_null) {
    out = {};
    return nullable ? parse_result{} : parse_result{E::bad_field, field};
  }
  std::string_view s;
  if (auto e = v.get_string().get(s)) return fail(e, field);
  if (!out.assign(s)) return {E::field_too_long, field};
  return {};
}

/// A decimal given as a string (Alpaca) or, leniently, as a JSON number. Null → nullopt.
template <class Fixed>
parse_result read_decimal(od::value& v, std::optional<Fixed>& out, std::string_view field) noexcept {
  parse_result r;
  bool is_null = false;
  if (!null_value(v, is_null, r, field)) return r;
  out.reset();
  if (is_null) return {};
  od::json_type t{};
  (void)v.type().get(t);
  std::string_view s;
  if (t == od::json_type::number) {
    s = v.raw_json_token();
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
      s.remove_suffix(1);
  } else if (auto e = v.get_string().get(s)) {
    return fail(e, field);
  }
  out = parse_decimal<Fixed>(s);
  return out ? parse_result{} : parse_result{E::bad_decimal, field};
}

parse_result read_time(od::value& v, std::optional<timestamp>& out, std::string_view field) noexcept {
  parse_result r;
  bool is_null = false;
  if (!null_value(v, is_null, r, field)) return r;
  out.reset();
  if (is_null) return {};
  std::string_view s;
  if (auto e = v.get_string().get(s)) return fail(e, field);
  out = parse_rfc3339(s);
  return out ? parse_result{} : parse_result{E::bad_timestamp, field};
}

/// A string enum: its index in `names`, or bad_field.
template <size_t N>
parse_result read_enum(od::value& v, const std::string_view (&names)[N], int& out,
                       std::string_view field) noexcept {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return fail(e, field);
  out = index_of(names, s);
  return out >= 0 ? parse_result{} : parse_result{E::bad_field, field};
}

struct status_map {
  std::string_view text;
  order_status status;
};
constexpr status_map known_statuses[] = {
    {"new", order_status::new_order},
    {"partially_filled", order_status::partially_filled},
    {"filled", order_status::filled},
    {"canceled", order_status::canceled},
    {"expired", order_status::expired},
    {"replaced", order_status::replaced},
    {"pending_cancel", order_status::pending_cancel},
    {"accepted", order_status::accepted},
    {"pending_new", order_status::pending_new},
    {"rejected", order_status::rejected},
};

parse_result read_status(od::value& v, order_view& o) noexcept {
  if (auto r = read_text(v, o.status_text, "status", false); !r.ok()) return r;
  o.status_known = false;
  for (const auto& m : known_statuses)
    if (m.text == o.status_text.view()) {
      o.status = m.status;
      o.status_known = true;
    }
  if (o.status_text.empty()) return {E::bad_field, "status"};
  return {};
}

parse_result read_order(od::object& obj, order_view& o) noexcept {
  o = order_view{};
  bool have_id = false, have_symbol = false, have_side = false, have_type = false,
       have_tif = false, have_status = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "order");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "order");
    od::value v = f.value();
    parse_result r;
    if (k == "id") {
      r = read_text(v, o.id, "id", false);
      have_id = true;
    } else if (k == "client_order_id") {
      r = read_text(v, o.coid, "client_order_id");
    } else if (k == "symbol") {
      r = read_text(v, o.symbol, "symbol", false);
      have_symbol = true;
    } else if (k == "side") {
      constexpr std::string_view names[] = {"buy", "sell"};
      int i = 0;
      r = read_enum(v, names, i, "side");
      o.order_side = static_cast<side>(i);
      have_side = true;
    } else if (k == "type" || k == "order_type") {
      if (k == "order_type" && have_type) continue;  // `type` wins; both are sent
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e, "type");
      const int i = index_of(type_names, s);
      o.type_known = i >= 0;
      o.type = i >= 0 ? static_cast<order_type>(i) : order_type::market;
      if (s.empty()) r = {E::bad_field, "type"};
      have_type = true;
    } else if (k == "time_in_force") {
      int i = 0;
      r = read_enum(v, tif_names, i, "time_in_force");
      o.tif = static_cast<time_in_force>(i);
      have_tif = true;
    } else if (k == "status") {
      r = read_status(v, o);
      have_status = true;
    } else if (k == "qty") {
      r = read_decimal(v, o.qty, "qty");
    } else if (k == "notional") {
      r = read_decimal(v, o.notional, "notional");
    } else if (k == "filled_qty") {
      std::optional<quantity> q;
      r = read_decimal(v, q, "filled_qty");
      o.filled_qty = q.value_or(quantity{});
    } else if (k == "filled_avg_price") {
      r = read_decimal(v, o.filled_avg_price, "filled_avg_price");
    } else if (k == "limit_price") {
      r = read_decimal(v, o.limit_price, "limit_price");
    } else if (k == "stop_price") {
      r = read_decimal(v, o.stop_price, "stop_price");
    } else if (k == "created_at") {
      r = read_time(v, o.created_at, "created_at");
    } else if (k == "updated_at") {
      r = read_time(v, o.updated_at, "updated_at");
    } else if (k == "submitted_at") {
      r = read_time(v, o.submitted_at, "submitted_at");
    } else if (k == "filled_at") {
      r = read_time(v, o.filled_at, "filled_at");
    } else if (k == "canceled_at") {
      r = read_time(v, o.canceled_at, "canceled_at");
    } else if (k == "expired_at") {
      r = read_time(v, o.expired_at, "expired_at");
    } else if (k == "failed_at") {
      r = read_time(v, o.failed_at, "failed_at");
    }  // any other field (legs, hwm, asset_id, ...) is skipped
    if (!r.ok()) return r;
  }
  if (!have_id) return {E::missing_field, "id"};
  if (!have_symbol) return {E::missing_field, "symbol"};
  if (!have_side) return {E::missing_field, "side"};
  if (!have_type) return {E::missing_field, "type"};
  if (!have_tif) return {E::missing_field, "time_in_force"};
  if (!have_status) return {E::missing_field, "status"};
  return {};
}

parse_result read_authorization(od::object& obj, stream_message& m) noexcept {
  bool have_status = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "data");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "data");
    od::value v = f.value();
    if (k == "status") {
      constexpr std::string_view names[] = {"unauthorized", "authorized"};
      int i = 0;
      if (auto r = read_enum(v, names, i, "status"); !r.ok()) return r;
      m.authorized = i == 1;
      have_status = true;
    } else if (k == "message") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e, "message");
      (void)m.auth_message.assign(s);  // truncation is fine for a human-readable reason
    }
  }
  return have_status ? parse_result{} : parse_result{E::missing_field, "status"};
}

parse_result read_listening(od::object& obj, stream_message& m) noexcept {
  bool have_streams = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "data");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "data");
    if (k != "streams") continue;
    od::array a;
    if (auto e = f.value().get_array().get(a)) return fail(e, "streams");
    for (auto er : a) {
      std::string_view s;
      if (auto e = er.get_string().get(s)) return fail(e, "streams");
      if (m.listening_count < 255) ++m.listening_count;
      if (s == "trade_updates") m.listening_trade_updates = true;
    }
    have_streams = true;
  }
  return have_streams ? parse_result{} : parse_result{E::missing_field, "streams"};
}

parse_result read_update(od::object& obj, trade_update_view& u) noexcept {
  bool have_event = false, have_order = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "data");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "data");
    od::value v = f.value();
    parse_result r;
    if (k == "event") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e, "event");
      const int i = index_of(event_names, s);
      if (i < 0) return {E::unknown_event, "event"};
      u.event = static_cast<trade_event>(i);
      have_event = true;
    } else if (k == "execution_id") {
      r = read_text(v, u.execution_id, "execution_id");
    } else if (k == "order") {
      od::object o;
      if (auto e = v.get_object().get(o)) return fail(e, "order");
      r = read_order(o, u.order);
      have_order = true;
    } else if (k == "timestamp") {
      r = read_time(v, u.time, "timestamp");
    } else if (k == "price") {
      r = read_decimal(v, u.px, "price");
    } else if (k == "qty") {
      r = read_decimal(v, u.qty, "qty");
    } else if (k == "position_qty") {
      r = read_decimal(v, u.position_qty, "position_qty");
    }
    if (!r.ok()) return r;
  }
  if (!have_event) return {E::missing_field, "event"};
  if (!have_order) return {E::missing_field, "order"};
  return {};
}

parse_result read_stream_data(od::object& data, stream_message& m) noexcept {
  switch (m.kind) {
    case stream_kind::authorization: return read_authorization(data, m);
    case stream_kind::listening: return read_listening(data, m);
    case stream_kind::trade_updates: return read_update(data, m.update);
  }
  return {E::unknown_stream, "stream"};
}

/// A JSON boolean (null → false).
parse_result read_bool(od::value& v, bool& out, std::string_view field) noexcept {
  parse_result r;
  bool is_null = false;
  if (!null_value(v, is_null, r, field)) return r;
  if (is_null) {
    out = false;
    return {};
  }
  if (auto e = v.get_bool().get(out)) return fail(e, field);
  return {};
}

/// An integer given as a JSON number or, leniently, as a string of digits.
parse_result read_int(od::value& v, int64_t& out, std::string_view field) noexcept {
  od::json_type t{};
  if (auto e = v.type().get(t)) return fail(e, field);
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return fail(e, field);
    const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
    return res.ec == std::errc{} && res.ptr == s.data() + s.size() ? parse_result{} : parse_result{E::bad_field, field};
  }
  if (auto e = v.get_int64().get(out)) return fail(e, field);
  return {};
}

/// A required decimal: null or absent is an error.
template <class Fixed>
parse_result read_required(od::value& v, Fixed& out, bool& have, std::string_view field) noexcept {
  std::optional<Fixed> o;
  if (auto r = read_decimal(v, o, field); !r.ok()) return r;
  if (!o) return {E::bad_field, field};
  out = *o;
  have = true;
  return {};
}

parse_result read_position(od::object& obj, position_view& p) noexcept {
  p = position_view{};
  bool have_symbol = false, have_qty = false, have_avg = false, short_side = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "position");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "position");
    od::value v = f.value();
    parse_result r;
    if (k == "symbol") {
      r = read_text(v, p.symbol, "symbol", false);
      have_symbol = true;
    } else if (k == "qty") {
      r = read_required(v, p.qty, have_qty, "qty");
    } else if (k == "avg_entry_price") {
      r = read_required(v, p.avg_entry_price, have_avg, "avg_entry_price");
    } else if (k == "market_value") {
      r = read_decimal(v, p.market_value, "market_value");
    } else if (k == "current_price") {
      r = read_decimal(v, p.current_price, "current_price");
    } else if (k == "side") {
      constexpr std::string_view names[] = {"long", "short"};
      int i = 0;
      r = read_enum(v, names, i, "side");
      short_side = i == 1;
    }
    if (!r.ok()) return r;
  }
  if (!have_symbol) return {E::missing_field, "symbol"};
  if (!have_qty) return {E::missing_field, "qty"};
  if (!have_avg) return {E::missing_field, "avg_entry_price"};
  if (short_side && p.qty.raw > 0) p.qty = quantity::from_raw(-p.qty.raw);
  return {};
}

}  // namespace

struct trading_parser::impl {
  size_t max;
  size_t capacity;
  std::unique_ptr<char[]> buf;
  od::parser parser;
  bool usable = true;

  explicit impl(size_t max_bytes)
      : max(max_bytes),
        capacity(max_bytes + simdjson::SIMDJSON_PADDING),
        buf(std::make_unique<char[]>(max_bytes + simdjson::SIMDJSON_PADDING)),
        parser(max_bytes) {
    // Sized once: iterate() never reallocates. Orders nest (legs) a few levels; allow margin.
    usable = parser.allocate(max_bytes == 0 ? 1 : max_bytes, 64) == simdjson::SUCCESS;
  }

  /// Copies `text` into the padded buffer and starts a document whose root must be an object.
  parse_result open(std::string_view text, od::document& doc, od::object& obj) noexcept {
    if (!usable || text.size() > max) return {E::too_large, ""};
    if (!text.empty()) std::memcpy(buf.get(), text.data(), text.size());
    std::memset(buf.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    if (auto e = parser.iterate(buf.get(), text.size(), capacity).get(doc)) return fail(e, "");
    if (auto e = doc.get_object().get(obj)) {
      if (e != simdjson::INCORRECT_TYPE) return fail(e, "");
      // Valid JSON of another type ("[..]", "42") or not JSON at all ("Not Found", "<html>")?
      const size_t i = text.find_first_not_of(" \t\r\n");
      const char c = i == std::string_view::npos ? '\0' : text[i];
      const bool json_start = c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
                              c == 't' || c == 'f' || c == 'n';
      return {json_start ? E::not_object : E::malformed_json, ""};
    }
    return {};
  }

  /// As open(), for a document whose root must be an array.
  parse_result open_array(std::string_view text, od::document& doc, od::array& arr) noexcept {
    if (!usable || text.size() > max) return {E::too_large, ""};
    if (!text.empty()) std::memcpy(buf.get(), text.data(), text.size());
    std::memset(buf.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    if (auto e = parser.iterate(buf.get(), text.size(), capacity).get(doc)) return fail(e, "");
    if (auto e = doc.get_array().get(arr)) {
      if (e != simdjson::INCORRECT_TYPE) return fail(e, "");
      const size_t i = text.find_first_not_of(" \t\r\n");
      const char c = i == std::string_view::npos ? '\0' : text[i];
      const bool json_start = c == '{' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
                              c == 'f' || c == 'n';
      return {json_start ? E::not_object : E::malformed_json, ""};
    }
    return {};
  }

  static parse_result close(od::document& doc) noexcept {
    // After the root object, nothing but the end may follow (`{...} x` is not JSON).
    const char* at = nullptr;
    return doc.current_location().get(at) ? parse_result{} : parse_result{E::malformed_json, ""};
  }
};

trading_parser::trading_parser(size_t max_bytes) : impl_(std::make_unique<impl>(max_bytes)) {}
trading_parser::~trading_parser() = default;

parse_result trading_parser::parse_order(std::string_view body, order_view& out) noexcept {
  od::document doc;
  od::object obj;
  if (auto r = impl_->open(body, doc, obj); !r.ok()) return r;
  if (auto r = read_order(obj, out); !r.ok()) return r;
  return impl::close(doc);
}

parse_result trading_parser::parse_error_body(std::string_view body, api_error_view& out) noexcept {
  out = api_error_view{};
  od::document doc;
  od::object obj;
  if (auto r = impl_->open(body, doc, obj); !r.ok()) return r;
  bool have_code = false, have_message = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "");
    od::value v = f.value();
    if (k == "code") {
      if (auto e = v.get_int64().get(out.code)) return fail(e, "code");
      have_code = true;
    } else if (k == "message") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e, "message");
      out.message_truncated = !out.message.assign(s);
      have_message = true;
    }
  }
  if (!have_code && !have_message) return {E::missing_field, "message"};
  return impl::close(doc);
}

parse_result trading_parser::parse_trade_update(std::string_view frame, stream_message& out) noexcept {
  out = stream_message{};
  od::document doc;
  od::object obj;
  if (auto r = impl_->open(frame, doc, obj); !r.ok()) return r;
  bool have_stream = false, have_data = false;
  std::string_view deferred;  // `data` seen before `stream`: its raw text, parsed afterwards
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "");
    od::value v = f.value();
    if (k == "stream") {
      constexpr std::string_view names[] = {"authorization", "listening", "trade_updates"};
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e, "stream");
      const int i = index_of(names, s);
      if (i < 0) return {E::unknown_stream, "stream"};
      out.kind = static_cast<stream_kind>(i);
      have_stream = true;
    } else if (k == "data") {
      od::object data;
      if (auto e = v.get_object().get(data)) return fail(e, "data");
      have_data = true;
      if (have_stream) {
        if (auto r = read_stream_data(data, out); !r.ok()) return r;
      } else if (auto e = data.raw_json().get(deferred)) {
        return fail(e, "data");
      }
    }
  }
  if (!have_stream) return {E::missing_field, "stream"};
  if (!have_data) return {E::missing_field, "data"};
  if (auto r = impl::close(doc); !r.ok()) return r;
  if (deferred.empty()) return {};
  // Re-iterate the data object in place: it lies inside the padded buffer.
  const auto offset = static_cast<size_t>(deferred.data() - impl_->buf.get());
  od::document sub;
  od::object data;
  if (auto e = impl_->parser.iterate(deferred.data(), deferred.size(), impl_->capacity - offset)
                   .get(sub))
    return fail(e, "data");
  if (auto e = sub.get_object().get(data)) return fail(e, "data");
  return read_stream_data(data, out);
}

parse_result trading_parser::parse_order_list(std::string_view body, std::vector<order_view>& out) {
  out.clear();
  od::document doc;
  od::array arr;
  if (auto r = impl_->open_array(body, doc, arr); !r.ok()) return r;
  for (auto er : arr) {
    od::object o;
    if (auto e = er.get_object().get(o)) return fail(e, "order");
    out.emplace_back();
    if (auto r = read_order(o, out.back()); !r.ok()) {
      out.pop_back();
      return r;
    }
  }
  return impl::close(doc);
}

parse_result trading_parser::parse_positions(std::string_view body, std::vector<position_view>& out) {
  out.clear();
  od::document doc;
  od::array arr;
  if (auto r = impl_->open_array(body, doc, arr); !r.ok()) return r;
  for (auto er : arr) {
    od::object o;
    if (auto e = er.get_object().get(o)) return fail(e, "position");
    out.emplace_back();
    if (auto r = read_position(o, out.back()); !r.ok()) {
      out.pop_back();
      return r;
    }
  }
  return impl::close(doc);
}

parse_result trading_parser::parse_account(std::string_view body, account_view& a) noexcept {
  a = account_view{};
  od::document doc;
  od::object obj;
  if (auto r = impl_->open(body, doc, obj); !r.ok()) return r;
  bool have_id = false, have_status = false, have_cash = false, have_equity = false, have_bp = false,
       have_pv = false;
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "account");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "account");
    od::value v = f.value();
    parse_result r;
    if (k == "id") {
      r = read_text(v, a.id, "id", false);
      have_id = true;
    } else if (k == "status") {
      r = read_text(v, a.status, "status", false);
      have_status = true;
    } else if (k == "cash") {
      r = read_required(v, a.cash, have_cash, "cash");
    } else if (k == "equity") {
      r = read_required(v, a.equity, have_equity, "equity");
    } else if (k == "buying_power") {
      r = read_required(v, a.buying_power, have_bp, "buying_power");
    } else if (k == "portfolio_value") {
      std::optional<money> pv;
      r = read_decimal(v, pv, "portfolio_value");
      if (pv) {
        a.portfolio_value = *pv;
        have_pv = true;
      }
    } else if (k == "daytrade_count") {
      r = read_int(v, a.daytrade_count, "daytrade_count");
    } else if (k == "trading_blocked") {
      r = read_bool(v, a.trading_blocked, "trading_blocked");
    } else if (k == "account_blocked") {
      r = read_bool(v, a.account_blocked, "account_blocked");
    }
    if (!r.ok()) return r;
  }
  if (!have_id) return {E::missing_field, "id"};
  if (!have_status) return {E::missing_field, "status"};
  if (!have_cash) return {E::missing_field, "cash"};
  if (!have_equity) return {E::missing_field, "equity"};
  if (!have_bp) return {E::missing_field, "buying_power"};
  if (!have_pv) a.portfolio_value = a.equity;
  return impl::close(doc);
}

parse_result trading_parser::parse_clock(std::string_view body, clock_view& c) noexcept {
  c = clock_view{};
  od::document doc;
  od::object obj;
  if (auto r = impl_->open(body, doc, obj); !r.ok()) return r;
  bool have_ts = false, have_open = false, have_no = false, have_nc = false;
  auto required_time = [](od::value& v, timestamp& out, bool& have, std::string_view field) noexcept {
    std::optional<timestamp> t;
    if (auto r = read_time(v, t, field); !r.ok()) return r;
    if (!t) return parse_result{E::bad_field, field};
    out = *t;
    have = true;
    return parse_result{};
  };
  for (auto fr : obj) {
    od::field f;
    if (auto e = std::move(fr).get(f)) return fail(e, "clock");
    std::string_view k;
    if (auto e = f.unescaped_key().get(k)) return fail(e, "clock");
    od::value v = f.value();
    parse_result r;
    if (k == "timestamp") {
      r = required_time(v, c.time, have_ts, "timestamp");
    } else if (k == "is_open") {
      if (auto e = v.get_bool().get(c.is_open)) return fail(e, "is_open");
      have_open = true;
    } else if (k == "next_open") {
      r = required_time(v, c.next_open, have_no, "next_open");
    } else if (k == "next_close") {
      r = required_time(v, c.next_close, have_nc, "next_close");
    }
    if (!r.ok()) return r;
  }
  if (!have_ts) return {E::missing_field, "timestamp"};
  if (!have_open) return {E::missing_field, "is_open"};
  if (!have_no) return {E::missing_field, "next_open"};
  if (!have_nc) return {E::missing_field, "next_close"};
  return impl::close(doc);
}

namespace {
trading_parser& local_parser() {
  thread_local trading_parser p;
  return p;
}
}  // namespace

parse_result parse_order(std::string_view body, order_view& out) noexcept {
  return local_parser().parse_order(body, out);
}
parse_result parse_error_body(std::string_view body, api_error_view& out) noexcept {
  return local_parser().parse_error_body(body, out);
}
parse_result parse_trade_update(std::string_view frame, stream_message& out) noexcept {
  return local_parser().parse_trade_update(frame, out);
}
parse_result parse_order_list(std::string_view body, std::vector<order_view>& out) {
  return local_parser().parse_order_list(body, out);
}
parse_result parse_positions(std::string_view body, std::vector<position_view>& out) {
  return local_parser().parse_positions(body, out);
}
parse_result parse_account(std::string_view body, account_view& out) noexcept {
  return local_parser().parse_account(body, out);
}
parse_result parse_clock(std::string_view body, clock_view& out) noexcept {
  return local_parser().parse_clock(body, out);
}

std::string_view to_string(trade_event e) noexcept {
  const auto i = static_cast<size_t>(e);
  return i < std::size(event_names) ? event_names[i] : std::string_view{"unknown"};
}

// ---------------------------------------------------------------------------------------------
// trade_updates client actions
// ---------------------------------------------------------------------------------------------

namespace {
void append_json_string(std::string& out, std::string_view s) {
  char b[6 * 64 + 2];
  size_t i = 0;
  // Escaped in chunks of 64 input bytes (at most 6 output bytes each).
  out.push_back('"');
  while (i < s.size()) {
    const std::string_view chunk = s.substr(i, 64);
    sink k{b, sizeof b};
    k.json_string(chunk);
    out.append(b + 1, k.n - 2);  // without the chunk's own quotes
    i += chunk.size();
  }
  out.push_back('"');
}
}  // namespace

void encode_trading_auth(std::string_view key, std::string_view secret, std::string& out) {
  out.append(R"({"action":"auth","key":)");
  append_json_string(out, key);
  out.append(R"(,"secret":)");
  append_json_string(out, secret);
  out.push_back('}');
}

void encode_trading_auth_legacy(std::string_view key, std::string_view secret, std::string& out) {
  out.append(R"({"action":"authenticate","data":{"key_id":)");
  append_json_string(out, key);
  out.append(R"(,"secret_key":)");
  append_json_string(out, secret);
  out.append("}}");
}

void encode_trading_listen(std::span<const std::string_view> streams, std::string& out) {
  out.append(R"({"action":"listen","data":{"streams":[)");
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_json_string(out, streams[i]);
  }
  out.append("]}}");
}

}  // namespace torghut::adapters
