// The migration runner against a real Postgres: from empty, re-run is a no-op, a changed applied
// file is refused by name, and the reference's tables and unique keys exist.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "torghut/test/pg_support.hpp"
#include "torghut/persistence/migrations.hpp"

using namespace torghut;
namespace p = torghut::persistence;
namespace fs = std::filesystem;

TEST(migrations, apply_from_empty_then_a_rerun_is_a_no_op) {
  test::temp_db db(test::base_dsn(), /*migrate=*/false);
  const auto files = p::load_migrations(TORGHUT_SOURCE_DIR "/migrations");
  ASSERT_GE(files.size(), 3u);
  for (const auto& s : p::migration_statuses(db.dsn(), files)) EXPECT_EQ(s.state, p::migration_state::pending) << s.name;

  const auto first = p::migrate_up(db.dsn(), files);
  EXPECT_EQ(first.applied.size(), files.size());
  EXPECT_EQ(db.count("SELECT count(*) FROM torghut_schema_migrations"), static_cast<long long>(files.size()));
  const std::string applied_at = db.scalar("SELECT max(applied_at)::text FROM torghut_schema_migrations");

  const auto second = p::migrate_up(db.dsn(), files);
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(db.count("SELECT count(*) FROM torghut_schema_migrations"), static_cast<long long>(files.size()));
  EXPECT_EQ(db.scalar("SELECT max(applied_at)::text FROM torghut_schema_migrations"), applied_at);
  for (const auto& s : p::migration_statuses(db.dsn(), files)) EXPECT_EQ(s.state, p::migration_state::applied) << s.name;
}

TEST(migrations, creates_the_reference_tables_with_their_unique_keys) {
  test::temp_db db;
  for (const char* t : {"torghut_meta", "strategies", "trade_decisions", "llm_decision_reviews", "executions",
                        "execution_order_events", "execution_tca_metrics", "position_snapshots", "trade_cursor",
                        "lean_execution_shadow_events", "lean_strategy_shadow_evaluations", "engine_runs"})
    EXPECT_EQ(db.count(std::string("SELECT count(*) FROM information_schema.tables WHERE table_name = '") + t + "'"), 1) << t;
  // Unique keys named by the reference, checked by their column sets.
  auto unique_on = [&](const std::string& table, const std::string& cols) {
    return db.count(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = '" + table +
        "' AND i.indisunique AND (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH "
        "ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) = '" + cols + "'");
  };
  EXPECT_EQ(unique_on("trade_decisions", "alpaca_account_label,decision_hash"), 1);
  EXPECT_EQ(unique_on("executions", "alpaca_account_label,alpaca_order_id"), 1);
  EXPECT_EQ(unique_on("executions", "alpaca_account_label,client_order_id"), 1);
  EXPECT_EQ(unique_on("execution_order_events", "event_fingerprint"), 1);
  EXPECT_EQ(unique_on("execution_order_events", "source_topic,source_partition,source_offset"), 1);
  EXPECT_EQ(unique_on("execution_tca_metrics", "execution_id"), 1);
  EXPECT_EQ(unique_on("trade_cursor", "source,account_label"), 1);
  EXPECT_EQ(unique_on("torghut_meta", "key"), 1);
  // Money is numeric, times timestamptz, payloads jsonb, ids uuid.
  auto type_of = [&](const std::string& t, const std::string& c) {
    return db.scalar("SELECT data_type FROM information_schema.columns WHERE table_name = '" + t +
                     "' AND column_name = '" + c + "'");
  };
  EXPECT_EQ(type_of("executions", "avg_fill_price"), "numeric");
  EXPECT_EQ(type_of("executions", "created_at"), "timestamp with time zone");
  EXPECT_EQ(type_of("trade_decisions", "decision_json"), "jsonb");
  EXPECT_EQ(type_of("trade_decisions", "id"), "uuid");
  EXPECT_EQ(type_of("engine_runs", "heartbeat_at"), "timestamp with time zone");
}

TEST(migrations, refuses_to_go_on_when_an_applied_file_changed_and_names_it) {
  const std::string dir = test::scratch_dir("migrations");
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(TORGHUT_SOURCE_DIR "/migrations"))
    if (e.path().extension() == ".sql") fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
  test::temp_db db(test::base_dsn(), false);
  p::migrate_up(db.dsn(), p::load_migrations(dir));
  {
    std::ofstream f(dir + "/0002_lean_shadow_parity.sql", std::ios::app);
    f << "\n-- an edit after release\n";
  }
  try {
    p::migrate_up(db.dsn(), p::load_migrations(dir));
    ADD_FAILURE() << "a changed applied migration was accepted";
  } catch (const p::migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("0002_lean_shadow_parity.sql"), std::string::npos) << e.what();
  }
  bool changed_seen = false;
  for (const auto& s : p::migration_statuses(db.dsn(), p::load_migrations(dir)))
    if (s.name == "0002_lean_shadow_parity.sql") changed_seen = s.state == p::migration_state::changed;
  EXPECT_TRUE(changed_seen);
  fs::remove_all(dir);
}

TEST(migrations, a_failing_file_is_rolled_back_and_named) {
  const std::string dir = test::scratch_dir("migrations-bad");
  fs::create_directories(dir);
  {
    std::ofstream(dir + "/0001_ok.sql") << "CREATE TABLE ok_table (id int);";
    std::ofstream(dir + "/0002_bad.sql") << "CREATE TABLE half_done (id int); SELECT no_such_function();";
  }
  test::temp_db db(test::base_dsn(), false);
  try {
    p::migrate_up(db.dsn(), p::load_migrations(dir));
    ADD_FAILURE() << "a failing migration was accepted";
  } catch (const p::migration_error& e) {
    EXPECT_NE(std::string(e.what()).find("0002_bad.sql"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.count("SELECT count(*) FROM torghut_schema_migrations"), 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'"), 0);
  fs::remove_all(dir);
}
