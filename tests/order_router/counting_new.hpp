#pragma once
/// A global operator new/delete replacement that counts allocations while `counting` is on.
/// Include it from exactly one translation unit of a test executable.

#include <atomic>
#include <cstdint>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace torghut::test::alloc {
inline std::atomic<bool> counting{false};
inline std::atomic<uint64_t> count{0};

/// Counts the allocations made while it is alive.
class scope {
 public:
  scope() noexcept {
    count.store(0);
    counting.store(true);
  }
  ~scope() { counting.store(false); }
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;
  [[nodiscard]] uint64_t allocations() const noexcept { return count.load(); }
};

inline void* allocate(std::size_t n, std::size_t align) noexcept {
  if (counting.load(std::memory_order_relaxed)) count.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  if (align <= alignof(std::max_align_t)) return std::malloc(n);
  void* p = nullptr;
  return ::posix_memalign(&p, align, n) == 0 ? p : nullptr;
}
}  // namespace torghut::test::alloc

// NOLINTBEGIN: replaceable global allocation functions
void* operator new(std::size_t n) {
  if (void* p = torghut::test::alloc::allocate(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = torghut::test::alloc::allocate(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = torghut::test::alloc::allocate(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = torghut::test::alloc::allocate(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return torghut::test::alloc::allocate(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return torghut::test::alloc::allocate(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return torghut::test::alloc::allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return torghut::test::alloc::allocate(n, static_cast<std::size_t>(a));
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
