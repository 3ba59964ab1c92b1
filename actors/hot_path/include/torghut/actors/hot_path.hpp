#pragma once
/// The hot path: market_data → strategy → risk → order_router → (paper broker) → risk, wired
/// through preallocated lock-free mailboxes and driven by one thread. After construction and
/// warm-up, nothing here allocates, locks or makes a system call per message.
///
/// Fan-out: normalised market events are delivered from one mailbox to strategy, risk and the
/// paper broker in that order. Intents go to risk; every verdict goes back to strategy (so a
/// rejection clears its pending flag) and approved ones to the router; order commands leave the
/// hot path at the broker boundary (the internal paper broker now, Alpaca REST in its issue);
/// broker events return to the router; execution reports go to risk and strategy.

#include <cstdint>

#include "torghut/actors/market_data.hpp"
#include "torghut/actors/order_router.hpp"
#include "torghut/actors/risk.hpp"
#include "torghut/actors/strategy.hpp"
#include "torghut/engine/audit_sink.hpp"
#include "torghut/engine/clock.hpp"
#include "torghut/engine/config.hpp"
#include "torghut/engine/control_plane.hpp"
#include "torghut/engine/mailbox.hpp"
#include "torghut/engine/symbol_table.hpp"

namespace torghut::actors {

struct hot_path_counters {
  uint64_t events_in = 0;
  uint64_t decisions = 0;
  uint64_t verdicts = 0;
  uint64_t rejections = 0;
  uint64_t orders = 0;
  uint64_t broker_events = 0;
  uint64_t reports = 0;
  uint64_t fills = 0;
  uint64_t control_commands = 0;
};

class hot_path {
 public:
  hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit, const clock& clk);
  hot_path(const hot_path&) = delete;
  hot_path& operator=(const hot_path&) = delete;

  /// One decoded market event: runs the whole chain until every mailbox is empty.
  void on_market_event(const market_event& ev) noexcept {
    ++counters_.events_in;
    md_.on_event(ev);
    pump();
  }
  /// Time advanced (replay: each frame's receive time; live: an idle tick): closes microbars.
  void on_time(timestamp now) noexcept {
    md_.on_time(now);
    pump();
  }
  /// The feed had a gap (reconnect, stall): strategies must not act on stale state.
  void on_gap(timestamp now, duration_ns length) noexcept {
    md_.on_gap(now, length);
    pump();
  }
  /// Applies a control command; status requests are answered on `channel`. Returns false for
  /// `shutdown`.
  bool on_control(const control_command& c, control_channel& channel) noexcept;
  /// Polls and applies every queued control command; false when shutdown was requested.
  bool poll_control(control_channel& channel) noexcept;

  /// Drains every mailbox until all are empty, one market event at a time through the whole
  /// chain (depth-first). Returns messages moved.
  size_t pump() noexcept;

  [[nodiscard]] engine_status status() const noexcept;
  [[nodiscard]] const hot_path_counters& counters() const noexcept { return counters_; }
  [[nodiscard]] const market_data& md() const noexcept { return md_; }
  [[nodiscard]] const strategy_engine& strategy() const noexcept { return strategy_; }
  [[nodiscard]] const risk_engine& risk() const noexcept { return risk_; }
  [[nodiscard]] const order_router& router() const noexcept { return router_; }
  /// Monotonic time (ns) when the first order command since the last call left the hot path,
  /// or 0 if none did; clears it. Tick-to-order = this minus the frame's start time.
  [[nodiscard]] int64_t take_first_order_mono_ns() noexcept {
    const int64_t t = first_order_mono_ns_;
    first_order_mono_ns_ = 0;
    return t;
  }
  /// Enables stamping order commands with monotonic time as they leave (off by default).
  void set_order_probe(bool on) noexcept { order_probe_ = on; }

 private:
  size_t drain_downstream() noexcept;

  mailbox<market_event> md_out_;
  mailbox<order_intent> intents_;
  mailbox<risk_verdict> verdicts_;
  mailbox<order_command> commands_;
  mailbox<broker_event> broker_events_;
  mailbox<execution_report> reports_;
  market_data md_;
  strategy_engine strategy_;
  risk_engine risk_;
  order_router router_;
  paper_broker broker_;
  hot_path_counters counters_;
  timestamp last_event_time_;
  int64_t first_order_mono_ns_ = 0;
  bool order_probe_ = false;
};

}  // namespace torghut::actors
