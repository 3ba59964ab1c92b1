#include "torghut/persistence/audit_json.hpp"

#include <charconv>

#include "torghut/engine/decision_hash.hpp"
#include "torghut/engine/rfc3339.hpp"

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
  out += '"';
  for (char c : v) {  // symbols and codes are plain ASCII; escape defensively anyway
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += '"';
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
  u64(out, "rationale", d.rationale);
}

}  // namespace

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
      if (e.reject_code != 0) u64(out, "reject_code", e.reject_code);
      break;
    }
    case audit_kind::anomaly: {
      const auto& a = row.body.anomaly;
      str(out, "anomaly", to_string(a.kind));
      str(out, "symbol", syms.name(a.symbol));
      ts(out, "event_ts", a.event_time);
      break;
    }
    case audit_kind::control:
      break;
  }
  out += '}';
}

}  // namespace torghut::persistence
