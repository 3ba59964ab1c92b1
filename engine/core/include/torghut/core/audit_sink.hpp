#pragma once
/// The hot path's only way out to persistence: a bounded SPSC lock-free queue. The hot thread
/// emits rows and never waits; the write-behind consumer (another thread) pops them. When the
/// queue is full the row is counted as dropped and `backpressured()` turns true, which risk
/// reads to stop opening risk until the queue has drained: the engine never trades without its
/// audit trail.

#include <atomic>
#include <cstdint>
#include "torghut/core/detail/spsc_queue.hpp"

#include "torghut/core/messages.hpp"

namespace torghut {

class audit_sink {
 public:
  explicit audit_sink(size_t capacity) : q_(capacity), capacity_(capacity) { detail::prefault(q_); }
  audit_sink(const audit_sink&) = delete;
  audit_sink& operator=(const audit_sink&) = delete;

  /// Producer (hot thread). Assigns the row's sequence number. Never allocates or blocks.
  bool emit(audit_row row) noexcept {
    row.seq = next_seq_++;
    if (q_.try_enqueue(row)) {
      pushed_.store(pushed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return true;
    }
    dropped_.fetch_add(1, std::memory_order_relaxed);
    draining_.store(true, std::memory_order_relaxed);
    return false;
  }
  /// Consumer (write-behind thread).
  [[nodiscard]] bool pop(audit_row& out) noexcept {
    if (!q_.try_dequeue(out)) return false;
    popped_.store(popped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (draining_.load(std::memory_order_relaxed) && size_approx() < capacity_ / 4)
      draining_.store(false, std::memory_order_relaxed);  // drained: trading may resume
    return true;
  }

  /// True when the queue is more than 3/4 full, or a row was dropped and the queue has not yet
  /// drained below 1/4 since (hysteresis: risk stops opening risk until the writer has caught
  /// up, then trading resumes; dropped() keeps the count for the metric).
  [[nodiscard]] bool backpressured() const noexcept {
    return draining_.load(std::memory_order_relaxed) || size_approx() > capacity_ / 4 * 3;
  }
  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t emitted() const noexcept { return next_seq_; }
  /// Rows queued, O(1) (moodycamel's own size_approx walks every block: ~2k at 2^20 rows).
  /// Exact from either side's own view; at most off by in-flight rows from the other's.
  [[nodiscard]] size_t size_approx() const noexcept {
    const uint64_t pushed = pushed_.load(std::memory_order_relaxed);
    const uint64_t popped = popped_.load(std::memory_order_relaxed);
    return pushed > popped ? static_cast<size_t>(pushed - popped) : 0;
  }

  // Convenience emitters used by the actors.
  void decision(const order_intent& d, timestamp t) noexcept {
    audit_row r;
    r.kind = audit_kind::decision;
    r.time = t;
    r.body.decision = d;
    emit(r);
  }
  void verdict(const risk_verdict& v) noexcept {
    audit_row r;
    r.kind = audit_kind::verdict;
    r.time = v.decided_at;
    r.body.verdict = v;
    emit(r);
  }
  void order(const order_command& c) noexcept {
    audit_row r;
    r.kind = audit_kind::order;
    r.time = c.created_at;
    r.body.order = c;
    emit(r);
  }
  void execution(const execution_report& e) noexcept {
    audit_row r;
    r.kind = audit_kind::execution;
    r.time = e.time;
    r.body.execution = e;
    emit(r);
  }
  void control(const control_record& c, timestamp now) noexcept {
    audit_row r;
    r.kind = audit_kind::control;
    r.time = now;
    r.body.control = c;
    emit(r);
  }
  void anomaly(anomaly_kind k, symbol_id s, timestamp event_time, timestamp now) noexcept {
    audit_row r;
    r.kind = audit_kind::anomaly;
    r.time = now;
    r.body.anomaly = anomaly_record{k, s, event_time, strategy_id{}};
    emit(r);
  }

 private:
  moodycamel::ReaderWriterQueue<audit_row> q_;
  size_t capacity_;
  uint64_t next_seq_ = 0;  // producer-only
  // Single writer each (producer / consumer), so load+store instead of a locked increment.
  alignas(64) std::atomic<uint64_t> pushed_{0};
  alignas(64) std::atomic<uint64_t> popped_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> draining_{false};  ///< set by a drop, cleared by a drain below 1/4
};

}  // namespace torghut
