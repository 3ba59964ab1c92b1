// The engine's cross-thread boundaries, exercised with plain threads (no CAF) so that the TSan
// preset checks our own lock-free code without any suppression: the audit sink (hot thread →
// writer), the control channel (control plane → hot thread and back) and the symbol table (names
// read by another thread for ids received through a queue).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "torghut/core/audit_sink.hpp"
#include "torghut/core/control_channel.hpp"
#include "torghut/core/mailbox.hpp"
#include "torghut/core/symbol_table.hpp"

using namespace torghut;

TEST(threads, audit_rows_cross_to_the_writer_in_order_and_none_is_lost_unaccounted) {
  constexpr uint64_t total = 200'000;
  audit_sink sink(1024);
  std::atomic<bool> done{false};
  uint64_t received = 0, last_seq = 0, out_of_order = 0;
  std::thread writer([&] {
    audit_row r;
    for (;;) {
      if (sink.pop(r)) {
        if (received > 0 && r.seq <= last_seq) ++out_of_order;
        if (r.body.anomaly.event_time.ns != static_cast<int64_t>(r.seq)) ++out_of_order;
        last_seq = r.seq;
        ++received;
      } else if (done.load(std::memory_order_acquire)) {
        if (!sink.pop(r)) break;
        last_seq = r.seq;
        ++received;
      }
    }
  });
  uint64_t dropped = 0;
  for (uint64_t i = 0; i < total; ++i) {
    audit_row r;
    r.kind = audit_kind::anomaly;
    r.body.anomaly.event_time = timestamp{static_cast<int64_t>(i)};  // == the seq it will get
    while (sink.backpressured() && sink.dropped() == 0) std::this_thread::yield();
    if (!sink.emit(r)) ++dropped;
  }
  done.store(true, std::memory_order_release);
  writer.join();
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(received + dropped, total);
  EXPECT_EQ(sink.dropped(), dropped);
  EXPECT_EQ(sink.size_approx(), 0u);
}

TEST(threads, control_commands_from_several_threads_all_reach_the_hot_loop) {
  control_channel ch;
  constexpr int per_producer = 20'000;
  std::atomic<int> replies{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        control_command c;
        c.kind = control_kind::status_snapshot;
        c.request_id = static_cast<uint64_t>(p * per_producer + i);
        ch.commands.enqueue(c);
      }
    });
  std::thread answers([&] {  // the control plane side reading replies
    engine_status s;
    while (replies.load() < 2 * per_producer)
      if (ch.statuses.try_dequeue(s)) replies.fetch_add(1);
  });
  std::vector<uint8_t> seen(2 * per_producer, 0);
  int got = 0;
  control_command c;
  while (got < 2 * per_producer) {  // the hot loop
    if (!ch.poll(c)) continue;
    ++seen[c.request_id];
    ++got;
    engine_status s;
    s.request_id = c.request_id;
    while (!ch.statuses.try_enqueue(s)) std::this_thread::yield();
  }
  for (auto& t : producers) t.join();
  answers.join();
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "request " << i;
  EXPECT_EQ(replies.load(), 2 * per_producer);
}

TEST(threads, symbol_names_are_readable_by_another_thread_once_the_id_arrives) {
  symbol_table table(2048);
  mailbox<symbol_id> ids(4096);
  constexpr uint32_t n = 2000;
  std::thread reader([&] {
    uint32_t got = 0;
    symbol_id id;
    while (got < n) {
      if (!ids.pop(id)) continue;
      const std::string expected = "S" + std::to_string(id.value);
      ASSERT_EQ(table.name(id), expected);
      ++got;
    }
  });
  for (uint32_t i = 0; i < n; ++i) {
    const auto id = table.intern("S" + std::to_string(i));
    ASSERT_EQ(id.value, i);
    while (ids.push(id) != push_result::ok) std::this_thread::yield();
  }
  reader.join();
  EXPECT_EQ(table.size(), n);
}
