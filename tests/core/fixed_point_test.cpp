// Fixed-point parsing, formatting and checked arithmetic.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "torghut/core/fixed_point.hpp"

namespace torghut {
namespace {

constexpr int64_t i64_max = std::numeric_limits<int64_t>::max();
constexpr int64_t i64_min = std::numeric_limits<int64_t>::min();

std::optional<int64_t> price_raw(std::string_view s) {
  const auto p = parse_decimal<price>(s);
  if (!p) return std::nullopt;
  return p->raw;
}
std::optional<int64_t> money_raw(std::string_view s) {
  const auto m = parse_decimal<money>(s);
  if (!m) return std::nullopt;
  return m->raw;
}
template <class F>
std::string fmt(F v) {
  char buf[32];
  const size_t n = format_decimal(v, buf);
  return std::string(buf, n);
}

TEST(parse_decimal, parses_integers) {
  EXPECT_EQ(price_raw("0"), 0);
  EXPECT_EQ(price_raw("123"), 123'000'000'000);
  EXPECT_EQ(price_raw("-45"), -45'000'000'000);
  EXPECT_EQ(price_raw("+7"), 7'000'000'000);
  EXPECT_EQ(price_raw("-0"), 0);
  EXPECT_EQ(money_raw("5000"), 5'000'000'000);
}

TEST(parse_decimal, parses_fractions) {
  EXPECT_EQ(price_raw("0.5"), 500'000'000);
  EXPECT_EQ(price_raw("-0.0001"), -100'000);
  EXPECT_EQ(price_raw("187.123456789"), 187'123'456'789);
  EXPECT_EQ(price_raw("0.000000001"), 1);
  EXPECT_EQ(price_raw(".5"), 500'000'000);
  EXPECT_EQ(price_raw("5."), 5'000'000'000);
  EXPECT_EQ(money_raw("0.000001"), 1);
}

TEST(parse_decimal, ignores_leading_and_trailing_zeros) {
  EXPECT_EQ(price_raw("000123.4500"), 123'450'000'000);
  EXPECT_EQ(price_raw("-0000.000000001"), -1);
  EXPECT_EQ(price_raw("0000000000000000000000000000001"), 1'000'000'000);
  EXPECT_EQ(price_raw("1.000000000000000000000000000000"), 1'000'000'000);
  EXPECT_EQ(price_raw("0.0000000000000000000000001"), 0);
}

TEST(parse_decimal, applies_exponents) {
  EXPECT_EQ(price_raw("1.25e2"), 125'000'000'000);
  EXPECT_EQ(price_raw("125E-2"), 1'250'000'000);
  EXPECT_EQ(price_raw("1e+3"), 1'000'000'000'000);
  EXPECT_EQ(price_raw("1e-9"), 1);
  EXPECT_EQ(price_raw("1e-10"), 0);
  EXPECT_EQ(price_raw("5e-10"), 1);  // half rounds up
  EXPECT_EQ(price_raw("4.9e-10"), 0);
  EXPECT_EQ(price_raw("0.00125e3"), 1'250'000'000);
  EXPECT_EQ(price_raw("0e400"), 0);
  EXPECT_EQ(price_raw("0e99999"), 0);   // zero stays zero however it is scaled
  EXPECT_EQ(price_raw("1e-500"), 0);    // far below the precision: rounds to zero
  EXPECT_EQ(price_raw("-1e-500"), 0);
}

TEST(parse_decimal, rounds_excess_digits_half_up) {
  EXPECT_EQ(price_raw("0.1234567894"), 123'456'789);
  EXPECT_EQ(price_raw("0.1234567895"), 123'456'790);
  EXPECT_EQ(price_raw("0.12345678949999"), 123'456'789);
  EXPECT_EQ(price_raw("-0.1234567895"), -123'456'790);  // half away from zero
  EXPECT_EQ(price_raw("0.9999999999"), 1'000'000'000);
  EXPECT_EQ(price_raw("0.12345678901234567890123"), 123'456'789);
  EXPECT_EQ(price_raw("1234567890.1234567895"), 1'234'567'890'123'456'790);  // 20 digits
  EXPECT_EQ(price_raw("1234567890.1234567894"), 1'234'567'890'123'456'789);
  EXPECT_EQ(money_raw("1.0000005"), 1'000'001);
  EXPECT_EQ(money_raw("1.0000004999"), 1'000'000);
}

TEST(parse_decimal, reports_overflow_as_nullopt) {
  EXPECT_EQ(price_raw("9223372036.854775807"), i64_max);
  EXPECT_EQ(price_raw("-9223372036.854775808"), i64_min);
  EXPECT_EQ(price_raw("9223372036.854775808"), std::nullopt);
  EXPECT_EQ(price_raw("-9223372036.854775809"), std::nullopt);
  EXPECT_EQ(price_raw("9223372036.8547758075"), std::nullopt);  // rounding pushes it over
  EXPECT_EQ(price_raw("1e10"), std::nullopt);
  EXPECT_EQ(price_raw("-9223372037"), std::nullopt);
  EXPECT_EQ(price_raw("99999999999999999999999"), std::nullopt);
  EXPECT_EQ(price_raw("1e400"), std::nullopt);
  EXPECT_EQ(price_raw("1e99999999999999999999"), std::nullopt);
  EXPECT_EQ(money_raw("9223372036854.775807"), i64_max);
  EXPECT_EQ(money_raw("9223372036855"), std::nullopt);
}

TEST(parse_decimal, rejects_malformed_text) {
  for (const std::string_view s :
       {"", "-", "+", ".", "-.", "1.2.3", "NaN", "nan", "inf", "-inf", "Infinity", "1e", "1e+",
        "1e-", "e5", ".e1", "12a", "1 ", " 1", "1,5", "0x10", "--1", "+-1", "1e5.0", "1e2e3",
        "1ee3", "\xef\xbc\x91"}) {
    EXPECT_EQ(parse_decimal<price>(s), std::nullopt) << "'" << s << "'";
    EXPECT_EQ(parse_decimal<quantity>(s), std::nullopt) << "'" << s << "'";
    EXPECT_EQ(parse_decimal<money>(s), std::nullopt) << "'" << s << "'";
  }
}

TEST(parse_decimal, is_usable_at_compile_time) {
  static_assert(parse_decimal<price>("1.5")->raw == 1'500'000'000);
  static_assert(!parse_decimal<price>("x").has_value());
}

TEST(format_decimal, writes_plain_decimals_with_trailing_zeros_trimmed) {
  EXPECT_EQ(fmt(price::from_raw(0)), "0");
  EXPECT_EQ(fmt(price::from_raw(12'500'000'000)), "12.5");
  EXPECT_EQ(fmt(price::from_raw(-100'000)), "-0.0001");
  EXPECT_EQ(fmt(price::from_raw(1)), "0.000000001");
  EXPECT_EQ(fmt(price::from_raw(-1)), "-0.000000001");
  EXPECT_EQ(fmt(price::from_raw(187'000'000'000)), "187");
  EXPECT_EQ(fmt(money::from_raw(1'234'567)), "1.234567");
  EXPECT_EQ(fmt(price::from_raw(i64_max)), "9223372036.854775807");
  EXPECT_EQ(fmt(price::from_raw(i64_min)), "-9223372036.854775808");
  EXPECT_EQ(fmt(money::from_raw(i64_min)), "-9223372036854.775808");
}

TEST(format_decimal, round_trips_through_parse_decimal) {
  const int64_t raws[] = {0,           1,          -1,          9,          10,         999'999'999,
                          1'000'000'000, 123'456'789'012, -987'654'321, 100'000,    i64_max,
                          i64_min,     i64_max - 1, i64_min + 1, 42'000'000'001};
  for (const int64_t r : raws) {
    EXPECT_EQ(parse_decimal<price>(fmt(price::from_raw(r))), price::from_raw(r)) << r;
    EXPECT_EQ(parse_decimal<money>(fmt(money::from_raw(r))), money::from_raw(r)) << r;
  }
  // A pseudo-random sweep over magnitudes.
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 10'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto r = static_cast<int64_t>(x >> (i % 64));
    const auto q = quantity::from_raw(i % 2 == 0 ? r : -r);
    ASSERT_EQ(parse_decimal<quantity>(fmt(q)), q) << q.raw;
  }
}

TEST(checked_arithmetic, adds_and_subtracts_or_reports_overflow) {
  EXPECT_EQ(checked_add(price::from_raw(2), price::from_raw(3)), price::from_raw(5));
  EXPECT_EQ(checked_sub(price::from_raw(2), price::from_raw(3)), price::from_raw(-1));
  EXPECT_EQ(checked_add(money::from_raw(i64_max), money::from_raw(0)), money::from_raw(i64_max));
  EXPECT_EQ(checked_add(money::from_raw(i64_max), money::from_raw(1)), std::nullopt);
  EXPECT_EQ(checked_add(money::from_raw(i64_min), money::from_raw(-1)), std::nullopt);
  EXPECT_EQ(checked_sub(money::from_raw(i64_min), money::from_raw(1)), std::nullopt);
  EXPECT_EQ(checked_sub(money::from_raw(0), money::from_raw(i64_min)), std::nullopt);
  EXPECT_EQ(checked_sub(money::from_raw(-1), money::from_raw(i64_min)), money::from_raw(i64_max));
  EXPECT_EQ(checked_neg(money::from_raw(i64_min)), std::nullopt);
  EXPECT_EQ(checked_neg(money::from_raw(i64_max)), money::from_raw(-i64_max));
}

TEST(checked_arithmetic, converts_units_and_doubles_with_range_checks) {
  EXPECT_EQ(price::from_units(3), price::from_raw(3'000'000'000));
  EXPECT_EQ(price::from_units(10'000'000'000), std::nullopt);
  EXPECT_EQ(money::from_double(1.2345675), money::from_raw(1'234'568));
  EXPECT_EQ(money::from_double(-0.0000005), money::from_raw(-1));
  EXPECT_EQ(money::from_double(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
  EXPECT_EQ(money::from_double(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(price::from_double(1e10), std::nullopt);
  EXPECT_DOUBLE_EQ(price::from_raw(1'500'000'000).to_double(), 1.5);
}

TEST(checked_notional, multiplies_exactly_and_rounds_half_away_from_zero) {
  const auto p = [](std::string_view s) { return parse_decimal<price>(s).value(); };
  const auto q = [](std::string_view s) { return parse_decimal<quantity>(s).value(); };
  EXPECT_EQ(checked_notional(p("187.25"), q("100")), money::from_raw(18'725'000'000));
  EXPECT_EQ(checked_notional(p("123.456789123"), q("1000.5")), parse_decimal<money>("123518.517518"));
  EXPECT_EQ(checked_notional(p("0.0000005"), q("1")), money::from_raw(1));    // 0.5 µ$ up
  EXPECT_EQ(checked_notional(p("0.0000005"), q("-1")), money::from_raw(-1));  // and down
  EXPECT_EQ(checked_notional(p("0.000000499"), q("1")), money::from_raw(0));
  EXPECT_EQ(checked_notional(p("0.000000001"), q("0.000000001")), money::from_raw(0));
  EXPECT_EQ(checked_notional(p("9223372036.854775807"), q("0.000000001")), money::from_raw(9'223'372));
  EXPECT_EQ(checked_notional(p("1000"), q("9000000000")), parse_decimal<money>("9000000000000"));
  EXPECT_EQ(checked_notional(p("10000"), q("930000000")), std::nullopt);  // 9.3e12 $ > range
  EXPECT_EQ(checked_notional(price::from_raw(i64_max), quantity::from_raw(i64_max)), std::nullopt);
  EXPECT_EQ(checked_notional(price::from_raw(i64_max), quantity::from_raw(i64_min)), std::nullopt);
}

TEST(checked_average_price, divides_a_cost_basis_by_its_quantity_rounding_half_away_from_zero) {
  const auto m = [](std::string_view s) { return parse_decimal<money>(s).value(); };
  const auto q = [](std::string_view s) { return parse_decimal<quantity>(s).value(); };
  EXPECT_EQ(checked_average_price(m("18725"), q("100")), parse_decimal<price>("187.25"));
  EXPECT_EQ(checked_average_price(m("-18725"), q("-100")), parse_decimal<price>("187.25")) << "a short's cost is negative";
  EXPECT_EQ(checked_average_price(m("1"), q("3")), parse_decimal<price>("0.333333333"));
  EXPECT_EQ(checked_average_price(m("2"), q("3")), parse_decimal<price>("0.666666667")) << "rounded up";
  EXPECT_EQ(checked_average_price(m("-2"), q("3")), parse_decimal<price>("-0.666666667")) << "and down";
  EXPECT_EQ(checked_average_price(m("100"), q("0")), std::nullopt);
  EXPECT_EQ(checked_average_price(m("9000000000"), q("0.000000001")), std::nullopt) << "beyond price's range";
  // Round trip with checked_notional for whole-cent prices.
  EXPECT_EQ(checked_average_price(checked_notional(parse_decimal<price>("34.58").value(), q("144")).value(), q("144")),
            parse_decimal<price>("34.58"));
}

}  // namespace
}  // namespace torghut
