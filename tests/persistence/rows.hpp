#pragma once
// Audit rows for the persistence tests: row i of a stream is a decision with a unique hash, so
// "every row exactly once" is a count and a distinct count on trade_decisions.audit_seq.
#include "torghut/core/decision_hash.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::test {

inline constexpr int64_t t0_ns = 1'700'000'000'000'000'000;

inline order_intent intent(symbol_id sym, uint64_t i) {
  order_intent d;
  d.strategy = strategy_id{3};
  d.symbol = sym;
  d.order_side = i % 2 ? side::sell : side::buy;
  d.type = order_type::limit;
  d.qty = quantity::from_raw(static_cast<int64_t>(10 + i % 90) * quantity::scale);
  d.limit_px = price::from_raw(187'250'000'000 + static_cast<int64_t>(i) * 10'000'000);
  d.reference_px = d.limit_px;
  d.event_time = timestamp{t0_ns + static_cast<int64_t>(i) * 1'000'000};
  d.decided_at = d.event_time;
  d.hash = decision_hash{0x1000 + i, 0xabcdef00ull ^ (i * 0x9e3779b97f4a7c15ull)};
  d.rationale.assign("macd crossed above signal");
  return d;
}

inline audit_row decision_row(symbol_id sym, uint64_t i) {
  audit_row r;
  r.kind = audit_kind::decision;
  r.time = timestamp{t0_ns + static_cast<int64_t>(i) * 1'000'000};
  r.body.decision = intent(sym, i);
  return r;
}

inline order_command order_for(const order_intent& d, uint64_t id) {
  order_command c;
  c.kind = order_command_kind::submit;
  c.id = order_id{id};
  c.coid = client_order_id_for(d.hash);
  c.strategy = d.strategy;
  c.symbol = d.symbol;
  c.order_side = d.order_side;
  c.type = d.type;
  c.tif = time_in_force::day;
  c.qty = d.qty;
  c.limit_px = d.limit_px;
  c.hash = d.hash;
  c.created_at = d.decided_at;
  return c;
}

}  // namespace torghut::test
