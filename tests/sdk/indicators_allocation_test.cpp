// Proves the indicator library allocates nothing after construction: every global operator new of
// this test executable goes through a counter (torghut/test/allocations.hpp) that is switched on
// around the measured updates, resets and snapshots.
#include <gtest/gtest.h>

#include <cstdint>

#include "torghut/sdk/indicators.hpp"
#include "torghut/test/allocations.hpp"

using namespace torghut;
using namespace torghut::sdk;

TEST(indicators_allocation, the_counter_sees_an_allocation) {
  test::allocation_scope probe;
  int* volatile p = new int(7);  // volatile: the new/delete pair must not be elided
  const uint64_t n = probe.count();
  delete p;
  EXPECT_EQ(n, 1u);
}

TEST(indicators_allocation, a_million_updates_of_every_indicator_allocate_nothing) {
  // Construction allocates (runtime windows are sized here); nothing after it may.
  ema e(12), e_sma(26, ema_seed::sma);
  macd m, m_talib(ema_seed::sma), m_custom(5, 35, 5, ema_seed::sma);
  rsi r(14);
  sma s(50);
  stddev sd(30, stddev_kind::sample);
  zscore z(100);
  bollinger b(2.0), b_custom(50, 2.5);
  atr a(14);
  rolling_min lo(1000);
  rolling_max hi(1000);
  rolling_stats<> rs(77);
  rolling_stats<20> rs_fixed;
  session_vwap sv;
  windowed_vwap<300> wv_fixed;
  windowed_vwap<> wv(900);
  rolling_vwap rv(60);
  realized_vol vol, vol_custom(300);
  quote_imbalance qi;
  indicator_set set;
  quote_payload q{};
  q.bid_px = price::from_units(99).value();
  q.ask_px = price::from_units(101).value();
  q.bid_size = quantity::from_units(300).value();
  q.ask_size = quantity::from_units(200).value();
  bar_payload bar{};
  bar.volume = quantity::from_units(100).value();

  test::start_counting_allocations();
  uint64_t state = 1;
  double x = 100, sink = 0;
  int64_t second = 1'710'513'000;
  for (int i = 0; i < 1'000'000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x += static_cast<double>(state >> 40) / static_cast<double>(1ull << 24) - 0.5;
    if (x < 1) x = 100;
    second += (state >> 60) == 0 ? 400 : 1;  // now and then a silence longer than the windows
    const double v = static_cast<double>((state >> 20) % 1000);  // zero now and then
    sink += e.update(x) + e_sma.update(x);
    m.update(x);
    m_talib.update(x);
    m_custom.update(x);
    sink += m.histogram() + m_talib.signal() + m_custom.line();
    sink += r.update(x) + s.update(x) + sd.update(x) + z.update(x);
    b.update(x);
    b_custom.update(x);
    sink += b.upper() + b_custom.lower();
    sink += a.update(x + 0.25, x - 0.25, x) + lo.update(x) + hi.update(x);
    rs.update(x);
    rs_fixed.update(x);
    sink += rs.sample_stddev() + rs_fixed.population_stddev();
    sv.update(x, v);
    wv_fixed.update(second, x * v, v);
    wv.update(second, x * v, v);
    if (i % 5 == 0) wv.advance(second + 1);
    rv.update(x, v);
    vol.update(x);
    vol_custom.update(x);
    sink += sv.value() + wv_fixed.value() + wv.value() + rv.value() + vol.value() + vol_custom.value();
    qi.update(x - 0.01, x + 0.01, v, 1000 - v);
    sink += qi.imbalance();
    bar.close = price::from_double(x).value();
    bar.volume = quantity::from_double(v).value();
    if (i % 3 == 0) set.on_quote(q);
    set.on_bar(bar, timestamp{second * ns_per_second});
    sink += set.snapshot().boll_upper;
    if (i % 250'000 == 249'999) {  // a gap: everything resets
      e.reset(); e_sma.reset(); m.reset(); m_talib.reset(); m_custom.reset(); r.reset(); s.reset();
      sd.reset(); z.reset(); b.reset(); b_custom.reset(); a.reset(); lo.reset(); hi.reset();
      rs.reset(); rs_fixed.reset(); sv.reset(); wv_fixed.reset(); wv.reset(); rv.reset();
      vol.reset(); vol_custom.reset(); qi.reset(); set.reset();
    }
  }
  const uint64_t allocations = test::stop_counting_allocations();
  EXPECT_EQ(allocations, 0u);
  EXPECT_TRUE(sink == sink);  // the results were used (and are not NaN)
}
