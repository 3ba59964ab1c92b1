// `torghut check-strategy KIND|LIB.so --recording FILE`: runs one strategy over a recording,
// the way `torghut replay` does (the config's engine settings, the recording's symbols, the
// internal paper broker), and reports what the SDK's contract asks of a strategy:
//   - heap allocations after warm-up (a counting operator new, allocation_counter.hpp);
//   - the cost of each callback (p50/p99/max ns, strategy_timing.hpp wraps the strategy);
//   - its decisions, and determinism (two runs from scratch give the same decision hashes);
//   - whether the host stopped it (it threw, or broke the per-callback action limit).
// Exit 0 when clean, 1 when a check failed, 2 for a bad argument, config or recording.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#include "strategy_library.hpp"
#include "allocation_counter.hpp"
#include "commands.hpp"
#include "strategy_timing.hpp"
#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/recording.hpp"
#include "torghut/app/config_file.hpp"
#include "torghut/app/replay_runtime.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::app {
namespace {

struct check_options {
  std::string target;  ///< a built-in kind, or a shared library's path
  std::string recording;
  std::string config_path = "config/paper.toml";
  bool config_given = false;
  std::vector<std::string> params;  ///< key=value
  std::string json_path;
  uint64_t warmup_events = 1000;
};

// ---------------------------------------------------------------------------------------------
// Which strategy
// ---------------------------------------------------------------------------------------------

struct resolved_strategy {
  const sdk::descriptor* desc = nullptr;
  std::string source;  ///< "built-in", or the library's path
  std::string error;   ///< why it could not be resolved (desc is null)
};

bool looks_like_library(std::string_view arg) {
  return arg.find('/') != std::string_view::npos ||
         (arg.size() > 3 && arg.substr(arg.size() - 3) == ".so") ||
         arg.find(".so.") != std::string_view::npos;
}

/// The one place where the strategy under test is found: a built-in kind, or a shared library.
/// A shared library is loaded with the engine's own loader (kept loaded for the process).
resolved_strategy resolve_descriptor(const std::string& arg) {
  resolved_strategy r;
  if (looks_like_library(arg)) {
    r.source = arg;
    auto loaded = strategy_library::load(arg);
    if (!loaded) r.error = loaded.error();
    else r.desc = *loaded;
    return r;
  }
  std::string known;
  for (const sdk::descriptor* d : strategies::builtin()) {
    if (d->kind == arg) {
      r.desc = d;
      r.source = "built-in";
      return r;
    }
    known += (known.empty() ? "" : ", ") + std::string(d->kind);
  }
  r.error = "unknown strategy '" + arg + "' (built in: " + known +
            "; or the path of a shared library built against the SDK, ending in .so)";
  return r;
}

// ---------------------------------------------------------------------------------------------
// --param key=value
// ---------------------------------------------------------------------------------------------

bool parse_int(std::string_view s, int64_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}
bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

/// Applies one `--param key=value` to `s`: the `[[strategies]]` table's common keys set its
/// settings, every other key is one of the strategy's own parameters (typed from its text:
/// true/false, an integer, a number, else text), checked later against its declaration.
void apply_param(const std::string& kv, strategy_config& s, std::vector<std::string>& errs) {
  const size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    errs.push_back("--param '" + kv + "': expected key=value");
    return;
  }
  const std::string key = kv.substr(0, eq);
  const std::string val = kv.substr(eq + 1);
  const std::string w = "--param " + key;
  int64_t i = 0;
  double d = 0;
  if (key == "warmup_bars" || key == "max_actions_per_callback") {
    if (!parse_int(val, i) || i < 0 || i > UINT32_MAX) {
      errs.push_back(w + ": must be a non-negative integer (got '" + val + "')");
      return;
    }
    (key == "warmup_bars" ? s.warmup_bars : s.max_actions_per_callback) = static_cast<uint32_t>(i);
  } else if (key == "base_timeframe") {
    s.base_timeframe = val;  // checked by validate()
  } else if (key == "alpaca_bars") {
    if (val != "true" && val != "false") {
      errs.push_back(w + ": must be true or false (got '" + val + "')");
      return;
    }
    s.alpaca_bars = val == "true";
  } else if (key == "max_position_pct_equity") {
    if (!parse_double(val, d)) {
      errs.push_back(w + ": must be a number (got '" + val + "')");
      return;
    }
    s.max_position_pct_equity = d;
  } else if (key == "max_notional_per_trade") {
    const auto m = parse_decimal<money>(val);
    if (!m) {
      errs.push_back(w + ": must be a decimal amount (got '" + val + "')");
      return;
    }
    s.max_notional_per_trade = *m;
  } else if (key == "universe_symbols") {
    s.universe_symbols.clear();
    size_t from = 0;
    while (from <= val.size()) {
      const size_t comma = std::min(val.find(',', from), val.size());
      if (comma > from) s.universe_symbols.push_back(val.substr(from, comma - from));
      from = comma + 1;
    }
  } else if (key == "id" || key == "name" || key == "kind" || key == "library" || key == "enabled") {
    errs.push_back(w + ": set by check-strategy itself (one strategy, id 1, of the kind given)");
  } else {
    strategy_param p;
    p.key = key;
    if (val == "true" || val == "false") {
      p.type = strategy_param::kind::boolean;
      p.boolean = val == "true";
    } else if (parse_int(val, i)) {
      p.type = strategy_param::kind::integer;
      p.integer = i;
    } else if (parse_double(val, d)) {
      p.type = strategy_param::kind::number;
      p.number = d;
    } else {
      p.type = strategy_param::kind::text;
      p.text = val;
    }
    s.params.push_back(std::move(p));
  }
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

struct run_outcome {
  std::unique_ptr<callback_timings> timings = std::make_unique<callback_timings>();
  std::vector<decision_hash> hashes;  ///< every decision's hash, in order (audit sink)
  actors::hot_path_counters counters;
  uint64_t events = 0;
  bool warmup_reached = false;
  uint64_t warmup_frames = 0;  ///< frames handled before counting began
  uint64_t allocations = 0;    ///< after warm-up, the whole chain (engine and strategy)
  uint64_t audit_dropped = 0;
  std::vector<std::string> stopped;  ///< why the host stopped the strategy
};

/// The minimal replay loop (replay_runtime.cpp / hot_agents.hpp's replay_hot_agent, without
/// control plane, audit trail thread and latency probes): per frame, the manual clock to its
/// receive time, time first, then the frame decoded into the hot path; the audit sink drained on
/// this thread after each frame. Allocations are counted only inside the hot path's calls once
/// the warm-up is over, so this loop's own bookkeeping is never counted.
run_outcome run_once(const engine_config& cfg, const sdk::descriptor& inner,
                     const std::vector<adapters::recording_entry>& frames, uint64_t warmup_events,
                     size_t sample_capacity) {
  run_outcome out;
  callback_timings& timings = *out.timings;
  timings.reserve(inner.callbacks, sample_capacity);
  symbol_table symbols(cfg.symbol_capacity);
  adapters::json_decoder decoder(symbols);
  // As the replay: a first pass interns the symbols (first-appearance order) and warms the decoder.
  for (const auto& f : frames) (void)decoder.decode(f.frame, f.recv_time, [](const market_event&) noexcept {});
  decoder.reset_stats();
  audit_sink audit(cfg.audit_capacity);
  manual_clock clk;
  const sdk::descriptor timed = timed_descriptor(inner, timings);
  const sdk::descriptor* const catalog[] = {&timed};
  actors::hot_path hp(cfg, symbols, audit, clk, catalog);  // throws strategy_setup_error

  out.hashes.reserve(1024);
  auto drain = [&] {
    audit_row row;
    while (audit.pop(row))
      if (row.kind == audit_kind::decision) out.hashes.push_back(row.body.decision.hash);
  };
  // Warm-up: the strategy's market callbacks (bar, trade, quote); for a strategy that takes
  // none of those, frames.
  constexpr uint32_t market_bits = sdk::callback::bar | sdk::callback::trade | sdk::callback::quote;
  const bool by_callbacks = (inner.callbacks & market_bits) != 0;
  bool counting = false;
  const uint64_t alloc0 = allocation_counter::count();
  for (size_t i = 0; i < frames.size(); ++i) {
    if (!counting && (by_callbacks ? timings.market_calls() : i) >= warmup_events) {
      counting = true;
      out.warmup_reached = true;
      out.warmup_frames = i;
      timings.start_measuring();
    }
    const auto& f = frames[i];
    clk.set(f.recv_time);
    if (counting) allocation_counter::set_counting(true);
    hp.on_time(f.recv_time);
    const auto r = decoder.decode(f.frame, f.recv_time,
                                  [&hp](const market_event& ev) noexcept { hp.on_market_event(ev); });
    if (counting) allocation_counter::set_counting(false);
    out.events += r.events;
    drain();
  }
  if (counting) allocation_counter::set_counting(true);
  hp.finish_strategies();  // on_stop
  if (counting) allocation_counter::set_counting(false);
  drain();
  out.allocations = allocation_counter::count() - alloc0;
  out.counters = hp.counters();
  out.audit_dropped = audit.dropped();
  std::array<actors::stopped_strategy, 8> rec{};
  const size_t n = std::min(hp.strategy().stopped(rec), rec.size());
  for (size_t k = 0; k < n; ++k) out.stopped.emplace_back(rec[k].reason);
  return out;
}

/// Median cost of one steady_clock::now() pair (what every sample includes).
int64_t clock_overhead_ns() {
  std::array<int64_t, 1001> v{};
  for (auto& x : v) {
    const auto a = std::chrono::steady_clock::now();
    const auto b = std::chrono::steady_clock::now();
    x = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string hex(decision_hash h) {
  char b[33];
  to_hex(h, b);
  return std::string(b, 32);
}

std::string json_escape(std::string_view s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          o += b;
        } else {
          o += c;
        }
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

exit_code check_strategy(const check_options& o) {
  // The strategy and its settings.
  const resolved_strategy rs = resolve_descriptor(o.target);
  if (rs.desc == nullptr) {
    std::fprintf(stderr, "check-strategy: %s\n", rs.error.c_str());
    return exit_code::config;
  }
  const sdk::descriptor& desc = *rs.desc;
  if (desc.abi_version != sdk::abi_version) {
    std::fprintf(stderr, "check-strategy: '%s' was built against SDK ABI %u, this engine has %u\n",
                 o.target.c_str(), desc.abi_version, sdk::abi_version);
    return exit_code::config;
  }
  strategy_config sc;
  sc.id = strategy_id{1};
  sc.name = std::string(desc.kind);
  sc.kind = std::string(desc.kind);
  std::vector<std::string> errs;
  for (const auto& kv : o.params) apply_param(kv, sc, errs);
  sdk::param_schema schema;
  desc.declare(schema);
  sdk::params bound;
  for (auto& e : sdk::params::bind(schema, sc.params, "--param ", bound)) errs.push_back(std::move(e));

  // The engine's settings.
  engine_config cfg;
  std::string config_used = o.config_path;
  std::error_code ec;
  if (o.config_given || std::filesystem::exists(o.config_path, ec)) {
    auto r = load_config_file(o.config_path, /*allow_empty_symbols=*/true);
    if (!r.ok()) {
      std::fprintf(stderr, "check-strategy: config '%s' has %zu problem(s):\n", o.config_path.c_str(), r.errors.size());
      for (const auto& e : r.errors) std::fprintf(stderr, "  - %s\n", e.c_str());
      return exit_code::config;
    }
    cfg = r.config;
  } else {
    cfg = default_config({});
    cfg.symbol_capacity = 1024;
    config_used = "built-in defaults";
  }
  cfg.strategies = {sc};

  // The recording (read once; both runs use the same frames).
  adapters::recording_reader reader;
  if (!reader.open(o.recording)) {
    std::fprintf(stderr, "check-strategy: cannot read recording '%s': %s\n", o.recording.c_str(),
                 reader.error().c_str());
    return exit_code::config;
  }
  std::vector<adapters::recording_entry> frames;
  {
    adapters::recording_entry e;
    while (reader.next(e)) frames.push_back(e);
  }
  uint64_t events = 0;
  {
    symbol_table symbols(cfg.symbol_capacity);
    adapters::json_decoder decoder(symbols);
    for (const auto& f : frames)
      events += decoder.decode(f.frame, f.recv_time, [](const market_event&) noexcept {}).events;
    if (cfg.allowed_symbols.empty())
      for (uint32_t i = 0; i < symbols.size(); ++i) cfg.allowed_symbols.emplace_back(symbols.name(symbol_id{i}));
  }
  for (auto& e : validate(cfg)) errs.push_back(std::move(e));
  if (!errs.empty()) {
    std::fprintf(stderr, "check-strategy: %s: %zu problem(s):\n", o.target.c_str(), errs.size());
    for (const auto& e : errs) std::fprintf(stderr, "  - %s\n", e.c_str());
    return exit_code::config;
  }
  const bool counter_ok = allocation_counter::link_replacement() && allocation_counter::installed();
  if (!counter_ok) {
    std::fprintf(stderr, "check-strategy: this executable's operator new is not the counting one "
                         "(allocation_counter_new.cpp was not linked in): allocations cannot be checked\n");
    return exit_code::failure;
  }

  // Two runs from scratch.
  const size_t capacity = static_cast<size_t>(std::min<uint64_t>(4 * events + 1024, uint64_t{1} << 22));
  const int64_t clock_ns = clock_overhead_ns();
  run_outcome run[2];
  for (auto& r : run) {
    try {
      r = run_once(cfg, desc, frames, o.warmup_events, capacity);
    } catch (const actors::strategy_setup_error& e) {
      std::fprintf(stderr, "check-strategy: %s: cannot build the strategy:\n  %s\n", o.target.c_str(), e.what());
      return exit_code::config;
    }
  }
  const run_outcome& a = run[0];
  const run_outcome& b = run[1];

  // Findings.
  std::vector<std::string> failures;
  if (!a.warmup_reached)
    failures.push_back("the recording ended during the warm-up (the strategy received " +
                       std::to_string(a.timings->market_calls()) + " market events, fewer than " +
                       std::to_string(o.warmup_events) + "): nothing was measured; use a longer " +
                       "recording or a smaller --warmup-events");
  const uint64_t allocs = a.allocations + b.allocations;
  const uint64_t in_callbacks = a.timings->measured_allocations() + b.timings->measured_allocations();
  if (allocs != 0)
    failures.push_back("heap allocations after warm-up: " + std::to_string(allocs) + " (" +
                       std::to_string(in_callbacks) + " during the strategy's callbacks, " +
                       std::to_string(allocs - in_callbacks) + " elsewhere in the engine)");
  size_t first_diff = SIZE_MAX;
  for (size_t i = 0; i < std::max(a.hashes.size(), b.hashes.size()); ++i) {
    if (i >= a.hashes.size() || i >= b.hashes.size() || a.hashes[i] != b.hashes[i]) {
      first_diff = i;
      break;
    }
  }
  const bool deterministic = first_diff == SIZE_MAX;
  if (!deterministic) {
    std::string what = "not deterministic: the two runs' decision hashes differ first at index " +
                       std::to_string(first_diff) + " (run 1: ";
    what += first_diff < a.hashes.size() ? hex(a.hashes[first_diff]) : std::string("none");
    what += ", run 2: ";
    what += first_diff < b.hashes.size() ? hex(b.hashes[first_diff]) : std::string("none");
    what += "; " + std::to_string(a.hashes.size()) + " and " + std::to_string(b.hashes.size()) + " decisions)";
    failures.push_back(what);
  }
  for (const auto& s : a.stopped) failures.push_back("the host stopped the strategy: " + s);
  if (a.audit_dropped != 0)
    failures.push_back(std::to_string(a.audit_dropped) + " audit rows dropped (the decision list is incomplete)");
  const bool ok = failures.empty();

  // The report.
  uint64_t digest = 0;
  if (!a.hashes.empty()) digest = hash_bytes64(a.hashes.data(), a.hashes.size() * sizeof(decision_hash));
  std::string params_text;
  for (size_t i = 0; i < bound.specs().size(); ++i) {
    char v[32];
    std::snprintf(v, sizeof v, "%.10g", bound.values()[i]);
    params_text += (params_text.empty() ? "" : ", ") + std::string(bound.specs()[i].key) + "=" + v;
  }
  std::printf("== torghut check-strategy: %s (%s) ==\n", std::string(desc.kind).c_str(), rs.source.c_str());
  std::printf("recording %s: %zu frames, %llu market events; config %s\n", o.recording.c_str(),
              frames.size(), static_cast<unsigned long long>(events), config_used.c_str());
  std::printf("parameters: %s; warmup_bars %u, base_timeframe %s\n",
              params_text.empty() ? "none" : params_text.c_str(), sc.warmup_bars, sc.base_timeframe.c_str());
  std::printf("warm-up: the first %llu market events the strategy received (%llu of %zu frames)%s\n",
              static_cast<unsigned long long>(o.warmup_events),
              static_cast<unsigned long long>(a.warmup_reached ? a.warmup_frames : frames.size()),
              frames.size(), a.warmup_reached ? "" : ", NOT REACHED");
  std::printf("callbacks after warm-up (ns, each sample includes ~%lld ns of clock reads):\n",
              static_cast<long long>(clock_ns));
  std::printf("  %-18s %10s %10s %9s %9s %10s %7s\n", "callback", "calls", "measured", "p50", "p99", "max",
              "allocs");
  for (size_t i = 0; i < callback_kind_count; ++i) {
    const auto k = static_cast<callback_kind>(i);
    if ((desc.callbacks & callback_bit(k)) == 0) continue;
    const callback_summary s = a.timings->summarize(k);
    std::printf("  %-18s %10llu %10llu %9lld %9lld %10lld %7llu\n", std::string(to_string(k)).c_str(),
                static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(s.measured),
                static_cast<long long>(s.p50_ns), static_cast<long long>(s.p99_ns),
                static_cast<long long>(s.max_ns), static_cast<unsigned long long>(s.allocations));
  }
  std::printf("allocations after warm-up: %llu (run 1: %llu, run 2: %llu; during the strategy's callbacks: %llu)\n",
              static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(a.allocations),
              static_cast<unsigned long long>(b.allocations), static_cast<unsigned long long>(in_callbacks));
  std::printf("decisions: %zu (orders %llu, fills %llu, rejected by risk %llu); hash digest %016llx\n",
              a.hashes.size(), static_cast<unsigned long long>(a.counters.orders),
              static_cast<unsigned long long>(a.counters.fills),
              static_cast<unsigned long long>(a.counters.rejections), static_cast<unsigned long long>(digest));
  if (deterministic)
    std::printf("deterministic: yes (2 runs, %zu identical decision hashes)\n", a.hashes.size());
  else
    std::printf("deterministic: no (first difference at index %zu)\n", first_diff);
  std::printf("stopped by the host: %s\n", a.stopped.empty() ? "no" : a.stopped.front().c_str());
  if (ok) {
    std::printf("result: OK\n");
  } else {
    std::printf("result: FAILED\n");
    for (const auto& f : failures) std::printf("  - %s\n", f.c_str());
  }

  if (!o.json_path.empty()) {
    std::string j = "{\n";
    j += "  \"strategy\": \"" + json_escape(desc.kind) + "\",\n";
    j += "  \"source\": \"" + json_escape(rs.source) + "\",\n";
    j += "  \"recording\": \"" + json_escape(o.recording) + "\",\n";
    j += "  \"config\": \"" + json_escape(config_used) + "\",\n";
    j += "  \"frames\": " + std::to_string(frames.size()) + ",\n";
    j += "  \"market_events\": " + std::to_string(events) + ",\n";
    j += "  \"parameters\": {";
    for (size_t i = 0; i < bound.specs().size(); ++i) {
      char v[32];
      std::snprintf(v, sizeof v, "%.17g", bound.values()[i]);
      j += std::string(i ? ", " : "") + "\"" + json_escape(bound.specs()[i].key) + "\": " + v;
    }
    j += "},\n";
    j += "  \"warmup_events\": " + std::to_string(o.warmup_events) + ",\n";
    j += "  \"warmup_reached\": " + std::string(a.warmup_reached ? "true" : "false") + ",\n";
    j += "  \"warmup_frames\": " + std::to_string(a.warmup_frames) + ",\n";
    j += "  \"clock_overhead_ns\": " + std::to_string(clock_ns) + ",\n";
    j += "  \"callbacks\": {";
    bool first = true;
    for (size_t i = 0; i < callback_kind_count; ++i) {
      const auto k = static_cast<callback_kind>(i);
      if ((desc.callbacks & callback_bit(k)) == 0) continue;
      const callback_summary s = a.timings->summarize(k);
      j += std::string(first ? "\n" : ",\n") + "    \"" + std::string(to_string(k)) + "\": {\"calls\": " +
           std::to_string(s.calls) + ", \"measured\": " + std::to_string(s.measured) +
           ", \"samples\": " + std::to_string(s.kept) + ", \"p50_ns\": " + std::to_string(s.p50_ns) +
           ", \"p99_ns\": " + std::to_string(s.p99_ns) + ", \"max_ns\": " + std::to_string(s.max_ns) +
           ", \"allocations\": " + std::to_string(s.allocations) + "}";
      first = false;
    }
    j += first ? "},\n" : "\n  },\n";
    j += "  \"allocations_after_warmup\": " + std::to_string(allocs) + ",\n";
    j += "  \"allocations_in_callbacks\": " + std::to_string(in_callbacks) + ",\n";
    j += "  \"decisions\": " + std::to_string(a.hashes.size()) + ",\n";
    j += "  \"orders\": " + std::to_string(a.counters.orders) + ",\n";
    j += "  \"fills\": " + std::to_string(a.counters.fills) + ",\n";
    j += "  \"rejected\": " + std::to_string(a.counters.rejections) + ",\n";
    j += "  \"deterministic\": " + std::string(deterministic ? "true" : "false") + ",\n";
    j += "  \"first_difference\": " + (deterministic ? std::string("null") : std::to_string(first_diff)) + ",\n";
    j += "  \"stopped\": [";
    for (size_t i = 0; i < a.stopped.size(); ++i) j += std::string(i ? ", " : "") + "\"" + json_escape(a.stopped[i]) + "\"";
    j += "],\n";
    j += "  \"failures\": [";
    for (size_t i = 0; i < failures.size(); ++i) j += std::string(i ? ", " : "") + "\"" + json_escape(failures[i]) + "\"";
    j += "],\n";
    j += "  \"decision_hashes\": [";
    for (size_t i = 0; i < a.hashes.size(); ++i) j += std::string(i ? ", " : "") + "\"" + hex(a.hashes[i]) + "\"";
    j += "],\n";
    j += "  \"ok\": " + std::string(ok ? "true" : "false") + "\n}\n";
    std::FILE* f = std::fopen(o.json_path.c_str(), "w");
    if (f == nullptr || std::fwrite(j.data(), 1, j.size(), f) != j.size()) {
      if (f != nullptr) std::fclose(f);
      std::fprintf(stderr, "check-strategy: cannot write %s\n", o.json_path.c_str());
      return exit_code::failure;
    }
    std::fclose(f);
  }
  return ok ? exit_code::ok : exit_code::failure;
}

}  // namespace

command add_check_strategy_command(CLI::App& app) {
  auto opts = std::make_shared<check_options>();
  auto* sub = app.add_subcommand(
      "check-strategy",
      "run one strategy over a recording: heap allocations after warm-up, the cost of each "
      "callback, its decisions, and determinism (exit 1 when a check fails)");
  sub->add_option("strategy", opts->target, "a built-in kind (macd_rsi, ...) or a shared library (.so)")
      ->required();
  sub->add_option("--recording", opts->recording, "recording to run over (<recv_ns>\\t<frame> lines)")
      ->required()->check(CLI::ExistingFile);
  auto* cfg = sub->add_option("--config", opts->config_path,
                              "engine settings (its [[strategies]] are replaced by the one checked; "
                              "built-in defaults when the default file is absent)")
                  ->capture_default_str();
  sub->add_option("--param", opts->params,
                  "key=value: a parameter of the strategy, or a common key (warmup_bars, "
                  "base_timeframe, max_notional_per_trade, ...); repeatable")
      ->allow_extra_args(false);  // one value per --param: a positional after it stays positional
  sub->add_option("--warmup-events", opts->warmup_events,
                  "market events the strategy receives before allocations count and callbacks are timed")
      ->capture_default_str()->check(CLI::PositiveNumber);
  sub->add_option("--json", opts->json_path, "also write the report as JSON to this file");
  return {sub, [opts, cfg] {
            opts->config_given = cfg->count() > 0;
            return check_strategy(*opts);
          }};
}

}  // namespace torghut::app
