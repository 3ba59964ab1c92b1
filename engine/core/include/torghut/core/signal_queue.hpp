#pragma once
/// The hot side of `--signals FILE`: a signal_sink that stamps each closed bar's snapshot with the
/// engine clock and a per-symbol sequence number and queues it (bounded SPSC, preallocated) for a
/// writer on another thread (persistence/signal_log). On the hot thread it never allocates, locks
/// or does I/O.
///
/// When the queue is full: a live run drops the row and counts it (`when_full::drop`: the hot
/// thread never waits); a replay waits for the writer (`when_full::wait`: yields until there is
/// room), so a replay never drops a row and its file is complete and deterministic.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "torghut/core/clock.hpp"
#include "torghut/core/detail/spsc_queue.hpp"
#include "torghut/core/messages.hpp"
#include "torghut/core/signal_sink.hpp"

namespace torghut {

/// One row of the signals file: the snapshot, when it was produced (the engine clock: the
/// frame's receive time in a replay, the wall clock live) and its per-symbol sequence number
/// (from 1; a dropped row leaves a gap).
struct signal_row {
  signal sig;
  timestamp ingest_time;
  uint64_t seq = 0;
};
static_assert(std::is_trivially_copyable_v<signal_row>);

class signal_queue final : public signal_sink {
 public:
  enum class when_full : uint8_t { drop, wait };

  /// `symbol_capacity` bounds the symbol ids it numbers (the symbol table's capacity); a
  /// snapshot of a symbol beyond it is dropped and counted.
  signal_queue(size_t capacity, uint32_t symbol_capacity, const clock& clk, when_full policy)
      : q_(capacity), seq_(symbol_capacity, 0), clk_(clk), policy_(policy) { detail::prefault(q_); }
  signal_queue(const signal_queue&) = delete;
  signal_queue& operator=(const signal_queue&) = delete;

  /// Producer (the hot thread). Never allocates; waits only with when_full::wait.
  void on_signal(const signal& s) noexcept override {
    offered_.store(offered_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (!s.symbol.valid() || s.symbol.value >= seq_.size()) {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return;
    }
    const signal_row row{s, clk_.now(), ++seq_[s.symbol.value]};
    if (q_.try_enqueue(row)) return;
    if (policy_ == when_full::wait) {
      while (!q_.try_enqueue(row)) std::this_thread::yield();
      return;
    }
    dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  /// Consumer (the writer thread).
  [[nodiscard]] bool pop(signal_row& out) noexcept { return q_.try_dequeue(out); }

  /// Snapshots handed in by the strategy (one per closed bar), and those dropped (queue full).
  [[nodiscard]] uint64_t offered() const noexcept { return offered_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  [[nodiscard]] when_full policy() const noexcept { return policy_; }

 private:
  moodycamel::ReaderWriterQueue<signal_row> q_;
  std::vector<uint64_t> seq_;  // producer only: the last sequence number per symbol id
  const clock& clk_;
  when_full policy_;
  // Single writer each (the producer), read by anyone.
  std::atomic<uint64_t> offered_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace torghut
