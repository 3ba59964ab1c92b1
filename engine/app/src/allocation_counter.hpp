#pragma once
/// Counting of heap allocations for `torghut check-strategy`. The `torghut` executable's global
/// operator new (every form) is replaced by one that calls malloc, as the standard library's
/// does, after one relaxed atomic load of a flag; only while a thread has turned counting on
/// does it count, and only that thread's allocations. Normal runs never turn it on.
///
/// The replacement lives in allocation_counter_new.cpp with nothing else but link_replacement(),
/// which only check_strategy.cpp calls: a test executable that has its own replacement
/// (tests/support's counting allocator) keeps it and links without a clash; there `count()`
/// stays 0 and `installed()` says so.

#include <cstdint>

namespace torghut::app::allocation_counter {

/// Starts (true) or stops counting the calling thread's allocations. Counts accumulate.
void set_counting(bool on) noexcept;
/// Allocations counted so far (since the process started; take differences).
[[nodiscard]] uint64_t count() noexcept;
/// Whether this executable's operator new is the counting one: allocates once with counting on
/// and looks. Call it outside any counted region.
[[nodiscard]] bool installed() noexcept;
/// Defined in allocation_counter_new.cpp, beside the replacement: calling it makes the linker
/// take that object even when a shared library linked before the app (a sanitizer's runtime)
/// already defines operator new. Call it only from the executable's own commands
/// (check_strategy.cpp), never from code a test executable links: those have their own
/// replacement, and the two would clash.
[[nodiscard]] bool link_replacement() noexcept;

}  // namespace torghut::app::allocation_counter
