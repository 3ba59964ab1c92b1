#pragma once
/// Every message that crosses an actor boundary, in one place. Hot-path messages are trivially
/// copyable (checked below), fixed size, and carry no pointer into another actor's state.

#include <array>
#include <cstdint>
#include <type_traits>

#include "torghut/core/types.hpp"

namespace torghut {

// ---------------------------------------------------------------------------------------------
// Market events: decoder → market_data → strategy / risk / order_router
// ---------------------------------------------------------------------------------------------

enum class market_event_kind : uint8_t {
  trade,         ///< Alpaca `t`
  quote,         ///< Alpaca `q`
  bar,           ///< Alpaca `b` (minute bar)
  daily_bar,     ///< Alpaca `d`
  updated_bar,   ///< Alpaca `u` (a late trade changed an earlier minute)
  status,        ///< Alpaca `s` (trading status: halts and resumes)
  correction,    ///< Alpaca `c`
  cancel_error,  ///< Alpaca `x`
  luld,          ///< Alpaca `l`
  imbalance,     ///< Alpaca `i`
  microbar,      ///< 1-second bar built by market_data from trades
  gap,           ///< the feed had a gap (reconnect, stall): indicator state may be stale
};
/// Derived from the last enumerator (kept last), never counted by hand.
inline constexpr int market_event_kind_count = static_cast<int>(market_event_kind::gap) + 1;
/// "trade", "quote", "bar", "daily_bar", ... "gap" (metric labels, logs).
[[nodiscard]] std::string_view to_string(market_event_kind k) noexcept;

/// Flags set by market_data on events it forwards.
namespace event_flags {
inline constexpr uint8_t stale = 1u << 0;         ///< recv_time - event_time above the threshold
inline constexpr uint8_t out_of_order = 1u << 1;  ///< event_time earlier than the last for symbol
inline constexpr uint8_t halted = 1u << 2;        ///< the symbol is halted at this moment
inline constexpr uint8_t final_bar = 1u << 3;     ///< microbar: its second is closed
}  // namespace event_flags

struct trade_payload {
  trade_id id;
  price px;
  quantity size;
  std::array<char, 4> conditions;  ///< first condition character of up to 4 conditions
  uint8_t n_conditions;
  char exchange;
  char tape;
};
struct quote_payload {
  price bid_px;
  quantity bid_size;
  price ask_px;
  quantity ask_size;
  char bid_exchange;
  char ask_exchange;
  char tape;
};
/// Minute, daily, updated and micro bars. `event_time` is the bar start.
struct bar_payload {
  price open;
  price high;
  price low;
  price close;
  quantity volume;
  price vwap;
  uint64_t trade_count;
};
struct status_payload {
  fixed_string<7> status_code;  ///< `sc`: "H" halted, "T" trading, "P" paused, "Q" quotation...
  fixed_string<7> reason_code;  ///< `rc`: "LUDP", "T1", ...
  char tape;
};
struct correction_payload {
  trade_id original_id;
  price original_px;
  quantity original_size;
  trade_id corrected_id;
  price corrected_px;
  quantity corrected_size;
  char exchange;
  char tape;
};
struct cancel_error_payload {
  trade_id id;
  price px;
  quantity size;
  char action;  ///< 'C' cancel, 'E' error
  char exchange;
  char tape;
};
struct luld_payload {
  price limit_up;
  price limit_down;
  char indicator;
  char tape;
};
struct imbalance_payload {
  price px;
  char tape;
};
struct gap_payload {
  duration_ns length;
};

struct market_event {
  market_event_kind kind = market_event_kind::gap;
  uint8_t flags = 0;
  symbol_id symbol;     ///< invalid for a feed-wide gap
  timestamp event_time;  ///< Alpaca `t` (bar start for bars)
  timestamp recv_time;   ///< when the frame was received (from the clock seam or the recording)
  union payload_t {
    trade_payload trade;
    quote_payload quote;
    bar_payload bar;
    status_payload status;
    correction_payload correction;
    cancel_error_payload cancel_error;
    luld_payload luld;
    imbalance_payload imbalance;
    gap_payload gap;
    constexpr payload_t() noexcept : bar{} {}
  } u;
};

// ---------------------------------------------------------------------------------------------
// Signals and decisions: strategy → risk
// ---------------------------------------------------------------------------------------------

/// The `ta_signals` set (seed 004), computed per symbol on each closed microbar.
struct indicator_snapshot {
  double ema12 = 0, ema26 = 0, macd = 0, macd_signal = 0, macd_hist = 0;
  double rsi14 = 0;
  double boll_mid = 0, boll_upper = 0, boll_lower = 0;
  double vwap_session = 0, vwap_w5m = 0;
  double vol_realized_w60s = 0;
  double imbalance_spread = 0, imbalance_bid_px = 0, imbalance_ask_px = 0;
  double imbalance_bid_sz = 0, imbalance_ask_sz = 0;
  /// Bit i set when indicator i above has enough history to be meaningful (see indicator_bit).
  uint32_t ready_mask = 0;
};
namespace indicator_bit {
inline constexpr uint32_t ema12 = 1u << 0, ema26 = 1u << 1, macd = 1u << 2, macd_signal = 1u << 3,
                          rsi14 = 1u << 4, bollinger = 1u << 5, vwap_session = 1u << 6,
                          vwap_w5m = 1u << 7, vol_realized = 1u << 8, quote = 1u << 9;
}

struct signal {
  symbol_id symbol;
  timestamp event_time;
  indicator_snapshot ind;
};

enum class intent_kind : uint8_t { new_order, cancel };

/// A strategy decision: what to trade and why, with its idempotency hash.
struct order_intent {
  intent_kind kind = intent_kind::new_order;
  strategy_id strategy;
  symbol_id symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  quantity qty;
  price limit_px;          ///< for limit / stop_limit
  price stop_px;           ///< for stop / stop_limit
  price reference_px;      ///< the price the strategy saw when deciding
  order_id cancel_target;  ///< for kind == cancel
  decision_hash hash;
  timestamp event_time;  ///< market time of the event that triggered the decision
  timestamp decided_at;  ///< clock time of the decision
  /// Why, in the strategy's words ("macd crossed above signal, rsi 41.2 < 70"): fixed capacity,
  /// written to the audit trail and `trade_decisions.rationale`.
  rationale_text rationale;
};

// ---------------------------------------------------------------------------------------------
// Risk: risk → order_router
// ---------------------------------------------------------------------------------------------

enum class trading_state : uint8_t {
  active,    ///< everything allowed that passes the limits
  reducing,  ///< only orders that reduce an existing position (and cancels)
  halted,    ///< nothing but cancels
};

/// Why risk rejected an intent. Every rejection names one.
enum class risk_reason : uint8_t {
  approved = 0,
  notional_exceeds_max_per_order,
  position_exceeds_max_pct_equity,
  quantity_exceeds_max,
  order_rate_exceeded,
  price_outside_collar,
  symbol_not_allowed,
  daily_loss_limit_reached,
  duplicate_decision,
  trading_halted,
  trading_reducing,
  kill_switch_engaged,
  no_reference_price,
  invalid_quantity,
  arithmetic_overflow,
  symbol_halted,
  audit_backpressure,
  awaiting_reconciliation,  ///< trading with a broker: start-up reconciliation has not succeeded yet
};
/// Derived from the last enumerator (kept last), never counted by hand.
inline constexpr int risk_reason_count = static_cast<int>(risk_reason::awaiting_reconciliation) + 1;
[[nodiscard]] std::string_view to_string(risk_reason r) noexcept;
[[nodiscard]] std::string_view to_string(trading_state s) noexcept;

struct risk_verdict {
  order_intent intent;
  risk_reason reason = risk_reason::approved;
  trading_state state = trading_state::active;
  timestamp decided_at;
  [[nodiscard]] constexpr bool approved() const noexcept { return reason == risk_reason::approved; }
};

// ---------------------------------------------------------------------------------------------
// Orders: order_router → broker (paper fill engine now, Alpaca REST later)
// ---------------------------------------------------------------------------------------------

enum class order_command_kind : uint8_t { submit, cancel };

struct order_command {
  order_command_kind kind = order_command_kind::submit;
  order_id id;
  client_order_id coid;
  strategy_id strategy;
  symbol_id symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  quantity qty;
  price limit_px;
  price stop_px;
  decision_hash hash;
  timestamp created_at;
};

/// Alpaca's order statuses that the state machine tracks.
enum class order_status : uint8_t {
  pending_new,
  accepted,
  new_order,
  partially_filled,
  filled,
  pending_cancel,
  canceled,
  rejected,
  expired,
  replaced,
};
[[nodiscard]] std::string_view to_string(order_status s) noexcept;
[[nodiscard]] constexpr bool is_terminal(order_status s) noexcept {
  return s == order_status::filled || s == order_status::canceled ||
         s == order_status::rejected || s == order_status::expired ||
         s == order_status::replaced;
}

/// An order's state change as the router saw it (or as the broker reported it).
struct execution_report {
  order_id id;
  client_order_id coid;
  strategy_id strategy;
  symbol_id symbol;
  side order_side = side::buy;
  order_status status = order_status::pending_new;
  quantity order_qty;
  quantity last_qty;  ///< this fill's quantity (0 when not a fill)
  price last_px;      ///< this fill's price
  quantity cum_qty;
  price avg_px;
  decision_hash hash;
  timestamp time;
  uint16_t reject_code = 0;  ///< broker/risk code when rejected
  broker_order_id broker_id;  ///< the broker's order id once known (empty: not yet, or the paper broker)
};

/// What the broker (the internal paper broker now, Alpaca's trade_updates later) says about an
/// order. The order router turns these into state transitions and execution reports.
enum class broker_event_kind : uint8_t {
  pending_new,
  accepted,
  new_order,
  partial_fill,
  fill,
  pending_cancel,
  canceled,
  rejected,
  expired,
  replaced,
};

/// `id` 0 means "find the order by `coid`" (events from Alpaca's trade_updates know only the
/// client_order_id). When `cum_qty` is positive (Alpaca's order.filled_qty), fills are applied by
/// cumulative quantity: a fill that does not raise it is a duplicate, and a fill that raises it by
/// more than `last_qty` also carries the fills that were missed (their price from `avg_px`).
struct broker_event {
  broker_event_kind kind = broker_event_kind::new_order;
  order_id id;
  client_order_id coid;
  quantity last_qty;  ///< fills: this fill's quantity
  price last_px;      ///< fills: this fill's price
  quantity cum_qty;   ///< the order's filled quantity after this event (0: not given)
  price avg_px;       ///< the order's average fill price after this event (0: not given)
  timestamp time;
  uint16_t reject_code = 0;
  broker_order_id broker_id;  ///< the broker's order id when the event carries it
};

// ---------------------------------------------------------------------------------------------
// Audit rows: every actor → write-behind persistence (never waits)
// ---------------------------------------------------------------------------------------------

enum class audit_kind : uint8_t { decision, verdict, order, execution, anomaly, control };

enum class anomaly_kind : uint8_t {
  malformed_frame,
  unknown_message_type,
  invalid_price,
  invalid_size,
  duplicate_trade,
  out_of_order,
  stale,
  halted,
  resumed,
  gap,
  implausible_time,  ///< stamped too far from its receive time (market_data.max_future_skew_ms / max_past_age_ms)
  strategy_stopped,  ///< a strategy threw or broke its contract: stopped alone, its orders canceled
};

struct anomaly_record {
  anomaly_kind kind;
  symbol_id symbol;
  timestamp event_time;
  strategy_id strategy;  ///< strategy_stopped: which one (0 otherwise)
};

enum class control_kind : uint8_t;

/// An operator's command as the hot loop applied it (audit_kind::control): what was asked and
/// the state it left (the engine_run_events row of a kill switch, a state change, a limits
/// reload, a cancel-all).
struct control_record {
  control_kind kind;
  trading_state state_after;
  bool kill_switch_after;
  uint32_t orders_canceled;  ///< cancel_all_orders: cancels sent
};

struct audit_row {
  audit_kind kind = audit_kind::anomaly;
  uint64_t seq = 0;  ///< assigned by the hot loop: total order of the audit trail
  timestamp time;
  union body_t {
    order_intent decision;
    risk_verdict verdict;
    order_command order;
    execution_report execution;
    anomaly_record anomaly;
    control_record control;
    constexpr body_t() noexcept : anomaly{} {}
  } body;
};

// ---------------------------------------------------------------------------------------------
// Control: CAF control plane → hot loop (lock-free command queue)
// ---------------------------------------------------------------------------------------------

enum class control_kind : uint8_t {
  kill_switch_on,
  kill_switch_off,
  set_trading_state,
  status_snapshot,
  reload_risk_limits,
  shutdown,
  cancel_all_orders,  ///< every strategy's open orders canceled (the trading state is kept)
};
[[nodiscard]] std::string_view to_string(control_kind k) noexcept;

/// Risk limits that can be reloaded at run time (the reload carries the whole set).
struct risk_limits {
  money max_notional_per_order = money::from_raw(10'000 * money::scale);
  double max_position_pct_equity = 0.10;
  quantity max_order_qty = quantity::from_raw(1'000 * quantity::scale);
  uint32_t orders_per_minute = 200;  ///< Alpaca's 200 requests / minute
  uint32_t order_burst = 20;
  double price_collar_pct = 0.05;  ///< reject limit/market reference more than 5% off the quote
  money daily_loss_limit = money::from_raw(2'000 * money::scale);
};

struct control_command {
  control_kind kind = control_kind::status_snapshot;
  trading_state state = trading_state::active;
  uint64_t request_id = 0;
  risk_limits limits;
};

/// The hot loop's answer to status_snapshot, published back to the control plane.
struct engine_status {
  uint64_t request_id = 0;
  trading_state state = trading_state::active;
  bool kill_switch = false;
  uint64_t events_in = 0;
  uint64_t events_dropped = 0;
  uint64_t decisions = 0;
  uint64_t rejections = 0;
  uint64_t orders = 0;
  uint64_t fills = 0;
  money realized_pnl;
  money unrealized_pnl;
  timestamp last_event_time;
};

static_assert(std::is_trivially_copyable_v<market_event>);
static_assert(std::is_trivially_copyable_v<signal>);
static_assert(std::is_trivially_copyable_v<order_intent>);
static_assert(std::is_trivially_copyable_v<risk_verdict>);
static_assert(std::is_trivially_copyable_v<order_command>);
static_assert(std::is_trivially_copyable_v<execution_report>);
static_assert(std::is_trivially_copyable_v<broker_event>);
static_assert(std::is_trivially_copyable_v<audit_row>);
static_assert(std::is_trivially_copyable_v<control_command>);
static_assert(std::is_trivially_copyable_v<engine_status>);
static_assert(sizeof(market_event) <= 96, "keep market events within 1.5 cache lines");

}  // namespace torghut
