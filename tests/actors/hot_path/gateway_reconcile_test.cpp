// The hot path trading through an external gateway (what Alpaca REST plugs into): nothing trades
// before start-up reconciliation, orders leave through the gateway, broker events come back by
// client_order_id, and reconciliation adopts, advances, closes and re-positions.
#include <gtest/gtest.h>

#include <vector>

#include "torghut/actors/hot_path.hpp"
#include "torghut/adapters/json_decoder.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/core/decision_hash.hpp"
#include "torghut/test/allocations.hpp"

using namespace torghut;

namespace {

price px(std::string_view s) { return parse_decimal<price>(s).value(); }
quantity qty(std::string_view s) { return parse_decimal<quantity>(s).value(); }

struct recording_gateway final : actors::order_gateway {
  std::vector<order_command> sent;
  void send(const order_command& c) noexcept override { sent.push_back(c); }
};

struct chain {
  explicit chain(uint32_t n = 4)
      : cfg(default_config(adapters::default_symbol_names(n))), symbols(256), audit(1 << 16), decoder(symbols) {
    cfg.symbol_capacity = 256;
    hp = std::make_unique<actors::hot_path>(cfg, symbols, audit, clk);
    hp->set_gateway(&gw);
    gw.sent.reserve(100'000);
  }
  void run(const std::vector<std::pair<timestamp, std::string>>& frames, size_t from = 0, size_t to = SIZE_MAX) {
    for (size_t i = from; i < frames.size() && i < to; ++i) {
      clk.set(frames[i].first);
      hp->on_time(frames[i].first);
      (void)decoder.decode(frames[i].second, frames[i].first,
                           [this](const market_event& ev) noexcept { hp->on_market_event(ev); });
      audit_row r;
      while (audit.pop(r)) {
      }
      if (echo_fills) {
        // The broker fills every new order at the mark, one event each, by client_order_id.
        for (; echoed < gw.sent.size(); ++echoed) {
          const order_command& o = gw.sent[echoed];
          if (o.kind != order_command_kind::submit) continue;
          broker_event ev;
          ev.kind = broker_event_kind::fill;
          ev.coid = o.coid;
          ev.last_qty = ev.cum_qty = o.qty;
          ev.last_px = ev.avg_px = hp->risk().position_of(o.symbol).mark;
          hp->on_broker_event(ev);
        }
      }
    }
  }
  bool echo_fills = false;
  size_t echoed = 0;
  engine_config cfg;
  symbol_table symbols;
  audit_sink audit;
  manual_clock clk;
  adapters::json_decoder decoder;
  std::unique_ptr<actors::hot_path> hp;
  recording_gateway gw;
};

std::vector<std::pair<timestamp, std::string>> market(uint32_t symbols, int64_t seconds, uint64_t seed) {
  adapters::synth_config sc;
  sc.seed = seed;
  sc.symbol_count = symbols;
  sc.duration = duration_ns{seconds * ns_per_second};
  return adapters::generate_frames(sc);
}

}  // namespace

TEST(gateway, nothing_trades_before_start_up_reconciliation) {
  const auto frames = market(4, 600, 7);
  chain c;
  c.run(frames);
  EXPECT_GT(c.hp->counters().decisions, 0u);
  EXPECT_TRUE(c.gw.sent.empty());
  EXPECT_EQ(c.hp->risk().stats().by_reason[static_cast<size_t>(risk_reason::awaiting_reconciliation)],
            c.hp->counters().decisions);
}

TEST(gateway, orders_leave_through_the_gateway_and_events_return_by_client_order_id) {
  const auto frames = market(4, 600, 7);
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  c.run(frames);
  ASSERT_FALSE(c.gw.sent.empty());
  EXPECT_EQ(c.hp->counters().fills, 0u);  // the internal paper broker is out of the loop
  // The broker fills the first order; the event knows only the client_order_id.
  const order_command& o = c.gw.sent.front();
  broker_event ev;
  ev.kind = broker_event_kind::fill;
  ev.coid = o.coid;
  ev.last_qty = o.qty;
  ev.last_px = px("100");
  ev.cum_qty = o.qty;
  ev.avg_px = px("100");
  c.hp->on_broker_event(ev);
  EXPECT_EQ(c.hp->router().status_of(o.id), order_status::filled);
  EXPECT_EQ(c.hp->counters().fills, 1u);
  const quantity signed_qty = o.order_side == side::buy ? o.qty : quantity::from_raw(-o.qty.raw);
  EXPECT_EQ(c.hp->risk().position_of(o.symbol).qty, signed_qty);
  // The same fill again changes nothing.
  c.hp->on_broker_event(ev);
  EXPECT_EQ(c.hp->counters().fills, 1u);
  EXPECT_EQ(c.hp->risk().position_of(o.symbol).qty, signed_qty);
}

TEST(gateway, a_broker_rejection_reaches_risk_and_strategy_as_a_named_report) {
  const auto frames = market(4, 600, 7);
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  c.run(frames, 0, frames.size() / 2);
  ASSERT_FALSE(c.gw.sent.empty());
  const order_command o = c.gw.sent.front();
  broker_event ev;
  ev.kind = broker_event_kind::rejected;
  ev.id = o.id;
  ev.coid = o.coid;
  ev.reject_code = 403;
  c.hp->on_broker_event(ev);
  EXPECT_EQ(c.hp->router().status_of(o.id), order_status::rejected);
  EXPECT_EQ(actors::reject_code_name(ev.reject_code), "INSUFFICIENT_BUYING_POWER");
  // Strategy and risk were told: trading carries on (later decisions still reach the gateway).
  const size_t before = c.gw.sent.size();
  c.run(frames, frames.size() / 2);
  EXPECT_GT(c.gw.sent.size(), before);
}

TEST(reconcile, start_up_adopts_open_orders_positions_and_equity) {
  chain c;
  const symbol_id a = c.symbols.intern("SYM000");
  const symbol_id b = c.symbols.intern("SYM001");
  actors::broker_snapshot snap;
  actors::broker_order_state o;
  o.coid = client_order_id_for(decision_hash{1, 2});
  o.symbol = a;
  o.order_side = side::buy;
  o.status = order_status::new_order;
  o.qty = qty("5");
  o.type = order_type::limit;
  o.limit_px = px("10");
  snap.open_orders.push_back(o);
  snap.positions.push_back({b, qty("-7"), px("20")});
  snap.equity = parse_decimal<money>("123456.78").value();
  const auto r = c.hp->reconcile(snap);
  EXPECT_EQ(r.orders_adopted, 1u);
  EXPECT_EQ(r.positions_adjusted, 1u);
  EXPECT_TRUE(r.equity_set);
  const auto id = c.hp->router().find_by_coid(o.coid);
  ASSERT_TRUE(id);
  EXPECT_EQ(c.hp->router().status_of(*id), order_status::new_order);
  EXPECT_EQ(c.hp->risk().position_of(b).qty, qty("-7"));
  EXPECT_EQ(c.hp->risk().position_of(b).cost_basis, parse_decimal<money>("-140").value());
  EXPECT_EQ(c.hp->risk().equity(), parse_decimal<money>("123456.78").value());
  EXPECT_EQ(c.hp->reconciliation().orders_adopted, 1u);
  // Reconciling again with the same view changes nothing.
  const auto again = c.hp->reconcile(snap);
  EXPECT_EQ(again.orders_adopted + again.orders_advanced + again.positions_adjusted, 0u);
}

TEST(reconcile, after_a_reconnect_books_missed_fills_and_closes_orders_the_broker_never_got) {
  const auto frames = market(4, 600, 7);
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  c.run(frames);
  ASSERT_GE(c.gw.sent.size(), 2u);
  const order_command filled_meanwhile = c.gw.sent[c.gw.sent.size() - 2];
  const order_command never_arrived = c.gw.sent.back();
  ASSERT_TRUE(c.hp->router().status_of(filled_meanwhile.id) == order_status::pending_new);
  // The stream was down: the broker filled one order and never received the other.
  std::vector<actors::broker_order_state> open;  // neither is open at the broker
  const auto missing = c.hp->missing_at_broker(open);
  ASSERT_GE(missing.size(), 2u);
  actors::broker_snapshot snap;
  actors::broker_order_state f;
  f.coid = filled_meanwhile.coid;
  f.symbol = filled_meanwhile.symbol;
  f.order_side = filled_meanwhile.order_side;
  f.status = order_status::filled;
  f.qty = filled_meanwhile.qty;
  f.filled_qty = filled_meanwhile.qty;
  f.filled_avg_px = px("101.25");
  snap.queried_orders.push_back(f);
  const uint64_t fills_before = c.hp->counters().fills;
  const auto r = c.hp->reconcile(snap, missing);
  EXPECT_GE(r.orders_advanced, 1u);
  EXPECT_GE(r.orders_vanished, 1u);
  EXPECT_EQ(c.hp->router().status_of(filled_meanwhile.id), order_status::filled);
  EXPECT_EQ(c.hp->router().status_of(never_arrived.id), order_status::rejected);
  EXPECT_EQ(c.hp->counters().fills, fills_before + 1);
  // Positions: the snapshot had none, so the broker says flat everywhere.
  for (uint32_t s = 0; s < 4; ++s) EXPECT_TRUE(c.hp->risk().position_of(symbol_id{s}).qty.is_zero());
}

TEST(gateway, allocates_nothing_per_event_with_a_gateway_after_warm_up) {
  const auto frames = market(8, 900, 11);
  chain c(8);
  c.echo_fills = true;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  const size_t warm = frames.size() / 3;
  c.run(frames, 0, warm);
  const size_t sent_before = c.gw.sent.size();
  test::start_counting_allocations();
  c.run(frames, warm);
  const uint64_t allocations = test::stop_counting_allocations();
  EXPECT_GT(c.gw.sent.size(), sent_before + 10);
  EXPECT_GT(c.hp->counters().fills, 10u);
  EXPECT_EQ(allocations, 0u);
}

namespace {

/// Runs frames until the gateway has sent `n` orders; the index of the next frame.
size_t run_until_sent(chain& c, const std::vector<std::pair<timestamp, std::string>>& frames, size_t n) {
  size_t i = 0;
  while (i < frames.size() && c.gw.sent.size() < n) c.run(frames, i, i + 1), ++i;
  return i;
}

/// The execution audit rows now in the queue.
std::vector<execution_report> audited_executions(audit_sink& audit) {
  std::vector<execution_report> out;
  audit_row r;
  while (audit.pop(r))
    if (r.kind == audit_kind::execution) out.push_back(r.body.execution);
  return out;
}

size_t orders_for(const chain& c, strategy_id st, symbol_id sym) {
  size_t n = 0;
  for (const auto& o : c.gw.sent) n += o.kind == order_command_kind::submit && o.strategy == st && o.symbol == sym;
  return n;
}

}  // namespace

TEST(gateway, a_stale_order_is_canceled_with_its_reason_audited_and_the_strategy_may_decide_again) {
  const auto frames = market(4, 1800, 7);
  // Baseline: while the first order stays pending, its (strategy, symbol) sends nothing more.
  chain base;
  (void)base.hp->reconcile(actors::broker_snapshot{});
  base.hp->set_reconciled(true);
  const size_t at = run_until_sent(base, frames, 1);
  ASSERT_EQ(base.gw.sent.size(), 1u);
  const order_command first = base.gw.sent.front();
  base.run(frames, at);
  EXPECT_EQ(orders_for(base, first.strategy, first.symbol), 1u);

  // The gateway could not send it in time: canceled here as ORDER_STALE.
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  ASSERT_EQ(run_until_sent(c, frames, 1), at);
  const order_command o = c.gw.sent.front();
  ASSERT_EQ(o.coid, first.coid);
  (void)audited_executions(c.audit);
  broker_event ev;
  ev.kind = broker_event_kind::canceled;
  ev.id = o.id;
  ev.coid = o.coid;
  ev.reject_code = reject_codes::order_stale;
  c.hp->on_broker_event(ev);
  EXPECT_EQ(c.hp->router().status_of(o.id), order_status::canceled);
  const auto rows = audited_executions(c.audit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, order_status::canceled);
  EXPECT_EQ(rows[0].reject_code, reject_codes::order_stale);
  EXPECT_EQ(reject_code_name(rows[0].reject_code), "ORDER_STALE");
  // Risk released the exposure and the strategy cleared its pending order: it trades that
  // symbol again.
  c.run(frames, at);
  EXPECT_GT(orders_for(c, o.strategy, o.symbol), 1u);
}

TEST(gateway, the_brokers_order_id_reaches_every_later_audit_row_and_is_audited_once_when_learned_alone) {
  const auto frames = market(4, 600, 7);
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  (void)run_until_sent(c, frames, 1);
  ASSERT_FALSE(c.gw.sent.empty());
  const order_command o = c.gw.sent.front();
  (void)audited_executions(c.audit);
  broker_order_id bid;
  (void)bid.assign("61e69015-8549-4bfd-b9c3-01e75843f47d");
  // The POST's answer said no status: the id alone is learned and audited once.
  EXPECT_TRUE(c.hp->learn_broker_id(o.id, bid));
  EXPECT_FALSE(c.hp->learn_broker_id(o.id, bid));
  auto rows = audited_executions(c.audit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].broker_id.view(), bid.view());
  EXPECT_EQ(rows[0].status, order_status::pending_new);
  // A later fill (by client_order_id, without the id) carries it on.
  broker_event ev;
  ev.kind = broker_event_kind::fill;
  ev.coid = o.coid;
  ev.last_qty = ev.cum_qty = o.qty;
  ev.last_px = ev.avg_px = c.hp->risk().position_of(o.symbol).mark;
  c.hp->on_broker_event(ev);
  rows = audited_executions(c.audit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, order_status::filled);
  EXPECT_EQ(rows[0].broker_id.view(), bid.view());
}

TEST(gateway, reconciliation_backfills_the_brokers_order_id_of_a_known_order) {
  const auto frames = market(4, 600, 7);
  chain c;
  (void)c.hp->reconcile(actors::broker_snapshot{});
  c.hp->set_reconciled(true);
  (void)run_until_sent(c, frames, 1);
  ASSERT_FALSE(c.gw.sent.empty());
  const order_command o = c.gw.sent.front();
  (void)audited_executions(c.audit);
  // The broker holds it open as pending_new, as here: no state change, only the id is new.
  actors::broker_snapshot snap;
  actors::broker_order_state s;
  s.coid = o.coid;
  s.symbol = o.symbol;
  s.order_side = o.order_side;
  s.type = o.type;
  s.status = order_status::pending_new;
  s.qty = o.qty;
  (void)s.broker_id.assign("0b1c2d3e-0000-4000-8000-000000000001");
  snap.open_orders.push_back(s);
  const auto r = c.hp->reconcile(snap);
  EXPECT_EQ(r.orders_advanced, 0u);
  const auto rows = audited_executions(c.audit);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].broker_id.view(), "0b1c2d3e-0000-4000-8000-000000000001");
  EXPECT_EQ(rows[0].coid, o.coid);
}
