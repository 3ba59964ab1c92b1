#include "torghut/persistence/audit_json.hpp"

#include <charconv>

#include <xxhash.h>

#include "torghut/core/decision_hash.hpp"
#include "torghut/core/reject_codes.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::persistence {
namespace {

void put_u64(std::string& out, uint64_t v) {
  char b[24];
  auto [e, ec] = std::to_chars(b, b + sizeof b, v);
  (void)ec;
  out.append(b, static_cast<size_t>(e - b));
}
void key(std::string& out, std::string_view k) {
  out += ",\"";
  out += k;
  out += "\":";
}
void str(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  append_json_string(out, v);
}
template <class Fixed>
void dec(std::string& out, std::string_view k, Fixed v) {
  char b[40];
  const size_t n = format_decimal(v, b);
  key(out, k);
  out += '"';
  out.append(b, n);
  out += '"';
}
void ts(std::string& out, std::string_view k, timestamp t) {
  key(out, k);
  out += '"';
  append_rfc3339(out, t);
  out += '"';
}
void hash(std::string& out, std::string_view k, decision_hash h) {
  char b[32];
  to_hex(h, b);
  key(out, k);
  out += '"';
  out.append(b, sizeof b);
  out += '"';
}
void u64(std::string& out, std::string_view k, uint64_t v) {
  key(out, k);
  put_u64(out, v);
}

void intent_fields(std::string& out, const order_intent& d, const symbol_table& syms) {
  u64(out, "strategy_id", d.strategy.value);
  str(out, "symbol", syms.name(d.symbol));
  str(out, "action", d.kind == intent_kind::cancel ? "cancel" : to_string(d.order_side));
  str(out, "type", to_string(d.type));
  str(out, "time_in_force", to_string(d.tif));
  dec(out, "qty", d.qty);
  if (d.type == order_type::limit || d.type == order_type::stop_limit) dec(out, "limit_price", d.limit_px);
  if (d.type == order_type::stop || d.type == order_type::stop_limit) dec(out, "stop_price", d.stop_px);
  dec(out, "reference_price", d.reference_px);
  ts(out, "event_ts", d.event_time);
  hash(out, "decision_hash", d.hash);
  str(out, "rationale", d.rationale.view());
}

constexpr char hexdig[] = "0123456789abcdef";

/// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_len(std::string_view s, size_t i) noexcept {
  const auto b = [&](size_t j) { return static_cast<unsigned char>(s[j]); };
  const unsigned char c = b(i);
  const size_t left = s.size() - i;
  auto cont = [&](size_t j) { return j < s.size() && (b(j) & 0xC0u) == 0x80u; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view v) {
  out += '"';
  size_t i = 0;
  while (i < v.size()) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c < 0x80) {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c < 0x20) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case 0: out += "\xEF\xBF\xBD"; break;  // jsonb rejects \u0000: U+FFFD
        default:
          out += "\\u00";
          out += hexdig[c >> 4];
          out += hexdig[c & 15u];
      }
      ++i;
      continue;
    }
    const size_t n = utf8_len(v, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(v.data() + i, n);
      i += n;
    }
  }
  out += '"';
}

void format_uuid(uuid u, char* o) noexcept {
  size_t k = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) o[k++] = '-';
    const uint64_t w = i < 16 ? u.hi : u.lo;
    const int shift = 60 - 4 * (i % 16);
    o[k++] = hexdig[(w >> shift) & 15u];
  }
}

uuid derive_uuid(std::string_view name) noexcept {
  const XXH128_hash_t h = XXH3_128bits(name.data(), name.size());
  uuid u{h.high64, h.low64};
  u.hi = (u.hi & ~uint64_t{0xF000}) | uint64_t{0x8000};               // version 8
  u.lo = (u.lo & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);         // variant 10
  return u;
}

void json_object::key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  append_json_string(out_, k);
  out_ += ':';
}
json_object& json_object::str(std::string_view k, std::string_view v) {
  key(k);
  append_json_string(out_, v);
  return *this;
}
json_object& json_object::raw_str(std::string_view k, std::string_view v) {
  key(k);
  out_ += '"';
  out_ += v;
  out_ += '"';
  return *this;
}
json_object& json_object::u64(std::string_view k, uint64_t v) {
  key(k);
  put_u64(out_, v);
  return *this;
}
json_object& json_object::i64(std::string_view k, int64_t v) {
  key(k);
  char b[24];
  auto [e, ec] = std::to_chars(b, b + sizeof b, v);
  (void)ec;
  out_.append(b, static_cast<size_t>(e - b));
  return *this;
}
json_object& json_object::boolean(std::string_view k, bool v) {
  key(k);
  out_ += v ? "true" : "false";
  return *this;
}
json_object& json_object::ts(std::string_view k, timestamp t) {
  key(k);
  out_ += '"';
  append_rfc3339(out_, t);
  out_ += '"';
  return *this;
}
json_object& json_object::id(std::string_view k, uuid u) {
  char b[36];
  format_uuid(u, b);
  return raw_str(k, std::string_view(b, sizeof b));
}
json_object& json_object::raw(std::string_view k, std::string_view json) {
  key(k);
  out_ += json;
  return *this;
}

void append_rfc3339(std::string& out, timestamp t) {
  char b[32];
  out.append(b, format_rfc3339(t, b, rfc3339_fraction::nine));
}

std::string_view to_string(audit_kind k) noexcept {
  switch (k) {
    case audit_kind::decision: return "decision";
    case audit_kind::verdict: return "verdict";
    case audit_kind::order: return "order";
    case audit_kind::execution: return "execution";
    case audit_kind::anomaly: return "anomaly";
    case audit_kind::control: return "control";
  }
  return "unknown";
}

std::string_view to_string(anomaly_kind k) noexcept {
  switch (k) {
    case anomaly_kind::malformed_frame: return "malformed_frame";
    case anomaly_kind::unknown_message_type: return "unknown_message_type";
    case anomaly_kind::invalid_price: return "invalid_price";
    case anomaly_kind::invalid_size: return "invalid_size";
    case anomaly_kind::duplicate_trade: return "duplicate_trade";
    case anomaly_kind::out_of_order: return "out_of_order";
    case anomaly_kind::stale: return "stale";
    case anomaly_kind::halted: return "halted";
    case anomaly_kind::resumed: return "resumed";
    case anomaly_kind::gap: return "gap";
    case anomaly_kind::implausible_time: return "implausible_time";
    case anomaly_kind::strategy_stopped: return "strategy_stopped";
  }
  return "unknown";
}

void append_audit_json(std::string& out, const audit_row& row, const symbol_table& syms) {
  out += "{\"seq\":";
  put_u64(out, row.seq);
  str(out, "kind", to_string(row.kind));
  ts(out, "ts", row.time);
  switch (row.kind) {
    case audit_kind::decision:
      intent_fields(out, row.body.decision, syms);
      break;
    case audit_kind::verdict: {
      const auto& v = row.body.verdict;
      hash(out, "decision_hash", v.intent.hash);
      u64(out, "strategy_id", v.intent.strategy.value);
      str(out, "symbol", syms.name(v.intent.symbol));
      key(out, "approved");
      out += v.approved() ? "true" : "false";
      str(out, "reason", to_string(v.reason));
      str(out, "trading_state", to_string(v.state));
      break;
    }
    case audit_kind::order: {
      const auto& c = row.body.order;
      u64(out, "order_id", c.id.value);
      str(out, "client_order_id", c.coid.view());
      str(out, "command", c.kind == order_command_kind::cancel ? "cancel" : "submit");
      u64(out, "strategy_id", c.strategy.value);
      str(out, "symbol", syms.name(c.symbol));
      str(out, "side", to_string(c.order_side));
      str(out, "type", to_string(c.type));
      str(out, "time_in_force", to_string(c.tif));
      dec(out, "qty", c.qty);
      if (c.type == order_type::limit || c.type == order_type::stop_limit) dec(out, "limit_price", c.limit_px);
      if (c.type == order_type::stop || c.type == order_type::stop_limit) dec(out, "stop_price", c.stop_px);
      hash(out, "decision_hash", c.hash);
      break;
    }
    case audit_kind::execution: {
      const auto& e = row.body.execution;
      u64(out, "order_id", e.id.value);
      str(out, "client_order_id", e.coid.view());
      str(out, "symbol", syms.name(e.symbol));
      str(out, "side", to_string(e.order_side));
      str(out, "status", to_string(e.status));
      dec(out, "qty", e.order_qty);
      dec(out, "last_qty", e.last_qty);
      dec(out, "last_price", e.last_px);
      dec(out, "filled_qty", e.cum_qty);
      dec(out, "filled_avg_price", e.avg_px);
      if (!e.broker_id.empty()) str(out, "alpaca_order_id", e.broker_id.view());
      if (e.reject_code != 0) {
        u64(out, "reject_code", e.reject_code);
        str(out, "reason", reject_code_name(e.reject_code));
      }
      break;
    }
    case audit_kind::anomaly: {
      const auto& a = row.body.anomaly;
      str(out, "anomaly", to_string(a.kind));
      str(out, "symbol", syms.name(a.symbol));
      ts(out, "event_ts", a.event_time);
      if (a.kind == anomaly_kind::strategy_stopped) u64(out, "strategy_id", a.strategy.value);
      break;
    }
    case audit_kind::control: {
      const auto& c = row.body.control;
      str(out, "control", to_string(c.kind));
      str(out, "trading_state", to_string(c.state_after));
      out += c.kill_switch_after ? ",\"kill_switch\":true" : ",\"kill_switch\":false";
      if (c.kind == control_kind::cancel_all_orders) u64(out, "orders_canceled", c.orders_canceled);
      break;
    }
  }
  out += '}';
}

}  // namespace torghut::persistence
