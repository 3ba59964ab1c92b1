#pragma once
/// Shared helpers for the order router and paper broker tests.

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "torghut/actors/order_router.hpp"
#include "torghut/core/decision_hash.hpp"

namespace torghut::test {

inline price px(std::string_view s) { return parse_decimal<price>(s).value(); }
inline quantity qty(std::string_view s) { return parse_decimal<quantity>(s).value(); }

inline risk_verdict approved_order(std::string_view q, side sd = side::buy, uint64_t h = 1,
                                   order_type t = order_type::market,
                                   std::string_view limit = "0") {
  risk_verdict v;
  v.intent.kind = intent_kind::new_order;
  v.intent.strategy = strategy_id{3};
  v.intent.symbol = symbol_id{2};
  v.intent.order_side = sd;
  v.intent.type = t;
  v.intent.tif = time_in_force::day;
  v.intent.qty = qty(q);
  v.intent.limit_px = px(limit);
  v.intent.hash = decision_hash{0xabc, h};
  v.reason = risk_reason::approved;
  return v;
}

inline risk_verdict approved_cancel(uint64_t target) {
  risk_verdict v;
  v.intent.kind = intent_kind::cancel;
  v.intent.cancel_target = order_id{target};
  v.intent.hash = decision_hash{0xdef, target};
  v.reason = risk_reason::approved;
  return v;
}

inline broker_event event(uint64_t id, broker_event_kind k, std::string_view q = "0",
                          std::string_view p = "0") {
  broker_event ev;
  ev.kind = k;
  ev.id = order_id{id};
  ev.last_qty = qty(q);
  ev.last_px = px(p);
  return ev;
}

inline market_event quote(symbol_id s, std::string_view bid, std::string_view bid_size,
                          std::string_view ask, std::string_view ask_size) {
  market_event ev;
  ev.kind = market_event_kind::quote;
  ev.symbol = s;
  ev.u.quote = quote_payload{};
  ev.u.quote.bid_px = px(bid);
  ev.u.quote.bid_size = qty(bid_size);
  ev.u.quote.ask_px = px(ask);
  ev.u.quote.ask_size = qty(ask_size);
  return ev;
}

template <class T>
std::vector<T> drain(mailbox<T>& m) {
  std::vector<T> v;
  T x;
  while (m.pop(x)) v.push_back(x);
  return v;
}

}  // namespace torghut::test
