// json_decoder: every Alpaca message type, exact numbers and times, control messages, and bad
// input counted and skipped.

#include "torghut/adapters/json_decoder.hpp"

#include <gtest/gtest.h>

#include <string>

#include "torghut/test/decoder_test_util.hpp"

namespace torghut::adapters {
namespace {

using testing::collector;

constexpr int64_t s_ns = ns_per_second;
constexpr int64_t t_154444 = 1614009104LL * s_ns;  // 2021-02-22T15:51:44Z
constexpr int64_t t_191500 = 1614021300LL * s_ns;  // 2021-02-22T19:15:00Z

price px(int64_t units, int64_t nano = 0) { return price::from_raw(units * price::scale + nano); }
quantity qty(int64_t units) { return quantity::from_raw(units * quantity::scale); }

TEST(json_decoder, trade_decodes_every_field) {
  collector c;
  const auto r = c(R"([{"T":"t","S":"AAPL","i":52983525029461,"x":"K","p":126.55,"s":1,"c":["@","I"],"t":"2021-02-22T15:51:44.208Z","z":"C"}])",
                   timestamp{777});
  ASSERT_EQ(r.events, 1u);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(c.events.size(), 1u);
  const market_event& e = c.events[0];
  EXPECT_EQ(e.kind, market_event_kind::trade);
  EXPECT_EQ(c.name(e.symbol), "AAPL");
  EXPECT_EQ(e.event_time.ns, t_154444 + 208'000'000);
  EXPECT_EQ(e.recv_time.ns, 777);
  EXPECT_EQ(e.flags, 0);
  EXPECT_EQ(e.u.trade.id.value, 52983525029461);
  EXPECT_EQ(e.u.trade.px, px(126, 550'000'000));
  EXPECT_EQ(e.u.trade.size, qty(1));
  EXPECT_EQ(e.u.trade.exchange, 'K');
  EXPECT_EQ(e.u.trade.tape, 'C');
  ASSERT_EQ(e.u.trade.n_conditions, 2);
  EXPECT_EQ(e.u.trade.conditions[0], '@');
  EXPECT_EQ(e.u.trade.conditions[1], 'I');
}

TEST(json_decoder, trade_keeps_first_four_conditions_and_fields_in_any_order) {
  collector c;
  (void)c(R"([{"z":"A","t":"2021-02-22T15:51:44Z","c":["@","F","T","I","X"],"s":250,"p":10,"x":"N","i":7,"S":"BRK.B","T":"t"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const auto& t = c.events[0].u.trade;
  EXPECT_EQ(c.name(c.events[0].symbol), "BRK.B");
  EXPECT_EQ(t.n_conditions, 4);
  EXPECT_EQ(std::string(t.conditions.data(), 4), "@FTI");
  EXPECT_EQ(t.px, px(10));
  EXPECT_EQ(t.size, qty(250));
  EXPECT_EQ(t.id.value, 7);
}

TEST(json_decoder, trade_without_optional_fields_defaults_them) {
  collector c;
  (void)c(R"([{"T":"t","S":"X","i":1,"p":1.5,"s":0,"t":"2021-02-22T15:51:44Z"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const auto& t = c.events[0].u.trade;
  EXPECT_EQ(t.n_conditions, 0);
  EXPECT_EQ(t.exchange, '\0');
  EXPECT_EQ(t.tape, '\0');
  EXPECT_TRUE(t.size.is_zero());
}

TEST(json_decoder, quote_decodes_every_field) {
  collector c;
  (void)c(R"([{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const market_event& e = c.events[0];
  EXPECT_EQ(e.kind, market_event_kind::quote);
  EXPECT_EQ(c.name(e.symbol), "AMD");
  EXPECT_EQ(e.event_time.ns, (t_154444 + s_ns) + 335'689'322);
  EXPECT_EQ(e.u.quote.bid_exchange, 'U');
  EXPECT_EQ(e.u.quote.bid_px, px(87, 660'000'000));
  EXPECT_EQ(e.u.quote.bid_size, qty(1));
  EXPECT_EQ(e.u.quote.ask_exchange, 'Q');
  EXPECT_EQ(e.u.quote.ask_px, px(87, 680'000'000));
  EXPECT_EQ(e.u.quote.ask_size, qty(4));
  EXPECT_EQ(e.u.quote.tape, 'C');
}

TEST(json_decoder, one_sided_quotes_are_delivered) {
  collector c;
  const auto r = c(R"([{"T":"q","S":"A","bx":"","bp":0,"bs":0,"ax":"Q","ap":2.5,"as":3,"t":"2021-02-22T15:51:44Z"},)"
                   R"({"T":"q","S":"B","bx":"U","bp":1.5,"bs":2,"ax":"","ap":0,"as":0,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_TRUE(c.events[0].u.quote.bid_px.is_zero());
  EXPECT_TRUE(c.events[0].u.quote.bid_size.is_zero());
  EXPECT_EQ(c.events[0].u.quote.ask_px, px(2, 500'000'000));
  EXPECT_EQ(c.events[1].u.quote.bid_px, px(1, 500'000'000));
  EXPECT_TRUE(c.events[1].u.quote.ask_px.is_zero());
}

TEST(json_decoder, bars_of_all_three_kinds_decode_every_field) {
  collector c;
  const std::string body = R"("S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639})";
  (void)c("[{\"T\":\"b\"," + body + ",{\"T\":\"d\"," + body + ",{\"T\":\"u\"," + body + "]");
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0].kind, market_event_kind::bar);
  EXPECT_EQ(c.events[1].kind, market_event_kind::daily_bar);
  EXPECT_EQ(c.events[2].kind, market_event_kind::updated_bar);
  for (const auto& e : c.events) {
    EXPECT_EQ(c.name(e.symbol), "SPY");
    EXPECT_EQ(e.event_time.ns, t_191500);
    EXPECT_EQ(e.u.bar.open, px(388, 985'000'000));
    EXPECT_EQ(e.u.bar.high, px(389, 130'000'000));
    EXPECT_EQ(e.u.bar.low, px(388, 975'000'000));
    EXPECT_EQ(e.u.bar.close, px(389, 120'000'000));
    EXPECT_EQ(e.u.bar.volume, qty(49378));
    EXPECT_EQ(e.u.bar.trade_count, 461u);
    EXPECT_EQ(e.u.bar.vwap, px(389, 62'639'000));
  }
}

TEST(json_decoder, status_decodes_codes_and_tape) {
  collector c;
  (void)c(R"([{"T":"s","S":"AAPL","sc":"H","sm":"Trading Halt","rc":"T12","rm":"Trading Halted; For information requested by NASDAQ","t":"2021-02-22T19:15:00.000000000Z","z":"C"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const market_event& e = c.events[0];
  EXPECT_EQ(e.kind, market_event_kind::status);
  EXPECT_EQ(e.event_time.ns, t_191500);
  EXPECT_EQ(e.u.status.status_code.view(), "H");
  EXPECT_EQ(e.u.status.reason_code.view(), "T12");
  EXPECT_EQ(e.u.status.tape, 'C');
}

TEST(json_decoder, correction_decodes_original_and_corrected_trade) {
  collector c;
  (void)c(R"([{"T":"c","S":"EEM","x":"N","oi":1716,"op":39.25,"os":100,"oc":[" ","F"],"ci":1722,"cp":39.26,"cs":150,"cc":[" ","F"],"t":"2021-02-22T15:51:44.5Z","z":"A"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const market_event& e = c.events[0];
  EXPECT_EQ(e.kind, market_event_kind::correction);
  EXPECT_EQ(e.event_time.ns, t_154444 + 500'000'000);
  const auto& p = e.u.correction;
  EXPECT_EQ(p.original_id.value, 1716);
  EXPECT_EQ(p.original_px, px(39, 250'000'000));
  EXPECT_EQ(p.original_size, qty(100));
  EXPECT_EQ(p.corrected_id.value, 1722);
  EXPECT_EQ(p.corrected_px, px(39, 260'000'000));
  EXPECT_EQ(p.corrected_size, qty(150));
  EXPECT_EQ(p.exchange, 'N');
  EXPECT_EQ(p.tape, 'A');
}

TEST(json_decoder, cancel_error_decodes_action) {
  collector c;
  (void)c(R"([{"T":"x","S":"AAPL","i":52983525029461,"x":"D","p":126.55,"s":20,"a":"C","t":"2021-02-22T15:51:44.1Z","z":"C"},{"T":"x","S":"AAPL","i":5,"x":"D","p":1,"s":2,"a":"E","t":"2021-02-22T15:51:44Z","z":"C"}])");
  ASSERT_EQ(c.events.size(), 2u);
  const auto& p = c.events[0].u.cancel_error;
  EXPECT_EQ(c.events[0].kind, market_event_kind::cancel_error);
  EXPECT_EQ(p.id.value, 52983525029461);
  EXPECT_EQ(p.px, px(126, 550'000'000));
  EXPECT_EQ(p.size, qty(20));
  EXPECT_EQ(p.action, 'C');
  EXPECT_EQ(p.exchange, 'D');
  EXPECT_EQ(p.tape, 'C');
  EXPECT_EQ(c.events[1].u.cancel_error.action, 'E');
}

TEST(json_decoder, luld_decodes_bands_and_indicator) {
  collector c;
  (void)c(R"([{"T":"l","S":"IONM","u":5.3,"d":4.44,"i":"B","t":"2021-02-22T15:51:44.208Z","z":"C"}])");
  ASSERT_EQ(c.events.size(), 1u);
  const auto& p = c.events[0].u.luld;
  EXPECT_EQ(c.events[0].kind, market_event_kind::luld);
  EXPECT_EQ(p.limit_up, px(5, 300'000'000));
  EXPECT_EQ(p.limit_down, px(4, 440'000'000));
  EXPECT_EQ(p.indicator, 'B');
  EXPECT_EQ(p.tape, 'C');
}

TEST(json_decoder, imbalance_decodes_price_and_tape) {
  collector c;
  (void)c(R"([{"T":"i","S":"SPY","p":412.19,"z":"P","t":"2021-02-22T19:15:00Z"}])");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].kind, market_event_kind::imbalance);
  EXPECT_EQ(c.events[0].u.imbalance.px, px(412, 190'000'000));
  EXPECT_EQ(c.events[0].u.imbalance.tape, 'P');
  EXPECT_EQ(c.events[0].event_time.ns, t_191500);
}

TEST(json_decoder, batched_mixed_types_arrive_in_message_order) {
  collector c;
  const auto r = c(R"([{"T":"q","S":"A","bx":"U","bp":1,"bs":1,"ax":"Q","ap":2,"as":1,"t":"2021-02-22T15:51:44Z","z":"C"},
    {"T":"t","S":"B","i":1,"x":"K","p":1.5,"s":3,"c":["@"],"t":"2021-02-22T15:51:44Z","z":"C"},
    {"T":"b","S":"A","o":1,"h":2,"l":1,"c":2,"v":10,"t":"2021-02-22T15:51:00Z","n":2,"vw":1.5},
    {"T":"s","S":"B","sc":"T","sm":"Trading","rc":"","rm":"","t":"2021-02-22T15:51:44Z","z":"C"},
    {"T":"t","S":"A","i":2,"x":"K","p":1.75,"s":3,"t":"2021-02-22T15:51:44Z","z":"C"}])");
  EXPECT_EQ(r.events, 5u);
  ASSERT_EQ(c.events.size(), 5u);
  EXPECT_EQ(c.events[0].kind, market_event_kind::quote);
  EXPECT_EQ(c.events[1].kind, market_event_kind::trade);
  EXPECT_EQ(c.events[2].kind, market_event_kind::bar);
  EXPECT_EQ(c.events[3].kind, market_event_kind::status);
  EXPECT_EQ(c.events[4].kind, market_event_kind::trade);
  EXPECT_EQ(c.events[0].symbol, c.events[4].symbol);  // interned once
  EXPECT_NE(c.events[0].symbol, c.events[1].symbol);
  EXPECT_EQ(c.symbols.size(), 2u);
  EXPECT_EQ(c.decoder.stats().events, 5u);
  EXPECT_EQ(c.decoder.stats().messages, 5u);
}

TEST(json_decoder, empty_array_is_a_valid_frame_with_no_events) {
  collector c;
  const auto r = c("[]");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.events, 0u);
  EXPECT_EQ(c.decoder.stats().total_errors(), 0u);
}

// --- Timestamps ------------------------------------------------------------------------------

struct ts_case {
  const char* text;
  int64_t ns;
};

TEST(json_decoder, timestamps_keep_every_fractional_digit_and_convert_offsets) {
  const ts_case cases[] = {
      {"2021-02-22T15:51:44Z", t_154444},
      {"2021-02-22T15:51:44.2Z", t_154444 + 200'000'000},
      {"2021-02-22T15:51:44.208Z", t_154444 + 208'000'000},
      {"2021-02-22T15:51:44.208123Z", t_154444 + 208'123'000},
      {"2021-02-22T15:51:44.335689322Z", t_154444 + 335'689'322},
      {"2021-02-22T15:51:44.000000001Z", t_154444 + 1},
      {"2021-02-22T15:51:44.3356893229Z", t_154444 + 335'689'322},  // 10th digit truncated
      {"2021-02-22T15:51:44.5+00:00", t_154444 + 500'000'000},
      {"2021-02-22T10:51:44.5-05:00", t_154444 + 500'000'000},
      {"2021-02-22T21:21:44+05:30", t_154444},
      {"2021-02-23T00:51:44.999999999+09:00", t_154444 + 999'999'999},
      {"2021-02-22t15:51:44z", t_154444},
      {"2024-02-29T23:59:59Z", 1709251199LL * s_ns},
      {"1970-01-01T00:00:00Z", 0},
  };
  for (const auto& tc : cases) {
    collector c;
    const std::string frame = std::string(R"([{"T":"i","S":"X","p":1,"t":")") + tc.text + "\"}]";
    (void)c(frame);
    ASSERT_EQ(c.events.size(), 1u) << tc.text;
    EXPECT_EQ(c.events[0].event_time.ns, tc.ns) << tc.text;
  }
}

TEST(json_decoder, bad_timestamps_are_counted_and_skipped) {
  const char* bad[] = {
      "",
      "2021-02-22",
      "2021-02-22T15:51:44",          // no zone
      "2021-02-22T15:51:44.Z",        // dot without digits
      "2021-02-22 15:51:44Z",         // space separator
      "2021-13-22T15:51:44Z",         // month 13
      "2021-02-29T15:51:44Z",         // not a leap year
      "2021-04-31T15:51:44Z",         // April has 30 days
      "2021-02-22T24:00:00Z",         // hour 24
      "2021-02-22T15:60:44Z",         // minute 60
      "2021-02-22T15:51:61Z",         // second 61
      "2021-02-22T15:51:44+0000",     // offset without colon
      "2021-02-22T15:51:44+24:00",    // offset hour 24
      "2021-02-22T15:51:44Zjunk",     // trailing text
      "1969-12-31T23:59:59Z",         // before the epoch
      "2021-0a-22T15:51:44Z",         // letter in a field
      "-021-02-22T15:51:44Z",
  };
  for (const char* b : bad) {
    collector c;
    const std::string frame = std::string(R"([{"T":"i","S":"X","p":1,"t":")") + b +
                              R"("},{"T":"i","S":"X","p":2,"t":"2021-02-22T15:51:44Z"}])";
    const auto r = c(frame);
    EXPECT_EQ(c.errors(decode_error::bad_timestamp), 1u) << b;
    EXPECT_EQ(r.skipped, 1u) << b;
    ASSERT_EQ(c.events.size(), 1u) << b;  // the good message still arrives
    EXPECT_EQ(c.events[0].u.imbalance.px, px(2)) << b;
  }
}

// --- Exact numbers ---------------------------------------------------------------------------

TEST(json_decoder, trade_ids_above_2_pow_53_are_exact) {
  collector c;
  (void)c(R"([{"T":"t","S":"BTC/USD","i":9007199254740993,"x":"C","p":1,"s":0.0001,"t":"2021-02-22T15:51:44Z","z":"C"},{"T":"t","S":"BTC/USD","i":9223372036854775807,"x":"C","p":1,"s":1,"t":"2021-02-22T15:51:44Z","z":"C"}])");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].u.trade.id.value, 9007199254740993LL);
  EXPECT_EQ(c.events[1].u.trade.id.value, 9223372036854775807LL);
  EXPECT_EQ(c.events[0].u.trade.size, quantity::from_raw(100'000));
  EXPECT_EQ(c.name(c.events[0].symbol), "BTC/USD");
}

TEST(json_decoder, prices_and_sizes_are_exact_fixed_point) {
  struct num_case {
    const char* text;
    int64_t raw;
  } cases[] = {
      {"123.4567", 123'456'700'000},
      {"0.0001", 100'000},
      {"0.1", 100'000'000},        // not representable as a double: still exact
      {"1.000000001", 1'000'000'001},
      {"4999.99", 4'999'990'000'000},
      {"1e2", 100'000'000'000},
      {"1.25E-2", 12'500'000},
      {"12", 12'000'000'000},
  };
  for (const auto& nc : cases) {
    collector c;
    const std::string frame = std::string(R"([{"T":"t","S":"X","i":1,"p":)") + nc.text + R"(,"s":)" +
                              nc.text + R"(,"t":"2021-02-22T15:51:44Z"}])";
    (void)c(frame);
    ASSERT_EQ(c.events.size(), 1u) << nc.text;
    EXPECT_EQ(c.events[0].u.trade.px.raw, nc.raw) << nc.text;
    EXPECT_EQ(c.events[0].u.trade.size.raw, nc.raw) << nc.text;
  }
}

TEST(json_decoder, escaped_symbol_is_unescaped_before_interning) {
  collector c;
  (void)c(R"([{"T":"i","S":"BTC\/USD","p":1,"t":"2021-02-22T15:51:44Z"}])");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.name(c.events[0].symbol), "BTC/USD");
}

// --- Control messages ------------------------------------------------------------------------

TEST(json_decoder, success_messages_are_reported_as_controls) {
  collector c;
  const auto r = c(R"([{"T":"success","msg":"connected"}])");
  EXPECT_EQ(r.controls, 1u);
  EXPECT_EQ(r.events, 0u);
  (void)c(R"([{"T":"success","msg":"authenticated"}])");
  ASSERT_EQ(c.controls.size(), 2u);
  EXPECT_EQ(c.controls[0].type, control_type::success);
  EXPECT_EQ(c.controls[0].msg, "connected");
  EXPECT_EQ(c.controls[1].msg, "authenticated");
  EXPECT_EQ(c.decoder.stats().controls, 2u);
}

TEST(json_decoder, error_message_reports_code_and_msg) {
  collector c;
  (void)c(R"([{"T":"error","code":406,"msg":"connection limit exceeded"}])");
  ASSERT_EQ(c.controls.size(), 1u);
  EXPECT_EQ(c.controls[0].type, control_type::error);
  EXPECT_EQ(c.controls[0].code, 406);
  EXPECT_EQ(c.controls[0].msg, "connection limit exceeded");
}

TEST(json_decoder, subscription_reports_every_channel_list) {
  collector c;
  (void)c(R"([{"T":"subscription","trades":["AAPL"],"quotes":["AMD","CLDR"],"bars":["*"],"updatedBars":[],"dailyBars":["VOO"],"statuses":["*"],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}])");
  ASSERT_EQ(c.controls.size(), 1u);
  const auto& s = c.controls[0];
  EXPECT_EQ(s.type, control_type::subscription);
  using v = std::vector<std::string>;
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::trades)], v{"AAPL"});
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::quotes)], (v{"AMD", "CLDR"}));
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::bars)], v{"*"});
  EXPECT_TRUE(s.channels[static_cast<size_t>(subscription_channel::updated_bars)].empty());
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::daily_bars)], v{"VOO"});
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::statuses)], v{"*"});
  EXPECT_TRUE(s.channels[static_cast<size_t>(subscription_channel::lulds)].empty());
  EXPECT_TRUE(s.channels[static_cast<size_t>(subscription_channel::imbalances)].empty());
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::corrections)], v{"AAPL"});
  EXPECT_EQ(s.channels[static_cast<size_t>(subscription_channel::cancel_errors)], v{"AAPL"});
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(to_string(subscription_channel::updated_bars), "updatedBars");
}

TEST(json_decoder, subscription_longer_than_the_pool_is_truncated_and_flagged) {
  collector c(1 << 16, 2);
  (void)c(R"([{"T":"subscription","trades":["A","B"],"quotes":["C"]}])");
  ASSERT_EQ(c.controls.size(), 1u);
  EXPECT_TRUE(c.controls[0].truncated);
  EXPECT_EQ(c.controls[0].channels[0].size(), 2u);
  EXPECT_TRUE(c.controls[0].channels[1].empty());
}

TEST(json_decoder, decode_without_control_callback_still_counts_controls) {
  symbol_table symbols(8);
  json_decoder d(symbols);
  int events = 0;
  const auto r = d.decode(R"([{"T":"success","msg":"connected"}])", timestamp{}, [&](const market_event&) { ++events; });
  EXPECT_EQ(r.controls, 1u);
  EXPECT_EQ(events, 0);
}

// --- Bad input -------------------------------------------------------------------------------

struct bad_case {
  const char* message;
  decode_error expected;
};

TEST(json_decoder, each_bad_message_kind_is_counted_and_skipped_alone) {
  const bad_case cases[] = {
      {R"(5)", decode_error::not_object},
      {R"("t")", decode_error::not_object},
      {R"([1,2])", decode_error::not_object},
      {R"({"S":"X","p":1})", decode_error::missing_type},
      {R"({"T":1,"S":"X"})", decode_error::missing_type},
      {R"({"T":"zz","S":"X"})", decode_error::unknown_type},
      {R"({"T":"w","S":"X"})", decode_error::unknown_type},
      {R"({"T":"t","S":"X","p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::missing_field},  // no id
      {R"({"T":"q","S":"X","bp":1,"bs":1,"ap":2,"t":"2021-02-22T15:51:44Z"})", decode_error::missing_field},
      {R"({"T":"b","S":"X","o":1,"h":1,"l":1,"v":1,"t":"2021-02-22T15:51:44Z"})", decode_error::missing_field},
      {R"({"T":"t","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::missing_field},  // no S
      {R"({"T":"t","S":"X","i":1,"p":"1.5","s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_field},
      {R"({"T":"t","S":5,"i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_field},
      {R"({"T":"t","S":"X","i":"1","p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_field},
      {R"({"T":"t","S":"X","i":1,"p":1,"s":1,"t":1614009104})", decode_error::bad_field},
      {R"({"T":"t","S":"X","i":1,"p":1,"s":1,"c":"@","t":"2021-02-22T15:51:44Z"})", decode_error::bad_field},
      {R"({"T":"t","S":"X","i":1,"p":null,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_field},
      {R"({"T":"t","S":"X","i":1.5,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":99999999999999999999,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":1,"p":NaN,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":1,"p":Infinity,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":1,"p":-Infinity,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":1,"p":1e30,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_number},
      {R"({"T":"t","S":"X","i":1,"p":1,"s":1,"t":"2021-02-30T15:51:44Z"})", decode_error::bad_timestamp},
      {R"({"T":"t","S":"","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_symbol},
      {R"({"T":"t","S":"ABCDEFGHIJKLMNOPQ","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})", decode_error::bad_symbol},
  };
  const std::string good = R"({"T":"t","S":"GOOD","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})";
  for (const auto& bc : cases) {
    collector c;
    const auto r = c("[" + good + "," + bc.message + "," + good + "]");
    EXPECT_EQ(c.errors(bc.expected), 1u) << bc.message;
    EXPECT_EQ(c.decoder.stats().total_errors(), 1u) << bc.message;
    EXPECT_EQ(r.skipped, 1u) << bc.message;
    EXPECT_EQ(r.frame_error, decode_error::none) << bc.message;
    EXPECT_EQ(c.events.size(), 2u) << bc.message;  // both good neighbours arrive
    EXPECT_EQ(c.decoder.stats().messages_skipped, 1u) << bc.message;
    const auto& fe = c.decoder.first_error();
    EXPECT_EQ(fe.kind, bc.expected) << bc.message;
    EXPECT_EQ(fe.message_index, 1u) << bc.message;
    EXPECT_EQ(fe.byte_offset, good.size() + 2) << bc.message;
    const std::string_view msg(bc.message);
    EXPECT_EQ(fe.excerpt().substr(0, msg.size()), msg.substr(0, 120)) << bc.message;
  }
}

TEST(json_decoder, delivers_non_positive_prices_and_negative_sizes_for_market_data_to_judge) {
  // Market-data anomalies, not decode errors: market_data audits and drops them.
  const char* messages[] = {
      R"({"T":"t","S":"X","i":1,"p":0,"s":1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"t","S":"X","i":1,"p":-1.25,"s":1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"q","S":"X","bp":0,"bs":3,"ap":2,"as":1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"q","S":"X","bp":-1,"bs":0,"ap":2,"as":1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"b","S":"X","o":1,"h":1,"l":-1,"c":1,"v":1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"t","S":"X","i":1,"p":1,"s":-1,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"b","S":"X","o":1,"h":1,"l":1,"c":1,"v":-5,"t":"2021-02-22T15:51:44Z"})",
      R"({"T":"l","S":"X","u":0,"d":-2,"t":"2021-02-22T15:51:44Z"})",
  };
  for (const char* msg : messages) {
    collector c;
    const auto r = c(std::string("[") + msg + "]");
    EXPECT_TRUE(r.ok()) << msg;
    EXPECT_EQ(c.decoder.stats().total_errors(), 0u) << msg;
    EXPECT_EQ(c.events.size(), 1u) << msg;
  }
  collector c;
  (void)c(std::string("[") + messages[1] + "]");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].u.trade.px, price::from_raw(-1'250'000'000));  // exactly as sent
}

TEST(json_decoder, keeps_the_first_error_of_each_kind_with_its_message_type) {
  collector c;
  const std::string good = R"({"T":"t","S":"GOOD","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"})";
  (void)c("[" + good + R"(,{"T":"q","S":"X","bp":"1","bs":1,"ap":2,"as":1,"t":"2021-02-22T15:51:44Z"}])");
  (void)c(R"([{"T":"zz"},{"T":"t","S":"","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  (void)c(R"([{"T":"t","S":"","i":2,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  const auto& bf = c.decoder.first_error(decode_error::bad_field);
  ASSERT_TRUE(bf.has_error());
  EXPECT_EQ(bf.message_type(), "q");
  EXPECT_EQ(bf.frame_number, 1u);
  EXPECT_EQ(bf.byte_offset, good.size() + 2);
  EXPECT_EQ(bf.excerpt().substr(0, 8), R"({"T":"q")");
  const auto& ut = c.decoder.first_error(decode_error::unknown_type);
  EXPECT_EQ(ut.message_type(), "zz");
  EXPECT_EQ(ut.frame_number, 2u);
  const auto& bs = c.decoder.first_error(decode_error::bad_symbol);
  EXPECT_EQ(bs.message_type(), "t");
  EXPECT_EQ(bs.frame_number, 2u);  // the first of its kind, not the later one
  EXPECT_EQ(bs.message_index, 1u);
  EXPECT_FALSE(c.decoder.first_error(decode_error::malformed_json).has_error());
  c.decoder.reset_first_error(decode_error::bad_symbol);
  EXPECT_FALSE(c.decoder.first_error(decode_error::bad_symbol).has_error());
  EXPECT_TRUE(c.decoder.first_error(decode_error::unknown_type).has_error());
  (void)c(R"([{"T":"t","S":"","i":3,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_EQ(c.decoder.first_error(decode_error::bad_symbol).frame_number, 4u);
  (void)c("[1,");  // a frame-level error has no message type
  EXPECT_EQ(c.decoder.first_error(decode_error::malformed_json).message_type(), "");
}

TEST(json_decoder, frame_level_errors_are_counted) {
  const bad_case cases[] = {
      {R"({"T":"success","msg":"connected"})", decode_error::not_array},
      {R"(42)", decode_error::not_array},
      {R"("x")", decode_error::not_array},
      {R"(null)", decode_error::not_array},
      {R"()", decode_error::malformed_json},
      {R"(   )", decode_error::malformed_json},
      {R"([{"T":"t","S":"X)", decode_error::malformed_json},
      {R"([{"T":"t",,}])", decode_error::malformed_json},
      {R"([{"T":"t"})", decode_error::malformed_json},
      {R"([{"T":"t"}]])", decode_error::malformed_json},
      {R"([{"T":"t"}] x)", decode_error::malformed_json},
      {"[{\"T\":\"t\",\"S\":\"\xff\xfe\"}]", decode_error::malformed_json},  // invalid UTF-8
      {"[{\"T\":\"t\",\"S\":\"a\x01\"}]", decode_error::malformed_json},     // raw control char
  };
  for (const auto& bc : cases) {
    collector c;
    const auto r = c(bc.message);
    EXPECT_EQ(c.errors(bc.expected), 1u) << bc.message;
    EXPECT_EQ(r.frame_error, bc.expected) << bc.message;
    EXPECT_EQ(c.decoder.stats().frames_rejected, 1u) << bc.message;
    EXPECT_TRUE(c.events.empty()) << bc.message;
  }
}

TEST(json_decoder, oversized_frame_is_rejected_whole) {
  collector c(64);
  const auto r = c(R"([{"T":"i","S":"X","p":1,"t":"2021-02-22T15:51:44Z"},{"T":"i","S":"X","p":1,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_EQ(r.frame_error, decode_error::frame_too_large);
  EXPECT_EQ(c.errors(decode_error::frame_too_large), 1u);
  EXPECT_TRUE(c.events.empty());
  // A frame that fits still decodes.
  (void)c(R"([{"T":"i","S":"X","p":1,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_EQ(c.events.size(), 1u);
}

TEST(json_decoder, messages_before_a_syntax_error_are_delivered) {
  collector c;
  const auto r = c(R"([{"T":"i","S":"X","p":1,"t":"2021-02-22T15:51:44Z"},{"T":"i","S":"X","p":2,"t":"2021-02-22T15:51:44Z"},{"T":"i",,"p":3}])");
  EXPECT_EQ(r.frame_error, decode_error::malformed_json);
  EXPECT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.decoder.first_error().message_index, 2u);
}

TEST(json_decoder, first_error_is_kept_until_reset) {
  collector c;
  (void)c(R"([{"T":"zz"}])");
  (void)c(R"([{"T":"t","S":"","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_EQ(c.decoder.first_error().kind, decode_error::unknown_type);
  EXPECT_EQ(c.decoder.first_error().frame_number, 1u);
  c.decoder.reset_first_error();
  (void)c(R"([{"T":"t","S":"","i":1,"p":1,"s":1,"t":"2021-02-22T15:51:44Z"}])");
  EXPECT_EQ(c.decoder.first_error().kind, decode_error::bad_symbol);
  EXPECT_EQ(c.decoder.first_error().frame_number, 3u);
  EXPECT_EQ(c.errors(decode_error::bad_symbol), 2u);
  c.decoder.reset_stats();
  EXPECT_EQ(c.decoder.stats().total_errors(), 0u);
  EXPECT_FALSE(c.decoder.first_error().has_error());
}

TEST(json_decoder, excerpt_is_capped_at_120_characters) {
  collector c;
  std::string frame = R"([{"T":"zz","pad":")" + std::string(200, 'a') + "\"}]";
  (void)c(frame);
  EXPECT_EQ(c.decoder.first_error().excerpt().size(), 120u);
  EXPECT_EQ(c.decoder.first_error().excerpt().substr(0, 9), R"({"T":"zz")");
  EXPECT_EQ(to_string(decode_error::unknown_type), "unknown_type");
}

const std::string mixed_frame =
    R"([{"T":"t","S":"AAPL","i":52983525029461,"x":"K","p":126.55,"s":1,"c":["@","I"],"t":"2021-02-22T15:51:44.208Z","z":"C"},)"
    R"({"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"},)"
    R"({"T":"b","S":"SPY","o":388.985,"h":389.13,"l":388.975,"c":389.12,"v":49378,"t":"2021-02-22T19:15:00Z","n":461,"vw":389.062639},)"
    R"({"T":"s","S":"AAPL","sc":"H","sm":"Trading Halt","rc":"T12","rm":"x","t":"2021-02-22T19:15:00.000000000Z","z":"C"}])";

TEST(json_decoder, every_truncation_of_a_valid_frame_is_handled_without_crashing) {
  collector c;
  for (size_t n = 0; n <= mixed_frame.size(); ++n) {
    const auto before = c.events.size();
    const auto r = c(std::string_view(mixed_frame).substr(0, n));
    if (n < mixed_frame.size()) {
      EXPECT_NE(r.frame_error, decode_error::none) << n;
      EXPECT_LT(c.events.size() - before, 4u) << n;
    } else {
      EXPECT_TRUE(r.ok());
      EXPECT_EQ(c.events.size() - before, 4u);
    }
  }
  EXPECT_EQ(c.decoder.stats().frames, mixed_frame.size() + 1);
}

TEST(json_decoder, decoder_is_reusable_after_bad_frames) {
  collector c;
  (void)c("[{\"T\":");
  (void)c("garbage");
  (void)c(mixed_frame);
  EXPECT_EQ(c.events.size(), 4u);
}

}  // namespace
}  // namespace torghut::adapters


namespace torghut::adapters {
namespace {
using testing::collector;
TEST(json_decoder, an_empty_frame_without_data_is_an_error_with_an_empty_excerpt) {
  // A view with no data pointer at all (what the fuzzer's empty input is): the error context is
  // recorded without copying from it (a null memcpy source is undefined behaviour, UBSan says).
  collector c;
  const auto r = c(std::string_view{});
  EXPECT_FALSE(r.ok());
  const auto& fe = c.decoder.first_error();
  EXPECT_TRUE(fe.has_error());
  EXPECT_EQ(fe.frame_size, 0u);
  EXPECT_TRUE(fe.excerpt().empty());
}
}  // namespace
}  // namespace torghut::adapters
