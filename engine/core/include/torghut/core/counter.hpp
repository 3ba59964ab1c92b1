#pragma once
/// A monotonic counter with one writer and any number of readers: the writer's increment is a
/// relaxed load and store (no read-modify-write, no lock), a reader sees some recent value. The
/// adapters' statistics are made of these; they are read by status lines from other threads.

#include <atomic>
#include <cstdint>

namespace torghut {

struct relaxed_counter {
  std::atomic<uint64_t> v{0};
  void inc() noexcept { v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  void add(uint64_t n) noexcept { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  /// For a gauge kept the same way (in-flight requests): the writer only.
  void dec() noexcept { v.store(v.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

}  // namespace torghut
