#pragma once
// The ledger's arithmetic: fixed point that saturates to a safe answer instead of failing (the
// simulator answers every request; an overflow keeps the old value).

#include "torghut/core/fixed_point.hpp"

namespace torghut::adapters::sim {

/// price × quantity; 0 on overflow.
inline money money_of(price p, quantity q) { return checked_notional(p, q).value_or(money{}); }
/// a + b; a on overflow.
inline money add(money a, money b) { return checked_add(a, b).value_or(a); }
/// a − b; a on overflow.
inline money sub(money a, money b) { return checked_sub(a, b).value_or(a); }
inline quantity qabs(quantity q) { return quantity::from_raw(q.raw < 0 ? -q.raw : q.raw); }

}  // namespace torghut::adapters::sim
