#pragma once
/// Replays a recording through the hot path, deterministically: time comes from each frame's
/// receive timestamp through a manual clock, the hot loop runs on one (optionally pinned) thread,
/// and the audit trail is drained by a supervised write-behind worker on the CAF control plane
/// into a decision log (JSON lines). The same recording and config always give the same log.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "torghut/core/config.hpp"
#include "torghut/core/messages.hpp"

namespace torghut::app {

struct replay_options {
  std::string recording;       ///< path of the recording to replay
  std::string decision_log;    ///< JSON-lines audit output; empty = do not write
  /// CSV of every closed bar's indicator snapshot (persistence/signal_log.hpp); empty = off.
  /// The hot thread waits for the writer when its queue is full, so a replay never drops a row.
  std::string signals;
  engine_config config;        ///< allowed_symbols empty = every symbol of the recording
  bool measure_latency = true; ///< per-frame timing (two monotonic clock reads per frame)
  /// Postgres DSN (DB_DSN): when set, the audit trail also goes through the write-behind
  /// (persistence/write_behind: spool + COPY) and the run is recorded in `engine_runs`.
  std::string db_dsn;
  std::string spool_dir = "var/spool";  ///< the write-behind's spool and dead-letter file
  /// Called about every 100 ms from the calling thread with (frames done, frames total).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct latency_summary {
  uint64_t samples = 0;
  int64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
};

struct symbol_result {
  std::string symbol;
  std::string position;     ///< signed quantity, decimal text
  std::string realized_pnl; ///< decimal text
  std::string mark;
};

struct replay_report {
  uint64_t frames = 0;
  uint64_t bad_lines = 0;
  uint64_t events = 0;
  uint64_t decode_skipped = 0;
  std::vector<std::pair<std::string, uint64_t>> decode_errors;  ///< kind → count (non-zero only)
  std::string first_decode_error;                                ///< context of the first one
  uint64_t duplicates = 0, out_of_order = 0, stale = 0, invalid = 0, microbars = 0, gaps = 0;
  uint64_t decisions = 0, approved = 0, rejected = 0, orders = 0, fills = 0;
  std::vector<std::pair<std::string, uint64_t>> rejections;  ///< reason → count (non-zero only)
  std::string realized_pnl, unrealized_pnl, equity;
  std::vector<symbol_result> positions;  ///< symbols with a position or realized P&L
  latency_summary frame_latency;     ///< decode + whole chain, per frame
  latency_summary tick_to_order;     ///< frame start → order command leaving the hot path
  double wall_seconds = 0;
  double events_per_second = 0;
  /// The first few decisions, rejections, orders and fills, one human-readable line each.
  std::vector<std::string> first_activity;
  uint64_t audit_rows = 0;
  uint64_t audit_dropped = 0;
  uint64_t strategy_bars = 0;   ///< closed final microbars the strategy actor saw
  uint64_t signal_rows = 0;     ///< with signals: rows written (one per closed bar)
  uint64_t signal_dropped = 0;  ///< with signals: rows not queued (never in a replay)
  uint64_t signal_lost = 0;     ///< with signals: rows not written because a write failed
  std::string signal_error;     ///< with signals: the first write failure, "" if none
  uint64_t db_rows_committed = 0;  ///< with db_dsn: rows committed to Postgres
  uint64_t db_rows_spooled = 0;    ///< with db_dsn: rows made durable in the spool
  uint64_t db_dead_letters = 0;
  std::string pin_error;  ///< why pinning failed, if it did
  uint64_t peak_rss_kib = 0;  ///< VmHWM of this process at the end (Linux)
  uint64_t anon_rss_kib = 0;  ///< RssAnon at the end: the engine's own memory, without the
                              ///< memory-mapped recording
  trading_state final_state = trading_state::active;
};

/// Runs the replay to the end. Throws std::runtime_error for a missing/unreadable recording or an
/// invalid config (with every violation in the message).
[[nodiscard]] replay_report run_replay(const replay_options& opts);

/// Percentiles of `samples` (which it sorts).
[[nodiscard]] latency_summary summarize(std::vector<int64_t>& samples);

}  // namespace torghut::app
