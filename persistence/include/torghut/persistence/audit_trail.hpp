#pragma once
/// Where a run's audit trail goes, chosen once: with a Postgres DSN, the write-behind
/// (persistence/write_behind: spool first, then COPY) owns the audit queue and tees every row to
/// the decision log; without one, a worker supervised by the control plane drains the queue into
/// the decision log. Replays and live runs both use it.
///
/// With a database, construction first checks that it is reachable and at the schema version
/// this build's migrations make: a reachable database with another schema is refused
/// (persistence::schema_error, exit code 7); an unreachable one is not an error (the spool keeps
/// every row). It then closes earlier runs whose process is gone (status 'abandoned') and records
/// the configured strategies.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/control_channel.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/copy_batch.hpp"
#include "torghut/persistence/write_behind.hpp"
#include "torghut/persistence/decision_log.hpp"

namespace torghut::persistence {

struct audit_trail_options {
  std::string decision_log;  ///< JSON lines; "" = do not write
  std::string db_dsn;        ///< "" = no database
  std::string spool_dir = "var/spool";
  persistence::run_mode mode = persistence::run_mode::paper;
  std::string account_label = "paper";
  std::string run_key;  ///< what makes this run's id unique besides its start time
  /// The effective configuration: recorded (secrets excluded) in engine_runs.config_json, its
  /// strategies written to `strategies`, its starting equity the cash of position_snapshots.
  /// nullptr: none of that (config_json NULL, no strategies rows). Read during construction only.
  const engine_config* config = nullptr;
  /// The migrations the schema must match ("" = the ones compiled in, persistence::bundled_migrations()).
  std::string migrations_dir;
  /// An open run whose heartbeat is older than this is closed as abandoned by the next start
  /// (a run on this host whose pid is gone is closed at once).
  std::chrono::seconds stale_run_after{300};
  std::chrono::milliseconds snapshot_interval{60'000};  ///< position_snapshots between fills
  /// The decision log trails the audit queue by at most about this much (with a database; without
  /// one the supervised worker drains and flushes every 5 ms).
  std::chrono::milliseconds log_flush_interval{5};
  /// Decisions and execution reports the control API keeps in memory (activity_book).
  size_t activity_capacity = 1024;
};

class audit_trail {
 public:
  /// Starts draining `sink`. Throws persistence::schema_error (a reachable database at another
  /// schema version) and std::runtime_error (unwritable log, unusable spool).
  audit_trail(const audit_trail_options& opts, audit_sink& sink, const symbol_table& symbols,
              worker_supervisor& control);
  audit_trail(const audit_trail&) = delete;
  audit_trail& operator=(const audit_trail&) = delete;

  /// A run-ledger heartbeat (database only; a no-op otherwise). Thread-safe.
  void heartbeat(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills, bool final);
  /// Final drain. Call after the hot loop has stopped and after control.stop_workers().
  void finish(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills);

  [[nodiscard]] const decision_log_writer& log() const noexcept { return *writer_; }
  /// The recent decisions, executions and orders (the control API's in-memory source).
  [[nodiscard]] const activity_book& activity() const noexcept { return *book_; }
  [[nodiscard]] bool persistent() const noexcept { return wb_ != nullptr; }
  [[nodiscard]] persistence::write_behind_metrics metrics() const;
  /// This run's id in engine_runs (database only; zero otherwise).
  [[nodiscard]] persistence::uuid run_id() const noexcept { return run_id_; }
  [[nodiscard]] size_t stale_runs_closed() const noexcept { return stale_closed_; }

 private:
  std::shared_ptr<decision_log_writer> writer_;
  std::shared_ptr<activity_book> book_;
  std::unique_ptr<persistence::write_behind> wb_;
  persistence::uuid run_id_;
  size_t stale_closed_ = 0;
};

}  // namespace torghut::persistence
