// Orders of the simulator: POST /v2/orders after validation (the account's client_order_id
// namespace, buying power, acceptance, then `new` and the first fill attempt), the order list,
// cancels and the expiry of day orders.
#include <algorithm>

#include "sim_core.hpp"
#include "sim_http.hpp"
#include "sim_money.hpp"

namespace torghut::adapters::sim {

void sim_core::post_order(account& a, const json_object* body, int64_t now, http_out& out,
                          std::vector<outgoing_event>& events) {
  auto invalid = [&](std::string_view msg) {
    ctr_.bump(c_rejected_422);
    set_error(out, 422, 40010001, msg);
  };
  if (body == nullptr) {
    invalid("request body must be a JSON object");
    return;
  }
  order o;
  if (const auto error = read_order(*body, o)) return invalid(*error);
  if (!o.coid.empty() && a.by_coid.count(o.coid) != 0) {
    ctr_.bump(c_duplicate_coid);
    return invalid("client_order_id must be unique");
  }

  // Buying power: only the part that opens (or grows) a position needs it.
  const auto pit = a.positions.find(o.symbol);
  const quantity pos = pit == a.positions.end() ? quantity{} : pit->second.qty;
  const bool reducing = o.buy() ? pos.is_negative() : pos.is_positive();
  o.position_intent = std::string(o.buy() ? "buy" : "sell") + (reducing ? "_to_close" : "_to_open");
  money cost{};
  bool check = true;
  if (o.notional) {
    cost = *o.notional;
    o.opening = !reducing;
    check = !reducing;
  } else {
    const quantity held = qabs(pos);
    const quantity opening = reducing ? quantity::from_raw(std::max<int64_t>(0, o.qty->raw - held.raw)) : *o.qty;
    o.opening = opening.is_positive();
    check = o.opening;
    if (check) {
      const auto est = estimate_price(o);
      if (est) {
        cost = money_of(*est, opening);
      } else if (!opt_.refuse_unpriced_orders) {
        check = false;
      }
    }
  }
  if (check) {
    const money bp = buying_power(a);
    if (cost > bp || (cost.is_zero() && opt_.refuse_unpriced_orders && !o.notional && !estimate_price(o))) {
      ctr_.bump(c_rejected_403);
      out.status = 403;
      out.body.clear();
      obj_writer w(out.body);
      w.num("code", 40310000);
      w.str("message", "insufficient buying power");
      w.decimal("buying_power", bp);
      w.decimal("cost_basis", cost);
      w.close();
      return;
    }
  }

  o.id = uuid();
  if (o.coid.empty()) o.coid = uuid();
  o.key = a.key;
  o.asset_id = market_for(o.symbol).asset_id;
  o.status = "accepted";
  o.created = o.updated = o.submitted = now;
  a.orders.push_back(std::make_unique<order>(std::move(o)));
  order& ord = *a.orders.back();
  a.by_id.emplace(ord.id, &ord);
  a.by_coid.emplace(ord.coid, &ord);
  ctr_.bump(c_orders_accepted);
  out.status = 200;
  write_order(ord, out.body);

  // Then the order goes live: `new`, and at once a rejection (fault switch) or the fill model.
  ord.status = "new";
  emit(ord, "new", now, events);
  if (take_one(reject_next)) {
    ord.status = "rejected";
    ord.failed_at = ord.updated = now;
    ctr_.bump(c_rejected_events);
    emit(ord, "rejected", now, events);
    return;
  }
  book_[ord.symbol].push_back(&ord);
  try_fill(ord, now, events);
  if (ord.open() && (ord.tif() == time_in_force::ioc || ord.tif() == time_in_force::fok)) {
    ord.status = "canceled";
    ord.canceled_at = ord.updated = now;
    finish_open(ord);
    ctr_.bump(c_ioc_fok_canceled);
    emit(ord, "canceled", now, events);
  }
}

void sim_core::list_orders(account& a, std::string_view query, http_out& out) {
  auto invalid = [&](std::string_view msg) {
    ctr_.bump(c_rejected_422);
    set_error(out, 422, 40010001, msg);
  };
  const std::string status = query_param(query, "status").value_or("open");
  if (status != "open" && status != "closed" && status != "all") return invalid("status must be open, closed or all");
  int64_t limit = 50;
  if (const auto l = query_param(query, "limit")) {
    const auto n = parse_int(*l);
    if (!n || *n < 1) return invalid("limit must be a positive integer");
    limit = std::min<int64_t>(*n, 500);
  }
  const std::string direction = query_param(query, "direction").value_or("desc");
  if (direction != "asc" && direction != "desc") return invalid("direction must be asc or desc");
  std::optional<int64_t> after, until;
  if (const auto s = query_param(query, "after"); s && !s->empty()) {
    after = parse_time_param(*s);
    if (!after) return invalid("after must be an RFC 3339 timestamp");
  }
  if (const auto s = query_param(query, "until"); s && !s->empty()) {
    until = parse_time_param(*s);
    if (!until) return invalid("until must be an RFC 3339 timestamp");
  }
  std::vector<std::string> symbols;
  if (const auto s = query_param(query, "symbols"); s && !s->empty()) {
    std::string_view rest = *s;
    while (!rest.empty()) {
      const size_t c = rest.find(',');
      if (const std::string_view one = rest.substr(0, c); !one.empty()) symbols.emplace_back(one);
      if (c == std::string_view::npos) break;
      rest.remove_prefix(c + 1);
    }
  }
  std::vector<const order*> sel;
  for (const auto& up : a.orders) {
    const order& o = *up;
    if (status == "open" && !o.open()) continue;
    if (status == "closed" && o.open()) continue;
    if (after && o.submitted <= *after) continue;
    if (until && o.submitted >= *until) continue;
    if (!symbols.empty() && std::find(symbols.begin(), symbols.end(), o.symbol) == symbols.end()) continue;
    sel.push_back(&o);
  }
  if (direction == "desc") std::reverse(sel.begin(), sel.end());
  if (sel.size() > static_cast<size_t>(limit)) sel.resize(static_cast<size_t>(limit));
  out.body = "[";
  for (size_t i = 0; i < sel.size(); ++i) {
    if (i != 0) out.body.push_back(',');
    write_order(*sel[i], out.body);
  }
  out.body.push_back(']');
}

void sim_core::cancel_order(order& o, int64_t now, std::vector<outgoing_event>& events) {
  o.status = "canceled";
  o.canceled_at = o.updated = now;
  finish_open(o);
  ctr_.bump(c_cancels);
  emit(o, "canceled", now, events);
}

void sim_core::cancel_all(account& a, int64_t now, http_out& out, std::vector<outgoing_event>& events) {
  out.status = 207;
  out.body = "[";
  bool first = true;
  std::vector<order*> open;
  for (auto& up : a.orders)
    if (up->open()) open.push_back(up.get());
  for (order* o : open) {
    cancel_order(*o, now, events);
    if (!first) out.body.push_back(',');
    first = false;
    out.body += "{\"id\":\"" + o->id + "\",\"status\":200,\"body\":";
    write_order(*o, out.body);
    out.body.push_back('}');
  }
  out.body.push_back(']');
}

void sim_core::expire_open(int64_t wall_ns, std::vector<outgoing_event>& events) {
  for (auto& [key, a] : accounts_) {
    for (auto& up : a.orders) {
      order& o = *up;
      if (!o.open() || o.tif() != time_in_force::day) continue;
      o.status = "expired";
      o.expired_at = o.updated = wall_ns;
      finish_open(o);
      ctr_.bump(c_expired);
      emit(o, "expired", wall_ns, events);
    }
  }
}

}  // namespace torghut::adapters::sim
