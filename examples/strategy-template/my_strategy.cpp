// my_strategy: a moving-average crossover, written on the torghut SDK and loaded by the engine
// from a shared library (`library = "..."` in a `[[strategies]]` table).
//
// On every closed bar of its timeframe (`base_timeframe`, 1Sec in config.toml) it updates a fast
// and a slow simple moving average of the close. When the fast one crosses above the slow one
// while the strategy is flat, it buys what its budget allows (`max_notional_per_trade`,
// `max_position_pct_equity`); when it crosses below while long, it closes the position. Long
// only, one open order per symbol at a time. A halted bar never trades; a feed gap forgets the
// symbol's history, so the averages warm up again.
#include <stdexcept>
#include <vector>

#include <torghut/sdk/indicators.hpp>
#include <torghut/sdk/strategy.hpp>

namespace {

using namespace torghut;
using namespace torghut::sdk;

class sma_cross final : public sdk::strategy {
 public:
  // What `kind` says in config.toml, and what `torghut check-config` shows.
  static constexpr std::string_view kind = "sma_cross";
  static constexpr std::string_view summary =
      "fast SMA of bar closes crosses the slow SMA: buy on the cross up, close on the cross down";

  // The strategy's own parameters: keys of its [[strategies]] table, checked (type, bounds)
  // before the engine starts, every problem reported at once.
  static void declare(param_schema& s) {
    s.integer("fast_period", 10, 2, 1000, "bars in the fast moving average");
    s.integer("slow_period", 30, 3, 5000, "bars in the slow moving average (above fast_period)");
  }

  // Constructed once, before the engine starts, with validated parameters. Throwing here is a
  // configuration error: the engine says why and does not start.
  explicit sma_cross(const params& p)
      : fast_period_(static_cast<int>(p.integer("fast_period"))),
        slow_period_(static_cast<int>(p.integer("slow_period"))) {
    if (fast_period_ >= slow_period_)
      throw std::invalid_argument("sma_cross: fast_period must be below slow_period");
  }

  // Symbol ids are dense below symbol_capacity(): the per-symbol state is allocated here, once,
  // so that no callback allocates.
  void on_start(context& ctx) override {
    sym_.assign(ctx.symbol_capacity(), per_symbol(fast_period_, slow_period_));
  }

  void on_bar(context& ctx, const bar& b) override {
    // Only the engine's bars of our timeframe (Alpaca's own bars come too with `alpaca_bars`).
    if (b.source != bar_source::engine || b.symbol.value >= sym_.size()) return;
    per_symbol& st = sym_[b.symbol.value];
    const double close = b.close.to_double();
    const double fast = st.fast.update(close);
    const double slow = st.slow.update(close);
    ++st.bars;
    const double diff = fast - slow;
    const bool was_ready = st.ready;
    const double prev = st.prev_diff;
    st.ready = st.slow.ready();
    st.prev_diff = diff;
    if (b.halted || !st.ready || !was_ready || st.bars < ctx.config().warmup_bars) return;
    if (ctx.open_order_count(b.symbol) != 0) return;  // one order at a time

    const bool flat = !ctx.position_qty(b.symbol).is_positive();
    if (flat && prev <= 0 && diff > 0) {
      const quantity qty = ctx.shares_for_budget(b.close);
      if (!qty.is_positive()) return;  // the budget does not buy one share
      // The rationale goes with the decision into the audit trail (47 characters at most).
      ctx.market(b.symbol, side::buy, qty,
                 rationale("fast sma ").num(fast, 4).add(" crossed above slow ").num(slow, 4));
    } else if (!flat && prev >= 0 && diff < 0) {
      ctx.close_position(
          b.symbol, rationale("fast sma ").num(fast, 4).add(" crossed below slow ").num(slow, 4));
    }
  }

  // A gap in the feed (a reconnect or a stall): the averages no longer describe the market.
  void on_feed_gap(context&, const feed_gap& g) override {
    if (!g.symbol.valid()) {
      for (per_symbol& s : sym_) s.reset();
    } else if (g.symbol.value < sym_.size()) {
      sym_[g.symbol.value].reset();
    }
  }

 private:
  struct per_symbol {
    per_symbol(int fast_period, int slow_period) : fast(fast_period), slow(slow_period) {}
    sdk::sma fast;
    sdk::sma slow;
    double prev_diff = 0;  // fast - slow at the previous bar
    bool ready = false;    // both averages were full at the previous bar
    uint32_t bars = 0;     // bars since the start or the last gap
    void reset() noexcept {
      fast.reset();
      slow.reset();
      prev_diff = 0;
      ready = false;
      bars = 0;
    }
  };

  int fast_period_;
  int slow_period_;
  std::vector<per_symbol> sym_;
};

}  // namespace

// The one symbol the engine looks for in this library: torghut_strategy_descriptor().
TORGHUT_STRATEGY_LIBRARY(sma_cross)
