#pragma once
/// Where a run's audit trail goes, chosen once: with a Postgres DSN, the write-behind
/// (persistence/write_behind: spool first, then COPY) owns the audit queue and tees every row to
/// the decision log; without one, a worker supervised by the control plane drains the queue into
/// the decision log. Replays and live runs both use it.

#include <cstdint>
#include <memory>
#include <string>

#include "torghut/engine/audit_sink.hpp"
#include "torghut/engine/control_plane.hpp"
#include "torghut/engine/symbol_table.hpp"
#include "torghut/persistence/copy_batch.hpp"
#include "torghut/persistence/write_behind.hpp"
#include "torghut/replay/decision_log.hpp"

namespace torghut::replay {

struct audit_trail_options {
  std::string decision_log;  ///< JSON lines; "" = do not write
  std::string db_dsn;        ///< "" = no database
  std::string spool_dir = "var/spool";
  persistence::run_mode mode = persistence::run_mode::paper;
  std::string account_label = "paper";
  std::string run_key;  ///< what makes this run's id unique besides its start time
};

class audit_trail {
 public:
  /// Starts draining `sink`. Throws std::runtime_error (unwritable log, unusable spool).
  audit_trail(const audit_trail_options& opts, audit_sink& sink, const symbol_table& symbols,
              control_plane& control);
  audit_trail(const audit_trail&) = delete;
  audit_trail& operator=(const audit_trail&) = delete;

  /// A run-ledger heartbeat (database only; a no-op otherwise). Thread-safe.
  void heartbeat(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills, bool final);
  /// Final drain. Call after the hot loop has stopped and after control.stop_workers().
  void finish(uint64_t events, uint64_t decisions, uint64_t orders, uint64_t fills);

  [[nodiscard]] const decision_log_writer& log() const noexcept { return *writer_; }
  [[nodiscard]] bool persistent() const noexcept { return wb_ != nullptr; }
  [[nodiscard]] persistence::write_behind_metrics metrics() const;

 private:
  std::shared_ptr<decision_log_writer> writer_;
  std::unique_ptr<persistence::write_behind> wb_;
};

}  // namespace torghut::replay
