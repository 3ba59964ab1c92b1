#pragma once
/// Counting of heap allocations for `torghut check-strategy`. The `torghut` executable's global
/// operator new (every form) is replaced by one that calls malloc, as the standard library's
/// does, after one relaxed atomic load of a flag; only while a thread has turned counting on
/// does it count, and only that thread's allocations. Normal runs never turn it on.
///
/// The replacement lives alone in allocation_counter_new.cpp, so a test executable that has its
/// own replacement (tests/support's counting allocator) keeps it and links without a clash; here
/// `count()` then stays 0 and `installed()` says so.

#include <cstdint>

namespace torghut::app::allocation_counter {

/// Starts (true) or stops counting the calling thread's allocations. Counts accumulate.
void set_counting(bool on) noexcept;
/// Allocations counted so far (since the process started; take differences).
[[nodiscard]] uint64_t count() noexcept;
/// Whether this executable's operator new is the counting one: allocates once with counting on
/// and looks. Call it outside any counted region.
[[nodiscard]] bool installed() noexcept;

}  // namespace torghut::app::allocation_counter
