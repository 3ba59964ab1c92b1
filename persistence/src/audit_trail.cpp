#include "torghut/persistence/audit_trail.hpp"

#include <unistd.h>

#include <chrono>

#include <spdlog/spdlog.h>

#include "torghut/core/clock.hpp"
#include "torghut/persistence/dsn.hpp"
#include "torghut/persistence/schema.hpp"
#include "torghut/persistence/run_record.hpp"

namespace torghut::persistence {
namespace {

/// Refuses a reachable database at another schema version; true when it was reachable.
bool require_schema(const audit_trail_options& opts) {
  const auto files = opts.migrations_dir.empty() ? persistence::bundled_migrations()
                                                 : persistence::load_migrations(opts.migrations_dir);
  auto check = persistence::check_schema(opts.db_dsn, files);
  switch (check.state) {
    case persistence::schema_state::ok: return true;
    case persistence::schema_state::unreachable:
      spdlog::warn("audit trail: {}", check.message);
      return false;
    case persistence::schema_state::mismatch: break;
  }
  throw persistence::schema_error(std::move(check));
}

}  // namespace

audit_trail::audit_trail(const audit_trail_options& opts, audit_sink& sink,
                         const symbol_table& symbols, worker_supervisor& control)
    : writer_(std::make_shared<decision_log_writer>(opts.decision_log, sink, symbols)),
      book_(std::make_shared<activity_book>(symbols, opts.activity_capacity)) {
  writer_->tee_to(book_);
  if (opts.db_dsn.empty()) {
    // Every 5 ms: the queue holds 65,536 rows (13 s of Alpaca's order rate at one row per event of
    // a busy decision path), and each tick wakes a CAF worker on the control plane's core.
    control.supervise("audit-writer", [w = writer_] { w->drain(); }, std::chrono::milliseconds(5));
    return;
  }
  const bool reachable = require_schema(opts);
  const std::string host = host_name();
  if (reachable) {
    try {
      stale_closed_ = persistence::close_stale_runs(opts.db_dsn, host, opts.stale_run_after);
      if (stale_closed_ > 0)
        spdlog::warn("audit trail: closed {} earlier run(s) whose process is gone (engine_runs.status 'abandoned')",
                     stale_closed_);
    } catch (const std::exception& e) {
      spdlog::warn("audit trail: could not close stale runs: {}", persistence::scrub(e.what(), opts.db_dsn));
    }
  }
  persistence::write_behind_config wcfg;
  wcfg.dsn = opts.db_dsn;
  wcfg.spool_dir = opts.spool_dir;
  wcfg.position_snapshots = true;
  wcfg.snapshot_interval = opts.snapshot_interval;
  wcfg.snapshot_wall_clock = opts.mode != persistence::run_mode::replay;
  if (opts.config) wcfg.starting_cash = opts.config->starting_equity;
  persistence::run_identity rid;
  const auto wall = system_clock{}.now();
  rid.run_id = persistence::derive_uuid("torghut/" + std::string(persistence::to_string(opts.mode)) +
                                        "/" + opts.run_key + "/" + std::to_string(wall.ns));
  rid.mode = opts.mode;
  rid.account_label = opts.account_label;
  rid.host = host;
  rid.version = std::string(build_version());
  rid.pid = ::getpid();
  if (opts.config) rid.config_json = config_json(*opts.config);
  rid.started_at = wall;
  run_id_ = rid.run_id;
  wb_ = std::make_unique<persistence::write_behind>(wcfg, sink, symbols, rid);
  wb_->set_tee([w = writer_](const audit_row& r) { w->consume(r); });
  // The tee fills the decision log's buffer on the writer thread; flush it there on a short
  // interval, as the no-database worker does, instead of only when 1 MiB fills.
  wb_->set_tick_hook([w = writer_, every = opts.log_flush_interval] { w->flush_if_due(every); });
  wb_->post(persistence::run_heartbeat{wall, 0, 0, 0, 0, false});
  if (opts.config)
    for (const auto& s : strategy_rows(*opts.config)) wb_->post(s);
  wb_->start();
}

void audit_trail::heartbeat(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills,
                            bool final) {
  if (wb_)
    wb_->post(persistence::run_heartbeat{system_clock{}.now(), events, decisions, orders, fills, final});
}

void audit_trail::finish(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills) {
  if (!wb_) return;
  heartbeat(events, decisions, orders, fills, true);
  wb_->stop();  // drains the queue (teeing the decision log), ships what it can
  writer_->flush();
}

persistence::write_behind_metrics audit_trail::metrics() const {
  return wb_ ? wb_->metrics() : persistence::write_behind_metrics{};
}

}  // namespace torghut::persistence
