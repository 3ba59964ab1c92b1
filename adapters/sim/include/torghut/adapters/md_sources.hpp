#pragma once
/// Data sources for the simulator: a recording or the synthetic market, decoded once into events
/// (json_decoder) and then published into an md_server by a runner thread, at the recorded pace,
/// at a fixed rate, or as fast as the server takes them, optionally looping.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "torghut/adapters/md_server.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/core/types.hpp"

namespace torghut::adapters {

/// Events in receive order, each with its receive time (`event.recv_time`) used for pacing.
struct md_script {
  std::vector<md_published_event> events;
  uint64_t frames = 0;           ///< frames decoded
  uint64_t skipped_messages = 0; ///< messages the decoder rejected
  [[nodiscard]] timestamp first_recv() const noexcept { return events.empty() ? timestamp{} : events.front().event.recv_time; }
  [[nodiscard]] timestamp last_recv() const noexcept { return events.empty() ? timestamp{} : events.back().event.recv_time; }
};

/// Decodes (recv time, JSON frame) pairs and appends their data events; control frames are ignored.
void append_frames(md_script& script, const std::vector<std::pair<timestamp, std::string>>& frames);
/// Loads a recording file (docs/RECORDING.md). False with `error` set when it cannot be read.
[[nodiscard]] bool load_recording_script(const std::string& path, md_script& out, std::string& error);
/// Generates the synthetic market of `config` and decodes it.
[[nodiscard]] md_script synth_script(const synth_config& config);
/// A synthetic market of `symbols` (names; "FAKEPACA" allowed) producing about `rate` data
/// messages per second in total over `duration` of market time (seeded, deterministic).
[[nodiscard]] synth_config synth_config_for_rate(std::vector<std::string> symbols, double rate,
                                                 duration_ns duration, uint64_t seed = 1);
/// Merges `extra` into `script`, keeping receive order (stable).
void merge_scripts(md_script& script, md_script extra);

enum class md_pace : uint8_t {
  recorded,  ///< as the receive times say
  rate,      ///< `rate` events per second, evenly
  fast,      ///< as fast as the server's queue takes them (waits, never drops)
};

struct md_source_options {
  md_pace pace = md_pace::recorded;
  double rate = 10'000;  ///< events per second (pace == rate)
  bool loop = false;     ///< start again at the end (times keep increasing)
  /// Shift event and receive times so the first event happens now (wall clock) and each loop
  /// continues after the previous one; with pace == rate, event times are the publish times.
  bool restamp = true;
  /// Optional tee: called on the runner thread with every run of events the server accepted, in
  /// order, after restamping (`torghut sim` feeds the trading simulator's fill model with it).
  /// Must not block.
  std::function<void(std::span<const md_published_event>)> tee;
};

/// Publishes a script into a server from its own thread.
/// Moves a recorded event to the present for publishing. `recorded` pace shifts event and receive
/// times by `shift_ns` (recorded spacing kept); `rate` and `fast` stamp both at `wall_now_ns`, so
/// a symbol's times never go backwards. Bars keep `t` on their minute (daily: day) boundary, as
/// Alpaca sends them.
void restamp_event(market_event& e, md_pace pace, int64_t wall_now_ns, int64_t shift_ns) noexcept;

class md_source_runner {
 public:
  md_source_runner() = default;
  ~md_source_runner() { stop(); }
  md_source_runner(const md_source_runner&) = delete;
  md_source_runner& operator=(const md_source_runner&) = delete;

  void start(md_server& server, std::shared_ptr<const md_script> script, md_source_options options);
  /// Stops and joins the thread. Idempotent.
  void stop();
  /// True once the script ended (never when looping).
  [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] uint64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t loops() const noexcept { return loops_.load(std::memory_order_relaxed); }

 private:
  void run(md_server& server, std::shared_ptr<const md_script> script, md_source_options options);
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> loops_{0};
};

}  // namespace torghut::adapters
