#pragma once
/// order_router actor: turns approved verdicts into order commands whose client_order_id is
/// derived from the decision hash, and runs each order's state machine from broker events:
///   pending_new → accepted/new → partially_filled* → filled
///   pending_new|accepted|new|partially_filled → pending_cancel → canceled
///   pending_new|accepted|new → rejected; any open → expired | replaced | canceled
/// Illegal, duplicate and late events are counted and ignored (never a crash, never a regress
/// from a terminal state). Each accepted transition becomes an execution report.
///
/// Choices where the rules leave room:
///  - Fills without a cumulative quantity (the internal paper broker): a fill or partial fill
///    whose quantity would take cum_qty above the order quantity is a duplicate (counted in
///    `duplicate_fills`, ignored). A partial fill that brings cum_qty exactly to the order
///    quantity moves the order to `filled`. A fill with a non-positive quantity or price is
///    counted as illegal.
///  - Fills with a cumulative quantity (Alpaca's order.filled_qty): the fill applies the
///    difference to the order's known cum_qty, so a replayed fill (no increase) is a duplicate,
///    and a fill that follows missed ones books them too; the price of the booked quantity comes
///    from the average prices (avg·cum − old avg·old cum), or last_px when no average is given.
///  - Events with id 0 are matched by client_order_id (an index kept beside the order table).
///  - An event whose non-empty client_order_id differs from the order's is an unknown order.
///  - Cancel intents for an unknown order count in `unknown_orders`; for a finished order they
///    are dropped; otherwise a cancel command goes out (the broker's events move the state).
///  - If the table slot for a new id still holds an open order, or the command mailbox is full,
///    no command goes out and a `rejected` report (reject_code below) releases risk's exposure;
///    both count in `back_pressured`.
///  - Report times are the broker event's time, or the clock's when the event carries none.

#include <cstdint>
#include <optional>
#include <vector>

#include "torghut/actors/fill_model.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/reject_codes.hpp"

namespace torghut::actors {

/// reject_code values and their names live in the engine (every boundary shares them).
namespace reject_codes = ::torghut::reject_codes;
using ::torghut::reject_code_name;

/// The broker event that moves an order to status `s` (what an order object shows), or nullopt
/// for pending_new, where every order starts.
[[nodiscard]] std::optional<broker_event_kind> event_for_status(order_status s) noexcept;


/// An open order the broker holds, as reconciliation sees it (from `GET /v2/orders?status=open`
/// or `by_client_order_id`).
struct broker_order_state {
  client_order_id coid;
  symbol_id symbol;
  side order_side = side::buy;
  order_type type = order_type::market;
  time_in_force tif = time_in_force::day;
  order_status status = order_status::new_order;
  quantity qty;
  quantity filled_qty;
  price filled_avg_px;
  price limit_px;
  price stop_px;
  broker_order_id broker_id;  ///< the broker's order id (reconciliation backfills it)
};

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
  uint64_t adopted = 0;  ///< open broker orders taken over by reconciliation
};

class order_router {
 public:
  /// `max_open_orders` bounds the order table, allocated here once.
  order_router(mailbox<order_command>& commands, mailbox<execution_report>& reports,
               audit_sink& audit, const clock& clk, uint32_t max_open_orders = 65'536);

  /// Approved verdicts become order commands (rejected ones are ignored here).
  void on_risk_verdict(const risk_verdict& v) noexcept;
  /// Broker events drive the state machine and produce execution reports.
  void on_broker_event(const broker_event& ev) noexcept;

  /// Reconciliation: takes over an open order the broker holds but this router does not know
  /// (placed before a restart). It gets a new order id, its decision hash is read back from a
  /// `tg-` client_order_id (zero otherwise), and one report with its status (and no fill: the
  /// broker's positions already include its fills so far) goes out. Returns its id, or nullopt
  /// when the table slot is busy or the order is already known.
  std::optional<order_id> adopt(const broker_order_state& o, strategy_id strategy = {}) noexcept;

  /// The broker's order id for an order (from the POST's answer or reconciliation), when no
  /// event carried it yet: kept with the order and written to the audit trail once (an
  /// execution row of its current state), so `alpaca_order_id` is never left NULL. Returns true
  /// when the id was new to this order.
  bool learn_broker_id(order_id id, const broker_order_id& broker_id) noexcept;

  [[nodiscard]] std::optional<order_status> status_of(order_id id) const noexcept;
  /// The order with this client_order_id, if the table still holds it.
  [[nodiscard]] std::optional<order_id> find_by_coid(const client_order_id& coid) const noexcept;

  struct open_order {
    order_id id;
    client_order_id coid;
    symbol_id symbol;
    side order_side = side::buy;
    order_status status = order_status::pending_new;
    quantity qty;
    quantity cum_qty;
    price avg_px;
  };
  /// The order with this id while it is not in a terminal state.
  [[nodiscard]] std::optional<open_order> open_order_of(order_id id) const noexcept {
    const order_entry* e = find(id);
    if (e == nullptr || is_terminal(e->status)) return std::nullopt;
    return open_order{e->id, e->coid, e->symbol, e->order_side, e->status, e->qty, e->cum_qty, e->avg_px};
  }
  /// Calls f(open_order) for every order not in a terminal state (reconciliation).
  template <class F>
  void for_each_open(F&& f) const {
    for (const auto& e : orders_)
      if (e.in_use && !is_terminal(e.status))
        f(open_order{e.id, e.coid, e.symbol, e.order_side, e.status, e.qty, e.cum_qty, e.avg_px});
  }
  [[nodiscard]] const order_router_stats& stats() const noexcept { return stats_; }

 private:
  struct order_entry {
    order_id id;
    client_order_id coid;
    strategy_id strategy;
    symbol_id symbol;
    side order_side = side::buy;
    order_status status = order_status::pending_new;
    bool in_use = false;
    quantity qty;
    quantity cum_qty;
    price avg_px;
    decision_hash hash;
    broker_order_id broker_id;
  };
  [[nodiscard]] order_entry* find(order_id id) noexcept;
  [[nodiscard]] const order_entry* find(order_id id) const noexcept;
  /// Puts `fresh` into its table slot, keeping the coid index in step.
  void store(order_entry& slot, const order_entry& fresh) noexcept;
  [[nodiscard]] static uint64_t coid_key(const client_order_id& c) noexcept;
  [[nodiscard]] size_t index_find(const client_order_id& c) const noexcept;  ///< index slot or npos
  void index_insert(const client_order_id& c, uint32_t table_slot) noexcept;
  void index_erase(const client_order_id& c) noexcept;
  /// Applies a broker event to its order; true when it changed the order (and was reported).
  bool apply(order_entry& e, const broker_event& ev) noexcept;
  [[nodiscard]] execution_report report_of(const order_entry& e, quantity last_qty, price last_px, timestamp t,
                                           uint16_t reject_code) const noexcept;
  void report(const order_entry& e, quantity last_qty, price last_px, timestamp t,
              uint16_t reject_code) noexcept;

  mailbox<order_command>& commands_;
  mailbox<execution_report>& reports_;
  audit_sink& audit_;
  const clock& clock_;
  std::vector<order_entry> orders_;  // ring indexed by id % capacity
  std::vector<uint32_t> coid_index_;  // linear probing: table slot + 1 (0 = empty), 2× capacity
  uint64_t next_id_ = 1;
  order_router_stats stats_;
};

/// The internal paper broker: accepts order commands and fills them against the latest quote with
/// the fill model (fill_model.hpp, shared with the trading simulator): market orders fill at the
/// touch (ask for buys, bid for sells) up to the displayed size, the rest on later quotes; limit
/// orders fill when the quote crosses them; stops trigger at the touch; fok fills completely in
/// one fill or not at all. Emits broker events exactly as Alpaca's trade_updates would.
///
/// Details: a submit emits `new_order`, then `partial_fill` / `fill` events. Resting orders of a
/// symbol are offered each quote's displayed size in time priority. ioc and fok cancel whatever
/// did not fill at once (also when there is no quote); day/gtc/opg/cls orders rest; nothing
/// expires. Invalid orders (bad symbol id, qty ≤ 0,
/// missing limit/stop price) get `rejected` with reject_codes::invalid_order; a submit whose pool
/// slot (id % max_open_orders) holds another open order gets reject_codes::broker_capacity; a
/// repeated submit of an open id is ignored. A cancel of an open order emits `canceled`; a cancel
/// of an unknown or finished order emits nothing and counts in `unknown_cancels()`.
class paper_broker {
 public:
  /// `shares_per_quote_lot`: Alpaca's stock quotes give sizes in round lots of 100 shares, so
  /// the displayed size is that many shares per unit (use 1 for feeds quoting in units, such as
  /// crypto).
  paper_broker(mailbox<broker_event>& events, const clock& clk, uint32_t symbol_capacity,
               uint32_t max_open_orders = 65'536, int64_t shares_per_quote_lot = 100);

  void on_order_command(const order_command& c) noexcept;
  void on_market_event(const market_event& ev) noexcept;  ///< quotes: fill resting orders

  [[nodiscard]] uint64_t fills() const noexcept { return fills_; }
  /// Cancels for orders the broker does not hold open (unknown or already finished).
  [[nodiscard]] uint64_t unknown_cancels() const noexcept { return unknown_cancels_; }
  /// Events lost because the event mailbox was full.
  [[nodiscard]] uint64_t back_pressured() const noexcept { return back_pressured_; }

 private:
  static constexpr uint32_t npos = 0xffffffffu;
  struct resting {
    order_command cmd;
    quantity remaining;
    uint32_t prev = npos;  // per-symbol FIFO list of resting orders
    uint32_t next = npos;
    bool in_use = false;
    bool triggered = false;  // stop orders: the stop price was reached
  };
  void submit(const order_command& c) noexcept;
  void cancel(const order_command& c) noexcept;
  void try_fill(resting& o, fill_model::book_top& top) noexcept;
  void link(uint32_t slot) noexcept;
  void unlink(uint32_t slot) noexcept;
  void emit(broker_event_kind k, const order_command& c, quantity last_qty, price last_px,
            uint16_t reject_code) noexcept;

  mailbox<broker_event>& events_;
  const clock& clock_;
  std::vector<fill_model::book_top> tops_;  // per symbol: the latest quote, shares displayed
  int64_t lot_;
  std::vector<resting> open_;          // slot = id % max_open_orders
  std::vector<uint32_t> head_, tail_;  // per symbol
  uint64_t fills_ = 0;
  uint64_t unknown_cancels_ = 0;
  uint64_t back_pressured_ = 0;
};

}  // namespace torghut::actors
