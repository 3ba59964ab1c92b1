#pragma once
/// Fixed-point money types: prices, quantities and notionals as scaled int64 with checked
/// arithmetic. Binary floating point never touches an order, a risk limit or a ledger.

#include <charconv>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace torghut {

__extension__ typedef __int128 int128_t;           // NOLINT: GCC/Clang builtin, exact
__extension__ typedef unsigned __int128 uint128_t;  // NOLINT

/// A decimal fixed-point number: `raw` counts units of 10^-Decimals. `Tag` keeps prices,
/// quantities and money from being mixed by accident.
template <class Tag, int Decimals>
struct fixed {
  static constexpr int decimals = Decimals;
  static constexpr int64_t scale = [] {
    int64_t s = 1;
    for (int i = 0; i < Decimals; ++i) s *= 10;
    return s;
  }();

  int64_t raw = 0;

  [[nodiscard]] static constexpr fixed from_raw(int64_t r) noexcept { return fixed{r}; }
  [[nodiscard]] static constexpr std::optional<fixed> from_units(int64_t units) noexcept {
    int64_t r = 0;
    if (__builtin_mul_overflow(units, scale, &r)) return std::nullopt;
    return fixed{r};
  }
  /// For indicators and display only: never feed the result back into money arithmetic.
  [[nodiscard]] constexpr double to_double() const noexcept {
    return static_cast<double>(raw) / static_cast<double>(scale);
  }
  /// Rounds a double to the nearest representable value; nullopt on NaN, inf or overflow.
  [[nodiscard]] static std::optional<fixed> from_double(double v) noexcept {
    if (!(v == v)) return std::nullopt;
    const double scaled = v * static_cast<double>(scale);
    if (scaled >= 9.2e18 || scaled <= -9.2e18) return std::nullopt;
    return fixed{static_cast<int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5)};
  }

  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw == 0; }
  [[nodiscard]] constexpr bool is_positive() const noexcept { return raw > 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return raw < 0; }
  friend constexpr auto operator<=>(fixed, fixed) noexcept = default;
};

/// Checked arithmetic: nullopt on overflow. The hot path uses these and turns an overflow into
/// a named rejection instead of a wrong number.
template <class T, int D>
[[nodiscard]] constexpr std::optional<fixed<T, D>> checked_add(fixed<T, D> a, fixed<T, D> b) noexcept {
  int64_t r = 0;
  if (__builtin_add_overflow(a.raw, b.raw, &r)) return std::nullopt;
  return fixed<T, D>{r};
}
template <class T, int D>
[[nodiscard]] constexpr std::optional<fixed<T, D>> checked_sub(fixed<T, D> a, fixed<T, D> b) noexcept {
  int64_t r = 0;
  if (__builtin_sub_overflow(a.raw, b.raw, &r)) return std::nullopt;
  return fixed<T, D>{r};
}
template <class T, int D>
[[nodiscard]] constexpr std::optional<fixed<T, D>> checked_neg(fixed<T, D> a) noexcept {
  if (a.raw == std::numeric_limits<int64_t>::min()) return std::nullopt;
  return fixed<T, D>{-a.raw};
}

struct price_tag {};
struct quantity_tag {};
struct money_tag {};

/// Price per unit in nano-dollars (9 decimals: covers sub-penny equities and crypto).
using price = fixed<price_tag, 9>;
/// Quantity in nano-units (9 decimals: fractional shares and crypto).
using quantity = fixed<quantity_tag, 9>;
/// Money (notional, cash, P&L) in micro-dollars: ±9.2e12 dollars of range.
using money = fixed<money_tag, 6>;

/// price × quantity → money, exact in 128-bit, rounded half away from zero; nullopt on overflow.
[[nodiscard]] constexpr std::optional<money> checked_notional(price p, quantity q) noexcept {
  constexpr int128_t divisor = static_cast<int128_t>(price::scale) * quantity::scale / money::scale;
  const int128_t prod = static_cast<int128_t>(p.raw) * q.raw;
  const int128_t half = divisor / 2;
  const int128_t r = prod >= 0 ? (prod + half) / divisor : (prod - half) / divisor;
  if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return money{static_cast<int64_t>(r)};
}

/// money ÷ quantity → price (an average entry price from a cost basis), exact in 128-bit, rounded
/// half away from zero; nullopt for a zero quantity or a result outside price's range.
[[nodiscard]] constexpr std::optional<price> checked_average_price(money cost, quantity q) noexcept {
  if (q.raw == 0) return std::nullopt;
  constexpr int128_t factor = static_cast<int128_t>(price::scale) * quantity::scale / money::scale;
  const int128_t num = static_cast<int128_t>(cost.raw) * factor;
  const int128_t den = q.raw;
  const int128_t abs_num = num >= 0 ? num : -num, abs_den = den >= 0 ? den : -den;
  const int128_t mag = (abs_num + abs_den / 2) / abs_den;
  const int128_t r = (num >= 0) == (den >= 0) ? mag : -mag;
  if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return price{static_cast<int64_t>(r)};
}

/// Parses a JSON/decimal number ("123", "-0.5", "1.25e2", "0.000001") exactly into a fixed type.
/// Digits beyond the type's precision are rounded half-up. Returns nullopt on malformed text,
/// NaN/Infinity spellings, or overflow. Allocation-free.
template <class Fixed>
[[nodiscard]] constexpr std::optional<Fixed> parse_decimal(std::string_view s) noexcept {
  constexpr int D = Fixed::decimals;
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    ++i;
  }
  // Collect mantissa digits and the position of the decimal point.
  uint64_t mant = 0;
  int mant_digits = 0;     // significant digits kept in mant
  int frac_digits = 0;     // of kept digits, how many were after the point
  int dropped_int = 0;     // integer digits dropped for lack of room (scale up later)
  bool round_up = false;   // first dropped fraction digit >= 5
  bool dropped_frac = false;
  bool any = false, point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (point) return std::nullopt;
      point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any = true;
    const int d = c - '0';
    if (mant_digits < 19) {
      if (mant == 0 && d == 0) {
        if (point) ++frac_digits;  // leading zeros after the point still shift the scale
        continue;
      }
      mant = mant * 10 + static_cast<uint64_t>(d);
      ++mant_digits;
      if (point) ++frac_digits;
    } else if (!point) {
      ++dropped_int;
    } else if (!dropped_frac) {
      dropped_frac = true;
      round_up = d >= 5;
    }
  }
  if (!any) return std::nullopt;
  int exp10 = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      eneg = s[i] == '-';
      ++i;
    }
    if (i >= s.size()) return std::nullopt;
    int e = 0;
    bool edigits = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      edigits = true;
      // Saturate: any exponent this large already overflows (or rounds to zero) either way.
      if (e < 100'000) e = e * 10 + (s[i] - '0');
    }
    if (!edigits) return std::nullopt;
    exp10 = eneg ? -e : e;
  }
  if (i != s.size()) return std::nullopt;
  if (mant == 0) return Fixed::from_raw(0);  // zero however scaled (and "-0" is 0)
  // The magnitude may reach 2^63 when negative: int64's minimum is representable.
  const uint128_t limit =
      static_cast<uint128_t>(std::numeric_limits<int64_t>::max()) + (neg ? 1u : 0u);
  // value = mant * 10^(exp10 + dropped_int - frac_digits); want raw = value * 10^D
  int shift = exp10 + dropped_int - frac_digits + D;
  uint128_t v = mant;
  if (shift >= 0) {
    for (int k = 0; k < shift; ++k) {  // mant >= 1: overflows within 20 steps
      v *= 10;
      if (v > limit) return std::nullopt;
    }
  } else {
    bool up = false;
    for (int k = 0; k < -shift && v != 0; ++k) {
      up = (v % 10) >= 5;
      v /= 10;
    }
    if (-shift > 0 && up) v += 1;
    round_up = false;
  }
  if (round_up && shift >= 0 && dropped_frac) v += 1;
  if (v > limit) return std::nullopt;
  const auto signed_v = static_cast<int128_t>(v);
  return Fixed::from_raw(static_cast<int64_t>(neg ? -signed_v : signed_v));
}

/// Writes the value as a plain decimal string with trailing zeros trimmed ("12.5", "-0.0001").
/// `out` needs 32 bytes. Returns the number of characters written. Allocation-free.
template <class Fixed>
size_t format_decimal(Fixed v, char* out) noexcept {
  constexpr int D = Fixed::decimals;
  char* p = out;
  uint128_t mag = v.raw < 0 ? static_cast<uint128_t>(-static_cast<int128_t>(v.raw))
                                    : static_cast<uint128_t>(v.raw);
  if (v.raw < 0) *p++ = '-';
  const auto ip = static_cast<uint64_t>(mag / static_cast<uint64_t>(Fixed::scale));
  auto fp = static_cast<uint64_t>(mag % static_cast<uint64_t>(Fixed::scale));
  auto [e, ec] = std::to_chars(p, p + 24, ip);
  (void)ec;
  p = e;
  if (fp != 0) {
    *p++ = '.';
    char digits[static_cast<size_t>(D)];
    for (int k = D - 1; k >= 0; --k) {
      digits[k] = static_cast<char>('0' + fp % 10);
      fp /= 10;
    }
    int last = D - 1;
    while (last > 0 && digits[last] == '0') --last;
    for (int k = 0; k <= last; ++k) *p++ = digits[k];
  }
  return static_cast<size_t>(p - out);
}

/// format_decimal into a std::string (allocates: reports and logs, never the hot path).
template <class Fixed>
std::string decimal_string(Fixed v) {
  char b[40];
  return std::string(b, format_decimal(v, b));
}

}  // namespace torghut
