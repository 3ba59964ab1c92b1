// Named enums: one names table per enum, parsed and printed generically, complete by construction.
#include "torghut/core/named_enum.hpp"

#include <gtest/gtest.h>

#include "torghut/core/config.hpp"

namespace torghut {
namespace {

enum class colour : uint8_t { red, green, blue };
constexpr std::array<enum_name<colour>, 3> enum_names(colour) {
  return {{{colour::red, "red"}, {colour::green, "green"}, {colour::blue, "blue"}}};
}
enum class gappy : uint8_t { a, b, c };  // a table that skips a value must be caught
constexpr std::array<enum_name<gappy>, 2> enum_names(gappy) { return {{{gappy::a, "a"}, {gappy::c, "c"}}}; }
enum class shuffled : uint8_t { a, b };  // and one out of order
constexpr std::array<enum_name<shuffled>, 2> enum_names(shuffled) {
  return {{{shuffled::b, "b"}, {shuffled::a, "a"}}};
}

TEST(named_enum, names_and_parses_every_value_both_ways) {
  EXPECT_EQ(name_of(colour::green), "green");
  EXPECT_EQ(parse_enum<colour>("blue"), colour::blue);
  EXPECT_FALSE(parse_enum<colour>("Blue").has_value()) << "names are exact";
  EXPECT_FALSE(parse_enum<colour>("").has_value());
  for (const auto& n : enum_names(colour{})) EXPECT_EQ(parse_enum<colour>(name_of(n.value)), n.value);
}

TEST(named_enum, lists_the_accepted_names_for_an_error) {
  EXPECT_EQ(expected_names<colour>(), R"("red", "green" or "blue")");
  EXPECT_EQ(expected_names<feed_format>(), R"("json" or "msgpack")");
}

TEST(named_enum, the_completeness_check_rejects_gaps_and_disorder) {
  static_assert(names_every_value<colour, colour::blue>());
  static_assert(!names_every_value<colour, colour::green>(), "a table longer than the enum");
  static_assert(!names_every_value<gappy, gappy::c>());
  static_assert(!names_every_value<shuffled, shuffled::b>());
  SUCCEED();
}

TEST(named_enum, the_config_choices_keep_the_names_the_config_files_use) {
  EXPECT_EQ(name_of(feed_format::msgpack), "msgpack");
  EXPECT_EQ(name_of(feed_auth::headers), "headers");
  EXPECT_EQ(name_of(broker_kind::alpaca), "alpaca");
  EXPECT_EQ(name_of(stream_auth_form::legacy), "legacy");
  EXPECT_EQ(name_of(idle_kind::busy_spin), "busy-spin");
}

}  // namespace
}  // namespace torghut
