#pragma once
// The allocation counter's state, shared by allocation_counter.cpp (the API) and
// allocation_counter_new.cpp (the operator new replacements). Private to engine/app.

#include <atomic>
#include <cstdint>

namespace torghut::app::allocation_counter::detail {

/// Some thread is counting (the only thing operator new reads when nobody is).
extern std::atomic<bool> counting;
/// Counts the allocation if the calling thread is the counting one.
void note() noexcept;

inline void on_allocation() noexcept {
  if (counting.load(std::memory_order_relaxed)) [[unlikely]]
    note();
}

}  // namespace torghut::app::allocation_counter::detail
