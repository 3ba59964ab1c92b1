// The trading REST client's pure decisions: every branch of the response table, the backoff
// bounds, the 429 wait, the sliding-window budget, URLs and request targets.

#include "torghut/adapters/rest_policy.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace torghut::adapters {
namespace {

using std::chrono::milliseconds;
using K = rest_request_kind;
using A = rest_action;

rest_policy_config cfg3() {
  rest_policy_config c;
  c.max_retries = 3;
  c.retry_base = milliseconds(50);
  c.retry_max = milliseconds(2000);
  return c;
}

rest_decision decide(K kind, unsigned status, uint32_t retries = 0, bool resent = false, bool has_coid = true,
                     bool not_unique = false, std::optional<int64_t> reset = std::nullopt, int64_t now_ms = 0,
                     uint64_t random = 7) {
  rest_attempt at{kind, retries, has_coid, resent};
  rest_response r{status, not_unique, reset};
  return decide_response(cfg3(), at, r, now_ms, random);
}

// ----- success -----------------------------------------------------------------------------------

TEST(rest_policy, success_is_delivered_and_a_found_order_is_accepted) {
  for (const unsigned s : {200u, 201u, 204u}) {
    EXPECT_EQ(decide(K::submit, s).action, A::deliver) << s;
    EXPECT_EQ(decide(K::cancel, s).action, A::deliver) << s;
    EXPECT_EQ(decide(K::get, s).action, A::deliver) << s;
    EXPECT_EQ(decide(K::coid_query, s).action, A::accept_found) << s;
  }
  const auto d = decide(K::submit, 200, 2, true);
  EXPECT_FALSE(d.counts_retry);
  EXPECT_FALSE(d.pause_all);
  EXPECT_EQ(d.delay, milliseconds(0));
}

// ----- lost and 5xx ------------------------------------------------------------------------------

TEST(rest_policy, a_lost_post_is_never_resent_but_looked_up_by_client_order_id) {
  const auto d = decide(K::submit, 0);
  EXPECT_EQ(d.action, A::query_coid);
  EXPECT_EQ(d.delay, milliseconds(0));  // it has already waited the request timeout
  EXPECT_FALSE(d.counts_retry);
  // Even with the retries used up, the first step is the query (it resends nothing).
  EXPECT_EQ(decide(K::submit, 0, 3).action, A::query_coid);
}

TEST(rest_policy, a_5xx_post_is_looked_up_after_a_backoff) {
  for (const unsigned s : {500u, 502u, 503u, 504u}) {
    const auto d = decide(K::submit, s, 1, false, true, false, std::nullopt, 0, 1'000'003);
    EXPECT_EQ(d.action, A::query_coid) << s;
    EXPECT_LE(d.delay, backoff_ceiling(cfg3(), 1)) << s;
    EXPECT_EQ(d.delay, backoff_delay(cfg3(), 1, 1'000'003)) << s;
    EXPECT_FALSE(d.counts_retry);
  }
}

TEST(rest_policy, a_post_without_client_order_id_is_given_up_when_its_outcome_is_unknown) {
  for (const unsigned s : {0u, 500u}) {
    const auto d = decide(K::submit, s, 0, false, /*has_coid=*/false);
    EXPECT_EQ(d.action, A::give_up) << s;
    EXPECT_NE(d.reason.find("client_order_id"), std::string_view::npos);
  }
}

TEST(rest_policy, get_and_delete_retry_on_5xx_and_lost_until_the_retries_are_used) {
  for (const K k : {K::get, K::cancel}) {
    for (const unsigned s : {0u, 500u, 503u}) {
      for (uint32_t used = 0; used < 3; ++used) {
        const auto d = decide(k, s, used, false, true, false, std::nullopt, 0, 99);
        EXPECT_EQ(d.action, A::retry) << to_string(k) << " " << s << " " << used;
        EXPECT_TRUE(d.counts_retry);
        EXPECT_FALSE(d.pause_all);
        EXPECT_EQ(d.delay, backoff_delay(cfg3(), used, 99));
      }
      const auto d = decide(k, s, 3);
      EXPECT_EQ(d.action, A::give_up) << to_string(k) << " " << s;
      EXPECT_FALSE(d.reason.empty());
    }
  }
}

TEST(rest_policy, a_failed_coid_query_is_retried_then_given_up) {
  for (const unsigned s : {0u, 500u}) {
    const auto d = decide(K::coid_query, s, 0);
    EXPECT_EQ(d.action, A::retry);
    EXPECT_TRUE(d.counts_retry);
    EXPECT_EQ(decide(K::coid_query, s, 3).action, A::give_up);
  }
}

// ----- the by-coid query's answers ---------------------------------------------------------------

TEST(rest_policy, coid_query_404_resends_the_post_once_per_retry) {
  const auto d = decide(K::coid_query, 404, 0, false, true, false, std::nullopt, 0, 5);
  EXPECT_EQ(d.action, A::resend);
  EXPECT_TRUE(d.counts_retry);
  EXPECT_EQ(d.delay, backoff_delay(cfg3(), 0, 5));
  EXPECT_EQ(decide(K::coid_query, 404, 2).action, A::resend);
  const auto last = decide(K::coid_query, 404, 3);
  EXPECT_EQ(last.action, A::give_up);
  EXPECT_NE(last.reason.find("never got"), std::string_view::npos);
}

TEST(rest_policy, coid_query_other_4xx_gives_up) {
  for (const unsigned s : {400u, 401u, 403u, 422u}) EXPECT_EQ(decide(K::coid_query, s).action, A::give_up) << s;
}

// ----- 4xx -----------------------------------------------------------------------------------------

TEST(rest_policy, refusals_reach_the_caller) {
  for (const unsigned s : {400u, 401u, 403u, 404u, 422u}) {
    EXPECT_EQ(decide(K::submit, s).action, A::deliver) << s;
    EXPECT_EQ(decide(K::cancel, s).action, A::deliver) << s;
    EXPECT_EQ(decide(K::get, s).action, A::deliver) << s;
  }
  EXPECT_EQ(decide(K::submit, 301).action, A::deliver);
  EXPECT_EQ(decide(K::submit, 100).action, A::deliver);
}

TEST(rest_policy, duplicate_client_order_id_after_a_resend_is_resolved_by_the_query) {
  // After our own resend: the earlier POST did arrive. Look it up.
  const auto d = decide(K::submit, 422, 1, /*resent=*/true, true, /*not_unique=*/true);
  EXPECT_EQ(d.action, A::query_coid);
  EXPECT_FALSE(d.counts_retry);
  // On the first send it is a real refusal (another decision already used this id).
  EXPECT_EQ(decide(K::submit, 422, 0, false, true, true).action, A::deliver);
  // Another 422 after a resend: a real refusal too.
  EXPECT_EQ(decide(K::submit, 422, 1, true, true, false).action, A::deliver);
}

// ----- 429 -----------------------------------------------------------------------------------------

TEST(rest_policy, rate_limited_pauses_everything_until_the_reset) {
  const int64_t now = 1'700'000'000'250;  // ms
  for (const K k : {K::submit, K::coid_query, K::cancel, K::get}) {
    const auto d = decide(k, 429, 0, false, true, false, 1'700'000'002, now);
    EXPECT_EQ(d.action, A::retry) << to_string(k);
    EXPECT_TRUE(d.pause_all);
    EXPECT_TRUE(d.counts_retry);
    EXPECT_EQ(d.delay, milliseconds(1750));
  }
  const auto none = decide(K::submit, 429, 0, false, true, false, std::nullopt, now);
  EXPECT_EQ(none.delay, milliseconds(2000));  // retry_max without the header
  EXPECT_EQ(decide(K::submit, 429, 3).action, A::give_up);
}

TEST(rest_policy, ratelimit_wait_bounds) {
  const auto c = cfg3();
  EXPECT_EQ(ratelimit_wait(c, std::nullopt, 0), c.retry_max);
  EXPECT_EQ(ratelimit_wait(c, 100, 99'000), milliseconds(1000));
  EXPECT_EQ(ratelimit_wait(c, 100, 100'000), c.retry_base);   // now: short pause
  EXPECT_EQ(ratelimit_wait(c, 100, 200'000), c.retry_base);   // past
  EXPECT_EQ(ratelimit_wait(c, 10'000, 0), c.max_rate_limit_wait);  // hours away: clamped
  EXPECT_EQ(ratelimit_wait(c, INT64_MAX, 0), c.max_rate_limit_wait);
}

TEST(rest_policy, ratelimit_reset_header_parsing) {
  EXPECT_EQ(parse_ratelimit_reset("1700000000"), 1'700'000'000);
  EXPECT_EQ(parse_ratelimit_reset(" 42 "), 42);
  EXPECT_EQ(parse_ratelimit_reset("42.000"), 42);
  EXPECT_EQ(parse_ratelimit_reset("42.2"), 43);  // rounded up
  EXPECT_FALSE(parse_ratelimit_reset(""));
  EXPECT_FALSE(parse_ratelimit_reset("-5"));
  EXPECT_FALSE(parse_ratelimit_reset("+5"));
  EXPECT_FALSE(parse_ratelimit_reset("soon"));
  EXPECT_FALSE(parse_ratelimit_reset("5s"));
  EXPECT_FALSE(parse_ratelimit_reset("5."));
  EXPECT_FALSE(parse_ratelimit_reset("99999999999999999999999"));
}

TEST(rest_policy, coid_not_unique_messages) {
  EXPECT_TRUE(is_coid_not_unique("client_order_id must be unique"));
  EXPECT_TRUE(is_coid_not_unique("Client_Order_ID must be UNIQUE"));
  EXPECT_TRUE(is_coid_not_unique("duplicate client order id"));
  EXPECT_TRUE(is_coid_not_unique("an order with this client_order_id already exists"));
  EXPECT_FALSE(is_coid_not_unique("qty must be > 0"));
  EXPECT_FALSE(is_coid_not_unique("client_order_id is too long"));
  EXPECT_FALSE(is_coid_not_unique("symbol must be unique"));
  EXPECT_FALSE(is_coid_not_unique(""));
}

// ----- backoff -------------------------------------------------------------------------------------

TEST(rest_policy, backoff_is_exponential_with_full_jitter_and_capped) {
  const auto c = cfg3();
  EXPECT_EQ(backoff_ceiling(c, 0), milliseconds(50));
  EXPECT_EQ(backoff_ceiling(c, 1), milliseconds(100));
  EXPECT_EQ(backoff_ceiling(c, 5), milliseconds(1600));
  EXPECT_EQ(backoff_ceiling(c, 6), milliseconds(2000));
  EXPECT_EQ(backoff_ceiling(c, 63), milliseconds(2000));
  EXPECT_EQ(backoff_ceiling(c, 1'000), milliseconds(2000));
  EXPECT_EQ(backoff_delay(c, 0, 0), milliseconds(0));
  EXPECT_EQ(backoff_delay(c, 0, 50), milliseconds(50));  // inclusive upper bound
  EXPECT_EQ(backoff_delay(c, 0, 51), milliseconds(0));
  EXPECT_EQ(backoff_delay(c, 2, 123), milliseconds(123 % 201));
  for (uint64_t r = 0; r < 5000; r += 7) {
    EXPECT_LE(backoff_delay(c, 3, r * 2654435761u), milliseconds(400));
    EXPECT_GE(backoff_delay(c, 3, r * 2654435761u), milliseconds(0));
  }
  rest_policy_config zero = c;
  zero.retry_base = milliseconds(0);
  EXPECT_EQ(backoff_delay(zero, 4, 12345), milliseconds(0));
}

// ----- budget --------------------------------------------------------------------------------------

TEST(rest_policy, sliding_window_budget) {
  rate_window w(3, milliseconds(1000));
  EXPECT_TRUE(w.allows(0));
  w.record(0);
  w.record(100);
  w.record(200);
  EXPECT_EQ(w.used(200), 3u);
  EXPECT_FALSE(w.allows(200));
  EXPECT_FALSE(w.allows(999));
  EXPECT_EQ(w.next_allowed(500), 1000);  // when the send at 0 leaves the window
  EXPECT_TRUE(w.allows(1000));
  EXPECT_EQ(w.next_allowed(1000), 1000);
  w.record(1000);
  EXPECT_FALSE(w.allows(1050));
  EXPECT_EQ(w.next_allowed(1050), 1100);  // sliding: the send at 100 is next, not a fixed bucket
  EXPECT_EQ(w.used(1150), 2u);            // 200 and 1000
  EXPECT_EQ(w.used(5000), 0u);
  EXPECT_TRUE(w.allows(5000));
}

TEST(rest_policy, zero_limit_means_no_budget) {
  rate_window w(0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(w.allows(i));
    w.record(i);
  }
  EXPECT_EQ(w.next_allowed(5), 5);
}

// ----- URLs and targets ----------------------------------------------------------------------------

TEST(rest_policy, urls) {
  std::string err;
  auto u = parse_rest_url("https://paper-api.alpaca.markets", err);
  ASSERT_TRUE(u) << err;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "paper-api.alpaca.markets");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->host_header(), "paper-api.alpaca.markets");
  u = parse_rest_url("https://api.alpaca.markets:8443/", err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host_header(), "api.alpaca.markets:8443");
  u = parse_rest_url("http://127.0.0.1:8080", err);
  ASSERT_TRUE(u) << err;
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host_header(), "127.0.0.1:8080");
  u = parse_rest_url("http://[::1]:9000", err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_header(), "[::1]:9000");
  EXPECT_TRUE(parse_rest_url("HTTP://localhost", err));
  EXPECT_TRUE(parse_rest_url("http://127.8.9.10", err));

  const char* bad[] = {"ftp://x",          "paper-api.alpaca.markets", "https://",
                       "https://h/v2",     "https://h?x=1",            "https://u:p@h",
                       "https://h:0",      "https://h:70000",          "https://h:",
                       "https://h:12ab",   "https://[::1",             "https://[::1]x"};
  for (const char* b : bad) {
    err.clear();
    EXPECT_FALSE(parse_rest_url(b, err)) << b;
    EXPECT_FALSE(err.empty()) << b;
  }
  // Plain http only to loopback: credentials never cross a network in clear text.
  for (const char* b : {"http://paper-api.alpaca.markets", "http://10.0.0.1:80", "http://128.0.0.1",
                        "http://127.0.0.1.evil.com", "http://[::2]"}) {
    err.clear();
    EXPECT_FALSE(parse_rest_url(b, err)) << b;
    EXPECT_NE(err.find("loopback"), std::string::npos) << b << ": " << err;
  }
}

TEST(rest_policy, loopback_hosts) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("LocalHost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.255.254"));
  for (const char* h : {"", "127.0.0", "127.0.0.1.", "127.0.0.256", "127.0.0.1a", "0127.0.0.1x", "10.0.0.1",
                        "localhost.example", "::2", "1.2.3.4.5"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(rest_policy, request_targets) {
  std::array<char, 128> b{};
  size_t n = write_coid_query_target("tg-0123abcd", b);
  EXPECT_EQ(std::string_view(b.data(), n), "/v2/orders:by_client_order_id?client_order_id=tg-0123abcd");
  n = write_coid_query_target("a b&c/é", b);
  EXPECT_EQ(std::string_view(b.data(), n), "/v2/orders:by_client_order_id?client_order_id=a%20b%26c%2F%C3%A9");
  std::array<char, 50> small{};
  EXPECT_EQ(write_coid_query_target("tg-0123abcd", small), 0u);

  n = write_cancel_target("61e69015-8549-4bfd-b9c3-01e75843f47d", b);
  EXPECT_EQ(std::string_view(b.data(), n), "/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d");
  EXPECT_EQ(write_cancel_target("", b), 0u);
  EXPECT_EQ(write_cancel_target("a/../b", b), 0u);
  EXPECT_EQ(write_cancel_target("a b", b), 0u);
  EXPECT_EQ(write_cancel_target("x\r\nHost: evil", b), 0u);
  std::array<char, 12> tiny{};
  EXPECT_EQ(write_cancel_target("abc", tiny), 0u);
}

TEST(rest_policy, names) {
  for (const K k : {K::submit, K::coid_query, K::cancel, K::get}) EXPECT_NE(to_string(k), "unknown");
  for (const A a : {A::deliver, A::accept_found, A::retry, A::query_coid, A::resend, A::give_up})
    EXPECT_NE(to_string(a), "unknown");
}

}  // namespace
}  // namespace torghut::adapters
