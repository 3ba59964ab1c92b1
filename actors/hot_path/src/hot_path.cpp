#include "torghut/actors/hot_path.hpp"

#include "torghut/core/decision_hash.hpp"
#include "torghut/strategies/builtin.hpp"

namespace torghut::actors {

hot_path::hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit,
                   const clock& clk)
    : hot_path(cfg, symbols, audit, clk, strategies::builtin()) {}

hot_path::hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit,
                   const clock& clk, std::span<const sdk::descriptor* const> catalog)
    : md_out_(cfg.mailbox_capacity),
      intents_(cfg.mailbox_capacity),
      verdicts_(cfg.mailbox_capacity),
      commands_(cfg.mailbox_capacity),
      broker_events_(cfg.mailbox_capacity),
      reports_(cfg.mailbox_capacity),
      md_(cfg.market_data, symbols.capacity(), md_out_, audit),
      strategy_(cfg, catalog, symbols, intents_, audit, clk),
      risk_(cfg, symbols, verdicts_, audit, clk),
      router_(commands_, reports_, audit, clk),
      broker_(broker_events_, clk, symbols.capacity()),
      audit_(audit),
      clk_(clk),
      symbols_capacity_(symbols.capacity()) {
  strategy_.set_equity(risk_.equity());
}

size_t hot_path::pump() noexcept {
  // Depth-first: each market event runs through the whole chain (decisions, verdicts, orders,
  // fills, reports) before the next one is delivered. The first order caused by a frame leaves
  // as early as possible, and every event sees the effects of the ones before it.
  size_t total = 0;
  for (;;) {
    size_t n = drain_downstream();
    market_event ev;
    if (md_out_.pop(ev)) {
      if (ev.event_time > last_event_time_) last_event_time_ = ev.event_time;
      strategy_.on_market_event(ev);
      risk_.on_market_event(ev);
      if (gateway_ == nullptr) broker_.on_market_event(ev);
      ++n;
    }
    if (n == 0) return total;
    total += n;
  }
}

size_t hot_path::drain_downstream() noexcept {
  size_t total = 0;
  for (;;) {
    size_t n = 0;
    n += intents_.drain([this](const order_intent& i) {
      ++counters_.decisions;
      risk_.on_order_intent(i);
    });
    n += verdicts_.drain([this](const risk_verdict& v) {
      ++counters_.verdicts;
      strategy_.on_risk_verdict(v);
      if (v.approved()) router_.on_risk_verdict(v);
      else ++counters_.rejections;
    });
    n += commands_.drain([this](const order_command& c) {
      // The broker boundary: the order leaves the hot path here.
      if (order_probe_ && first_order_mono_ns_ == 0) {
        first_order_mono_ns_ = monotonic_ns();
        first_order_wall_ns_ = wall_ns();
      }
      ++counters_.orders;
      if (gateway_ != nullptr) gateway_->send(c);
      else broker_.on_order_command(c);
    });
    n += broker_events_.drain([this](const broker_event& e) {
      ++counters_.broker_events;
      router_.on_broker_event(e);
    });
    n += reports_.drain([this](const execution_report& r) {
      ++counters_.reports;
      if (r.last_qty.is_positive()) ++counters_.fills;
      risk_.on_execution_report(r);
      strategy_.on_execution_report(r);
      strategy_.set_equity(risk_.equity());
      strategy_.on_trading_state(risk_.state());
    });
    if (n == 0) return total;
    total += n;
  }
}

bool hot_path::on_control_command(const control_command& c, control_channel& channel) noexcept {
  ++counters_.control_commands;
  switch (c.kind) {
    case control_kind::status_snapshot: {
      engine_status s = status();
      s.request_id = c.request_id;
      channel.publish(s);
      return true;
    }
    case control_kind::shutdown:
      return false;
    case control_kind::kill_switch_on:
    case control_kind::kill_switch_off:
    case control_kind::set_trading_state:
    case control_kind::reload_risk_limits:
      risk_.on_control_command(c);
      audit_.control({c.kind, risk_.state(), risk_.kill_switch(), 0}, clk_.now());
      strategy_.on_trading_state(risk_.state());
      pump();  // whatever the strategies did about it
      return true;
    case control_kind::cancel_all_orders: {
      const uint32_t n = strategy_.cancel_all_orders();
      audit_.control({c.kind, risk_.state(), risk_.kill_switch(), n}, clk_.now());
      pump();  // the cancels through risk and the router to the broker
      return true;
    }
  }
  return true;
}

bool hot_path::poll_control(control_channel& channel) noexcept {
  control_command c;
  bool keep_running = true;
  while (channel.poll(c)) keep_running = on_control_command(c, channel) && keep_running;
  return keep_running;
}

void hot_path::set_gateway(order_gateway* gw) noexcept {
  gateway_ = gw;
  risk_.require_reconciliation(gw != nullptr);
}

void hot_path::on_broker_event(const broker_event& ev) noexcept {
  if (broker_events_.push(ev) != push_result::ok) {
    // The mailbox is drained after every event, so it is only full if something is badly
    // wrong; drain it and deliver rather than lose a fill.
    pump();
    (void)broker_events_.push(ev);
  }
  pump();
}


bool hot_path::advance_to(order_id id, const broker_order_state& o) noexcept {
  const std::optional<order_router::open_order> cur = router_.open_order_of(id);
  if (!cur) return false;
  const bool more_filled = o.filled_qty > cur->cum_qty;
  if (cur->status == o.status && !more_filled) {
    (void)router_.learn_broker_id(id, o.broker_id);  // backfill the audit trail's alpaca_order_id
    return false;
  }
  broker_event ev;
  ev.id = id;
  ev.coid = o.coid;
  ev.kind = event_for_status(o.status).value_or(broker_event_kind::pending_new);
  // A status the router cannot reach from here (e.g. new after partially_filled) but with more
  // fills: book them as a (partial) fill.
  if (more_filled && (o.status == order_status::new_order || o.status == order_status::accepted ||
                      o.status == order_status::pending_new))
    ev.kind = broker_event_kind::partial_fill;
  ev.cum_qty = o.filled_qty;
  ev.avg_px = o.filled_avg_px;
  ev.time = timestamp{};
  ev.broker_id = o.broker_id;
  on_broker_event(ev);
  (void)router_.learn_broker_id(id, o.broker_id);  // in case the event itself was not applicable
  return true;
}

std::vector<client_order_id> hot_path::missing_at_broker(
    std::span<const broker_order_state> broker_open) const {
  std::vector<client_order_id> out;
  router_.for_each_open([&](const order_router::open_order& e) {
    for (const auto& b : broker_open)
      if (b.coid == e.coid) return;
    out.push_back(e.coid);
  });
  return out;
}

reconcile_result hot_path::reconcile(const broker_snapshot& snap, std::span<const client_order_id> asked) {
  reconcile_result r;
  for (const auto* list : {&snap.open_orders, &snap.queried_orders}) {
    for (const broker_order_state& o : *list) {
      if (const std::optional<order_id> id = router_.find_by_coid(o.coid)) {
        if (advance_to(*id, o)) ++r.orders_advanced;
      } else if (!is_terminal(o.status)) {
        if (router_.adopt(o)) {
          ++r.orders_adopted;
          if (auto h = decision_hash_from_client_order_id(o.coid.view())) risk_.remember_decision(*h);
          const std::optional<quantity> rest = checked_sub(o.qty, o.filled_qty);
          if (rest) risk_.add_open_exposure(o.symbol, o.order_side, *rest);
          pump();
        }
      }
    }
  }
  // Asked about, and the broker said 404: it never reached the broker. Close it here.
  for (const client_order_id& c : asked) {
    bool answered = false;
    for (const auto& o : snap.queried_orders) answered = answered || o.coid == c;
    if (answered) continue;
    if (const std::optional<order_id> id = router_.find_by_coid(c)) {
      const std::optional<order_status> cur = router_.status_of(*id);
      if (!cur || is_terminal(*cur)) continue;
      broker_event ev;
      ev.id = *id;
      ev.coid = c;
      ev.kind = broker_event_kind::rejected;
      ev.reject_code = 404;
      on_broker_event(ev);
      if (router_.status_of(*id) != order_status::rejected) {
        ev.kind = broker_event_kind::canceled;  // past `new`: rejected is illegal, close it anyway
        on_broker_event(ev);
      }
      ++r.orders_vanished;
    }
  }
  // Positions last: the broker's are the truth once every order event above is booked.
  std::vector<uint8_t> seen(symbols_capacity_, 0);
  for (const broker_position_state& p : snap.positions) {
    if (!p.symbol.valid() || p.symbol.value >= seen.size()) continue;
    seen[p.symbol.value] = 1;
    if (risk_.set_position(p.symbol, p.qty, p.avg_entry)) ++r.positions_adjusted;
  }
  for (uint32_t s = 0; s < seen.size(); ++s)
    if (seen[s] == 0 && !risk_.position_of(symbol_id{s}).qty.is_zero())
      if (risk_.set_position(symbol_id{s}, quantity{}, price{})) ++r.positions_adjusted;
  if (snap.equity) {
    risk_.set_equity(*snap.equity);
    strategy_.set_equity(risk_.equity());
    r.equity_set = true;
  }
  ++recon_.runs;
  recon_.orders_adopted += r.orders_adopted;
  recon_.orders_advanced += r.orders_advanced;
  recon_.orders_vanished += r.orders_vanished;
  recon_.positions_adjusted += r.positions_adjusted;
  return r;
}

engine_status hot_path::status() const noexcept {
  engine_status s;
  s.state = risk_.state();
  s.kill_switch = risk_.kill_switch();
  s.events_in = counters_.events_in;
  const auto& m = md_.stats();
  s.events_dropped = m.duplicates + m.invalid + m.back_pressured;
  s.decisions = counters_.decisions;
  s.rejections = counters_.rejections;
  s.orders = counters_.orders;
  s.fills = counters_.fills;
  s.realized_pnl = risk_.realized_pnl();
  s.unrealized_pnl = risk_.unrealized_pnl();
  s.last_event_time = last_event_time_;
  return s;
}

}  // namespace torghut::actors
