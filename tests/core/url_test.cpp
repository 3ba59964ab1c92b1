// URLs: one parser and one loopback rule for config validation and every adapter.
#include "torghut/core/url.hpp"

#include <gtest/gtest.h>

namespace torghut {
namespace {

TEST(url, loopback_means_this_machine_only) {
  for (const char* h : {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1"}) EXPECT_TRUE(is_loopback_host(h)) << h;
  // The rule config validation used to apply ("starts with 127.") let these through.
  for (const char* h : {"127.example.com", "127.0.0.1.evil.io", "127.0.0", "128.0.0.1", "0.0.0.0", "", "localhost.evil.io"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(url, the_host_of_any_url) {
  EXPECT_EQ(url_host("wss://stream.data.alpaca.markets/v2/iex"), "stream.data.alpaca.markets");
  EXPECT_EQ(url_host("http://user:pw@127.0.0.1:8766/x"), "127.0.0.1");
  EXPECT_EQ(url_host("ws://[::1]:9000/v2/test"), "::1");
  EXPECT_EQ(url_host("no scheme"), "");
}

TEST(url, host_header_brackets_ipv6_and_omits_the_default_port) {
  EXPECT_EQ(host_header("example.com", "443", true), "example.com");
  EXPECT_EQ(host_header("example.com", "443", false), "example.com:443");
  EXPECT_EQ(host_header("::1", "80", false), "[::1]");
  EXPECT_EQ(host_header("::1", "9000", true), "[::1]:9000");
  std::string err;
  const auto u = parse_ws_url("ws://[::1]:9000/v2/test", err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host_header(), "[::1]:9000");
}

}  // namespace
}  // namespace torghut
