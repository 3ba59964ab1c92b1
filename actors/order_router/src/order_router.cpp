#include "torghut/actors/order_router.hpp"

#include <limits>

#include "torghut/engine/decision_hash.hpp"

namespace torghut::actors {

std::optional<order_status> next_status(order_status cur, broker_event_kind ev) noexcept {
  using s = order_status;
  using e = broker_event_kind;
  if (is_terminal(cur)) return std::nullopt;  // terminal states accept nothing
  // Events every open state accepts.
  switch (ev) {
    case e::canceled: return s::canceled;
    case e::expired: return s::expired;
    case e::replaced: return s::replaced;
    default: break;
  }
  switch (cur) {
    case s::pending_new:
      switch (ev) {
        case e::accepted: return s::accepted;
        case e::new_order: return s::new_order;
        case e::partial_fill: return s::partially_filled;
        case e::fill: return s::filled;
        case e::pending_cancel: return s::pending_cancel;
        case e::rejected: return s::rejected;
        default: return std::nullopt;
      }
    case s::accepted:
      switch (ev) {
        case e::new_order: return s::new_order;
        case e::partial_fill: return s::partially_filled;
        case e::fill: return s::filled;
        case e::pending_cancel: return s::pending_cancel;
        case e::rejected: return s::rejected;
        default: return std::nullopt;
      }
    case s::new_order:
      switch (ev) {
        case e::partial_fill: return s::partially_filled;
        case e::fill: return s::filled;
        case e::pending_cancel: return s::pending_cancel;
        case e::rejected: return s::rejected;
        default: return std::nullopt;
      }
    case s::partially_filled:
      switch (ev) {
        case e::partial_fill: return s::partially_filled;
        case e::fill: return s::filled;
        case e::pending_cancel: return s::pending_cancel;
        default: return std::nullopt;
      }
    case s::pending_cancel:
      switch (ev) {
        case e::partial_fill: return s::partially_filled;  // a fill raced the cancel
        case e::fill: return s::filled;
        default: return std::nullopt;
      }
    case s::filled:
    case s::canceled:
    case s::rejected:
    case s::expired:
    case s::replaced:
      break;
  }
  return std::nullopt;
}

order_router::order_router(mailbox<order_command>& commands, mailbox<execution_report>& reports,
                           audit_sink& audit, const clock& clk, uint32_t max_open_orders)
    : commands_(commands),
      reports_(reports),
      audit_(audit),
      clock_(clk),
      orders_(max_open_orders == 0 ? 1 : max_open_orders) {}

order_router::order_entry* order_router::find(order_id id) noexcept {
  order_entry& e = orders_[id.value % orders_.size()];
  return e.in_use && e.id == id ? &e : nullptr;
}

const order_router::order_entry* order_router::find(order_id id) const noexcept {
  const order_entry& e = orders_[id.value % orders_.size()];
  return e.in_use && e.id == id ? &e : nullptr;
}

std::optional<order_status> order_router::status_of(order_id id) const noexcept {
  const order_entry* e = find(id);
  if (e == nullptr) return std::nullopt;
  return e->status;
}

void order_router::report(const order_entry& e, quantity last_qty, price last_px, timestamp t,
                          uint16_t reject_code) noexcept {
  execution_report r;
  r.id = e.id;
  r.coid = e.coid;
  r.strategy = e.strategy;
  r.symbol = e.symbol;
  r.order_side = e.order_side;
  r.status = e.status;
  r.order_qty = e.qty;
  r.last_qty = last_qty;
  r.last_px = last_px;
  r.cum_qty = e.cum_qty;
  r.avg_px = e.avg_px;
  r.hash = e.hash;
  r.time = t;
  r.reject_code = reject_code;
  if (reports_.push(r) != push_result::ok) ++stats_.back_pressured;
  ++stats_.reports;
  audit_.execution(r);
}

void order_router::on_verdict(const risk_verdict& v) noexcept {
  if (!v.approved()) return;
  const order_intent& in = v.intent;
  const timestamp now = clock_.now();

  if (in.kind == intent_kind::cancel) {
    const order_entry* target = find(in.cancel_target);
    if (target == nullptr) {
      ++stats_.unknown_orders;
      return;
    }
    if (is_terminal(target->status)) return;  // finished already: nothing to cancel
    order_command c;
    c.kind = order_command_kind::cancel;
    c.id = target->id;
    c.coid = target->coid;
    c.strategy = target->strategy;
    c.symbol = target->symbol;
    c.order_side = target->order_side;
    c.qty = target->qty;
    c.hash = in.hash;
    c.created_at = now;
    if (commands_.push(c) != push_result::ok) {
      ++stats_.back_pressured;
      return;
    }
    ++stats_.cancels;
    audit_.order(c);
    return;
  }

  order_entry fresh;
  fresh.id = order_id{next_id_++};
  fresh.coid = client_order_id_for(in.hash);
  fresh.strategy = in.strategy;
  fresh.symbol = in.symbol;
  fresh.order_side = in.order_side;
  fresh.qty = in.qty;
  fresh.hash = in.hash;
  fresh.in_use = true;

  order_entry& slot = orders_[fresh.id.value % orders_.size()];
  if (slot.in_use && !is_terminal(slot.status)) {
    // The slot still tracks an open order: refuse rather than lose it.
    ++stats_.back_pressured;
    fresh.status = order_status::rejected;
    report(fresh, quantity{}, price{}, now, reject_codes::router_table_full);
    return;
  }

  order_command c;
  c.kind = order_command_kind::submit;
  c.id = fresh.id;
  c.coid = fresh.coid;
  c.strategy = in.strategy;
  c.symbol = in.symbol;
  c.order_side = in.order_side;
  c.type = in.type;
  c.tif = in.tif;
  c.qty = in.qty;
  c.limit_px = in.limit_px;
  c.stop_px = in.stop_px;
  c.hash = in.hash;
  c.created_at = now;

  if (commands_.push(c) != push_result::ok) {
    ++stats_.back_pressured;
    fresh.status = order_status::rejected;
    slot = fresh;
    report(slot, quantity{}, price{}, now, reject_codes::router_backpressure);
    return;
  }
  ++stats_.submitted;
  audit_.order(c);
  fresh.status = order_status::pending_new;
  slot = fresh;
  report(slot, quantity{}, price{}, now, 0);
}

void order_router::on_broker_event(const broker_event& ev) noexcept {
  order_entry* e = find(ev.id);
  if (e == nullptr || (!ev.coid.empty() && ev.coid != e->coid)) {
    ++stats_.unknown_orders;
    return;
  }
  std::optional<order_status> next = next_status(e->status, ev.kind);
  if (!next) {
    ++stats_.illegal_transitions;
    return;
  }
  quantity last_qty;
  price last_px;
  if (ev.kind == broker_event_kind::partial_fill || ev.kind == broker_event_kind::fill) {
    if (!ev.last_qty.is_positive() || !ev.last_px.is_positive()) {
      ++stats_.illegal_transitions;
      return;
    }
    const std::optional<quantity> cum = checked_add(e->cum_qty, ev.last_qty);
    if (!cum || *cum > e->qty) {
      ++stats_.duplicate_fills;  // more than ordered: a replayed fill
      return;
    }
    // Volume-weighted average price, exact in 128 bits, rounded half up (all terms ≥ 0).
    const int128_t num = static_cast<int128_t>(e->avg_px.raw) * e->cum_qty.raw +
                         static_cast<int128_t>(ev.last_px.raw) * ev.last_qty.raw;
    const int128_t avg = (num + cum->raw / 2) / cum->raw;
    if (avg > std::numeric_limits<int64_t>::max()) {
      ++stats_.illegal_transitions;
      return;
    }
    e->cum_qty = *cum;
    e->avg_px = price::from_raw(static_cast<int64_t>(avg));
    if (*cum == e->qty) next = order_status::filled;
    last_qty = ev.last_qty;
    last_px = ev.last_px;
    ++stats_.fills;
  }
  e->status = *next;
  report(*e, last_qty, last_px, ev.time.ns != 0 ? ev.time : clock_.now(), ev.reject_code);
}

}  // namespace torghut::actors
