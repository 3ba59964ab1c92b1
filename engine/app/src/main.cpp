// torghut: the composition root. Wires config, the hot path, adapters and persistence, and
// exposes them as subcommands:
//   torghut replay FILE   replay a recording through the hot path (paper), print the results
//   torghut run           the main job; for now, replay the bundled recording
//   torghut gen           write a synthetic recording (deterministic for a seed)
//   torghut check-config  load and validate a config file, listing every problem
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <unistd.h>

#include "commands.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/app/config_file.hpp"
#include "torghut/persistence/dsn.hpp"
#include "torghut/persistence/schema.hpp"
#include "torghut/app/replay_runtime.hpp"

namespace {

using namespace torghut;

std::string us(int64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", static_cast<double>(ns) / 1000.0);
  return b;
}

void print_latency(const char* name, const app::latency_summary& l) {
  std::printf("  %-22s n=%-9llu p50=%8s us  p90=%8s us  p99=%8s us  p99.9=%8s us  max=%8s us\n",
              name, static_cast<unsigned long long>(l.samples), us(l.p50_ns).c_str(),
              us(l.p90_ns).c_str(), us(l.p99_ns).c_str(), us(l.p999_ns).c_str(),
              us(l.max_ns).c_str());
}

void print_report(const app::replay_report& r, const std::string& log_path, const std::string& signals_path) {
  std::printf("\n== torghut replay (paper) ==\n");
  std::printf("frames %llu, market events %llu, skipped lines %llu, skipped messages %llu\n",
              static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.bad_lines),
              static_cast<unsigned long long>(r.decode_skipped));
  for (const auto& [k, n] : r.decode_errors)
    std::printf("  decode error %-18s %llu\n", k.c_str(), static_cast<unsigned long long>(n));
  std::printf("market data: %llu microbars, %llu duplicates dropped, %llu out-of-order, %llu stale, "
              "%llu invalid, %llu gaps\n",
              static_cast<unsigned long long>(r.microbars), static_cast<unsigned long long>(r.duplicates),
              static_cast<unsigned long long>(r.out_of_order), static_cast<unsigned long long>(r.stale),
              static_cast<unsigned long long>(r.invalid), static_cast<unsigned long long>(r.gaps));
  std::printf("decisions %llu: approved %llu, rejected %llu\n",
              static_cast<unsigned long long>(r.decisions), static_cast<unsigned long long>(r.approved),
              static_cast<unsigned long long>(r.rejected));
  for (const auto& [k, n] : r.rejections)
    std::printf("  rejected %-34s %llu\n", k.c_str(), static_cast<unsigned long long>(n));
  if (!r.first_activity.empty()) {
    std::printf("first decisions, rejections, orders and fills (market time):\n");
    for (const auto& l : r.first_activity) std::printf("  %s\n", l.c_str());
  }
  std::printf("orders %llu, fills %llu\n", static_cast<unsigned long long>(r.orders),
              static_cast<unsigned long long>(r.fills));
  std::printf("P&L: realized %s, unrealized %s, equity %s, trading state %s\n",
              r.realized_pnl.c_str(), r.unrealized_pnl.c_str(), r.equity.c_str(),
              std::string(to_string(r.final_state)).c_str());
  if (!r.positions.empty()) {
    std::printf("  %-10s %12s %14s %12s\n", "symbol", "position", "realized", "mark");
    for (const auto& p : r.positions)
      std::printf("  %-10s %12s %14s %12s\n", p.symbol.c_str(), p.position.c_str(),
                  p.realized_pnl.c_str(), p.mark.c_str());
  }
  std::printf("latency (in-process, this machine):\n");
  print_latency("frame -> chain done", r.frame_latency);
  print_latency("tick -> order", r.tick_to_order);
  std::printf("throughput: %.0f market events/s over %.3f s wall\n", r.events_per_second,
              r.wall_seconds);
  std::printf("memory: peak RSS %.1f MiB (with the memory-mapped recording), engine (anonymous) "
              "%.1f MiB\n",
              static_cast<double>(r.peak_rss_kib) / 1024.0, static_cast<double>(r.anon_rss_kib) / 1024.0);
  std::printf("audit: %llu rows%s%s\n", static_cast<unsigned long long>(r.audit_rows),
              log_path.empty() ? "" : " written to ", log_path.c_str());
  if (!signals_path.empty()) {
    std::printf("signals: %llu rows written to %s (closed bars %llu)\n",
                static_cast<unsigned long long>(r.signal_rows), signals_path.c_str(),
                static_cast<unsigned long long>(r.strategy_bars));
    if (r.signal_dropped)
      std::printf("  WARNING: %llu signal rows dropped (queue full)\n", static_cast<unsigned long long>(r.signal_dropped));
    if (r.signal_lost)
      std::printf("  WARNING: %llu signal rows not written (%s)\n", static_cast<unsigned long long>(r.signal_lost),
                  r.signal_error.c_str());
  }
  if (r.db_rows_committed || r.db_rows_spooled || r.db_dead_letters)
    std::printf("postgres: %llu rows committed, %llu spooled, %llu dead letters\n",
                static_cast<unsigned long long>(r.db_rows_committed),
                static_cast<unsigned long long>(r.db_rows_spooled),
                static_cast<unsigned long long>(r.db_dead_letters));
  if (r.audit_dropped) std::printf("  WARNING: %llu audit rows dropped\n", static_cast<unsigned long long>(r.audit_dropped));
}

/// The parent directories of an output file (`--decisions`, `--signals`); a failure is left to
/// the file's own open, which names the path and the reason.
void make_parent_dirs(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
}

app::exit_code do_replay(const std::string& file, const std::string& config_path, const std::string& log_path,
              const std::string& signals_path, int cpu, const std::string& idle, bool progress, bool quiet) {
  const auto mode = resolve_trading_mode(std::getenv("TRADING_MODE"), std::getenv("TRADING_LIVE_ENABLED"));
  if (!mode.error.empty()) {
    spdlog::error("{}", mode.error);
    return app::exit_code::config;
  }
  app::replay_options opts;
  opts.recording = file;
  opts.decision_log = log_path;
  opts.signals = signals_path;
  opts.db_dsn = persistence::dsn_from_env();
  if (!config_path.empty()) {
    auto r = load_config_file(config_path, /*allow_empty_symbols=*/true);
    if (!r.ok()) {
      spdlog::error("config '{}' has {} problem(s):", config_path, r.errors.size());
      for (const auto& e : r.errors) spdlog::error("  {}", e);
      return app::exit_code::config;
    }
    opts.config = r.config;
  } else {
    opts.config = default_config({});
    opts.config.symbol_capacity = 1024;
  }
  if (cpu != -2) opts.config.cpu = cpu;
  if (!idle.empty()) opts.config.idle = parse_enum<idle_kind>(idle).value_or(opts.config.idle);  // CLI checked
  if (mode.mode == trading_mode::live)
    spdlog::warn("TRADING_MODE=live is set, but a replay never sends orders: running in paper mode");
  if (!log_path.empty()) make_parent_dirs(log_path);
  if (!signals_path.empty()) make_parent_dirs(signals_path);
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (progress && tty) {
    opts.progress = [](uint64_t done, uint64_t total) {
      const int width = 40;
      const double f = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
      const int fill = static_cast<int>(f * width);
      std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %llu/%llu frames", fill,
                   "########################################", width - fill, "", f * 100.0,
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
      if (done >= total) std::fprintf(stderr, "\n");
    };
  } else if (progress) {
    opts.progress = [last = -1](uint64_t done, uint64_t total) mutable {
      const int pct = total ? static_cast<int>(done * 100 / total) : 100;
      if (pct / 25 != last / 25 || (pct == 100 && last != 100)) {
        std::fprintf(stderr, "replay: %d%% (%llu/%llu frames)\n", pct,
                     static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
        last = pct;
      }
    };
  }
  spdlog::info("replaying {} in paper mode{}", file,
               opts.config.cpu >= 0 ? fmt::format(", hot loop pinned to cpu {}", opts.config.cpu) : "");
  app::replay_report rep;
  try {
    rep = app::run_replay(opts);
  } catch (const persistence::schema_error& e) {  // a reachable database at another schema version
    spdlog::error("{}", persistence::scrub(e.what(), opts.db_dsn));
    return app::exit_code::schema_mismatch;
  } catch (const std::exception& e) {
    spdlog::error("{}", persistence::scrub(e.what(), opts.db_dsn));
    return app::exit_code::config;
  }
  if (!rep.pin_error.empty()) spdlog::warn("could not pin the hot loop: {}", rep.pin_error);
  if (!rep.first_decode_error.empty())
    spdlog::warn("skipped bad input ({} messages); first: {}", rep.decode_skipped, rep.first_decode_error);
  if (!rep.signal_error.empty())
    spdlog::error("signals file '{}': a write failed ({}); {} rows are missing from it", signals_path,
                  rep.signal_error, rep.signal_lost);
  if (!quiet) print_report(rep, log_path, signals_path);
  if (rep.audit_dropped != 0) return app::exit_code::audit_dropped;
  return rep.signal_error.empty() ? app::exit_code::ok : app::exit_code::failure;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("torghut");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"torghut: a low-latency trading engine for Alpaca (paper trading by default)"};
  app.set_version_flag("--version", "torghut 0.1.0");
  app.require_subcommand(1);

  std::string file, config_path, log_path = "out/decisions.jsonl", signals_path, idle;
  int cpu = -2;
  bool no_progress = false, quiet = false;
  auto add_engine_opts = [&](CLI::App* sc) {
    sc->add_option("--config", config_path, "TOML config (default: built-in paper config)")
        ->check(CLI::ExistingFile);
    sc->add_option("--decisions", log_path, "decision log (JSON lines); '' to skip")
        ->capture_default_str();
    sc->add_option("--signals", signals_path,
                   "write every closed bar's indicators to this CSV (the ta_signals columns)");
    sc->add_option("--cpu", cpu, "pin the hot loop to this core");
    sc->add_option("--idle", idle, "idle strategy")->check(CLI::IsMember({"busy-spin", "backoff"}));
    sc->add_flag("--no-progress", no_progress, "no progress bar");
    sc->add_flag("--quiet", quiet, "no summary");
  };

  auto* rp = app.add_subcommand("replay", "replay a recording through the hot path (paper)");
  rp->add_option("file", file, "recording (one frame per line: <recv_ns>\\t<frame>)")
      ->required()->check(CLI::ExistingFile);
  add_engine_opts(rp);


  auto* gen = app.add_subcommand("gen", "write a deterministic synthetic recording");
  adapters::synth_config sc = adapters::sample_config();
  std::string out_path = "data/sample.rec";
  uint32_t nsym = 8;
  double minutes = 10;
  gen->add_option("--out", out_path, "output recording")->capture_default_str();
  gen->add_option("--seed", sc.seed, "PRNG seed")->capture_default_str();
  gen->add_option("--symbols", nsym, "number of symbols")->capture_default_str()->check(CLI::Range(1, 4096));
  gen->add_option("--minutes", minutes, "minutes of market")->capture_default_str()->check(CLI::PositiveNumber);

  auto* chk = app.add_subcommand("check-config", "validate a config file and list every problem");
  chk->add_option("file", file, "TOML config")->required();

  const app::command run = app::add_run_command(app);
  const app::command sim = app::add_sim_command(app);
  const app::command migrate = app::add_migrate_command(app);
  const app::command check_strategy = app::add_check_strategy_command(app);

  CLI11_PARSE(app, argc, argv);

  if (*run.sub) return app::to_int(run.run());
  if (*sim.sub) return app::to_int(sim.run());
  if (*migrate.sub) return app::to_int(migrate.run());
  if (*check_strategy.sub) return app::to_int(check_strategy.run());

  if (*rp) return app::to_int(do_replay(file, config_path, log_path, signals_path, cpu, idle, !no_progress, quiet));
  if (*gen) {
    if (nsym != 8 || sc.symbols.size() != 8) {
      sc.symbols.clear();
      sc.symbol_count = nsym;
    }
    sc.duration = duration_ns{static_cast<int64_t>(minutes * 60.0 * 1e9)};
    const auto r = adapters::generate_recording(sc, out_path);
    if (!r.ok) {
      spdlog::error("cannot write {}: {}", out_path, r.error);
      return app::to_int(app::exit_code::config);
    }
    spdlog::info("wrote {} frames ({} trades, {} quotes, {} bars, {} statuses) to {}", r.frames,
                 r.trades, r.quotes, r.bars, r.statuses, out_path);
    return app::to_int(app::exit_code::ok);
  }
  if (*chk) {
    // The same rules as `run` and `replay` apply to the file: an empty allow-list is valid in
    // it (`run --symbols` supplies the symbols, a replay takes the recording's), so a file that
    // check-config passes is one both commands load.
    auto r = load_config_file(file, /*allow_empty_symbols=*/true);
    if (r.ok()) {
      std::printf("%s: OK (%zu strategies, %zu allowed symbols)\n", file.c_str(),
                  r.config.strategies.size(), r.config.allowed_symbols.size());
      if (r.config.allowed_symbols.empty())
        std::printf("  note: allowed_symbols is empty: `torghut run` needs --symbols; a replay trades "
                    "every symbol of its recording\n");
      return app::to_int(app::exit_code::ok);
    }
    std::printf("%s: %zu problem(s)\n", file.c_str(), r.errors.size());
    for (const auto& e : r.errors) std::printf("  - %s\n", e.c_str());
    return app::to_int(app::exit_code::config);
  }
  return app::to_int(app::exit_code::ok);
}
