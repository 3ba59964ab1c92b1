// The broker's order id in the audit trail: every execution event that carries it writes
// execution_order_events.alpaca_order_id, and executions.alpaca_order_id is set from the first
// event that has it (an event without it never erases it).
#include <gtest/gtest.h>

#include <filesystem>

#include "torghut/test/pg_support.hpp"
#include "rows.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/reject_codes.hpp"
#include "torghut/persistence/write_behind.hpp"

using namespace torghut;
namespace p = torghut::persistence;
namespace fs = std::filesystem;

namespace {

p::write_behind_config config(const std::string& dsn, const std::string& spool) {
  p::write_behind_config c;
  c.dsn = dsn;
  c.spool_dir = spool;
  c.batch_rows = 64;
  c.fsync = p::fsync_policy::none;
  return c;
}

execution_report report_for(const order_command& c, const order_intent& d, order_status st, int64_t dt_ns) {
  execution_report e;
  e.id = c.id;
  e.coid = c.coid;
  e.strategy = d.strategy;
  e.symbol = d.symbol;
  e.order_side = d.order_side;
  e.status = st;
  e.order_qty = d.qty;
  e.hash = d.hash;
  e.time = timestamp{d.decided_at.ns + dt_ns};
  return e;
}

}  // namespace

TEST(alpaca_order_id, is_recorded_per_event_and_on_the_execution_and_never_erased) {
  test::temp_db db;
  const std::string spool = test::scratch_dir("spool");
  symbol_table syms(16);
  const symbol_id aapl = syms.intern("AAPL");
  audit_sink sink(1 << 12);
  p::run_identity id;
  id.run_id = p::derive_uuid("alpaca-order-id-" + std::to_string(::getpid()));
  id.started_at = timestamp{test::t0_ns};
  {
    p::write_behind wb(config(db.dsn(), spool), sink, syms, id);
    const order_intent d = test::intent(aapl, 3);
    const order_command c = test::order_for(d, 9);
    sink.order(c);
    execution_report pending = report_for(c, d, order_status::pending_new, 1'000);  // before the answer
    sink.execution(pending);
    execution_report accepted = report_for(c, d, order_status::new_order, 2'000);
    (void)accepted.broker_id.assign("61e69015-8549-4bfd-b9c3-01e75843f47d");
    sink.execution(accepted);
    execution_report later = report_for(c, d, order_status::canceled, 3'000);  // an event without it
    later.reject_code = reject_codes::order_stale;
    sink.execution(later);
    ASSERT_TRUE(wb.flush());
  }
  EXPECT_EQ(db.scalar("SELECT coalesce(alpaca_order_id, 'NULL') FROM executions"),
            "61e69015-8549-4bfd-b9c3-01e75843f47d");
  EXPECT_EQ(db.scalar("SELECT string_agg(event_type || '=' || coalesce(alpaca_order_id, 'NULL'), ',' ORDER BY feed_seq) "
                      "FROM execution_order_events"),
            "pending_new=NULL,new=61e69015-8549-4bfd-b9c3-01e75843f47d,canceled=NULL");
  EXPECT_EQ(db.scalar("SELECT (raw_event->>'reason') FROM execution_order_events WHERE event_type = 'canceled'"),
            "ORDER_STALE");
  fs::remove_all(spool);
}
