#include "torghut/engine/symbol_table.hpp"

#include <bit>

namespace torghut {

symbol_table::symbol_table(uint32_t capacity)
    : capacity_(capacity), mask_(std::bit_ceil(capacity * 2u) - 1u) {
  names_.reserve(capacity_);
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
  if (names_.size() >= capacity_) return {};
  symbol_text t;
  t.assign(s);
  names_.push_back(t);  // never reallocates: reserved to capacity_
  slots_[i] = static_cast<uint32_t>(names_.size());
  return symbol_id{static_cast<uint32_t>(names_.size() - 1)};
}

std::string_view symbol_table::name(symbol_id id) const noexcept {
  if (!id.valid() || id.value >= names_.size()) return {};
  return names_[id.value].view();
}

}  // namespace torghut
