#pragma once
/// What the live hot thread publishes for the control API besides its counters: the positions
/// (GET /trading/positions, the live page) and the tick-to-order and frame-to-order latency
/// histograms (GET /metrics). Written by the hot thread alone, read by any thread without a lock;
/// nothing here allocates after construction (tests/app/hot_telemetry_test.cpp).

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "torghut/actors/hot_path.hpp"
#include "torghut/core/clock.hpp"
#include "torghut/core/latency_histogram.hpp"

namespace torghut::actors {

/// The hot path's positions as the control API sees them (GET /trading/positions, the live
/// page): one slot per symbol (the symbol table's capacity), each its own seqlock over relaxed
/// atomics. The hot thread looks at a slice of 16 symbols per publish (once a millisecond) and
/// writes the slots that changed: a publish is about 600 instructions (callgrind,
/// docs/PERFORMANCE.md), and a sweep of 1,024 symbols takes 64 ms, of 5,000 about 0.3 s, well
/// within the page's 1 s refresh. Readers retry a slot while it is being written. Sized once,
/// before the hot thread starts (no allocation on it).
class position_board {
 public:
  static constexpr uint32_t slice = 16;
  struct row {
    uint32_t symbol = 0;
    quantity qty;
    money cost_basis, realized_pnl;
    price mark;
  };

  explicit position_board(uint32_t symbols) : n_(symbols), slots_(new slot[symbols == 0 ? 1 : symbols]) {}

  /// The hot thread: the next slice of symbols.
  void publish(const risk_engine& risk) noexcept {
    constexpr auto r = std::memory_order_relaxed;
    for (uint32_t k = 0; k < slice && k < n_; ++k) {
      const uint32_t i = next_;
      next_ = next_ + 1 == n_ ? 0 : next_ + 1;
      const position& p = risk.position_of(symbol_id{i});
      slot& s = slots_[i];
      if (s.qty.load(r) == p.qty.raw && s.cost.load(r) == p.cost_basis.raw &&
          s.realized.load(r) == p.realized_pnl.raw && s.mark.load(r) == p.mark.raw)
        continue;  // unchanged (the common case): no write, no reader retry
      const uint64_t seq = s.seq.load(r);
      s.seq.store(seq + 1, r);
      std::atomic_thread_fence(std::memory_order_release);
      s.qty.store(p.qty.raw, r);
      s.cost.store(p.cost_basis.raw, r);
      s.realized.store(p.realized_pnl.raw, r);
      s.mark.store(p.mark.raw, r);
      s.seq.store(seq + 2, std::memory_order_release);
    }
  }

  /// Any thread: every symbol that has a position or realized P&L, in symbol-id order.
  [[nodiscard]] std::vector<row> read() const {
    std::vector<row> out;
    for (uint32_t i = 0; i < n_; ++i) {
      const slot& s = slots_[i];
      row w;
      for (;;) {
        const uint64_t a = s.seq.load(std::memory_order_acquire);
        if ((a & 1u) != 0) continue;  // a publish is writing this slot: a few stores, then even again
        w.qty = quantity::from_raw(s.qty.load(std::memory_order_relaxed));
        w.cost_basis = money::from_raw(s.cost.load(std::memory_order_relaxed));
        w.realized_pnl = money::from_raw(s.realized.load(std::memory_order_relaxed));
        w.mark = price::from_raw(s.mark.load(std::memory_order_relaxed));
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s.seq.load(std::memory_order_relaxed) == a) break;
      }
      if (w.qty.is_zero() && w.realized_pnl.raw == 0) continue;
      w.symbol = i;
      out.push_back(w);
    }
    return out;
  }

 private:
  struct alignas(64) slot {
    std::atomic<uint64_t> seq{0};
    std::atomic<int64_t> qty{0}, cost{0}, realized{0}, mark{0};
  };
  uint32_t n_;
  uint32_t next_ = 0;  ///< the hot thread's cursor
  std::unique_ptr<slot[]> slots_;
};

/// The live hot path's meters (GET /metrics, the live page): market events by kind, and per
/// market event that sent an order, tick-to-order from the event entering the hot path to the
/// order command leaving it (monotonic clock) and frame-to-order from the frame's receive stamp
/// (the I/O side's wall clock, before decoding and any hand-off) to the same order (wall clock).
/// Only the hot thread writes them (relaxed loads and stores); any thread reads them.
struct hot_meters {
  latency_histogram tick_to_order, frame_to_order;
  std::array<std::atomic<uint64_t>, market_event_kind_count> events{};  ///< by market_event_kind

  /// Runs the chain for one event and records the two latencies when it sent an order. Costs
  /// one monotonic clock read per event (the order probe adds two per order).
  void on_event(hot_path& hp, const market_event& e) noexcept {
    auto& n = events[static_cast<size_t>(e.kind) < events.size() ? static_cast<size_t>(e.kind) : 0];
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    (void)hp.take_first_order_mono_ns();  // an order the clock or a broker event caused is not this event's
    const int64_t t0 = monotonic_ns();
    hp.on_market_event(e);
    const int64_t wall = hp.first_order_wall_ns();
    if (const int64_t t = hp.take_first_order_mono_ns(); t != 0) {
      tick_to_order.record(t - t0);
      frame_to_order.record(wall - e.recv_time.ns);
    }
  }
};

}  // namespace torghut::actors
