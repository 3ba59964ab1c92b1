#pragma once
/// decision_hash = XXH3-128 of a canonical little-endian encoding of (strategy id, symbol text,
/// event time, action, parameters). Stable across runs, processes and machines, so a retry or a
/// restart that reaches the same decision produces the same hash and the same client_order_id.

#include <cstdint>
#include <optional>
#include <string_view>

#include "torghut/core/messages.hpp"

namespace torghut {

/// What a strategy decided, in the canonical form that is hashed.
struct decision_key {
  strategy_id strategy;
  std::string_view symbol;  ///< symbol text, not the interned id (ids differ between runs)
  timestamp event_time;
  side action = side::buy;
  order_type type = order_type::market;
  quantity qty;
  price limit_px;
  uint64_t params_fingerprint = 0;  ///< hash of the strategy's parameters (see strategy config)
};

[[nodiscard]] decision_hash compute_decision_hash(const decision_key& k) noexcept;

/// Hash of an arbitrary byte string (used to fingerprint strategy parameters).
[[nodiscard]] uint64_t hash_bytes64(const void* data, size_t len) noexcept;

/// client_order_id = "tg-" + 32 lowercase hex digits of the hash: 35 characters (≤ 48).
[[nodiscard]] client_order_id client_order_id_for(decision_hash h) noexcept;

/// The hash back from a client_order_id this engine made ("tg-" + 32 hex digits); nullopt for
/// any other text (orders placed by someone else).
[[nodiscard]] std::optional<decision_hash> decision_hash_from_client_order_id(std::string_view coid) noexcept;

/// 32 lowercase hex characters into `out` (which needs 32 bytes).
void to_hex(decision_hash h, char* out) noexcept;

}  // namespace torghut
