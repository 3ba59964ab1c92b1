// One hop through the hot mailbox (moodycamel SPSC, same thread) against one CAF message hop
// between two actors on one scheduler worker, measured in the same run.
#include <benchmark/benchmark.h>

#include <caf/all.hpp>
#include <future>

#include "torghut/core/mailbox.hpp"
#include "torghut/core/messages.hpp"

using namespace torghut;

namespace {

void hot_mailbox_hop(benchmark::State& state) {
  mailbox<market_event> mb(1024);
  market_event ev;
  ev.kind = market_event_kind::trade;
  ev.u.trade.px = price::from_raw(100);
  market_event out;
  for (auto _ : state) {
    ev.event_time.ns += 1;
    (void)mb.push(ev);
    (void)mb.pop(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(hot_mailbox_hop);

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;

caf::behavior ponger(caf::event_based_actor*) {
  return {[](ping_atom, int64_t x) { return caf::make_message(pong_atom::value, x); }};
}

// Sends `n` pings one at a time (each waits for its pong): 2n hops.
caf::behavior pinger(caf::event_based_actor* self, caf::actor pong, int64_t n,
                     std::shared_ptr<std::promise<void>> done) {
  self->send(pong, ping_atom::value, int64_t{0});
  return {[=](pong_atom, int64_t x) {
    if (x + 1 >= n) {
      done->set_value();
      self->quit();
      return;
    }
    self->send(pong, ping_atom::value, x + 1);
  }};
}

void caf_message_hop(benchmark::State& state) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{1});
  caf::actor_system sys{cfg};
  auto pong = sys.spawn(ponger);
  constexpr int64_t round_trips = 1000;
  for (auto _ : state) {
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    sys.spawn(pinger, pong, round_trips, done);
    f.wait();
  }
  state.SetItemsProcessed(state.iterations() * round_trips * 2);  // items = hops
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
}
BENCHMARK(caf_message_hop)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
