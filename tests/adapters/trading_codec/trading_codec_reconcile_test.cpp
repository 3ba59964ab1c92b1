// The reconciliation parsers: GET /v2/orders (a list), /v2/positions, /v2/account, /v2/clock,
// in Alpaca's shapes (decimals as strings), with every required field and error path.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "torghut/adapters/trading_codec.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters {
namespace {

using E = trading_codec_error;

std::string order(std::string_view id, std::string_view coid, std::string_view status = "new") {
  return std::string(R"({"id":")") + std::string(id) + R"(","client_order_id":")" + std::string(coid) +
         R"(","symbol":"AAPL","side":"buy","type":"limit","time_in_force":"day","qty":"5",)"
         R"("filled_qty":"2","filled_avg_price":"187.25","limit_price":"187.5","status":")" +
         std::string(status) + R"(","legs":null,"created_at":"2024-01-02T15:00:00Z"})";
}

TEST(ReconcileOrders, ListOfOrders) {
  std::vector<order_view> out;
  const std::string body = "[" + order("id-1", "tg-1") + "," + order("id-2", "tg-2", "partially_filled") + "]";
  ASSERT_TRUE(parse_order_list(body, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id.view(), "id-1");
  EXPECT_EQ(out[0].coid.view(), "tg-1");
  EXPECT_EQ(out[0].status, order_status::new_order);
  EXPECT_EQ(out[1].status, order_status::partially_filled);
  EXPECT_EQ(out[1].filled_qty, *parse_decimal<quantity>("2"));
  EXPECT_EQ(*out[1].filled_avg_price, *parse_decimal<price>("187.25"));
}

TEST(ReconcileOrders, EmptyAndErrors) {
  std::vector<order_view> out(3);
  ASSERT_TRUE(parse_order_list("[]", out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(parse_order_list(" [ ] \n", out).ok());
  EXPECT_EQ(parse_order_list(order("a", "b"), out).error, E::not_object);  // an object, not a list
  EXPECT_EQ(parse_order_list("[1]", out).error, E::bad_field);
  EXPECT_EQ(parse_order_list("Not Found", out).error, E::malformed_json);
  EXPECT_EQ(parse_order_list("[" + order("a", "b"), out).error, E::malformed_json);
  // The second order lacks its id: the first is kept, the error names the field.
  const std::string bad = "[" + order("id-1", "tg-1") + R"(,{"symbol":"AAPL","side":"buy","type":"market",)"
                          R"("time_in_force":"day","status":"new"}])";
  const auto r = parse_order_list(bad, out);
  EXPECT_EQ(r.error, E::missing_field);
  EXPECT_EQ(r.field, "id");
  EXPECT_EQ(out.size(), 1u);
}

TEST(ReconcilePositions, LongAndShort) {
  std::vector<position_view> out;
  const std::string body =
      R"([{"asset_id":"x","symbol":"AAPL","exchange":"NASDAQ","asset_class":"us_equity","avg_entry_price":"100.25",)"
      R"("qty":"5","side":"long","market_value":"600.5","cost_basis":"501.25","current_price":"120.1",)"
      R"("unrealized_pl":"99.25"},)"
      R"({"symbol":"TSLA","avg_entry_price":"250","qty":"-3","side":"short","market_value":"-720",)"
      R"("current_price":"240"},)"
      R"({"symbol":"MSFT","avg_entry_price":"400","qty":"2","side":"short","market_value":null,"current_price":null}])";
  ASSERT_TRUE(parse_positions(body, out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].symbol.view(), "AAPL");
  EXPECT_EQ(out[0].qty, *parse_decimal<quantity>("5"));
  EXPECT_EQ(out[0].avg_entry_price, *parse_decimal<price>("100.25"));
  EXPECT_EQ(*out[0].market_value, *parse_decimal<money>("600.5"));
  EXPECT_EQ(*out[0].current_price, *parse_decimal<price>("120.1"));
  EXPECT_EQ(out[1].qty, *parse_decimal<quantity>("-3"));
  EXPECT_EQ(*out[1].market_value, *parse_decimal<money>("-720"));
  EXPECT_EQ(out[2].qty, *parse_decimal<quantity>("-2"));  // side short, positive qty: negated
  EXPECT_FALSE(out[2].market_value);
  EXPECT_FALSE(out[2].current_price);
}

TEST(ReconcilePositions, Errors) {
  std::vector<position_view> out;
  EXPECT_TRUE(parse_positions("[]", out).ok());
  auto r = parse_positions(R"([{"symbol":"AAPL","qty":"1"}])", out);
  EXPECT_EQ(r.error, E::missing_field);
  EXPECT_EQ(r.field, "avg_entry_price");
  r = parse_positions(R"([{"qty":"1","avg_entry_price":"1"}])", out);
  EXPECT_EQ(r.field, "symbol");
  r = parse_positions(R"([{"symbol":"A","avg_entry_price":"1"}])", out);
  EXPECT_EQ(r.field, "qty");
  r = parse_positions(R"([{"symbol":"A","qty":"x","avg_entry_price":"1"}])", out);
  EXPECT_EQ(r.error, E::bad_decimal);
  r = parse_positions(R"([{"symbol":"A","qty":null,"avg_entry_price":"1"}])", out);
  EXPECT_EQ(r.error, E::bad_field);
  r = parse_positions(R"([{"symbol":"A","qty":"1","avg_entry_price":"1","side":"sideways"}])", out);
  EXPECT_EQ(r.field, "side");
  EXPECT_EQ(parse_positions("{}", out).error, E::not_object);
}

TEST(ReconcileAccount, Fields) {
  account_view a;
  const std::string body =
      R"({"id":"904837e3-3b76-47ec-b432-046db621571b","account_number":"PA1","status":"ACTIVE","currency":"USD",)"
      R"("cash":"-1234.56","portfolio_value":"103820.56","equity":"103820.56","buying_power":"262113.632",)"
      R"("daytrade_count":3,"trading_blocked":false,"account_blocked":true,"pattern_day_trader":false})";
  ASSERT_TRUE(parse_account(body, a).ok());
  EXPECT_EQ(a.id.view(), "904837e3-3b76-47ec-b432-046db621571b");
  EXPECT_EQ(a.status.view(), "ACTIVE");
  EXPECT_EQ(a.cash, *parse_decimal<money>("-1234.56"));
  EXPECT_EQ(a.equity, *parse_decimal<money>("103820.56"));
  EXPECT_EQ(a.portfolio_value, a.equity);
  EXPECT_EQ(a.buying_power, *parse_decimal<money>("262113.632"));
  EXPECT_EQ(a.daytrade_count, 3);
  EXPECT_FALSE(a.trading_blocked);
  EXPECT_TRUE(a.account_blocked);
}

TEST(ReconcileAccount, DefaultsAndErrors) {
  account_view a;
  ASSERT_TRUE(parse_account(R"({"id":"x","status":"ACTIVE","cash":"1","equity":"2","buying_power":"3",)"
                            R"("daytrade_count":"4","trading_blocked":null})",
                            a)
                  .ok());
  EXPECT_EQ(a.portfolio_value, *parse_decimal<money>("2"));  // absent: equity
  EXPECT_EQ(a.daytrade_count, 4);                            // a string count is read too
  EXPECT_FALSE(a.trading_blocked);
  for (const char* missing : {"id", "status", "cash", "equity", "buying_power"}) {
    std::string body = R"({"id":"x","status":"ACTIVE","cash":"1","equity":"2","buying_power":"3"})";
    const std::string key = std::string("\"") + missing + "\":";
    const size_t p = body.find(key);
    const size_t e = body.find_first_of(",}", body.find('"', p + key.size() + 1));
    body.erase(p, e - p + (body[e] == ',' ? 1 : 0));
    if (body[body.size() - 2] == ',') body.erase(body.size() - 2, 1);
    const auto r = parse_account(body, a);
    EXPECT_EQ(r.error, E::missing_field) << body;
    EXPECT_EQ(r.field, missing) << body;
  }
  EXPECT_EQ(parse_account(R"({"id":"x","status":"A","cash":"1","equity":"2","buying_power":"3","daytrade_count":"x"})", a).error,
            E::bad_field);
  EXPECT_EQ(parse_account(R"({"id":"x","status":"A","cash":"1","equity":"2","buying_power":"3","trading_blocked":"no"})", a).error,
            E::bad_field);
  EXPECT_EQ(parse_account(R"({"id":"x","status":"A","cash":"1e999","equity":"2","buying_power":"3"})", a).error,
            E::bad_decimal);
  EXPECT_EQ(parse_account("[]", a).error, E::not_object);
}

TEST(ReconcileClock, Fields) {
  clock_view c;
  ASSERT_TRUE(parse_clock(R"({"timestamp":"2024-01-02T10:00:00.123456789-05:00","is_open":true,)"
                          R"("next_open":"2024-01-03T09:30:00-05:00","next_close":"2024-01-02T16:00:00-05:00"})",
                          c)
                  .ok());
  EXPECT_EQ(c.time, *parse_rfc3339("2024-01-02T15:00:00.123456789Z"));
  EXPECT_TRUE(c.is_open);
  EXPECT_EQ(c.next_open, *parse_rfc3339("2024-01-03T14:30:00Z"));
  EXPECT_EQ(c.next_close, *parse_rfc3339("2024-01-02T21:00:00Z"));
  auto r = parse_clock(R"({"timestamp":"2024-01-02T10:00:00Z","next_open":"2024-01-03T09:30:00Z","next_close":"2024-01-02T16:00:00Z"})", c);
  EXPECT_EQ(r.field, "is_open");
  r = parse_clock(R"({"timestamp":"yesterday","is_open":false,"next_open":"2024-01-03T09:30:00Z","next_close":"2024-01-02T16:00:00Z"})", c);
  EXPECT_EQ(r.error, E::bad_timestamp);
  r = parse_clock(R"({"timestamp":null,"is_open":false,"next_open":"2024-01-03T09:30:00Z","next_close":"2024-01-02T16:00:00Z"})", c);
  EXPECT_EQ(r.error, E::bad_field);
  r = parse_clock(R"({"timestamp":"2024-01-02T10:00:00Z","is_open":"yes","next_open":"2024-01-03T09:30:00Z","next_close":"2024-01-02T16:00:00Z"})", c);
  EXPECT_EQ(r.field, "is_open");
  r = parse_clock(R"({"timestamp":"2024-01-02T10:00:00Z","is_open":false,"next_close":"2024-01-02T16:00:00Z"})", c);
  EXPECT_EQ(r.field, "next_open");
}

TEST(ReconcileParser, OwnParserInstance) {
  trading_parser p(4096);
  clock_view c;
  EXPECT_TRUE(p.parse_clock(R"({"timestamp":"2024-01-02T10:00:00Z","is_open":false,"next_open":"2024-01-03T09:30:00Z","next_close":"2024-01-02T16:00:00Z"})", c).ok());
  std::vector<order_view> out;
  EXPECT_EQ(p.parse_order_list("[" + std::string(5000, ' ') + "]", out).error, E::too_large);
}

}  // namespace
}  // namespace torghut::adapters
