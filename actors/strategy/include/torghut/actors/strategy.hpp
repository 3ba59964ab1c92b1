#pragma once
/// strategy actor: hosts the configured SDK strategies (torghut/sdk/strategy.hpp) on the hot
/// thread. It turns market events into the SDK's callbacks (bars of each strategy's timeframe,
/// trades, quotes, gaps, halts, timers), execution reports and risk rejections into order
/// updates, and each strategy's actions into `order_intent`s with their decision hash and
/// rationale. It keeps every strategy's own positions, P&L and open orders, and the per-symbol
/// `ta_signals` indicator set (for `--signals`).
///
/// Fault isolation: a strategy that throws, or takes more than `max_actions_per_callback`
/// actions in one callback, is stopped alone: its open orders are canceled, an audit row
/// (anomaly `strategy_stopped`) is written, and `stopped()` tells the runtime why.
/// Allocation-free per event after construction and the first event (on_start).

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/signal_sink.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/sdk/indicators.hpp"
#include "torghut/sdk/strategy.hpp"

namespace torghut::actors {

using sdk::indicator_set;

struct strategy_stats {
  uint64_t bars = 0;  ///< closed final one-second microbars seen
  uint64_t decisions = 0;
  uint64_t gaps = 0;
  uint64_t back_pressured = 0;   ///< actions refused because the intent mailbox was full
  uint64_t refused_actions = 0;  ///< actions refused for any other reason
  uint64_t callbacks = 0;
  uint64_t stopped = 0;  ///< strategies stopped by a fault
};

/// A strategy that was stopped, and why.
struct stopped_strategy {
  strategy_id id;
  std::string_view name;
  std::string_view reason;
};

/// Why a strategy could not be built from its config (unknown kind, bad parameters).
struct strategy_setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class strategy_engine {
 public:
  /// Builds every enabled strategy of `cfg` from `catalog` (the built-ins plus any loaded
  /// libraries). Throws strategy_setup_error listing every problem (unknown kind, parameters
  /// that do not match the strategy's declaration).
  strategy_engine(const engine_config& cfg, std::span<const sdk::descriptor* const> catalog,
                  const symbol_table& symbols, mailbox<order_intent>& out, audit_sink& audit,
                  const clock& clk);
  ~strategy_engine();
  strategy_engine(const strategy_engine&) = delete;
  strategy_engine& operator=(const strategy_engine&) = delete;

  /// Quotes and trades go to the strategies that take them; final microbars update the
  /// indicator set and close every strategy's bars; a gap resets and tells the strategies.
  void on_market_event(const market_event& ev) noexcept;
  /// Market time advanced: fires due timers and closes longer bars whose time is over.
  void on_time(timestamp now) noexcept;
  /// A risk rejection is the `rejected` order update of that intent.
  void on_risk_verdict(const risk_verdict& v) noexcept;
  /// Fills move the strategy's own position and P&L; state changes become order updates.
  void on_execution_report(const execution_report& r) noexcept;
  /// Tells the strategies when risk's trading state changes (no call when it did not).
  void on_trading_state(trading_state s) noexcept;
  /// The operator's cancel-all: a cancel for every open order of every strategy (running or
  /// stopped), as each strategy's own cancel would send it. Returns how many were requested.
  uint32_t cancel_all_orders() noexcept;
  /// Equity used for sizing and `account_state()` (risk publishes it after fills).
  void set_equity(money equity) noexcept { equity_ = equity; }
  /// Every closed final microbar's indicator snapshot also goes to `s` (nullptr: off); turns
  /// on track_indicators.
  void set_signal_sink(signal_sink* s) noexcept {
    signals_ = s;
    track_indicators_ = track_indicators_ || s != nullptr;
  }
  /// Keeps the per-symbol `ta_signals` set up to date (for indicators() and --signals). Off by
  /// default: the strategies keep their own indicators, and nobody else reads these.
  void track_indicators(bool on) noexcept { track_indicators_ = on; }
  /// Calls on_stop of every running strategy (once; actions are refused there).
  void finish() noexcept;

  /// The `ta_signals` set of `s` (all zero unless track_indicators is on).
  [[nodiscard]] indicator_snapshot indicators(symbol_id s) const noexcept;
  [[nodiscard]] const strategy_stats& stats() const noexcept { return stats_; }
  /// Number of hosted (enabled) strategies.
  [[nodiscard]] size_t size() const noexcept;
  /// Strategies stopped by a fault so far, with their reasons (for the log and status). Safe
  /// to call from another thread while the hot thread runs (records are published with a
  /// release store of the count).
  [[nodiscard]] size_t stopped(std::span<stopped_strategy> out) const noexcept;
  /// How many strategies have been stopped (any thread).
  [[nodiscard]] uint32_t stopped_count() const noexcept { return stopped_n_.load(std::memory_order_acquire); }
  /// Position of strategy `id` in `s` (flat for an unknown strategy).
  [[nodiscard]] sdk::position position(strategy_id id, symbol_id s) const noexcept;
  /// Callback time per strategy is not measured here: `torghut check-strategy` does it.

  class slot;  // one hosted strategy (and its sdk::context)

 private:
  /// Runs `f(slot)` for every running slot that takes callback `bit`, each inside its own
  /// fault boundary.
  template <class F>
  void dispatch(uint32_t bit, F&& f) noexcept;
  template <class F>
  void guarded(slot& s, F&& f) noexcept;
  void stop_slot(slot& s, std::string_view reason) noexcept;
  void start_all() noexcept;
  void fire_timers(timestamp now) noexcept;
  void close_long_bars(timestamp now) noexcept;
  /// A closed one-second bar to every strategy of its symbol (folded into longer bars first).
  void deliver_bar(const sdk::bar& b) noexcept;
  /// Delivers the open longer bar of `symbol` in slot `sl` and closes it.
  void close_agg(slot& sl, uint32_t symbol) noexcept;
  void note_halt(symbol_id s, bool halted) noexcept;
  /// The event being handled: its event time (the decision hash's), market time, and the
  /// reference price of its symbol.
  void set_event(timestamp event_time, timestamp now, symbol_id ref_symbol, price ref_px) noexcept;
  void set_ref(symbol_id s, price px) noexcept;
  /// Last trade price, else quote mid, else 0.
  [[nodiscard]] price mark(symbol_id s) const noexcept;
  /// The reference price of an intent on `s`: the handled event's price when it is about `s`.
  [[nodiscard]] price reference_for(symbol_id s) const noexcept;
  bool push_intent(order_intent& in) noexcept;
  [[nodiscard]] slot* find_slot(strategy_id id) noexcept;

  std::vector<std::unique_ptr<slot>> slots_;
  const symbol_table& symbols_;
  mailbox<order_intent>& out_;
  audit_sink& audit_;
  const clock& clock_;
  money equity_;
  uint32_t capacity_ = 0;  // symbols.capacity() at construction
  uint32_t used_ = 0;      // 1 + highest symbol id seen (a gap resets only these)
  uint32_t callbacks_ = 0;  // union of the slots' callback bits
  bool started_ = false;
  bool has_long_bars_ = false;
  bool track_indicators_ = false;  // some strategy's timeframe is longer than 1Sec
  bool finished_ = false;
  trading_state trading_ = trading_state::active;
  timestamp next_timer_ = timestamp{INT64_MAX};
  std::vector<indicator_set> ind_;   // per symbol: the ta_signals set
  std::vector<sdk::quote> quotes_;   // per symbol: latest quote (symbol invalid: none yet)
  std::vector<sdk::trade> trades_;   // per symbol: latest trade (symbol invalid: none yet)
  std::vector<uint8_t> halted_;      // per symbol: 1 while halted
  signal_sink* signals_ = nullptr;
  strategy_stats stats_;
  /// Stopped strategies, written by the hot thread before stopped_n_ is raised.
  struct stop_record {
    strategy_id id;
    std::string_view name;
    fixed_string<120> reason;
  };
  static constexpr size_t max_stop_records = 64;
  std::array<stop_record, max_stop_records> stop_records_{};
  std::atomic<uint32_t> stopped_n_{0};
  timestamp current_event_time_;
  timestamp current_now_;
  symbol_id ref_symbol_;
  price ref_px_;
};

}  // namespace torghut::actors
