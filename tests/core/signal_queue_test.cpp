// signal_queue: the hot side of `--signals FILE`. Stamps each snapshot with the engine clock and
// a per-symbol sequence number, never allocates on the producer, drops and counts when full
// (live) or waits for the consumer (replay).

#include "torghut/core/signal_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "torghut/test/allocations.hpp"

namespace torghut {
namespace {

signal bar(uint32_t sym, int64_t start_s) {
  signal s{};
  s.symbol = symbol_id{sym};
  s.event_time = timestamp{start_s * ns_per_second};
  s.ind.ema12 = 1.5;
  s.ind.ready_mask = indicator_bit::ema12;
  return s;
}

TEST(signal_queue, stamps_the_engine_clock_and_numbers_each_symbol_from_one) {
  manual_clock clk{timestamp{100}};
  signal_queue q(16, 4, clk, signal_queue::when_full::drop);
  q.on_signal(bar(2, 10));
  clk.set(timestamp{200});
  q.on_signal(bar(0, 10));
  clk.set(timestamp{300});
  q.on_signal(bar(2, 11));
  signal_row r;
  ASSERT_TRUE(q.pop(r));
  EXPECT_EQ(r.sig.symbol.value, 2u);
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(r.ingest_time.ns, 100);
  EXPECT_EQ(r.sig.ind.ema12, 1.5);
  ASSERT_TRUE(q.pop(r));
  EXPECT_EQ(r.sig.symbol.value, 0u);
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(r.ingest_time.ns, 200);
  ASSERT_TRUE(q.pop(r));
  EXPECT_EQ(r.sig.symbol.value, 2u);
  EXPECT_EQ(r.seq, 2u);
  EXPECT_EQ(r.ingest_time.ns, 300);
  EXPECT_FALSE(q.pop(r));
  EXPECT_EQ(q.offered(), 3u);
  EXPECT_EQ(q.dropped(), 0u);
}

TEST(signal_queue, a_full_queue_drops_and_counts_without_allocating_and_leaves_a_gap_in_seq) {
  manual_clock clk;
  signal_queue q(4, 2, clk, signal_queue::when_full::drop);
  test::start_counting_allocations();
  for (int i = 0; i < 100; ++i) q.on_signal(bar(1, i));
  q.on_signal(bar(7, 0));  // beyond the symbol capacity: dropped, counted
  EXPECT_EQ(test::stop_counting_allocations(), 0u);
  EXPECT_EQ(q.offered(), 101u);
  EXPECT_GT(q.dropped(), 90u);
  uint64_t popped = 0, last_seq = 0;
  signal_row r;
  while (q.pop(r)) {
    ++popped;
    last_seq = r.seq;
  }
  EXPECT_EQ(popped + q.dropped(), 101u);
  // Later rows keep their own numbers: a consumer sees the gap the drops left.
  q.on_signal(bar(1, 100));
  ASSERT_TRUE(q.pop(r));
  EXPECT_EQ(r.seq, 101u);
  EXPECT_LT(last_seq, 100u);
}

TEST(signal_queue, waiting_for_the_consumer_loses_nothing) {
  manual_clock clk;
  signal_queue q(8, 1, clk, signal_queue::when_full::wait);
  constexpr uint64_t n = 20'000;
  std::atomic<bool> done{false};
  uint64_t got = 0, in_order = 0;
  std::thread consumer([&] {
    signal_row r;
    for (;;) {
      const bool last = done.load();
      while (q.pop(r)) {
        ++got;
        if (r.seq == got) ++in_order;
      }
      if (last) break;
    }
  });
  for (uint64_t i = 0; i < n; ++i) q.on_signal(bar(0, static_cast<int64_t>(i)));
  done.store(true);
  consumer.join();
  EXPECT_EQ(q.dropped(), 0u);
  EXPECT_EQ(got, n);
  EXPECT_EQ(in_order, n);
}

}  // namespace
}  // namespace torghut
