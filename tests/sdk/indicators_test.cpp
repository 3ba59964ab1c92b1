// Hand-checkable properties of the incremental indicators: values a reader can verify on paper.
#include "torghut/sdk/indicators.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace torghut;
using namespace torghut::sdk;

namespace {

bar_payload bar_at(double close, double volume, double vwap = 0) {
  bar_payload b{};
  b.close = b.open = b.high = b.low = price::from_double(close).value();
  b.volume = quantity::from_double(volume).value();
  b.vwap = price::from_double(vwap).value();
  return b;
}

timestamp at_second(int64_t s) {
  return timestamp{s * ns_per_second};
}

/// 2024-03-15 14:30:00 UTC (09:30 New York, EDT).
constexpr int64_t open_s = 1710513000;

}  // namespace

TEST(ema, of_a_constant_series_is_that_constant) {
  ema e(12);
  for (int i = 0; i < 100; ++i) e.update(42.5);
  EXPECT_EQ(e.value(), 42.5);
  EXPECT_TRUE(e.ready());
}

TEST(ema, is_seeded_with_the_first_value_and_uses_alpha_two_over_n_plus_one) {
  ema e(3);  // alpha = 0.5
  EXPECT_EQ(e.update(10.0), 10.0);
  EXPECT_EQ(e.update(20.0), 15.0);
  EXPECT_EQ(e.update(0.0), 7.5);
  EXPECT_TRUE(e.ready());
  e.reset();
  EXPECT_FALSE(e.ready());
  EXPECT_EQ(e.update(4.0), 4.0);
}

TEST(ema, becomes_ready_after_period_values) {
  ema e(12);
  for (int i = 0; i < 11; ++i) e.update(1.0);
  EXPECT_FALSE(e.ready());
  e.update(1.0);
  EXPECT_TRUE(e.ready());
}

TEST(macd, of_a_constant_series_is_zero_and_its_signal_is_ready_at_bar_34) {
  macd m;
  for (int i = 1; i <= 33; ++i) {
    m.update(100.0);
    EXPECT_FALSE(m.ready()) << "bar " << i;
  }
  m.update(100.0);
  EXPECT_TRUE(m.ready());
  EXPECT_EQ(m.line(), 0.0);
  EXPECT_EQ(m.signal(), 0.0);
  EXPECT_EQ(m.histogram(), 0.0);
}

TEST(macd, line_is_positive_in_an_uptrend_and_negative_in_a_downtrend) {
  macd up, down;
  for (int i = 0; i < 60; ++i) {
    up.update(100.0 + i);
    down.update(100.0 - i);
  }
  EXPECT_GT(up.line(), 0.0);
  EXPECT_LT(down.line(), 0.0);
}

TEST(rsi, of_a_strictly_rising_series_is_100) {
  rsi r(14);
  for (int i = 0; i < 30; ++i) r.update(100.0 + i);
  ASSERT_TRUE(r.ready());
  EXPECT_EQ(r.value(), 100.0);
}

TEST(rsi, of_a_strictly_falling_series_is_0) {
  rsi r(14);
  for (int i = 0; i < 30; ++i) r.update(100.0 - i);
  EXPECT_EQ(r.value(), 0.0);
}

TEST(rsi, of_equal_alternating_gains_and_losses_is_50_after_the_first_average) {
  rsi r(14);
  // 15 closes: 14 changes, 7 of +1 and 7 of -1: average gain = average loss = 0.5.
  for (int i = 0; i < 15; ++i) r.update(i % 2 == 0 ? 100.0 : 101.0);
  ASSERT_TRUE(r.ready());
  EXPECT_DOUBLE_EQ(r.value(), 50.0);
}

TEST(rsi, is_neutral_50_until_14_changes_and_on_a_flat_series) {
  rsi r(14);
  for (int i = 0; i < 14; ++i) r.update(100.0 + i);
  EXPECT_FALSE(r.ready());
  EXPECT_EQ(r.value(), 50.0);
  rsi flat(14);
  for (int i = 0; i < 20; ++i) flat.update(7.0);
  EXPECT_TRUE(flat.ready());
  EXPECT_EQ(flat.value(), 50.0);
}

TEST(rsi, applies_wilder_smoothing_after_the_first_simple_average) {
  rsi r(2);
  r.update(10.0);
  r.update(12.0);  // +2
  r.update(11.0);  // -1: first averages G = 1, L = 0.5 → RSI = 100·1/1.5
  EXPECT_DOUBLE_EQ(r.value(), 100.0 * 1.0 / 1.5);
  r.update(14.0);  // +3: G = (1·1 + 3)/2 = 2, L = (0.5·1 + 0)/2 = 0.25 → 100·2/2.25
  EXPECT_DOUBLE_EQ(r.value(), 100.0 * 2.0 / 2.25);
}

TEST(bollinger, of_a_constant_series_has_zero_width) {
  bollinger b(2.0);
  for (int i = 0; i < 25; ++i) b.update(101.37);
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(b.mid(), 101.37);
  EXPECT_EQ(b.upper(), 101.37);
  EXPECT_EQ(b.lower(), 101.37);
}

TEST(bollinger, uses_the_population_stddev_of_the_last_20_closes) {
  bollinger b(2.0);
  for (int i = 0; i < 5; ++i) b.update(1000.0);                    // pushed out of the window below
  for (int i = 0; i < 20; ++i) b.update(i % 2 == 0 ? 9.0 : 11.0);  // mean 10, population sd 1
  EXPECT_DOUBLE_EQ(b.mid(), 10.0);
  EXPECT_DOUBLE_EQ(b.upper(), 12.0);
  EXPECT_DOUBLE_EQ(b.lower(), 8.0);
}

TEST(rolling_stats, stays_accurate_over_a_million_updates_at_a_large_offset) {
  rolling_stats<20> st;
  std::vector<double> xs;
  uint64_t state = 7;
  for (int i = 0; i < 1'000'000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const double x = 1e6 + static_cast<double>(i) * 0.01 + static_cast<double>(state >> 40) * 1e-9;
    st.update(x);
    if (i >= 1'000'000 - 20) xs.push_back(x);
  }
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= 20;
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  EXPECT_NEAR(st.mean(), mean, 1e-9 * mean);
  EXPECT_NEAR(st.population_stddev(), std::sqrt(ss / 20), 1e-7 * std::sqrt(ss / 20));
  EXPECT_NEAR(st.sample_stddev(), std::sqrt(ss / 19), 1e-7 * std::sqrt(ss / 19));
}

TEST(rolling_stats, of_a_window_that_turns_constant_has_exactly_zero_stddev) {
  rolling_stats<60> st;
  for (int i = 0; i < 50; ++i) st.update(0.001 * (i % 7) - 0.003);
  for (int i = 0; i < 60; ++i) st.update(0.0);
  EXPECT_EQ(st.sample_stddev(), 0.0);
  EXPECT_EQ(st.mean(), 0.0);
}

TEST(session_vwap, is_sum_of_price_times_volume_over_sum_of_volume) {
  session_vwap v;
  EXPECT_FALSE(v.ready());
  v.update(10.0, 100.0);
  v.update(20.0, 300.0);
  EXPECT_DOUBLE_EQ(v.value(), (10.0 * 100 + 20.0 * 300) / 400.0);
  v.reset();
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(v.value(), 0.0);
}

TEST(windowed_vwap, drops_buckets_older_than_the_window_and_counts_quiet_seconds_as_empty) {
  windowed_vwap<5> w;
  w.update(100, 10.0 * 1, 1);  // second 100
  w.update(102, 20.0 * 1, 1);  // second 101 was quiet
  EXPECT_DOUBLE_EQ(w.value(), 15.0);
  w.update(104, 30.0 * 2, 2);  // window (99, 104]: all three buckets
  EXPECT_DOUBLE_EQ(w.value(), (10.0 + 20.0 + 60.0) / 4.0);
  w.update(105, 40.0, 1);  // window (100, 105]: second 100 leaves
  EXPECT_DOUBLE_EQ(w.value(), (20.0 + 60.0 + 40.0) / 4.0);
  w.update(103, 50.0, 1);  // late but inside the window: counted
  EXPECT_DOUBLE_EQ(w.value(), (20.0 + 60.0 + 40.0 + 50.0) / 5.0);
  w.update(100, 1e6, 1);  // older than the window: ignored
  EXPECT_DOUBLE_EQ(w.value(), (20.0 + 60.0 + 40.0 + 50.0) / 5.0);
  w.update(120, 7.0, 1);  // everything else left the window
  EXPECT_DOUBLE_EQ(w.value(), 7.0);
}

TEST(windowed_vwap, is_not_ready_once_every_bucket_left_the_window) {
  windowed_vwap<300> w;
  w.update(open_s, 100.0 * 10, 10);
  EXPECT_TRUE(w.ready());
  w.update(open_s + 300, 0.0, 0.0);  // a zero-volume update that only moves the clock
  EXPECT_FALSE(w.ready());
  EXPECT_EQ(w.value(), 0.0);
}

TEST(realized_vol, of_a_constant_series_is_zero) {
  realized_vol v;
  for (int i = 0; i < 100; ++i) v.update(55.5);
  ASSERT_TRUE(v.ready());
  EXPECT_EQ(v.value(), 0.0);
}

TEST(realized_vol, is_the_sample_stddev_of_log_returns) {
  realized_vol v;
  // Closes alternate by a factor e^0.01: returns alternate +0.01, -0.01.
  double px = 100.0;
  v.update(px);
  for (int i = 0; i < 60; ++i) {
    px = i % 2 == 0 ? 100.0 * std::exp(0.01) : 100.0;
    v.update(px);
  }
  ASSERT_TRUE(v.ready());
  // 30 × (+0.01) and 30 × (-0.01): mean 0, Σx² = 60e-4, sample variance = 60e-4 / 59.
  EXPECT_NEAR(v.value(), std::sqrt(60e-4 / 59.0), 1e-12);
}

TEST(indicator_set, resets_session_vwap_at_0600_utc) {
  const int64_t six_utc = open_s - 8 * 3600 - 30 * 60;  // 2024-03-15 06:00:00 UTC
  EXPECT_EQ(indicator_set::session_day(at_second(six_utc - 1)) + 1,
            indicator_set::session_day(at_second(six_utc)));
  indicator_set s;
  s.on_bar(bar_at(10.0, 100), at_second(six_utc - 120));
  s.on_bar(bar_at(20.0, 100), at_second(six_utc - 1));
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_session, 15.0);
  s.on_bar(bar_at(30.0, 100), at_second(six_utc));
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_session, 30.0);
  // The 5-minute window does not care about sessions.
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, 20.0);
}

TEST(indicator_set, session_covers_the_whole_us_extended_day_in_est_and_edt) {
  // 04:00 ET pre-market to 20:00 ET after-hours is 08:00-00:00 UTC (EDT) or 09:00-01:00 UTC
  // (EST): always one session.
  const int64_t edt_day = 1710513000 - 14 * 3600 - 30 * 60;  // 2024-03-15 00:00 UTC
  EXPECT_EQ(indicator_set::session_day(at_second(edt_day + 8 * 3600)),
            indicator_set::session_day(at_second(edt_day + 24 * 3600)));
  const int64_t est_day = 1705276800;  // 2024-01-15 00:00 UTC
  EXPECT_EQ(indicator_set::session_day(at_second(est_day + 9 * 3600)),
            indicator_set::session_day(at_second(est_day + 25 * 3600)));
}

TEST(indicator_set, uses_close_for_vwap_when_the_bar_has_no_vwap) {
  indicator_set s;
  s.on_bar(bar_at(10.0, 100, 0.0), at_second(open_s));
  s.on_bar(bar_at(20.0, 100, 19.0), at_second(open_s + 1));
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_session, (10.0 + 19.0) / 2);
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, (10.0 + 19.0) / 2);
}

TEST(indicator_set, snapshot_reports_ready_bits_as_history_accumulates) {
  indicator_set s;
  EXPECT_EQ(s.snapshot().ready_mask, 0u);
  quote_payload q{};
  q.bid_px = price::from_double(9.98).value();
  q.ask_px = price::from_double(10.01).value();
  q.bid_size = quantity::from_double(300).value();
  q.ask_size = quantity::from_double(200).value();
  s.on_quote(q);
  auto snap = s.snapshot();
  EXPECT_EQ(snap.ready_mask, indicator_bit::quote);
  EXPECT_DOUBLE_EQ(snap.imbalance_spread, 0.03);
  EXPECT_DOUBLE_EQ(snap.imbalance_bid_px, 9.98);
  EXPECT_DOUBLE_EQ(snap.imbalance_ask_px, 10.01);
  EXPECT_DOUBLE_EQ(snap.imbalance_bid_sz, 300.0);
  EXPECT_DOUBLE_EQ(snap.imbalance_ask_sz, 200.0);

  const auto mask_after = [&](int bars) {
    indicator_set t;
    for (int i = 0; i < bars; ++i) t.on_bar(bar_at(100.0 + (i % 3), 10), at_second(open_s + i));
    return t.snapshot().ready_mask;
  };
  namespace bit = indicator_bit;
  EXPECT_EQ(mask_after(1), bit::vwap_session | bit::vwap_w5m);
  EXPECT_EQ(mask_after(11) & bit::ema12, 0u);
  EXPECT_EQ(mask_after(12) & bit::ema12, bit::ema12);
  EXPECT_EQ(mask_after(14) & bit::rsi14, 0u);
  EXPECT_EQ(mask_after(15) & bit::rsi14, bit::rsi14);
  EXPECT_EQ(mask_after(19) & bit::bollinger, 0u);
  EXPECT_EQ(mask_after(20) & bit::bollinger, bit::bollinger);
  EXPECT_EQ(mask_after(25) & (bit::ema26 | bit::macd), 0u);
  EXPECT_EQ(mask_after(26) & (bit::ema26 | bit::macd | bit::macd_signal), bit::ema26 | bit::macd);
  EXPECT_EQ(mask_after(33) & bit::macd_signal, 0u);
  EXPECT_EQ(mask_after(34) & bit::macd_signal, bit::macd_signal);
  EXPECT_EQ(mask_after(60) & bit::vol_realized, 0u);
  EXPECT_EQ(mask_after(61) & bit::vol_realized, bit::vol_realized);
  EXPECT_EQ(mask_after(61) | bit::quote, 0x3ffu);
}

TEST(indicator_set, reset_forgets_everything) {
  indicator_set s;
  for (int i = 0; i < 80; ++i) s.on_bar(bar_at(100.0 + i, 10), at_second(open_s + i));
  s.reset();
  EXPECT_EQ(s.bars(), 0u);
  EXPECT_EQ(s.snapshot().ready_mask, 0u);
  s.on_bar(bar_at(50.0, 10), at_second(open_s + 100));
  const auto snap = s.snapshot();
  EXPECT_EQ(snap.ema12, 50.0);
  EXPECT_EQ(snap.vwap_session, 50.0);
  EXPECT_EQ(snap.vwap_w5m, 50.0);
  EXPECT_EQ(snap.boll_mid, 50.0);
}

TEST(indicator_set, five_minute_vwap_window_advances_on_zero_volume_bars) {
  // Regression: the window used to move only on bars with volume, so after 300 s without volume
  // a zero-volume bar still reported the previous window's VWAP (and the ready bit).
  indicator_set s;
  s.on_bar(bar_at(10.0, 100), at_second(open_s));
  s.on_bar(bar_at(30.0, 100), at_second(open_s + 100));
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, 20.0);
  s.on_bar(bar_at(11.0, 0), at_second(open_s + 299));  // zero volume, both bars still inside
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, 20.0);
  s.on_bar(bar_at(12.0, 0), at_second(open_s + 300));  // (open_s, open_s + 300]: the first leaves
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, 30.0);
  EXPECT_NE(s.snapshot().ready_mask & indicator_bit::vwap_w5m, 0u);
  s.on_bar(bar_at(13.0, 0), at_second(open_s + 400));  // 300 s without volume: empty window
  EXPECT_EQ(s.snapshot().vwap_w5m, 0.0);
  EXPECT_EQ(s.snapshot().ready_mask & indicator_bit::vwap_w5m, 0u);
  s.on_bar(bar_at(14.0, 0), at_second(open_s + 2000));  // a long silence, then another zero bar
  EXPECT_EQ(s.snapshot().vwap_w5m, 0.0);
  EXPECT_EQ(s.snapshot().ready_mask & indicator_bit::vwap_w5m, 0u);
  s.on_bar(bar_at(20.0, 50), at_second(open_s + 2001));  // volume again: a fresh window
  EXPECT_DOUBLE_EQ(s.snapshot().vwap_w5m, 20.0);
  EXPECT_NE(s.snapshot().ready_mask & indicator_bit::vwap_w5m, 0u);
}
