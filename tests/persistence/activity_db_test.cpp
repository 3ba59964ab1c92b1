// GET /trading/decisions and /trading/executions from Postgres (activity_db): the rows the
// write-behind committed, newest first, filtered by symbol, since and limit, as one JSON array;
// an unreachable database answers at once with a scrubbed error (the API then serves memory).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "rows.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/persistence/activity_db.hpp"
#include "torghut/persistence/write_behind.hpp"
#include "torghut/test/pg_support.hpp"

using namespace torghut;
namespace p = torghut::persistence;
namespace fs = std::filesystem;

namespace {

size_t count(const std::string& json, const std::string& needle) {
  size_t n = 0;
  for (size_t at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(activity_db, lists_this_accounts_committed_decisions_and_executions_newest_first) {
  test::temp_db db;
  const std::string spool = test::scratch_dir("activity-spool");
  symbol_table syms(64);
  const symbol_id aapl = syms.intern("AAPL"), msft = syms.intern("MSFT");
  audit_sink sink(1 << 12);
  {
    p::write_behind_config c;
    c.dsn = db.dsn();
    c.spool_dir = spool;
    c.fsync = p::fsync_policy::none;
    p::run_identity id;
    id.run_id = p::derive_uuid("activity-db-test-" + std::to_string(::getpid()));
    id.account_label = "paper";
    id.host = "test";
    id.started_at = timestamp{test::t0_ns};
    p::write_behind wb(c, sink, syms, id);
    for (uint64_t i = 0; i < 5; ++i) {
      const order_intent d = test::intent(i % 2 == 0 ? aapl : msft, i);  // decided 1 ms apart
      sink.decision(d, d.decided_at);
      if (i == 4) sink.order(test::order_for(d, 9));
    }
    ASSERT_TRUE(wb.flush());
  }
  fs::remove_all(spool);

  p::activity_db adb(db.dsn(), "paper");
  std::string err;
  p::activity_query q;
  auto all = adb.decisions(q, err);
  ASSERT_TRUE(all) << err;
  EXPECT_EQ(count(*all, "\"engine_run_id\""), 5u) << *all;
  EXPECT_LT(all->find("\"audit_seq\":4"), all->find("\"audit_seq\":0")) << "newest first: " << *all;
  EXPECT_EQ(all->front(), '[');
  q.symbol = "MSFT";
  auto msft_only = adb.decisions(q, err);
  ASSERT_TRUE(msft_only) << err;
  EXPECT_EQ(count(*msft_only, "\"symbol\":\"MSFT\""), 2u);
  EXPECT_EQ(count(*msft_only, "AAPL"), 0u);
  q.symbol.clear();
  q.limit = 2;
  EXPECT_EQ(count(*adb.decisions(q, err), "\"engine_run_id\""), 2u);
  q.limit = 100;
  q.since = timestamp{test::t0_ns + 3'000'000};  // decisions 3 and 4
  EXPECT_EQ(count(*adb.decisions(q, err), "\"engine_run_id\""), 2u);
  q.since = {};
  auto ex = adb.executions(q, err);
  ASSERT_TRUE(ex) << err;
  EXPECT_EQ(count(*ex, "\"client_order_id\""), 1u) << *ex;
  EXPECT_NE(ex->find("\"qty\":\"14\""), std::string::npos) << "numerics as exact strings: " << *ex;

  p::activity_db other(db.dsn(), "live-account");
  EXPECT_EQ(*other.decisions({}, err), "[]") << "another account's rows are not listed";
}

TEST(activity_db, an_unreachable_database_fails_fast_with_the_password_scrubbed_then_backs_off) {
  // A port nothing listens on: refused at once.
  p::activity_db adb("host=127.0.0.1 port=1 dbname=x user=u password=s3cr3t-pw", "paper");
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(adb.decisions({}, err));
  EXPECT_FALSE(err.empty());
  EXPECT_EQ(err.find("s3cr3t-pw"), std::string::npos) << err;
  err.clear();
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_FALSE(adb.executions({}, err));
  EXPECT_FALSE(err.empty()) << "the last error is kept while backing off";
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(100))
      << "within the back-off Postgres is not asked again";
  (void)t0;
}

TEST(activity_db, adds_a_connect_timeout_to_both_dsn_forms) {
  EXPECT_EQ(p::activity_db::with_connect_timeout("host=h dbname=d", 2), "host=h dbname=d connect_timeout=2");
  EXPECT_EQ(p::activity_db::with_connect_timeout("postgresql://u@h/d", 2), "postgresql://u@h/d?connect_timeout=2");
  EXPECT_EQ(p::activity_db::with_connect_timeout("postgresql://u@h/d?sslmode=disable", 2),
            "postgresql://u@h/d?sslmode=disable&connect_timeout=2");
  EXPECT_EQ(p::activity_db::with_connect_timeout("host=h connect_timeout=9", 2), "host=h connect_timeout=9");
}
