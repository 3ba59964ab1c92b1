#pragma once
/// The fill model: how an order fills against the top of a symbol's book. One pure component,
/// used by the internal paper broker (paper_broker, order_router.hpp) and by the trading
/// simulator (adapters/sim), so the engine's paper trading and `torghut sim` fill alike:
///
///  - The book top is the latest quote: its prices and the shares still displayed on each side
///    (quote size × shares per quoted lot). Fills consume the displayed size until the next quote
///    replaces it; resting orders of a symbol are offered it in time priority (the caller's
///    order).
///  - An order takes the touch of its side: the ask for a buy, the bid for a sell, and fills at
///    that price up to the displayed size (the rest waits for later quotes).
///  - Limit orders fill only when crossed (buy: ask ≤ limit, sell: bid ≥ limit), at the touch.
///  - Stop orders trigger once the touch reaches the stop (buy: ask ≥ stop, sell: bid ≤ stop) and
///    from then on act as market (stop) or limit (stop_limit) orders.
///  - fok fills completely in one fill or not at all. (ioc and fok remainders are canceled by the
///    caller: whatever did not fill at once.)
///  - Notional orders (the simulator's) fix their quantity at the price of their first fill.
///
/// Pure: no clock, no I/O, no allocation; every function is noexcept and works on what it is
/// given.

#include <cstdint>

#include "torghut/core/fixed_point.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::actors::fill_model {

[[nodiscard]] constexpr bool has_limit_price(order_type t) noexcept {
  return t == order_type::limit || t == order_type::stop_limit;
}
[[nodiscard]] constexpr bool has_stop_price(order_type t) noexcept {
  return t == order_type::stop || t == order_type::stop_limit;
}

/// What the fill model reads of an order.
struct order_terms {
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  price limit_px;  ///< limit and stop_limit orders
  price stop_px;   ///< stop and stop_limit orders
};
[[nodiscard]] constexpr order_terms terms_of(const order_command& c) noexcept {
  return order_terms{c.order_side, c.type, c.tif, c.limit_px, c.stop_px};
}

/// Displayed size in shares: a quote size × `shares_per_quote_lot` (a lot below 1 counts as 1),
/// saturating at the largest quantity; a size ≤ 0 displays nothing.
[[nodiscard]] quantity displayed_shares(quantity quote_size, int64_t shares_per_quote_lot) noexcept;

/// A symbol's book top as fills see it.
struct book_top {
  price bid_px;
  price ask_px;
  quantity bid_shares;  ///< displayed shares left at the bid until the next quote
  quantity ask_shares;
  bool quoted = false;  ///< the last quote had a positive price on at least one side

  /// Replaces the top with a quote (sizes in lots of `shares_per_quote_lot` shares).
  void set(const quote_payload& q, int64_t shares_per_quote_lot) noexcept;
  /// The price an order of side `s` would take: the ask for a buy, the bid for a sell.
  [[nodiscard]] price touch(side s) const noexcept { return s == side::buy ? ask_px : bid_px; }
  [[nodiscard]] quantity displayed(side s) const noexcept {
    return s == side::buy ? ask_shares : bid_shares;
  }
};

/// A fill: `qty` at `px`; no fill when qty is 0.
struct fill {
  price px;
  quantity qty;
  [[nodiscard]] bool empty() const noexcept { return !qty.is_positive(); }
};

/// Whether the order's stop has been reached. `triggered` is the order's state: once set it stays
/// set; an order without a stop price is always triggered. An unpriced touch reaches nothing.
[[nodiscard]] bool trigger(const order_terms& o, bool& triggered, const book_top& top) noexcept;

/// Whether the order may execute at its touch now: the touch is priced and has displayed shares,
/// and a limit order's limit is crossed (buy: ask ≤ limit, sell: bid ≥ limit). Ignores stops.
[[nodiscard]] bool marketable(const order_terms& o, const book_top& top) noexcept;

/// The fill of `remaining` at the touch: min(remaining, displayed), for fok all of it or nothing,
/// taken off the displayed shares. Checks nothing else (see trigger() and marketable()).
[[nodiscard]] fill take(const order_terms& o, quantity remaining, book_top& top) noexcept;

/// One fill attempt: trigger(), marketable(), then take(). No fill when `remaining` ≤ 0.
[[nodiscard]] fill match(const order_terms& o, bool& triggered, quantity remaining,
                         book_top& top) noexcept;

/// The quantity a notional order fixes at its first fill price `px` (notional / px, rounded
/// down to the quantity's precision); 0 when px ≤ 0 or the quantity would not be positive or
/// would overflow.
[[nodiscard]] quantity notional_quantity(money notional, price px) noexcept;

}  // namespace torghut::actors::fill_model
