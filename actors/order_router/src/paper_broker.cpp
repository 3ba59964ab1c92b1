#include <algorithm>

#include "torghut/actors/order_router.hpp"

namespace torghut::actors {
namespace {

[[nodiscard]] constexpr bool has_limit_price(order_type t) noexcept {
  return t == order_type::limit || t == order_type::stop_limit;
}
[[nodiscard]] constexpr bool has_stop_price(order_type t) noexcept {
  return t == order_type::stop || t == order_type::stop_limit;
}

}  // namespace

paper_broker::paper_broker(mailbox<broker_event>& events, const clock& clk,
                           uint32_t symbol_capacity, uint32_t max_open_orders,
                           int64_t shares_per_quote_lot)
    : events_(events),
      clock_(clk),
      quotes_(symbol_capacity, quote_payload{}),
      lot_(shares_per_quote_lot < 1 ? 1 : shares_per_quote_lot),
      has_quote_(symbol_capacity, 0),
      open_(max_open_orders == 0 ? 1 : max_open_orders),
      head_(symbol_capacity, npos),
      tail_(symbol_capacity, npos) {}

void paper_broker::emit(broker_event_kind k, const order_command& c, quantity last_qty,
                        price last_px, uint16_t reject_code) noexcept {
  broker_event ev;
  ev.kind = k;
  ev.id = c.id;
  ev.coid = c.coid;
  ev.last_qty = last_qty;
  ev.last_px = last_px;
  ev.time = clock_.now();
  ev.reject_code = reject_code;
  if (events_.push(ev) != push_result::ok) ++back_pressured_;
}

void paper_broker::link(uint32_t slot) noexcept {
  resting& o = open_[slot];
  const uint32_t s = o.cmd.symbol.value;
  o.next = npos;
  o.prev = tail_[s];
  if (tail_[s] != npos) {
    open_[tail_[s]].next = slot;
  } else {
    head_[s] = slot;
  }
  tail_[s] = slot;
}

void paper_broker::unlink(uint32_t slot) noexcept {
  resting& o = open_[slot];
  const uint32_t s = o.cmd.symbol.value;
  if (o.prev != npos) {
    open_[o.prev].next = o.next;
  } else {
    head_[s] = o.next;
  }
  if (o.next != npos) {
    open_[o.next].prev = o.prev;
  } else {
    tail_[s] = o.prev;
  }
  o.prev = o.next = npos;
  o.in_use = false;
}

bool paper_broker::trigger(resting& o, const quote_payload& q) noexcept {
  if (o.triggered) return true;
  if (o.cmd.order_side == side::buy) {
    o.triggered = q.ask_px.is_positive() && q.ask_px >= o.cmd.stop_px;
  } else {
    o.triggered = q.bid_px.is_positive() && q.bid_px <= o.cmd.stop_px;
  }
  return o.triggered;
}

bool paper_broker::marketable(const resting& o, const quote_payload& q) noexcept {
  const bool limited = has_limit_price(o.cmd.type);
  if (o.cmd.order_side == side::buy) {
    if (!q.ask_px.is_positive() || !q.ask_size.is_positive()) return false;
    return !limited || o.cmd.limit_px >= q.ask_px;
  }
  if (!q.bid_px.is_positive() || !q.bid_size.is_positive()) return false;
  return !limited || o.cmd.limit_px <= q.bid_px;
}

void paper_broker::try_fill(resting& o, quote_payload& q) noexcept {
  if (!o.remaining.is_positive() || !trigger(o, q) || !marketable(o, q)) return;
  const bool buy = o.cmd.order_side == side::buy;
  quantity& displayed = buy ? q.ask_size : q.bid_size;
  const price px = buy ? q.ask_px : q.bid_px;
  const quantity n = std::min(o.remaining, displayed);
  displayed = quantity::from_raw(displayed.raw - n.raw);
  o.remaining = quantity::from_raw(o.remaining.raw - n.raw);
  ++fills_;
  emit(o.remaining.is_zero() ? broker_event_kind::fill : broker_event_kind::partial_fill, o.cmd, n,
       px, 0);
}

void paper_broker::on_command(const order_command& c) noexcept {
  if (c.kind == order_command_kind::submit) {
    submit(c);
  } else {
    cancel(c);
  }
}

void paper_broker::submit(const order_command& c) noexcept {
  const bool valid = c.symbol.valid() && c.symbol.value < quotes_.size() && c.qty.is_positive() &&
                     (!has_limit_price(c.type) || c.limit_px.is_positive()) &&
                     (!has_stop_price(c.type) || c.stop_px.is_positive());
  if (!valid) {
    emit(broker_event_kind::rejected, c, quantity{}, price{}, reject_codes::invalid_order);
    return;
  }
  const auto slot = static_cast<uint32_t>(c.id.value % open_.size());
  resting& o = open_[slot];
  if (o.in_use) {
    if (o.cmd.id == c.id) return;  // repeated submit of an open order: idempotent
    emit(broker_event_kind::rejected, c, quantity{}, price{}, reject_codes::broker_capacity);
    return;
  }
  emit(broker_event_kind::new_order, c, quantity{}, price{}, 0);
  o.cmd = c;
  o.remaining = c.qty;
  o.triggered = !has_stop_price(c.type);
  o.prev = o.next = npos;
  const uint32_t s = c.symbol.value;
  const bool quoted = has_quote_[s] != 0;

  if (c.tif == time_in_force::fok) {
    // All at once or nothing: the displayed size at an acceptable price must cover it.
    quote_payload& q = quotes_[s];
    const quantity displayed = c.order_side == side::buy ? q.ask_size : q.bid_size;
    if (quoted && trigger(o, q) && marketable(o, q) && displayed >= c.qty) {
      try_fill(o, q);
    } else {
      emit(broker_event_kind::canceled, c, quantity{}, price{}, 0);
    }
    return;
  }
  if (quoted) try_fill(o, quotes_[s]);
  if (o.remaining.is_zero()) return;
  if (c.tif == time_in_force::ioc) {
    emit(broker_event_kind::canceled, c, quantity{}, price{}, 0);
    return;
  }
  o.in_use = true;
  link(slot);
}

void paper_broker::cancel(const order_command& c) noexcept {
  const auto slot = static_cast<uint32_t>(c.id.value % open_.size());
  resting& o = open_[slot];
  if (!o.in_use || o.cmd.id != c.id) {
    ++unknown_cancels_;
    return;
  }
  unlink(slot);
  emit(broker_event_kind::canceled, o.cmd, quantity{}, price{}, 0);
}

void paper_broker::on_market(const market_event& ev) noexcept {
  if (ev.kind != market_event_kind::quote || !ev.symbol.valid() ||
      ev.symbol.value >= quotes_.size())
    return;
  const uint32_t s = ev.symbol.value;
  quote_payload& q = quotes_[s];
  q = ev.u.quote;
  // Displayed sizes in shares (saturating: a size that would overflow is plenty anyway).
  const auto shares = [this](quantity lots) {
    int64_t r = 0;
    return __builtin_mul_overflow(lots.raw, lot_, &r) ? quantity::from_raw(INT64_MAX)
                                                       : quantity::from_raw(r);
  };
  q.bid_size = shares(q.bid_size);
  q.ask_size = shares(q.ask_size);
  has_quote_[s] = 1;
  for (uint32_t slot = head_[s]; slot != npos;) {
    resting& o = open_[slot];
    const uint32_t next = o.next;
    try_fill(o, q);
    if (o.remaining.is_zero()) unlink(slot);
    slot = next;
  }
}

}  // namespace torghut::actors
