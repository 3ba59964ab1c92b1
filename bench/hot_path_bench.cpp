// The hot path, measured: tick-to-order latency percentiles (raw Alpaca JSON frame → order
// command leaving the hot path), sustained throughput through the whole chain on one core, and
// the cost per event of each actor.
#include "torghut/strategies/builtin.hpp"
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>

#include "torghut/actors/hot_path.hpp"
#include "torghut/actors/hot_telemetry.hpp"
#include "torghut/adapters/synth.hpp"
#include "torghut/adapters/json_decoder.hpp"

using namespace torghut;

namespace {

const std::vector<std::pair<timestamp, std::string>>& market() {
  static const auto frames = [] {
    adapters::synth_config sc;
    sc.seed = 42;
    sc.symbol_count = 8;
    sc.duration = duration_ns{20 * 60 * ns_per_second};
    return adapters::generate_frames(sc);
  }();
  return frames;
}

/// Benchmark config: the bundled strategies with limits wide enough that risk approves what the
/// strategies decide (so tick-to-order has many samples); every check still runs.
engine_config bench_config() {
  auto c = default_config(adapters::default_symbol_names(8));
  c.symbol_capacity = 256;
  c.mailbox_capacity = 4096;
  c.limits.orders_per_minute = 1'000'000;
  c.limits.order_burst = 1'000'000;
  c.limits.daily_loss_limit = money::from_raw(1'000'000'000 * money::scale);
  return c;
}

struct chain {
  chain() : cfg(bench_config()), symbols(cfg.symbol_capacity), audit(1 << 20), decoder(symbols) {
    hp = std::make_unique<actors::hot_path>(cfg, symbols, audit, clk);
  }
  void frame(const std::pair<timestamp, std::string>& f) noexcept {
    clk.set(f.first);
    hp->on_time(f.first);
    (void)decoder.decode(f.second, f.first, [this](const market_event& ev) noexcept { hp->on_market_event(ev); });
  }
  void drain_audit() noexcept {
    audit_row r;
    while (audit.pop(r)) {
    }
  }
  engine_config cfg;
  symbol_table symbols;
  audit_sink audit;
  manual_clock clk;
  adapters::json_decoder decoder;
  std::unique_ptr<actors::hot_path> hp;
};

int64_t pct(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

// Tick-to-order: per frame that produced an order, from the start of decoding its raw JSON to the
// first order command it causes being dequeued at the broker boundary. Reported as counters p50/p99/p999 (ns).
void tick_to_order(benchmark::State& state) {
  const auto& frames = market();
  std::vector<int64_t> lat;
  lat.reserve(1 << 20);
  for (auto _ : state) {
    state.PauseTiming();
    chain c;
    c.hp->set_order_probe(true);
    state.ResumeTiming();
    for (const auto& f : frames) {
      const int64_t t0 = monotonic_ns();
      c.frame(f);
      if (const int64_t t = c.hp->take_first_order_mono_ns(); t != 0) lat.push_back(t - t0);
      if (c.audit.size_approx() > 4096) c.drain_audit();
    }
    c.drain_audit();
  }
  state.counters["orders"] = static_cast<double>(lat.size());
  state.counters["p50_ns"] = static_cast<double>(pct(lat, 0.50));
  state.counters["p90_ns"] = static_cast<double>(pct(lat, 0.90));
  state.counters["p99_ns"] = static_cast<double>(pct(lat, 0.99));
  state.counters["p999_ns"] = static_cast<double>(pct(lat, 0.999));
}
BENCHMARK(tick_to_order)->Unit(benchmark::kMillisecond)->Iterations(3);

// Sustained throughput: every frame of 20 minutes of an 8-symbol market through decode and the
// whole chain, on one thread. items_per_second = market events per second.
void chain_throughput(benchmark::State& state) {
  const auto& frames = market();
  uint64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    chain c;
    state.ResumeTiming();
    for (const auto& f : frames) {
      c.frame(f);
      if (c.audit.size_approx() > 4096) c.drain_audit();
    }
    events += c.hp->counters().events_in;
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
}
BENCHMARK(chain_throughput)->Unit(benchmark::kMillisecond);

// The same with what the live engine adds for /metrics and the live page. Arg 1: the order
// probe's stamps and hot_meters::on_event per event (one monotonic clock read per event, two
// histogram samples per order); arg 2: a position-board slice (64 symbols) published per frame
// (the live loop publishes once a millisecond, whatever the event rate); arg 3: both. Compare
// items_per_second with chain_throughput in the same run, or count instructions with callgrind
// (docs/PERFORMANCE.md, "What the live telemetry costs").
void chain_throughput_live_telemetry(benchmark::State& state) {
  const bool latency = (state.range(0) & 1) != 0, positions = (state.range(0) & 2) != 0;
  const auto& frames = market();
  uint64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    chain c;
    c.hp->set_order_probe(latency);
    actors::hot_meters lat;
    actors::position_board board(c.cfg.symbol_capacity);
    state.ResumeTiming();
    for (const auto& f : frames) {
      c.clk.set(f.first);
      c.hp->on_time(f.first);
      (void)c.decoder.decode(f.second, f.first, [&](const market_event& ev) noexcept {
        if (latency) lat.on_event(*c.hp, ev);
        else c.hp->on_market_event(ev);
      });
      if (positions) board.publish(c.hp->risk());
      if (c.audit.size_approx() > 4096) c.drain_audit();
    }
    events += c.hp->counters().events_in;
    benchmark::DoNotOptimize(lat.tick_to_order.read().count);
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["frames"] = static_cast<double>(frames.size());
}
BENCHMARK(chain_throughput_live_telemetry)->Unit(benchmark::kMillisecond)->Arg(1)->Arg(2)->Arg(3);

// Per-actor cost of one event. -------------------------------------------------------------

const char* k_trade_frame =
    R"([{"T":"t","S":"SYM000","i":96921,"x":"D","p":126.55,"s":1,"t":"2021-02-22T15:51:44.208Z","c":["@","I"],"z":"C"}])";

void decode_trade_frame(benchmark::State& state) {
  symbol_table syms(64);
  adapters::json_decoder d(syms);
  const std::string_view f(k_trade_frame);
  market_event last;
  for (auto _ : state) {
    (void)d.decode(f, timestamp{1}, [&](const market_event& ev) noexcept { last = ev; });
    benchmark::DoNotOptimize(last);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(decode_trade_frame);

market_event trade(symbol_id s, int64_t t_ns, int64_t id, int64_t px_cents) {
  market_event ev;
  ev.kind = market_event_kind::trade;
  ev.symbol = s;
  ev.event_time = timestamp{t_ns};
  ev.recv_time = timestamp{t_ns + 1000};
  ev.u.trade = {};
  ev.u.trade.id = trade_id{id};
  ev.u.trade.px = price::from_raw(px_cents * 10'000'000);
  ev.u.trade.size = quantity::from_raw(100 * quantity::scale);
  return ev;
}

void market_data_per_trade(benchmark::State& state) {
  auto cfg = bench_config();
  mailbox<market_event> out(4096);
  audit_sink audit(1 << 16);
  actors::market_data md(cfg.market_data, 256, out, audit);
  int64_t t = 1'700'000'000 * ns_per_second, id = 1;
  market_event sink;
  for (auto _ : state) {
    t += 1'000'000;  // 1 ms apart: a microbar closes every 1000 trades
    ++id;
    md.on_market_event(trade(symbol_id{0}, t, id, 10'000 + (id & 15)));
    while (out.pop(sink)) benchmark::DoNotOptimize(sink);
    audit_row r;
    while (audit.pop(r)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(market_data_per_trade);

void strategy_per_microbar(benchmark::State& state) {
  auto cfg = bench_config();
  symbol_table syms(256);
  for (const auto& n : cfg.allowed_symbols) (void)syms.intern(n);
  mailbox<order_intent> out(4096);
  audit_sink audit(1 << 16);
  manual_clock clk;
  actors::strategy_engine st(cfg, strategies::builtin(), syms, out, audit, clk);
  st.set_equity(money::from_raw(100'000 * money::scale));
  market_event bar;
  bar.kind = market_event_kind::microbar;
  bar.flags = event_flags::final_bar;
  bar.symbol = symbol_id{0};
  int64_t t = 1'700'000'000 * ns_per_second;
  uint64_t k = 0;
  order_intent sink;
  for (auto _ : state) {
    t += ns_per_second;
    ++k;
    const int64_t px = 10'000 + static_cast<int64_t>((k * 7919) % 200);  // a jagged series
    bar.event_time = timestamp{t};
    bar.recv_time = timestamp{t + ns_per_second};
    bar.u.bar = {};
    bar.u.bar.open = bar.u.bar.high = bar.u.bar.low = bar.u.bar.close = price::from_raw(px * 10'000'000);
    bar.u.bar.volume = quantity::from_raw(500 * quantity::scale);
    bar.u.bar.vwap = bar.u.bar.close;
    bar.u.bar.trade_count = 5;
    st.on_market_event(bar);
    while (out.pop(sink)) {
      risk_verdict v;  // reject at once so the strategy keeps deciding
      v.intent = sink;
      v.reason = risk_reason::order_rate_exceeded;
      st.on_risk_verdict(v);
    }
    audit_row r;
    while (audit.pop(r)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(strategy_per_microbar);

void risk_per_intent(benchmark::State& state) {
  auto cfg = bench_config();
  symbol_table syms(256);
  for (const auto& n : cfg.allowed_symbols) (void)syms.intern(n);
  mailbox<risk_verdict> out(4096);
  audit_sink audit(1 << 16);
  manual_clock clk(timestamp{1'700'000'000 * ns_per_second});
  actors::risk_engine risk(cfg, syms, out, audit, clk);
  market_event q;
  q.kind = market_event_kind::quote;
  q.symbol = symbol_id{0};
  q.u.quote = {};
  q.u.quote.bid_px = price::from_raw(100 * price::scale);
  q.u.quote.ask_px = price::from_raw(100 * price::scale + price::scale / 100);
  q.u.quote.bid_size = q.u.quote.ask_size = quantity::from_raw(100 * quantity::scale);
  risk.on_market_event(q);
  order_intent i;
  i.symbol = symbol_id{0};
  i.strategy = strategy_id{1};
  i.qty = quantity::from_raw(1 * quantity::scale);
  i.reference_px = q.u.quote.ask_px;
  uint64_t n = 0;
  risk_verdict sink;
  for (auto _ : state) {
    i.hash = decision_hash{0x1234, ++n};  // distinct decisions
    i.order_side = (n & 1) ? side::buy : side::sell;
    risk.on_order_intent(i);
    while (out.pop(sink)) benchmark::DoNotOptimize(sink);
    audit_row r;
    while (audit.pop(r)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(risk_per_intent);

void router_per_order(benchmark::State& state) {
  mailbox<order_command> cmds(4096);
  mailbox<execution_report> reports(4096);
  audit_sink audit(1 << 16);
  manual_clock clk;
  actors::order_router router(cmds, reports, audit, clk);
  risk_verdict v;
  v.intent.symbol = symbol_id{0};
  v.intent.qty = quantity::from_raw(1 * quantity::scale);
  uint64_t n = 0;
  order_command c;
  execution_report r;
  for (auto _ : state) {
    v.intent.hash = decision_hash{0x99, ++n};
    router.on_risk_verdict(v);
    while (cmds.pop(c)) benchmark::DoNotOptimize(c);
    while (reports.pop(r)) benchmark::DoNotOptimize(r);
    audit_row a;
    while (audit.pop(a)) {
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(router_per_order);

}  // namespace

BENCHMARK_MAIN();
