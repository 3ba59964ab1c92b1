#include "torghut/replay/audit_trail.hpp"

#include <chrono>

#include "torghut/engine/clock.hpp"

namespace torghut::replay {

audit_trail::audit_trail(const audit_trail_options& opts, audit_sink& sink,
                         const symbol_table& symbols, control_plane& control)
    : writer_(std::make_shared<decision_log_writer>(opts.decision_log, sink, symbols)) {
  if (opts.db_dsn.empty()) {
    // Every 5 ms: the queue holds 65,536 rows (13 s of Alpaca's order rate at one row per event of
    // a busy decision path), and each tick wakes a CAF worker on the control plane's core.
    control.supervise("audit-writer", [w = writer_] { w->drain(); }, std::chrono::milliseconds(5));
    return;
  }
  persistence::write_behind_config wcfg;
  wcfg.dsn = opts.db_dsn;
  wcfg.spool_dir = opts.spool_dir;
  persistence::run_identity rid;
  const auto wall = system_clock{}.now();
  rid.run_id = persistence::derive_uuid("torghut/" + std::string(persistence::to_string(opts.mode)) +
                                        "/" + opts.run_key + "/" + std::to_string(wall.ns));
  rid.mode = opts.mode;
  rid.account_label = opts.account_label;
  rid.version = "torghut";
  rid.started_at = wall;
  wb_ = std::make_unique<persistence::write_behind>(wcfg, sink, symbols, rid);
  wb_->set_tee([w = writer_](const audit_row& r) { w->consume(r); });
  wb_->post(persistence::run_heartbeat{wall, 0, 0, 0, 0, false});
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

}  // namespace torghut::replay
