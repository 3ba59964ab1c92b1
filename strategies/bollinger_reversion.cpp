// bollinger_reversion: buy when a bar closes below the lower Bollinger band (mid − k·σ over the
// last 20 closes, population σ); sell the position when a close is back at or above the mid
// band. Long only, one open order per symbol, sized by the strategy's budget. Indicators move on
// halted bars too, but a halted bar never trades; a feed gap forgets the history.
#include <vector>

#include "torghut/sdk/indicators.hpp"
#include "torghut/sdk/strategy.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::strategies {
namespace {

using namespace torghut::sdk;

class bollinger_reversion final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "bollinger_reversion";
  static constexpr std::string_view summary =
      "fade closes below the lower Bollinger(20, k) band, exit at the mid band; long only";

  static void declare(param_schema& s) {
    s.number("bollinger_k", 2.0, 0, 1e6, "band width in standard deviations", /*min_open=*/true);
  }

  explicit bollinger_reversion(const params& p) : k_(p.number("bollinger_k")) {}

  void on_start(context& ctx) override { sym_.assign(ctx.symbol_capacity(), per_symbol{}); }

  void on_bar(context& ctx, const bar& b) override {
    if (b.source != bar_source::engine || b.symbol.value >= sym_.size()) return;
    per_symbol& st = sym_[b.symbol.value];
    st.band.update(b.close.to_double());
    ++st.bars;
    if (b.halted || st.bars < ctx.config().warmup_bars || !st.band.ready()) return;
    // The band is derived from Bollinger(20, 2) exactly as before the SDK (σ = (upper − mid)/2),
    // so the decisions stay bit-identical to the recorded ones.
    const double mid = st.band.mid();
    const double stddev = (st.band.upper() - mid) / reference_k;
    const double lower = mid - k_ * stddev;
    const double px = b.close.to_double();
    const bool flat = !ctx.position_qty(b.symbol).is_positive();
    if (flat && px < lower) {
      if (ctx.open_order_count(b.symbol) != 0) return;
      const quantity qty = ctx.shares_for_budget(b.close);
      if (!qty.is_positive()) return;
      ctx.market(b.symbol, side::buy, qty,
                 rationale("close below lower band ").num(lower, 2).add(" (k ").num(k_, 2).add(")"));
    } else if (!flat && px >= mid) {
      if (ctx.open_order_count(b.symbol) != 0) return;
      ctx.close_position(b.symbol, rationale("close back at mid band ").num(mid, 2));
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
  static constexpr double reference_k = 2.0;
  struct per_symbol {
    sdk::bollinger band{reference_k};
    uint32_t bars = 0;
    void reset() noexcept {
      band.reset();
      bars = 0;
    }
  };
  double k_;
  std::vector<per_symbol> sym_;
};

}  // namespace

TORGHUT_BUILTIN_STRATEGY(bollinger_reversion, 1)

}  // namespace torghut::strategies
