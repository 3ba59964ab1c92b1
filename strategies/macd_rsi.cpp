// macd_rsi: buy when MACD(12, 26, 9) crosses above its signal while RSI(14) is below
// `rsi_buy_below`; sell the position when MACD crosses below its signal while RSI is above
// `rsi_sell_above`. Long only, one open order per symbol, sized by the strategy's budget.
//
// A cross compares the histogram of the previous and the current closed bar (up: prev <= 0 <
// cur; down: prev >= 0 > cur), so both bars need a ready MACD signal. Indicators move on halted
// bars too, but a halted bar never trades; a feed gap forgets the history (warm-up again).
#include <vector>

#include "torghut/sdk/indicators.hpp"
#include "torghut/sdk/strategy.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::strategies {
namespace {

using namespace torghut::sdk;

class macd_rsi final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "macd_rsi";
  static constexpr std::string_view summary =
      "MACD(12,26,9) crosses its signal line, filtered by RSI(14); long only";

  static void declare(param_schema& s) {
    s.number("rsi_buy_below", 70.0, 0, 100, "buy on a MACD cross up only while RSI is below this",
             /*min_open=*/true, /*max_open=*/false);
    s.number("rsi_sell_above", 30.0, 0, 100,
             "sell on a MACD cross down only while RSI is above this", false, /*max_open=*/true);
  }

  explicit macd_rsi(const params& p)
      : buy_below_(p.number("rsi_buy_below")), sell_above_(p.number("rsi_sell_above")) {}

  void on_start(context& ctx) override { sym_.assign(ctx.symbol_capacity(), per_symbol{}); }

  void on_bar(context& ctx, const bar& b) override {
    if (b.source != bar_source::engine || b.symbol.value >= sym_.size()) return;
    per_symbol& st = sym_[b.symbol.value];
    const double close = b.close.to_double();
    st.macd.update(close);
    st.rsi.update(close);
    ++st.bars;
    const bool ready = st.macd.ready() && st.rsi.ready();
    const double hist = st.macd.histogram();
    const bool prev_ready = st.prev_ready;
    const double prev = st.prev_hist;
    st.prev_ready = st.macd.ready();
    st.prev_hist = hist;
    if (b.halted || st.bars < ctx.config().warmup_bars || !ready || !prev_ready) return;

    const bool flat = !ctx.position_qty(b.symbol).is_positive();
    const double rsi = st.rsi.value();
    if (flat && prev <= 0 && hist > 0 && rsi < buy_below_) {
      if (ctx.open_order_count(b.symbol) != 0) return;  // one order at a time
      const quantity qty = ctx.shares_for_budget(b.close);
      if (!qty.is_positive()) return;
      ctx.market(b.symbol, side::buy, qty,
                 rationale("macd crossed above signal, rsi ").num(rsi, 1).add(" < ").num(buy_below_, 0));
    } else if (!flat && prev >= 0 && hist < 0 && rsi > sell_above_) {
      if (ctx.open_order_count(b.symbol) != 0) return;
      ctx.close_position(
          b.symbol, rationale("macd crossed below signal, rsi ").num(rsi, 1).add(" > ").num(sell_above_, 0));
    }
  }

  void on_feed_gap(context&, const feed_gap& g) override {
    if (!g.symbol.valid()) {
      for (auto& s : sym_) s.reset();
    } else if (g.symbol.value < sym_.size()) {
      sym_[g.symbol.value].reset();
    }
  }

 private:
  struct per_symbol {
    sdk::macd macd;
    sdk::rsi rsi{14};
    double prev_hist = 0;
    bool prev_ready = false;
    uint32_t bars = 0;
    void reset() noexcept {
      macd.reset();
      rsi.reset();
      prev_hist = 0;
      prev_ready = false;
      bars = 0;
    }
  };
  double buy_below_, sell_above_;
  std::vector<per_symbol> sym_;
};

}  // namespace

TORGHUT_BUILTIN_STRATEGY(macd_rsi, 0)

}  // namespace torghut::strategies
