#pragma once
/// Counting of heap allocations for tests. Linking the torghut_test_support object library
/// replaces every global allocation function of the test executable with a version that counts
/// calls while counting is on; counting is off by default, so GoogleTest's own allocations are
/// never counted.

#include <cstdint>

namespace torghut::test {

/// Resets the allocation count to zero and starts counting.
void start_counting_allocations() noexcept;

/// As above, but counts only the allocations of the calling thread (other threads of the test,
/// e.g. an in-process server, are ignored). Stop on the same thread.
void start_counting_allocations_on_this_thread() noexcept;

/// Stops counting; returns the number of allocations since the last start.
uint64_t stop_counting_allocations() noexcept;

/// The number of allocations since the last start, without stopping.
[[nodiscard]] uint64_t allocations_so_far() noexcept;

/// Counts the allocations made while it is alive: starts counting when constructed, stops when
/// destroyed.
class allocation_scope {
 public:
  allocation_scope() noexcept { start_counting_allocations(); }
  ~allocation_scope() { (void)stop_counting_allocations(); }
  allocation_scope(const allocation_scope&) = delete;
  allocation_scope& operator=(const allocation_scope&) = delete;

  /// Allocations made since construction (so far).
  [[nodiscard]] uint64_t count() const noexcept { return allocations_so_far(); }
};

}  // namespace torghut::test
