// The market-data client over loopback against the in-process simulator (md_server), in its two
// delivery modes:
//   inline  — the hot thread polls the io_context (io.poll()) and gets events in the sink call;
//   mailbox — an I/O thread runs the io_context and hands events over a lock-free SPSC mailbox
//             that the hot thread drains.
// Throughput: quotes/s delivered to the hot thread while the server pushes as fast as it can.
// Latency (one event in flight at a time): publish → hot thread (p50/p99 in ns, counters
// `e2e_p50_ns`...), and receive → hot thread (`handoff_p50_ns`...: the cost of the hand-off
// itself; inline mode hands off in the same call, so this is the decode + sink time).
// The server's encoding thread shares the machine's cores with the client: numbers are for
// comparing the two modes in the same run, not absolute capacity.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "torghut/adapters/md_client.hpp"
#include "torghut/adapters/md_server.hpp"

using namespace torghut;
using namespace torghut::adapters;

namespace {

int64_t realtime_ns() noexcept { return system_clock{}.now().ns; }

market_event quote_event(int64_t i) {
  market_event e{};
  e.kind = market_event_kind::quote;
  e.event_time = timestamp{realtime_ns()};
  e.u.quote = {};
  e.u.quote.bid_px = price::from_raw((100'00 + i % 50) * 10'000'000);
  e.u.quote.ask_px = price::from_raw((100'01 + i % 50) * 10'000'000);
  e.u.quote.bid_size = quantity::from_raw(100 * 1'000'000'000LL);
  e.u.quote.ask_size = quantity::from_raw(200 * 1'000'000'000LL);
  e.u.quote.bid_exchange = 'Q';
  e.u.quote.ask_exchange = 'Q';
  e.u.quote.tape = 'C';
  return e;
}

struct inline_sink final : md_event_sink {
  uint64_t n = 0;
  std::vector<int64_t>* e2e = nullptr;
  std::vector<int64_t>* handoff = nullptr;
  void on_market_event(const market_event& e) noexcept override {
    ++n;
    if (e2e != nullptr && e.kind == market_event_kind::quote) {
      const int64_t now = realtime_ns();
      e2e->push_back(now - e.event_time.ns);
      handoff->push_back(now - e.recv_time.ns);
    }
  }
};

int64_t pct(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

/// Server + client; `threaded` selects the mailbox mode.
struct rig {
  explicit rig(bool threaded, wire_format fmt, std::chrono::microseconds drain_interval = {})
      : mb(1 << 16), msink(mb) {
    md_server_options opt;
    opt.idle_timeout = std::chrono::milliseconds{0};
    opt.drain_interval = drain_interval;
    server = std::make_unique<md_server>(opt);
    std::string err;
    if (!server->start(err)) throw std::runtime_error(err);
    md_client_config cfg;
    cfg.url = server->url("iex");
    cfg.key_id = std::string(md_default_key);
    cfg.secret = std::string(md_default_secret);
    cfg.format = fmt;
    cfg.lease.kind = lease_kind::none;
    cfg.use_registry = false;
    cfg.subscriptions[subscription_channel::quotes] = {"*"};
    cfg.name = "bench";
    client = std::make_unique<md_client>(io, cfg, symbols,
                                         threaded ? static_cast<md_event_sink&>(msink) : isink);
    if (!client->start(err)) throw std::runtime_error(err);
    if (threaded) {
      guard = std::make_unique<guard_t>(io.get_executor());
      io_thread = std::thread([this] { io.run(); });
      while (client->state() != md_client_state::live) std::this_thread::sleep_for(std::chrono::milliseconds{1});
    } else {
      while (client->state() != md_client_state::live) io.run_for(std::chrono::milliseconds{1});
    }
  }
  ~rig() {
    client->stop();
    if (io_thread.joinable()) {
      guard.reset();
      io_thread.join();
    } else {
      io.run_for(std::chrono::milliseconds{50});
    }
    client.reset();
    server->stop();
  }
  /// Hot-thread step: polls (inline) or drains (mailbox); returns events seen.
  uint64_t step(std::vector<int64_t>* e2e, std::vector<int64_t>* handoff) {
    if (!io_thread.joinable()) {
      isink.e2e = e2e;
      isink.handoff = handoff;
      const uint64_t before = isink.n;
      io.poll();
      return isink.n - before;
    }
    uint64_t n = 0;
    market_event e;
    while (mb.pop(e)) {
      ++n;
      if (e2e != nullptr && e.kind == market_event_kind::quote) {
        const int64_t now = realtime_ns();
        e2e->push_back(now - e.event_time.ns);
        handoff->push_back(now - e.recv_time.ns);
      }
    }
    return n;
  }

  using guard_t = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::unique_ptr<md_server> server;
  boost::asio::io_context io;
  symbol_table symbols{1024};
  mailbox<market_event> mb;
  mailbox_event_sink msink;
  inline_sink isink;
  std::unique_ptr<md_client> client;
  std::unique_ptr<guard_t> guard;
  std::thread io_thread;
};

void throughput(benchmark::State& state, bool threaded, wire_format fmt) {
  rig r(threaded, fmt);
  constexpr size_t batch = 4096;
  std::vector<md_published_event> evs(batch);
  for (size_t i = 0; i < batch; ++i) {
    evs[i].event = quote_event(static_cast<int64_t>(i));
    evs[i].symbol.assign(i % 2 == 0 ? "AAPL" : "MSFT");
  }
  uint64_t total = 0;
  for (auto _ : state) {
    size_t sent = 0;
    uint64_t got = 0;
    while (got < batch) {
      if (sent < batch) sent += r.server->try_publish_bulk(std::span(evs).subspan(sent));
      got += r.step(nullptr, nullptr);
    }
    total += got;
  }
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["dropped"] = static_cast<double>(r.msink.dropped());
}

/// One event in flight: publish on the server (the relay's position) → the consumer's hot thread.
/// `drain_us` > 0 is the relay as `torghut run` configures it (the server polls its queue).
void latency(benchmark::State& state, bool threaded, wire_format fmt, int drain_us = 0) {
  rig r(threaded, fmt, std::chrono::microseconds(drain_us));
  std::vector<int64_t> e2e, handoff;
  e2e.reserve(1 << 20);
  handoff.reserve(1 << 20);
  int64_t i = 0;
  for (auto _ : state) {
    const auto e = quote_event(i++);
    while (!r.server->try_publish(e, "AAPL")) {
    }
    while (r.step(&e2e, &handoff) == 0) {
    }
  }
  state.counters["e2e_p50_ns"] = static_cast<double>(pct(e2e, 0.50));
  state.counters["e2e_p99_ns"] = static_cast<double>(pct(e2e, 0.99));
  state.counters["handoff_p50_ns"] = static_cast<double>(pct(handoff, 0.50));
  state.counters["handoff_p99_ns"] = static_cast<double>(pct(handoff, 0.99));
}

}  // namespace

BENCHMARK_CAPTURE(throughput, inline_json, false, wire_format::json)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(throughput, mailbox_json, true, wire_format::json)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(throughput, inline_msgpack, false, wire_format::msgpack)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(throughput, mailbox_msgpack, true, wire_format::msgpack)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(latency, inline_json, false, wire_format::json)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(latency, mailbox_json, true, wire_format::json)->UseRealTime()->Unit(benchmark::kMicrosecond);
// The relay hop as `torghut run --relay-listen` runs it: the publisher only enqueues and the relay
// drains every 100 µs (20 µs shown for the trade-off).
BENCHMARK_CAPTURE(latency, relay_polled_100us_json, false, wire_format::json, 100)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(latency, relay_polled_20us_json, false, wire_format::json, 20)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(latency, relay_polled_100us_msgpack, false, wire_format::msgpack, 100)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
