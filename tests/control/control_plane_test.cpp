// Control plane: CAF actors deliver commands into the hot loop's lock-free queue, answer status
// requests from the hot loop's snapshot, and supervise periodic workers.
#include "torghut/control/control_plane.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace torghut;
using namespace std::chrono_literals;

namespace {

/// Polls the channel the way the hot loop does, until `n` commands arrived or 5 s passed.
std::vector<control_command> wait_for_commands(control_channel& ch, size_t n) {
  std::vector<control_command> got;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  control_command c;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    if (ch.poll(c)) got.push_back(c);
    else std::this_thread::sleep_for(100us);
  }
  return got;
}

}  // namespace

TEST(control_plane, runs_exactly_the_configured_number_of_scheduler_workers) {
  control_channel ch;
  control_plane cp(ch, {.workers = 1});
  EXPECT_EQ(cp.scheduler_workers(), 1u);
}

TEST(control_plane, delivers_kill_switch_state_and_reload_into_the_hot_queue_in_order) {
  control_channel ch;
  control_plane cp(ch);
  risk_limits l;
  l.orders_per_minute = 42;
  cp.kill_switch(true);
  cp.set_trading_state(trading_state::reducing);
  cp.reload_limits(l);
  cp.kill_switch(false);
  auto got = wait_for_commands(ch, 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].kind, control_kind::kill_switch_on);
  EXPECT_EQ(got[1].kind, control_kind::set_trading_state);
  EXPECT_EQ(got[1].state, trading_state::reducing);
  EXPECT_EQ(got[2].kind, control_kind::reload_risk_limits);
  EXPECT_EQ(got[2].limits.orders_per_minute, 42u);
  EXPECT_EQ(got[3].kind, control_kind::kill_switch_off);
}

TEST(control_plane, answers_status_with_the_hot_loops_snapshot) {
  control_channel ch;
  control_plane cp(ch);
  std::atomic<bool> stop{false};
  std::thread hot([&] {  // a minimal hot loop: answer status_snapshot requests
    control_command c;
    while (!stop.load()) {
      if (ch.poll(c) && c.kind == control_kind::status_snapshot) {
        engine_status s;
        s.request_id = c.request_id;
        s.events_in = 1234;
        s.state = trading_state::reducing;
        ch.publish(s);
      }
      std::this_thread::sleep_for(50us);
    }
  });
  auto s = cp.status(5000ms);
  stop = true;
  hot.join();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->events_in, 1234u);
  EXPECT_EQ(s->state, trading_state::reducing);
}

TEST(control_plane, status_times_out_when_the_hot_loop_does_not_answer) {
  control_channel ch;
  control_plane cp(ch);
  EXPECT_FALSE(cp.status(50ms).has_value());
}

TEST(control_plane, restarts_a_worker_that_throws_and_halts_trading_when_it_keeps_dying) {
  control_channel ch;
  control_plane cp(ch, {.workers = 1, .max_restarts = 2, .restart_window = 60s});
  std::atomic<int> ticks{0};
  cp.supervise("flaky", [&] {
    if (ticks.fetch_add(1) < 3) throw std::runtime_error("boom");
  }, 1ms);
  auto got = wait_for_commands(ch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, control_kind::set_trading_state);
  EXPECT_EQ(got[0].state, trading_state::halted);
  // It is still restarted after the escalation, and then ticks normally.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (ticks.load() < 6 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GE(ticks.load(), 6);
  EXPECT_EQ(cp.stats().restarts, 3u);
  EXPECT_EQ(cp.stats().escalations, 1u);
}

TEST(control_plane, stop_workers_runs_a_final_tick_to_drain) {
  control_channel ch;
  control_plane cp(ch);
  std::atomic<int> ticks{0};
  cp.supervise("drainer", [&] { ticks.fetch_add(1); }, std::chrono::seconds(3600));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (ticks.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(ticks.load(), 1);
  cp.stop_workers();
  EXPECT_EQ(ticks.load(), 2);
}
