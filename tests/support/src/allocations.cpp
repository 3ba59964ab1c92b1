// The only replacement of the global allocation functions in the test executables: every form
// (plain, array, aligned, nothrow, and all the deletes) counts its calls while counting is on.

#include "torghut/test/allocations.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> counting{false};
std::atomic<bool> one_thread{false};  // count only on the thread that started counting
thread_local bool counted_thread = false;
std::atomic<uint64_t> allocations{0};

inline bool counts_here() noexcept {
  return counting.load(std::memory_order_relaxed) &&
         (!one_thread.load(std::memory_order_relaxed) || counted_thread);
}

void* counted_alloc(std::size_t n) noexcept {
  if (counts_here()) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t al) noexcept {
  if (counts_here()) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = (n == 0 ? a : (n + a - 1) / a * a);  // aligned_alloc wants a multiple
  return std::aligned_alloc(a, rounded);
}
}  // namespace

namespace torghut::test {
void start_counting_allocations() noexcept {
  allocations.store(0, std::memory_order_relaxed);
  counting.store(true, std::memory_order_relaxed);
}
void start_counting_allocations_on_this_thread() noexcept {
  counted_thread = true;
  one_thread.store(true, std::memory_order_relaxed);
  start_counting_allocations();
}
uint64_t stop_counting_allocations() noexcept {
  counting.store(false, std::memory_order_relaxed);
  one_thread.store(false, std::memory_order_relaxed);
  counted_thread = false;
  return allocations.load(std::memory_order_relaxed);
}
uint64_t allocations_so_far() noexcept { return allocations.load(std::memory_order_relaxed); }
}  // namespace torghut::test

// NOLINTBEGIN: replaceable global allocation functions
void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al) {
  if (void* p = counted_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
  if (void* p = counted_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, al);
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
// NOLINTEND
