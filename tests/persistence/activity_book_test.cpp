// The control API's in-memory activity (activity_book): the latest decisions and execution
// reports, newest first and filtered; orders folded from order and execution rows; bounded.
#include "torghut/persistence/activity_book.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace torghut;
using torghut::persistence::activity_book;
using torghut::persistence::activity_query;

namespace {

constexpr int64_t t0 = 1'709'562'600'000'000'000;  // 2024-03-04T14:30:00Z

audit_row decision(uint64_t seq, symbol_id s, int64_t t) {
  audit_row r;
  r.kind = audit_kind::decision;
  r.seq = seq;
  r.time = timestamp{t};
  r.body.decision.symbol = s;
  r.body.decision.qty = quantity::from_raw(quantity::scale);
  return r;
}

audit_row submit(uint64_t seq, uint64_t id, symbol_id s, int64_t t) {
  audit_row r;
  r.kind = audit_kind::order;
  r.seq = seq;
  r.time = timestamp{t};
  order_command c;
  c.kind = order_command_kind::submit;
  c.id = order_id{id};
  c.coid.assign("tg-" + std::to_string(id));
  c.symbol = s;
  c.qty = quantity::from_raw(10 * quantity::scale);
  r.body.order = c;
  return r;
}

audit_row report(uint64_t seq, uint64_t id, symbol_id s, order_status st, int64_t filled, int64_t t) {
  audit_row r;
  r.kind = audit_kind::execution;
  r.seq = seq;
  r.time = timestamp{t};
  execution_report e;
  e.id = order_id{id};
  e.coid.assign("tg-" + std::to_string(id));
  e.symbol = s;
  e.status = st;
  e.order_qty = quantity::from_raw(10 * quantity::scale);
  e.cum_qty = quantity::from_raw(filled * quantity::scale);
  e.avg_px = price::from_raw(100 * price::scale);
  if (st != order_status::pending_new) e.broker_id.assign("b-" + std::to_string(id));
  r.body.execution = e;
  return r;
}

size_t count(const std::string& json, const std::string& needle) {
  size_t n = 0;
  for (size_t p = json.find(needle); p != std::string::npos; p = json.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(activity_book, lists_decisions_newest_first_filtered_by_symbol_since_and_limit) {
  symbol_table syms(16);
  const auto aapl = syms.intern("AAPL"), msft = syms.intern("MSFT");
  activity_book book(syms, 8);
  for (uint64_t i = 0; i < 6; ++i) book.add(decision(i, i % 2 == 0 ? aapl : msft, t0 + static_cast<int64_t>(i) * 1'000'000'000));
  activity_query q;
  std::string all = book.decisions_json(q);
  EXPECT_EQ(count(all, "\"kind\":\"decision\""), 6u);
  EXPECT_LT(all.find("\"seq\":5"), all.find("\"seq\":0")) << "newest first: " << all;
  q.symbol = "MSFT";
  const std::string msft_only = book.decisions_json(q);
  EXPECT_EQ(count(msft_only, "\"symbol\":\"MSFT\""), 3u);
  EXPECT_EQ(count(msft_only, "AAPL"), 0u);
  q.symbol.clear();
  q.since = timestamp{t0 + 4'000'000'000};
  EXPECT_EQ(count(book.decisions_json(q), "\"kind\""), 2u) << "seq 4 and 5 are at or after since";
  q.since = {};
  q.limit = 2;
  const std::string two = book.decisions_json(q);
  EXPECT_EQ(count(two, "\"kind\""), 2u);
  EXPECT_NE(two.find("\"seq\":5"), std::string::npos);
  EXPECT_NE(two.find("\"seq\":4"), std::string::npos);
  EXPECT_EQ(book.executions_json({}), "[]");
}

TEST(activity_book, keeps_only_the_latest_capacity_rows) {
  symbol_table syms(16);
  const auto aapl = syms.intern("AAPL");
  activity_book book(syms, 4);
  for (uint64_t i = 0; i < 10; ++i) book.add(decision(i, aapl, t0));
  const std::string j = book.decisions_json({});
  EXPECT_EQ(count(j, "\"kind\""), 4u);
  for (int s = 6; s <= 9; ++s) EXPECT_NE(j.find("\"seq\":" + std::to_string(s) + ","), std::string::npos) << j;
  EXPECT_EQ(j.find("\"seq\":5,"), std::string::npos);
}

TEST(activity_book, folds_orders_from_submits_and_reports_open_then_finished) {
  symbol_table syms(16);
  const auto aapl = syms.intern("AAPL"), msft = syms.intern("MSFT");
  activity_book book(syms, 16);
  book.add(submit(0, 1, aapl, t0));
  book.add(report(1, 1, aapl, order_status::pending_new, 0, t0));
  book.add(submit(2, 2, msft, t0 + 1));
  book.add(report(3, 2, msft, order_status::accepted, 0, t0 + 2));
  book.add(report(4, 1, aapl, order_status::partially_filled, 4, t0 + 3));
  EXPECT_EQ(book.open_orders(), 2u);
  std::string open = book.orders_json({}, true, false);
  EXPECT_EQ(count(open, "\"order_id\""), 2u) << open;
  EXPECT_LT(open.find("\"order_id\":2"), open.find("\"order_id\":1")) << "newest first";
  EXPECT_NE(open.find("\"status\":\"partially_filled\""), std::string::npos);
  EXPECT_NE(open.find("\"filled_qty\":\"4\""), std::string::npos);
  EXPECT_NE(open.find("\"broker_order_id\":\"b-1\""), std::string::npos);
  EXPECT_NE(open.find("\"client_order_id\":\"tg-2\""), std::string::npos);

  book.add(report(5, 1, aapl, order_status::filled, 10, t0 + 4));
  EXPECT_EQ(book.open_orders(), 1u);
  EXPECT_EQ(count(book.orders_json({}, true, false), "\"order_id\""), 1u);
  const std::string closed = book.orders_json({}, false, true);
  EXPECT_EQ(count(closed, "\"order_id\""), 1u);
  EXPECT_NE(closed.find("\"status\":\"filled\""), std::string::npos) << closed;
  activity_query only_msft;
  only_msft.symbol = "MSFT";
  EXPECT_EQ(count(book.orders_json(only_msft, true, true), "\"order_id\""), 1u);
  EXPECT_EQ(count(book.executions_json({}), "\"kind\":\"execution\""), 4u);

  const auto by = book.reports_by_status();
  EXPECT_EQ(by[static_cast<size_t>(order_status::pending_new)], 1u);
  EXPECT_EQ(by[static_cast<size_t>(order_status::accepted)], 1u);
  EXPECT_EQ(by[static_cast<size_t>(order_status::partially_filled)], 1u);
  EXPECT_EQ(by[static_cast<size_t>(order_status::filled)], 1u);
}

TEST(activity_book, the_open_order_table_is_bounded_and_reports_of_unknown_orders_still_count) {
  symbol_table syms(16);
  const auto aapl = syms.intern("AAPL");
  activity_book book(syms, 16, 2);
  for (uint64_t id = 1; id <= 5; ++id) book.add(submit(id, id, aapl, t0));
  EXPECT_EQ(book.open_orders(), 2u);
  book.add(report(9, 99, aapl, order_status::canceled, 0, t0));  // never submitted in this run
  EXPECT_EQ(book.open_orders(), 2u);
  EXPECT_EQ(book.reports_by_status()[static_cast<size_t>(order_status::canceled)], 1u);
}
