#pragma once
/// What a strategy is told: bars, trades, quotes, order updates, gaps, halts and timers, as small
/// trivially copyable values in market time. Every price and quantity is fixed point (exact);
/// convert with `to_double()` for indicator arithmetic, never the other way round.

#include <cstdint>
#include <string_view>

#include "torghut/core/messages.hpp"
#include "torghut/core/types.hpp"

namespace torghut::sdk {

/// A bar timeframe. `s1` bars are the engine's one-second microbars; the longer ones are built
/// by the engine from them, aligned to UTC (a `d1` bar is one New York session, 06:00 to 06:00
/// UTC, the same boundary as the session VWAP).
enum class timeframe : uint8_t { s1, s5, m1, m5, m15, h1, d1 };
/// Length of a timeframe in nanoseconds.
[[nodiscard]] constexpr int64_t length_ns(timeframe tf) noexcept {
  constexpr int64_t s = ns_per_second;
  switch (tf) {
    case timeframe::s1: return s;
    case timeframe::s5: return 5 * s;
    case timeframe::m1: return 60 * s;
    case timeframe::m5: return 300 * s;
    case timeframe::m15: return 900 * s;
    case timeframe::h1: return 3600 * s;
    case timeframe::d1: return 86400 * s;
  }
  return s;
}
/// Alpaca's spelling of a timeframe ("1Sec", "5Sec", "1Min", "5Min", "15Min", "1Hour", "1Day").
[[nodiscard]] constexpr std::string_view to_string(timeframe tf) noexcept {
  switch (tf) {
    case timeframe::s1: return "1Sec";
    case timeframe::s5: return "5Sec";
    case timeframe::m1: return "1Min";
    case timeframe::m5: return "5Min";
    case timeframe::m15: return "15Min";
    case timeframe::h1: return "1Hour";
    case timeframe::d1: return "1Day";
  }
  return "1Sec";
}
/// Parses Alpaca's spelling; false when `s` is not one of the seven timeframes.
[[nodiscard]] constexpr bool parse_timeframe(std::string_view s, timeframe& out) noexcept {
  for (auto tf : {timeframe::s1, timeframe::s5, timeframe::m1, timeframe::m5, timeframe::m15,
                  timeframe::h1, timeframe::d1}) {
    if (to_string(tf) == s) {
      out = tf;
      return true;
    }
  }
  return false;
}

/// Who built a bar: the engine (from trades), or Alpaca (its `b`, `d` and `u` messages).
enum class bar_source : uint8_t { engine, alpaca_minute, alpaca_daily, alpaca_updated };

/// A closed bar of one symbol. `start` is the bar's start in market time.
struct bar {
  symbol_id symbol;
  timeframe tf = timeframe::s1;
  bar_source source = bar_source::engine;
  bool halted = false;  ///< the symbol was halted when the bar closed: do not trade on it
  timestamp start;
  price open, high, low, close;
  quantity volume;
  price vwap;  ///< 0 when unknown
  uint64_t trades = 0;
};

/// One trade print.
struct trade {
  symbol_id symbol;
  timestamp time;
  price px;
  quantity size;
  bool halted = false;  ///< the symbol is halted (the print is informational)
};

/// The top of the book.
struct quote {
  symbol_id symbol;
  timestamp time;
  price bid_px;
  quantity bid_size;
  price ask_px;
  quantity ask_size;
};

/// The feed had a gap (reconnect or stall): history-based state may be stale.
struct feed_gap {
  symbol_id symbol;  ///< invalid: the whole feed
  timestamp at;
  duration_ns length;
};

/// A strategy's handle on one of its orders: the order's decision hash (also the source of the
/// broker's `client_order_id`). Empty when no order was created.
struct order_ref {
  decision_hash hash;
  [[nodiscard]] constexpr bool valid() const noexcept { return hash.hi != 0 || hash.lo != 0; }
  friend constexpr bool operator==(order_ref, order_ref) noexcept = default;
};

/// What happened to an order.
enum class order_event : uint8_t {
  accepted,      ///< the broker has it (new / accepted)
  partial_fill,  ///< some quantity filled; the order stays open
  fill,          ///< completely filled
  canceled,
  rejected,  ///< refused by risk or by the broker: see `reject`
  expired,
  replaced,
};
[[nodiscard]] constexpr std::string_view to_string(order_event e) noexcept {
  switch (e) {
    case order_event::accepted: return "accepted";
    case order_event::partial_fill: return "partial_fill";
    case order_event::fill: return "fill";
    case order_event::canceled: return "canceled";
    case order_event::rejected: return "rejected";
    case order_event::expired: return "expired";
    case order_event::replaced: return "replaced";
  }
  return "accepted";
}

/// Who refused an order, and why.
struct reject_reason {
  enum class source : uint8_t { none, risk, broker };
  source by = source::none;
  risk_reason risk = risk_reason::approved;  ///< when by == risk
  uint16_t code = 0;                         ///< when by == broker: the broker's or router's code
};

/// An order's state change, as the strategy that placed it sees it.
struct order_update {
  order_ref order;
  symbol_id symbol;
  side order_side = side::buy;
  order_event event = order_event::accepted;
  quantity order_qty;
  quantity last_qty;  ///< this fill (fills only)
  price last_px;      ///< this fill (fills only)
  quantity filled_qty;
  price avg_px;
  timestamp time;
  reject_reason reject;  ///< rejected only
};

/// A timer the strategy set: its id and the tag it chose.
struct timer_event {
  uint32_t id = 0;
  uint64_t tag = 0;
  timestamp due;
};

}  // namespace torghut::sdk
