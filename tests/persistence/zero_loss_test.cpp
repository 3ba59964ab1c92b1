// Zero loss under failure, against real Postgres processes:
//  - Postgres is stopped with `pg_ctl stop -m immediate` in the middle of a stream and started
//    again (a private cluster, so no other test sees it): every row is present exactly once.
//  - The writer process is SIGKILLed mid-stream (a forked child) and a new writer starts on the
//    same spool: the spool is replayed and every durable row is present exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "torghut/test/pg_support.hpp"
#include "rows.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/persistence/write_behind.hpp"

using namespace torghut;
namespace p = torghut::persistence;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

p::run_identity identity() {
  p::run_identity id;
  id.run_id = p::derive_uuid("zero-loss-" + std::to_string(::getpid()));
  id.started_at = timestamp{test::t0_ns};
  return id;
}

p::write_behind_config config(const std::string& dsn, const std::string& spool) {
  p::write_behind_config c;
  c.dsn = dsn;
  c.spool_dir = spool;
  c.batch_rows = 128;
  c.batch_interval = std::chrono::microseconds(2'000);
  c.fsync = p::fsync_policy::batch;
  c.reconnect_min = 20ms;
  c.reconnect_max = 200ms;
  return c;
}

/// Waits (polling, generous bound) until `pred` holds.
template <class Pred>
bool eventually(Pred pred, std::chrono::seconds bound = 60s) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

}  // namespace

TEST(zero_loss, postgres_stopped_immediately_mid_stream_then_started_every_row_exactly_once) {
  const std::string dir = test::scratch_dir("pg");
  const int port = test::free_port();
  test::pg_script("start", dir, port);
  const std::string base = test::parse_env_line(test::pg_script("env", dir, port));
  {
    test::temp_db db(base);
    const std::string spool = test::scratch_dir("spool");
    symbol_table syms(16);
    const auto sym = syms.intern("SPY");
    audit_sink sink(1 << 16);
    constexpr uint64_t n = 8'000;
    p::write_behind wb(config(db.dsn(), spool), sink, syms, identity());
    wb.start();
    std::atomic<bool> crashed{false};
    std::thread producer([&] {
      for (uint64_t i = 0; i < n; ++i) {
        // The second half waits for the crash (however slow the machine), and trickles in until
        // the writer has run into it: the stop always lands mid-stream.
        if (i == n / 2) (void)eventually([&] { return crashed.load(); });
        if (crashed.load() && wb.metrics().connection_failures == 0) std::this_thread::sleep_for(1ms);
        sink.emit(test::decision_row(sym, i));
        if (i % 64 == 63) std::this_thread::sleep_for(200us);  // a stream, not one burst
      }
    });
    ASSERT_TRUE(eventually([&] { return wb.metrics().rows_committed >= 1'000; }));
    test::pg_script("crash", dir, port);  // pg_ctl stop -m immediate
    crashed.store(true);
    ASSERT_TRUE(eventually([&] { return wb.metrics().connection_failures > 0; }))
        << "the writer never ran into the stopped server";
    test::pg_script("start", dir, port);  // crash recovery, then accepting again
    producer.join();
    ASSERT_TRUE(eventually([&] {
      const auto m = wb.metrics();
      return m.rows_in == n && m.rows_spooled == n && m.spool_records == 0;
    }));
    wb.stop();
    const auto m = wb.metrics();
    EXPECT_EQ(sink.dropped(), 0u);
    EXPECT_GT(m.connection_failures, 0u) << "the stop did not hit the stream";
    EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), static_cast<long long>(n));
    EXPECT_EQ(db.count("SELECT count(DISTINCT audit_seq) FROM trade_decisions"), static_cast<long long>(n));
    EXPECT_EQ(db.count("SELECT max(audit_seq) + 1 FROM trade_decisions"), static_cast<long long>(n));
    fs::remove_all(spool);
  }
  test::pg_script("destroy", dir, port);
}

namespace {

/// The child: a writer process streaming rows, reporting how many are durable (spooled) on `fd`.
[[noreturn]] void child_writer(const std::string& dsn, const std::string& spool, int fd) {
  try {
    symbol_table syms(16);
    const auto sym = syms.intern("QQQ");
    audit_sink sink(1 << 16);
    p::write_behind wb(config(dsn, spool), sink, syms, identity());
    wb.start();
    for (uint64_t i = 0;; ++i) {
      sink.emit(test::decision_row(sym, i));
      if (i % 64 == 63) {
        std::this_thread::sleep_for(200us);
        const uint64_t durable = wb.metrics().rows_spooled;
        if (::write(fd, &durable, sizeof durable) != static_cast<ssize_t>(sizeof durable)) break;
      }
      while (sink.size_approx() > 30'000) std::this_thread::sleep_for(1ms);
    }
  } catch (...) {
  }
  ::_exit(3);
}

/// Runs a child writer against `child_dsn`, SIGKILLs it once `kill_after` rows are durable,
/// returns the last durable count it reported.
uint64_t run_and_kill(const std::string& child_dsn, const std::string& spool, uint64_t kill_after) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    child_writer(child_dsn, spool, fds[1]);
  }
  ::close(fds[1]);
  uint64_t durable = 0, v = 0;
  while (::read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
    durable = v;
    if (durable >= kill_after) break;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended on its own";
  return durable;
}

void expect_prefix_exactly_once(const test::temp_db& db, uint64_t at_least) {
  const long long count = db.count("SELECT count(*) FROM trade_decisions");
  EXPECT_GE(count, static_cast<long long>(at_least));
  EXPECT_EQ(db.count("SELECT count(DISTINCT audit_seq) FROM trade_decisions"), count);
  EXPECT_EQ(db.count("SELECT coalesce(max(audit_seq) + 1, 0) FROM trade_decisions"), count) << "a gap: a row was lost";
}

}  // namespace

TEST(zero_loss, writer_sigkilled_while_spooling_restart_replays_the_spool_exactly_once) {
  test::temp_db db;
  const std::string spool = test::scratch_dir("spool");
  // The child cannot reach the database: everything it accepts goes to the spool.
  const uint64_t durable = run_and_kill(test::with_database(db.dsn(), "no_such_database_here"), spool, 3'000);
  ASSERT_GE(durable, 3'000u);
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), 0);
  symbol_table syms(16);
  audit_sink sink(16);
  p::write_behind wb(config(db.dsn(), spool), sink, syms, identity());
  ASSERT_TRUE(wb.flush());
  EXPECT_GT(wb.metrics().replayed_records, 0u);
  expect_prefix_exactly_once(db, durable);
  fs::remove_all(spool);
}

TEST(zero_loss, writer_sigkilled_mid_stream_restart_every_durable_row_exactly_once) {
  test::temp_db db;
  const std::string spool = test::scratch_dir("spool");
  const uint64_t durable = run_and_kill(db.dsn(), spool, 6'000);
  ASSERT_GE(durable, 6'000u);
  symbol_table syms(16);
  audit_sink sink(16);
  p::write_behind wb(config(db.dsn(), spool), sink, syms, identity());
  ASSERT_TRUE(wb.flush());
  expect_prefix_exactly_once(db, durable);
  // And a second restart changes nothing.
  const long long before = db.count("SELECT count(*) FROM trade_decisions");
  wb.flush();
  EXPECT_EQ(db.count("SELECT count(*) FROM trade_decisions"), before);
  fs::remove_all(spool);
}
