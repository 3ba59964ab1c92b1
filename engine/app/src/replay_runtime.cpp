#include "torghut/app/replay_runtime.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/recording.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/control/control_plane.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/core/run_loop.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/audit_json.hpp"
#include "torghut/persistence/write_behind.hpp"
#include "torghut/persistence/audit_trail.hpp"

namespace torghut::replay {
namespace {


uint64_t proc_status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k(key);
  while (std::getline(in, line))
    if (line.rfind(k, 0) == 0) return std::stoull(line.substr(k.size()));
  return 0;
}

}  // namespace

latency_summary summarize(std::vector<int64_t>& v) {
  latency_summary s;
  s.samples = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto idx = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
  };
  s.p50_ns = at(0.50);
  s.p90_ns = at(0.90);
  s.p99_ns = at(0.99);
  s.p999_ns = at(0.999);
  s.max_ns = v.back();
  return s;
}

replay_report run_replay(const replay_options& opts) {
  adapters::recording_reader reader;
  if (!reader.open(opts.recording))
    throw std::runtime_error("cannot read recording '" + opts.recording + "': " + reader.error());
  std::vector<adapters::recording_entry> frames;
  {
    adapters::recording_entry e;
    while (reader.next(e)) frames.push_back(e);
  }

  engine_config cfg = opts.config;
  symbol_table symbols(cfg.symbol_capacity);
  adapters::json_decoder decoder(symbols);

  // Allow-list: every symbol of the recording unless the config names them. A first pass of
  // the decoder over the frames interns the symbols (in first-appearance order, the same ids the
  // replay would give them) and warms the decoder before any timing starts; its counts are then
  // reset so the report covers the replay alone.
  for (const auto& f : frames)
    (void)decoder.decode(f.frame, f.recv_time, [](const market_event&) noexcept {});
  decoder.reset_stats();
  if (cfg.allowed_symbols.empty())
    for (uint32_t i = 0; i < symbols.size(); ++i)
      cfg.allowed_symbols.emplace_back(symbols.name(symbol_id{i}));
  if (auto errs = validate(cfg); !errs.empty()) {
    std::string msg = "invalid configuration:";
    for (const auto& e : errs) msg += "\n  - " + e;
    throw std::runtime_error(msg);
  }

  audit_sink audit(cfg.audit_capacity);
  manual_clock clk;
  actors::hot_path hp(cfg, symbols, audit, clk);
  hp.set_order_probe(opts.measure_latency);

  control_channel channel;
  control_plane control(channel, {.workers = 1});
  persistence::audit_trail_options ao;
  ao.decision_log = opts.decision_log;
  ao.db_dsn = opts.db_dsn;
  ao.spool_dir = opts.spool_dir;
  ao.mode = persistence::run_mode::replay;
  ao.account_label = "replay";
  ao.run_key = opts.recording;
  ao.config = &cfg;
  persistence::audit_trail trail(ao, audit, symbols, control);

  const uint64_t total = frames.size();
  std::vector<int64_t> frame_lat, order_lat;
  if (opts.measure_latency) {
    frame_lat.reserve(total);
    order_lat.reserve(total / 4 + 16);
  }
  std::atomic<uint64_t> done{0};
  std::string pin_error;
  uint64_t decoded_events = 0;

  // The hot loop: one thread, pinned when asked.
  struct agent {
    const std::vector<adapters::recording_entry>& frames;
    adapters::json_decoder& decoder;
    actors::hot_path& hp;
    manual_clock& clk;
    audit_sink& audit;
    control_channel& channel;
    std::vector<int64_t>& frame_lat;
    std::vector<int64_t>& order_lat;
    std::atomic<uint64_t>& done;
    uint64_t& events;
    bool measure;
    uint32_t audit_high_water;
    size_t i = 0;

    size_t do_work() noexcept {
      if ((i & 63u) == 0 && !hp.poll_control(channel)) return agent_done;
      if (i >= frames.size()) return agent_done;
      // Replays never outrun their audit trail: wait for the writer rather than let risk see
      // back-pressure that a live run would not have had (keeps the decision log deterministic).
      while (audit.size_approx() > audit_high_water) std::this_thread::yield();
      const auto& f = frames[i++];
      clk.set(f.recv_time);
      const int64_t t0 = measure ? monotonic_ns() : 0;
      // Time first: bars whose second ended by this frame's arrival are complete, so they close
      // (and their decisions go out) before the new frame is decoded.
      hp.on_time(f.recv_time);
      const auto r = decoder.decode(f.frame, f.recv_time,
                                    [this](const market_event& ev) noexcept { hp.on_market_event(ev); });
      if (measure) {
        const int64_t t1 = monotonic_ns();
        frame_lat.push_back(t1 - t0);
        if (const int64_t t_order = hp.take_first_order_mono_ns(); t_order != 0)
          order_lat.push_back(t_order - t0);
      }
      events += r.events;
      done.store(i, std::memory_order_relaxed);
      return 1;
    }
  } ag{frames,    decoder,  hp,   clk,    audit, channel, frame_lat, order_lat,
       done,      decoded_events, opts.measure_latency, static_cast<uint32_t>(cfg.audit_capacity / 2)};

  const auto start = std::chrono::steady_clock::now();
  std::atomic<bool> finished{false};  // the hot loop ended (all frames, or a shutdown command)
  std::thread hot([&] {
    if (cfg.cpu >= 0) pin_error = pin_current_thread(cfg.cpu);
    std::atomic<bool> stop{false};
    if (cfg.idle == idle_kind::busy_spin) {
      run_loop<agent, busy_spin_idle> loop(ag, busy_spin_idle{});
      loop.run(stop);
    } else {
      run_loop<agent, backoff_idle> loop(ag, backoff_idle{});
      loop.run(stop);
    }
    finished.store(true, std::memory_order_release);
  });
  auto last_heartbeat = start;
  while (!finished.load(std::memory_order_acquire)) {
    if (opts.progress) opts.progress(done.load(std::memory_order_relaxed), total);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // A long replay stays visibly alive in engine_runs (a silent one would be closed as
    // abandoned by another start); the counts come with the final heartbeat.
    if (const auto now = std::chrono::steady_clock::now(); now - last_heartbeat >= std::chrono::seconds(1)) {
      last_heartbeat = now;
      trail.heartbeat(0, 0, 0, 0, false);
    }
  }
  hot.join();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (opts.progress) opts.progress(done.load(std::memory_order_relaxed), total);
  control.stop_workers();  // final drain of the audit trail
  {
    const auto& hc = hp.counters();
    trail.finish(decoded_events, hc.decisions, hc.orders, hc.fills);
  }

  replay_report rep;
  rep.frames = total;
  rep.bad_lines = reader.malformed_lines();
  rep.events = decoded_events;
  const auto& ds = decoder.stats();
  rep.decode_skipped = ds.messages_skipped + ds.frames_rejected;
  for (size_t k = 1; k < adapters::decode_error_count; ++k)
    if (ds.errors[k] != 0)
      rep.decode_errors.emplace_back(std::string(adapters::to_string(static_cast<adapters::decode_error>(k))), ds.errors[k]);
  if (const auto& fe = decoder.first_error(); fe.has_error())
    rep.first_decode_error = std::string(adapters::to_string(fe.kind)) + " in frame " +
                             std::to_string(fe.frame_number) + ", message " +
                             std::to_string(fe.message_index) + ", byte " +
                             std::to_string(fe.byte_offset) + ": " + std::string(fe.excerpt());
  const auto& m = hp.md().stats();
  rep.duplicates = m.duplicates;
  rep.out_of_order = m.out_of_order;
  rep.stale = m.stale;
  rep.invalid = m.invalid;
  rep.microbars = m.microbars;
  rep.gaps = m.gaps;
  const auto& c = hp.counters();
  rep.decisions = c.decisions;
  rep.rejected = c.rejections;
  rep.approved = c.verdicts - c.rejections;
  rep.orders = c.orders;
  rep.fills = c.fills;
  const auto& rs = hp.risk().stats();
  for (int k = 1; k < risk_reason_count; ++k)
    if (rs.by_reason[static_cast<size_t>(k)] != 0)
      rep.rejections.emplace_back(std::string(to_string(static_cast<risk_reason>(k))),
                                  rs.by_reason[static_cast<size_t>(k)]);
  rep.realized_pnl = decimal_string(hp.risk().realized_pnl());
  rep.unrealized_pnl = decimal_string(hp.risk().unrealized_pnl());
  rep.equity = decimal_string(hp.risk().equity());
  for (uint32_t i = 0; i < symbols.size(); ++i) {
    const auto& p = hp.risk().position_of(symbol_id{i});
    if (p.qty.is_zero() && p.realized_pnl.is_zero()) continue;
    rep.positions.push_back({std::string(symbols.name(symbol_id{i})), decimal_string(p.qty), decimal_string(p.realized_pnl), decimal_string(p.mark)});
  }
  rep.frame_latency = summarize(frame_lat);
  rep.tick_to_order = summarize(order_lat);
  rep.wall_seconds = wall;
  rep.events_per_second = wall > 0 ? static_cast<double>(decoded_events) / wall : 0;
  rep.audit_rows = trail.log().rows();
  rep.first_activity = trail.log().first_activity();
  rep.audit_dropped = audit.dropped();
  if (trail.persistent()) {
    const auto wm = trail.metrics();
    rep.db_rows_committed = wm.rows_committed;
    rep.db_rows_spooled = wm.rows_spooled;
    rep.db_dead_letters = wm.dead_letters;
  }
  rep.pin_error = pin_error;
  rep.peak_rss_kib = proc_status_kib("VmHWM:");
  rep.anon_rss_kib = proc_status_kib("RssAnon:");
  rep.final_state = hp.risk().state();
  return rep;
}

}  // namespace torghut::replay
