#pragma once
/// risk actor: every order intent passes through `check`, which names the first rule that
/// rejects it. Nothing bypasses risk. Cancels always pass. Rules, in evaluation order:
///   kill switch → reconciliation (with a broker: none before start-up reconciliation succeeded)
///   → trading state (HALTED rejects, REDUCING allows only position-reducing orders)
///   → audit back-pressure → symbol allow-list → symbol halted → quantity (>0, ≤ max)
///   → duplicate decision hash → reference price (a quote or trade must exist)
///   → price collar (limit price, or the market reference, vs the last quote mid)
///   → notional per order (and the strategy's max_notional_per_trade)
///   → position as % of equity (and the strategy's max_position_pct_equity)
///   → daily loss limit (realized + unrealized vs start-of-day equity) → order rate (token bucket).
/// Positions, cash and P&L update from execution reports; marks come from quotes and trades.
///
/// Choices where the rules leave room:
///  - "Reducing" means: the order is opposite to the symbol's filled position and its quantity,
///    plus every approved-but-unfinished order on the same side, does not exceed that position.
///    Reducing orders skip audit back-pressure, position-%-of-equity and daily-loss rules.
///  - Halts: status "H" (halt) or "P" (volatility pause), or the `halted` flag on any event,
///    halt a symbol; only status "T" resumes it. Out-of-order quotes and trades move no prices.
///  - Approved orders count as open exposure (per symbol and side) until fills consume them or a
///    terminal execution report releases the unfilled rest.
///  - Reference price: the last two-sided quote mid; without one, the last trade price; with
///    neither, `no_reference_price`. The collar compares the limit price (limit, stop_limit) or
///    the intent's reference price (market, stop; skipped when it is zero) with that reference.
///  - Order price for notional and position checks: the limit price for limit orders; otherwise
///    the higher of the intent's reference price and the touch (ask for buys, bid for sells).
///  - Position rule: |filled + open same-side + this order| × order price must not exceed
///    min(global pct, strategy pct) × equity; positions are per symbol, not per strategy. An
///    unknown strategy id gets only the global limits.
///  - Percentages are converted once (construction, reload) to parts per billion; the hot path
///    compares in 128-bit integers. A NaN or negative percentage becomes 0 (rejects everything).
///  - The duplicate-hash set has `hash_slots` slots; once it holds `hash_max_entries` hashes,
///    new orders fail closed as `duplicate_decision` (uniqueness can no longer be proven). At
///    Alpaca's 200 orders/minute that takes over 30 hours of continuous trading.
///  - A fill whose ledger arithmetic would overflow leaves the ledger untouched and makes every
///    later new order fail with `arithmetic_overflow` (the books can no longer be trusted).
///  - If the verdict mailbox is full, an approved verdict is audited and counted in
///    `back_pressured` but records neither hash, exposure nor rate token, so a retry can pass.

#include <array>
#include <cstdint>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::actors {

/// A token bucket: `rate_per_minute` tokens a minute, at most `burst` stored. Pure: time is
/// passed in.
class token_bucket {
 public:
  token_bucket(uint32_t rate_per_minute, uint32_t burst) noexcept;
  [[nodiscard]] bool try_take(timestamp now) noexcept;
  void reconfigure(uint32_t rate_per_minute, uint32_t burst) noexcept;

 private:
  int64_t ns_per_token_;
  int64_t capacity_ns_;  // burst × ns_per_token
  int64_t last_ns_ = 0;
  int64_t credit_ns_;    // stored credit in nanoseconds of refill time
  bool started_ = false;
};

struct position {
  quantity qty;          ///< signed: > 0 long, < 0 short
  money cost_basis;      ///< signed total cost of the open quantity
  money realized_pnl;
  price mark;            ///< last trade or quote mid
};

struct risk_stats {
  uint64_t checked = 0;
  uint64_t approved = 0;
  uint64_t rejected = 0;
  std::array<uint64_t, risk_reason_count> by_reason{};
  uint64_t back_pressured = 0;
};

class risk_engine {
 public:
  risk_engine(const engine_config& cfg, const symbol_table& symbols, mailbox<risk_verdict>& out,
              audit_sink& audit, const clock& clk);

  /// Checks the intent, pushes a verdict (approved or not) to the output and the audit trail.
  void on_order_intent(const order_intent& intent) noexcept;
  /// Pure check: the reason the intent would be rejected, or approved. On approval the caller
  /// (on_intent) records the hash and takes a rate token; `check` itself changes nothing observable
  /// (it only caches allow-list lookups per symbol id).
  [[nodiscard]] risk_reason check(const order_intent& intent) const noexcept;
  /// Quotes and trades update marks and collar references; status events track halts.
  void on_market_event(const market_event& ev) noexcept;
  /// Fills update positions, cash and realized P&L; terminal reports release open exposure.
  void on_execution_report(const execution_report& r) noexcept;
  /// Kill switch, trading state, limits reload.
  void on_control_command(const control_command& c) noexcept;

  // --- reconciliation with a broker (Alpaca REST) ------------------------------------------
  /// When required, every new order is rejected with `awaiting_reconciliation` until
  /// set_reconciled(true). Trading through a broker requires it from the start.
  void require_reconciliation(bool on) noexcept { reconciled_ = !on; }
  void set_reconciled(bool ok) noexcept { reconciled_ = ok; }
  [[nodiscard]] bool reconciled() const noexcept { return reconciled_; }
  /// Makes the symbol's position the broker's: `qty` signed, cost basis qty × avg entry price.
  /// Realized P&L is kept. Returns true when it differed from the local position.
  bool set_position(symbol_id s, quantity qty, price avg_entry) noexcept;
  /// Counts the unfilled rest of an open broker order as open exposure (adopted orders).
  void add_open_exposure(symbol_id s, side sd, quantity q) noexcept;
  /// Records a decision hash as already used (an adopted order's), so it cannot be sent again.
  void remember_decision(decision_hash h) noexcept { remember_hash(h); }
  /// Takes the broker's account equity as the equity (start-of-day base = equity − unrealized).
  void set_equity(money equity) noexcept;

  [[nodiscard]] trading_state state() const noexcept { return state_; }
  [[nodiscard]] bool kill_switch() const noexcept { return kill_switch_; }
  [[nodiscard]] const position& position_of(symbol_id s) const noexcept;
  [[nodiscard]] money realized_pnl() const noexcept;
  [[nodiscard]] money unrealized_pnl() const noexcept;
  [[nodiscard]] money equity() const noexcept;  ///< starting equity + realized + unrealized
  [[nodiscard]] const risk_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const risk_limits& limits() const noexcept { return limits_; }

 private:
  /// 8 MiB: 367k decisions before the set is full, 30 hours at Alpaca's 200 orders a minute.
  static constexpr uint32_t hash_slots = 1u << 19;
  static constexpr uint32_t hash_max_entries = hash_slots / 10 * 7;

  /// True when the order shrinks the symbol's position, counting same-side open orders.
  [[nodiscard]] bool reduces_position(const order_intent& i) const noexcept;
  [[nodiscard]] bool seen_hash(decision_hash h) const noexcept;
  void remember_hash(decision_hash h) noexcept;
  /// Allow-list lookup, resolved through the symbol table once per id and cached.
  [[nodiscard]] bool symbol_allowed(symbol_id s) const noexcept;
  /// The rules for a new order, with `now` for the rate check.
  [[nodiscard]] risk_reason check_new_order(const order_intent& i, timestamp now) const noexcept;
  /// Average-cost position update; realizes P&L on the reducing part.
  void apply_fill(uint32_t s, side sd, quantity q, price px) noexcept;
  void release_exposure(uint32_t s, side sd, quantity q) noexcept;
  void set_mark(uint32_t s, price px) noexcept;
  void refresh_unrealized(uint32_t s) noexcept;
  /// Percentages → parts per billion (construction and reload).
  void convert_limits() noexcept;

  risk_limits limits_;
  std::vector<strategy_config> strategies_;
  money starting_equity_;
  const symbol_table& symbols_;
  mailbox<risk_verdict>& out_;
  audit_sink& audit_;
  const clock& clock_;
  trading_state state_ = trading_state::active;
  bool kill_switch_ = false;
  token_bucket bucket_;
  std::vector<symbol_text> allowed_names_;  // sorted allow-list, built at construction
  mutable std::vector<uint8_t> allowed_;     // per symbol id: 0 unresolved, 1 allowed, 2 not
  std::vector<uint8_t> halted_;    // per symbol id
  std::vector<price> bid_, ask_, last_;
  std::vector<position> positions_;
  std::vector<decision_hash> hashes_;  // open-addressing set, fixed capacity
  uint32_t hash_count_ = 0;
  bool zero_hash_seen_ = false;  // {0,0} marks an empty slot, so that hash is kept apart
  std::vector<quantity> open_buy_, open_sell_;  // approved, not yet filled or finished
  std::vector<money> unrealized_;                // per symbol: mark × qty − cost basis
  money unrealized_total_;
  std::vector<int64_t> strategy_position_ppb_;   // parallel to strategies_
  int64_t collar_ppb_ = 0;
  int64_t position_ppb_ = 0;
  bool ledger_overflow_ = false;
  bool reconciled_ = true;
  money realized_total_;
  risk_stats stats_;
};

}  // namespace torghut::actors
