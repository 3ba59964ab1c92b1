// wss:// against the simulator with a self-signed certificate: the default (verifying) client
// refuses it and stops with a clear error; given the certificate as its CA file it connects.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "torghut/test/self_signed_cert.hpp"
#include "md_client_test_util.hpp"

namespace torghut::adapters {
namespace {

using namespace std::chrono_literals;
using testing::collecting_sink;
using testing::config_for;
using testing::run_for;
using testing::run_until;
using testing::stop_and_drain;

class md_client_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto made = test::make_self_signed_cert("torghut-mdc-tls-");
    if (!made) GTEST_SKIP() << "the openssl command line tool is not available";
    dir_ = made->dir;
    cert_ = made->cert;
    key_ = made->key;
    md_server_options opt;
    opt.tls_cert_file = cert_;
    opt.tls_key_file = key_;
    server_ = std::make_unique<md_server>(opt);
    std::string err;
    ASSERT_TRUE(server_->start(err)) << err;
    ASSERT_TRUE(server_->tls());
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::filesystem::remove_all(dir_);
  }

  /// The server's URL with the host the certificate names.
  [[nodiscard]] md_client_config localhost_config() const {
    auto cfg = config_for(*server_);
    const auto pos = cfg.url.find("127.0.0.1");
    if (pos != std::string::npos) cfg.url.replace(pos, 9, "localhost");
    return cfg;
  }

  std::string dir_, cert_, key_;
  std::unique_ptr<md_server> server_;
  boost::asio::io_context io_;
  symbol_table symbols_{64};
  collecting_sink sink_;
};

TEST_F(md_client_tls, default_client_refuses_a_self_signed_certificate) {
  auto cfg = localhost_config();
  ASSERT_EQ(cfg.url.rfind("wss://", 0), 0u) << cfg.url;
  md_client c(io_, cfg, symbols_, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == md_client_state::failed; })) << to_string(c.state());
  EXPECT_NE(c.failure().find("failed verification"), std::string::npos) << c.failure();
  EXPECT_NE(c.failure().find("ca_file"), std::string::npos) << c.failure();
  EXPECT_EQ(c.stats().tls_failures, 1u);
  EXPECT_EQ(c.stats().upgrades, 0u);
  run_for(io_, 50ms);
  EXPECT_EQ(c.stats().dials, 1u);  // no retry loop against a certificate problem
  EXPECT_EQ(server_->stats().auth_ok, 0u);
}

TEST_F(md_client_tls, connects_when_given_the_ca_file) {
  auto cfg = localhost_config();
  cfg.ca_file = cert_;
  cfg.subscriptions[subscription_channel::trades] = {"AAPL"};
  md_client c(io_, cfg, symbols_, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == md_client_state::live; }))
      << to_string(c.state()) << " " << c.failure();
  EXPECT_EQ(server_->stats().auth_ok, 1u);
  EXPECT_EQ(c.subscriptions()[subscription_channel::trades], (std::vector<std::string>{"AAPL"}));
  stop_and_drain(c, io_);
}

TEST_F(md_client_tls, host_name_is_checked) {
  // The certificate names only localhost; dial the same server as 127.0.0.1: a trusted
  // certificate for another name must still be refused.
  auto cfg = config_for(*server_);
  cfg.ca_file = cert_;
  md_client c(io_, cfg, symbols_, sink_);
  std::string err;
  ASSERT_TRUE(c.start(err)) << err;
  ASSERT_TRUE(run_until(io_, [&] { return c.state() == md_client_state::failed || c.state() == md_client_state::backing_off; }));
  EXPECT_EQ(c.state(), md_client_state::failed) << c.failure();
  EXPECT_EQ(server_->stats().auth_ok, 0u);
}

}  // namespace
}  // namespace torghut::adapters
