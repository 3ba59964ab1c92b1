#include "torghut/persistence/activity_book.hpp"

#include <algorithm>

#include "torghut/persistence/audit_json.hpp"

namespace torghut::persistence {

activity_book::activity_book(const symbol_table& symbols, size_t capacity, size_t max_open)
    : syms_(symbols),
      capacity_(std::max<size_t>(capacity, 1)),
      max_open_(std::max<size_t>(max_open, 1)),
      decisions_(capacity_),
      executions_(capacity_) {}

void activity_book::add(const audit_row& r) {
  const std::lock_guard lock(mu_);
  switch (r.kind) {
    case audit_kind::decision: decisions_.push(r); return;
    case audit_kind::order: {
      const order_command& c = r.body.order;
      if (c.kind != order_command_kind::submit) return;
      if (open_.size() >= max_open_ && !open_.contains(c.id.value)) return;  // bounded; reports still count
      order_view& o = open_[c.id.value];
      o.id = c.id;
      o.coid = c.coid;
      o.strategy = c.strategy;
      o.symbol = c.symbol;
      o.order_side = c.order_side;
      o.type = c.type;
      o.tif = c.tif;
      o.qty = c.qty;
      o.submitted_at = r.time;
      o.updated_at = r.time;
      return;
    }
    case audit_kind::execution: {
      executions_.push(r);
      const execution_report& e = r.body.execution;
      ++by_status_[static_cast<size_t>(e.status)];
      const auto it = open_.find(e.id.value);
      if (it == open_.end()) return;  // an order sent before this run (adopted), or over the bound
      order_view& o = it->second;
      o.status = e.status;
      o.filled = e.cum_qty;
      o.avg_px = e.avg_px;
      o.updated_at = r.time;
      o.reject_code = e.reject_code;
      if (!e.broker_id.empty()) o.broker_id = e.broker_id;
      if (is_terminal(e.status)) {
        finished_.push_back(o);
        if (finished_.size() > capacity_) finished_.pop_front();
        open_.erase(it);
      }
      return;
    }
    default: return;
  }
}

bool activity_book::wanted(const activity_query& q, symbol_id s, timestamp t) const {
  if (t.ns < q.since.ns) return false;
  return q.symbol.empty() || syms_.name(s) == q.symbol;
}

std::string activity_book::rows_json(const ring& r, const activity_query& q) const {
  std::string out = "[";
  size_t n = 0;
  for (size_t i = 0; i < r.size() && n < q.limit; ++i) {
    const audit_row& row = r.newest(i);
    const symbol_id s = row.kind == audit_kind::decision ? row.body.decision.symbol : row.body.execution.symbol;
    if (!wanted(q, s, row.time)) continue;
    if (n++ > 0) out += ',';
    append_audit_json(out, row, syms_);
  }
  out += ']';
  return out;
}

std::string activity_book::decisions_json(const activity_query& q) const {
  const std::lock_guard lock(mu_);
  return rows_json(decisions_, q);
}

std::string activity_book::executions_json(const activity_query& q) const {
  const std::lock_guard lock(mu_);
  return rows_json(executions_, q);
}

void activity_book::append_order(std::string& out, const order_view& o) const {
  json_object j(out);
  j.u64("order_id", o.id.value)
      .str("client_order_id", o.coid.view())
      .str("broker_order_id", o.broker_id.view())
      .u64("strategy_id", o.strategy.value)
      .str("symbol", syms_.name(o.symbol))
      .str("side", to_string(o.order_side))
      .str("type", to_string(o.type))
      .str("time_in_force", to_string(o.tif))
      .dec("qty", o.qty)
      .dec("filled_qty", o.filled)
      .dec("filled_avg_price", o.avg_px)
      .str("status", to_string(o.status))
      .ts("submitted_at", o.submitted_at)
      .ts("updated_at", o.updated_at);
  if (o.status == order_status::rejected) j.u64("reject_code", o.reject_code);
  j.close();
}

std::string activity_book::orders_json(const activity_query& q, bool with_open, bool with_finished) const {
  const std::lock_guard lock(mu_);
  std::vector<const order_view*> open;
  open.reserve(open_.size());
  if (with_open)
    for (const auto& [id, o] : open_)
      if (wanted(q, o.symbol, o.updated_at)) open.push_back(&o);
  std::sort(open.begin(), open.end(), [](const order_view* a, const order_view* b) { return a->id.value > b->id.value; });
  std::string out = "[";
  size_t n = 0;
  auto put = [&](const order_view& o) {
    if (n++ > 0) out += ',';
    append_order(out, o);
  };
  for (const order_view* o : open) {
    if (n >= q.limit) break;
    put(*o);
  }
  if (with_finished)
    for (auto it = finished_.rbegin(); it != finished_.rend() && n < q.limit; ++it)
      if (wanted(q, it->symbol, it->updated_at)) put(*it);
  out += ']';
  return out;
}

std::array<uint64_t, order_status_count> activity_book::reports_by_status() const {
  const std::lock_guard lock(mu_);
  return by_status_;
}

size_t activity_book::open_orders() const {
  const std::lock_guard lock(mu_);
  return open_.size();
}

}  // namespace torghut::persistence
