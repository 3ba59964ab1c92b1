#pragma once
// What runs on the hot thread, in one file. Each runtime drives one of these agents with
// `run_loop<Agent, Idle>` on its (optionally pinned) hot thread; `do_work()` is one iteration and
// everything the engine does per frame is reachable from it:
//
//   live_hot_agent    (`torghut run`)     control commands every 64 iterations; the market-data
//                     socket polled inline (hot_thread mode: md_client's read handler decodes the
//                     frame and calls hot_path::on_market_event, the chain runs to the order, whose
//                     POST trading_rest writes from inside the same handler) or the I/O thread's
//                     mailbox drained; the trading clients polled; a time tick each millisecond
//                     (bars close even when the feed is quiet) and the status gauges published.
//   replay_hot_agent  (`torghut replay`)  control commands every 64 frames; one recorded frame:
//                     the manual clock set to its receive time, time first (bars that ended
//                     close), then the frame decoded straight into hot_path::on_market_event;
//                     per-frame latency samples when measuring.
//
// Contract: no allocation and no lock per frame after warm-up (tests/actors/hot_path,
// tests/*/..._alloc_test.cpp); nothing caught here is silent: `hot_faults` counts every exception
// that reaches the loop and keeps the first one's text, for the supervising thread to report.

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "torghut/actors/hot_path.hpp"
#include "torghut/actors/hot_telemetry.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/recording.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/control_channel.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/run_loop.hpp"

namespace torghut::app {

/// Exceptions that reached the hot loop (an Asio handler that threw): counted, and the first
/// one's text kept in fixed storage (no allocation on the hot thread). Read from any thread.
class hot_faults {
 public:
  void record(const char* what) noexcept {
    if (!first_set_.load(std::memory_order_relaxed)) {
      std::strncpy(first_, what != nullptr ? what : "unknown", sizeof first_ - 1);
      first_set_.store(true, std::memory_order_release);
    }
    caught_.store(caught_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  [[nodiscard]] uint64_t caught() const noexcept { return caught_.load(std::memory_order_acquire); }
  /// The first exception's text ("" until one was caught).
  [[nodiscard]] std::string first() const {
    return first_set_.load(std::memory_order_acquire) ? std::string(first_) : std::string();
  }

 private:
  std::atomic<uint64_t> caught_{0};
  std::atomic<bool> first_set_{false};
  char first_[160]{};
};

/// Polls `io` without letting an exception out of the hot loop (an Asio handler may throw):
/// the exception is recorded in `faults` and counted as work done.
inline size_t poll_guarded(boost::asio::io_context& io, hot_faults& faults) noexcept {
  try {
    return io.poll();
  } catch (const std::exception& e) {
    faults.record(e.what());
  } catch (...) {
    faults.record("a non-standard exception");
  }
  return 1;
}

// The position board and the latency histograms the hot thread feeds (actors/hot_path).
using actors::hot_meters;
using actors::position_board;

/// Counters the hot thread publishes for the status line (the hot path's own are not atomic).
/// Published once a millisecond (relaxed stores of values the hot thread owns); read by the
/// status line and the control API's /metrics and /trading/status without a lock.
struct hot_gauges {
  std::atomic<uint64_t> events{0}, decisions{0}, rejections{0}, orders{0}, fills{0};
  std::atomic<uint8_t> state{0};  ///< trading_state
  std::atomic<bool> kill_switch{false};
  std::atomic<int64_t> realized_pnl_raw{0}, unrealized_pnl_raw{0};  ///< money::raw
  /// Clock time (ns) of the publish that first counted the latest decision: the decision's time
  /// to within the 1 ms publish period; 0 before the first decision.
  std::atomic<int64_t> last_decision_ns{0};
  std::unique_ptr<position_board> positions;  ///< set before the hot thread starts (nullptr: none)
  std::array<std::atomic<uint64_t>, risk_reason_count> verdicts{};  ///< risk verdicts by reason
  void publish(const actors::hot_path& hp, timestamp now) noexcept {
    if (positions) positions->publish(hp.risk());
    const auto& by_reason = hp.risk().stats().by_reason;
    for (size_t i = 0; i < verdicts.size(); ++i) verdicts[i].store(by_reason[i], std::memory_order_relaxed);
    const auto& c = hp.counters();
    constexpr auto r = std::memory_order_relaxed;
    if (c.decisions != decisions.load(r)) last_decision_ns.store(now.ns, r);
    events.store(c.events_in, r);
    decisions.store(c.decisions, r);
    rejections.store(c.rejections, r);
    orders.store(c.orders, r);
    fills.store(c.fills, r);
    state.store(static_cast<uint8_t>(hp.risk().state()), r);
    kill_switch.store(hp.risk().kill_switch(), r);
    realized_pnl_raw.store(hp.risk().realized_pnl().raw, r);
    unrealized_pnl_raw.store(hp.risk().unrealized_pnl().raw, r);
  }
};

/// `torghut run`'s hot thread.
struct live_hot_agent {
  mailbox<market_event>& handoff;         ///< io_thread mode: events from the I/O thread
  actors::hot_path& hp;
  const clock& clk;
  control_channel& channel;
  hot_gauges& gauges;
  hot_faults& faults;
  hot_meters& meters;  ///< events by kind, tick-to-order, frame-to-order
  boost::asio::io_context* md_io;     ///< hot_thread mode: the market-data socket is read here
  boost::asio::io_context* trade_io;  ///< io_thread mode with a broker: the trading clients
  uint64_t iter = 0;
  int64_t last_time_ns = 0;

  size_t do_work() noexcept {
    if ((++iter & 63u) == 0 && !hp.poll_control(channel)) return agent_done;
    size_t k = 0;
    if (md_io != nullptr) {
      k = poll_guarded(*md_io, faults);
    } else {
      market_event e;
      while (k < 256 && handoff.pop(e)) {
        meters.on_event(hp, e);
        ++k;
      }
    }
    if (trade_io != nullptr) k += poll_guarded(*trade_io, faults);
    const timestamp now = clk.now();
    if (now.ns - last_time_ns >= 1'000'000) {  // bars close on time even when the feed is quiet
      last_time_ns = now.ns;
      hp.on_time(now);
      gauges.publish(hp, now);
    }
    return k;
  }
};

/// `torghut replay`'s hot thread: one recorded frame per iteration.
struct replay_hot_agent {
  const std::vector<adapters::recording_entry>& frames;
  adapters::json_decoder& decoder;
  actors::hot_path& hp;
  manual_clock& clk;
  audit_sink& audit;
  control_channel& channel;
  std::vector<int64_t>& frame_lat;  ///< decode + whole chain, per frame (when measuring)
  std::vector<int64_t>& order_lat;  ///< frame start → first order command (when measuring)
  std::atomic<uint64_t>& done;      ///< frames done, for the progress line
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
    const auto r =
        decoder.decode(f.frame, f.recv_time, [this](const market_event& ev) noexcept { hp.on_market_event(ev); });
    if (measure) {
      const int64_t t1 = monotonic_ns();
      frame_lat.push_back(t1 - t0);
      if (const int64_t t_order = hp.take_first_order_mono_ns(); t_order != 0) order_lat.push_back(t_order - t0);
    }
    events += r.events;
    done.store(i, std::memory_order_relaxed);
    return 1;
  }
};

/// Runs `agent` on the calling thread until `stop` (or the agent says it is done), with the
/// configured idle strategy (busy spin, or spin → yield → sleep).
template <class Agent>
void run_hot_loop(Agent& agent, idle_kind idle, const std::atomic<bool>& stop) {
  if (idle == idle_kind::busy_spin) {
    run_loop<Agent, busy_spin_idle> loop(agent, busy_spin_idle{});
    loop.run(stop);
  } else {
    run_loop<Agent, backoff_idle> loop(agent, backoff_idle{});
    loop.run(stop);
  }
}

/// Logs every strategy stopped by a fault since the last call (from any thread: the host
/// publishes its stop records safely); `reported` is how many were logged before.
inline void log_stopped_strategies(const actors::hot_path& hp, uint32_t& reported) {
  const uint32_t n = hp.strategy().stopped_count();
  if (n == reported) return;
  std::array<actors::stopped_strategy, 64> rec{};
  const size_t got = std::min<size_t>(hp.strategy().stopped(rec), rec.size());
  for (size_t i = reported; i < got; ++i)
    spdlog::error("strategy '{}' (id {}) stopped: {}; its open orders are canceled, the other strategies keep trading",
                  rec[i].name, rec[i].id.value, rec[i].reason);
  reported = n;
}

}  // namespace torghut::app
