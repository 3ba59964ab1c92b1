// `torghut run`: the live runtime. One object with four phases, in the order a reader wants them:
//
//   wire_up()    config, symbols, the hot path, the relay, the market-data client and the
//                one-connection lease, the control plane and the audit trail, the broker link;
//                nothing is dialled and no thread runs yet
//   start()      the market-data client dials; the I/O thread (io_thread mode) and the hot
//                thread start (what the hot thread runs per frame: hot_agents.hpp)
//   supervise()  until stop, a limit or a failure: status lines, the lease watch, operator
//                requests (limits reload, status dump), failures of the feed and the broker link,
//                exceptions caught on the hot thread
//   finish()     the orderly stop (adapter, I/O, hot loop, broker link, relay, audit drain) and
//                the report
#include "torghut/app/live_runtime.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <pthread.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "control_api.hpp"
#include "hot_agents.hpp"
#include "strategy_catalog.hpp"
#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/broker_link.hpp"
#include "torghut/adapters/control_http.hpp"
#include "torghut/adapters/md_client.hpp"
#include "torghut/adapters/md_lease.hpp"
#include "torghut/adapters/md_server.hpp"
#include "torghut/app/config_file.hpp"
#include "torghut/control/control_plane.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/result.hpp"
#include "torghut/core/signal_queue.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/core/url.hpp"
#include "torghut/persistence/activity_db.hpp"
#include "torghut/persistence/audit_json.hpp"
#include "torghut/persistence/audit_trail.hpp"
#include "torghut/persistence/schema.hpp"
#include "torghut/persistence/signal_log.hpp"

namespace torghut::app {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

/// The last path segment of a stream URL ("iex" of ".../v2/iex").
std::string feed_of(const std::string& url) {
  const auto slash = url.rfind('/');
  return slash == std::string::npos ? "iex" : url.substr(slash + 1);
}

/// I/O-thread sink: hands events to the hot thread and, when a relay is served, publishes them to
/// it (on the I/O thread, so relay consumers never cost the hot thread anything).
class handoff_sink final : public adapters::md_event_sink {
 public:
  handoff_sink(mailbox<market_event>& mb, adapters::md_server* relay, const symbol_table& syms)
      : inner_(mb), relay_(relay), syms_(syms) {}
  void on_market_event(const market_event& e) noexcept override {
    inner_.on_market_event(e);
    if (relay_ != nullptr && e.kind != market_event_kind::gap && e.symbol.valid())
      (void)relay_->try_publish(e, syms_.name(e.symbol));
  }
  [[nodiscard]] uint64_t dropped() const noexcept { return inner_.dropped(); }

 private:
  adapters::mailbox_event_sink inner_;
  adapters::md_server* relay_;
  const symbol_table& syms_;
};

/// Hot-thread sink: the socket is polled by the hot thread, events go straight into the chain.
class inline_sink final : public adapters::md_event_sink {
 public:
  inline_sink(actors::hot_path& hp, hot_meters& meters, adapters::md_server* relay, const symbol_table& syms)
      : hp_(hp), meters_(meters), relay_(relay), syms_(syms) {}
  void on_market_event(const market_event& e) noexcept override {
    if (relay_ != nullptr && e.kind != market_event_kind::gap && e.symbol.valid())
      (void)relay_->try_publish(e, syms_.name(e.symbol));
    meters_.on_event(hp_, e);
  }

 private:
  actors::hot_path& hp_;
  hot_meters& meters_;
  adapters::md_server* relay_;
  const symbol_table& syms_;
};

using step = result<void, run_failure>;

run_failure failed(exit_code code, std::string why) { return run_failure{code, std::move(why)}; }

class live_runtime {
 public:
  explicit live_runtime(const live_options& opts) : opts_(opts), cfg_(opts.config) {}
  live_runtime(const live_runtime&) = delete;
  live_runtime& operator=(const live_runtime&) = delete;
  ~live_runtime() {
    // The control API first: its thread reads members declared after it (destroyed before it).
    if (http_) http_->stop();
    // A phase that failed after threads started still joins them (finish() normally does).
    hot_stop_.store(true);
    if (hot_.joinable()) hot_.join();
    if (io_thread_.joinable()) {
      io_.stop();
      io_thread_.join();
    }
  }

  // ---- phase 1: wire up -------------------------------------------------------------------
  step wire_up() {
    if (auto errs = validate(cfg_); !errs.empty()) {
      std::string msg = "invalid configuration:";
      for (const auto& e : errs) msg += "\n  - " + e;
      return failed(exit_code::config, msg);
    }
    to_broker_ = cfg_.trading.broker == broker_kind::alpaca;
    // The hot core is the hot thread's alone: every thread this run starts from here on (CAF's
    // worker, the writers, the control API, the I/O thread) inherits an affinity without it; the
    // hot thread pins itself to it in start().
    if (cfg_.cpu >= 0)
      if (std::string why = keep_off_cpu(cfg_.cpu); !why.empty())
        spdlog::warn("cannot keep the engine's other threads off cpu {}: {}", cfg_.cpu, why);
    if (std::string why =
            check_trading_target(cfg_.trading, opts_.live_trading ? trading_mode::live : trading_mode::paper);
        !why.empty())
      return failed(exit_code::config, why);

    symbols_ = std::make_unique<symbol_table>(cfg_.symbol_capacity);
    // The broker's positions and orders are looked up by name from the hot thread, which may not
    // intern (the decoder may, on the I/O thread): every allowed symbol gets its id now.
    for (const auto& s : cfg_.allowed_symbols) (void)symbols_->intern(s);
    audit_ = std::make_unique<audit_sink>(cfg_.audit_capacity);
    {
      std::vector<std::string> errs;
      catalog_ = load_strategy_catalog(cfg_, errs);  // built-ins and the config's libraries
      if (!errs.empty()) throw std::runtime_error("strategies: " + errs.front());
    }
    hp_ = std::make_unique<actors::hot_path>(cfg_, *symbols_, *audit_, clk_, catalog_.all);
    hp_->set_order_probe(true);  // tick-to-order and frame-to-order for /metrics
    gauges_.positions = std::make_unique<position_board>(static_cast<uint32_t>(symbols_->capacity()));

    if (auto r = wire_signals(); !r) return r;
    if (auto r = wire_relay(); !r) return r;
    if (auto r = wire_market_data(); !r) return r;
    if (auto r = wire_audit_trail(); !r) return r;
    if (auto r = wire_broker(); !r) return r;
    return wire_control_api();
  }

  // ---- phase 2: start ---------------------------------------------------------------------
  step start() {
    if (std::string err; !client_->start(err)) return failed(exit_code::feed_failed, "market data: " + err);
    guard_.emplace(asio::make_work_guard(io_));
    trade_guard_.emplace(asio::make_work_guard(trade_io_own_));
    if (opts_.io == io_mode::io_thread) io_thread_ = std::thread([this] { io_.run(); });
    agent_.emplace(live_hot_agent{*handoff_, *hp_, clk_, channel_, gauges_, faults_, meters_,
                                  opts_.io == io_mode::hot_thread ? &io_ : nullptr,
                                  to_broker_ && opts_.io == io_mode::io_thread ? &trade_io_own_ : nullptr});
    hot_ = std::thread([this] {
      hot_tid_.store(current_thread_id(), std::memory_order_relaxed);
      pthread_setname_np(pthread_self(), "torghut-hot");  // top -H, /proc/PID/task/*/comm
      if (cfg_.cpu >= 0) pin_error_ = pin_current_thread(cfg_.cpu);
      pin_tried_.store(true, std::memory_order_release);
      run_hot_loop(*agent_, cfg_.idle, hot_stop_);
      gauges_.publish(*hp_, clk_.now());
    });
    t0_ = steady::now();
    return {};
  }

  // ---- phase 3: supervise -----------------------------------------------------------------
  /// Returns when `stop` turns true, a limit is reached, or something failed for good (then
  /// rep().exit_code says what).
  void supervise(const std::atomic<bool>& stop, const std::function<void(const live_status&)>& on_status) {
    auto last_status = t0_;
    const auto reconcile_deadline = t0_ + std::chrono::milliseconds(cfg_.trading.reconcile_timeout_ms);
    next_lease_check_ = t0_ + opts_.lease_check_every;
    reloads_seen_ = opts_.reload_requests ? opts_.reload_requests->load() : 0;
    dumps_seen_ = opts_.status_requests ? opts_.status_requests->load() : 0;
    while (!stop.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const auto now = steady::now();
      report_pinning();
      keep_hot_core_alone(now);
      report_hot_faults();
      log_stopped_strategies(*hp_, stopped_logged_);
      if (watch_lease_ && now >= next_lease_check_ && !check_lease(now)) break;
      handle_operator_requests();
      if (!check_failures(now, reconcile_deadline)) break;
      if (opts_.duration_s > 0 && std::chrono::duration<double>(now - t0_).count() >= opts_.duration_s) break;
      if (opts_.max_events > 0 && gauges_.events.load(std::memory_order_relaxed) >= opts_.max_events) break;
      if (on_status && now - last_status >= opts_.status_every) {
        last_status = now;
        fill_status(rep_.status);
        on_status(rep_.status);
        trail_->heartbeat(rep_.status.hot_events, rep_.status.decisions, rep_.status.orders, rep_.status.fills,
                          false);
      }
    }
  }

  // ---- phase 4: finish --------------------------------------------------------------------
  /// The orderly stop: adapter, I/O, hot loop, broker link, relay, audit drain; then the report.
  live_report finish() {
    if (http_) http_->stop();  // no operator request reaches a runtime that is shutting down
    if (opts_.io == io_mode::io_thread) {
      client_->stop();
      wait_client_stopped(false);
      guard_.reset();
      io_.stop();
      io_thread_.join();
      hot_stop_.store(true);
      hot_.join();
    } else {
      hot_stop_.store(true);
      hot_.join();
      client_->stop();
      wait_client_stopped(true);
    }
    report_hot_faults();
    hp_->finish_strategies();  // on_stop, on this thread now that the hot loop is over
    log_stopped_strategies(*hp_, stopped_logged_);
    // The broker link after the hot thread: its callbacks touch the hot path, which now belongs
    // to this thread.
    if (broker_) {
      broker_->stop();
      const auto deadline = steady::now() + std::chrono::seconds(2);
      while (!broker_->stopped() && steady::now() < deadline) {
        trade_io().poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      trade_io().poll();
    }
    trade_guard_.reset();
    if (opts_.io != io_mode::io_thread) {
      guard_.reset();
      io_.stop();
    }
    fill_status(rep_.status);
    if (relay_) relay_->stop();
    control_->stop_workers();
    {
      const auto& hc = hp_->counters();
      trail_->finish(hc.events_in, hc.decisions, hc.orders, hc.fills);
    }
    rep_.realized_pnl = decimal_string(hp_->risk().realized_pnl());
    rep_.unrealized_pnl = decimal_string(hp_->risk().unrealized_pnl());
    rep_.audit_rows = trail_->log().rows();
    if (trail_->persistent()) {
      const auto wm = trail_->metrics();
      rep_.db_rows_committed = wm.rows_committed;
      rep_.db_rows_spooled = wm.rows_spooled;
    }
    rep_.audit_dropped = audit_->dropped();
    if (signal_log_) {
      signal_log_->stop();  // the hot thread has stopped: drains every queued row
      rep_.signals_written = true;
      rep_.signal_rows = signal_log_->rows();
      rep_.signal_dropped = signal_log_->dropped();
      rep_.signal_lost = signal_log_->lost();
      rep_.signal_error = signal_log_->error();
    }
    return rep_;
  }

  /// The report of a run that failed before it started.
  live_report refused(run_failure f) {
    rep_.exit_code = f.code;
    rep_.error = std::move(f.message);
    return rep_;
  }

 private:
  // ---- the control API (issue 13) ----------------------------------------------------------
  /// What /trading/status, /trading/health, /metrics and the controls read and do. Runs on the
  /// control API's server thread: it reads what the supervisor's status line reads (relaxed
  /// atomics and thread-safe snapshots; nothing the hot thread owns) and sends commands through
  /// the control plane, as the supervisor's signal handling does.
  class api_backend final : public control_backend {
   public:
    explicit api_backend(live_runtime& rt) : rt_(rt) {}

    std::string status_json() override {
      live_status s;
      rt_.fill_status(s);
      const auto& g = rt_.gauges_;
      constexpr auto r = std::memory_order_relaxed;
      std::string feed, broker, counters, o;
      persistence::json_object(feed)
          .str("source", rt_.rep_.status.source)  // set once while wiring, read-only since
          .str("url", rt_.rep_.status.url)
          .str("state", s.state)
          .u64("frames", s.frames)
          .u64("events", s.events)
          .u64("decode_errors", s.decode_errors)
          .u64("reconnects", s.reconnects)
          .i64("lag_p99_us", s.lag_p99_us > 0 ? s.lag_p99_us : 0)
          .close();
      persistence::json_object(broker)
          .str("kind", s.broker)
          .boolean("reconciled", s.reconciled || !rt_.to_broker_)
          .str("stream_state", rt_.to_broker_ ? s.stream_state : std::string("internal"))
          .u64("rest_requests", s.rest_requests)
          .u64("rest_429", s.rest_429)
          .close();
      persistence::json_object(counters)
          .u64("market_events", s.hot_events)
          .u64("decisions", s.decisions)
          .u64("rejections", s.rejections)
          .u64("orders", s.orders)
          .u64("fills", s.fills)
          .close();
      persistence::json_object j(o);
      j.boolean("enabled", rt_.enabled_now())
          .str("mode", rt_.opts_.live_trading ? "live" : "paper")
          .str("trading_state", to_string(static_cast<trading_state>(g.state.load(r))))
          .boolean("kill_switch", g.kill_switch.load(r))
          .boolean("llm_enabled", false);
      if (const int64_t last = g.last_decision_ns.load(r); last > 0)
        j.ts("last_decision_at", timestamp{last});
      else
        j.raw("last_decision_at", "null");
      j.raw("feed", feed).raw("broker", broker).raw("counters", counters);
      j.dec("realized_pnl", money::from_raw(g.realized_pnl_raw.load(r)))
          .dec("unrealized_pnl", money::from_raw(g.unrealized_pnl_raw.load(r)));
      if (const auto id = rt_.trail_->run_id(); id != persistence::uuid{})
        j.id("run_id", id);
      else
        j.str("run_id", "");
      j.u64("uptime_seconds", static_cast<uint64_t>(s.seconds)).close();
      return o;
    }

    bool ready(std::string& body) override {
      live_status s;
      rt_.fill_status(s);
      const bool feed_ok = s.state == "live";
      const bool broker_ok = !rt_.to_broker_ || s.reconciled;
      const bool ok = feed_ok && broker_ok;
      std::string alpaca;
      persistence::json_object(alpaca)
          .str("market_data", s.state)
          .str("trading", rt_.to_broker_ ? s.stream_state : std::string("internal paper broker"))
          .boolean("reconciled", broker_ok)
          .close();
      const bool db = rt_.trail_->persistent();
      body.clear();
      persistence::json_object j(body);
      j.boolean("ready", ok)
          .raw("alpaca", alpaca)
          .str("postgres", !db ? "not configured" : rt_.trail_->metrics().connected ? "connected" : "spooling");
      // The seed's field: the last successful reconciliation with the broker (null before it, and
      // with the internal paper broker, which needs none).
      if (const int64_t rec = rt_.last_reconcile_ns(); rec > 0)
        j.ts("last_reconcile_at", timestamp{rec});
      else
        j.raw("last_reconcile_at", "null");
      j.close();
      return ok;
    }

    void metrics(metrics_text& m) override { rt_.write_metrics(m); }

    std::string positions_json() override {
      const auto& g = rt_.gauges_;
      constexpr auto r = std::memory_order_relaxed;
      std::string rows = "[";
      for (const position_board::row& p : g.positions->read()) {
        if (rows.size() > 1) rows += ',';
        persistence::json_object j(rows);
        j.str("symbol", rt_.symbols_->name(symbol_id{p.symbol})).dec("qty", p.qty);
        j.dec("avg_entry_price", checked_average_price(p.cost_basis, p.qty).value_or(price{}))
            .dec("market_price", p.mark);
        const std::optional<money> value = p.mark.is_positive() ? checked_notional(p.mark, p.qty) : std::nullopt;
        const std::optional<money> unrealized = value ? checked_sub(*value, p.cost_basis) : std::nullopt;
        if (unrealized) {
          j.dec("market_value", *value).dec("unrealized_pl", *unrealized);
        } else {
          j.raw("market_value", "null").raw("unrealized_pl", "null");
        }
        j.dec("cost_basis", p.cost_basis).dec("realized_pl", p.realized_pnl).close();
      }
      rows += ']';
      std::string o;
      persistence::json_object(o)
          .raw("positions", rows)
          .dec("realized_pnl", money::from_raw(g.realized_pnl_raw.load(r)))
          .dec("unrealized_pnl", money::from_raw(g.unrealized_pnl_raw.load(r)))
          .ts("as_of", rt_.clk_.now())
          .close();
      return o;
    }

    std::string list_json(listing what, const persistence::activity_query& q) override {
      const auto& book = rt_.trail_->activity();
      const bool rows = what == listing::decisions || what == listing::executions;
      std::string arr, source = "memory", why;
      if (rows && db_) {
        // The whole history is in Postgres; the book holds only the latest rows.
        auto got = what == listing::decisions ? db_->decisions(q, why) : db_->executions(q, why);
        if (got) {
          arr = std::move(*got);
          source = "postgres";
        }
      }
      if (source == "memory") {
        switch (what) {
          case listing::decisions: arr = book.decisions_json(q); break;
          case listing::executions: arr = book.executions_json(q); break;
          case listing::open_orders: arr = book.orders_json(q, true, false); break;
          case listing::closed_orders: arr = book.orders_json(q, false, true); break;
          case listing::all_orders: arr = book.orders_json(q, true, true); break;
        }
      }
      std::string o;
      persistence::json_object j(o);
      j.raw(what == listing::decisions ? "decisions" : what == listing::executions ? "executions" : "orders", arr)
          .str("source", source);
      if (!why.empty()) j.str("postgres_error", why);  // scrubbed of the DSN's password
      j.close();
      return o;
    }

    std::string kill_switch(bool engaged) override {
      rt_.control_->kill_switch(engaged);
      return {};
    }
    std::string set_trading_state(trading_state st) override {
      rt_.control_->set_trading_state(st);
      return {};
    }
    std::string cancel_all_orders() override {
      rt_.control_->cancel_all_orders();
      return {};
    }
    std::string reload_limits() override {
      std::string why;
      std::optional<risk_limits> limits = rt_.opts_.load_limits ? rt_.opts_.load_limits(why) : std::nullopt;
      if (!limits) return "limits not reloaded: " + (why.empty() ? std::string("no config file to read") : why);
      rt_.control_->reload_limits(*limits);
      return {};
    }

    /// Postgres for the decision and execution lists (a run with a database).
    void use_database(const std::string& dsn, const std::string& account) {
      db_ = std::make_unique<persistence::activity_db>(dsn, account);
    }

   private:
    live_runtime& rt_;
    std::unique_ptr<persistence::activity_db> db_;
  };

  /// Wall time (ns) of the last successful reconciliation with the broker; 0 before it or without one.
  int64_t last_reconcile_ns() const {
    return broker_ ? broker_->status().last_reconcile_ns.load(std::memory_order_relaxed) : 0;
  }

  /// Trading is enabled: not halted, no kill switch, reconciled when trading through Alpaca.
  bool enabled_now() const {
    const auto st = static_cast<trading_state>(gauges_.state.load(std::memory_order_relaxed));
    const bool reconciled = !to_broker_ || (broker_ && broker_->status().reconciled.load(std::memory_order_acquire));
    return st != trading_state::halted && !gauges_.kill_switch.load(std::memory_order_relaxed) && reconciled;
  }

  /// The Prometheus families (names and meanings: docs/OPERATIONS.md). Every value is read from
  /// a relaxed atomic or a thread-safe snapshot; nothing here waits on the hot thread.
  void write_metrics(metrics_text& m) {
    live_status s;
    fill_status(s);
    auto counter = [&](std::string_view name, std::string_view help, uint64_t v) {
      m.family(name, help, metric_type::counter);
      m.sample(name, {}, v);
    };
    auto gauge = [&](std::string_view name, std::string_view help, double v) {
      m.family(name, help, metric_type::gauge);
      m.sample(name, {}, v);
    };
    counter("torghut_feed_frames_total", "Market-data frames received.", s.frames);
    counter("torghut_feed_events_total", "Market-data events decoded.", s.events);
    counter("torghut_feed_decode_errors_total", "Market-data frames or messages that failed to decode.", s.decode_errors);
    counter("torghut_feed_gaps_total", "Gaps detected in the market-data feed.", s.gaps);
    counter("torghut_feed_reconnects_total", "Market-data reconnections.", s.reconnects);
    gauge("torghut_feed_connected", "1 while the market-data client is live.", s.state == "live" ? 1 : 0);
    {
      const auto lag = client_->stats().lag;
      constexpr size_t n = 24;  // up to 2^23 us (8.4 s); the rest is +Inf
      double bounds[n];
      uint64_t counts[n + 1] = {};
      for (size_t i = 0; i < n; ++i) {
        bounds[i] = static_cast<double>(adapters::lag_gauge::bucket_upper_ns(i)) / 1e9;
        counts[i] = lag.buckets[i];
      }
      for (size_t i = n; i < lag.buckets.size(); ++i) counts[n] += lag.buckets[i];
      m.family("torghut_feed_receive_lag_seconds", "Receive time minus the event's exchange time.",
               metric_type::histogram);
      m.histogram("torghut_feed_receive_lag_seconds", {}, bounds, counts, static_cast<double>(lag.sum_ns) / 1e9);
    }
    {
      // Reconnect causes: each of these ends a connection and the client dials again (with the
      // cause's backoff), except a 402, after which it stops (wrong keys).
      const auto cs = client_->stats();
      m.family("torghut_feed_disconnects_total", "Market-data connections ended, by cause.", metric_type::counter);
      const std::pair<std::string_view, uint64_t> causes[] = {
          {"connection_limit_406", cs.conn_limit},  {"slow_client_407", cs.slow_client},
          {"auth_failed_402", cs.auth_failed},      {"pong_timeout", cs.pong_timeouts},
          {"upgrade_refused", cs.upgrade_refused},  {"rate_limited_429", cs.rate_limited},
          {"tls_failure", cs.tls_failures},         {"oversized_frame", cs.oversized_frames},
      };
      for (const auto& [cause, n] : causes) m.sample("torghut_feed_disconnects_total", {{"cause", cause}}, n);
    }
    auto latency = [&](std::string_view name, std::string_view help, const latency_histogram& h) {
      const auto snap = h.read();
      double bounds[latency_histogram::finite_buckets];
      uint64_t counts[latency_histogram::bucket_count];
      for (size_t i = 0; i < latency_histogram::finite_buckets; ++i)
        bounds[i] = static_cast<double>(latency_histogram::upper_ns(i)) / 1e9;
      for (size_t i = 0; i < latency_histogram::bucket_count; ++i) counts[i] = snap.buckets[i];
      m.family(name, help, metric_type::histogram);
      m.histogram(name, {}, bounds, counts, static_cast<double>(snap.sum_ns) / 1e9);
    };
    latency("torghut_tick_to_order_seconds",
            "Market event entering the hot path to the order command it caused leaving it.", meters_.tick_to_order);
    latency("torghut_frame_to_order_seconds",
            "Frame received (before decoding and hand-off) to the order command it caused leaving the hot path.",
            meters_.frame_to_order);
    counter("torghut_market_events_total", "Market events processed by the hot path.", s.hot_events);
    m.family("torghut_market_events_by_kind_total", "Market events the hot path received, by kind.",
             metric_type::counter);
    for (size_t k = 0; k < meters_.events.size(); ++k)
      m.sample("torghut_market_events_by_kind_total", {{"kind", to_string(static_cast<market_event_kind>(k))}},
               meters_.events[k].load(std::memory_order_relaxed));
    counter("torghut_decisions_total", "Strategy decisions.", s.decisions);
    counter("torghut_risk_rejections_total", "Decisions vetoed by risk.", s.rejections);
    m.family("torghut_risk_verdicts_total", "Risk verdicts by reason (approved, or why it vetoed).", metric_type::counter);
    for (int i = 0; i < risk_reason_count; ++i)
      m.sample("torghut_risk_verdicts_total", {{"reason", to_string(static_cast<risk_reason>(i))}},
               gauges_.verdicts[static_cast<size_t>(i)].load(std::memory_order_relaxed));
    {
      // From the audit writer's side (activity_book): every execution report's status.
      const auto by_status = trail_->activity().reports_by_status();
      m.family("torghut_order_reports_total", "Order state changes (execution reports) by status.", metric_type::counter);
      for (size_t i = 0; i < by_status.size(); ++i)
        m.sample("torghut_order_reports_total", {{"status", to_string(static_cast<order_status>(i))}}, by_status[i]);
      gauge("torghut_open_orders", "Orders this run sent that are not finished.",
            static_cast<double>(trail_->activity().open_orders()));
    }
    counter("torghut_orders_total", "Orders sent to the broker.", s.orders);
    counter("torghut_fills_total", "Fills (partial and full) booked.", s.fills);
    counter("torghut_broker_events_total", "Order events from the broker's trade_updates stream.", s.broker_events);
    counter("torghut_broker_rejections_total", "Orders the broker refused.", s.broker_rejections);
    counter("torghut_rest_requests_total", "Trading REST requests sent.", s.rest_requests);
    counter("torghut_rest_retries_total", "Trading REST requests retried.", s.rest_retries);
    counter("torghut_rest_429_total", "Trading REST responses 429 (rate limited).", s.rest_429);
    if (broker_) {
      const auto rs = broker_->rest_stats();
      m.family("torghut_rest_responses_total", "Trading REST responses by status class.", metric_type::counter);
      m.sample("torghut_rest_responses_total", {{"class", "2xx"}}, rs.responses_2xx);
      m.sample("torghut_rest_responses_total", {{"class", "4xx"}}, rs.responses_4xx);
      m.sample("torghut_rest_responses_total", {{"class", "5xx"}}, rs.responses_5xx);
      m.family("torghut_rest_refusals_total", "Trading REST responses by refusal code (403 forbidden, 422 "
               "unprocessable, 429 rate limited).", metric_type::counter);
      m.sample("torghut_rest_refusals_total", {{"code", "403"}}, rs.status_403);
      m.sample("torghut_rest_refusals_total", {{"code", "422"}}, rs.status_422);
      m.sample("torghut_rest_refusals_total", {{"code", "429"}}, rs.status_429);
    }
    counter("torghut_rest_lost_total", "Trading REST requests whose response never came.", s.rest_lost);
    counter("torghut_reconciliations_total", "Reconciliation runs against the broker.", s.reconciliations);
    counter("torghut_reconcile_differences_total", "Differences found by reconciliation.", s.reconcile_differences);
    if (broker_)
      gauge("torghut_last_reconcile_timestamp_seconds", "Wall time of the last successful reconciliation (0 before it).",
            static_cast<double>(last_reconcile_ns()) / 1e9);
    counter("torghut_stale_orders_total", "Orders canceled unsent past their age bound.", s.stale_orders);
    counter("torghut_hot_exceptions_total", "Exceptions caught on the hot thread.", s.hot_exceptions);
    counter("torghut_audit_dropped_total", "Audit rows dropped (queue full).", audit_->dropped());
    gauge("torghut_audit_queue_depth", "Audit rows waiting for the writer.", static_cast<double>(audit_->size_approx()));
    gauge("torghut_audit_backpressure", "1 while the audit queue holds risk back.", audit_->backpressured() ? 1 : 0);
    if (trail_->persistent()) {
      const auto wm = trail_->metrics();
      counter("torghut_db_rows_committed_total", "Audit rows committed to Postgres.", wm.rows_committed);
      counter("torghut_db_rows_spooled_total", "Audit rows made durable in the spool.", wm.rows_spooled);
      counter("torghut_db_dead_letters_total", "Audit records Postgres refused for good.", wm.dead_letters);
      gauge("torghut_db_rows_per_second", "Rows committed per second, last second.", wm.rows_per_second);
      gauge("torghut_spool_bytes", "Spooled audit bytes not yet acknowledged by Postgres.",
            static_cast<double>(wm.spool_bytes));
      gauge("torghut_db_connected", "1 while the write-behind is connected to Postgres.", wm.connected ? 1 : 0);
    }
    {
      const auto st = static_cast<trading_state>(gauges_.state.load(std::memory_order_relaxed));
      m.family("torghut_trading_state", "The trading state (1 for the current one).", metric_type::gauge);
      for (const auto x : {trading_state::active, trading_state::reducing, trading_state::halted})
        m.sample("torghut_trading_state", {{"state", to_string(x)}}, x == st ? 1.0 : 0.0);
    }
    gauge("torghut_kill_switch", "1 while the kill switch is engaged.",
          gauges_.kill_switch.load(std::memory_order_relaxed) ? 1 : 0);
    gauge("torghut_last_decision_timestamp_seconds", "Wall time of the latest decision (0 before the first).",
          static_cast<double>(gauges_.last_decision_ns.load(std::memory_order_relaxed)) / 1e9);
    counter("torghut_control_unauthorized_total", "Control API requests refused for a missing or wrong token.",
            api_ ? api_->unauthorized() : 0);
    gauge("torghut_uptime_seconds", "Seconds since the engine started.", s.seconds);
  }

  /// The control API server (`control.listen`, `--control-listen`): loopback unless a token is
  /// set. A taken default port is a warning (another engine on this host); a taken explicit
  /// address stops the run.
  step wire_control_api() {
    const std::string& listen = cfg_.control.listen;
    if (listen.empty()) return {};
    adapters::control_http_options ho;
    if (!adapters::parse_listen_address(listen, ho.bind_address, ho.port))
      return failed(exit_code::config, "control.listen: expected HOST:PORT (e.g. 127.0.0.1:8787), not '" + listen + "'");
    if (!is_loopback_host(ho.bind_address) && opts_.control_token.empty())
      return failed(exit_code::config, "control.listen: " + listen +
                                           " is not a loopback address: set TORGHUT_CONTROL_TOKEN to serve the "
                                           "control API beyond this host");
    if (ho.bind_address == "localhost") ho.bind_address = "127.0.0.1";  // Asio binds addresses, not names
    backend_ = std::make_unique<api_backend>(*this);
    if (trail_->persistent()) backend_->use_database(opts_.db_dsn, cfg_.account_label);
    api_ = std::make_unique<control_api>(*backend_, opts_.control_token);
    http_ = std::make_unique<adapters::control_http_server>();
    std::string err;
    if (!http_->start(ho, [this](const adapters::http_request_in& r) { return api_->handle(r); }, err)) {
      http_.reset();
      if (cfg_.control.listen_explicit) return failed(exit_code::config, "control API: " + err);
      spdlog::warn("control API: {} (another engine on this host?); running without it (set control.listen "
                   "or --control-listen)", err);
      return {};
    }
    rep_.control_url = "http://" + ho.bind_address + ":" + std::to_string(http_->port());
    spdlog::info("control API on {} (the live page, status, health, metrics; controls {})", rep_.control_url,
                 opts_.control_token.empty() ? "disabled: TORGHUT_CONTROL_TOKEN is not set" : "need the bearer token");
    return {};
  }

  // ---- wiring, one piece each -------------------------------------------------------------

  /// The signals file (optional): opened first, so an unwritable path stops the run before
  /// anything is served or dialled. Its writer thread runs from here on.
  step wire_signals() {
    if (opts_.signals.empty()) return {};
    signal_queue_ = std::make_unique<signal_queue>(signal_queue_capacity, cfg_.symbol_capacity, clk_,
                                                   signal_queue::when_full::drop);
    try {
      signal_log_ = std::make_unique<persistence::signal_log>(opts_.signals, *signal_queue_, *symbols_);
    } catch (const std::exception& e) {
      return failed(exit_code::config, e.what());
    }
    signal_log_->start();
    hp_->set_signal_sink(signal_queue_.get());
    return {};
  }

  /// The relay (optional): local consumers share this process's one connection.
  step wire_relay() {
    const auto& feed = cfg_.feed;
    if (feed.relay_listen.empty()) return {};
    adapters::md_server_options ro;
    if (!adapters::parse_listen_address(feed.relay_listen, ro.bind_address, ro.port))
      return failed(exit_code::config, "feed.relay_listen: expected host:port, got '" + feed.relay_listen + "'");
    ro.credentials = {{opts_.key_id, opts_.secret}};
    // The hot thread publishes: it must only enqueue (lock-free, no system call); the relay's
    // thread polls the queue every 20 µs (the relay hop then measures p50 45 µs, p99 58 µs:
    // docs/PERFORMANCE.md).
    ro.drain_interval = std::chrono::microseconds(20);
    relay_ = std::make_unique<adapters::md_server>(std::move(ro));
    if (std::string err; !relay_->start(err))
      return failed(exit_code::config, "cannot serve the relay on " + feed.relay_listen + ": " + err);
    rep_.relay_url = relay_->url(feed_of(feed.url));
    spdlog::info("relay: serving the feed to local consumers at {}", rep_.relay_url);
    return {};
  }

  /// The market-data client, and the one-connection lease it dials under (or the relay it
  /// reads from when another process holds the lease).
  step wire_market_data() {
    const auto& feed = cfg_.feed;
    mc_.url = feed.url;
    mc_.key_id = opts_.key_id;
    mc_.secret = opts_.secret;
    mc_.auth = feed.auth == feed_auth::headers ? adapters::md_auth_mode::headers : adapters::md_auth_mode::message;
    mc_.format = feed.format == feed_format::msgpack ? adapters::wire_format::msgpack : adapters::wire_format::json;
    {
      using adapters::subscription_channel;
      auto& subs = mc_.subscriptions;
      if (feed.trades.empty() && feed.quotes.empty()) {
        subs[subscription_channel::trades] = cfg_.allowed_symbols;
        subs[subscription_channel::quotes] = cfg_.allowed_symbols;
      } else {
        subs[subscription_channel::trades] = feed.trades;
        subs[subscription_channel::quotes] = feed.quotes;
      }
      subs[subscription_channel::bars] = feed.bars;
      subs[subscription_channel::statuses] = cfg_.allowed_symbols;  // halts reach market_data
    }
    mc_.ca_file = feed.ca_file;
    mc_.lease.kind = adapters::lease_kind::none;  // held by the runtime, for its whole life
    mc_.record_path = feed.record;
    mc_.backoff.healthy_after = std::chrono::milliseconds(feed.healthy_after_ms);
    mc_.clk = &clk_;
    mc_.name = "md";

    handoff_ = std::make_unique<mailbox<market_event>>(1u << 16);
    hsink_ = std::make_unique<handoff_sink>(*handoff_, relay_.get(), *symbols_);
    isink_ = std::make_unique<inline_sink>(*hp_, meters_, relay_.get(), *symbols_);
    client_ = std::make_unique<adapters::md_client>(io_, mc_, *symbols_, sink());
    rep_.status.source = "feed";
    rep_.status.url = feed.url;
    lc_.kind = opts_.db_dsn.empty() ? adapters::lease_kind::file : adapters::lease_kind::postgres;
    lc_.dir = feed.lease_dir;
    lc_.pg_dsn = opts_.db_dsn;
    slot_ = client_->slot();

    std::string err;
    adapters::lease_failure why = adapters::lease_failure::none;
    lease_ = adapters::stream_lease::acquire(lc_, slot_, err, &why);
    if (!lease_ && why == adapters::lease_failure::unavailable)
      return failed(exit_code::lease_db_fault, "one-connection rule: cannot take the connection lease for " +
                                                   slot_.text() + ": " + err + "; nothing was dialled");
    if (!lease_) {
      spdlog::warn("one-connection rule: not dialling {}: {}", slot_.text(), err);
      if (feed.relay_url.empty())
        return failed(exit_code::lease_held, "another process holds the connection lease for " + slot_.text() +
                                                 " (" + err + "); set feed.relay_url to read from its relay");
      spdlog::info("reading the feed from the relay at {} instead", feed.relay_url);
      mc_.url = feed.relay_url;
      mc_.record_path.clear();
      client_ = std::make_unique<adapters::md_client>(io_, mc_, *symbols_, sink());
      rep_.status.source = "relay";
      rep_.status.url = feed.relay_url;
    } else {
      spdlog::info("one-connection rule: holding the lease for {} ({})", slot_.text(), lease_->description());
    }
    watch_lease_ = lease_.has_value() && lc_.kind == adapters::lease_kind::postgres;
    return {};
  }

  /// The control plane and the audit trail (write-behind to Postgres, or the supervised
  /// decision-log worker).
  step wire_audit_trail() {
    control_ = std::make_unique<control_plane>(channel_, control_plane_options{.workers = 1});
    try {
      persistence::audit_trail_options ao;
      ao.decision_log = opts_.decision_log;
      ao.db_dsn = opts_.db_dsn;
      ao.spool_dir = opts_.spool_dir;
      ao.mode = persistence::run_mode::paper;
      ao.account_label = cfg_.account_label;
      ao.run_key = cfg_.feed.url;
      ao.config = &cfg_;  // engine_runs.config_json (no secrets), the strategies rows, the snapshots' cash
      trail_ = std::make_unique<persistence::audit_trail>(ao, *audit_, *symbols_, *control_);
    } catch (const persistence::schema_error& e) {
      return failed(exit_code::schema_mismatch, std::string("audit trail: ") + e.what());
    } catch (const std::exception& e) {
      return failed(exit_code::config, std::string("audit trail: ") + e.what());
    }
    return {};
  }

  /// The broker link (trading.broker = "alpaca"): REST orders, trade_updates, reconciler. It
  /// runs on an io_context the hot thread polls: the md socket's own in hot_thread mode (an order
  /// is then written from inside the frame's handler), a second one in io_thread mode.
  step wire_broker() {
    rep_.status.broker = std::string(name_of(cfg_.trading.broker));
    if (!to_broker_) return {};
    broker_ =
        std::make_unique<adapters::broker_link>(trade_io(), cfg_.trading, opts_.key_id, opts_.secret, *hp_, *symbols_);
    hp_->set_gateway(broker_.get());
    if (std::string err; !broker_->start(err)) return failed(exit_code::config, err);
    return {};
  }

  adapters::md_event_sink& sink() {
    return opts_.io == io_mode::io_thread ? static_cast<adapters::md_event_sink&>(*hsink_) : *isink_;
  }
  asio::io_context& trade_io() { return opts_.io == io_mode::hot_thread ? io_ : trade_io_own_; }

  // ---- supervision, one concern each ------------------------------------------------------

  /// Threads the hot thread starts (Asio's resolver thread, on the first name lookup) inherit
  /// its pinning: once a second, any thread but the hot one that may run on the hot core is
  /// moved off it.
  void keep_hot_core_alone(steady::time_point now) {
    if (cfg_.cpu < 0 || !pin_tried_.load(std::memory_order_acquire) || !pin_error_.empty() ||
        now < next_core_check_)
      return;
    next_core_check_ = now + std::chrono::seconds(1);
    (void)move_threads_off_cpu(cfg_.cpu, hot_tid_.load(std::memory_order_relaxed));
  }

  void report_pinning() {
    if (pin_reported_ || !pin_tried_.load(std::memory_order_acquire)) return;
    pin_reported_ = true;
    if (!pin_error_.empty()) spdlog::warn("cannot pin the hot loop: {}", pin_error_);
  }

  /// Exceptions the hot loop caught (an Asio handler that threw): never silent. Logged when the
  /// count changes, at most once a second; the first one's text with it.
  void report_hot_faults() {
    const uint64_t n = faults_.caught();
    rep_.status.hot_exceptions = n;
    if (n == faults_reported_) return;
    const auto now = steady::now();
    if (faults_reported_ != 0 && now - last_fault_log_ < std::chrono::seconds(1)) return;
    last_fault_log_ = now;
    faults_reported_ = n;
    spdlog::error("hot loop: {} exception(s) caught from its I/O handlers so far; the first: {}", n,
                  faults_.first());
  }

  /// The lease holder watches its Postgres session: a server restart (or a killed backend) ends
  /// the session and with it the advisory lock, silently. Re-take it at once; if another process
  /// got it first, stop this feed (exit 5) so that only one connection ever uses the key. While
  /// the database is away nobody can take the lock, so the feed goes on and the watch retries.
  bool check_lease(steady::time_point now) {
    next_lease_check_ = now + opts_.lease_check_every;
    std::string lost_why;
    if (lease_->still_held(lost_why)) return true;
    std::string err;
    adapters::lease_failure why = adapters::lease_failure::none;
    std::optional<adapters::stream_lease> again = adapters::stream_lease::acquire(lc_, slot_, err, &why);
    if (again) {
      *lease_ = std::move(*again);
      ++rep_.status.lease_retakes;
      spdlog::warn("one-connection rule: the lease session for {} was lost ({}); lease re-taken ({})", slot_.text(),
                   lease_down_said_ ? "database was away" : lost_why, lease_->description());
      lease_down_said_ = false;
      return true;
    }
    if (why == adapters::lease_failure::held_elsewhere) {
      rep_.exit_code = exit_code::lease_held;
      rep_.error = "one-connection rule: the lease for " + slot_.text() + " was lost (" + lost_why +
                   ") and another process holds it now (" + err +
                   "): market data stopped here so that only one connection uses the key";
      return false;
    }
    if (!lease_down_said_)
      spdlog::error("one-connection rule: the lease session for {} was lost ({}) and cannot be re-taken yet ({}); "
                    "the feed goes on (no other process can take the lock while its database is away); retrying "
                    "every {} ms",
                    slot_.text(), lost_why, err, opts_.lease_check_every.count());
    lease_down_said_ = true;
    return true;
  }

  /// SIGHUP (reload the risk limits) and SIGUSR1 (a status dump), counted by the caller's
  /// signal handlers and acted on here, never in a handler.
  void handle_operator_requests() {
    if (const uint32_t n = opts_.reload_requests ? opts_.reload_requests->load() : 0; n != reloads_seen_) {
      reloads_seen_ = n;
      std::string why;
      std::optional<risk_limits> limits = opts_.load_limits ? opts_.load_limits(why) : std::nullopt;
      if (limits) {
        control_->reload_limits(*limits);
        ++rep_.status.limit_reloads;
        spdlog::info("SIGHUP: risk limits reloaded (max notional per order {}, max order qty {}, {} orders/min, "
                     "daily loss limit {})",
                     decimal_string(limits->max_notional_per_order), decimal_string(limits->max_order_qty),
                     limits->orders_per_minute, decimal_string(limits->daily_loss_limit));
      } else {
        spdlog::error("SIGHUP: risk limits NOT reloaded, the old ones stay: {}",
                      why.empty() ? std::string("no config file to reload from") : why);
      }
    }
    if (const uint32_t n = opts_.status_requests ? opts_.status_requests->load() : 0; n != dumps_seen_) {
      dumps_seen_ = n;
      fill_status(rep_.status);
      const auto& s = rep_.status;
      const std::optional<engine_status> es = control_->status(std::chrono::milliseconds(500));
      spdlog::info("SIGUSR1: status dump: {} {} [{}] up {:.1f} s; frames {}, events {} (hot path {}), decode errors "
                   "{}, gaps {}, dials {}, reconnects {}; decisions {}, rejected {}, orders {}, fills {}; trading "
                   "state {}, kill switch {}; P&L realized {}, unrealized {}; broker {} ({}reconciled, stream {}, "
                   "{} stale orders canceled); lease {} ({} re-takes); limits reloaded {} times; hot-loop "
                   "exceptions {}",
                   s.source, s.url, s.state, s.seconds, s.frames, s.events, s.hot_events, s.decode_errors, s.gaps,
                   s.dials, s.reconnects, s.decisions, s.rejections, s.orders, s.fills,
                   es ? std::string(to_string(es->state)) : std::string("?"),
                   es ? (es->kill_switch ? "on" : "off") : "?",
                   es ? decimal_string(es->realized_pnl) : std::string("?"),
                   es ? decimal_string(es->unrealized_pnl) : std::string("?"), s.broker,
                   s.reconciled ? "" : "NOT ", s.stream_state.empty() ? std::string("-") : s.stream_state,
                   s.stale_orders, lease_ ? lease_->description() : std::string("none"), s.lease_retakes,
                   s.limit_reloads, s.hot_exceptions);
    }
  }

  /// False (with the exit code set) when the feed or the broker link failed for good.
  bool check_failures(steady::time_point now, steady::time_point reconcile_deadline) {
    if (client_->state() == adapters::md_client_state::failed) {
      rep_.exit_code = exit_code::feed_failed;
      rep_.error = "market data stopped: " + client_->failure();
      return false;
    }
    if (!broker_) return true;
    if (std::string why = broker_->stream_failure(); !why.empty()) {
      rep_.exit_code = exit_code::broker_failed;
      rep_.error = "trade_updates stopped: " + why;
      return false;
    }
    if (!broker_->status().reconciled.load(std::memory_order_acquire) && now >= reconcile_deadline) {
      const std::string why = broker_->last_reconcile_error();
      rep_.exit_code = exit_code::broker_failed;
      rep_.error = "start-up reconciliation did not succeed within " +
                   std::to_string(cfg_.trading.reconcile_timeout_ms) + " ms (" +
                   (why.empty() ? "trade_updates state " + std::string(adapters::to_string(broker_->stream_stats().state))
                                : why) +
                   "); nothing was traded";
      return false;
    }
    return true;
  }

  void fill_status(live_status& s) {
    const auto ms = client_->stats();
    s.state = std::string(adapters::to_string(ms.state));
    s.frames = ms.frames;
    s.events = ms.events;
    s.decode_errors = ms.decode_errors;
    s.gaps = ms.gaps;
    s.reconnects = ms.reconnects;
    s.dials = ms.dials;
    s.lag_p50_us = ms.lag.quantile_upper_ns(0.5) / 1000;
    s.lag_p99_us = ms.lag.quantile_upper_ns(0.99) / 1000;
    s.lag_max_us = ms.lag.max_ns / 1000;
    s.hot_events = gauges_.events.load(std::memory_order_relaxed);
    s.decisions = gauges_.decisions.load(std::memory_order_relaxed);
    s.rejections = gauges_.rejections.load(std::memory_order_relaxed);
    s.orders = gauges_.orders.load(std::memory_order_relaxed);
    s.fills = gauges_.fills.load(std::memory_order_relaxed);
    s.handoff_dropped = hsink_->dropped();
    s.hot_exceptions = faults_.caught();
    if (relay_) {
      const auto rs = relay_->stats();
      s.relay_clients = rs.active_connections;
      s.relay_messages = rs.messages_sent;
      s.relay_slow_drops = rs.slow_client_drops;
    }
    if (broker_) {
      const auto& b = broker_->status();
      s.reconciled = b.reconciled.load(std::memory_order_acquire);
      s.broker_events = b.events.load(std::memory_order_relaxed);
      s.broker_rejections = b.rejections.load(std::memory_order_relaxed);
      s.reconciliations = b.reconciliations.load(std::memory_order_relaxed);
      s.reconcile_differences = b.differences.load(std::memory_order_relaxed);
      const auto rs = broker_->rest_stats();
      s.rest_requests = rs.requests;
      s.rest_retries = rs.retries;
      s.rest_lost = rs.lost_responses;
      s.rest_429 = rs.status_429;
      s.rest_in_flight = rs.in_flight;
      const auto ts = broker_->stream_stats();
      s.stream_state = std::string(adapters::to_string(ts.state));
      s.stream_reconnects = ts.reconnects;
      s.stale_orders = b.stale_orders.load(std::memory_order_relaxed);
    }
    s.seconds = std::chrono::duration<double>(steady::now() - t0_).count();
  }

  /// md_client::stop() is asynchronous: the io_context keeps running until the client says stopped.
  void wait_client_stopped(bool poll_here) {
    const auto deadline = steady::now() + std::chrono::seconds(3);
    while (client_->state() != adapters::md_client_state::stopped &&
           client_->state() != adapters::md_client_state::failed && steady::now() < deadline) {
      if (poll_here) io_.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Members in construction order (destruction runs backwards: threads and clients go before
  // what they use).
  const live_options& opts_;
  engine_config cfg_;
  live_report rep_;
  bool to_broker_ = false;
  std::unique_ptr<symbol_table> symbols_;
  std::unique_ptr<audit_sink> audit_;
  system_clock clk_;
  strategy_catalog catalog_;  // outlives hp_ (declared before it)
  std::unique_ptr<actors::hot_path> hp_;
  /// 16384 rows (about 3 MiB): 16 s of closed bars at 1,000 symbols before a row is dropped.
  static constexpr size_t signal_queue_capacity = 1u << 14;
  std::unique_ptr<signal_queue> signal_queue_;
  std::unique_ptr<persistence::signal_log> signal_log_;
  std::unique_ptr<adapters::md_server> relay_;
  adapters::md_client_config mc_;
  asio::io_context io_{1};
  std::unique_ptr<mailbox<market_event>> handoff_;
  std::unique_ptr<handoff_sink> hsink_;
  std::unique_ptr<inline_sink> isink_;
  std::unique_ptr<adapters::md_client> client_;
  adapters::lease_config lc_;
  adapters::stream_slot slot_;
  std::optional<adapters::stream_lease> lease_;
  bool watch_lease_ = false;
  control_channel channel_;
  std::unique_ptr<control_plane> control_;
  std::unique_ptr<persistence::audit_trail> trail_;
  asio::io_context trade_io_own_{1};
  std::unique_ptr<adapters::broker_link> broker_;
  // the control API (declared after everything its handler reads; stopped first in finish())
  std::unique_ptr<api_backend> backend_;
  std::unique_ptr<control_api> api_;
  std::unique_ptr<adapters::control_http_server> http_;
  // threads
  std::atomic<bool> hot_stop_{false};
  hot_gauges gauges_;
  hot_faults faults_;
  hot_meters meters_;  ///< tick-to-order, frame-to-order, events by kind
  uint32_t stopped_logged_ = 0;
  std::string pin_error_;  // written by the hot thread before pin_tried_
  std::atomic<bool> pin_tried_{false};
  std::atomic<long> hot_tid_{0};
  steady::time_point next_core_check_{};
  bool pin_reported_ = false;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> trade_guard_;
  std::thread io_thread_;
  std::optional<live_hot_agent> agent_;
  std::thread hot_;
  // supervision
  steady::time_point t0_ = steady::now();
  steady::time_point next_lease_check_;
  bool lease_down_said_ = false;
  uint32_t reloads_seen_ = 0;
  uint32_t dumps_seen_ = 0;
  uint64_t faults_reported_ = 0;
  steady::time_point last_fault_log_{};
};

}  // namespace

live_report run_live(const live_options& opts, const std::atomic<bool>& stop,
                     const std::function<void(const live_status&)>& on_status) {
  live_runtime rt(opts);
  if (auto r = rt.wire_up(); !r) return rt.refused(std::move(r).error());
  if (auto r = rt.start(); !r) return rt.refused(std::move(r).error());
  rt.supervise(stop, on_status);
  return rt.finish();
}

}  // namespace torghut::app
