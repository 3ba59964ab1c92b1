#pragma once
/// RFC 3339 timestamps, parsed and formatted by hand: no locale, no allocation, nanoseconds kept.
/// The one implementation of calendar arithmetic in the project: the Alpaca decoder parses with
/// it, the synthetic market and the audit serializer format with it. Header-only so the
/// decoder's hot loop can inline it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "torghut/core/types.hpp"

namespace torghut {

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Howard Hinnant's algorithm).
[[nodiscard]] constexpr int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

/// A civil date, the inverse of days_from_civil.
struct civil_date {
  int64_t year;
  int32_t month;  ///< 1..12
  int32_t day;    ///< 1..31
};

/// The proleptic Gregorian date of `days` since 1970-01-01.
[[nodiscard]] constexpr civil_date civil_from_days(int64_t days) noexcept {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), static_cast<int32_t>(m), static_cast<int32_t>(d)};
}

namespace detail {
[[nodiscard]] constexpr bool is_leap(int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
[[nodiscard]] constexpr int days_in_month(int64_t y, int m) noexcept {
  constexpr int table[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : table[m - 1];
}
/// Reads exactly `n` ASCII digits at `s[i]`; -1 when any is not a digit.
[[nodiscard]] constexpr int digits(std::string_view s, size_t i, size_t n) noexcept {
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = s[i + k];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}
}  // namespace detail

/// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,}](Z|±HH:MM)` into nanoseconds since the epoch, UTC.
///
/// Up to 9 fractional digits are kept exactly; further digits are truncated (RFC 3339 allows
/// them, Alpaca never sends them). `t`/`z` may be lower case. An offset is converted to UTC.
/// Second 60 (a leap second) is accepted and lands on the next minute's first second. Years
/// outside 1970..2261 (the int64 nanosecond range, and no market data before the epoch) are
/// rejected, as is any calendar-invalid date. Returns nullopt on any malformed text.
[[nodiscard]] constexpr std::optional<timestamp> parse_rfc3339(std::string_view s) noexcept {
  using detail::digits;
  // Shortest valid form: "1970-01-01T00:00:00Z" (20 characters).
  if (s.size() < 20) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  const int year = digits(s, 0, 4);
  const int month = digits(s, 5, 2);
  const int day = digits(s, 8, 2);
  const int hour = digits(s, 11, 2);
  const int minute = digits(s, 14, 2);
  const int second = digits(s, 17, 2);
  if (year < 1970 || year > 2261 || month < 1 || month > 12 || day < 1 ||
      day > detail::days_in_month(year, month) || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (s[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    const size_t first = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ns += scale * (s[i] - '0');
      scale /= 10;  // becomes 0 after nine digits: the rest are truncated
      ++i;
    }
    if (i == first) return std::nullopt;
  }
  if (i >= s.size()) return std::nullopt;
  int64_t offset_s = 0;
  const char zc = s[i];
  if (zc == 'Z' || zc == 'z') {
    ++i;
  } else if (zc == '+' || zc == '-') {
    if (s.size() - i != 6 || s[i + 3] != ':') return std::nullopt;
    const int oh = digits(s, i + 1, 2);
    const int om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (zc == '+' ? 1 : -1) * (static_cast<int64_t>(oh) * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(year, month, day);
  const int64_t secs = days * 86400 + static_cast<int64_t>(hour) * 3600 + minute * 60 + second -
                       offset_s;
  if (secs < 0) return std::nullopt;
  return timestamp{secs * ns_per_second + frac_ns};
}

/// How format_rfc3339 writes the fraction of a second.
enum class rfc3339_fraction : uint8_t {
  trimmed,  ///< as Alpaca does: trailing zeros trimmed, none at all on a whole second
  nine,     ///< always nine digits: fixed width, for logs and audit rows
};

/// Formats `t` as `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` (`...44.208Z`, `...19:15:00Z` trimmed, or
/// `...44.208000000Z` with nine digits). `out` needs 30 bytes. Returns the length written.
/// Times before the epoch are floored to the second below; years must be 0..9999.
constexpr size_t format_rfc3339(timestamp t, char* out,
                                rfc3339_fraction fraction = rfc3339_fraction::trimmed) noexcept {
  int64_t secs = t.ns / ns_per_second;
  int64_t frac = t.ns % ns_per_second;
  if (frac < 0) {
    frac += ns_per_second;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  const civil_date cd = civil_from_days(days);
  auto put2 = [&](size_t at, int64_t v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  put2(0, cd.year / 100);
  put2(2, cd.year % 100);
  out[4] = '-';
  put2(5, cd.month);
  out[7] = '-';
  put2(8, cd.day);
  out[10] = 'T';
  put2(11, sod / 3600);
  out[13] = ':';
  put2(14, sod / 60 % 60);
  out[16] = ':';
  put2(17, sod % 60);
  size_t n = 19;
  if (frac != 0 || fraction == rfc3339_fraction::nine) {
    out[n++] = '.';
    int64_t div = 100'000'000;
    while (div != 0 && (frac != 0 || fraction == rfc3339_fraction::nine)) {
      out[n++] = static_cast<char>('0' + frac / div);
      frac %= div;
      div /= 10;
    }
  }
  out[n++] = 'Z';
  return n;
}

}  // namespace torghut
