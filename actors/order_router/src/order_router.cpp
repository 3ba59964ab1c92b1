#include "torghut/actors/order_router.hpp"

#include <bit>
#include <limits>

#include "torghut/core/decision_hash.hpp"

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

std::optional<broker_event_kind> event_for_status(order_status s) noexcept {
  switch (s) {
    case order_status::pending_new: return std::nullopt;  // where every order starts
    case order_status::accepted: return broker_event_kind::accepted;
    case order_status::new_order: return broker_event_kind::new_order;
    case order_status::partially_filled: return broker_event_kind::partial_fill;
    case order_status::filled: return broker_event_kind::fill;
    case order_status::pending_cancel: return broker_event_kind::pending_cancel;
    case order_status::canceled: return broker_event_kind::canceled;
    case order_status::rejected: return broker_event_kind::rejected;
    case order_status::expired: return broker_event_kind::expired;
    case order_status::replaced: return broker_event_kind::replaced;
  }
  return std::nullopt;
}

order_router::order_router(mailbox<order_command>& commands, mailbox<execution_report>& reports,
                           audit_sink& audit, const clock& clk, uint32_t max_open_orders)
    : commands_(commands),
      reports_(reports),
      audit_(audit),
      clock_(clk),
      orders_(max_open_orders == 0 ? 1 : max_open_orders),
      coid_index_(std::bit_ceil(static_cast<size_t>(orders_.size()) * 2), 0) {}

uint64_t order_router::coid_key(const client_order_id& c) noexcept {
  // FNV-1a over the text: ids are short and this runs once per order and once per event.
  uint64_t h = 1469598103934665603ull;
  for (const char ch : c.view()) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (h >> 29);
}

size_t order_router::index_find(const client_order_id& c) const noexcept {
  const size_t mask = coid_index_.size() - 1;
  for (size_t i = coid_key(c) & mask;; i = (i + 1) & mask) {
    const uint32_t v = coid_index_[i];
    if (v == 0) return std::numeric_limits<size_t>::max();
    if (orders_[v - 1].coid == c) return i;
  }
}

void order_router::index_insert(const client_order_id& c, uint32_t table_slot) noexcept {
  const size_t mask = coid_index_.size() - 1;
  size_t i = coid_key(c) & mask;
  while (coid_index_[i] != 0) i = (i + 1) & mask;  // ≤ half full: always terminates
  coid_index_[i] = table_slot + 1;
}

void order_router::index_erase(const client_order_id& c) noexcept {
  size_t i = index_find(c);
  if (i == std::numeric_limits<size_t>::max()) return;
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  const size_t mask = coid_index_.size() - 1;
  coid_index_[i] = 0;
  for (size_t j = (i + 1) & mask; coid_index_[j] != 0; j = (j + 1) & mask) {
    const size_t home = coid_key(orders_[coid_index_[j] - 1].coid) & mask;
    // Move j back into the hole when its home is not in (i, j] (cyclically).
    const bool home_in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!home_in_range) {
      coid_index_[i] = coid_index_[j];
      coid_index_[j] = 0;
      i = j;
    }
  }
}

void order_router::store(order_entry& slot, const order_entry& fresh) noexcept {
  if (slot.in_use && !slot.coid.empty()) index_erase(slot.coid);
  slot = fresh;
  if (!slot.coid.empty() && index_find(slot.coid) == std::numeric_limits<size_t>::max())
    index_insert(slot.coid, static_cast<uint32_t>(&slot - orders_.data()));
}

std::optional<order_id> order_router::find_by_coid(const client_order_id& coid) const noexcept {
  if (coid.empty()) return std::nullopt;
  const size_t i = index_find(coid);
  if (i == std::numeric_limits<size_t>::max()) return std::nullopt;
  const order_entry& e = orders_[coid_index_[i] - 1];
  if (!e.in_use) return std::nullopt;
  return e.id;
}

std::optional<order_id> order_router::adopt(const broker_order_state& o, strategy_id strategy) noexcept {
  if (o.coid.empty() || find_by_coid(o.coid)) return std::nullopt;
  order_entry fresh;
  fresh.id = order_id{next_id_++};
  fresh.coid = o.coid;
  fresh.strategy = strategy;
  fresh.symbol = o.symbol;
  fresh.order_side = o.order_side;
  fresh.qty = o.qty;
  fresh.cum_qty = o.filled_qty;
  fresh.avg_px = o.filled_avg_px;
  fresh.status = o.status;
  fresh.broker_id = o.broker_id;
  if (auto h = decision_hash_from_client_order_id(o.coid.view())) fresh.hash = *h;
  fresh.in_use = true;
  order_entry& slot = orders_[fresh.id.value % orders_.size()];
  if (slot.in_use && !is_terminal(slot.status)) {
    ++stats_.back_pressured;
    return std::nullopt;
  }
  store(slot, fresh);
  ++stats_.adopted;
  // The report carries no fill: the broker's positions already hold the fills so far.
  report(slot, quantity{}, price{}, clock_.now(), 0);
  return slot.id;
}

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

execution_report order_router::report_of(const order_entry& e, quantity last_qty, price last_px, timestamp t,
                                         uint16_t reject_code) const noexcept {
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
  r.broker_id = e.broker_id;
  return r;
}

void order_router::report(const order_entry& e, quantity last_qty, price last_px, timestamp t,
                          uint16_t reject_code) noexcept {
  const execution_report r = report_of(e, last_qty, last_px, t, reject_code);
  if (reports_.push(r) != push_result::ok) ++stats_.back_pressured;
  ++stats_.reports;
  audit_.execution(r);
}

bool order_router::learn_broker_id(order_id id, const broker_order_id& broker_id) noexcept {
  order_entry* e = find(id);
  if (e == nullptr || broker_id.empty() || e->broker_id == broker_id) return false;
  e->broker_id = broker_id;
  // Audit only: nothing changed for risk or the strategy.
  audit_.execution(report_of(*e, quantity{}, price{}, clock_.now(), 0));
  return true;
}

void order_router::on_risk_verdict(const risk_verdict& v) noexcept {
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
    store(slot, fresh);
    report(slot, quantity{}, price{}, now, reject_codes::router_backpressure);
    return;
  }
  ++stats_.submitted;
  audit_.order(c);
  fresh.status = order_status::pending_new;
  store(slot, fresh);
  report(slot, quantity{}, price{}, now, 0);
}

void order_router::on_broker_event(const broker_event& ev) noexcept {
  order_entry* e = nullptr;
  if (ev.id.value != 0) {
    e = find(ev.id);
  } else if (const auto id = find_by_coid(ev.coid)) {
    e = find(*id);
  }
  if (e == nullptr || (!ev.coid.empty() && ev.coid != e->coid)) {
    ++stats_.unknown_orders;
    return;
  }
  // The broker's id rides on the next report; if this event changes nothing, it is audited alone.
  const bool new_broker_id = !ev.broker_id.empty() && !(e->broker_id == ev.broker_id);
  if (new_broker_id) e->broker_id = ev.broker_id;
  if (!apply(*e, ev) && new_broker_id) audit_.execution(report_of(*e, quantity{}, price{}, clock_.now(), 0));
}

bool order_router::apply(order_entry& e, const broker_event& ev) noexcept {
  const bool is_fill = ev.kind == broker_event_kind::partial_fill || ev.kind == broker_event_kind::fill;
  if (is_fill && ev.cum_qty.is_positive() && ev.cum_qty <= e.cum_qty) {
    ++stats_.duplicate_fills;  // the broker's filled quantity did not grow: a replayed fill
    return false;
  }
  std::optional<order_status> next = next_status(e.status, ev.kind);
  if (!next) {
    ++stats_.illegal_transitions;
    return false;
  }
  quantity last_qty;
  price last_px;
  if (ev.cum_qty.is_positive() && ev.cum_qty > e.cum_qty) {
    // Cumulative: book what the broker's filled quantity adds to ours (missed fills included;
    // a cancel or expiry that reports fills we never saw books them too).
    if (ev.cum_qty > e.qty) {
      ++stats_.illegal_transitions;
      return false;
    }
    const int64_t delta = ev.cum_qty.raw - e.cum_qty.raw;
    int128_t px = ev.last_px.raw;
    if (ev.avg_px.is_positive() && !(delta == ev.last_qty.raw && ev.last_px.is_positive())) {
      const int128_t notional = static_cast<int128_t>(ev.avg_px.raw) * ev.cum_qty.raw -
                                static_cast<int128_t>(e.avg_px.raw) * e.cum_qty.raw;
      px = (notional + delta / 2) / delta;
    }
    if (px <= 0 || px > std::numeric_limits<int64_t>::max()) {
      ++stats_.illegal_transitions;
      return false;
    }
    if (ev.avg_px.is_positive()) {
      e.avg_px = ev.avg_px;
    } else {
      const int128_t num = static_cast<int128_t>(e.avg_px.raw) * e.cum_qty.raw + px * delta;
      e.avg_px = price::from_raw(static_cast<int64_t>((num + ev.cum_qty.raw / 2) / ev.cum_qty.raw));
    }
    e.cum_qty = ev.cum_qty;
    if (is_fill) next = e.cum_qty == e.qty ? order_status::filled : order_status::partially_filled;
    last_qty = quantity::from_raw(delta);
    last_px = price::from_raw(static_cast<int64_t>(px));
    ++stats_.fills;
  } else if (is_fill) {
    if (!ev.last_qty.is_positive() || !ev.last_px.is_positive()) {
      ++stats_.illegal_transitions;
      return false;
    }
    const std::optional<quantity> cum = checked_add(e.cum_qty, ev.last_qty);
    if (!cum || *cum > e.qty) {
      ++stats_.duplicate_fills;  // more than ordered: a replayed fill
      return false;
    }
    // Volume-weighted average price, exact in 128 bits, rounded half up (all terms ≥ 0).
    const int128_t num = static_cast<int128_t>(e.avg_px.raw) * e.cum_qty.raw +
                         static_cast<int128_t>(ev.last_px.raw) * ev.last_qty.raw;
    const int128_t avg = (num + cum->raw / 2) / cum->raw;
    if (avg > std::numeric_limits<int64_t>::max()) {
      ++stats_.illegal_transitions;
      return false;
    }
    e.cum_qty = *cum;
    e.avg_px = price::from_raw(static_cast<int64_t>(avg));
    if (*cum == e.qty) next = order_status::filled;
    last_qty = ev.last_qty;
    last_px = ev.last_px;
    ++stats_.fills;
  }
  e.status = *next;
  report(e, last_qty, last_px, ev.time.ns != 0 ? ev.time : clock_.now(), ev.reject_code);
  return true;
}


}  // namespace torghut::actors
