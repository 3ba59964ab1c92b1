#pragma once
/// Interns symbol text into dense `symbol_id`s. Capacity is fixed at construction, so neither
/// lookup nor interning allocates afterwards: a new symbol on the hot path costs a hash probe.
/// One thread interns (the hot thread); other threads may call `name` and `size` concurrently
/// for ids they learned through a synchronising queue (the name is published before the id).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "torghut/core/types.hpp"

namespace torghut {

class symbol_table {
 public:
  /// `capacity` symbols at most; the hash index has twice as many slots (power of two).
  explicit symbol_table(uint32_t capacity = 4096);

  /// Returns the id of `s`, interning it if new. Invalid id when `s` is empty, longer than 15
  /// characters, or the table is full.
  [[nodiscard]] symbol_id intern(std::string_view s) noexcept;
  /// Returns the id of `s` or an invalid id; never interns.
  [[nodiscard]] symbol_id find(std::string_view s) const noexcept;
  /// The text of `id` ("" for an invalid id).
  [[nodiscard]] std::string_view name(symbol_id id) const noexcept;
  [[nodiscard]] uint32_t size() const noexcept { return count_.load(std::memory_order_acquire); }
  [[nodiscard]] uint32_t capacity() const noexcept { return capacity_; }

 private:
  [[nodiscard]] static uint64_t hash(std::string_view s) noexcept;
  uint32_t capacity_;
  uint32_t mask_;
  std::unique_ptr<symbol_text[]> names_;
  std::atomic<uint32_t> count_{0};
  std::vector<uint32_t> slots_;  // index+1 into names_, 0 = empty
};

}  // namespace torghut
