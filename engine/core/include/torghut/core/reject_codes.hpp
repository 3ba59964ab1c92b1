#pragma once
/// Why an order was refused or closed without the broker's word: the codes every boundary
/// (router, gateways, reconciliation, the audit trail) shares. The broker's own codes are
/// HTTP-like (403, 422, ...); the engine's are 900 and up.

#include <cstdint>
#include <string_view>

namespace torghut {

namespace reject_codes {
inline constexpr uint16_t invalid_order = 422;        ///< paper broker: bad symbol/qty/price
inline constexpr uint16_t broker_capacity = 429;      ///< paper broker: pool slot still open
inline constexpr uint16_t router_table_full = 900;    ///< router: table slot still open
inline constexpr uint16_t router_backpressure = 901;  ///< router: command mailbox full
inline constexpr uint16_t gateway_unavailable = 902;  ///< gateway: retries exhausted, not connected
inline constexpr uint16_t gateway_queue_full = 903;   ///< gateway: its request queue is full
inline constexpr uint16_t broker_rejected = 904;      ///< the broker's `rejected` event (after acceptance)
/// The order waited past trading.max_order_age_ms (or max_limit_order_age_ms) without reaching
/// the broker: canceled here, never sent late.
inline constexpr uint16_t order_stale = 905;
}  // namespace reject_codes

/// A name for a reject code, for logs, metrics and the audit trail: "INSUFFICIENT_BUYING_POWER"
/// (403), "UNPROCESSABLE_ORDER" (422: invalid, or a duplicate client_order_id), "RATE_LIMITED"
/// (429), "BROKER_UNAVAILABLE", "ORDER_STALE", ...; unknown codes read "REJECTED" (5xx:
/// "BROKER_SERVER_ERROR").
[[nodiscard]] std::string_view reject_code_name(uint16_t code) noexcept;

}  // namespace torghut
