// msgpack_decoder on hand-built bytes (independent of the library's own encoder): every wire
// form Alpaca's SDKs may produce, every error kind, truncation and hostile nesting.

#include "torghut/adapters/msgpack_decoder.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "torghut/test/decoder_test_util.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters {
namespace {

using testing::msgpack_collector;

/// A tiny msgpack writer for tests: every form chosen explicitly.
struct mb {
  std::string b;
  mb& u8(uint32_t v) {
    b.push_back(static_cast<char>(v & 0xff));
    return *this;
  }
  mb& be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) u8(static_cast<uint32_t>(v >> (8 * i)));
    return *this;
  }
  mb& raw(std::string_view s) {
    b.append(s);
    return *this;
  }
  mb& arr(uint32_t n) { return n <= 15 ? u8(0x90 | n) : u8(0xdc).be(n, 2); }
  mb& map(uint32_t n) { return n <= 15 ? u8(0x80 | n) : u8(0xde).be(n, 2); }
  mb& str(std::string_view s) { return u8(0xa0 | static_cast<uint32_t>(s.size())).raw(s); }
  mb& str8(std::string_view s) { return u8(0xd9).be(s.size(), 1).raw(s); }
  mb& str16(std::string_view s) { return u8(0xda).be(s.size(), 2).raw(s); }
  mb& str32(std::string_view s) { return u8(0xdb).be(s.size(), 4).raw(s); }
  mb& f64(double d) { return u8(0xcb).be(std::bit_cast<uint64_t>(d), 8); }
  mb& f32(float f) { return u8(0xca).be(std::bit_cast<uint32_t>(f), 4); }
  mb& fixint(uint32_t v) { return u8(v); }
  mb& ts32(uint32_t s) { return u8(0xd6).u8(0xff).be(s, 4); }
  mb& ts64(uint64_t s, uint32_t ns) { return u8(0xd7).u8(0xff).be(uint64_t{ns} << 34 | s, 8); }
  mb& ts96(int64_t s, uint32_t ns) {
    return u8(0xc7).u8(12).u8(0xff).be(ns, 4).be(static_cast<uint64_t>(s), 8);
  }
  mb& kv(std::string_view k) { return str(k); }
};

constexpr int64_t t_154444 = 1614009104;  // 2021-02-22T15:51:44Z in seconds (checked below)

/// A trade map: T S i p s t (+ extra keys written by `more`).
template <class F>
mb& trade(mb& m, uint32_t extra, F&& more) {
  m.map(6 + extra).kv("T").str("t").kv("S").str("AAPL").kv("i").fixint(7).kv("p").f64(126.55);
  m.kv("s").fixint(1).kv("t").ts64(t_154444, 208'000'000);
  more(m);
  return m;
}
mb& trade(mb& m) {
  return trade(m, 0, [](mb&) {});
}

TEST(msgpack_decoder, epoch_constant_is_right) {
  EXPECT_EQ(parse_rfc3339("2021-02-22T15:51:44Z")->ns, t_154444 * ns_per_second);
}

TEST(msgpack_decoder, trade_decodes_every_field) {
  mb m;
  m.arr(1).map(9).kv("T").str("t").kv("S").str("AAPL").kv("i").u8(0xcf).be(52983525029461, 8);
  m.kv("x").str("K").kv("p").f64(126.55).kv("s").fixint(1);
  m.kv("c").arr(2).str("@").str("I").kv("t").ts64(t_154444, 208'000'000).kv("z").str("C");
  msgpack_collector c;
  const auto r = c(m.b, timestamp{99});
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(c.events.size(), 1u);
  const auto& e = c.events[0];
  EXPECT_EQ(e.kind, market_event_kind::trade);
  EXPECT_EQ(c.name(e.symbol), "AAPL");
  EXPECT_EQ(e.recv_time.ns, 99);
  EXPECT_EQ(e.event_time.ns, t_154444 * ns_per_second + 208'000'000);
  EXPECT_EQ(e.u.trade.id.value, 52983525029461);
  EXPECT_EQ(e.u.trade.px.raw, 126'550'000'000);
  EXPECT_EQ(e.u.trade.size.raw, 1'000'000'000);
  EXPECT_EQ(e.u.trade.n_conditions, 2);
  EXPECT_EQ(e.u.trade.conditions[0], '@');
  EXPECT_EQ(e.u.trade.conditions[1], 'I');
  EXPECT_EQ(e.u.trade.exchange, 'K');
  EXPECT_EQ(e.u.trade.tape, 'C');
  EXPECT_EQ(c.decoder.stats().events, 1u);
  EXPECT_EQ(c.decoder.stats().messages, 1u);
}

TEST(msgpack_decoder, type_key_anywhere_in_the_map) {
  mb m;
  m.arr(1).map(6).kv("S").str("X").kv("i").fixint(1).kv("p").fixint(2).kv("s").fixint(3);
  m.kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("T").str("t");
  msgpack_collector c;
  EXPECT_TRUE(c(m.b).ok());
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].u.trade.px.raw, 2'000'000'000);
  EXPECT_EQ(c.events[0].event_time.ns, t_154444 * ns_per_second);
}

TEST(msgpack_decoder, timestamps_in_all_three_forms_keep_nanoseconds) {
  mb m;
  m.arr(4);
  const auto with_t = [&](auto write_t) {
    m.map(6).kv("T").str("t").kv("S").str("X").kv("i").fixint(1).kv("p").fixint(1).kv("s").fixint(1).kv("t");
    write_t();
  };
  with_t([&] { m.ts32(static_cast<uint32_t>(t_154444)); });
  with_t([&] { m.ts64(t_154444, 335'689'322); });
  with_t([&] { m.ts96(t_154444, 999'999'999); });
  with_t([&] { m.str("2021-02-22T15:51:44.000000001Z"); });  // RFC 3339 text tolerated
  msgpack_collector c;
  EXPECT_TRUE(c(m.b).ok());
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(c.events[0].event_time.ns, t_154444 * ns_per_second);
  EXPECT_EQ(c.events[1].event_time.ns, t_154444 * ns_per_second + 335'689'322);
  EXPECT_EQ(c.events[2].event_time.ns, t_154444 * ns_per_second + 999'999'999);
  EXPECT_EQ(c.events[3].event_time.ns, t_154444 * ns_per_second + 1);
}

TEST(msgpack_decoder, every_string_width_and_number_form) {
  const std::string long_sym = "BRK.B";
  mb m;
  m.arr(8);
  const auto one = [&](auto sym, auto size) {
    m.map(6).kv("T").str("t").kv("S");
    sym();
    m.kv("i").fixint(1).kv("p").fixint(3).kv("s");
    size();
    m.kv("t").ts32(static_cast<uint32_t>(t_154444));
  };
  one([&] { m.str8(long_sym); }, [&] { m.u8(0xcc).u8(200); });
  one([&] { m.str16(long_sym); }, [&] { m.u8(0xcd).be(60000, 2); });
  one([&] { m.str32(long_sym); }, [&] { m.u8(0xce).be(4'000'000'000u, 4); });
  one([&] { m.str("A"); }, [&] { m.u8(0xd0).u8(100); });                 // int8
  one([&] { m.str("A"); }, [&] { m.u8(0xd1).be(30000, 2); });            // int16
  one([&] { m.str("A"); }, [&] { m.u8(0xd2).be(70000, 4); });            // int32
  one([&] { m.str("A"); }, [&] { m.u8(0xd3).be(5'000'000'000, 8); });  // int64
  one([&] { m.str("A"); }, [&] { m.f32(0.5f); });
  msgpack_collector c;
  EXPECT_TRUE(c(m.b).ok()) << to_string(c.decoder.first_error().kind);
  ASSERT_EQ(c.events.size(), 8u);
  EXPECT_EQ(c.name(c.events[0].symbol), "BRK.B");
  EXPECT_EQ(c.events[0].symbol, c.events[1].symbol);
  EXPECT_EQ(c.events[0].symbol, c.events[2].symbol);
  const int64_t sizes[] = {200, 60000, 4'000'000'000, 100, 30000, 70000, 5'000'000'000};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(c.events[i].u.trade.size.raw, sizes[i] * 1'000'000'000) << i;
  EXPECT_EQ(c.events[7].u.trade.size.raw, 500'000'000);
}

TEST(msgpack_decoder, float_prices_become_exact_fixed_point) {
  const double prices[] = {126.55, 0.0001, 87.66, 388.985, 389.062639, 0.123456789, 3999999.999999999};
  const int64_t want[] = {126'550'000'000, 100'000, 87'660'000'000, 388'985'000'000,
                          389'062'639'000, 123'456'789, 3'999'999'999'999'999};
  mb m;
  m.arr(std::size(prices));
  for (const double p : prices) {
    m.map(6).kv("T").str("t").kv("S").str("X").kv("i").fixint(1).kv("p").f64(p).kv("s").f64(p);
    m.kv("t").ts32(static_cast<uint32_t>(t_154444));
  }
  msgpack_collector c;
  EXPECT_TRUE(c(m.b).ok());
  ASSERT_EQ(c.events.size(), std::size(prices));
  for (size_t i = 0; i < std::size(prices); ++i) {
    EXPECT_EQ(c.events[i].u.trade.px.raw, want[i]) << prices[i];
    EXPECT_EQ(c.events[i].u.trade.size.raw, want[i]) << prices[i];
  }
}

TEST(msgpack_decoder, unknown_keys_of_any_type_are_skipped) {
  mb m;
  m.arr(1);
  trade(m, 9, [](mb& x) {
    x.kv("zz").map(2).kv("a").arr(3).fixint(1).map(1).kv("b").arr(0).str("x").kv("c").u8(0xc0);
    x.kv("bin").u8(0xc4).u8(3).raw("abc");
    x.kv("ext").u8(0xd8).u8(5).raw("0123456789abcdef");  // fixext 16
    x.kv("ext8").u8(0xc7).u8(2).u8(9).raw("xy");
    x.kv("bool").u8(0xc3);
    x.kv("long_key_name").f64(1.0);
    x.kv("neg").u8(0xe5);
    x.kv("big").u8(0xdc).be(2, 2).str16("hello").u8(0xcf).be(1, 8);
    x.u8(0x05).str("non-string key");  // integer key
  });
  msgpack_collector c;
  const auto r = c(m.b);
  EXPECT_TRUE(r.ok()) << to_string(c.decoder.first_error().kind);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].u.trade.id.value, 7);
}

TEST(msgpack_decoder, every_data_type_decodes) {
  mb m;
  m.arr(7);
  m.map(9).kv("T").str("q").kv("S").str("AMD").kv("bx").str("U").kv("bp").f64(87.66).kv("bs").fixint(1);
  m.kv("ax").str("Q").kv("ap").f64(87.68).kv("as").fixint(4).kv("t").ts64(t_154444, 1);
  m.map(10).kv("T").str("d").kv("S").str("SPY").kv("o").f64(1.5).kv("h").f64(2).kv("l").f64(1).kv("c").f64(1.75);
  m.kv("v").fixint(100).kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("n").fixint(9).kv("vw").f64(1.6);
  m.map(8).kv("T").str("s").kv("S").str("AAPL").kv("sc").str("H").kv("sm").str("Trading Halt");
  m.kv("rc").str("T12").kv("rm").str("x").kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("z").str("C");
  m.map(13).kv("T").str("c").kv("S").str("EEM").kv("x").str("N").kv("oi").fixint(16).kv("op").f64(39.25);
  m.kv("os").fixint(100).kv("oc").arr(2).str(" ").str("F").kv("ci").fixint(22).kv("cp").f64(39.26).kv("cs").fixint(15);
  m.kv("cc").arr(0).kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("z").str("A");
  m.map(9).kv("T").str("x").kv("S").str("AAPL").kv("i").fixint(5).kv("x").str("D").kv("p").fixint(1);
  m.kv("s").fixint(2).kv("a").str("C").kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("z").str("C");
  m.map(7).kv("T").str("l").kv("S").str("IONM").kv("u").f64(5.3).kv("d").f64(4.44).kv("i").str("B");
  m.kv("t").ts32(static_cast<uint32_t>(t_154444)).kv("z").str("C");
  m.map(5).kv("T").str("i").kv("S").str("SPY").kv("p").f64(412.19).kv("z").str("P");
  m.kv("t").ts32(static_cast<uint32_t>(t_154444));
  msgpack_collector c;
  EXPECT_TRUE(c(m.b).ok()) << to_string(c.decoder.first_error().kind);
  ASSERT_EQ(c.events.size(), 7u);
  EXPECT_EQ(c.events[0].kind, market_event_kind::quote);
  EXPECT_EQ(c.events[0].u.quote.ask_px.raw, 87'680'000'000);
  EXPECT_EQ(c.events[0].u.quote.ask_size.raw, 4'000'000'000);
  EXPECT_EQ(c.events[0].u.quote.bid_exchange, 'U');
  EXPECT_EQ(c.events[1].kind, market_event_kind::daily_bar);
  EXPECT_EQ(c.events[1].u.bar.close.raw, 1'750'000'000);
  EXPECT_EQ(c.events[1].u.bar.trade_count, 9u);
  EXPECT_EQ(c.events[1].u.bar.vwap.raw, 1'600'000'000);
  EXPECT_EQ(c.events[2].kind, market_event_kind::status);
  EXPECT_EQ(c.events[2].u.status.status_code.view(), "H");
  EXPECT_EQ(c.events[2].u.status.reason_code.view(), "T12");
  EXPECT_EQ(c.events[3].kind, market_event_kind::correction);
  EXPECT_EQ(c.events[3].u.correction.corrected_px.raw, 39'260'000'000);
  EXPECT_EQ(c.events[3].u.correction.corrected_id.value, 22);
  EXPECT_EQ(c.events[4].kind, market_event_kind::cancel_error);
  EXPECT_EQ(c.events[4].u.cancel_error.action, 'C');
  EXPECT_EQ(c.events[5].kind, market_event_kind::luld);
  EXPECT_EQ(c.events[5].u.luld.limit_down.raw, 4'440'000'000);
  EXPECT_EQ(c.events[5].u.luld.indicator, 'B');
  EXPECT_EQ(c.events[6].kind, market_event_kind::imbalance);
  EXPECT_EQ(c.events[6].u.imbalance.tape, 'P');
}

TEST(msgpack_decoder, control_messages) {
  msgpack_collector c;
  mb a;
  a.arr(1).map(2).kv("T").str("success").kv("msg").str("authenticated");
  mb b;
  b.arr(1).map(3).kv("T").str("error").kv("code").u8(0xcd).be(406, 2).kv("msg").str("connection limit exceeded");
  mb s;
  s.arr(1).map(4).kv("T").str("subscription").kv("trades").arr(2).str("AAPL").str8("MSFT");
  s.kv("quotes").arr(0).kv("lulds").arr(1).str("*");
  EXPECT_TRUE(c(a.b).ok());
  EXPECT_TRUE(c(b.b).ok());
  EXPECT_TRUE(c(s.b).ok());
  ASSERT_EQ(c.controls.size(), 3u);
  EXPECT_EQ(c.controls[0].type, control_type::success);
  EXPECT_EQ(c.controls[0].msg, "authenticated");
  EXPECT_EQ(c.controls[1].code, 406);
  EXPECT_EQ(c.controls[1].msg, "connection limit exceeded");
  using v = std::vector<std::string>;
  EXPECT_EQ(c.controls[2].channels[0], (v{"AAPL", "MSFT"}));
  EXPECT_EQ(c.controls[2].channels[static_cast<size_t>(subscription_channel::lulds)], (v{"*"}));
  EXPECT_TRUE(c.controls[2].channels[static_cast<size_t>(subscription_channel::bars)].empty());
  EXPECT_EQ(c.decoder.stats().controls, 3u);
}

TEST(msgpack_decoder, subscription_longer_than_the_pool_is_truncated_and_flagged) {
  msgpack_collector c(1 << 16, 2);
  mb s;
  s.arr(1).map(2).kv("T").str("subscription").kv("trades").arr(3).str("A").str("B").str("C");
  EXPECT_TRUE(c(s.b).ok());
  ASSERT_EQ(c.controls.size(), 1u);
  EXPECT_TRUE(c.controls[0].truncated);
  EXPECT_EQ(c.controls[0].channels[0].size(), 2u);
}

TEST(msgpack_decoder, quotes_are_delivered_whatever_the_sign_of_their_prices) {
  auto quote = [](mb& m, double bp, uint32_t bs) {
    m.map(7).kv("T").str("q").kv("S").str("X").kv("bp").f64(bp).kv("bs").fixint(bs);
    m.kv("ap").f64(2).kv("as").fixint(1).kv("t").ts32(static_cast<uint32_t>(t_154444));
  };
  mb m;
  m.arr(3);
  quote(m, 0, 0);
  quote(m, 0, 5);
  quote(m, -1, 0);
  msgpack_collector c;
  const auto r = c(m.b);
  // One-sided, zero with a size, negative: market_data judges them, the decoder delivers.
  EXPECT_EQ(r.events, 3u);
  EXPECT_EQ(r.skipped, 0u);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_TRUE(c.events[0].u.quote.bid_px.is_zero());
  EXPECT_EQ(c.events[1].u.quote.bid_size.raw, 5'000'000'000);
  EXPECT_EQ(c.events[2].u.quote.bid_px.raw, -1'000'000'000);
  EXPECT_EQ(c.decoder.stats().total_errors(), 0u);
}

TEST(msgpack_decoder, keeps_the_first_error_of_each_kind_with_its_message_type) {
  mb m;
  m.arr(2);
  m.map(1).kv("T").str("zz");
  m.map(2).kv("T").str("t").kv("S").fixint(1);  // S not a string
  msgpack_collector c;
  (void)c(m.b);
  const auto& ut = c.decoder.first_error(decode_error::unknown_type);
  ASSERT_TRUE(ut.has_error());
  EXPECT_EQ(ut.message_type(), "zz");
  EXPECT_EQ(ut.message_index, 0u);
  const auto& bf = c.decoder.first_error(decode_error::bad_field);
  ASSERT_TRUE(bf.has_error());
  EXPECT_EQ(bf.message_type(), "t");
  EXPECT_EQ(bf.message_index, 1u);
  EXPECT_FALSE(c.decoder.first_error(decode_error::missing_type).has_error());
}

TEST(msgpack_decoder, each_bad_message_kind_is_counted_and_skipped_alone) {
  struct bad {
    const char* name;
    std::function<void(mb&)> write;
    decode_error want;
  };
  const uint32_t t32 = static_cast<uint32_t>(t_154444);
  // base trade with one field replaced
  auto tr = [t32](mb& m, const char* k, const std::function<void(mb&)>& val) {
    const char* keys[] = {"S", "i", "p", "s", "t"};
    m.map(6).kv("T").str("t");
    for (const char* key : keys) {
      m.kv(key);
      if (std::string_view(key) == k) {
        val(m);
        continue;
      }
      switch (key[0]) {
        case 'S': m.str("X"); break;
        case 't': m.ts32(t32); break;
        default: m.fixint(1);
      }
    }
  };
  const std::vector<bad> cases = {
      {"not a map", [](mb& m) { m.arr(1).fixint(1); }, decode_error::not_object},
      {"int", [](mb& m) { m.fixint(5); }, decode_error::not_object},
      {"no T", [](mb& m) { m.map(1).kv("S").str("X"); }, decode_error::missing_type},
      {"T not str", [](mb& m) { m.map(2).kv("T").fixint(1).kv("S").str("X"); }, decode_error::missing_type},
      {"unknown T", [](mb& m) { m.map(1).kv("T").str("zz"); }, decode_error::unknown_type},
      {"unknown T char", [](mb& m) { m.map(2).kv("T").str("k").kv("S").str("X"); }, decode_error::unknown_type},
      {"missing p", [t32](mb& m) { m.map(5).kv("T").str("t").kv("S").str("X").kv("i").fixint(1).kv("s").fixint(1).kv("t").ts32(t32); }, decode_error::missing_field},
      {"S int", [&](mb& m) { tr(m, "S", [](mb& x) { x.fixint(1); }); }, decode_error::bad_field},
      {"p str", [&](mb& m) { tr(m, "p", [](mb& x) { x.str("1.5"); }); }, decode_error::bad_field},
      {"p nil", [&](mb& m) { tr(m, "p", [](mb& x) { x.u8(0xc0); }); }, decode_error::bad_field},
      {"i float", [&](mb& m) { tr(m, "i", [](mb& x) { x.f64(1.5); }); }, decode_error::bad_number},
      {"i > int64", [&](mb& m) { tr(m, "i", [](mb& x) { x.u8(0xcf).be(~uint64_t{0}, 8); }); }, decode_error::bad_number},
      {"p NaN", [&](mb& m) { tr(m, "p", [](mb& x) { x.f64(std::numeric_limits<double>::quiet_NaN()); }); }, decode_error::bad_number},
      {"p inf", [&](mb& m) { tr(m, "p", [](mb& x) { x.f64(std::numeric_limits<double>::infinity()); }); }, decode_error::bad_number},
      {"p 1e30", [&](mb& m) { tr(m, "p", [](mb& x) { x.f64(1e30); }); }, decode_error::bad_number},
      {"p huge uint", [&](mb& m) { tr(m, "p", [](mb& x) { x.u8(0xcf).be(uint64_t{1} << 62, 8); }); }, decode_error::bad_number},
      {"t nsec", [&](mb& m) { tr(m, "t", [](mb& x) { x.ts96(t_154444, 1'000'000'000); }); }, decode_error::bad_timestamp},
      {"t negative", [&](mb& m) { tr(m, "t", [](mb& x) { x.ts96(-5, 0); }); }, decode_error::bad_timestamp},
      {"t year 2262", [&](mb& m) { tr(m, "t", [](mb& x) { x.ts64(9'300'000'000, 0); }); }, decode_error::bad_timestamp},
      {"t bad text", [&](mb& m) { tr(m, "t", [](mb& x) { x.str("2021-02-30T15:51:44Z"); }); }, decode_error::bad_timestamp},
      {"t int", [&](mb& m) { tr(m, "t", [](mb& x) { x.fixint(5); }); }, decode_error::bad_field},
      {"t other ext", [&](mb& m) { tr(m, "t", [](mb& x) { x.u8(0xd6).u8(0x01).be(0, 4); }); }, decode_error::bad_field},
      {"S empty", [&](mb& m) { tr(m, "S", [](mb& x) { x.str(""); }); }, decode_error::bad_symbol},
      {"S too long", [&](mb& m) { tr(m, "S", [](mb& x) { x.str("ABCDEFGHIJKLMNOPQ"); }); }, decode_error::bad_symbol},
      {"c not array", [&](mb& m) {
         m.map(7).kv("T").str("t").kv("S").str("X").kv("i").fixint(1).kv("p").fixint(1).kv("s").fixint(1);
         m.kv("t").ts32(t_154444).kv("c").str("@");
       }, decode_error::bad_field},
  };
  for (const auto& b : cases) {
    SCOPED_TRACE(b.name);
    mb m;
    m.arr(3);
    trade(m);
    b.write(m);
    trade(m);
    msgpack_collector c;
    const auto r = c(m.b);
    EXPECT_EQ(r.frame_error, decode_error::none);
    EXPECT_EQ(r.events, 2u);
    EXPECT_EQ(r.skipped, 1u);
    EXPECT_EQ(c.errors(b.want), 1u) << "first error: " << to_string(c.decoder.first_error().kind);
    EXPECT_EQ(c.decoder.first_error().kind, b.want);
    EXPECT_EQ(c.decoder.first_error().message_index, 1u);
  }
}

TEST(msgpack_decoder, frame_level_errors) {
  msgpack_collector c(64);
  EXPECT_EQ(c("").frame_error, decode_error::malformed_json);
  EXPECT_EQ(c(std::string(1, '\x81')).frame_error, decode_error::not_array);  // a map
  EXPECT_EQ(c(std::string("\xa1x", 2)).frame_error, decode_error::not_array);
  EXPECT_EQ(c(std::string("\xdc\x00", 2)).frame_error, decode_error::malformed_json);
  EXPECT_EQ(c(std::string("\x90\x90", 2)).frame_error, decode_error::malformed_json);  // trailing
  EXPECT_EQ(c(std::string("\x92\x80", 2)).frame_error, decode_error::malformed_json);  // short
  EXPECT_EQ(c(std::string(65, '\x90')).frame_error, decode_error::frame_too_large);
  EXPECT_EQ(c(std::string("\x90", 1)).frame_error, decode_error::none);
  EXPECT_EQ(c.decoder.stats().frames, 8u);
  EXPECT_EQ(c.decoder.stats().frames_rejected, 7u);
  EXPECT_EQ(c.errors(decode_error::not_array), 2u);
  EXPECT_EQ(c.errors(decode_error::frame_too_large), 1u);
}

TEST(msgpack_decoder, messages_before_truncation_are_delivered_and_every_prefix_is_safe) {
  mb m;
  m.arr(3);
  trade(m);
  trade(m, 1, [](mb& x) { x.kv("zz").map(1).kv("a").arr(2).str("deep").u8(0xc7).u8(1).u8(3).u8(0); });
  trade(m);
  {
    msgpack_collector c;
    EXPECT_TRUE(c(m.b).ok());
    EXPECT_EQ(c.events.size(), 3u);
  }
  for (size_t n = 0; n < m.b.size(); ++n) {
    SCOPED_TRACE(n);
    msgpack_collector c;
    const auto r = c(std::string_view(m.b).substr(0, n));
    EXPECT_EQ(r.frame_error, decode_error::malformed_json);
    EXPECT_LT(c.events.size(), 3u);
    EXPECT_EQ(c.decoder.stats().frames_rejected, 1u);
    EXPECT_LE(c.decoder.first_error().excerpt().size(), 120u);
  }
}

TEST(msgpack_decoder, hostile_counts_and_nesting_do_not_crash_or_recurse) {
  // An unknown key holding 100k nested arrays: skipped iteratively.
  mb m;
  m.arr(1);
  trade(m, 1, [](mb& x) {
    x.kv("deep");
    for (int i = 0; i < 100'000; ++i) x.arr(1);
    x.fixint(0);
  });
  msgpack_collector c(1 << 20);
  EXPECT_TRUE(c(m.b).ok());
  EXPECT_EQ(c.events.size(), 1u);
  // Lying lengths: a map32 claiming 2^32-1 entries, a str32 claiming 4 GB.
  EXPECT_EQ(c(std::string("\x91\xdf\xff\xff\xff\xff", 6)).frame_error, decode_error::malformed_json);
  EXPECT_EQ(c(std::string("\x91\x81\xa1T\xdb\xff\xff\xff\xff", 9)).frame_error, decode_error::malformed_json);
  EXPECT_EQ(c(std::string("\xdd\xff\xff\xff\xff\x80", 6)).frame_error, decode_error::malformed_json);
}

TEST(msgpack_decoder, first_error_is_kept_until_reset) {
  msgpack_collector c;
  mb m;
  m.arr(2).map(1).kv("T").str("zz").fixint(1);
  (void)c(m.b);
  EXPECT_EQ(c.decoder.first_error().kind, decode_error::unknown_type);
  EXPECT_EQ(c.decoder.first_error().frame_number, 1u);
  (void)c(std::string("\x81", 1));
  EXPECT_EQ(c.decoder.first_error().kind, decode_error::unknown_type);
  c.decoder.reset_first_error();
  (void)c(std::string("\x81", 1));
  EXPECT_EQ(c.decoder.first_error().kind, decode_error::not_array);
  EXPECT_EQ(c.decoder.first_error().frame_number, 3u);
  c.decoder.reset_stats();
  EXPECT_EQ(c.decoder.stats().frames, 0u);
  EXPECT_FALSE(c.decoder.first_error().has_error());
}

}  // namespace
}  // namespace torghut::adapters


namespace torghut::adapters {
namespace {
using testing::msgpack_collector;
TEST(msgpack_decoder, an_empty_frame_without_data_is_an_error_with_an_empty_excerpt) {
  msgpack_collector c;
  const auto r = c(std::string_view{});
  EXPECT_FALSE(r.ok());
  const auto& fe = c.decoder.first_error();
  EXPECT_TRUE(fe.has_error());
  EXPECT_TRUE(fe.excerpt().empty());
}
}  // namespace
}  // namespace torghut::adapters
