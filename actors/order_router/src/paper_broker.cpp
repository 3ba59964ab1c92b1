// The internal paper broker: order bookkeeping around the fill model (fill_model.hpp).
#include "torghut/actors/fill_model.hpp"
#include "torghut/actors/order_router.hpp"

namespace torghut::actors {

using fill_model::has_limit_price;
using fill_model::has_stop_price;

paper_broker::paper_broker(mailbox<broker_event>& events, const clock& clk,
                           uint32_t symbol_capacity, uint32_t max_open_orders,
                           int64_t shares_per_quote_lot)
    : events_(events),
      clock_(clk),
      tops_(symbol_capacity, fill_model::book_top{}),
      lot_(shares_per_quote_lot < 1 ? 1 : shares_per_quote_lot),
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

void paper_broker::try_fill(resting& o, fill_model::book_top& top) noexcept {
  const fill_model::fill f = fill_model::match(fill_model::terms_of(o.cmd), o.triggered, o.remaining, top);
  if (f.empty()) return;
  o.remaining = quantity::from_raw(o.remaining.raw - f.qty.raw);
  ++fills_;
  emit(o.remaining.is_zero() ? broker_event_kind::fill : broker_event_kind::partial_fill, o.cmd,
       f.qty, f.px, 0);
}

void paper_broker::on_order_command(const order_command& c) noexcept {
  if (c.kind == order_command_kind::submit) {
    submit(c);
  } else {
    cancel(c);
  }
}

void paper_broker::submit(const order_command& c) noexcept {
  const bool valid = c.symbol.valid() && c.symbol.value < tops_.size() && c.qty.is_positive() &&
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
  // One attempt at once (fok: all of it or nothing); ioc and fok cancel what did not fill.
  fill_model::book_top& top = tops_[c.symbol.value];
  if (top.quoted) try_fill(o, top);
  if (o.remaining.is_zero()) return;
  if (c.tif == time_in_force::ioc || c.tif == time_in_force::fok) {
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

void paper_broker::on_market_event(const market_event& ev) noexcept {
  if (ev.kind != market_event_kind::quote || !ev.symbol.valid() || ev.symbol.value >= tops_.size())
    return;
  const uint32_t s = ev.symbol.value;
  fill_model::book_top& top = tops_[s];
  top.set(ev.u.quote, lot_);
  for (uint32_t slot = head_[s]; slot != npos;) {
    resting& o = open_[slot];
    const uint32_t next = o.next;
    try_fill(o, top);
    if (o.remaining.is_zero()) unlink(slot);
    slot = next;
  }
}

}  // namespace torghut::actors
