// decision_hash: stable across runs (pinned golden values) and sensitive to every input.

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "torghut/core/decision_hash.hpp"

namespace torghut {
namespace {

decision_key golden_key() {
  decision_key k;
  k.strategy = strategy_id{1};
  k.symbol = "AAPL";
  k.event_time = timestamp{1'700'000'000'123'456'789};
  k.action = side::buy;
  k.type = order_type::limit;
  k.qty = quantity::from_raw(10'000'000'000);  // 10
  k.limit_px = price::from_raw(187'250'000'000);  // 187.25
  k.params_fingerprint = 0x0123456789abcdefull;
  return k;
}

std::string hex(decision_hash h) {
  char buf[32];
  to_hex(h, buf);
  return std::string(buf, sizeof buf);
}

// Pinned once. If this changes, every client_order_id derived from a decision changes and a
// restart would re-send orders it already sent: change it only with a layout version bump.
TEST(decision_hash, matches_the_pinned_golden_value) {
  EXPECT_EQ(hex(compute_decision_hash(golden_key())), "c4aa006beb6acd3af44fa839e728e6da");
  EXPECT_EQ(hash_bytes64("macd_rsi", 8), 0x37a89589b269f57dull);
}

TEST(decision_hash, is_stable_for_equal_keys) {
  decision_key a = golden_key();
  decision_key b = golden_key();
  const std::string sym = "AAPL";  // different storage, same text
  b.symbol = sym;
  EXPECT_EQ(compute_decision_hash(a), compute_decision_hash(b));
  EXPECT_EQ(compute_decision_hash(a), compute_decision_hash(a));
}

TEST(decision_hash, differs_when_any_field_differs) {
  const decision_hash base = compute_decision_hash(golden_key());
  auto differs = [&](auto mutate) {
    decision_key k = golden_key();
    mutate(k);
    return compute_decision_hash(k) != base;
  };
  EXPECT_TRUE(differs([](decision_key& k) { k.strategy = strategy_id{2}; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.symbol = "AAPM"; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.symbol = "AAP"; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.event_time.ns += 1; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.action = side::sell; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.type = order_type::market; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.qty.raw += 1; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.limit_px.raw += 1; }));
  EXPECT_TRUE(differs([](decision_key& k) { k.params_fingerprint ^= 1; }));
}

TEST(decision_hash, does_not_confuse_symbol_bytes_with_the_following_fields) {
  // The symbol is length-prefixed, so moving a byte between symbol and time cannot collide.
  decision_key a = golden_key();
  decision_key b = golden_key();
  a.symbol = "AB";
  b.symbol = "ABC";
  EXPECT_NE(compute_decision_hash(a), compute_decision_hash(b));
}

TEST(client_order_id, is_tg_dash_and_32_lowercase_hex_digits) {
  const decision_hash h = compute_decision_hash(golden_key());
  const client_order_id id = client_order_id_for(h);
  const std::string_view v = id.view();
  EXPECT_EQ(v.size(), 35u);
  EXPECT_LE(v.size(), 48u);
  EXPECT_EQ(v.substr(0, 3), "tg-");
  for (const char c : v.substr(3)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  EXPECT_EQ(v.substr(3), hex(h));
  EXPECT_EQ(client_order_id_for(h), id);  // deterministic
}

TEST(client_order_id, encodes_hi_then_lo_words) {
  const client_order_id id = client_order_id_for(decision_hash{0x0123456789abcdefull, 0xfedcba9876543210ull});
  EXPECT_EQ(id.view(), "tg-0123456789abcdeffedcba9876543210");
  EXPECT_EQ(client_order_id_for(decision_hash{}).view(), "tg-00000000000000000000000000000000");
}

TEST(client_order_id, differs_for_different_decisions) {
  decision_key k = golden_key();
  const client_order_id a = client_order_id_for(compute_decision_hash(k));
  k.event_time.ns += 1'000'000'000;
  const client_order_id b = client_order_id_for(compute_decision_hash(k));
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace torghut
