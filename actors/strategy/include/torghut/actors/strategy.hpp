#pragma once
/// strategy actor: keeps an indicator_set per symbol and runs the configured deterministic
/// strategies on every closed microbar. Each decision becomes an order_intent carrying its
/// decision_hash. Strategies are long-only and take one position per (strategy, symbol):
///  - macd_rsi: buy when MACD crosses above its signal while RSI14 < rsi_buy_below; sell the
///    position when MACD crosses below its signal while RSI14 > rsi_sell_above.
///  - bollinger_reversion: buy when the close is below the lower band; sell the position when
///    the close is at or above the mid band.
/// Quantity = floor(min(max_notional_per_trade, max_position_pct_equity × equity) / price), in
/// whole shares. No new intent for a (strategy, symbol) while one of its orders is open.
/// A MACD cross compares the histogram of the previous and the current closed microbar
/// (up: prev ≤ 0 < cur; down: prev ≥ 0 > cur), so both bars need a ready MACD signal.
/// Bollinger bands are recomputed with the strategy's own k from the snapshot's Bollinger(20, 2).

#include <cstdint>
#include <string>
#include <vector>

#include "torghut/sdk/indicators.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/signal_sink.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::sdk {

struct strategy_stats {
  uint64_t bars = 0;
  uint64_t decisions = 0;
  uint64_t suppressed_pending = 0;  ///< signals ignored because an order was still open
  uint64_t gaps = 0;
  uint64_t back_pressured = 0;
};

class strategy_engine {
 public:
  strategy_engine(const engine_config& cfg, const symbol_table& symbols, mailbox<order_intent>& out,
                  audit_sink& audit, const clock& clk);

  /// Quotes feed the imbalance indicators; final microbars update indicators and evaluate
  /// strategies; a gap resets every indicator set (warm-up again); halted events never trade.
  void on_market_event(const market_event& ev) noexcept;
  /// Every risk verdict: a rejection clears the pending flag of its (strategy, symbol).
  void on_risk_verdict(const risk_verdict& v) noexcept;
  /// Fills move the strategy's own position; a terminal order clears the pending flag.
  void on_execution_report(const execution_report& r) noexcept;
  /// Equity used for max_position_pct_equity sizing (risk publishes it after fills).
  void set_equity(money equity) noexcept { equity_ = equity; }
  /// Every closed final microbar's indicator snapshot also goes to `s` (nullptr: off).
  void set_signal_sink(signal_sink* s) noexcept { signals_ = s; }

  [[nodiscard]] indicator_snapshot indicators(symbol_id s) const noexcept;
  [[nodiscard]] const strategy_stats& stats() const noexcept { return stats_; }
  /// Fingerprint of a strategy's parameters (part of every decision hash).
  [[nodiscard]] static uint64_t params_fingerprint(const strategy_config& c) noexcept;

  /// Reason codes carried in order_intent::rationale.
  enum rationale_code : uint8_t {
    rationale_macd_cross_up = 1,
    rationale_macd_cross_down = 2,
    rationale_below_lower_band = 3,
    rationale_back_to_mid_band = 4,
    rationale_probe = 5,
  };

 private:
  /// Decision state of one (strategy, symbol).
  struct per_strategy_symbol {
    quantity position;     ///< this strategy's own position, moved by fills
    bool pending = false;  ///< an intent is out and not yet rejected or terminal
  };
  /// Membership cache values of in_universe_.
  enum : uint8_t { universe_unknown = 0, universe_in = 1, universe_out = 2 };

  void evaluate(symbol_id s, const market_event& bar) noexcept;
  /// tick_probe strategies: one order per trade print.
  void probe(const market_event& trade) noexcept;
  /// Whether strategy `i` trades symbol `s`: resolved by name on first use, then cached.
  [[nodiscard]] bool in_universe(size_t i, symbol_id s) noexcept;
  /// Index of the strategy with id `id`, or strategies_.size() when unknown.
  [[nodiscard]] size_t strategy_index(strategy_id id) const noexcept;
  [[nodiscard]] per_strategy_symbol* find_pss(strategy_id id, symbol_id s) noexcept;
  /// Pushes an intent and audits it; false when the mailbox is full.
  bool emit(size_t i, symbol_id s, const market_event& bar, side action, quantity qty,
            uint8_t rationale) noexcept;
  bool emit(size_t i, symbol_id s, const market_event& ev, side action, quantity qty,
            uint8_t rationale, price reference) noexcept;
  bool has_probe_ = false;

  std::vector<strategy_config> strategies_;
  std::vector<uint64_t> fingerprints_;
  const symbol_table& symbols_;
  mailbox<order_intent>& out_;
  audit_sink& audit_;
  const clock& clock_;
  money equity_;
  std::vector<indicator_set> ind_;        // per symbol
  std::vector<indicator_snapshot> prev_;  // previous bar's snapshot per symbol
  std::vector<per_strategy_symbol> pss_;  // strategies × symbols
  std::vector<uint8_t> in_universe_;      // strategies × symbols
  /// Per strategy: the symbol names it may trade (its universe, or the allow-list if empty).
  std::vector<std::vector<std::string>> universe_names_;
  uint32_t capacity_ = 0;  // symbols.capacity() at construction
  uint32_t used_ = 0;      // 1 + highest symbol id seen (a gap resets only these)
  strategy_stats stats_;
  signal_sink* signals_ = nullptr;
};

}  // namespace torghut::sdk
