// Property test: random payloads (UUIDs, decimals, timestamps, unicode, control characters,
// NUL, invalid UTF-8) serialised by the one JSON serializer and stored in a real jsonb column
// through the write-behind; every value reads back as what the serializer promises.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "torghut/test/pg_support.hpp"
#include "rows.hpp"
#include "torghut/core/audit_sink.hpp"
#include "torghut/persistence/write_behind.hpp"

using namespace torghut;
namespace p = torghut::persistence;

namespace {

void put_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// A random string and what jsonb must hand back for it.
std::pair<std::string, std::string> random_text(std::mt19937_64& rng) {
  std::string in, expect;
  const std::string fffd = "\xEF\xBF\xBD";
  const int pieces = static_cast<int>(rng() % 24);
  for (int i = 0; i < pieces; ++i) {
    switch (rng() % 8) {
      case 0: {  // printable ASCII, quotes and backslashes included
        const char c = static_cast<char>(0x20 + rng() % 95);
        in += c;
        expect += c;
        break;
      }
      case 1: {  // control characters (tab, newline, escape, ...)
        const char c = static_cast<char>(1 + rng() % 31);
        in += c;
        expect += c;
        break;
      }
      case 2:  // NUL: jsonb cannot hold \u0000
        in += '\0';
        expect += fffd;
        break;
      case 3:
      case 4: {  // any scalar value: BMP, astral, no surrogates
        uint32_t cp;
        do cp = static_cast<uint32_t>(0x80 + rng() % 0x10FF80); while (cp >= 0xD800 && cp <= 0xDFFF);
        put_utf8(in, cp);
        put_utf8(expect, cp);
        break;
      }
      case 5: {  // a lone invalid byte
        static const unsigned char bad[] = {0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFF};
        in += static_cast<char>(bad[rng() % sizeof bad]);
        expect += fffd;
        break;
      }
      case 6:
        in += "\\u0000\"}";
        expect += "\\u0000\"}";
        break;
      default:
        in += "\xF0\x9F\x93\x88";  // 📈
        expect += "\xF0\x9F\x93\x88";
    }
  }
  return {in, expect};
}

}  // namespace

TEST(jsonb_property, random_payloads_round_trip_through_real_jsonb_columns) {
  test::temp_db db;
  const std::string spool = test::scratch_dir("spool");
  symbol_table syms(4);
  audit_sink sink(16);
  p::run_identity id;
  id.run_id = p::derive_uuid("jsonb-property");
  p::write_behind_config cfg;
  cfg.dsn = db.dsn();
  cfg.spool_dir = spool;
  cfg.fsync = p::fsync_policy::none;
  p::write_behind wb(cfg, sink, syms, id);

  std::mt19937_64 rng(20240611);
  struct expected {
    std::string id, px, ts, text;
  };
  std::vector<expected> want;
  constexpr int n = 400;
  for (int i = 0; i < n; ++i) {
    const p::uuid u{rng(), rng()};
    const price px = price::from_raw(static_cast<int64_t>(rng() >> 1) * (rng() % 2 ? 1 : -1));
    const timestamp ts{static_cast<int64_t>(rng() % 4'102'444'800'000'000'000ull)};  // 1970..2100
    auto [text, text_expected] = random_text(rng);
    p::position_snapshot_row row;
    row.as_of = timestamp{test::t0_ns + i * 1'000'000};  // Postgres keeps microseconds
    row.positions_json.clear();
    p::json_object o(row.positions_json);
    o.id("id", u).dec("px", px).ts("ts", ts).str("s", text).str(text, "key").u64("n", rng()).boolean("b", i % 2 == 0);
    o.close();
    wb.post(row);
    expected e;
    char b[40];
    p::format_uuid(u, b);
    e.id.assign(b, 36);
    e.px.assign(b, format_decimal(px, b));
    std::string t;
    p::append_rfc3339(t, ts);
    e.ts = t;
    e.text = text_expected;
    want.push_back(e);
  }
  ASSERT_TRUE(wb.flush());
  EXPECT_EQ(wb.metrics().dead_letters, 0u);

  pqxx::connection c(db.dsn());
  pqxx::read_transaction tx(c);
  const auto rows = tx.exec(
      "SELECT positions->>'id', positions->>'px', positions->>'ts', positions->>'s', jsonb_typeof(positions->'n'), "
      "(positions->>'px')::numeric::text, (positions->>'id')::uuid::text FROM position_snapshots ORDER BY as_of");
  ASSERT_EQ(rows.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto& r = rows[static_cast<pqxx::result::size_type>(i)];
    const auto& e = want[static_cast<size_t>(i)];
    EXPECT_EQ(r[0].as<std::string>(), e.id) << i;
    EXPECT_EQ(r[1].as<std::string>(), e.px) << i;
    EXPECT_EQ(r[2].as<std::string>(), e.ts) << i;
    EXPECT_EQ(r[3].as<std::string>(), e.text) << i;
    EXPECT_EQ(r[4].as<std::string>(), "number") << i;
    EXPECT_EQ(r[6].as<std::string>(), e.id) << i;  // a real uuid
  }
  std::filesystem::remove_all(spool);
}

TEST(jsonb_property, json_string_escapes_controls_and_replaces_what_jsonb_cannot_hold) {
  std::string s;
  p::append_json_string(s, std::string_view("a\"b\\c\n\t\x01\0z\xff", 11));
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\t\\u0001\xEF\xBF\xBDz\xEF\xBF\xBD\"");
  char b[36];
  p::format_uuid(p::uuid{0x0123456789abcdefull, 0xfedcba9876543210ull}, b);
  EXPECT_EQ(std::string(b, 36), "01234567-89ab-cdef-fedc-ba9876543210");
  const auto u = p::derive_uuid("x");
  EXPECT_EQ((u.hi >> 12) & 0xF, 8u);  // version 8
  EXPECT_EQ(u.lo >> 62, 2u);          // RFC 9562 variant
  EXPECT_EQ(p::derive_uuid("x"), u);
}
