// `torghut run`: the engine on a live feed (Alpaca, the simulator, or a relay), paper trading.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>

#include "commands.hpp"
#include "torghut/app/config_file.hpp"
#include "torghut/app/live_runtime.hpp"
#include "torghut/persistence/dsn.hpp"

namespace torghut::app {
namespace {

// Signal handlers only store to lock-free atomics; the run's supervisor acts on them.
std::atomic<bool> g_stop{false};
std::atomic<uint32_t> g_reloads{0};
std::atomic<uint32_t> g_dumps{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free);
extern "C" void run_on_stop_signal(int) { g_stop.store(true); }
extern "C" void run_on_reload_signal(int) { g_reloads.fetch_add(1); }
extern "C" void run_on_status_signal(int) { g_dumps.fetch_add(1); }

/// SIGINT, SIGTERM, SIGQUIT: an orderly stop (summary, audit flush); SIGHUP: reload the risk
/// limits from the config file; SIGUSR1: a status dump; SIGPIPE: ignored (a peer that closes a
/// socket is an error code, not a death). No signal an operator sends ends the run unflushed.
void install_signal_handlers() {
  auto on = [](int sig, void (*fn)(int)) {
    struct sigaction sa {};
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(sig, &sa, nullptr);
  };
  on(SIGINT, run_on_stop_signal);
  on(SIGTERM, run_on_stop_signal);
  on(SIGQUIT, run_on_stop_signal);
  on(SIGHUP, run_on_reload_signal);
  on(SIGUSR1, run_on_status_signal);
  on(SIGPIPE, SIG_IGN);
}

struct run_args {
  std::string config_path, log_path = "out/decisions.jsonl", feed_url, format, io = "hot";
  std::string relay_listen, relay_url, record, lease_dir, idle, signals;
  std::string broker, rest_url, stream_url;
  std::optional<std::string> control_listen;
  std::vector<std::string> symbols;
  double duration = 0;
  uint64_t max_events = 0;
  int cpu = -2;
  bool quiet = false;
};

/// `--duration`: a finite number of seconds, >= 0. NaN and infinity would run for ever, and a
/// negative duration is a typo, not "until stopped" (that is 0).
CLI::Validator finite_non_negative_seconds() {
  return CLI::Validator(
      [](std::string& in) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(in, v) || !std::isfinite(v) || v < 0)
          return "must be a finite number of seconds >= 0 (0 = until SIGINT/SIGTERM), not '" + in + "'";
        return {};
      },
      "SECONDS>=0");
}

/// `--max-events`: a count; "-5" must not wrap around to 18446744073709551611.
CLI::Validator unsigned_count() {
  return CLI::Validator(
      [](std::string& in) -> std::string {
        uint64_t v = 0;
        if (in.empty() || in.find_first_not_of("0123456789") != std::string::npos ||
            !CLI::detail::lexical_cast(in, v))
          return "must be a whole number >= 0 (0 = no limit), not '" + in + "'";
        return {};
      },
      "COUNT>=0");
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

exit_code do_run(const run_args& a) {
  const auto mode = resolve_trading_mode(std::getenv("TRADING_MODE"), std::getenv("TRADING_LIVE_ENABLED"));
  if (!mode.error.empty()) {
    spdlog::error("{}", mode.error);
    return exit_code::config;
  }
  app::live_options opts;
  if (!a.config_path.empty()) {
    auto r = load_config_file(a.config_path, /*allow_empty_symbols=*/true);
    if (!r.ok()) {
      spdlog::error("config '{}' has {} problem(s):", a.config_path, r.errors.size());
      for (const auto& e : r.errors) spdlog::error("  {}", e);
      return exit_code::config;
    }
    opts.config = r.config;
  } else {
    opts.config = default_config({});
  }
  auto& c = opts.config;
  if (!a.symbols.empty()) c.allowed_symbols = a.symbols;
  if (c.allowed_symbols.empty()) {
    spdlog::error("no symbols to trade: list them in allowed_symbols{} or pass --symbols A,B,...",
                  a.config_path.empty() ? std::string() : " of '" + a.config_path + "'");
    return exit_code::config;
  }
  if (!a.feed_url.empty()) c.feed.url = a.feed_url;
  if (!a.format.empty()) c.feed.format = parse_enum<feed_format>(a.format).value_or(c.feed.format);  // CLI checked
  if (!a.relay_listen.empty()) c.feed.relay_listen = a.relay_listen;
  if (!a.relay_url.empty()) c.feed.relay_url = a.relay_url;
  if (!a.record.empty()) c.feed.record = a.record;
  if (!a.lease_dir.empty()) c.feed.lease_dir = a.lease_dir;
  if (a.cpu != -2) c.cpu = a.cpu;
  if (!a.idle.empty()) c.idle = parse_enum<idle_kind>(a.idle).value_or(c.idle);  // CLI checked
  if (!a.broker.empty()) c.trading.broker = parse_enum<broker_kind>(a.broker).value_or(c.trading.broker);
  if (!a.rest_url.empty()) c.trading.rest_url = a.rest_url;
  if (!a.stream_url.empty()) c.trading.stream_url = a.stream_url;
  if (a.control_listen) {
    c.control.listen = *a.control_listen;
    c.control.listen_explicit = true;
  }
  if (std::string why = check_trading_target(c.trading, mode.mode); !why.empty()) {
    spdlog::error("{}", why);
    return exit_code::config;
  }
  opts.live_trading = mode.mode == trading_mode::live;

  opts.decision_log = a.log_path;
  opts.signals = a.signals;
  opts.key_id = env_or_empty("APCA_API_KEY_ID");
  opts.secret = env_or_empty("APCA_API_SECRET_KEY");
  opts.db_dsn = env_or_empty("DB_DSN");
  opts.control_token = env_or_empty("TORGHUT_CONTROL_TOKEN");
  opts.io = a.io == "hot" ? app::io_mode::hot_thread : app::io_mode::io_thread;
  opts.duration_s = a.duration;
  opts.max_events = a.max_events;
  // Parent directories of the output files; a failure is left to the file's own open, which
  // names the path and the reason (exit code 2, before anything is dialled).
  for (const std::string* path : {&a.log_path, &a.signals}) {
    const auto parent = std::filesystem::path(*path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }

  opts.reload_requests = &g_reloads;
  opts.status_requests = &g_dumps;
  opts.load_limits = [path = a.config_path](std::string& error) -> std::optional<risk_limits> {
    if (path.empty()) {
      error = "the run was started without --config: there is no file to reload the limits from";
      return std::nullopt;
    }
    auto r = load_config_file(path, /*allow_empty_symbols=*/true);
    if (!r.ok()) {
      error = "'" + path + "' has " + std::to_string(r.errors.size()) + " problem(s):";
      for (const auto& e : r.errors) error += " " + e + ";";
      return std::nullopt;
    }
    return r.config.limits;
  };
  install_signal_handlers();
  const std::string mode_name = opts.live_trading ? "LIVE" : "paper";
  spdlog::info("run ({}): market data from {} ({}), {} symbols allowed, socket read on the {} thread; "
               "orders to {}",
               mode_name, c.feed.url, name_of(c.feed.format), c.allowed_symbols.size(),
               opts.io == app::io_mode::io_thread ? "I/O" : "hot",
               c.trading.broker == broker_kind::alpaca ? c.trading.rest_url : std::string("the internal paper broker"));
  const bool quiet = a.quiet;
  const auto rep = app::run_live(opts, g_stop, [quiet](const app::live_status& s) {
    if (quiet) return;
    spdlog::info("{} {} [{}]: {} frames, {} events ({} decode errors, {} gaps, {} reconnects), "
                 "decisions {}, rejected {}, orders {}, fills {}, lag p50<{}us p99<{}us{}{}",
                 s.source, s.url, s.state, s.frames, s.events, s.decode_errors, s.gaps, s.reconnects,
                 s.decisions, s.rejections, s.orders, s.fills, s.lag_p50_us, s.lag_p99_us,
                 s.relay_clients ? fmt::format(", relay: {} clients, {} messages", s.relay_clients,
                                               s.relay_messages)
                                 : std::string(),
                 s.broker == "alpaca"
                     ? fmt::format("; broker [{}{}]: {} events, {} refused, {} requests ({} retries, {} lost, {} 429)",
                                   s.stream_state, s.reconciled ? "" : ", NOT reconciled", s.broker_events,
                                   s.broker_rejections, s.rest_requests, s.rest_retries, s.rest_lost, s.rest_429)
                     : std::string());
  });
  const auto& s = rep.status;
  if (rep.exit_code != exit_code::ok) spdlog::error("{}", persistence::scrub(rep.error, opts.db_dsn));
  if (!a.quiet) {
    std::printf("\n== torghut run (%s) ==\n", mode_name.c_str());
    std::printf("source %s (%s), adapter state %s\n", s.source.c_str(), s.url.c_str(), s.state.c_str());
    std::printf("frames %llu, market events %llu (hot path %llu), decode errors %llu, gaps %llu, "
                "dials %llu, reconnects %llu, handoff drops %llu\n",
                static_cast<unsigned long long>(s.frames), static_cast<unsigned long long>(s.events),
                static_cast<unsigned long long>(s.hot_events),
                static_cast<unsigned long long>(s.decode_errors), static_cast<unsigned long long>(s.gaps),
                static_cast<unsigned long long>(s.dials), static_cast<unsigned long long>(s.reconnects),
                static_cast<unsigned long long>(s.handoff_dropped));
    std::printf("decisions %llu, rejected %llu, orders %llu, fills %llu; P&L realized %s, unrealized %s\n",
                static_cast<unsigned long long>(s.decisions), static_cast<unsigned long long>(s.rejections),
                static_cast<unsigned long long>(s.orders), static_cast<unsigned long long>(s.fills),
                rep.realized_pnl.c_str(), rep.unrealized_pnl.c_str());
    if (s.broker == "alpaca")
      std::printf("broker: %s, trade_updates %s (%llu reconnects), %llu events, %llu refused; "
                  "%llu reconciliations (%llu differences); REST %llu requests, %llu retries, %llu lost, %llu 429\n",
                  s.reconciled ? "reconciled" : "NOT reconciled", s.stream_state.c_str(),
                  static_cast<unsigned long long>(s.stream_reconnects),
                  static_cast<unsigned long long>(s.broker_events), static_cast<unsigned long long>(s.broker_rejections),
                  static_cast<unsigned long long>(s.reconciliations),
                  static_cast<unsigned long long>(s.reconcile_differences),
                  static_cast<unsigned long long>(s.rest_requests), static_cast<unsigned long long>(s.rest_retries),
                  static_cast<unsigned long long>(s.rest_lost), static_cast<unsigned long long>(s.rest_429));
    std::printf("receive lag (receive time - event time): p50 < %lld us, p99 < %lld us, max %lld us\n",
                static_cast<long long>(s.lag_p50_us), static_cast<long long>(s.lag_p99_us),
                static_cast<long long>(s.lag_max_us));
    if (!rep.relay_url.empty())
      std::printf("relay %s: %llu messages to consumers, %llu slow consumers dropped\n",
                  rep.relay_url.c_str(), static_cast<unsigned long long>(s.relay_messages),
                  static_cast<unsigned long long>(s.relay_slow_drops));
    std::printf("audit: %llu rows%s%s\n", static_cast<unsigned long long>(rep.audit_rows),
                a.log_path.empty() ? "" : " written to ", a.log_path.c_str());
    if (rep.signals_written) {
      std::printf("signals: %llu rows written to %s\n", static_cast<unsigned long long>(rep.signal_rows),
                  a.signals.c_str());
      if (rep.signal_dropped)
        std::printf("  WARNING: %llu signal rows dropped (queue full)\n",
                    static_cast<unsigned long long>(rep.signal_dropped));
      if (rep.signal_lost)
        std::printf("  WARNING: %llu signal rows not written (%s)\n", static_cast<unsigned long long>(rep.signal_lost),
                    rep.signal_error.c_str());
    }
  }
  if (!rep.signal_error.empty())
    spdlog::error("signals file '{}': a write failed ({}); {} rows are missing from it", a.signals,
                  rep.signal_error, rep.signal_lost);
  if (rep.exit_code != exit_code::ok) return rep.exit_code;
  if (rep.audit_dropped != 0) return exit_code::audit_dropped;
  return rep.signal_error.empty() ? exit_code::ok : exit_code::failure;
}

}  // namespace

command add_run_command(CLI::App& app) {
  auto args = std::make_shared<run_args>();
  command c;
  auto* sc = app.add_subcommand(
      "run", "run the engine on a live feed (Alpaca, `torghut sim`, or a relay), trading through the "
             "internal paper broker or Alpaca's trading API (paper by default)");
  sc->add_option("--config", args->config_path, "TOML config (default: built-in paper config)")
      ->check(CLI::ExistingFile);
  sc->add_option("--feed", args->feed_url, "market-data URL (overrides feed.url), e.g. ws://127.0.0.1:8765/v2/iex");
  sc->add_option("--format", args->format, "wire format")->check(CLI::IsMember({"json", "msgpack"}));
  sc->add_option("--symbols", args->symbols, "allowed symbols (overrides allowed_symbols)")->delimiter(',');
  sc->add_option("--io", args->io, "where the socket is read: an I/O thread, or the hot thread")
      ->check(CLI::IsMember({"thread", "hot"}))->capture_default_str();
  sc->add_option("--relay-listen", args->relay_listen, "serve the feed to local consumers on host:port");
  sc->add_option("--relay-url", args->relay_url, "read from this relay when the lease is held elsewhere");
  sc->add_option("--record", args->record, "record every raw frame with its receive time to this file");
  sc->add_option("--lease-dir", args->lease_dir, "directory of the one-connection lease lock files");
  sc->add_option("--decisions", args->log_path, "decision log (JSON lines); '' to skip")->capture_default_str();
  sc->add_option("--signals", args->signals,
                 "write every closed bar's indicators to this CSV (the ta_signals columns)");
  sc->add_option("--broker", args->broker, "where orders go (overrides trading.broker)")
      ->check(CLI::IsMember({"paper", "alpaca"}));
  sc->add_option("--rest-url", args->rest_url, "trading REST base URL (overrides trading.rest_url)");
  sc->add_option("--stream-url", args->stream_url, "trade_updates URL (overrides trading.stream_url)");
  sc->add_option("--duration", args->duration, "stop after this many seconds (0 = until SIGINT/SIGTERM)")
      ->check(finite_non_negative_seconds());
  sc->add_option("--max-events", args->max_events, "stop after this many market events (0 = no limit)")
      ->check(unsigned_count());
  sc->add_option("--control-listen", args->control_listen,
                 "serve the operator's HTTP API (status, health, metrics, controls) on HOST:PORT "
                 "(overrides control.listen; '' = off; default 127.0.0.1:8787)");
  sc->add_option("--cpu", args->cpu, "pin the hot loop to this core");
  sc->add_option("--idle", args->idle, "idle strategy")->check(CLI::IsMember({"busy-spin", "backoff"}));
  sc->add_flag("--quiet", args->quiet, "no status lines or summary");
  c.sub = sc;
  c.run = [args] { return do_run(*args); };
  return c;
}

}  // namespace torghut::app
