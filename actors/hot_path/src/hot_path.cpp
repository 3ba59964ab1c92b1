#include "torghut/actors/hot_path.hpp"

namespace torghut::actors {

hot_path::hot_path(const engine_config& cfg, symbol_table& symbols, audit_sink& audit,
                   const clock& clk)
    : md_out_(cfg.mailbox_capacity),
      intents_(cfg.mailbox_capacity),
      verdicts_(cfg.mailbox_capacity),
      commands_(cfg.mailbox_capacity),
      broker_events_(cfg.mailbox_capacity),
      reports_(cfg.mailbox_capacity),
      md_(cfg.market_data, symbols.capacity(), md_out_, audit),
      strategy_(cfg, symbols, intents_, audit, clk),
      risk_(cfg, symbols, verdicts_, audit, clk),
      router_(commands_, reports_, audit, clk),
      broker_(broker_events_, clk, symbols.capacity()) {
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
      strategy_.on_market(ev);
      risk_.on_market(ev);
      broker_.on_market(ev);
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
      risk_.on_intent(i);
    });
    n += verdicts_.drain([this](const risk_verdict& v) {
      ++counters_.verdicts;
      strategy_.on_verdict(v);
      if (v.approved()) router_.on_verdict(v);
      else ++counters_.rejections;
    });
    n += commands_.drain([this](const order_command& c) {
      // The broker boundary: the order leaves the hot path here.
      if (order_probe_ && first_order_mono_ns_ == 0) first_order_mono_ns_ = monotonic_ns();
      ++counters_.orders;
      broker_.on_command(c);
    });
    n += broker_events_.drain([this](const broker_event& e) {
      ++counters_.broker_events;
      router_.on_broker_event(e);
    });
    n += reports_.drain([this](const execution_report& r) {
      ++counters_.reports;
      if (r.last_qty.is_positive()) ++counters_.fills;
      risk_.on_execution(r);
      strategy_.on_execution(r);
      strategy_.set_equity(risk_.equity());
    });
    if (n == 0) return total;
    total += n;
  }
}

bool hot_path::on_control(const control_command& c, control_channel& channel) noexcept {
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
      risk_.on_control(c);
      return true;
  }
  return true;
}

bool hot_path::poll_control(control_channel& channel) noexcept {
  control_command c;
  bool keep_running = true;
  while (channel.poll(c)) keep_running = on_control(c, channel) && keep_running;
  return keep_running;
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
