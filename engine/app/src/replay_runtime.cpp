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

#include "hot_agents.hpp"
#include "strategy_catalog.hpp"
#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/recording.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/control/control_plane.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/core/run_loop.hpp"
#include "torghut/core/signal_queue.hpp"
#include "torghut/core/symbol_table.hpp"
#include "torghut/persistence/audit_json.hpp"
#include "torghut/persistence/write_behind.hpp"
#include "torghut/persistence/audit_trail.hpp"
#include "torghut/persistence/signal_log.hpp"

namespace torghut::app {
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

namespace {

/// `torghut replay`: one runtime object with phases, as the live runtime (live_runtime.cpp):
/// load (the recording, the symbols, the config), wire up (the hot path, the control plane, the
/// audit trail), run (the hot thread, what it runs per frame: hot_agents.hpp; progress and
/// heartbeats on this thread), finish (the audit drain and the report).
class replay_runtime {
 public:
  explicit replay_runtime(const replay_options& opts) : opts_(opts), cfg_(opts.config) {}

  /// Reads the recording and settles the config. Throws std::runtime_error for a missing or
  /// unreadable recording or an invalid config (with every violation in the message).
  void load() {
    if (!reader_.open(opts_.recording))
      throw std::runtime_error("cannot read recording '" + opts_.recording + "': " + reader_.error());
    {
      adapters::recording_entry e;
      while (reader_.next(e)) frames_.push_back(e);
    }
    symbols_ = std::make_unique<symbol_table>(cfg_.symbol_capacity);
    decoder_ = std::make_unique<adapters::json_decoder>(*symbols_);
    // Allow-list: every symbol of the recording unless the config names them. A first pass of
    // the decoder over the frames interns the symbols (in first-appearance order, the same ids the
    // replay would give them) and warms the decoder before any timing starts; its counts are then
    // reset so the report covers the replay alone.
    for (const auto& f : frames_)
      (void)decoder_->decode(f.frame, f.recv_time, [](const market_event&) noexcept {});
    decoder_->reset_stats();
    if (cfg_.allowed_symbols.empty())
      for (uint32_t i = 0; i < symbols_->size(); ++i) cfg_.allowed_symbols.emplace_back(symbols_->name(symbol_id{i}));
    if (auto errs = validate(cfg_); !errs.empty()) {
      std::string msg = "invalid configuration:";
      for (const auto& e : errs) msg += "\n  - " + e;
      throw std::runtime_error(msg);
    }
  }

  /// The hot path, the control plane and the audit trail. Throws persistence::schema_error (a
  /// reachable database at another schema version) and std::runtime_error.
  void wire_up() {
    audit_ = std::make_unique<audit_sink>(cfg_.audit_capacity);
    {
      std::vector<std::string> errs;
      catalog_ = load_strategy_catalog(cfg_, errs);  // built-ins and the config's libraries
      if (!errs.empty()) throw std::runtime_error("strategies: " + errs.front());
    }
    hp_ = std::make_unique<actors::hot_path>(cfg_, *symbols_, *audit_, clk_, catalog_.all);
    hp_->set_order_probe(opts_.measure_latency);
    if (!opts_.signals.empty()) {
      // A replay waits for the signals writer rather than drop a row (the file is complete and
      // the same for the same recording); opening the file here fails before anything runs.
      signal_queue_ = std::make_unique<signal_queue>(signal_queue_capacity, cfg_.symbol_capacity, clk_,
                                                     signal_queue::when_full::wait);
      signal_log_ = std::make_unique<persistence::signal_log>(opts_.signals, *signal_queue_, *symbols_);
      signal_log_->start();
      hp_->set_signal_sink(signal_queue_.get());
    }
    control_ = std::make_unique<control_plane>(channel_, control_plane_options{.workers = 1});
    persistence::audit_trail_options ao;
    ao.decision_log = opts_.decision_log;
    ao.db_dsn = opts_.db_dsn;
    ao.spool_dir = opts_.spool_dir;
    ao.mode = persistence::run_mode::replay;
    ao.account_label = "replay";
    ao.run_key = opts_.recording;
    ao.config = &cfg_;
    trail_ = std::make_unique<persistence::audit_trail>(ao, *audit_, *symbols_, *control_);
  }

  /// The hot loop on one thread (pinned when asked) until every frame is done or a shutdown
  /// command; progress and heartbeats from this thread meanwhile.
  void run() {
    const uint64_t total = frames_.size();
    if (opts_.measure_latency) {
      frame_lat_.reserve(total);
      order_lat_.reserve(total / 4 + 16);
    }
    replay_hot_agent agent{frames_,    *decoder_, *hp_,    clk_,          *audit_,
                           channel_,   frame_lat_, order_lat_, done_,     decoded_events_,
                           opts_.measure_latency, static_cast<uint32_t>(cfg_.audit_capacity / 2)};
    const auto start = std::chrono::steady_clock::now();
    std::atomic<bool> finished{false};  // the hot loop ended (all frames, or a shutdown command)
    std::thread hot([&] {
      if (cfg_.cpu >= 0) pin_error_ = pin_current_thread(cfg_.cpu);
      const std::atomic<bool> never{false};
      run_hot_loop(agent, cfg_.idle, never);
      finished.store(true, std::memory_order_release);
    });
    auto last_heartbeat = start;
    while (!finished.load(std::memory_order_acquire)) {
      if (opts_.progress) opts_.progress(done_.load(std::memory_order_relaxed), total);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      // A long replay stays visibly alive in engine_runs (a silent one would be closed as
      // abandoned by another start); the counts come with the final heartbeat.
      if (const auto now = std::chrono::steady_clock::now(); now - last_heartbeat >= std::chrono::seconds(1)) {
        last_heartbeat = now;
        trail_->heartbeat(0, 0, 0, 0, false);
      }
    }
    hot.join();
    hp_->finish_strategies();  // on_stop, on this thread now that the hot loop is over
    log_stopped_strategies(*hp_, stopped_logged_);
    wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (opts_.progress) opts_.progress(done_.load(std::memory_order_relaxed), total);
  }

  /// The final drain of the audit trail, and the report.
  replay_report finish() {
    if (signal_log_) signal_log_->stop();  // the hot thread has stopped: drains every row
    control_->stop_workers();
    {
      const auto& hc = hp_->counters();
      trail_->finish(decoded_events_, hc.decisions, hc.orders, hc.fills);
    }
    const uint64_t total = frames_.size();
    const double wall = wall_;
    const uint64_t decoded_events = decoded_events_;
    const std::string& pin_error = pin_error_;
    auto& reader = reader_;
    auto& decoder = *decoder_;
    auto& hp = *hp_;
    auto& symbols = *symbols_;
    auto& trail = *trail_;
    auto& audit = *audit_;
    auto& frame_lat = frame_lat_;
    auto& order_lat = order_lat_;
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
  rep.strategy_bars = hp.strategy().stats().bars;
  if (signal_log_) {
    rep.signal_rows = signal_log_->rows();
    rep.signal_dropped = signal_log_->dropped();
    rep.signal_lost = signal_log_->lost();
    rep.signal_error = signal_log_->error();
  }
  rep.pin_error = pin_error;
  rep.peak_rss_kib = proc_status_kib("VmHWM:");
  rep.anon_rss_kib = proc_status_kib("RssAnon:");
  rep.final_state = hp.risk().state();
    return rep;
  }

 private:
  const replay_options& opts_;
  engine_config cfg_;
  adapters::recording_reader reader_;
  std::vector<adapters::recording_entry> frames_;
  std::unique_ptr<symbol_table> symbols_;
  std::unique_ptr<adapters::json_decoder> decoder_;
  std::unique_ptr<audit_sink> audit_;
  manual_clock clk_;
  strategy_catalog catalog_;  // outlives hp_ (declared before it)
  std::unique_ptr<actors::hot_path> hp_;
  uint32_t stopped_logged_ = 0;
  control_channel channel_;
  std::unique_ptr<control_plane> control_;
  std::unique_ptr<persistence::audit_trail> trail_;
  static constexpr size_t signal_queue_capacity = 1u << 14;
  std::unique_ptr<signal_queue> signal_queue_;
  std::unique_ptr<persistence::signal_log> signal_log_;
  std::vector<int64_t> frame_lat_, order_lat_;
  std::atomic<uint64_t> done_{0};
  uint64_t decoded_events_ = 0;
  std::string pin_error_;
  double wall_ = 0;
};

}  // namespace

replay_report run_replay(const replay_options& opts) {
  replay_runtime rt(opts);
  rt.load();
  rt.wire_up();
  rt.run();
  return rt.finish();
}

}  // namespace torghut::app
