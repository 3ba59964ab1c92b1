#pragma once
/// The torghut strategy SDK: write a class derived from `sdk::strategy`, override the callbacks
/// you need, act through the `sdk::context` you are handed, and the same code runs in a replay,
/// against the simulator, in paper, shadow and live trading (docs/STRATEGIES.md).
///
/// What the SDK promises a strategy:
///  - Every callback runs on the engine's one hot thread, one at a time: no locks are needed
///    and none may be taken. Callbacks for one symbol arrive in market-time order; a bar is
///    delivered after every trade that formed it.
///  - Time is market time (`context::now()`): the event time of what is being handled (in a
///    replay, the recording's time). There is no wall clock, socket, file or thread in the API.
///  - An action (`submit`, `cancel`, ...) returns at once with a typed result; an accepted one
///    is an `order_intent` with its decision hash, which risk checks (and may veto) before any
///    order exists. The outcome arrives later as `on_order_update`.
///  - A strategy that throws, or takes more than `max_actions_per_callback` actions in one
///    callback, is stopped alone: its open orders are canceled, the others keep trading, and an
///    audit row and the engine's log say why.
/// What a strategy promises the engine: no allocation, blocking or I/O in callbacks after
/// `on_start` (`torghut check-strategy` measures it), and determinism: the same events give the
/// same actions.

#include <charconv>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

#include "torghut/core/config.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/types.hpp"
#include "torghut/sdk/events.hpp"
#include "torghut/sdk/params.hpp"

namespace torghut::sdk {

/// A decision's human-readable reason: fixed capacity (47 characters; longer text is cut),
/// built without allocation: `rationale("rsi ").num(rsi, 1).add(" < ").num(limit, 0)`.
class rationale {
 public:
  constexpr rationale() noexcept = default;
  /// Starts with `text`.
  constexpr rationale(std::string_view text) noexcept { add(text); }  // NOLINT: implicit by design
  /// Starts with a string literal.
  constexpr rationale(const char* text) noexcept { add(std::string_view(text)); }  // NOLINT
  /// Appends `text` (cut at capacity).
  constexpr rationale& add(std::string_view text) noexcept {
    for (char c : text) {
      if (t_.len >= t_.data.size()) break;
      t_.data[t_.len++] = c;
    }
    return *this;
  }
  /// Appends `v` with `decimals` digits after the point.
  rationale& num(double v, int decimals = 2) noexcept {
    char b[40];
    const auto r = std::to_chars(b, b + sizeof b, v, std::chars_format::fixed, decimals);
    return r.ec == std::errc{} ? add(std::string_view(b, static_cast<size_t>(r.ptr - b))) : add("?");
  }
  /// Appends an integer.
  rationale& num(int64_t v) noexcept {
    char b[24];
    const auto r = std::to_chars(b, b + sizeof b, v);
    return add(std::string_view(b, static_cast<size_t>(r.ptr - b)));
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return t_.view(); }
  [[nodiscard]] constexpr const rationale_text& text() const noexcept { return t_; }

 private:
  rationale_text t_{};
};

/// An order a strategy asks for. Quantity is in shares (fixed point: fractional where Alpaca
/// allows it, i.e. market and limit orders with time in force `day`).
struct order_request {
  symbol_id symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  quantity qty;
  price limit_px;  ///< limit and stop_limit
  price stop_px;   ///< stop and stop_limit
};

/// Why an action was not taken (or `accepted`: it is an order intent on its way to risk).
enum class action_status : uint8_t {
  accepted,
  invalid_quantity,      ///< zero, negative, or fractional where Alpaca does not allow it
  invalid_price,         ///< a limit or stop price missing, zero or negative
  invalid_order,         ///< a type/time-in-force combination Alpaca does not accept
  unknown_symbol,        ///< not a symbol the engine knows
  not_in_universe,       ///< the symbol is outside this strategy's universe
  unknown_order,         ///< cancel/replace of an order that is not open
  nothing_to_do,         ///< close_position while flat, cancel_all with nothing open
  too_many_open_orders,  ///< this strategy's open-order table is full
  too_many_timers,       ///< this strategy's timer table is full
  queue_full,            ///< the intent mailbox is full (back-pressure): try again later
  stopped,               ///< the strategy was stopped (or the action came from on_stop)
};
[[nodiscard]] std::string_view to_string(action_status s) noexcept;

/// The result of an action: accepted (with the order it created, if any) or why not.
struct action_result {
  action_status status = action_status::accepted;
  order_ref order;  ///< submit and replace: the new order
  [[nodiscard]] constexpr bool ok() const noexcept { return status == action_status::accepted; }
  constexpr explicit operator bool() const noexcept { return ok(); }
};

/// A position of this strategy in one symbol (its own fills only, not the account's).
struct position {
  quantity qty;            ///< signed: negative is short
  price avg_cost;          ///< average entry price of the open quantity (0 when flat)
  money realized_pnl;      ///< from closed quantity, since start
  money unrealized_pnl;    ///< open quantity marked at the last trade (or quote mid)
  [[nodiscard]] constexpr bool flat() const noexcept { return qty.raw == 0; }
};

/// The account as this engine sees it.
struct account {
  money equity;        ///< starting equity + realized + unrealized (the broker's after a reconcile)
  money buying_power;  ///< equity less the notional of this engine's open buy orders
};

/// One of this strategy's open orders.
struct open_order {
  order_ref order;
  symbol_id symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  quantity qty;
  quantity filled_qty;
  price limit_px;
  price stop_px;
  bool routed = false;  ///< the router has given it an id (a cancel goes out at once)
};

/// Settings every strategy has (the `[[strategies]]` table's common keys).
struct settings {
  strategy_id id;
  std::string_view name;
  timeframe bars = timeframe::s1;
  uint32_t warmup_bars = 0;
  double max_position_pct_equity = 0;
  money max_notional_per_trade;
};

/// Everything a strategy may see and do. The engine implements it; a strategy only uses it
/// during a callback.
class context {
 public:
  virtual ~context() = default;

  // --- time and identity ----------------------------------------------------------------
  /// Market time: the event time of what is being handled (never the wall clock).
  [[nodiscard]] virtual timestamp now() const noexcept = 0;
  /// This strategy's common settings.
  [[nodiscard]] virtual const settings& config() const noexcept = 0;
  /// A symbol's text ("AAPL"); empty for an unknown id.
  [[nodiscard]] virtual std::string_view symbol_name(symbol_id s) const noexcept = 0;
  /// A symbol's id, or an invalid id when the engine does not know it.
  [[nodiscard]] virtual symbol_id symbol(std::string_view name) const noexcept = 0;
  /// Symbol ids are dense, below this bound: size per-symbol state with it (in on_start).
  [[nodiscard]] virtual uint32_t symbol_capacity() const noexcept = 0;
  /// Whether `s` is in this strategy's universe.
  [[nodiscard]] virtual bool in_universe(symbol_id s) const noexcept = 0;

  // --- portfolio and market ------------------------------------------------------------
  /// This strategy's position in `s`.
  [[nodiscard]] virtual position position_of(symbol_id s) const noexcept = 0;
  /// Just the signed quantity of position_of(s): the cheap question to ask on every bar.
  [[nodiscard]] virtual quantity position_qty(symbol_id s) const noexcept = 0;
  /// Equity and buying power.
  [[nodiscard]] virtual account account_state() const noexcept = 0;
  /// This strategy's open orders (every symbol).
  [[nodiscard]] virtual std::span<const open_order> open_orders() const noexcept = 0;
  /// Open orders of this strategy in `s`.
  [[nodiscard]] virtual uint32_t open_order_count(symbol_id s) const noexcept = 0;
  /// The latest quote of `s`, or nullptr before the first.
  [[nodiscard]] virtual const quote* last_quote(symbol_id s) const noexcept = 0;
  /// The latest trade of `s`, or nullptr before the first.
  [[nodiscard]] virtual const trade* last_trade(symbol_id s) const noexcept = 0;
  /// Closed bars of the strategy's timeframe seen for `s` since the start or the last gap.
  [[nodiscard]] virtual uint32_t bars_seen(symbol_id s) const noexcept = 0;
  /// The engine's trading state (risk's: active, reducing, halted).
  [[nodiscard]] virtual trading_state trading() const noexcept = 0;

  // --- actions (each returns at once) ---------------------------------------------------
  /// Places an order; `why` goes to the audit trail and `trade_decisions.rationale`.
  virtual action_result submit(const order_request& r, const rationale& why) noexcept = 0;
  /// Cancels an open order of this strategy.
  virtual action_result cancel(order_ref o, const rationale& why) noexcept = 0;
  /// Replaces an open order (cancel, then a new order with the new quantity and prices).
  virtual action_result replace(order_ref o, quantity qty, price limit_px, price stop_px,
                                const rationale& why) noexcept = 0;
  /// Closes this strategy's position in `s` with a market order.
  virtual action_result close_position(symbol_id s, const rationale& why) noexcept = 0;
  /// Cancels every open order of this strategy.
  virtual action_result cancel_all(const rationale& why) noexcept = 0;
  /// Calls `on_timer` once market time reaches `due`; `tag` is handed back. The result's
  /// status is `too_many_timers` when the strategy's 32 timers are all set.
  virtual action_result set_timer(timestamp due, uint64_t tag, uint32_t& id) noexcept = 0;
  /// Cancels a timer; false when it is not set.
  virtual bool cancel_timer(uint32_t id) noexcept = 0;

  // --- conveniences (non-virtual) -------------------------------------------------------
  /// A market order of `qty` shares.
  action_result market(symbol_id s, side sd, quantity qty, const rationale& why,
                       time_in_force tif = time_in_force::day) noexcept {
    return submit(request(s, sd, order_type::market, qty, tif, price{}, price{}), why);
  }
  /// A limit order.
  action_result limit(symbol_id s, side sd, quantity qty, price px, const rationale& why,
                      time_in_force tif = time_in_force::day) noexcept {
    return submit(request(s, sd, order_type::limit, qty, tif, px, price{}), why);
  }
  /// A stop (market) order.
  action_result stop(symbol_id s, side sd, quantity qty, price stop_px, const rationale& why,
                     time_in_force tif = time_in_force::day) noexcept {
    return submit(request(s, sd, order_type::stop, qty, tif, price{}, stop_px), why);
  }
  /// A stop-limit order.
  action_result stop_limit(symbol_id s, side sd, quantity qty, price stop_px, price limit_px,
                           const rationale& why,
                           time_in_force tif = time_in_force::day) noexcept {
    return submit(request(s, sd, order_type::stop_limit, qty, tif, limit_px, stop_px), why);
  }
  /// Whole shares worth at most min(max_notional_per_trade, max_position_pct_equity × equity)
  /// at `px` (zero when that does not buy one share).
  [[nodiscard]] quantity shares_for_budget(price px) const noexcept;

 protected:
  context() = default;
  context(const context&) = default;
  context& operator=(const context&) = default;

 private:
  static constexpr order_request request(symbol_id s, side sd, order_type t, quantity qty,
                                         time_in_force tif, price limit_px, price stop_px) noexcept {
    order_request r;
    r.symbol = s;
    r.order_side = sd;
    r.type = t;
    r.tif = tif;
    r.qty = qty;
    r.limit_px = limit_px;
    r.stop_px = stop_px;
    return r;
  }
};

/// A trading strategy. Every callback is optional; the engine calls only the ones a strategy
/// overrides (it finds out at compile time, see `describe<T>()`).
class strategy {
 public:
  virtual ~strategy() = default;
  /// Once, before the first event (actions are allowed: e.g. set a timer).
  virtual void on_start(context&) {}
  /// A closed bar of the configured timeframe (and Alpaca's own bars when `alpaca_bars`).
  virtual void on_bar(context&, const bar&) {}
  /// A trade print in the universe.
  virtual void on_trade(context&, const trade&) {}
  /// A quote in the universe.
  virtual void on_quote(context&, const quote&) {}
  /// One of this strategy's orders changed state.
  virtual void on_order_update(context&, const order_update&) {}
  /// A timer this strategy set is due.
  virtual void on_timer(context&, const timer_event&) {}
  /// The feed had a gap: history-based state may be stale.
  virtual void on_feed_gap(context&, const feed_gap&) {}
  /// A symbol in the universe was halted (`halted` true) or resumed.
  virtual void on_halt(context&, symbol_id, bool /*halted*/) {}
  /// The engine's trading state changed (kill switch, reducing, halted).
  virtual void on_trading_state(context&, trading_state) {}
  /// Once, at the end (actions are refused).
  virtual void on_stop(context&) {}

 protected:
  strategy() = default;
  strategy(const strategy&) = default;
  strategy& operator=(const strategy&) = default;
};

/// Which callbacks a strategy overrides (the engine dispatches only those).
namespace callback {
inline constexpr uint32_t start = 1u << 0, bar = 1u << 1, trade = 1u << 2, quote = 1u << 3,
                          order_update = 1u << 4, timer = 1u << 5, feed_gap = 1u << 6,
                          halt = 1u << 7, trading_state = 1u << 8, stop = 1u << 9;
}

/// What the engine needs to know about a strategy kind: its name, what it does, its parameters
/// and how to make one. A built-in or a shared library returns one from `describe<T>()`.
struct descriptor {
  uint32_t abi_version = 0;  ///< sdk::abi_version when it was built
  std::string_view kind;
  std::string_view summary;
  void (*declare)(param_schema&) = nullptr;
  std::unique_ptr<strategy> (*make)(const params&) = nullptr;
  uint32_t callbacks = 0;  ///< callback::* bits
  int legacy_code = -1;    ///< built-ins that predate the SDK: their old kind code (hash layout)
};

/// Bumped whenever a change to this header breaks shared libraries built against an older one.
inline constexpr uint32_t abi_version = 1;

namespace detail {
template <class T, class M>
constexpr bool overrides(M T::*) noexcept {
  return !std::is_same_v<T, strategy>;
}
}  // namespace detail

/// The descriptor of strategy class `T`. `T` needs `static constexpr std::string_view kind`,
/// `static constexpr std::string_view summary`, `static void declare(param_schema&)` and a
/// constructor from `const params&`.
template <class T>
[[nodiscard]] constexpr descriptor describe(int legacy_code = -1) noexcept {
  static_assert(std::is_base_of_v<strategy, T>, "a strategy derives from torghut::sdk::strategy");
  descriptor d;
  d.abi_version = abi_version;
  d.kind = T::kind;
  d.summary = T::summary;
  d.declare = &T::declare;
  d.make = +[](const params& p) -> std::unique_ptr<strategy> { return std::make_unique<T>(p); };
  using detail::overrides;
  d.callbacks = (overrides(&T::on_start) ? callback::start : 0u) |
                (overrides(&T::on_bar) ? callback::bar : 0u) |
                (overrides(&T::on_trade) ? callback::trade : 0u) |
                (overrides(&T::on_quote) ? callback::quote : 0u) |
                (overrides(&T::on_order_update) ? callback::order_update : 0u) |
                (overrides(&T::on_timer) ? callback::timer : 0u) |
                (overrides(&T::on_feed_gap) ? callback::feed_gap : 0u) |
                (overrides(&T::on_halt) ? callback::halt : 0u) |
                (overrides(&T::on_trading_state) ? callback::trading_state : 0u) |
                (overrides(&T::on_stop) ? callback::stop : 0u);
  d.legacy_code = legacy_code;
  return d;
}

}  // namespace torghut::sdk

/// Exports strategy class `T` from a shared library (`library = "path.so"` in `[[strategies]]`):
/// put it once in the library's source.
#define TORGHUT_STRATEGY_LIBRARY(T)                                                       \
  extern "C" __attribute__((visibility("default"))) const ::torghut::sdk::descriptor*    \
  torghut_strategy_descriptor() {                                                        \
    static const ::torghut::sdk::descriptor d = ::torghut::sdk::describe<T>();           \
    return &d;                                                                           \
  }
