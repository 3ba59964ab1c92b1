// alpaca_wire: encoders in both formats, checked byte-for-byte against Alpaca's documented
// examples where they exist and by round trip through json_decoder / msgpack_decoder.

#include "torghut/adapters/alpaca_wire.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "torghut/test/decoder_test_util.hpp"
#include "event_samples.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using testing::collector;
using testing::msgpack_collector;
using testing::sample_events;

template <class Collector>
void decode_with(Collector& c, const std::string& frame) {
  const auto r = c(frame);
  EXPECT_TRUE(r.ok()) << to_string(c.decoder.first_error().kind);
}

std::string encode(wire_format f, const std::vector<std::pair<market_event, std::string>>& evs) {
  frame_encoder enc(f);
  std::string out;
  enc.begin(out);
  for (const auto& [e, s] : evs) EXPECT_TRUE(enc.add(out, e, s));
  enc.finish(out);
  EXPECT_EQ(enc.count(), evs.size());
  return out;
}

TEST(alpaca_wire, json_trade_is_alpacas_documented_frame) {
  auto evs = sample_events();
  evs.resize(1);
  EXPECT_EQ(encode(wire_format::json, evs),
            R"([{"T":"t","S":"AAPL","i":52983525029461,"x":"K","p":126.55,"s":1,"c":["@","I"],"t":"2021-02-22T15:51:44.208Z","z":"C"}])");
}

TEST(alpaca_wire, json_examples_of_every_type) {
  const auto evs = sample_events();
  std::vector<std::string> got;
  for (const auto& ev : evs) got.push_back(encode(wire_format::json, {ev}));
  EXPECT_EQ(got[1], R"([{"T":"t","S":"BTC/USD","i":1152921504606846979,"x":"","p":51234.567891234,"s":0.123456789,"c":[],"t":"2021-02-22T15:51:44.000000001Z","z":""}])");
  EXPECT_EQ(got[2], R"([{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":[],"z":"C"}])");
  EXPECT_EQ(got[4], R"([{"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639}])");
  EXPECT_EQ(got[5].substr(0, 12), R"([{"T":"d","S)");
  EXPECT_EQ(got[6].substr(0, 12), R"([{"T":"u","S)");
  EXPECT_EQ(got[7], R"([{"T":"b","S":"NOVW","o":1,"h":1,"l":1,"c":1,"v":0,"t":"2021-02-22T19:16:00Z","n":0}])");
  EXPECT_EQ(got[8], R"([{"T":"s","S":"AAPL","sc":"H","sm":"","rc":"T12","rm":"","t":"2021-02-22T19:15:00.5Z","z":"C"}])");
  EXPECT_EQ(got[9], R"([{"T":"c","S":"EEM","x":"N","oi":1716,"op":39.25,"os":100,"oc":[],"ci":1722,"cp":39.26,"cs":150,"cc":[],"t":"2021-02-22T15:51:44Z","z":"A"}])");
  EXPECT_EQ(got[10], R"([{"T":"x","S":"AAPL","i":5,"x":"D","p":1,"s":2,"a":"E","t":"2021-02-22T15:51:44.1Z","z":"C"}])");
  EXPECT_EQ(got[11], R"([{"T":"l","S":"IONM","u":5.3,"d":4.44,"i":"B","t":"2021-02-22T15:51:44Z","z":"C"}])");
  EXPECT_EQ(got[12], R"([{"T":"i","S":"SPY","p":412.19,"z":"P","t":"2021-02-22T19:15:00Z"}])");
}

TEST(alpaca_wire, round_trip_every_kind_json_and_msgpack) {
  const auto evs = sample_events();
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    SCOPED_TRACE(std::string(to_string(f)));
    const std::string frame = encode(f, evs);
    collector cj;
    msgpack_collector cm;
    std::vector<market_event>* got = nullptr;
    symbol_table* syms = nullptr;
    if (f == wire_format::json) {
      decode_with(cj, frame);
      got = &cj.events;
      syms = &cj.symbols;
    } else {
      decode_with(cm, frame);
      got = &cm.events;
      syms = &cm.symbols;
    }
    ASSERT_EQ(got->size(), evs.size());
    for (size_t i = 0; i < evs.size(); ++i) {
      SCOPED_TRACE(i);
      testing::expect_same_event(evs[i].first, (*got)[i]);
      EXPECT_EQ(syms->name((*got)[i].symbol), evs[i].second);
    }
  }
}

TEST(alpaca_wire, msgpack_and_json_decode_to_the_same_events) {
  const auto evs = sample_events();
  collector cj;
  msgpack_collector cm;
  decode_with(cj, encode(wire_format::json, evs));
  decode_with(cm, encode(wire_format::msgpack, evs));
  ASSERT_EQ(cj.events.size(), cm.events.size());
  for (size_t i = 0; i < cj.events.size(); ++i) testing::expect_same_event(cj.events[i], cm.events[i]);
}

TEST(alpaca_wire, msgpack_trade_bytes_have_T_first_and_compact_forms) {
  auto evs = sample_events();
  evs.resize(1);
  const std::string f = encode(wire_format::msgpack, evs);
  ASSERT_GE(f.size(), 6u);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x91);  // fixarray of 1
  EXPECT_EQ(static_cast<uint8_t>(f[1]), 0x89);  // fixmap of 9
  EXPECT_EQ(f.substr(2, 4), std::string("\xa1T\xa1t", 4));
  // price as float64 126.55
  const std::string p = std::string("\xa1p\xcb", 3);
  const auto at = f.find(p);
  ASSERT_NE(at, std::string::npos);
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = bits << 8 | static_cast<uint8_t>(f[at + 3 + static_cast<size_t>(i)]);
  EXPECT_EQ(std::bit_cast<double>(bits), 126.55);
  // 44.208 s: nanoseconds present, seconds < 2^34 → timestamp 64 (fixext 8, type -1)
  EXPECT_NE(f.find(std::string("\xa1t\xd7\xff", 4)), std::string::npos);
}

TEST(alpaca_wire, msgpack_timestamp_forms_chosen_by_value) {
  auto evs = sample_events();
  auto one = [&](timestamp t) {
    auto e = evs[0];
    e.first.event_time = t;
    return encode(wire_format::msgpack, {e});
  };
  const std::string whole = one(timestamp{1'614'000'000 * ns_per_second});
  EXPECT_NE(whole.find(std::string("\xa1t\xd6\xff", 4)), std::string::npos);  // 32-bit
  const std::string nanos = one(timestamp{1'614'000'000 * ns_per_second + 7});
  EXPECT_NE(nanos.find(std::string("\xa1t\xd7\xff", 4)), std::string::npos);  // 64-bit
  // int64 nanoseconds never reach 2^34 seconds, so only times before the epoch need the 96-bit
  // form; the decoder rejects them, as RFC 3339 parsing does.
  const std::string far = one(timestamp{-1});
  EXPECT_NE(far.find(std::string("\xa1t\xc7\x0c\xff", 5)), std::string::npos);  // 96-bit
  msgpack_collector c;
  (void)c(whole);
  (void)c(nanos);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].event_time.ns, 1'614'000'000 * ns_per_second);
  EXPECT_EQ(c.events[1].event_time.ns, 1'614'000'000 * ns_per_second + 7);
  (void)c(far);
  EXPECT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.errors(decode_error::bad_timestamp), 1u);
}

TEST(alpaca_wire, engine_internal_events_are_not_encoded) {
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    frame_encoder enc(f);
    std::string out;
    enc.begin(out);
    market_event e{};
    e.kind = market_event_kind::microbar;
    EXPECT_FALSE(enc.add(out, e, "X"));
    e.kind = market_event_kind::gap;
    EXPECT_FALSE(enc.add(out, e, "X"));
    enc.finish(out);
    EXPECT_EQ(enc.count(), 0u);
    EXPECT_EQ(out, f == wire_format::json ? std::string("[]") : std::string("\x90", 1));
  }
}

TEST(alpaca_wire, msgpack_array_header_sizes) {
  const auto evs = sample_events();
  for (const size_t n : {size_t{1}, size_t{15}, size_t{16}, size_t{65535}, size_t{65536}}) {
    SCOPED_TRACE(n);
    frame_encoder enc(wire_format::msgpack);
    std::string out;
    enc.begin(out);
    for (size_t i = 0; i < n; ++i) (void)enc.add(out, evs[2].first, evs[2].second);
    enc.finish(out);
    const auto b0 = static_cast<uint8_t>(out[0]);
    if (n <= 15)
      EXPECT_EQ(b0, 0x90 | n);
    else if (n <= 65535)
      EXPECT_EQ(b0, 0xdc);
    else
      EXPECT_EQ(b0, 0xdd);
    msgpack_collector c(out.size());
    const auto r = c(out);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(c.events.size(), n);
  }
}

TEST(alpaca_wire, random_prices_and_sizes_round_trip_exactly_through_msgpack_floats) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> cents(1, 400'000'000);        // up to $4M, 2 decimals
  std::uniform_int_distribution<int64_t> nanos(1, 3'999'999'999'999'999);  // < 4e6, 9 decimals
  std::vector<std::pair<market_event, std::string>> evs;
  auto base = sample_events()[0];
  for (int i = 0; i < 2000; ++i) {
    auto e = base;
    e.first.u.trade.px = price::from_raw(i % 2 == 0 ? cents(rng) * 10'000'000 : nanos(rng));
    e.first.u.trade.size = quantity::from_raw(nanos(rng));
    evs.push_back(e);
  }
  // Large values take the shortest-decimal path: exact while they have <= 15 digits.
  for (const int64_t raw : {int64_t{12'345'678'120'000'000}, int64_t{999'999'999'990'000'000},
                            int64_t{4'000'000'000'000'000}, int64_t{4'000'000'000'000'001}}) {
    auto e = base;
    e.first.u.trade.px = price::from_raw(raw);
    e.first.u.trade.size = quantity::from_raw(raw);
    evs.push_back(e);
  }
  msgpack_collector c(1 << 20);
  const auto r = c(encode(wire_format::msgpack, evs));
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(c.events.size(), evs.size());
  for (size_t i = 0; i < evs.size(); ++i) {
    ASSERT_EQ(c.events[i].u.trade.px, evs[i].first.u.trade.px) << i;
    ASSERT_EQ(c.events[i].u.trade.size, evs[i].first.u.trade.size) << i;
  }
}

TEST(alpaca_wire, json_strings_are_escaped) {
  auto evs = sample_events();
  evs.resize(1);
  evs[0].second = "A\"B\\";
  evs[0].first.u.trade.exchange = '"';
  const std::string f = encode(wire_format::json, evs);
  EXPECT_NE(f.find(R"("S":"A\"B\\")"), std::string::npos);
  collector c;
  decode_with(c, f);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.name(c.events[0].symbol), "A\"B\\");
  EXPECT_EQ(c.events[0].u.trade.exchange, '"');
}

// --- control messages ---

channel_lists example_state() {
  channel_lists s;
  s[subscription_channel::trades] = {"AAPL"};
  s[subscription_channel::quotes] = {"AMD"};
  s[subscription_channel::bars] = {"*"};
  s[subscription_channel::corrections] = {"AAPL"};
  s[subscription_channel::cancel_errors] = {"AAPL"};
  return s;
}

TEST(alpaca_wire, json_control_messages_match_the_protocol_reference) {
  std::string out = "stale";
  encode_success(wire_format::json, "connected", out);
  EXPECT_EQ(out, R"([{"T":"success","msg":"connected"}])");
  encode_error(wire_format::json, 406, error_message(406), out);
  EXPECT_EQ(out, R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
  encode_subscription(wire_format::json, example_state(), out);
  EXPECT_EQ(out, R"([{"T":"subscription","trades":["AAPL"],"quotes":["AMD"],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}])");
  auto s = example_state();
  s[subscription_channel::imbalances] = {"SPY"};
  encode_subscription(wire_format::json, s, out);
  EXPECT_NE(out.find(R"("cancelErrors":["AAPL"],"imbalances":["SPY"]})"), std::string::npos);
}

TEST(alpaca_wire, error_messages_for_every_documented_code) {
  EXPECT_EQ(error_message(400), "invalid syntax");
  EXPECT_EQ(error_message(401), "not authenticated");
  EXPECT_EQ(error_message(402), "auth failed");
  EXPECT_EQ(error_message(403), "already authenticated");
  EXPECT_EQ(error_message(404), "auth timeout");
  EXPECT_EQ(error_message(405), "symbol limit exceeded");
  EXPECT_EQ(error_message(406), "connection limit exceeded");
  EXPECT_EQ(error_message(407), "slow client");
  EXPECT_EQ(error_message(409), "insufficient subscription");
  EXPECT_EQ(error_message(410), "invalid subscribe action for this feed");
  EXPECT_EQ(error_message(500), "internal error");
  EXPECT_EQ(error_message(408), "");
}

TEST(alpaca_wire, control_messages_decode_identically_in_both_formats) {
  auto s = example_state();
  s[subscription_channel::imbalances] = {"SPY", "QQQ"};
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    SCOPED_TRACE(std::string(to_string(f)));
    std::vector<std::string> frames(3);
    encode_success(f, "authenticated", frames[0]);
    encode_error(f, 402, error_message(402), frames[1]);
    encode_subscription(f, s, frames[2]);
    std::vector<testing::control_copy> got;
    if (f == wire_format::json) {
      collector c;
      for (const auto& fr : frames) decode_with(c, fr);
      got = c.controls;
    } else {
      msgpack_collector c;
      for (const auto& fr : frames) decode_with(c, fr);
      got = c.controls;
    }
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].type, control_type::success);
    EXPECT_EQ(got[0].msg, "authenticated");
    EXPECT_EQ(got[1].type, control_type::error);
    EXPECT_EQ(got[1].code, 402);
    EXPECT_EQ(got[1].msg, "auth failed");
    EXPECT_EQ(got[2].type, control_type::subscription);
    ASSERT_EQ(got[2].channels.size(), subscription_channel_count);
    for (size_t c = 0; c < subscription_channel_count; ++c)
      EXPECT_EQ(got[2].channels[c], s.symbols[c]) << c;
  }
}

// --- client actions ---

TEST(alpaca_wire, auth_round_trips_in_both_formats) {
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    std::string frame, err;
    encode_auth(f, "AKID\"1", "s3cr\\et", frame);
    if (f == wire_format::json) {
      EXPECT_EQ(frame, R"({"action":"auth","key":"AKID\"1","secret":"s3cr\\et"})");
    }
    client_action a;
    ASSERT_TRUE(parse_client_action(f, frame, a, err)) << err;
    EXPECT_EQ(a.type, client_action_type::auth);
    EXPECT_EQ(a.action, "auth");
    EXPECT_EQ(a.key, "AKID\"1");
    EXPECT_EQ(a.secret, "s3cr\\et");
    EXPECT_TRUE(a.channels.empty());
  }
}

TEST(alpaca_wire, subscribe_round_trips_in_both_formats) {
  channel_lists ch;
  ch[subscription_channel::trades] = {"AAPL"};
  ch[subscription_channel::quotes] = {"AMD", "CLDR"};
  ch[subscription_channel::bars] = {"*"};
  ch[subscription_channel::imbalances] = {"SPY"};
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    for (const bool sub : {true, false}) {
      std::string frame, err;
      encode_subscribe(f, sub, ch, frame);
      if (f == wire_format::json && sub) {
        EXPECT_EQ(frame, R"({"action":"subscribe","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"imbalances":["SPY"]})");
      }
      client_action a;
      ASSERT_TRUE(parse_client_action(f, frame, a, err)) << err;
      EXPECT_EQ(a.type, sub ? client_action_type::subscribe : client_action_type::unsubscribe);
      for (size_t c = 0; c < subscription_channel_count; ++c) EXPECT_EQ(a.channels.symbols[c], ch.symbols[c]);
    }
  }
}

TEST(alpaca_wire, parse_client_action_rejects_malformed_frames) {
  client_action a;
  std::string err;
  EXPECT_FALSE(parse_client_action(wire_format::json, R"({"action":"auth")", a, err));
  EXPECT_FALSE(err.empty());
  EXPECT_FALSE(parse_client_action(wire_format::json, R"([1,2])", a, err));
  EXPECT_FALSE(parse_client_action(wire_format::json, R"({"key":"x"})", a, err));
  EXPECT_FALSE(parse_client_action(wire_format::json, R"({"action":5})", a, err));
  EXPECT_FALSE(parse_client_action(wire_format::json, R"({"action":"subscribe","trades":"AAPL"})", a, err));
  EXPECT_FALSE(parse_client_action(wire_format::json, R"({"action":"subscribe","trades":[1]})", a, err));
  ASSERT_TRUE(parse_client_action(wire_format::json, R"({"action":"listen","extra":{"a":[1]}})", a, err));
  EXPECT_EQ(a.type, client_action_type::unknown);
  EXPECT_EQ(a.action, "listen");
  // msgpack: truncated, not a map, trailing bytes
  std::string frame;
  encode_auth(wire_format::msgpack, "k", "s", frame);
  for (size_t n = 0; n < frame.size(); ++n)
    EXPECT_FALSE(parse_client_action(wire_format::msgpack, frame.substr(0, n), a, err)) << n;
  EXPECT_FALSE(parse_client_action(wire_format::msgpack, frame + "x", a, err));
  EXPECT_FALSE(parse_client_action(wire_format::msgpack, std::string("\x91\xa1x", 3), a, err));
}

// --- allocation ---

TEST(alpaca_wire, encoding_into_a_reused_string_does_not_allocate_after_warm_up) {
  const auto evs = sample_events();
  const auto state = example_state();
  for (const wire_format f : {wire_format::json, wire_format::msgpack}) {
    frame_encoder enc(f);
    std::string out;
    auto round = [&] {
      size_t total = 0;
      enc.begin(out);
      for (const auto& [e, s] : evs) (void)enc.add(out, e, s);
      enc.finish(out);
      total += out.size();
      encode_success(f, "authenticated", out);
      total += out.size();
      encode_error(f, 406, error_message(406), out);
      total += out.size();
      encode_subscription(f, state, out);
      total += out.size();
      return total;
    };
    const size_t warm = round();
    uint64_t allocations = 0;
    size_t total = 0;
    {
      test::allocation_scope counter;
      for (int i = 0; i < 100; ++i) total += round();
      allocations = counter.count();
    }
    EXPECT_EQ(allocations, 0u) << to_string(f);
    EXPECT_EQ(total, warm * 100);
  }
}

}  // namespace
}  // namespace torghut::adapters
