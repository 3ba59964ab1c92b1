// tick_probe: a latency probe, not a trading rule. On every trade print of its symbols it buys
// one share when flat and sells the position otherwise, one order at a time (no warm-up). The
// wire-to-wire harness uses it so that every trigger frame yields exactly one order.
#include "torghut/sdk/strategy.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::strategies {
namespace {

using namespace torghut::sdk;

class tick_probe final : public sdk::strategy {
 public:
  static constexpr std::string_view kind = "tick_probe";
  static constexpr std::string_view summary =
      "latency probe: one order per trade print (buy 1 when flat, else sell the position)";

  static void declare(param_schema&) {}
  explicit tick_probe(const params&) {}

  void on_trade(context& ctx, const trade& t) override {
    if (t.halted || ctx.open_order_count(t.symbol) != 0) return;
    const quantity pos = ctx.position_qty(t.symbol);
    if (!pos.is_positive()) {
      ctx.market(t.symbol, side::buy, quantity::from_raw(quantity::scale), rationale("probe"));
    } else {
      ctx.market(t.symbol, side::sell, pos, rationale("probe"));
    }
  }
};

}  // namespace

TORGHUT_BUILTIN_STRATEGY(tick_probe, 2)

}  // namespace torghut::strategies
