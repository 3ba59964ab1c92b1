#pragma once
/// order_router actor: turns approved verdicts into order commands whose client_order_id is
/// derived from the decision hash, and runs each order's state machine from broker events:
///   pending_new → accepted/new → partially_filled* → filled
///   pending_new|accepted|new|partially_filled → pending_cancel → canceled
///   pending_new|accepted|new → rejected; any open → expired | replaced | canceled
/// Illegal, duplicate and late events are counted and ignored (never a crash, never a regress
/// from a terminal state). Each accepted transition becomes an execution report.

#include <cstdint>
#include <optional>
#include <vector>

#include "torghut/engine/audit_sink.hpp"
#include "torghut/engine/clock.hpp"
#include "torghut/engine/mailbox.hpp"
#include "torghut/engine/messages.hpp"

namespace torghut::actors {

/// The order state machine, pure: returns the next status for `ev` from `cur`, or nullopt when
/// the event is illegal from that status (late or out-of-order).
[[nodiscard]] std::optional<order_status> next_status(order_status cur, broker_event_kind ev) noexcept;

struct order_router_stats {
  uint64_t submitted = 0;
  uint64_t cancels = 0;
  uint64_t reports = 0;
  uint64_t fills = 0;
  uint64_t illegal_transitions = 0;
  uint64_t unknown_orders = 0;
  uint64_t duplicate_fills = 0;
  uint64_t back_pressured = 0;
};

class order_router {
 public:
  /// `max_open_orders` bounds the order table, allocated here once.
  order_router(mailbox<order_command>& commands, mailbox<execution_report>& reports,
               audit_sink& audit, const clock& clk, uint32_t max_open_orders = 65'536);

  /// Approved verdicts become order commands (rejected ones are ignored here).
  void on_verdict(const risk_verdict& v) noexcept;
  /// Broker events drive the state machine and produce execution reports.
  void on_broker_event(const broker_event& ev) noexcept;

  [[nodiscard]] std::optional<order_status> status_of(order_id id) const noexcept;
  [[nodiscard]] const order_router_stats& stats() const noexcept { return stats_; }

 private:
  struct order_entry;
  order_entry* find(order_id id) noexcept;

  mailbox<order_command>& commands_;
  mailbox<execution_report>& reports_;
  audit_sink& audit_;
  const clock& clock_;
  std::vector<order_entry> orders_;  // ring indexed by id % capacity
  uint64_t next_id_ = 1;
  order_router_stats stats_;
};

/// The internal paper broker: accepts order commands and fills them against the latest quote.
/// Market orders fill at the touch (ask for buys, bid for sells) up to the displayed size, the
/// rest on later quotes; limit orders fill when the quote crosses them; ioc/fok cancel what does
/// not fill at once. Emits broker events exactly as Alpaca's trade_updates would.
class paper_broker {
 public:
  paper_broker(mailbox<broker_event>& events, const clock& clk, uint32_t symbol_capacity,
               uint32_t max_open_orders = 65'536);

  void on_command(const order_command& c) noexcept;
  void on_market(const market_event& ev) noexcept;  ///< quotes: fill resting orders

  [[nodiscard]] uint64_t fills() const noexcept { return fills_; }

 private:
  struct resting;
  void try_fill(resting& o, const quote_payload& q) noexcept;

  mailbox<broker_event>& events_;
  const clock& clock_;
  std::vector<quote_payload> quotes_;  // per symbol
  std::vector<uint8_t> has_quote_;
  std::vector<resting> open_;
  uint64_t fills_ = 0;
};

}  // namespace torghut::actors
