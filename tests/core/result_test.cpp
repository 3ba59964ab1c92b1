// result<T>: a value or why not, and result<void>.
#include "torghut/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace torghut {
namespace {

result<int> half(int v) {
  if (v % 2 != 0) return error{std::to_string(v) + " is odd"};
  return v / 2;
}

struct coded {
  int code = 0;
  std::string why;
};
result<void, coded> check(bool ok) {
  if (!ok) return coded{7, "schema"};
  return {};
}

TEST(result, holds_the_value_or_the_error) {
  const auto a = half(10);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(static_cast<bool>(a));
  EXPECT_EQ(*a, 5);
  const auto b = half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message, "3 is odd");
}

TEST(result, moves_a_move_only_value_out) {
  result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
}

TEST(result, void_results_carry_a_typed_error) {
  EXPECT_TRUE(check(true).ok());
  const auto r = check(false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 7);
  EXPECT_EQ(r.error().why, "schema");
  EXPECT_TRUE(success().ok());
}

}  // namespace
}  // namespace torghut
