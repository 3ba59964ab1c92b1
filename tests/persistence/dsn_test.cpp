// DB_DSN redaction: no password, in any DSN form or spelling, survives scrub()/redact_dsn().
#include "torghut/persistence/dsn.hpp"

#include <gtest/gtest.h>

namespace p = torghut::persistence;

TEST(dsn, scrub_removes_a_malformed_percent_escape_as_libpq_quotes_it) {
  const std::string dsn = "postgresql://u:pa%zzss@127.0.0.1:1/db";
  EXPECT_EQ(p::scrub("invalid percent-encoded token: \"pa%zzss\"", dsn), "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(p::redact_dsn(dsn), "postgresql://u:***@127.0.0.1:1/db");
}

TEST(dsn, scrub_removes_the_decoded_spelling_of_a_uri_password) {
  const std::string dsn = "postgresql://u:p%41ss%40word@h/db";
  EXPECT_EQ(p::dsn_password(dsn), "pAss@word");
  const std::string s = p::scrub("raw p%41ss%40word decoded pAss@word", dsn);
  EXPECT_EQ(s.find("p%41ss"), std::string::npos) << s;
  EXPECT_EQ(s.find("pAss@word"), std::string::npos) << s;
}

TEST(dsn, scrub_removes_every_password_of_a_dsn) {
  // Both URI forms at once, and a key/value DSN that sets the password twice (libpq takes the last).
  const std::string uri = "postgresql://u:first1@h/db?sslmode=disable&password=second2";
  const std::string s = p::scrub(uri + " | first1 second2", uri);
  EXPECT_EQ(s.find("first1"), std::string::npos) << s;
  EXPECT_EQ(s.find("second2"), std::string::npos) << s;
  EXPECT_EQ(p::redact_dsn(uri), "postgresql://u:***@h/db?sslmode=disable&password=***");
  const std::string kv = "host=h password=aaa111 password=bbb222";
  const std::string k = p::scrub("aaa111 bbb222", kv);
  EXPECT_EQ(k, "*** ***");
  EXPECT_EQ(p::redact_dsn(kv), "host=h password=*** password=***");
}

TEST(dsn, scrub_removes_quoted_and_escaped_key_value_passwords) {
  const std::string dsn = "host=h password='it\\'s secret' dbname=d";
  EXPECT_EQ(p::dsn_password(dsn), "it's secret");
  const std::string s = p::scrub("as written 'it\\'s secret', as read it's secret", dsn);
  EXPECT_EQ(s.find("secret"), std::string::npos) << s;
  EXPECT_EQ(p::redact_dsn(dsn), "host=h password=*** dbname=d");
  const std::string tab = "host=h\tpassword\t=\ttabbed9 dbname=d";
  EXPECT_EQ(p::scrub("tabbed9", tab), "***");
}

TEST(dsn, scrub_leaves_text_alone_when_the_dsn_has_no_password) {
  EXPECT_EQ(p::scrub("connection refused", "postgresql://u@h/db"), "connection refused");
  EXPECT_EQ(p::scrub("connection refused", "host=h dbname=d"), "connection refused");
  EXPECT_EQ(p::scrub("connection refused", ""), "connection refused");
}
