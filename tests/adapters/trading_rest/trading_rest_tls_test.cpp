// https:// against the scripted server with a self-signed certificate: the verifying client
// never gets a connection up without the certificate's CA (no HTTP request ever reaches the
// server); given it as ca_file, orders go through. The host name is checked too.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "torghut/test/self_signed_cert.hpp"
#include "torghut/test/scripted_server.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::http_reply;
using testing::http_request;

class trading_rest_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto made = test::make_self_signed_cert("torghut-rest-tls-");
    if (!made) GTEST_SKIP() << "the openssl command line tool is not available";
    dir_ = made->dir;
    cert_ = made->cert;
    key_ = made->key;
    server_ = std::make_unique<testing::scripted_server>(
        [](const http_request& r) {
          if (r.method == "POST") return http_reply::json(200, testing::order_json("tg-tls"));
          return http_reply::json(404, "{}");
        },
        cert_, key_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  [[nodiscard]] trading_rest_config config(std::string_view host = "localhost") const {
    auto cfg = testing::config_for(*server_);
    cfg.base_url = server_->url(host);
    return cfg;
  }

  std::string dir_, cert_, key_;
  std::unique_ptr<testing::scripted_server> server_;
  boost::asio::io_context io_;
  testing::recording_sink sink_;
};

TEST_F(trading_rest_tls, a_self_signed_certificate_is_refused_without_its_ca) {
  auto cfg = config();
  ASSERT_EQ(cfg.base_url.rfind("https://localhost:", 0), 0u) << cfg.base_url;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(c.submit(testing::limit_buy("tg-tls"), "AAPL"));  // waits: no connection comes up
  ASSERT_TRUE(testing::poll_until(io_, [&] { return c.stats().tls_failures >= 2; }));
  EXPECT_FALSE(c.ready());
  EXPECT_NE(c.last_error().find("failed verification"), std::string::npos) << c.last_error();
  EXPECT_NE(c.last_error().find("ca_file"), std::string::npos) << c.last_error();
  EXPECT_TRUE(server_->requests().empty());
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_EQ(c.stats().queued, 1u);
  c.stop();
  testing::poll_for(io_, 10ms);
  ASSERT_EQ(sink_.events.size(), 1u);
  EXPECT_EQ(sink_.events[0].status, 0u);
}

TEST_F(trading_rest_tls, accepted_with_the_ca_file) {
  auto cfg = config();
  cfg.ca_file = cert_;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(testing::poll_until(io_, [&] { return c.ready(); })) << c.last_error();
  ASSERT_TRUE(c.submit(testing::limit_buy("tg-tls"), "AAPL"));
  ASSERT_TRUE(testing::poll_until(io_, [&] { return sink_.events.size() == 1; }));
  EXPECT_EQ(sink_.events[0].what, testing::rest_event::kind::accepted);
  EXPECT_EQ(sink_.events[0].order.coid.view(), "tg-tls");
  const auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].header("Host"), "localhost:" + std::to_string(server_->port()));
  EXPECT_EQ(c.stats().tls_failures, 0u);
  c.stop();
  testing::poll_for(io_, 10ms);
}

TEST_F(trading_rest_tls, the_host_name_is_checked) {
  // Trusted certificate, but it names only localhost: dialled as 127.0.0.1 it must be refused.
  auto cfg = config("127.0.0.1");
  cfg.ca_file = cert_;
  trading_rest_client c(io_, cfg, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(testing::poll_until(io_, [&] { return c.stats().tls_failures >= 1; }));
  EXPECT_FALSE(c.ready());
  EXPECT_TRUE(server_->requests().empty());
  c.stop();
  testing::poll_for(io_, 10ms);
}

}  // namespace
}  // namespace torghut::adapters
