#include "torghut/adapters/trading_codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "torghut/core/rfc3339.hpp"
#include "torghut/test/allocations.hpp"

namespace torghut::adapters {
namespace {

using E = trading_codec_error;

order_command limit_order() {
  order_command c;
  c.order_side = side::buy;
  c.type = order_type::limit;
  c.tif = time_in_force::day;
  c.qty = *parse_decimal<quantity>("10");
  c.limit_px = *parse_decimal<price>("187.50");
  c.coid.assign("t-0123456789abcdef");
  return c;
}

std::string body_of(const order_command& c, std::string_view sym = "AAPL") {
  std::string s;
  const auto r = write_order_body(c, sym, s);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  return s;
}

// ----- order body --------------------------------------------------------------------------

TEST(OrderBody, LimitExact) {
  EXPECT_EQ(body_of(limit_order()),
            R"({"symbol":"AAPL","qty":"10","side":"buy","type":"limit","time_in_force":"day",)"
            R"("limit_price":"187.5","client_order_id":"t-0123456789abcdef"})");
}

TEST(OrderBody, EveryTypeAndTif) {
  order_command c = limit_order();
  c.coid = {};
  c.order_side = side::sell;
  c.qty = *parse_decimal<quantity>("0.125");
  c.stop_px = *parse_decimal<price>("180.01");
  c.type = order_type::market;
  c.tif = time_in_force::ioc;
  EXPECT_EQ(body_of(c, "BTC/USD"),
            R"({"symbol":"BTC/USD","qty":"0.125","side":"sell","type":"market","time_in_force":"ioc"})");
  c.type = order_type::stop;
  c.tif = time_in_force::gtc;
  EXPECT_EQ(body_of(c),
            R"({"symbol":"AAPL","qty":"0.125","side":"sell","type":"stop","time_in_force":"gtc","stop_price":"180.01"})");
  c.type = order_type::stop_limit;
  c.tif = time_in_force::fok;
  EXPECT_EQ(body_of(c),
            R"({"symbol":"AAPL","qty":"0.125","side":"sell","type":"stop_limit","time_in_force":"fok",)"
            R"("limit_price":"187.5","stop_price":"180.01"})");
  c.type = order_type::market;
  c.tif = time_in_force::opg;
  EXPECT_NE(body_of(c).find(R"("time_in_force":"opg")"), std::string::npos);
  c.tif = time_in_force::cls;
  EXPECT_NE(body_of(c).find(R"("time_in_force":"cls")"), std::string::npos);
}

TEST(OrderBody, EscapesClientOrderId) {
  order_command c = limit_order();
  c.coid.assign("a\"b\\c\n");
  EXPECT_NE(body_of(c).find(R"("client_order_id":"a\"b\\c\u000a")"), std::string::npos);
}

TEST(OrderBody, InvalidOrdersAndSmallBuffers) {
  std::array<char, 512> buf{};
  order_command c = limit_order();
  c.qty = quantity{};
  EXPECT_EQ(write_order_body(c, "AAPL", buf).error, E::invalid_order);
  c = limit_order();
  c.limit_px = price{};
  EXPECT_EQ(write_order_body(c, "AAPL", buf).error, E::invalid_order);
  c = limit_order();
  c.type = order_type::stop;  // no stop price
  EXPECT_EQ(write_order_body(c, "AAPL", buf).error, E::invalid_order);
  c = limit_order();
  c.kind = order_command_kind::cancel;
  EXPECT_EQ(write_order_body(c, "AAPL", buf).error, E::invalid_order);
  EXPECT_EQ(write_order_body(limit_order(), "", buf).error, E::invalid_order);
  const auto full = write_order_body(limit_order(), "AAPL", buf);
  ASSERT_TRUE(full.ok());
  for (size_t n = 0; n < full.size; ++n) {
    const auto r = write_order_body(limit_order(), "AAPL", std::span<char>(buf.data(), n));
    EXPECT_EQ(r.error, E::buffer_too_small) << n;
    EXPECT_EQ(r.size, 0u);
  }
}

// ----- HTTP request ------------------------------------------------------------------------

TEST(HttpRequest, ExactHeadAndBody) {
  std::array<char, 1024> buf{};
  const api_credentials creds{"PKTEST", "s3cr3t"};
  const auto r = write_http_request(buf, "POST", "/v2/orders", "paper-api.alpaca.markets", creds,
                                    R"({"a":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string_view(buf.data(), r.size),
            "POST /v2/orders HTTP/1.1\r\nHost: paper-api.alpaca.markets\r\nAPCA-API-KEY-ID: PKTEST\r\n"
            "APCA-API-SECRET-KEY: s3cr3t\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
            "Connection: keep-alive\r\n\r\n{\"a\":1}");
  const auto g = write_http_request(buf, "GET", "/v2/orders:by_client_order_id?client_order_id=x",
                                    "127.0.0.1:8080", creds, "");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(std::string_view(buf.data(), g.size),
            "GET /v2/orders:by_client_order_id?client_order_id=x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
            "APCA-API-KEY-ID: PKTEST\r\nAPCA-API-SECRET-KEY: s3cr3t\r\nConnection: keep-alive\r\n\r\n");
}

TEST(HttpRequest, RejectsHeaderInjection) {
  std::array<char, 1024> buf{};
  EXPECT_EQ(write_http_request(buf, "GET", "/x", "h", {"k\r\nX: y", "s"}, "").error,
            E::invalid_header_value);
  EXPECT_EQ(write_http_request(buf, "GET", "/x y", "h", {"k", "s"}, "").error,
            E::invalid_header_value);
  EXPECT_EQ(write_http_request(buf, "GET", "/x", "h\n", {"k", "s"}, "").error,
            E::invalid_header_value);
  EXPECT_EQ(write_http_request(std::span<char>(buf.data(), 10), "GET", "/x", "h", {"k", "s"}, "").error,
            E::buffer_too_small);
  try {
    order_request_writer w("h", {"k", "very-secret\r\n"});
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("very-secret"), std::string::npos);
  }
}

TEST(OrderRequestWriter, MatchesGenericWriter) {
  const api_credentials creds{"PKTEST", "s3cr3t"};
  const order_request_writer w("localhost:8080", creds);
  std::string req;
  const auto r = w.write(limit_order(), "AAPL", req);
  ASSERT_TRUE(r.ok());
  const std::string body = body_of(limit_order());
  std::array<char, 2048> buf{};
  const auto g = write_http_request(buf, "POST", "/v2/orders", "localhost:8080", creds, body);
  ASSERT_TRUE(g.ok());
  // Same headers (the writer orders Connection before Content-Length) and same body.
  EXPECT_EQ(req.substr(req.size() - body.size()), body);
  EXPECT_NE(req.find("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"), std::string::npos);
  EXPECT_EQ(req.rfind("POST /v2/orders HTTP/1.1\r\nHost: localhost:8080\r\n", 0), 0u);
  EXPECT_NE(req.find("APCA-API-KEY-ID: PKTEST\r\n"), std::string::npos);
  EXPECT_NE(req.find("APCA-API-SECRET-KEY: s3cr3t\r\n"), std::string::npos);
  EXPECT_NE(req.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(req.size(), g.size);
  std::array<char, 64> small{};
  EXPECT_EQ(w.write(limit_order(), "AAPL", small).error, E::buffer_too_small);
}

TEST(OrderRequestWriter, NoAllocationAfterWarmUp) {
  const order_request_writer w("paper-api.alpaca.markets", {"PKTEST", "s3cr3t"});
  std::string req, body;
  std::array<char, 1024> fixed{};
  order_command c = limit_order();
  ASSERT_TRUE(w.write(c, "AAPL", req).ok());  // warm-up: grows the strings once
  ASSERT_TRUE(write_order_body(c, "AAPL", body).ok());
  size_t total = 0;
  test::start_counting_allocations();
  for (int i = 0; i < 1000; ++i) {
    c.qty = quantity::from_raw((i + 1) * 1'000'000'000LL);
    c.type = static_cast<order_type>(i % 4);
    c.stop_px = *parse_decimal<price>("150.25");
    total += w.write(c, "AAPL", req).size;
    total += w.write(c, "MSFT", std::span<char>(fixed)).size;
    total += write_order_body(c, "BRK.B", body).size;
    total += write_http_request(fixed, "DELETE", "/v2/orders/abc", "h", {"k", "s"}, "").size;
  }
  const uint64_t allocs = test::stop_counting_allocations();
  EXPECT_EQ(allocs, 0u);
  EXPECT_GT(total, 0u);
}

// ----- order parsing -----------------------------------------------------------------------

constexpr std::string_view order_json = R"({
  "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
  "client_order_id": "t-0123456789abcdef",
  "created_at": "2024-06-03T09:30:00.123456789-04:00",
  "updated_at": "2024-06-03T13:30:01Z",
  "submitted_at": "2024-06-03T13:30:00.5Z",
  "filled_at": null, "expired_at": null, "canceled_at": null, "failed_at": null,
  "replaced_at": null, "replaced_by": null, "replaces": null,
  "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", "symbol": "AAPL", "asset_class": "us_equity",
  "notional": null, "qty": "10", "filled_qty": "4", "filled_avg_price": "187.49",
  "order_class": "", "order_type": "limit", "type": "limit", "side": "buy",
  "time_in_force": "day", "limit_price": "187.5", "stop_price": null,
  "status": "partially_filled", "extended_hours": false, "legs": null,
  "trail_percent": null, "trail_price": null, "hwm": null, "position_intent": "buy_to_open"
})";

TEST(ParseOrder, FullObject) {
  order_view o;
  const auto r = parse_order(order_json, o);
  ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.field;
  EXPECT_EQ(o.id.view(), "61e69015-8549-4bfd-b9c3-01e75843f47d");
  EXPECT_EQ(o.coid.view(), "t-0123456789abcdef");
  EXPECT_EQ(o.symbol.view(), "AAPL");
  EXPECT_EQ(o.order_side, side::buy);
  EXPECT_EQ(o.type, order_type::limit);
  EXPECT_TRUE(o.type_known);
  EXPECT_EQ(o.tif, time_in_force::day);
  EXPECT_EQ(o.status, order_status::partially_filled);
  EXPECT_TRUE(o.status_known);
  EXPECT_EQ(o.qty, parse_decimal<quantity>("10"));
  EXPECT_EQ(o.filled_qty, *parse_decimal<quantity>("4"));
  EXPECT_EQ(o.filled_avg_price, parse_decimal<price>("187.49"));
  EXPECT_EQ(o.limit_price, parse_decimal<price>("187.5"));
  EXPECT_FALSE(o.stop_price);
  EXPECT_FALSE(o.notional);
  EXPECT_FALSE(o.filled_at);
  // -04:00 → UTC: 09:30 local is 13:30Z, nine fractional digits kept.
  ASSERT_TRUE(o.created_at);
  EXPECT_EQ(o.created_at->ns, parse_rfc3339("2024-06-03T13:30:00.123456789Z")->ns);
  EXPECT_EQ(o.created_at->ns % ns_per_second, 123456789);
  EXPECT_EQ(o.updated_at, parse_rfc3339("2024-06-03T13:30:01Z"));
  EXPECT_EQ(o.submitted_at->ns, parse_rfc3339("2024-06-03T13:30:00Z")->ns + 500'000'000);
}

TEST(ParseOrder, RoundTripFromWriter) {
  order_command c = limit_order();
  c.type = order_type::stop_limit;
  c.tif = time_in_force::gtc;
  c.order_side = side::sell;
  c.qty = *parse_decimal<quantity>("0.000000001");
  c.stop_px = *parse_decimal<price>("99.123456789");
  std::string body = body_of(c, "BRK.B");
  // The writer's body is a request, not an order: add what the broker adds.
  body.pop_back();
  body += R"(,"id":"00000000-0000-0000-0000-000000000001","status":"accepted"})";
  order_view o;
  ASSERT_TRUE(parse_order(body, o).ok());
  EXPECT_EQ(o.symbol.view(), "BRK.B");
  EXPECT_EQ(o.order_side, c.order_side);
  EXPECT_EQ(o.type, c.type);
  EXPECT_EQ(o.tif, c.tif);
  EXPECT_EQ(o.qty, c.qty);
  EXPECT_EQ(o.limit_price, c.limit_px);
  EXPECT_EQ(o.stop_price, c.stop_px);
  EXPECT_EQ(o.coid, c.coid);
  EXPECT_EQ(o.status, order_status::accepted);
}

TEST(ParseOrder, EveryStatus) {
  struct row {
    std::string_view text;
    bool known;
    order_status s;
  };
  const row rows[] = {
      {"new", true, order_status::new_order},
      {"partially_filled", true, order_status::partially_filled},
      {"filled", true, order_status::filled},
      {"done_for_day", false, {}},
      {"canceled", true, order_status::canceled},
      {"expired", true, order_status::expired},
      {"replaced", true, order_status::replaced},
      {"pending_cancel", true, order_status::pending_cancel},
      {"pending_replace", false, {}},
      {"accepted", true, order_status::accepted},
      {"pending_new", true, order_status::pending_new},
      {"accepted_for_bidding", false, {}},
      {"stopped", false, {}},
      {"rejected", true, order_status::rejected},
      {"suspended", false, {}},
      {"calculated", false, {}},
      {"held", false, {}},
  };
  for (const row& r : rows) {
    const std::string body = std::string(R"({"id":"x","symbol":"A","side":"sell","type":"trailing_stop",)") +
                             R"("time_in_force":"opg","qty":null,"notional":"250.5","status":")" +
                             std::string(r.text) + "\"}";
    order_view o;
    ASSERT_TRUE(parse_order(body, o).ok()) << r.text;
    EXPECT_EQ(o.status_known, r.known) << r.text;
    EXPECT_EQ(o.status_text.view(), r.text);
    if (r.known) {
      EXPECT_EQ(o.status, r.s) << r.text;
    }
    EXPECT_FALSE(o.type_known);
    EXPECT_EQ(o.tif, time_in_force::opg);
    EXPECT_FALSE(o.qty);
    EXPECT_EQ(o.notional, parse_decimal<money>("250.5"));
  }
}

TEST(ParseOrder, MalformedInputIsAClearError) {
  struct row {
    std::string_view body;
    E err;
    std::string_view field;
  };
  const row rows[] = {
      {"", E::malformed_json, ""},
      {"Not Found", E::malformed_json, ""},
      {"[1,2]", E::not_object, ""},
      {"42", E::not_object, ""},
      {R"({"id":"x","symbol":"A")", E::malformed_json, ""},
      {R"({"symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new"})", E::missing_field, "id"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day"})", E::missing_field, "status"},
      {R"({"id":"x","symbol":"A","side":"short","type":"market","time_in_force":"day","status":"new"})", E::bad_field, "side"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"gtd","status":"new"})", E::bad_field, "time_in_force"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new","qty":"ten"})", E::bad_decimal, "qty"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new","qty":true})", E::bad_field, "qty"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new","created_at":"2024-06-03 13:30:00"})", E::bad_timestamp, "created_at"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new","created_at":5})", E::bad_field, "created_at"},
      {R"({"id":"0123456789012345678901234567890123456","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new"})", E::field_too_long, "id"},
      {R"({"id":null,"symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new"})", E::bad_field, "id"},
      {R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day","status":"new"} x)", E::malformed_json, ""},
  };
  for (const row& r : rows) {
    order_view o;
    const auto res = parse_order(r.body, o);
    EXPECT_EQ(res.error, r.err) << r.body << " got " << to_string(res.error);
    EXPECT_EQ(res.field, r.field) << r.body;
  }
  trading_parser small(16);
  order_view o;
  EXPECT_EQ(small.parse_order(order_json, o).error, E::too_large);
}

TEST(ParseOrder, NumbersAcceptedLeniently) {
  order_view o;
  ASSERT_TRUE(parse_order(R"({"id":"x","symbol":"A","side":"buy","type":"market","time_in_force":"day",)"
                          R"("status":"filled","qty":5,"filled_qty":"5","filled_avg_price":12.25})",
                          o).ok());
  EXPECT_EQ(o.qty, parse_decimal<quantity>("5"));
  EXPECT_EQ(o.filled_avg_price, parse_decimal<price>("12.25"));
}

// ----- error bodies ------------------------------------------------------------------------

TEST(ParseErrorBody, CodeAndMessage) {
  api_error_view e;
  ASSERT_TRUE(parse_error_body(R"({"code":40310000,"message":"insufficient buying power","buying_power":"0"})", e).ok());
  EXPECT_EQ(e.code, 40310000);
  EXPECT_EQ(e.message.view(), "insufficient buying power");
  EXPECT_FALSE(e.message_truncated);
  ASSERT_TRUE(parse_error_body(R"({"message":"client_order_id must be unique"})", e).ok());
  EXPECT_EQ(e.code, 0);
  EXPECT_EQ(parse_error_body("<html>502</html>", e).error, E::malformed_json);
  EXPECT_EQ(parse_error_body("{}", e).error, E::missing_field);
  EXPECT_EQ(parse_error_body(R"({"code":"x"})", e).error, E::bad_field);
  const std::string long_msg = R"({"code":1,"message":")" + std::string(400, 'm') + "\"}";
  ASSERT_TRUE(parse_error_body(long_msg, e).ok());
  EXPECT_TRUE(e.message_truncated);
  EXPECT_EQ(e.message.view().size(), 255u);
}

// ----- trade_updates -----------------------------------------------------------------------

std::string update_frame(std::string_view event, std::string_view status) {
  return std::string(R"({"stream":"trade_updates","data":{"event":")") + std::string(event) +
         R"(","execution_id":"7b2f5e1c-0000-4000-8000-000000000001","order":{"id":"61e69015-8549-4bfd-b9c3-01e75843f47d",)"
         R"("client_order_id":"t-1","symbol":"AAPL","side":"buy","type":"market","time_in_force":"day",)"
         R"("qty":"10","filled_qty":"10","filled_avg_price":"187.49","status":")" +
         std::string(status) +
         R"("},"timestamp":"2024-06-03T09:30:00.000000001-04:00","price":"187.49","qty":"10","position_qty":"110"}})";
}

TEST(TradeUpdates, FillFrame) {
  stream_message m;
  const auto r = parse_trade_update(update_frame("fill", "filled"), m);
  ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.field;
  EXPECT_EQ(m.kind, stream_kind::trade_updates);
  EXPECT_EQ(m.update.event, trade_event::fill);
  EXPECT_EQ(m.update.execution_id.view(), "7b2f5e1c-0000-4000-8000-000000000001");
  EXPECT_EQ(m.update.order.status, order_status::filled);
  EXPECT_EQ(m.update.order.coid.view(), "t-1");
  EXPECT_EQ(m.update.px, parse_decimal<price>("187.49"));
  EXPECT_EQ(m.update.qty, parse_decimal<quantity>("10"));
  EXPECT_EQ(m.update.position_qty, parse_decimal<quantity>("110"));
  ASSERT_TRUE(m.update.time);
  EXPECT_EQ(m.update.time->ns, parse_rfc3339("2024-06-03T13:30:00Z")->ns + 1);
}

TEST(TradeUpdates, EveryEventName) {
  const std::string_view names[] = {"new", "fill", "partial_fill", "canceled", "expired",
                                    "done_for_day", "replaced", "accepted", "rejected",
                                    "pending_new", "stopped", "pending_cancel", "pending_replace",
                                    "calculated", "suspended", "order_replace_rejected",
                                    "order_cancel_rejected"};
  static_assert(std::size(names) == trade_event_count);
  for (size_t i = 0; i < std::size(names); ++i) {
    stream_message m;
    ASSERT_TRUE(parse_trade_update(update_frame(names[i], "new"), m).ok()) << names[i];
    EXPECT_EQ(static_cast<size_t>(m.update.event), i) << names[i];
    EXPECT_EQ(to_string(m.update.event), names[i]);
  }
  stream_message m;
  const auto r = parse_trade_update(update_frame("exploded", "new"), m);
  EXPECT_EQ(r.error, E::unknown_event);
  EXPECT_EQ(r.field, "event");
}

TEST(TradeUpdates, NewEventWithNullsAndDataBeforeStream) {
  const std::string_view frame =
      R"({"data":{"event":"new","order":{"id":"a","symbol":"MSFT","side":"sell","type":"limit",)"
      R"("time_in_force":"gtc","limit_price":"400","qty":"1","filled_qty":"0","filled_avg_price":null,)"
      R"("filled_at":null,"status":"new"},"timestamp":"2024-06-03T13:30:00+00:00","price":null,"qty":null},)"
      R"("stream":"trade_updates"})";
  stream_message m;
  const auto r = parse_trade_update(frame, m);
  ASSERT_TRUE(r.ok()) << to_string(r.error) << " " << r.field;
  EXPECT_EQ(m.update.event, trade_event::new_order);
  EXPECT_EQ(m.update.order.symbol.view(), "MSFT");
  EXPECT_FALSE(m.update.px);
  EXPECT_FALSE(m.update.qty);
  EXPECT_FALSE(m.update.order.filled_avg_price);
  EXPECT_TRUE(m.update.execution_id.empty());
  EXPECT_EQ(m.update.time, parse_rfc3339("2024-06-03T13:30:00Z"));
}

TEST(TradeUpdates, AuthorizationAndListening) {
  stream_message m;
  ASSERT_TRUE(parse_trade_update(
      R"({"stream":"authorization","data":{"action":"authenticate","status":"authorized"}})", m).ok());
  EXPECT_EQ(m.kind, stream_kind::authorization);
  EXPECT_TRUE(m.authorized);
  ASSERT_TRUE(parse_trade_update(
      R"({"stream":"authorization","data":{"action":"authenticate","status":"unauthorized","message":"access key verification failed"}})", m).ok());
  EXPECT_FALSE(m.authorized);
  EXPECT_EQ(m.auth_message.view(), "access key verification failed");
  ASSERT_TRUE(parse_trade_update(R"({"stream":"listening","data":{"streams":["trade_updates"]}})", m).ok());
  EXPECT_EQ(m.kind, stream_kind::listening);
  EXPECT_TRUE(m.listening_trade_updates);
  EXPECT_EQ(m.listening_count, 1);
  ASSERT_TRUE(parse_trade_update(R"({"data":{"streams":[]},"stream":"listening"})", m).ok());
  EXPECT_FALSE(m.listening_trade_updates);
  EXPECT_EQ(m.listening_count, 0);
}

TEST(TradeUpdates, MalformedFrames) {
  struct row {
    std::string_view frame;
    E err;
  };
  const row rows[] = {
      {"", E::malformed_json},
      {"{", E::malformed_json},
      {"[]", E::not_object},
      {R"({"stream":"trade_updates"})", E::missing_field},
      {R"({"data":{}})", E::missing_field},
      {R"({"stream":"account_updates","data":{}})", E::unknown_stream},
      {R"({"stream":"trade_updates","data":[]})", E::bad_field},
      {R"({"stream":"trade_updates","data":{"event":"fill"}})", E::missing_field},
      {R"({"stream":"authorization","data":{"status":"maybe"}})", E::bad_field},
      {R"({"stream":"listening","data":{"streams":"trade_updates"}})", E::bad_field},
      {R"({"stream":"trade_updates","data":{"event":"fill","order":{"id":"a"}}})", E::missing_field},
      {R"({"data":{"event":"fill","order":{}},"stream":"trade_updates"})", E::missing_field},
      {R"({"stream":"trade_updates","data":{"event":"fill","price":"1.2.3","order":{}}})", E::bad_decimal},
  };
  for (const row& r : rows) {
    stream_message m;
    const auto res = parse_trade_update(r.frame, m);
    EXPECT_EQ(res.error, r.err) << r.frame << " got " << to_string(res.error) << " " << res.field;
  }
  // Every truncation of a valid frame is an error, never a crash.
  const std::string f = update_frame("fill", "filled");
  for (size_t n = 0; n < f.size(); ++n) {
    stream_message m;
    EXPECT_FALSE(parse_trade_update(std::string_view(f).substr(0, n), m).ok()) << n;
  }
}

TEST(Parsers, NoAllocationAfterConstruction) {
  trading_parser p(64 * 1024);
  const std::string fill = update_frame("fill", "filled");
  const std::string deferred = std::string(R"({"data":{"streams":["trade_updates"]},"stream":"listening"})");
  stream_message m;
  order_view o;
  api_error_view e;
  int ok = 0;
  test::start_counting_allocations();
  for (int i = 0; i < 200; ++i) {
    ok += p.parse_trade_update(fill, m).ok();
    ok += p.parse_trade_update(deferred, m).ok();
    ok += p.parse_order(order_json, o).ok();
    ok += p.parse_error_body(R"({"code":40310000,"message":"insufficient buying power"})", e).ok();
    ok += !p.parse_order("{\"id\":", o).ok();
  }
  const uint64_t allocs = test::stop_counting_allocations();
  EXPECT_EQ(allocs, 0u);
  EXPECT_EQ(ok, 1000);
}

// ----- client actions ----------------------------------------------------------------------

TEST(TradingActions, AuthBothFormsAndListen) {
  std::string out;
  encode_trading_auth("PK\"1", "s\\ec", out);
  EXPECT_EQ(out, R"({"action":"auth","key":"PK\"1","secret":"s\\ec"})");
  out.clear();
  encode_trading_auth_legacy("PKTEST", "s3cr3t", out);
  EXPECT_EQ(out, R"({"action":"authenticate","data":{"key_id":"PKTEST","secret_key":"s3cr3t"}})");
  out.clear();
  const std::string_view streams[] = {"trade_updates"};
  encode_trading_listen(streams, out);
  EXPECT_EQ(out, R"({"action":"listen","data":{"streams":["trade_updates"]}})");
  // Long values are escaped in chunks: the result still round-trips through a JSON parser.
  out.clear();
  const std::string long_key(150, 'k');
  encode_trading_auth(long_key, std::string(70, '"'), out);
  EXPECT_EQ(out, R"({"action":"auth","key":")" + long_key + R"(","secret":")" +
                     [] { std::string s; for (int i = 0; i < 70; ++i) s += "\\\""; return s; }() + "\"}");
}

}  // namespace
}  // namespace torghut::adapters
