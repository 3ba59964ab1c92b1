// The audit serializer: every row kind becomes one deterministic JSON line, decimals and
// timestamps as strings.
#include "torghut/persistence/audit_json.hpp"

#include <gtest/gtest.h>

#include "torghut/core/decision_hash.hpp"

using namespace torghut;
using torghut::persistence::append_audit_json;
using torghut::persistence::append_rfc3339;

TEST(audit_json, formats_timestamps_as_rfc3339_with_nine_fractional_digits) {
  std::string s;
  append_rfc3339(s, timestamp{1'700'000'000'123'456'789});
  EXPECT_EQ(s, "2023-11-14T22:13:20.123456789Z");
  s.clear();
  append_rfc3339(s, timestamp{0});
  EXPECT_EQ(s, "1970-01-01T00:00:00.000000000Z");
  s.clear();
  append_rfc3339(s, timestamp{951'782'400'000'000'001});  // leap day 2000
  EXPECT_EQ(s, "2000-02-29T00:00:00.000000001Z");
}

TEST(audit_json, writes_decimals_as_exact_strings_and_hash_as_hex) {
  symbol_table syms(16);
  const auto aapl = syms.intern("AAPL");
  audit_row r;
  r.kind = audit_kind::decision;
  r.seq = 7;
  r.time = timestamp{1'700'000'000'000'000'000};
  order_intent d;
  d.strategy = strategy_id{3};
  d.symbol = aapl;
  d.qty = quantity::from_raw(12 * quantity::scale);
  d.reference_px = *parse_decimal<price>("187.25");
  d.event_time = timestamp{1'700'000'000'000'000'000};
  d.hash = decision_hash{0x0123456789abcdefull, 0xfedcba9876543210ull};
  r.body.decision = d;
  std::string s;
  append_audit_json(s, r, syms);
  EXPECT_EQ(s,
            "{\"seq\":7,\"kind\":\"decision\",\"ts\":\"2023-11-14T22:13:20.000000000Z\","
            "\"strategy_id\":3,\"symbol\":\"AAPL\",\"action\":\"buy\",\"type\":\"market\","
            "\"time_in_force\":\"day\",\"qty\":\"12\",\"reference_price\":\"187.25\","
            "\"event_ts\":\"2023-11-14T22:13:20.000000000Z\","
            "\"decision_hash\":\"0123456789abcdeffedcba9876543210\",\"rationale\":\"\"}");
}

TEST(audit_json, names_the_rejection_reason_of_a_verdict) {
  symbol_table syms(16);
  audit_row r;
  r.kind = audit_kind::verdict;
  risk_verdict v;
  v.intent.symbol = syms.intern("MSFT");
  v.reason = risk_reason::notional_exceeds_max_per_order;
  v.state = trading_state::reducing;
  r.body.verdict = v;
  std::string s;
  append_audit_json(s, r, syms);
  EXPECT_NE(s.find("\"approved\":false"), std::string::npos) << s;
  EXPECT_NE(s.find("\"reason\":\"NOTIONAL_EXCEEDS_MAX_PER_ORDER\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"trading_state\":\"REDUCING\""), std::string::npos) << s;
}

TEST(audit_json, writes_execution_reports_with_status_and_fill_prices) {
  symbol_table syms(16);
  audit_row r;
  r.kind = audit_kind::execution;
  execution_report e;
  e.id = order_id{42};
  e.coid = client_order_id_for(decision_hash{1, 2});
  e.symbol = syms.intern("SPY");
  e.order_side = side::sell;
  e.status = order_status::partially_filled;
  e.order_qty = quantity::from_raw(10 * quantity::scale);
  e.last_qty = quantity::from_raw(4 * quantity::scale);
  e.last_px = *parse_decimal<price>("450.1");
  e.cum_qty = e.last_qty;
  e.avg_px = e.last_px;
  r.body.execution = e;
  std::string s;
  append_audit_json(s, r, syms);
  EXPECT_NE(s.find("\"status\":\"partially_filled\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"last_price\":\"450.1\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"client_order_id\":\"tg-00000000000000010000000000000002\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"side\":\"sell\""), std::string::npos) << s;
}
