// mailbox and audit_sink: bounded SPSC queues that report back-pressure instead of allocating.

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut {
namespace {

struct msg {
  uint64_t seq;
  int64_t payload;
};

TEST(mailbox, pops_in_push_order) {
  mailbox<msg> m{16};
  for (uint64_t i = 0; i < 10; ++i) ASSERT_EQ(m.push(msg{i, static_cast<int64_t>(i) * 3}), push_result::ok);
  EXPECT_EQ(m.size_approx(), 10u);
  msg out{};
  for (uint64_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(m.pop(out));
    EXPECT_EQ(out.seq, i);
    EXPECT_EQ(out.payload, static_cast<int64_t>(i) * 3);
  }
  EXPECT_FALSE(m.pop(out));
  EXPECT_EQ(m.size_approx(), 0u);
}

TEST(mailbox, holds_at_least_its_capacity_then_reports_back_pressure) {
  constexpr uint64_t capacity = 64;
  mailbox<msg> m{capacity};
  uint64_t accepted = 0;
  for (uint64_t i = 0; i < capacity; ++i) accepted += m.push(msg{i, 0}) == push_result::ok ? 1u : 0u;
  EXPECT_EQ(accepted, capacity);  // the requested capacity always fits
  uint64_t refused = 0;
  for (uint64_t i = 0; i < 4 * capacity; ++i)
    refused += m.push(msg{capacity + i, 0}) == push_result::back_pressured ? 1u : 0u;
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(m.back_pressured_count(), refused);
  // Nothing accepted was lost or reordered.
  msg out{};
  uint64_t expected = 0;
  while (m.pop(out)) EXPECT_EQ(out.seq, expected++);
  EXPECT_EQ(expected, 5 * capacity - refused);
  // Room again after draining.
  EXPECT_EQ(m.push(msg{1, 1}), push_result::ok);
}

TEST(mailbox, drain_hands_every_message_to_the_callback) {
  mailbox<msg> m{8};
  for (uint64_t i = 0; i < 5; ++i) ASSERT_EQ(m.push(msg{i, 0}), push_result::ok);
  std::vector<uint64_t> seen;
  EXPECT_EQ(m.drain([&](const msg& x) { seen.push_back(x.seq); }), 5u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(m.drain([](const msg&) {}), 0u);
}

TEST(mailbox, push_and_pop_never_allocate_after_construction) {
  mailbox<msg> m{256};
  msg out{};
  uint64_t ok = 0;
  test::start_counting_allocations();
  for (uint64_t round = 0; round < 100; ++round) {
    for (uint64_t i = 0; i < 300; ++i) ok += m.push(msg{i, 0}) == push_result::ok ? 1u : 0u;
    while (m.pop(out)) {
    }
  }
  EXPECT_EQ(test::stop_counting_allocations(), 0u);
  EXPECT_GE(ok, 100u * 256u);
}

audit_row anomaly_row(int64_t t) {
  audit_row r;
  r.kind = audit_kind::anomaly;
  r.time = timestamp{t};
  r.body.anomaly = anomaly_record{anomaly_kind::gap, symbol_id{}, timestamp{t}, strategy_id{}};
  return r;
}

TEST(audit_sink, numbers_rows_in_emission_order) {
  audit_sink a{1024};
  for (int64_t i = 0; i < 5; ++i) EXPECT_TRUE(a.emit(anomaly_row(i)));
  a.anomaly(anomaly_kind::stale, symbol_id{7}, timestamp{100}, timestamp{200});
  EXPECT_EQ(a.emitted(), 6u);
  audit_row r;
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(a.pop(r));
    EXPECT_EQ(r.seq, i);
    EXPECT_EQ(r.time, timestamp{static_cast<int64_t>(i)});
  }
  ASSERT_TRUE(a.pop(r));
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.kind, audit_kind::anomaly);
  EXPECT_EQ(r.time, timestamp{200});
  EXPECT_EQ(r.body.anomaly.kind, anomaly_kind::stale);
  EXPECT_EQ(r.body.anomaly.symbol, symbol_id{7});
  EXPECT_EQ(r.body.anomaly.event_time, timestamp{100});
  EXPECT_FALSE(a.pop(r));
  EXPECT_EQ(a.dropped(), 0u);
  EXPECT_FALSE(a.backpressured());
}

TEST(audit_sink, counts_drops_and_reports_back_pressure_when_full) {
  constexpr size_t capacity = 16;
  audit_sink a{capacity};
  uint64_t accepted = 0;
  uint64_t refused = 0;
  for (int64_t i = 0; i < 100; ++i) (a.emit(anomaly_row(i)) ? accepted : refused) += 1;
  EXPECT_GE(accepted, capacity);
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(a.dropped(), refused);
  EXPECT_EQ(a.emitted(), 100u);  // a dropped row still used its number: the trail shows a hole
  EXPECT_TRUE(a.backpressured());
  // Accepted rows come out with consecutive numbers from 0.
  audit_row r;
  uint64_t expected = 0;
  while (a.pop(r)) EXPECT_EQ(r.seq, expected++);
  EXPECT_EQ(expected, accepted);
  EXPECT_FALSE(a.backpressured());  // drained: trading may resume
  EXPECT_EQ(a.dropped(), refused);  // the metric keeps the count
}

TEST(audit_sink, after_a_drop_back_pressure_holds_until_the_queue_drains_below_a_quarter) {
  constexpr size_t capacity = 64;
  audit_sink a{capacity};
  int64_t i = 0;
  while (a.emit(anomaly_row(i))) ++i;  // fill until the first drop
  ASSERT_EQ(a.dropped(), 1u);
  audit_row r;
  // Below 3/4 but not yet below 1/4: still back-pressured (hysteresis).
  while (a.size_approx() > capacity / 2) ASSERT_TRUE(a.pop(r));
  EXPECT_TRUE(a.backpressured());
  while (a.size_approx() >= capacity / 4) ASSERT_TRUE(a.pop(r));
  ASSERT_TRUE(a.pop(r));
  EXPECT_FALSE(a.backpressured());
  // A new drop starts it again.
  while (a.emit(anomaly_row(++i))) {
  }
  EXPECT_EQ(a.dropped(), 2u);
  EXPECT_TRUE(a.backpressured());
}

TEST(audit_sink, reports_back_pressure_above_three_quarters_full) {
  constexpr size_t capacity = 64;
  audit_sink a{capacity};
  for (int64_t i = 0; i < 48; ++i) ASSERT_TRUE(a.emit(anomaly_row(i)));
  EXPECT_FALSE(a.backpressured());  // exactly 3/4
  ASSERT_TRUE(a.emit(anomaly_row(48)));
  EXPECT_TRUE(a.backpressured());
  audit_row r;
  ASSERT_TRUE(a.pop(r));
  ASSERT_TRUE(a.pop(r));
  EXPECT_FALSE(a.backpressured());
  EXPECT_EQ(a.dropped(), 0u);
}

TEST(audit_sink, emit_never_allocates_after_construction) {
  audit_sink a{128};
  audit_row r;
  test::start_counting_allocations();
  for (int round = 0; round < 50; ++round) {
    for (int64_t i = 0; i < 1000; ++i) a.anomaly(anomaly_kind::gap, symbol_id{}, timestamp{i}, timestamp{i});
    while (a.pop(r)) {
    }
  }
  EXPECT_EQ(test::stop_counting_allocations(), 0u);
  EXPECT_GT(a.dropped(), 0u);
}

/// Minor page faults this thread has taken so far (the kernel mapping a page on first touch).
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_minflt;
}

// The queues' memory is mapped at construction, not on the hot thread's first lap: before,
// every new page of an 11 MB audit queue cost the hot path a page fault, most of tick-to-order's
// p99 (docs/PERFORMANCE.md, "Page faults on the hot path's queues").
TEST(audit_sink, first_lap_through_the_queue_takes_no_page_fault) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TSan maps its shadow of the queue lazily, on the producer's writes: its faults are not the queue's";
#endif
  audit_sink a{1 << 16};  // 65,536 rows x 168 bytes: ~2,700 pages
  audit_row r;
  a.anomaly(anomaly_kind::gap, symbol_id{}, timestamp{0}, timestamp{0});
  ASSERT_TRUE(a.pop(r));
  const long before = minor_faults();
  for (int64_t i = 0; i < (1 << 16) - 1; ++i) a.anomaly(anomaly_kind::gap, symbol_id{}, timestamp{i}, timestamp{i});
  const long faults = minor_faults() - before;
  EXPECT_EQ(a.dropped(), 0u);
  EXPECT_LE(faults, 8) << "the first lap through the queue faulted pages in on the producer";
}

TEST(mailbox, first_lap_through_the_queue_takes_no_page_fault) {
  struct big {
    uint64_t words[32];  // 256 bytes: 4,096 of them span 256 pages
  };
  mailbox<big> m{4096};
  big b{};
  ASSERT_EQ(m.push(b), push_result::ok);  // the code of push and pop itself, paged in once
  ASSERT_TRUE(m.pop(b));
  const long before = minor_faults();
  for (uint64_t i = 0; i < 4095; ++i) {
    b.words[0] = i;
    ASSERT_EQ(m.push(b), push_result::ok);
  }
  EXPECT_LE(minor_faults() - before, 8) << "the first lap through the queue faulted pages in on the producer";
}

}  // namespace
}  // namespace torghut
