#pragma once
/// Strong types shared by every actor: timestamps, interned symbols, ids, sides, and the
/// fixed-size strings used where a std::string would allocate on the hot path.

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "torghut/core/fixed_point.hpp"

namespace torghut {

/// A strongly typed integer: `named<int64_t, struct foo_tag>` does not mix with other ids.
template <class T, class Tag>
struct named {
  T value{};
  friend constexpr auto operator<=>(named, named) noexcept = default;
};

/// Nanoseconds since the Unix epoch, UTC. Alpaca sends up to 9 fractional digits: all are kept.
struct timestamp {
  int64_t ns = 0;
  friend constexpr auto operator<=>(timestamp, timestamp) noexcept = default;
};
/// A span of nanoseconds.
struct duration_ns {
  int64_t ns = 0;
  friend constexpr auto operator<=>(duration_ns, duration_ns) noexcept = default;
};
constexpr duration_ns operator-(timestamp a, timestamp b) noexcept { return {a.ns - b.ns}; }
constexpr timestamp operator+(timestamp a, duration_ns d) noexcept { return {a.ns + d.ns}; }
inline constexpr int64_t ns_per_second = 1'000'000'000;

/// Interned symbol: an index into the symbol table. Comparisons and hashing are integer ops.
struct symbol_id {
  uint32_t value = invalid;
  static constexpr uint32_t invalid = 0xffffffffu;
  [[nodiscard]] constexpr bool valid() const noexcept { return value != invalid; }
  friend constexpr auto operator<=>(symbol_id, symbol_id) noexcept = default;
};

using strategy_id = named<uint16_t, struct strategy_id_tag>;
/// Engine-local order id, assigned by the order router in sequence.
using order_id = named<uint64_t, struct order_id_tag>;
/// Alpaca trade id (int64: crypto ids exceed 2^53, so never a double).
using trade_id = named<int64_t, struct trade_id_tag>;

/// A NUL-padded, fixed-capacity string: trivially copyable, compared as bytes.
template <size_t N>
struct fixed_string {
  std::array<char, N> data{};
  uint8_t len = 0;
  static_assert(N < 256);

  /// Copies `s`, truncating to N characters; returns false if it was truncated.
  constexpr bool assign(std::string_view s) noexcept {
    const size_t n = s.size() < N ? s.size() : N;
    for (size_t i = 0; i < N; ++i) data[i] = i < n ? s[i] : '\0';
    len = static_cast<uint8_t>(n);
    return n == s.size();
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {data.data(), len}; }
  [[nodiscard]] constexpr bool empty() const noexcept { return len == 0; }
  friend constexpr bool operator==(const fixed_string&, const fixed_string&) noexcept = default;
};

/// The broker's client order id: at most 48 characters (Alpaca's older documented limit).
using client_order_id = fixed_string<48>;
/// The broker's own order id (Alpaca: a UUID, 36 characters).
using broker_order_id = fixed_string<36>;
/// Symbol text as Alpaca spells it ("AAPL", "BRK.B", "BTC/USD").
using symbol_text = fixed_string<15>;
/// A decision's human-readable rationale: at most 47 characters, no allocation.
using rationale_text = fixed_string<47>;

/// 128-bit decision hash (XXH3-128 over a canonical encoding; see decision_hash.hpp).
struct decision_hash {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend constexpr auto operator<=>(decision_hash, decision_hash) noexcept = default;
};

enum class side : uint8_t { buy = 0, sell = 1 };
enum class order_type : uint8_t { market = 0, limit = 1, stop = 2, stop_limit = 3 };
enum class time_in_force : uint8_t { day = 0, gtc = 1, ioc = 2, fok = 3, opg = 4, cls = 5 };

[[nodiscard]] constexpr std::string_view to_string(side s) noexcept {
  return s == side::buy ? "buy" : "sell";
}
[[nodiscard]] std::string_view to_string(order_type t) noexcept;
[[nodiscard]] std::string_view to_string(time_in_force t) noexcept;

}  // namespace torghut
