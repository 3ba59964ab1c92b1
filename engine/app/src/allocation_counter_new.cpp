// The `torghut` executable's global allocation functions (allocation_counter.hpp): malloc and
// free, as the standard library's, plus one relaxed load of the counting flag per allocation.
// Every form is replaced here, and nothing else is defined in this file but link_replacement(),
// which check_strategy.cpp calls so that the `torghut` executable always takes this object (with
// a sanitizer, whose runtime library defines operator new, it would not otherwise); the test
// executables, which do not link check_strategy.cpp, keep their own replacement.

#include <cstddef>
#include <cstdlib>
#include <new>

#include "allocation_counter.hpp"
#include "allocation_counter_state.hpp"

namespace {

using torghut::app::allocation_counter::detail::on_allocation;

void* plain_alloc(std::size_t n) noexcept {
  on_allocation();
  return std::malloc(n == 0 ? 1 : n);
}
void* aligned_alloc_(std::size_t n, std::align_val_t al) noexcept {
  on_allocation();
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = n == 0 ? a : (n + a - 1) / a * a;  // aligned_alloc wants a multiple
  return std::aligned_alloc(a, rounded);
}
/// operator new's loop: the new-handler may free memory; none installed is bad_alloc.
void* throwing_alloc(std::size_t n) {
  for (;;) {
    if (void* p = plain_alloc(n)) return p;
    std::new_handler h = std::get_new_handler();
    if (h == nullptr) throw std::bad_alloc();
    h();
  }
}
void* throwing_aligned_alloc(std::size_t n, std::align_val_t al) {
  for (;;) {
    if (void* p = aligned_alloc_(n, al)) return p;
    std::new_handler h = std::get_new_handler();
    if (h == nullptr) throw std::bad_alloc();
    h();
  }
}

}  // namespace

bool torghut::app::allocation_counter::link_replacement() noexcept { return true; }

// NOLINTBEGIN: replaceable global allocation functions
void* operator new(std::size_t n) { return throwing_alloc(n); }
void* operator new[](std::size_t n) { return throwing_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al) { return throwing_aligned_alloc(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return throwing_aligned_alloc(n, al); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return plain_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return plain_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return aligned_alloc_(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return aligned_alloc_(n, al);
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
