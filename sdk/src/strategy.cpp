#include "torghut/sdk/strategy.hpp"

#include <algorithm>
#include <limits>
#include <optional>

namespace torghut::sdk {

std::string_view to_string(action_status s) noexcept {
  switch (s) {
    case action_status::accepted: return "accepted";
    case action_status::invalid_quantity: return "invalid_quantity";
    case action_status::invalid_price: return "invalid_price";
    case action_status::invalid_order: return "invalid_order";
    case action_status::unknown_symbol: return "unknown_symbol";
    case action_status::not_in_universe: return "not_in_universe";
    case action_status::unknown_order: return "unknown_order";
    case action_status::nothing_to_do: return "nothing_to_do";
    case action_status::too_many_open_orders: return "too_many_open_orders";
    case action_status::too_many_timers: return "too_many_timers";
    case action_status::queue_full: return "queue_full";
    case action_status::stopped: return "stopped";
  }
  return "unknown";
}

quantity context::shares_for_budget(price px) const noexcept {
  const settings& c = config();
  money cap = c.max_notional_per_trade;
  const std::optional<money> by_equity =
      money::from_double(c.max_position_pct_equity * account_state().equity.to_double());
  if (!by_equity) return {};
  cap = std::min(cap, *by_equity);
  if (!cap.is_positive() || !px.is_positive()) return {};
  // cap.raw is in 1e-6 dollars, px.raw in 1e-9 dollars per share.
  constexpr int64_t ratio = price::scale / money::scale;
  const int128_t shares = static_cast<int128_t>(cap.raw) * ratio / px.raw;
  if (shares > static_cast<int128_t>(std::numeric_limits<int64_t>::max() / quantity::scale)) return {};
  return quantity::from_units(static_cast<int64_t>(shares)).value_or(quantity{});
}

}  // namespace torghut::sdk
