// The audit trail against a real Postgres (scripts/pg.sh): the decision log is flushed on a short
// interval, a reachable database at another schema version is refused, engine_runs records the
// host, build, config and process and closes abandoned runs, and a replay writes the configured
// strategies and position snapshots consistent with its fills.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "torghut/test/pg_support.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/control/control_plane.hpp"
#include "torghut/persistence/schema.hpp"
#include "torghut/persistence/audit_trail.hpp"
#include "torghut/app/replay_runtime.hpp"
#include "torghut/persistence/run_record.hpp"

using namespace torghut;
namespace fs = std::filesystem;

namespace {

std::string scratch(const std::string& tag) {
  static int n = 0;
  const auto d = fs::temp_directory_path() / ("torghut_trail_" + std::to_string(::getpid()) + "_" + tag + "_" +
                                              std::to_string(n++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

size_t line_count(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string l;
  while (std::getline(in, l)) ++n;
  return n;
}

/// Waits (with a generous bound) until `cond` holds.
template <class F>
bool wait_for(F&& cond, std::chrono::seconds bound = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

struct trail_fixture {
  audit_sink sink{1024};
  symbol_table symbols{16};
  control_channel channel;
  control_plane control{channel, {.workers = 1}};
};

persistence::audit_trail_options db_options(const std::string& dsn, const std::string& dir) {
  persistence::audit_trail_options o;
  o.db_dsn = dsn;
  o.spool_dir = dir + "/spool";
  o.decision_log = dir + "/decisions.jsonl";
  o.migrations_dir = TORGHUT_SOURCE_DIR "/migrations";
  o.run_key = dir;
  return o;
}

/// The password of a URI DSN ("" when it has none).
std::string dsn_password(const std::string& dsn) {
  const size_t start = dsn.find("://");
  const size_t at = dsn.find('@');
  if (start == std::string::npos || at == std::string::npos) return {};
  const size_t colon = dsn.find(':', start + 3);
  return colon < at ? dsn.substr(colon + 1, at - colon - 1) : std::string();
}

}  // namespace

TEST(audit_trail_db, the_decision_log_has_the_rows_within_the_flush_interval_before_the_trail_finishes) {
  test::temp_db db;
  const auto dir = scratch("flush");
  trail_fixture f;
  auto opts = db_options(db.dsn(), dir);
  persistence::audit_trail trail(opts, f.sink, f.symbols, f.control);
  for (int i = 0; i < 64; ++i)
    ASSERT_TRUE(f.sink.emit(audit_row{}));  // 64 anomaly rows, as a hot path would emit them
  // Before the fix the rows sat in a 1 MiB buffer until finish(): 0 bytes on disk.
  EXPECT_TRUE(wait_for([&] { return line_count(opts.decision_log) == 64; }))
      << line_count(opts.decision_log) << " lines in the decision log";
  trail.finish(0, 0, 0, 0);
  EXPECT_EQ(line_count(opts.decision_log), 64u);
  fs::remove_all(dir);
}

TEST(audit_trail_db, a_database_that_was_never_migrated_is_refused_naming_both_versions) {
  test::temp_db db(test::base_dsn(), /*migrate=*/false);
  const auto dir = scratch("unmigrated");
  const auto files = persistence::load_migrations(TORGHUT_SOURCE_DIR "/migrations");
  const std::string expected = std::to_string(files.back().version);
  trail_fixture f;
  try {
    persistence::audit_trail trail(db_options(db.dsn(), dir), f.sink, f.symbols, f.control);
    ADD_FAILURE() << "the audit trail started against an unmigrated database";
  } catch (const persistence::schema_error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.check().found_version, 0);
    EXPECT_EQ(e.check().expected_version, files.back().version);
    EXPECT_NE(msg.find("version 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expects version " + expected), std::string::npos) << msg;
    EXPECT_NE(msg.find("torghut migrate up"), std::string::npos) << msg;
    if (const auto pw = dsn_password(db.dsn()); !pw.empty()) { EXPECT_EQ(msg.find(pw), std::string::npos); }
  }
  // Nothing was created in the database by the check.
  EXPECT_EQ(db.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), 0);
  fs::remove_all(dir);
}

TEST(audit_trail_db, a_database_one_migration_behind_is_refused_and_a_current_one_accepted) {
  test::temp_db db(test::base_dsn(), /*migrate=*/false);
  auto files = persistence::load_migrations(TORGHUT_SOURCE_DIR "/migrations");
  ASSERT_GE(files.size(), 2u);
  const auto all = files;
  files.pop_back();
  persistence::migrate_up(db.dsn(), files);
  const auto behind = persistence::check_schema(db.dsn(), all);
  EXPECT_EQ(behind.state, persistence::schema_state::mismatch);
  EXPECT_EQ(behind.found_version, files.back().version);
  EXPECT_NE(behind.message.find(all.back().name), std::string::npos) << behind.message;
  persistence::migrate_up(db.dsn(), all);
  const auto current = persistence::check_schema(db.dsn(), all);
  EXPECT_EQ(current.state, persistence::schema_state::ok) << current.message;
  EXPECT_EQ(current.found_version, all.back().version);
}

TEST(audit_trail_db, an_unreachable_database_is_not_a_schema_error) {
  const auto dir = scratch("unreachable");
  trail_fixture f;
  auto opts = db_options("postgresql://torghut:pw@/torghut?host=" + dir + "&port=1&connect_timeout=2", dir);
  EXPECT_EQ(persistence::check_schema(opts.db_dsn, persistence::load_migrations(opts.migrations_dir)).state,
            persistence::schema_state::unreachable);
  EXPECT_NO_THROW({
    persistence::audit_trail trail(opts, f.sink, f.symbols, f.control);
    trail.finish(0, 0, 0, 0);
  });
  fs::remove_all(dir);
}

TEST(audit_trail_db, earlier_runs_whose_process_is_gone_are_closed_as_abandoned) {
  test::temp_db db;
  const auto dir = scratch("stale");
  const std::string host = persistence::host_name();
  ASSERT_FALSE(host.empty());
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // its pid names no process now
  {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    const std::string cols = "INSERT INTO engine_runs (id, mode, account_label, host, pid, started_at, heartbeat_at) VALUES ";
    // this host, dead pid, recent heartbeat: gone
    tx.exec(cols + "('00000000-0000-0000-0000-000000000001', 'paper', 'paper', " + tx.quote(host) + ", " +
            std::to_string(child) + ", now() - interval '1 minute', now() - interval '1 second')");
    // another host, silent for an hour: gone
    tx.exec(cols + "('00000000-0000-0000-0000-000000000002', 'paper', 'paper', 'elsewhere', 1, now() - interval '2 hours', "
                   "now() - interval '1 hour')");
    // another host, heard from a second ago: alive
    tx.exec(cols + "('00000000-0000-0000-0000-000000000003', 'paper', 'paper', 'elsewhere', 1, now() - interval '1 minute', "
                   "now() - interval '1 second')");
    // this host, this (live) process: alive
    tx.exec(cols + "('00000000-0000-0000-0000-000000000004', 'paper', 'paper', " + tx.quote(host) + ", " +
            std::to_string(::getpid()) + ", now() - interval '1 minute', now() - interval '1 second')");
    tx.commit();
  }
  trail_fixture f;
  auto opts = db_options(db.dsn(), dir);
  persistence::audit_trail trail(opts, f.sink, f.symbols, f.control);
  EXPECT_EQ(trail.stale_runs_closed(), 2u);
  auto status = [&](int n) {
    return db.scalar("SELECT status || '/' || (ended_at IS NOT NULL)::text FROM engine_runs WHERE id = "
                     "'00000000-0000-0000-0000-00000000000" + std::to_string(n) + "'");
  };
  EXPECT_EQ(status(1), "abandoned/true");
  EXPECT_EQ(status(2), "abandoned/true");
  EXPECT_EQ(status(3), "running/false");
  EXPECT_EQ(status(4), "running/false");
  EXPECT_EQ(db.scalar("SELECT (ended_at = heartbeat_at)::text FROM engine_runs WHERE id = "
                      "'00000000-0000-0000-0000-000000000002'"), "true");
  trail.finish(0, 0, 0, 0);
  fs::remove_all(dir);
}

TEST(audit_trail_db, a_replay_records_its_run_strategies_and_position_snapshots_consistent_with_its_fills) {
  test::temp_db db;
  const auto dir = scratch("replay");
  const std::string rec = dir + "/r.rec";
  adapters::synth_config sc;
  sc.seed = 2024;
  sc.symbol_count = 5;
  sc.duration = duration_ns{8 * 60 * ns_per_second};
  ASSERT_GT(adapters::generate_recording(sc, rec).frames, 0u);

  app::replay_options o;
  o.recording = rec;
  o.config = default_config({});
  o.config.symbol_capacity = 256;
  o.decision_log = dir + "/decisions.jsonl";
  o.db_dsn = db.dsn();
  o.spool_dir = dir + "/spool";
  const auto rep = app::run_replay(o);
  ASSERT_GT(rep.fills, 0u);
  ASSERT_EQ(rep.db_dead_letters, 0u);
  ASSERT_EQ(rep.db_rows_committed, rep.db_rows_spooled);

  // engine_runs: host, build, effective config without secrets, process, a clean end.
  EXPECT_EQ(db.count("SELECT count(*) FROM engine_runs"), 1);
  EXPECT_EQ(db.scalar("SELECT host FROM engine_runs"), persistence::host_name());
  const std::string version = db.scalar("SELECT version FROM engine_runs");
  EXPECT_EQ(version, std::string(persistence::build_version()));
  EXPECT_EQ(version.rfind("torghut 0.1.0", 0), 0u) << version;
  EXPECT_NE(version, "torghut");
  EXPECT_EQ(db.scalar("SELECT pid::text FROM engine_runs"), std::to_string(::getpid()));
  EXPECT_EQ(db.scalar("SELECT status FROM engine_runs"), "finished");
  EXPECT_EQ(db.scalar("SELECT (ended_at IS NOT NULL)::text FROM engine_runs"), "true");
  EXPECT_EQ(db.scalar("SELECT config_json->>'account_label' FROM engine_runs"), o.config.account_label);
  EXPECT_EQ(db.count("SELECT jsonb_array_length(config_json->'strategies') FROM engine_runs"),
            static_cast<long long>(o.config.strategies.size()));
  const std::string cfg_text = db.scalar("SELECT config_json::text FROM engine_runs");
  if (const auto pw = dsn_password(db.dsn()); !pw.empty()) { EXPECT_EQ(cfg_text.find(pw), std::string::npos); }
  for (const char* secret : {"secret", "key_id", "password", "dsn"})
    EXPECT_EQ(cfg_text.find(secret), std::string::npos) << secret;

  // strategies: the configured rows, under the ids trade_decisions names.
  ASSERT_FALSE(o.config.strategies.empty());
  EXPECT_EQ(db.count("SELECT count(*) FROM strategies"), static_cast<long long>(o.config.strategies.size()));
  for (const auto& s : o.config.strategies) {
    const std::string where = " FROM strategies WHERE engine_strategy_id = " + std::to_string(s.id.value);
    EXPECT_EQ(db.scalar("SELECT name" + where), s.name);
    EXPECT_EQ(db.scalar("SELECT enabled::text" + where), s.enabled ? "true" : "false");
    EXPECT_EQ(db.scalar("SELECT base_timeframe" + where), s.base_timeframe);
    EXPECT_EQ(db.scalar("SELECT universe_type" + where), "static");
    EXPECT_EQ(db.scalar("SELECT max_notional_per_trade::text" + where), decimal_string(s.max_notional_per_trade));
    EXPECT_GT(db.count("SELECT jsonb_array_length(universe_symbols)" + where), 0);
  }
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions d LEFT JOIN strategies s ON s.id = d.strategy_id "
                     "WHERE s.id IS NULL"), 0);
  EXPECT_GT(db.count("SELECT count(*) FROM trade_decisions"), 0);

  // position_snapshots: rows, and the last one's positions are the net of the fills.
  EXPECT_GT(db.count("SELECT count(*) FROM position_snapshots"), 0);
  const std::string last =
      "(SELECT positions FROM position_snapshots ORDER BY as_of DESC LIMIT 1)";
  const std::string snap = "SELECT p->>'symbol' AS sym, (p->>'qty')::numeric AS q FROM " + last +
                           " s(positions), jsonb_array_elements(s.positions) p";
  const std::string fills =
      "SELECT ev.symbol AS sym, sum(CASE WHEN x.side = 'buy' THEN ev.last_fill_qty ELSE -ev.last_fill_qty END) AS q "
      "FROM execution_order_events ev JOIN executions x ON x.id = ev.execution_id WHERE ev.last_fill_qty > 0 "
      "GROUP BY ev.symbol HAVING sum(CASE WHEN x.side = 'buy' THEN ev.last_fill_qty ELSE -ev.last_fill_qty END) <> 0";
  EXPECT_GT(db.count("SELECT count(*) FROM execution_order_events WHERE last_fill_qty > 0"), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM (" + snap + ") a FULL JOIN (" + fills +
                     ") b USING (sym) WHERE a.q IS DISTINCT FROM b.q"), 0);
  // ... and the replay's own final positions.
  size_t open = 0;
  for (const auto& p : rep.positions) {
    if (parse_decimal<quantity>(p.position).value_or(quantity{}).is_zero()) continue;
    ++open;
    EXPECT_EQ(db.scalar("SELECT q::text FROM (" + snap + ") a WHERE sym = '" + p.symbol + "'"), p.position) << p.symbol;
  }
  EXPECT_EQ(db.count("SELECT count(*) FROM (" + snap + ") a"), static_cast<long long>(open));
  // Every snapshot's cash is the starting equity moved by the fills up to it (the last: all of them).
  EXPECT_EQ(db.scalar("SELECT (cash = " + decimal_string(o.config.starting_equity) +
                      " - (SELECT coalesce(sum(CASE WHEN x.side = 'buy' THEN 1 ELSE -1 END * ev.last_fill_qty * "
                      "ev.last_fill_price), 0) FROM execution_order_events ev JOIN executions x ON x.id = "
                      "ev.execution_id WHERE ev.last_fill_qty > 0))::text FROM position_snapshots ORDER BY as_of DESC "
                      "LIMIT 1"),
            "true");
  fs::remove_all(dir);
}

// libpq/libpqxx 6.4 leak inside their own error paths when a connection fails (the unreachable
// test); the same suppression as tests/persistence/pg_support.cpp, which this executable does
// not link: only frames of those two libraries, so every leak of our own is still reported.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libpq.so.5\nleak:libpqxx-6.4.so\n"; }
