#include "torghut/core/symbol_table.hpp"

#include <bit>

namespace torghut {

symbol_table::symbol_table(uint32_t capacity)
    : capacity_(capacity), mask_(std::bit_ceil(capacity * 2u) - 1u) {
  names_ = std::make_unique<symbol_text[]>(capacity_);
  slots_.assign(mask_ + 1u, 0u);
}

uint64_t symbol_table::hash(std::string_view s) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: symbols are short, this is a handful of cycles
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h ^ (h >> 29);
}

symbol_id symbol_table::find(std::string_view s) const noexcept {
  if (s.empty() || s.size() > 15) return {};
  for (uint64_t i = hash(s) & mask_;; i = (i + 1) & mask_) {
    const uint32_t slot = slots_[i];
    if (slot == 0) return {};
    if (names_[slot - 1].view() == s) return symbol_id{slot - 1};
  }
}

symbol_id symbol_table::intern(std::string_view s) noexcept {
  if (s.empty() || s.size() > 15) return {};
  uint64_t i = hash(s) & mask_;
  for (;; i = (i + 1) & mask_) {
    const uint32_t slot = slots_[i];
    if (slot == 0) break;
    if (names_[slot - 1].view() == s) return symbol_id{slot - 1};
  }
  const uint32_t n = count_.load(std::memory_order_relaxed);
  if (n >= capacity_) return {};
  names_[n].assign(s);
  slots_[i] = n + 1;
  count_.store(n + 1, std::memory_order_release);  // publish the name before the id escapes
  return symbol_id{n};
}

std::string_view symbol_table::name(symbol_id id) const noexcept {
  if (!id.valid() || id.value >= count_.load(std::memory_order_acquire)) return {};
  return names_[id.value].view();
}

}  // namespace torghut
