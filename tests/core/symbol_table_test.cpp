// symbol_table: dense interning with a fixed capacity and no allocation after construction.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "torghut/core/symbol_table.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut {
namespace {

TEST(symbol_table, interns_dense_ids_in_order) {
  symbol_table t{8};
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.capacity(), 8u);
  EXPECT_EQ(t.intern("AAPL"), symbol_id{0});
  EXPECT_EQ(t.intern("MSFT"), symbol_id{1});
  EXPECT_EQ(t.intern("BTC/USD"), symbol_id{2});
  EXPECT_EQ(t.intern("BRK.B"), symbol_id{3});
  EXPECT_EQ(t.size(), 4u);
}

TEST(symbol_table, returns_the_same_id_for_the_same_text) {
  symbol_table t{8};
  const symbol_id a = t.intern("AAPL");
  (void)t.intern("MSFT");
  EXPECT_EQ(t.intern("AAPL"), a);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_NE(t.intern("aapl"), a);  // case matters
}

TEST(symbol_table, finds_without_interning) {
  symbol_table t{8};
  EXPECT_FALSE(t.find("AAPL").valid());
  EXPECT_EQ(t.size(), 0u);
  const symbol_id a = t.intern("AAPL");
  EXPECT_EQ(t.find("AAPL"), a);
  EXPECT_FALSE(t.find("AAP").valid());
  EXPECT_FALSE(t.find("AAPLX").valid());
  EXPECT_EQ(t.size(), 1u);
}

TEST(symbol_table, names_ids_and_gives_empty_text_for_bad_ids) {
  symbol_table t{8};
  const symbol_id a = t.intern("AAPL");
  const symbol_id b = t.intern("BTC/USD");
  EXPECT_EQ(t.name(a), "AAPL");
  EXPECT_EQ(t.name(b), "BTC/USD");
  EXPECT_EQ(t.name(symbol_id{}), "");
  EXPECT_EQ(t.name(symbol_id{2}), "");  // not interned yet
  EXPECT_EQ(t.name(symbol_id{100}), "");
}

TEST(symbol_table, rejects_empty_and_overlong_text) {
  symbol_table t{8};
  EXPECT_FALSE(t.intern("").valid());
  EXPECT_FALSE(t.intern("ABCDEFGHIJKLMNOP").valid());  // 16 characters
  const symbol_id fifteen = t.intern("ABCDEFGHIJKLMNO");
  ASSERT_TRUE(fifteen.valid());
  EXPECT_EQ(t.name(fifteen), "ABCDEFGHIJKLMNO");
  EXPECT_FALSE(t.find("").valid());
  EXPECT_FALSE(t.find("ABCDEFGHIJKLMNOP").valid());
  EXPECT_EQ(t.size(), 1u);
}

TEST(symbol_table, refuses_new_symbols_when_full_but_still_finds_old_ones) {
  symbol_table t{3};
  const symbol_id a = t.intern("A");
  const symbol_id b = t.intern("B");
  const symbol_id c = t.intern("C");
  ASSERT_TRUE(a.valid() && b.valid() && c.valid());
  EXPECT_FALSE(t.intern("D").valid());
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.intern("B"), b);
  EXPECT_EQ(t.find("C"), c);
  EXPECT_FALSE(t.find("D").valid());
  EXPECT_EQ(t.name(a), "A");
}

TEST(symbol_table, a_zero_capacity_table_interns_nothing) {
  symbol_table t{0};
  EXPECT_FALSE(t.intern("AAPL").valid());
  EXPECT_FALSE(t.find("AAPL").valid());
}

TEST(symbol_table, holds_its_full_capacity_of_distinct_symbols) {
  constexpr uint32_t n = 4096;
  symbol_table t{n};
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n; ++i) names.push_back("S" + std::to_string(i * 7919u));
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(t.intern(names[i]), symbol_id{i}) << names[i];
  EXPECT_FALSE(t.intern("ONE.MORE").valid());
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_EQ(t.find(names[i]), symbol_id{i});
    ASSERT_EQ(t.name(symbol_id{i}), names[i]);
  }
}

TEST(symbol_table, interns_and_finds_without_allocating_after_construction) {
  constexpr uint32_t n = 512;
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n; ++i) names.push_back("SYM" + std::to_string(i));
  symbol_table t{n};
  uint64_t found = 0;
  test::start_counting_allocations();
  for (const auto& s : names) found += t.intern(s).valid() ? 1u : 0u;
  for (const auto& s : names) found += t.find(s).valid() ? 1u : 0u;
  found += t.intern("FULL").valid() ? 1u : 0u;
  const uint64_t allocations = test::stop_counting_allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(found, 2u * n);
}

}  // namespace
}  // namespace torghut
