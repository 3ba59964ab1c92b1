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
#include <optional>
#include <span>
#include <vector>

#include "torghut/actors/market_data.hpp"
#include "torghut/actors/order_router.hpp"
#include "torghut/actors/risk.hpp"
#include "torghut/actors/strategy.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/config.hpp"
#include "torghut/core/control_channel.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/symbol_table.hpp"

namespace torghut::actors {

/// Where order commands leave the hot path when trading through a broker (Alpaca REST, or the
/// simulator's). `send` runs on the hot thread inside pump(): it must not block or allocate, and
/// must not call back into the hot path (answers come later through on_broker_event).
class order_gateway {
 public:
  virtual ~order_gateway() = default;
  virtual void send(const order_command& c) noexcept = 0;
};

/// A broker position as reconciliation sees it (`GET /v2/positions`).
struct broker_position_state {
  symbol_id symbol;
  quantity qty;  ///< signed: negative for a short
  price avg_entry;
};

/// What the broker says, fetched over REST at start-up and after every trade_updates reconnect.
struct broker_snapshot {
  std::vector<broker_order_state> open_orders;  ///< GET /v2/orders?status=open
  /// Orders this engine thought open that were not in `open_orders`, as
  /// GET /v2/orders:by_client_order_id answered (404s are left out).
  std::vector<broker_order_state> queried_orders;
  std::vector<broker_position_state> positions;  ///< GET /v2/positions
  std::optional<money> equity;                   ///< GET /v2/account
};

/// Differences found by reconciliation (each also counted in reconcile_counters).
struct reconcile_result {
  uint32_t orders_adopted = 0;     ///< open at the broker, unknown here: taken over
  uint32_t orders_advanced = 0;    ///< known here, the broker was ahead: events synthesized
  uint32_t orders_vanished = 0;    ///< open here, unknown to the broker (404): rejected locally
  uint32_t positions_adjusted = 0; ///< local position differed from the broker's
  bool equity_set = false;
};

struct reconcile_counters {
  uint64_t runs = 0;
  uint64_t orders_adopted = 0, orders_advanced = 0, orders_vanished = 0, positions_adjusted = 0;
};

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
  /// The built-in strategies only.
  hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit, const clock& clk);
  /// Strategies from `catalog` (the built-ins plus loaded libraries). Throws
  /// strategy_setup_error when a configured strategy cannot be built.
  hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit, const clock& clk,
           std::span<const sdk::descriptor* const> catalog);
  hot_path(const hot_path&) = delete;
  hot_path& operator=(const hot_path&) = delete;

  /// One decoded market event: runs the whole chain until every mailbox is empty.
  void on_market_event(const market_event& ev) noexcept {
    ++counters_.events_in;
    md_.on_market_event(ev);
    pump();
  }
  /// Time advanced (replay: each frame's receive time; live: an idle tick): closes microbars.
  void on_time(timestamp now) noexcept {
    md_.on_time(now);
    pump();
    strategy_.on_time(now);
    pump();
  }
  /// The end of the run: the strategies' on_stop.
  void finish_strategies() noexcept {
    strategy_.finish();
    pump();
  }
  /// The feed had a gap (reconnect, stall): strategies must not act on stale state.
  void on_gap(timestamp now, duration_ns length) noexcept {
    md_.on_gap(now, length);
    pump();
  }
  /// Applies a control command; status requests are answered on `channel`. Returns false for
  /// `shutdown`.
  bool on_control_command(const control_command& c, control_channel& channel) noexcept;
  /// Polls and applies every queued control command; false when shutdown was requested.
  bool poll_control(control_channel& channel) noexcept;

  /// Trade through `gw` instead of the internal paper broker (nullptr: back to the paper broker).
  /// With a gateway, risk rejects new orders until set_reconciled(true).
  void set_gateway(order_gateway* gw) noexcept;
  /// A broker event (from the gateway's REST answers or trade_updates): runs the chain.
  void on_broker_event(const broker_event& ev) noexcept;
  /// Queues a broker event without running the chain: for a gateway's `send`, which runs inside
  /// pump() (the running pump delivers it). False when the mailbox is full.
  bool post_broker_event(const broker_event& ev) noexcept {
    return broker_events_.push(ev) == push_result::ok;
  }
  /// The broker's id for an order, learned without a state change (a POST's answer that did not
  /// say the order's status): kept and audited (see order_router::learn_broker_id).
  bool learn_broker_id(order_id id, const broker_order_id& broker_id) noexcept {
    return router_.learn_broker_id(id, broker_id);
  }

  /// Reconciliation (off the hot path's per-message budget: it may allocate).
  /// The client_order_ids of orders open here that are not in `broker_open`: the caller asks the
  /// broker about each (by_client_order_id) and passes the answers as snapshot.queried_orders.
  [[nodiscard]] std::vector<client_order_id> missing_at_broker(
      std::span<const broker_order_state> broker_open) const;
  /// Applies the broker's view: adopts unknown open orders, synthesizes the events this side
  /// missed (fills by cumulative quantity, cancels, expiries), rejects locally the open orders
  /// the broker never received (listed by missing_at_broker but absent from queried_orders),
  /// then makes positions and equity the broker's. Does not change the reconciled flag.
  reconcile_result reconcile(const broker_snapshot& snap,
                             std::span<const client_order_id> asked = {});
  void set_reconciled(bool ok) noexcept { risk_.set_reconciled(ok); }
  [[nodiscard]] const reconcile_counters& reconciliation() const noexcept { return recon_; }

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
  /// The wall-clock time (ns, the clock of market_event::recv_time) of the same order, stamped
  /// with it; read it before take_first_order_mono_ns(). Frame-to-order = this − recv_time.
  [[nodiscard]] int64_t first_order_wall_ns() const noexcept { return first_order_wall_ns_; }
  /// Enables stamping order commands with monotonic time as they leave (off by default).
  void set_order_probe(bool on) noexcept { order_probe_ = on; }
  /// Every closed final microbar's indicator snapshot also goes to `s` (nullptr: off).
  void set_signal_sink(signal_sink* s) noexcept { strategy_.set_signal_sink(s); }

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
  audit_sink& audit_;
  const clock& clk_;
  hot_path_counters counters_;
  timestamp last_event_time_;
  int64_t first_order_mono_ns_ = 0;
  int64_t first_order_wall_ns_ = 0;
  bool order_probe_ = false;
  uint32_t symbols_capacity_;
  order_gateway* gateway_ = nullptr;
  reconcile_counters recon_;
  /// Synthesizes the broker event that brings a known order to the broker's state; false when
  /// the states already agree.
  bool advance_to(order_id id, const broker_order_state& o) noexcept;
};

}  // namespace torghut::actors
