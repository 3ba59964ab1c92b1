// Fills of the simulator: market data moves each symbol's book top, and open orders fill against
// it with the engine's fill model (torghut/actors/fill_model.hpp, the paper broker's too). Here
// only what the simulator adds: notional orders, the order's fill bookkeeping, the ledger, and
// the trade_updates events.
#include <algorithm>

#include "sim_core.hpp"
#include "sim_http.hpp"
#include "torghut/actors/fill_model.hpp"

namespace torghut::adapters::sim {

namespace fm = actors::fill_model;

void sim_core::on_market(const market_event& e, std::string_view symbol, int64_t wall_ns,
                         std::vector<outgoing_event>& events) {
  if (e.kind != market_event_kind::quote && e.kind != market_event_kind::trade) return;
  if (!valid_symbol(symbol)) return;
  market& m = market_for(symbol);
  if (e.kind == market_event_kind::trade) {
    if (!e.u.trade.px.is_positive()) return;
    m.last = e.u.trade.px;
    m.have_last = true;
    if (!m.have_first) {
      m.first_mark = m.last;
      m.have_first = true;
    }
    return;
  }
  const quote_payload& q = e.u.quote;
  m.top.set(q, opt_.shares_per_quote_lot);
  if (!m.have_first && q.bid_px.is_positive() && q.ask_px.is_positive()) {
    m.first_mark = price::from_raw(static_cast<int64_t>((static_cast<int128_t>(q.bid_px.raw) + q.ask_px.raw) / 2));
    m.have_first = true;
  }
  auto it = book_.find(symbol);
  if (it == book_.end() || it->second.empty()) return;
  const std::vector<order*> open = it->second;  // fills remove orders from the book
  for (order* o : open) try_fill(*o, wall_ns, events);
}

void sim_core::try_fill(order& o, int64_t now, std::vector<outgoing_event>& events) {
  if (!o.open()) return;
  market& m = market_for(o.symbol);
  if (!m.top.quoted) return;
  if (!fm::trigger(o.terms, o.triggered, m.top) || !fm::marketable(o.terms, m.top)) return;
  if (o.target.is_zero()) {  // notional: the quantity is fixed at the first fill
    if (!o.notional) return;
    const quantity q = fm::notional_quantity(*o.notional, m.top.touch(o.terms.order_side));
    if (!q.is_positive()) return;
    o.target = q;
  }
  const fm::fill f = fm::take(o.terms, o.remaining(), m.top);
  if (!f.empty()) apply_fill(o, f.px, f.qty, now, events);
}

void sim_core::apply_fill(order& o, price px, quantity q, int64_t now, std::vector<outgoing_event>& events) {
  o.filled = quantity::from_raw(o.filled.raw + q.raw);
  o.fill_value += static_cast<int128_t>(px.raw) * q.raw;
  o.updated = now;
  const quantity pos_after = book_fill(account_for(o.key), o.symbol, o.buy(), px, q);
  const bool done = o.filled >= o.target;
  o.status = done ? "filled" : "partially_filled";
  if (done) {
    o.filled_at = now;
    finish_open(o);
    ctr_.bump(c_fills);
  } else {
    ctr_.bump(c_partial_fills);
  }
  emit(o, done ? "fill" : "partial_fill", now, events, &px, &q, &pos_after);
}

void sim_core::finish_open(order& o) {
  auto it = book_.find(o.symbol);
  if (it == book_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), &o), v.end());
}

}  // namespace torghut::adapters::sim
