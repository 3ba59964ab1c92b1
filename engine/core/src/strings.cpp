#include "torghut/core/messages.hpp"
#include "torghut/core/reject_codes.hpp"

namespace torghut {

std::string_view to_string(order_type t) noexcept {
  switch (t) {
    case order_type::market: return "market";
    case order_type::limit: return "limit";
    case order_type::stop: return "stop";
    case order_type::stop_limit: return "stop_limit";
  }
  return "unknown";
}

std::string_view to_string(time_in_force t) noexcept {
  switch (t) {
    case time_in_force::day: return "day";
    case time_in_force::gtc: return "gtc";
    case time_in_force::ioc: return "ioc";
    case time_in_force::fok: return "fok";
    case time_in_force::opg: return "opg";
    case time_in_force::cls: return "cls";
  }
  return "unknown";
}

std::string_view to_string(market_event_kind k) noexcept {
  switch (k) {
    case market_event_kind::trade: return "trade";
    case market_event_kind::quote: return "quote";
    case market_event_kind::bar: return "bar";
    case market_event_kind::daily_bar: return "daily_bar";
    case market_event_kind::updated_bar: return "updated_bar";
    case market_event_kind::status: return "status";
    case market_event_kind::correction: return "correction";
    case market_event_kind::cancel_error: return "cancel_error";
    case market_event_kind::luld: return "luld";
    case market_event_kind::imbalance: return "imbalance";
    case market_event_kind::microbar: return "microbar";
    case market_event_kind::gap: return "gap";
  }
  return "unknown";
}

std::string_view to_string(risk_reason r) noexcept {
  switch (r) {
    case risk_reason::approved: return "APPROVED";
    case risk_reason::notional_exceeds_max_per_order: return "NOTIONAL_EXCEEDS_MAX_PER_ORDER";
    case risk_reason::position_exceeds_max_pct_equity: return "POSITION_EXCEEDS_MAX_PCT_EQUITY";
    case risk_reason::quantity_exceeds_max: return "QUANTITY_EXCEEDS_MAX";
    case risk_reason::order_rate_exceeded: return "ORDER_RATE_EXCEEDED";
    case risk_reason::price_outside_collar: return "PRICE_OUTSIDE_COLLAR";
    case risk_reason::symbol_not_allowed: return "SYMBOL_NOT_ALLOWED";
    case risk_reason::daily_loss_limit_reached: return "DAILY_LOSS_LIMIT_REACHED";
    case risk_reason::duplicate_decision: return "DUPLICATE_DECISION";
    case risk_reason::trading_halted: return "TRADING_HALTED";
    case risk_reason::trading_reducing: return "TRADING_REDUCING";
    case risk_reason::kill_switch_engaged: return "KILL_SWITCH_ENGAGED";
    case risk_reason::no_reference_price: return "NO_REFERENCE_PRICE";
    case risk_reason::invalid_quantity: return "INVALID_QUANTITY";
    case risk_reason::arithmetic_overflow: return "ARITHMETIC_OVERFLOW";
    case risk_reason::symbol_halted: return "SYMBOL_HALTED";
    case risk_reason::audit_backpressure: return "AUDIT_BACKPRESSURE";
    case risk_reason::awaiting_reconciliation: return "AWAITING_RECONCILIATION";
  }
  return "UNKNOWN";
}

std::string_view to_string(trading_state s) noexcept {
  switch (s) {
    case trading_state::active: return "ACTIVE";
    case trading_state::reducing: return "REDUCING";
    case trading_state::halted: return "HALTED";
  }
  return "UNKNOWN";
}

std::string_view to_string(control_kind k) noexcept {
  switch (k) {
    case control_kind::kill_switch_on: return "kill_switch_on";
    case control_kind::kill_switch_off: return "kill_switch_off";
    case control_kind::set_trading_state: return "set_trading_state";
    case control_kind::status_snapshot: return "status_snapshot";
    case control_kind::reload_risk_limits: return "reload_risk_limits";
    case control_kind::shutdown: return "shutdown";
    case control_kind::cancel_all_orders: return "cancel_all_orders";
  }
  return "unknown";
}

std::string_view to_string(order_status s) noexcept {
  switch (s) {
    case order_status::pending_new: return "pending_new";
    case order_status::accepted: return "accepted";
    case order_status::new_order: return "new";
    case order_status::partially_filled: return "partially_filled";
    case order_status::filled: return "filled";
    case order_status::pending_cancel: return "pending_cancel";
    case order_status::canceled: return "canceled";
    case order_status::rejected: return "rejected";
    case order_status::expired: return "expired";
    case order_status::replaced: return "replaced";
  }
  return "unknown";
}

std::string_view reject_code_name(uint16_t code) noexcept {
  switch (code) {
    case 0: return "NONE";
    case 401: return "UNAUTHORIZED";
    case 403: return "INSUFFICIENT_BUYING_POWER";
    case 404: return "NOT_FOUND";
    case reject_codes::invalid_order: return "UNPROCESSABLE_ORDER";
    case reject_codes::broker_capacity: return "RATE_LIMITED";
    case reject_codes::router_table_full: return "ROUTER_TABLE_FULL";
    case reject_codes::router_backpressure: return "ROUTER_BACKPRESSURE";
    case reject_codes::gateway_unavailable: return "BROKER_UNAVAILABLE";
    case reject_codes::gateway_queue_full: return "GATEWAY_QUEUE_FULL";
    case reject_codes::broker_rejected: return "BROKER_REJECTED";
    case reject_codes::order_stale: return "ORDER_STALE";
    default: return code >= 500 && code < 600 ? "BROKER_SERVER_ERROR" : "REJECTED";
  }
}

}  // namespace torghut
