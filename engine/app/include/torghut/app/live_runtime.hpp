#pragma once
/// A live run (`live_runtime.cpp`: one runtime object with phases wire up, start, supervise,
/// finish; what its hot thread runs per frame: `hot_agents.hpp`): the market-data WebSocket adapter (Alpaca, the simulator, or a relay) feeds the hot
/// path on its own (optionally pinned) thread; the audit trail is drained by a supervised worker;
/// optionally the normalised feed is served to local consumers as a relay.
///
/// The one-connection rule: before dialling, the run takes the cross-process lease for
/// (endpoint, key id). Without it the run never dials the endpoint: it says who holds it and, when
/// `feed.relay_url` is configured, reads from that relay instead (the lease holder's relay).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "torghut/app/exit_code.hpp"
#include "torghut/core/config.hpp"

namespace torghut::app {

/// Where the socket is read. `hot_thread` (the default, chosen by measurement: see
/// docs/PERFORMANCE.md): the hot thread polls the socket itself and runs the chain inline, no
/// hand-over. `io_thread`: an I/O thread decodes and hands events to the hot thread through a
/// lock-free SPSC mailbox (costs a cross-core hand-over per batch; a third busy thread on two cores).
enum class io_mode : uint8_t { io_thread, hot_thread };

struct live_options {
  engine_config config;
  std::string decision_log = "out/decisions.jsonl";  ///< "" = do not write
  /// CSV of every closed bar's indicator snapshot (persistence/signal_log.hpp); "" = off. The hot
  /// thread never waits for its writer: a row that finds the queue full is dropped and counted.
  std::string signals;
  std::string key_id;  ///< APCA_API_KEY_ID
  std::string secret;  ///< APCA_API_SECRET_KEY: never logged
  /// When set: the audit trail goes to Postgres through the write-behind, and the lease is a
  /// Postgres advisory lock (else a lock file).
  std::string db_dsn;
  /// TORGHUT_CONTROL_TOKEN: the bearer token of the control API's POSTs ("" = controls refused).
  std::string control_token;
  std::string spool_dir = "var/spool";
  io_mode io = io_mode::hot_thread;
  /// TRADING_MODE=live and TRADING_LIVE_ENABLED=true were both set (resolve_trading_mode). The run
  /// refuses Alpaca's live API without it, and anything but the live API with it.
  bool live_trading = false;
  double duration_s = 0;  ///< stop after this long (0 = until `stop`)
  /// Stop once this many market events have reached the hot path (0 = no limit).
  uint64_t max_events = 0;
  std::chrono::milliseconds status_every{1000};
  /// Operator requests, counted by the caller's signal handlers (SIGHUP, SIGUSR1) and acted on
  /// by the supervisor between status lines (never from a signal handler).
  const std::atomic<uint32_t>* reload_requests = nullptr;  ///< each increment: reload the limits
  const std::atomic<uint32_t>* status_requests = nullptr;  ///< each increment: log a status dump
  /// Reads the risk limits again (the config file); nullopt with `error` set keeps the old ones.
  std::function<std::optional<risk_limits>(std::string& error)> load_limits;
  /// With a Postgres lease: how often the holder checks that its lease session still holds the
  /// lock (and re-takes it, or stops its feed).
  std::chrono::milliseconds lease_check_every{250};
};

struct live_status {
  std::string source;      ///< "feed" (the configured endpoint) or "relay"
  std::string url;         ///< what the adapter is connected to
  std::string state;       ///< the adapter's state (connecting, live, backing_off, failed...)
  uint64_t frames = 0, events = 0, decode_errors = 0, gaps = 0, reconnects = 0, dials = 0;
  uint64_t hot_events = 0, decisions = 0, rejections = 0, orders = 0, fills = 0;
  uint64_t handoff_dropped = 0;  ///< events the I/O thread could not hand over (mailbox full)
  /// Receive time − event time: p50/p99 are bucket upper bounds (powers of two µs).
  int64_t lag_p50_us = 0, lag_p99_us = 0, lag_max_us = 0;
  uint64_t relay_clients = 0, relay_messages = 0, relay_slow_drops = 0;
  // trading.broker = "alpaca"
  std::string broker = "paper";  ///< "paper" (internal) or "alpaca"
  bool reconciled = false;       ///< start-up reconciliation succeeded (trading enabled)
  std::string stream_state;      ///< the trade_updates client's state
  uint64_t broker_events = 0, broker_rejections = 0, reconciliations = 0, reconcile_differences = 0;
  uint64_t rest_requests = 0, rest_retries = 0, rest_lost = 0, rest_429 = 0, rest_in_flight = 0;
  uint64_t stream_reconnects = 0;
  uint64_t stale_orders = 0;   ///< orders canceled unsent past trading.max_order_age_ms
  uint64_t lease_retakes = 0;  ///< the lease session was lost and the lock taken again
  uint64_t limit_reloads = 0;  ///< risk limits reloaded (SIGHUP)
  uint64_t hot_exceptions = 0;  ///< exceptions the hot loop caught from its I/O handlers (logged)
  double seconds = 0;
};

struct live_report {
  /// ok; config (bad config, or live trading refused); feed_failed (402/409/...); lease_held (at
  /// start, or lost to another process while running); broker_failed (start-up reconciliation
  /// timed out, trade_updates unauthorized); schema_mismatch (run `torghut migrate up`);
  /// lease_db_fault (the lease's database refused or is unreachable: nothing was dialled)
  app::exit_code exit_code = app::exit_code::ok;
  std::string error;  ///< why, when exit_code != 0
  live_status status;
  std::string realized_pnl, unrealized_pnl;
  uint64_t audit_rows = 0, audit_dropped = 0;
  uint64_t db_rows_committed = 0, db_rows_spooled = 0;
  /// With signals: rows written, rows dropped (queue full), rows lost to a write failure (and why).
  bool signals_written = false;  ///< the signals file was opened (and is now closed)
  uint64_t signal_rows = 0, signal_dropped = 0, signal_lost = 0;
  std::string signal_error;
  std::string relay_url;  ///< the relay's URL when one was served
  std::string control_url;  ///< the control API's base URL when it was served
};

/// Runs until `stop` turns true, the duration or event limit is reached, or the feed fails for
/// good. `on_status` is called about every `status_every` from the calling thread.
[[nodiscard]] live_report run_live(const live_options& opts, const std::atomic<bool>& stop,
                                   const std::function<void(const live_status&)>& on_status = {});

}  // namespace torghut::app
