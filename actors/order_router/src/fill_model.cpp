// The fill model (fill_model.hpp): shared by the paper broker and the trading simulator.
#include "torghut/actors/fill_model.hpp"

#include <limits>

namespace torghut::actors::fill_model {

quantity displayed_shares(quantity quote_size, int64_t shares_per_quote_lot) noexcept {
  if (quote_size.raw <= 0) return quantity{};
  const int64_t lot = shares_per_quote_lot < 1 ? 1 : shares_per_quote_lot;
  int64_t r = 0;
  if (__builtin_mul_overflow(quote_size.raw, lot, &r)) r = std::numeric_limits<int64_t>::max();
  return quantity::from_raw(r);
}

void book_top::set(const quote_payload& q, int64_t shares_per_quote_lot) noexcept {
  bid_px = q.bid_px;
  ask_px = q.ask_px;
  bid_shares = displayed_shares(q.bid_size, shares_per_quote_lot);
  ask_shares = displayed_shares(q.ask_size, shares_per_quote_lot);
  quoted = q.bid_px.is_positive() || q.ask_px.is_positive();
}

bool trigger(const order_terms& o, bool& triggered, const book_top& top) noexcept {
  if (triggered || !has_stop_price(o.type)) return true;
  const price t = top.touch(o.order_side);
  if (!t.is_positive()) return false;
  triggered = o.order_side == side::buy ? t >= o.stop_px : t <= o.stop_px;
  return triggered;
}

bool marketable(const order_terms& o, const book_top& top) noexcept {
  const price t = top.touch(o.order_side);
  if (!t.is_positive() || !top.displayed(o.order_side).is_positive()) return false;
  if (!has_limit_price(o.type)) return true;
  return o.order_side == side::buy ? t <= o.limit_px : t >= o.limit_px;
}

fill take(const order_terms& o, quantity remaining, book_top& top) noexcept {
  quantity& shown = o.order_side == side::buy ? top.ask_shares : top.bid_shares;
  if (!remaining.is_positive() || !shown.is_positive()) return {};
  const quantity q = remaining < shown ? remaining : shown;
  if (o.tif == time_in_force::fok && q < remaining) return {};
  shown = quantity::from_raw(shown.raw - q.raw);
  return fill{top.touch(o.order_side), q};
}

fill match(const order_terms& o, bool& triggered, quantity remaining, book_top& top) noexcept {
  if (!remaining.is_positive() || !trigger(o, triggered, top) || !marketable(o, top)) return {};
  return take(o, remaining, top);
}

quantity notional_quantity(money notional, price px) noexcept {
  if (!px.is_positive()) return quantity{};
  const int128_t q = static_cast<int128_t>(notional.raw) * (quantity::scale / money::scale) *
                     price::scale / px.raw;
  if (q <= 0 || q > std::numeric_limits<int64_t>::max()) return quantity{};
  return quantity::from_raw(static_cast<int64_t>(q));
}

}  // namespace torghut::actors::fill_model
