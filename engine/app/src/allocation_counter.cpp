#include "allocation_counter.hpp"

#include <atomic>
#include <new>

#include "allocation_counter_state.hpp"

namespace torghut::app::allocation_counter {

namespace detail {
std::atomic<bool> counting{false};
thread_local bool counted_thread = false;
std::atomic<uint64_t> allocations{0};

void note() noexcept {
  if (counted_thread) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace detail

void set_counting(bool on) noexcept {
  detail::counted_thread = on;
  detail::counting.store(on, std::memory_order_relaxed);
}

uint64_t count() noexcept { return detail::allocations.load(std::memory_order_relaxed); }

namespace {
void* volatile probe_sink = nullptr;  // keeps the probe allocation observable
}

bool installed() noexcept {
  const uint64_t before = count();
  set_counting(true);
  void* p = ::operator new(16, std::nothrow);  // an explicit call: never elided
  probe_sink = p;
  set_counting(false);
  ::operator delete(probe_sink);
  probe_sink = nullptr;
  return count() > before;
}

}  // namespace torghut::app::allocation_counter
