// The write-behind against a real Postgres: every audit row type round trip, duplicates absorbed
// by the unique keys, a poison row dead-lettered while the rest land, spool-only operation
// shipped later, torn spool tails cut, and the DSN password never in a log line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "torghut/test/pg_support.hpp"
#include "rows.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/persistence/dsn.hpp"
#include "torghut/persistence/write_behind.hpp"

using namespace torghut;
namespace p = torghut::persistence;
namespace fs = std::filesystem;

namespace {

p::run_identity identity(uint64_t n = 1) {
  p::run_identity id;
  id.run_id = p::derive_uuid("test-run-" + std::to_string(n) + "-" + std::to_string(::getpid()));
  id.mode = p::run_mode::paper;
  id.account_label = "paper";
  id.host = "test";
  id.started_at = timestamp{test::t0_ns};
  return id;
}

p::write_behind_config config(const std::string& dsn, const std::string& spool) {
  p::write_behind_config c;
  c.dsn = dsn;
  c.spool_dir = spool;
  c.batch_rows = 64;
  c.fsync = p::fsync_policy::none;
  c.reconnect_min = std::chrono::milliseconds(10);
  c.reconnect_max = std::chrono::milliseconds(50);
  return c;
}

struct fixture {
  fixture() : spool(test::scratch_dir("spool")), syms(64), sink(1 << 14) { aapl = syms.intern("AAPL"); }
  ~fixture() { fs::remove_all(spool); }
  std::string spool;
  symbol_table syms;
  audit_sink sink;
  symbol_id aapl;
};

}  // namespace

TEST(write_behind, every_audit_row_type_makes_a_round_trip) {
  test::temp_db db;
  fixture f;
  p::write_behind wb(config(db.dsn(), f.spool), f.sink, f.syms, identity());
  const order_intent d = test::intent(f.aapl, 7);
  f.sink.decision(d, d.decided_at);
  risk_verdict v;
  v.intent = d;
  v.decided_at = d.decided_at;
  f.sink.verdict(v);
  const order_command c = test::order_for(d, 42);
  f.sink.order(c);
  execution_report e;
  e.id = c.id;
  e.coid = c.coid;
  e.strategy = d.strategy;
  e.symbol = f.aapl;
  e.order_side = d.order_side;
  e.status = order_status::filled;
  e.order_qty = d.qty;
  e.last_qty = d.qty;
  e.last_px = *parse_decimal<price>("187.3");
  e.cum_qty = d.qty;
  e.avg_px = e.last_px;
  e.hash = d.hash;
  e.time = timestamp{d.decided_at.ns + 5'000'000};
  f.sink.execution(e);
  order_command cancel = c;
  cancel.kind = order_command_kind::cancel;
  cancel.created_at = timestamp{e.time.ns + 1};
  f.sink.order(cancel);
  f.sink.anomaly(anomaly_kind::stale, f.aapl, timestamp{test::t0_ns}, timestamp{test::t0_ns + 3});
  audit_row ctl;
  ctl.kind = audit_kind::control;
  ctl.time = timestamp{test::t0_ns + 4};
  f.sink.emit(ctl);
  p::position_snapshot_row ps;
  ps.as_of = timestamp{test::t0_ns + 10};
  ps.equity = *parse_decimal<money>("100123.45");
  ps.cash = *parse_decimal<money>("90000");
  ps.buying_power = *parse_decimal<money>("180000.5");
  {
    p::json_object o(ps.positions_json = {});
    o.str("symbol", "AAPL").dec("qty", d.qty).dec("avg_entry_price", e.avg_px);
    o.close();
    ps.positions_json = "[" + ps.positions_json + "]";
  }
  wb.post(ps);
  wb.post(p::run_heartbeat{timestamp{test::t0_ns + 20}, 100, 1, 1, 1, false});
  wb.post(p::run_heartbeat{timestamp{test::t0_ns + 30}, 150, 1, 1, 1, true});
  ASSERT_TRUE(wb.flush());

  const auto m = wb.metrics();
  EXPECT_EQ(m.rows_in, 10u);
  EXPECT_EQ(m.rows_committed, 10u);
  EXPECT_EQ(m.dead_letters, 0u);
  EXPECT_EQ(m.spool_records, 0u);

  // decision → trade_decisions (status follows the verdict and the fill)
  EXPECT_EQ(db.scalar("SELECT symbol || '|' || status || '|' || alpaca_account_label || '|' || decision_hash || '|' || "
                      "(decision_json->>'qty') || '|' || (decision_json->>'limit_price') || '|' || created_at::text "
                      "|| '|' || executed_at::text FROM trade_decisions"),
            "AAPL|executed|paper|" + std::string([&] { char h[33] = {}; to_hex(d.hash, h); return std::string(h, 32); }()) +
                "|17|187.32|2023-11-14 22:13:20.007+00|2023-11-14 22:13:20.012+00");
  EXPECT_EQ(db.scalar("SELECT approved::text || '|' || reason || '|' || trading_state FROM risk_verdicts"),
            "true|APPROVED|ACTIVE");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM risk_verdicts v JOIN trade_decisions d ON d.id = v.trade_decision_id"), "1");
  // order → executions, updated by its fill event
  EXPECT_EQ(db.scalar("SELECT client_order_id || '|' || side || '|' || order_type || '|' || submitted_qty::text || '|' "
                      "|| limit_price::text || '|' || status || '|' || filled_qty::text || '|' || avg_fill_price::text "
                      "FROM executions"),
            std::string(c.coid.view()) + "|sell|limit|17|187.32|filled|17|187.3");
  EXPECT_EQ(db.count("SELECT count(*) FROM executions x JOIN trade_decisions d ON d.id = x.trade_decision_id"), 1);
  // execution report + cancel request → execution_order_events, linked to the execution
  EXPECT_EQ(db.scalar("SELECT string_agg(event_type, ',' ORDER BY source_offset) FROM execution_order_events"),
            "filled,cancel_requested");
  EXPECT_EQ(db.count("SELECT count(*) FROM execution_order_events ev JOIN executions x ON x.id = ev.execution_id"), 2);
  EXPECT_EQ(db.scalar("SELECT last_fill_price::text FROM execution_order_events WHERE event_type = 'filled'"), "187.3");
  // anomaly + control → engine_run_events
  EXPECT_EQ(db.scalar("SELECT string_agg(kind || ':' || coalesce(symbol, '-'), ',' ORDER BY audit_seq) FROM engine_run_events"),
            "anomaly:AAPL,control:-");
  EXPECT_EQ(db.scalar("SELECT payload->>'anomaly' FROM engine_run_events WHERE kind = 'anomaly'"), "stale");
  // position snapshot and run ledger
  EXPECT_EQ(db.scalar("SELECT equity::text || '|' || buying_power::text || '|' || (positions->0->>'qty') FROM position_snapshots"),
            "100123.45|180000.5|17");
  EXPECT_EQ(db.scalar("SELECT mode || '|' || events || '|' || decisions || '|' || (ended_at IS NOT NULL)::text FROM engine_runs"),
            "paper|150|1|true");
}

TEST(write_behind, duplicates_are_absorbed_by_the_unique_keys) {
  test::temp_db db;
  fixture f;
  p::write_behind wb(config(db.dsn(), f.spool), f.sink, f.syms, identity());
  for (uint64_t i = 0; i < 200; ++i) f.sink.emit(test::decision_row(f.aapl, i));
  ASSERT_TRUE(wb.flush());
  // The same decisions again (another sequence number, same account and hash), in other batches.
  for (uint64_t i = 100; i < 300; ++i) f.sink.emit(test::decision_row(f.aapl, i));
  ASSERT_TRUE(wb.flush());
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 300);
  EXPECT_EQ(db.count("SELECT count(DISTINCT decision_hash) FROM trade_decisions"), 300);
  EXPECT_EQ(wb.metrics().dead_letters, 0u);
}

TEST(write_behind, a_poison_row_goes_to_the_dead_letter_file_while_the_rest_land) {
  test::temp_db db;
  fixture f;
  auto cfg = config(db.dsn(), f.spool);
  cfg.batch_rows = 1000;
  p::write_behind wb(cfg, f.sink, f.syms, identity());
  for (uint64_t i = 0; i < 301; ++i) {
    const order_intent d = test::intent(f.aapl, i);
    f.sink.decision(d, d.decided_at);
    order_command c = test::order_for(d, i + 1);
    if (i == 137) c.qty = quantity{};  // violates executions.submitted_qty > 0
    f.sink.order(c);
  }
  ASSERT_TRUE(wb.flush());
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 301);
  EXPECT_EQ(db.count("SELECT count(*) FROM executions"), 300);
  EXPECT_EQ(wb.metrics().dead_letters, 1u);
  std::ifstream in(wb.dead_letter_path());
  std::string line, all;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    all += line;
  }
  EXPECT_EQ(lines, 1);
  EXPECT_NE(all.find("\"table\":\"executions\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"sqlstate\":\"23514\""), std::string::npos) << all;  // check_violation
  EXPECT_NE(all.find(std::string(client_order_id_for(test::intent(f.aapl, 137).hash).view())), std::string::npos) << all;
}

TEST(write_behind, spools_while_the_database_is_unreachable_and_ships_in_order_when_it_returns) {
  test::temp_db db;
  fixture f;
  const std::string unreachable = test::with_database(db.dsn(), "no_such_database_here");
  {
    p::write_behind wb(config(unreachable, f.spool), f.sink, f.syms, identity());
    for (uint64_t i = 0; i < 500; ++i) f.sink.emit(test::decision_row(f.aapl, i));
    EXPECT_FALSE(wb.flush());
    const auto m = wb.metrics();
    EXPECT_EQ(m.rows_spooled, 500u);
    EXPECT_EQ(m.rows_committed, 0u);
    EXPECT_GT(m.spool_records, 0u);
    EXPECT_GT(m.spool_bytes, 0u);
    EXPECT_FALSE(m.connected);
  }
  // A new writer (a restart) with the database back: the spool goes first.
  p::write_behind wb(config(db.dsn(), f.spool), f.sink, f.syms, identity());
  for (uint64_t i = 500; i < 600; ++i) f.sink.emit(test::decision_row(f.aapl, i));
  ASSERT_TRUE(wb.flush());
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 600);
  EXPECT_EQ(db.count("SELECT count(DISTINCT audit_seq) FROM trade_decisions"), 600);
  EXPECT_GT(wb.metrics().replayed_records, 0u);
  EXPECT_EQ(wb.metrics().spool_bytes, 0u);
}

TEST(write_behind, a_torn_spool_tail_is_cut_with_a_log_line_and_kept_aside) {
  test::temp_db db;
  fixture f;
  const std::string unreachable = test::with_database(db.dsn(), "no_such_database_here");
  {
    p::write_behind wb(config(unreachable, f.spool), f.sink, f.syms, identity());
    for (uint64_t i = 0; i < 128; ++i) f.sink.emit(test::decision_row(f.aapl, i));  // two batches of 64
    wb.flush();
  }
  const std::string path = f.spool + "/spool.log";
  const auto full = fs::file_size(path);
  fs::resize_file(path, full - 100);  // the second frame is cut short: a crash mid-write

  auto logs = std::make_shared<std::ostringstream>();
  auto old = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*logs)));
  {
    p::write_behind wb(config(db.dsn(), f.spool), f.sink, f.syms, identity());
    EXPECT_GT(wb.metrics().torn_bytes_cut, 0u);
    ASSERT_TRUE(wb.flush());
  }
  spdlog::set_default_logger(old);
  EXPECT_NE(logs->str().find("torn tail"), std::string::npos) << logs->str();
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 64);  // the intact first batch
  bool kept = false;
  for (const auto& e : fs::directory_iterator(f.spool)) kept |= e.path().filename().string().rfind("spool.log.torn.", 0) == 0;
  EXPECT_TRUE(kept);
}

TEST(write_behind, the_dsn_password_never_reaches_a_log_line) {
  test::temp_db db;
  fixture f;
  const std::string pw = p::dsn_password(db.dsn());
  ASSERT_GE(pw.size(), 8u) << "the test cluster must use a password";
  auto logs = std::make_shared<std::ostringstream>();
  auto old = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*logs));
  capture->set_level(spdlog::level::trace);
  spdlog::set_default_logger(capture);
  {
    // A wrong password (authentication fails and is logged), then the right one.
    std::string wrong = db.dsn();
    wrong.replace(wrong.find(pw), pw.size(), "Wr0ngPassw0rdXyz");
    p::write_behind bad(config(wrong, f.spool), f.sink, f.syms, identity());
    f.sink.emit(test::decision_row(f.aapl, 1));
    bad.flush();
  }
  {
    p::write_behind good(config(db.dsn(), f.spool), f.sink, f.syms, identity());
    good.flush();
    good.start();
    good.stop();
  }
  spdlog::set_default_logger(old);
  const std::string out = logs->str();
  EXPECT_NE(out.find("***"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot use"), std::string::npos) << out;
  EXPECT_EQ(out.find(pw), std::string::npos) << out;
  EXPECT_EQ(out.find("Wr0ngPassw0rdXyz"), std::string::npos) << out;
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 1);
}

TEST(dsn, redacts_passwords_in_every_form) {
  EXPECT_EQ(p::redact_dsn("postgresql://u:s3cret@host:5432/db?sslmode=require"), "postgresql://u:***@host:5432/db?sslmode=require");
  EXPECT_EQ(p::redact_dsn("postgres://u@host/db?password=s3cret&x=1"), "postgres://u@host/db?password=***&x=1");
  EXPECT_EQ(p::redact_dsn("host=h user=u password=s3cret dbname=d"), "host=h user=u password=*** dbname=d");
  EXPECT_EQ(p::redact_dsn("host=h password = 'a b\\' c' dbname=d"), "host=h password = *** dbname=d");
  EXPECT_EQ(p::redact_dsn("postgresql://u@/db?host=/tmp"), "postgresql://u@/db?host=/tmp");
  EXPECT_EQ(p::dsn_password("postgresql://u:s3cret@/db"), "s3cret");
  EXPECT_EQ(p::scrub("error for s3cret here", "host=h password=s3cret"), "error for *** here");
}

TEST(write_behind, logs_a_line_when_the_audit_queue_backs_up_and_when_it_drains) {
  fixture f;
  audit_sink small(64);
  auto logs = std::make_shared<std::ostringstream>();
  auto old = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*logs)));
  auto cfg = config("", f.spool);  // spool only
  cfg.batch_rows = 16;
  {
    p::write_behind wb(cfg, small, f.syms, identity());
    for (uint64_t i = 0; i < 60; ++i) small.emit(test::decision_row(f.aapl, i));
    ASSERT_TRUE(small.backpressured());
    wb.tick();  // sees the back-pressure, takes one batch
    EXPECT_EQ(wb.metrics().backpressure_episodes, 1u);
    while (wb.tick()) {
    }
    wb.flush();  // the last, partial batch
    EXPECT_FALSE(small.backpressured());
    EXPECT_FALSE(wb.metrics().backpressured);
    EXPECT_EQ(wb.metrics().backpressure_episodes, 1u);
    EXPECT_EQ(wb.metrics().rows_spooled, 60u);
  }
  spdlog::set_default_logger(old);
  EXPECT_NE(logs->str().find("back-pressured"), std::string::npos) << logs->str();
  EXPECT_NE(logs->str().find("drained"), std::string::npos) << logs->str();
}
