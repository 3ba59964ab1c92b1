#pragma once
// Sample market events of every kind Alpaca sends, and a field-by-field comparison (the union
// has padding, so events are never compared as bytes).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "torghut/core/messages.hpp"
#include "torghut/core/rfc3339.hpp"

namespace torghut::adapters::testing {

inline price px_raw(int64_t raw) { return price::from_raw(raw); }
inline quantity qty_raw(int64_t raw) { return quantity::from_raw(raw); }
inline timestamp ts(std::string_view s) { return *parse_rfc3339(s); }

/// One event of each kind, with its symbol text. Nanosecond, millisecond and whole-second
/// timestamps; fractional and whole sizes; '\0' characters (written as "").
inline std::vector<std::pair<market_event, std::string>> sample_events() {
  std::vector<std::pair<market_event, std::string>> v;
  auto add = [&](market_event_kind k, std::string sym, std::string_view t) -> market_event& {
    market_event e{};
    e.kind = k;
    e.event_time = ts(t);
    v.emplace_back(e, std::move(sym));
    return v.back().first;
  };
  {
    auto& e = add(market_event_kind::trade, "AAPL", "2021-02-22T15:51:44.208Z");
    e.u.trade = trade_payload{};
    e.u.trade.id.value = 52983525029461;
    e.u.trade.px = px_raw(126'550'000'000);
    e.u.trade.size = qty_raw(1'000'000'000);
    e.u.trade.conditions = {'@', 'I', '\0', '\0'};
    e.u.trade.n_conditions = 2;
    e.u.trade.exchange = 'K';
    e.u.trade.tape = 'C';
  }
  {
    auto& e = add(market_event_kind::trade, "BTC/USD", "2021-02-22T15:51:44.000000001Z");
    e.u.trade = trade_payload{};
    e.u.trade.id.value = (int64_t{1} << 60) + 3;  // crypto ids exceed 2^53
    e.u.trade.px = px_raw(51'234'567'891'234);        // 51234.567891234
    e.u.trade.size = qty_raw(123'456'789);            // 0.123456789
    e.u.trade.n_conditions = 0;
    e.u.trade.exchange = '\0';
    e.u.trade.tape = '\0';
  }
  {
    auto& e = add(market_event_kind::quote, "AMD", "2021-02-22T15:51:45.335689322Z");
    e.u.quote = quote_payload{};
    e.u.quote.bid_exchange = 'U';
    e.u.quote.bid_px = px_raw(87'660'000'000);
    e.u.quote.bid_size = qty_raw(1'000'000'000);
    e.u.quote.ask_exchange = 'Q';
    e.u.quote.ask_px = px_raw(87'680'000'000);
    e.u.quote.ask_size = qty_raw(4'000'000'000);
    e.u.quote.tape = 'C';
  }
  {
    auto& e = add(market_event_kind::quote, "ONE", "2021-02-22T15:51:45Z");  // one-sided
    e.u.quote = quote_payload{};
    e.u.quote.bid_px = px_raw(0);
    e.u.quote.bid_size = qty_raw(0);
    e.u.quote.ask_exchange = 'Q';
    e.u.quote.ask_px = px_raw(5'010'000'000);
    e.u.quote.ask_size = qty_raw(2'000'000'000);
  }
  const market_event_kind bars[] = {market_event_kind::bar, market_event_kind::daily_bar,
                                    market_event_kind::updated_bar};
  for (const auto k : bars) {
    auto& e = add(k, "SPY", "2021-02-22T19:15:00Z");
    e.u.bar = bar_payload{};
    e.u.bar.open = px_raw(388'985'000'000);
    e.u.bar.high = px_raw(389'130'000'000);
    e.u.bar.low = px_raw(388'975'000'000);
    e.u.bar.close = px_raw(389'120'000'000);
    e.u.bar.volume = qty_raw(49'378'000'000'000);
    e.u.bar.vwap = px_raw(389'062'639'000);
    e.u.bar.trade_count = 461;
  }
  {
    auto& e = add(market_event_kind::bar, "NOVW", "2021-02-22T19:16:00Z");  // no vwap
    e.u.bar = bar_payload{};
    e.u.bar.open = e.u.bar.high = e.u.bar.low = e.u.bar.close = px_raw(1'000'000'000);
    e.u.bar.volume = qty_raw(0);
  }
  {
    auto& e = add(market_event_kind::status, "AAPL", "2021-02-22T19:15:00.5Z");
    e.u.status = status_payload{};
    (void)e.u.status.status_code.assign("H");
    (void)e.u.status.reason_code.assign("T12");
    e.u.status.tape = 'C';
  }
  {
    auto& e = add(market_event_kind::correction, "EEM", "2021-02-22T15:51:44Z");
    e.u.correction = correction_payload{};
    e.u.correction.original_id.value = 1716;
    e.u.correction.original_px = px_raw(39'250'000'000);
    e.u.correction.original_size = qty_raw(100'000'000'000);
    e.u.correction.corrected_id.value = 1722;
    e.u.correction.corrected_px = px_raw(39'260'000'000);
    e.u.correction.corrected_size = qty_raw(150'000'000'000);
    e.u.correction.exchange = 'N';
    e.u.correction.tape = 'A';
  }
  {
    auto& e = add(market_event_kind::cancel_error, "AAPL", "2021-02-22T15:51:44.1Z");
    e.u.cancel_error = cancel_error_payload{};
    e.u.cancel_error.id.value = 5;
    e.u.cancel_error.px = px_raw(1'000'000'000);
    e.u.cancel_error.size = qty_raw(2'000'000'000);
    e.u.cancel_error.action = 'E';
    e.u.cancel_error.exchange = 'D';
    e.u.cancel_error.tape = 'C';
  }
  {
    auto& e = add(market_event_kind::luld, "IONM", "2021-02-22T15:51:44Z");
    e.u.luld = luld_payload{};
    e.u.luld.limit_up = px_raw(5'300'000'000);
    e.u.luld.limit_down = px_raw(4'440'000'000);
    e.u.luld.indicator = 'B';
    e.u.luld.tape = 'C';
  }
  {
    auto& e = add(market_event_kind::imbalance, "SPY", "2021-02-22T19:15:00Z");
    e.u.imbalance = imbalance_payload{};
    e.u.imbalance.px = px_raw(412'190'000'000);
    e.u.imbalance.tape = 'P';
  }
  return v;
}

/// Every field a decoder fills, compared per kind (recv_time and flags excluded).
inline void expect_same_event(const market_event& a, const market_event& b) {
  ASSERT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.event_time, b.event_time);
  switch (a.kind) {
    case market_event_kind::trade:
      EXPECT_EQ(a.u.trade.id, b.u.trade.id);
      EXPECT_EQ(a.u.trade.px, b.u.trade.px);
      EXPECT_EQ(a.u.trade.size, b.u.trade.size);
      EXPECT_EQ(a.u.trade.n_conditions, b.u.trade.n_conditions);
      for (size_t i = 0; i < a.u.trade.n_conditions && i < 4; ++i)
        EXPECT_EQ(a.u.trade.conditions[i], b.u.trade.conditions[i]);
      EXPECT_EQ(a.u.trade.exchange, b.u.trade.exchange);
      EXPECT_EQ(a.u.trade.tape, b.u.trade.tape);
      break;
    case market_event_kind::quote:
      EXPECT_EQ(a.u.quote.bid_px, b.u.quote.bid_px);
      EXPECT_EQ(a.u.quote.bid_size, b.u.quote.bid_size);
      EXPECT_EQ(a.u.quote.ask_px, b.u.quote.ask_px);
      EXPECT_EQ(a.u.quote.ask_size, b.u.quote.ask_size);
      EXPECT_EQ(a.u.quote.bid_exchange, b.u.quote.bid_exchange);
      EXPECT_EQ(a.u.quote.ask_exchange, b.u.quote.ask_exchange);
      EXPECT_EQ(a.u.quote.tape, b.u.quote.tape);
      break;
    case market_event_kind::bar:
    case market_event_kind::daily_bar:
    case market_event_kind::updated_bar:
      EXPECT_EQ(a.u.bar.open, b.u.bar.open);
      EXPECT_EQ(a.u.bar.high, b.u.bar.high);
      EXPECT_EQ(a.u.bar.low, b.u.bar.low);
      EXPECT_EQ(a.u.bar.close, b.u.bar.close);
      EXPECT_EQ(a.u.bar.volume, b.u.bar.volume);
      EXPECT_EQ(a.u.bar.vwap, b.u.bar.vwap);
      EXPECT_EQ(a.u.bar.trade_count, b.u.bar.trade_count);
      break;
    case market_event_kind::status:
      EXPECT_EQ(a.u.status.status_code.view(), b.u.status.status_code.view());
      EXPECT_EQ(a.u.status.reason_code.view(), b.u.status.reason_code.view());
      EXPECT_EQ(a.u.status.tape, b.u.status.tape);
      break;
    case market_event_kind::correction:
      EXPECT_EQ(a.u.correction.original_id, b.u.correction.original_id);
      EXPECT_EQ(a.u.correction.original_px, b.u.correction.original_px);
      EXPECT_EQ(a.u.correction.original_size, b.u.correction.original_size);
      EXPECT_EQ(a.u.correction.corrected_id, b.u.correction.corrected_id);
      EXPECT_EQ(a.u.correction.corrected_px, b.u.correction.corrected_px);
      EXPECT_EQ(a.u.correction.corrected_size, b.u.correction.corrected_size);
      EXPECT_EQ(a.u.correction.exchange, b.u.correction.exchange);
      EXPECT_EQ(a.u.correction.tape, b.u.correction.tape);
      break;
    case market_event_kind::cancel_error:
      EXPECT_EQ(a.u.cancel_error.id, b.u.cancel_error.id);
      EXPECT_EQ(a.u.cancel_error.px, b.u.cancel_error.px);
      EXPECT_EQ(a.u.cancel_error.size, b.u.cancel_error.size);
      EXPECT_EQ(a.u.cancel_error.action, b.u.cancel_error.action);
      EXPECT_EQ(a.u.cancel_error.exchange, b.u.cancel_error.exchange);
      EXPECT_EQ(a.u.cancel_error.tape, b.u.cancel_error.tape);
      break;
    case market_event_kind::luld:
      EXPECT_EQ(a.u.luld.limit_up, b.u.luld.limit_up);
      EXPECT_EQ(a.u.luld.limit_down, b.u.luld.limit_down);
      EXPECT_EQ(a.u.luld.indicator, b.u.luld.indicator);
      EXPECT_EQ(a.u.luld.tape, b.u.luld.tape);
      break;
    case market_event_kind::imbalance:
      EXPECT_EQ(a.u.imbalance.px, b.u.imbalance.px);
      EXPECT_EQ(a.u.imbalance.tape, b.u.imbalance.tape);
      break;
    default:
      ADD_FAILURE() << "unexpected kind";
  }
}

}  // namespace torghut::adapters::testing
