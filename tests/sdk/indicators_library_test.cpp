// The indicator library a strategy holds as members: seeding conventions, runtime windows and the
// indicators beyond the per-symbol set, with values a reader can check on paper, brute-force
// references over random series, and reset behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "torghut/sdk/indicators.hpp"

using namespace torghut;
using namespace torghut::sdk;

namespace {

/// A deterministic pseudo-random stream (Knuth's MMIX LCG).
class lcg {
 public:
  explicit lcg(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return state_ >> 33;
  }
  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() % (1u << 30)) / static_cast<double>(1u << 30); }

 private:
  uint64_t state_;
};

/// Bitwise equality, so that "identical" means identical (and NaN == NaN).
bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

std::vector<double> random_walk(size_t n, uint64_t seed, double start = 100.0) {
  lcg r(seed);
  std::vector<double> xs;
  double x = start;
  for (size_t i = 0; i < n; ++i) {
    x += (r.unit() - 0.5) * 0.8;
    xs.push_back(x);
  }
  return xs;
}

// --- transcriptions of TA-Lib's batch algorithms (ta_EMA.c, ta_MACD.c, ta_ATR.c), output index
// i = input index i, NaN inside the lookback. Same operations in the same order as TA-Lib, so the
// streaming objects must match them bit for bit.

std::vector<double> batch_ema(const std::vector<double>& xs, int n, size_t start = 0) {
  std::vector<double> out(xs.size(), std::nan(""));
  const double k = 2.0 / static_cast<double>(n + 1);
  if (xs.size() < start + static_cast<size_t>(n)) return out;
  double prev = 0.0;
  size_t today = start;
  for (int i = 0; i < n; ++i) prev += xs[today++];
  prev /= n;
  out[today - 1] = prev;
  while (today < xs.size()) {
    prev = ((xs[today] - prev) * k) + prev;
    out[today++] = prev;
  }
  return out;
}

struct macd_rows {
  std::vector<double> fast, slow, line, signal;
};

/// TA_MACD: both EMAs start at the slow one's first output (index slow-1), so the fast EMA is
/// seeded with the SMA of inputs [slow-fast, slow-1]; the signal is an SMA-seeded EMA of the line.
macd_rows batch_macd(const std::vector<double>& xs, int fast, int slow, int signal) {
  macd_rows r;
  r.slow = batch_ema(xs, slow);
  r.fast = batch_ema(xs, fast, static_cast<size_t>(slow - fast));
  r.line.assign(xs.size(), std::nan(""));
  for (size_t i = static_cast<size_t>(slow - 1); i < xs.size(); ++i) r.line[i] = r.fast[i] - r.slow[i];
  const std::vector<double> tail(r.line.begin() + slow - 1, r.line.end());
  const std::vector<double> sig = batch_ema(tail, signal);
  r.signal.assign(xs.size(), std::nan(""));
  for (size_t i = 0; i < sig.size(); ++i) r.signal[i + static_cast<size_t>(slow - 1)] = sig[i];
  return r;
}

struct hlc {
  double high, low, close;
};

std::vector<double> batch_atr(const std::vector<hlc>& bars, int n) {
  std::vector<double> tr(bars.size(), 0.0), out(bars.size(), std::nan(""));
  for (size_t i = 1; i < bars.size(); ++i) {
    double g = bars[i].high - bars[i].low;
    const double v2 = std::fabs(bars[i - 1].close - bars[i].high);
    if (v2 > g) g = v2;
    const double v3 = std::fabs(bars[i - 1].close - bars[i].low);
    if (v3 > g) g = v3;
    tr[i] = g;
  }
  if (bars.size() <= static_cast<size_t>(n)) return out;
  double prev = 0;
  for (size_t i = 1; i <= static_cast<size_t>(n); ++i) prev += tr[i];
  prev /= n;
  out[static_cast<size_t>(n)] = prev;
  for (size_t i = static_cast<size_t>(n) + 1; i < bars.size(); ++i) {
    prev *= n - 1;
    prev += tr[i];
    prev /= n;
    out[i] = prev;
  }
  return out;
}

}  // namespace

// --- EMA seeding ----------------------------------------------------------------------------

TEST(ema_seeding, ta_lib_convention_on_1_to_10_worked_by_hand) {
  // EMA(3), alpha = 1/2. Seed at the 3rd value: (1+2+3)/3 = 2; then EMA_k = EMA_{k-1} +
  // (k - EMA_{k-1})/2 = k - 1 for every later k (2 → 3 → 4 ...). Before the 3rd value the object
  // reports the mean so far (1, 1.5) and is not ready.
  ema e(3, ema_seed::sma);
  const double expected[] = {1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0};
  for (int k = 1; k <= 10; ++k) {
    EXPECT_EQ(e.update(k), expected[k - 1]) << "value " << k;
    EXPECT_EQ(e.ready(), k >= 3) << "value " << k;
  }
  EXPECT_EQ(e.seed(), ema_seed::sma);
  EXPECT_EQ(e.period(), 3u);
}

TEST(ema_seeding, first_value_convention_on_1_to_10_worked_by_hand) {
  // EMA(3) seeded with the first value: EMA_1 = 1, EMA_k = k - 1 + 2^(1-k) (1, 1.5, 2.25, 3.125...).
  ema e(3);
  for (int k = 1; k <= 10; ++k) {
    EXPECT_EQ(e.update(k), (k - 1) + std::ldexp(1.0, 1 - k)) << "value " << k;
    EXPECT_EQ(e.ready(), k >= 3);
  }
  EXPECT_EQ(e.seed(), ema_seed::first_value);
}

TEST(ema_seeding, sma_seeded_ema_matches_ta_libs_batch_algorithm_bit_for_bit) {
  const auto xs = random_walk(2000, 11);
  for (int n : {1, 2, 9, 12, 26, 50}) {
    const auto ref = batch_ema(xs, n);
    ema e(n, ema_seed::sma);
    for (size_t i = 0; i < xs.size(); ++i) {
      e.update(xs[i]);
      ASSERT_EQ(e.ready(), i + 1 >= static_cast<size_t>(n)) << "n " << n << " i " << i;
      if (e.ready()) {
        ASSERT_TRUE(same_bits(e.value(), ref[i])) << "n " << n << " i " << i;
      }
    }
  }
}

TEST(ema_seeding, both_conventions_converge_and_reset_keeps_the_convention) {
  ema a(5), b(5, ema_seed::sma);
  for (int i = 0; i < 500; ++i) {
    a.update(i % 2 == 0 ? 10.0 : 20.0);
    b.update(i % 2 == 0 ? 10.0 : 20.0);
  }
  EXPECT_NEAR(a.value(), b.value(), 1e-9);  // the seed's weight decays as (2/3)^k
  b.reset();
  EXPECT_FALSE(b.ready());
  EXPECT_EQ(b.count(), 0u);
  EXPECT_EQ(b.update(4.0), 4.0);
  EXPECT_EQ(b.update(8.0), 6.0);  // still SMA-seeding after the reset
  EXPECT_EQ(b.seed(), ema_seed::sma);
}

// --- MACD -----------------------------------------------------------------------------------

TEST(macd_seeding, default_and_explicit_first_value_macds_are_identical) {
  const auto xs = random_walk(500, 3);
  macd a, b(12, 26, 9, ema_seed::first_value), c(ema_seed::first_value);
  for (double x : xs) {
    a.update(x);
    b.update(x);
    c.update(x);
    ASSERT_TRUE(same_bits(a.line(), b.line()) && same_bits(a.signal(), b.signal()));
    ASSERT_TRUE(same_bits(a.line(), c.line()) && same_bits(a.signal(), c.signal()));
    ASSERT_EQ(a.ready(), b.ready());
  }
}

TEST(macd_seeding, ta_lib_convention_worked_by_hand) {
  // MACD(3, 7, 3), alphas 1/2, 1/4, 1/2, on 10 10 10 10 1 2 3 3 3.
  // Slow EMA(7) at bar 7: SMA of bars 1..7 = 46/7. Fast EMA(3) at bar 7: TA-Lib seeds it with the
  // SMA of the 3 closes ending at bar 7, (1+2+3)/3 = 2 (not of bars 1..3, which would give 10).
  // Line at bar 7 = 2 - 46/7 = -32/7.
  // Bar 8 (3): slow = 46/7 + (3 - 46/7)/4 = 159/28, fast = 2.5, line = -89/28.
  // Bar 9 (3): slow = 561/112, fast = 2.75, line = -253/112.
  // Signal EMA(3) at bar 9: the mean of the three lines, -1121/336; histogram = 181/168.
  macd m(3, 7, 3, ema_seed::sma);
  const double xs[] = {10, 10, 10, 10, 1, 2, 3};
  for (double x : xs) {
    EXPECT_FALSE(m.line_ready());
    m.update(x);
  }
  ASSERT_TRUE(m.line_ready());
  EXPECT_FALSE(m.ready());
  EXPECT_DOUBLE_EQ(m.ema_fast(), 2.0);
  EXPECT_DOUBLE_EQ(m.ema_slow(), 46.0 / 7);
  EXPECT_DOUBLE_EQ(m.line(), -32.0 / 7);
  m.update(3);
  EXPECT_DOUBLE_EQ(m.line(), -89.0 / 28);
  EXPECT_FALSE(m.ready());
  m.update(3);
  ASSERT_TRUE(m.ready());
  EXPECT_DOUBLE_EQ(m.ema_slow(), 561.0 / 112);
  EXPECT_DOUBLE_EQ(m.ema_fast(), 2.75);
  EXPECT_DOUBLE_EQ(m.line(), -253.0 / 112);
  EXPECT_DOUBLE_EQ(m.signal(), -1121.0 / 336);
  EXPECT_DOUBLE_EQ(m.histogram(), 181.0 / 168);
}

TEST(macd_seeding, ta_lib_convention_line_is_0_until_bar_slow_and_signal_ready_at_34) {
  macd m(ema_seed::sma);
  for (int i = 1; i <= 40; ++i) {
    m.update(100.0 + i * (i % 3));
    EXPECT_EQ(m.line_ready(), i >= 26) << "bar " << i;
    EXPECT_EQ(m.ready(), i >= 34) << "bar " << i;
    if (i < 26) {
      EXPECT_EQ(m.line(), 0.0) << "bar " << i;
    }
  }
  EXPECT_EQ(m.seed(), ema_seed::sma);
}

TEST(macd_seeding, ta_lib_convention_matches_ta_libs_batch_algorithm_bit_for_bit) {
  const auto xs = random_walk(1500, 5);
  struct periods {
    int fast, slow, signal;
  };
  for (const periods p : {periods{12, 26, 9}, periods{5, 35, 5}, periods{3, 7, 3}, periods{8, 8, 1}}) {
    const macd_rows ref = batch_macd(xs, p.fast, p.slow, p.signal);
    macd m(p.fast, p.slow, p.signal, ema_seed::sma);
    for (size_t i = 0; i < xs.size(); ++i) {
      m.update(xs[i]);
      const bool line_ready = i + 1 >= static_cast<size_t>(p.slow);
      ASSERT_EQ(m.line_ready(), line_ready) << p.fast << "/" << p.slow << " i " << i;
      ASSERT_EQ(m.ready(), i + 2 >= static_cast<size_t>(p.slow + p.signal)) << i;
      if (!line_ready) continue;
      ASSERT_TRUE(same_bits(m.ema_slow(), ref.slow[i])) << i;
      ASSERT_TRUE(same_bits(m.ema_fast(), ref.fast[i])) << i;
      ASSERT_TRUE(same_bits(m.line(), ref.line[i])) << i;
      if (m.ready()) {
        ASSERT_TRUE(same_bits(m.signal(), ref.signal[i])) << i;
      }
    }
  }
}

TEST(macd_seeding, the_conventions_differ_early_and_agree_late) {
  const auto xs = random_walk(3000, 8);
  macd ours, talib(ema_seed::sma);
  double early = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    ours.update(xs[i]);
    talib.update(xs[i]);
    if (i == 40) early = std::fabs(ours.signal() - talib.signal());
  }
  EXPECT_GT(early, 1e-6);
  EXPECT_NEAR(ours.signal(), talib.signal(), 1e-9);
}

TEST(macd_seeding, reset_starts_over_with_the_same_periods_and_convention) {
  const auto xs = random_walk(100, 21);
  macd a(5, 10, 4, ema_seed::sma), fresh(5, 10, 4, ema_seed::sma);
  for (double x : random_walk(77, 2)) a.update(x);
  a.reset();
  EXPECT_FALSE(a.line_ready());
  EXPECT_EQ(a.line(), 0.0);
  for (double x : xs) {
    a.update(x);
    fresh.update(x);
    ASSERT_TRUE(same_bits(a.histogram(), fresh.histogram()));
  }
}

// --- SMA, stddev, z-score, rolling stats ------------------------------------------------------

TEST(sma, of_1_to_10_over_3_values) {
  sma s(3);
  const double expected[] = {1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0};
  for (int k = 1; k <= 10; ++k) {
    EXPECT_DOUBLE_EQ(s.update(k), expected[k - 1]) << k;
    EXPECT_EQ(s.ready(), k >= 3);
  }
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.period(), 3u);
  s.reset();
  EXPECT_FALSE(s.ready());
  EXPECT_EQ(s.value(), 0.0);
  EXPECT_EQ(s.update(7.0), 7.0);
}

TEST(sma, matches_a_brute_force_window_and_a_period_of_1_is_the_value) {
  const auto xs = random_walk(5000, 4, 1e5);
  sma s(37), one(1);
  for (size_t i = 0; i < xs.size(); ++i) {
    s.update(xs[i]);
    one.update(xs[i]);
    const size_t lo = i + 1 >= 37 ? i + 1 - 37 : 0;
    double sum = 0;
    for (size_t j = lo; j <= i; ++j) sum += xs[j];
    ASSERT_NEAR(s.value(), sum / static_cast<double>(i + 1 - lo), 1e-9) << i;
    ASSERT_EQ(one.value(), xs[i]);
  }
}

TEST(stddev, population_and_sample_of_the_classic_eight_values) {
  // 2 4 4 4 5 5 7 9: mean 5, Σ(x - 5)² = 32, population sd = 2, sample sd = sqrt(32/7).
  stddev pop(8), smp(8, stddev_kind::sample);
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) {
    pop.update(x);
    smp.update(x);
  }
  ASSERT_TRUE(pop.ready());
  EXPECT_DOUBLE_EQ(pop.value(), 2.0);
  EXPECT_DOUBLE_EQ(smp.value(), std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(pop.mean(), 5.0);
  pop.update(5.0);  // window 4 4 4 5 5 7 9 5: mean 43/8
  EXPECT_DOUBLE_EQ(pop.mean(), 43.0 / 8);
  pop.reset();
  EXPECT_FALSE(pop.ready());
  EXPECT_EQ(pop.value(), 0.0);
}

TEST(zscore, of_1_2_3_4_over_4_and_0_on_a_constant_window) {
  // Window 1 2 3 4: mean 2.5, population sd sqrt(1.25); z(4) = 1.5/sqrt(1.25).
  zscore z(4);
  EXPECT_EQ(z.update(1.0), 0.0);  // one value: sd 0 → 0
  z.update(2.0);
  z.update(3.0);
  EXPECT_FALSE(z.ready());
  EXPECT_DOUBLE_EQ(z.update(4.0), 1.5 / std::sqrt(1.25));
  EXPECT_TRUE(z.ready());
  EXPECT_DOUBLE_EQ(z.mean(), 2.5);
  EXPECT_DOUBLE_EQ(z.stddev(), std::sqrt(1.25));
  // Window 2 3 4 0: mean 2.25, squared deviations 0.0625 0.5625 3.0625 5.0625, variance 8.75/4.
  EXPECT_DOUBLE_EQ(z.update(0.0), -2.25 / std::sqrt(8.75 / 4));
  for (int i = 0; i < 4; ++i) z.update(7.0);
  EXPECT_EQ(z.value(), 0.0);
  EXPECT_EQ(z.stddev(), 0.0);
  z.reset();
  EXPECT_FALSE(z.ready());
  EXPECT_EQ(z.value(), 0.0);
}

TEST(zscore, matches_a_brute_force_window) {
  const auto xs = random_walk(4000, 9);
  zscore z(50);
  for (size_t i = 0; i < xs.size(); ++i) {
    z.update(xs[i]);
    const size_t lo = i + 1 >= 50 ? i + 1 - 50 : 0;
    const auto n = static_cast<double>(i + 1 - lo);
    double m = 0;
    for (size_t j = lo; j <= i; ++j) m += xs[j];
    m /= n;
    double ss = 0;
    for (size_t j = lo; j <= i; ++j) ss += (xs[j] - m) * (xs[j] - m);
    const double sd = std::sqrt(ss / n);
    ASSERT_NEAR(z.value(), sd > 0 ? (xs[i] - m) / sd : 0.0, 1e-7) << i;
  }
}

TEST(rolling_stats, runtime_window_is_bit_identical_to_the_fixed_one) {
  // The same algorithm on a vector instead of an array: the built-in Bollinger(20) and realized
  // vol(60) moved to runtime windows and must not change by one bit.
  lcg r(77);
  rolling_stats<20> f20;
  rolling_stats<> d20(20);
  rolling_stats<60> f60;
  rolling_stats<> d60(60);
  double x = 50;
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t m = (static_cast<uint64_t>(i) / 1000) % 4;
    x = m == 0 ? x + (r.unit() - 0.5) : (m == 1 ? x : (m == 2 ? x * (1 + (r.unit() - 0.5) * 0.1) : 1e6 + r.unit()));
    f20.update(x);
    d20.update(x);
    f60.update(x);
    d60.update(x);
    ASSERT_TRUE(same_bits(f20.mean(), d20.mean()) && same_bits(f20.population_stddev(), d20.population_stddev()))
        << i;
    ASSERT_TRUE(same_bits(f60.mean(), d60.mean()) && same_bits(f60.sample_stddev(), d60.sample_stddev())) << i;
    ASSERT_EQ(f20.full(), d20.full());
    if (i == 123'456) {
      f20.reset();
      d20.reset();
    }
  }
  EXPECT_EQ(d20.window(), 20u);
  EXPECT_TRUE(d60.ready());
}

TEST(rolling_stats, runtime_window_of_1_reports_the_value_and_zero_spread) {
  rolling_stats<> one(1);
  for (double x : {3.0, -1.0, 8.5}) {
    one.update(x);
    EXPECT_EQ(one.mean(), x);
    EXPECT_EQ(one.population_stddev(), 0.0);
    EXPECT_TRUE(one.ready());
  }
  rolling_stats<> clamped(-5);
  EXPECT_EQ(clamped.window(), 1u);
}

// --- Bollinger ------------------------------------------------------------------------------

TEST(bollinger_n_k, of_2_3_4_5_over_4_with_k_1_5) {
  // Window 2 3 4 5: mid 3.5, population variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25.
  bollinger b(4, 1.5);
  for (double x : {1.0, 2.0, 3.0, 4.0, 5.0}) b.update(x);
  ASSERT_TRUE(b.ready());
  EXPECT_DOUBLE_EQ(b.mid(), 3.5);
  EXPECT_DOUBLE_EQ(b.stddev(), std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(b.upper(), 3.5 + 1.5 * std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(b.lower(), 3.5 - 1.5 * std::sqrt(1.25));
  EXPECT_EQ(b.period(), 4u);
  EXPECT_EQ(b.k(), 1.5);
  b.reset();
  EXPECT_FALSE(b.ready());
  b.update(9.0);
  EXPECT_EQ(b.mid(), 9.0);
  EXPECT_EQ(b.upper(), 9.0);
}

TEST(bollinger_n_k, bollinger_k_is_bollinger_20_k_and_equals_the_fixed_window_stats) {
  const auto xs = random_walk(20'000, 31);
  bollinger a(2.5), b(20, 2.5);
  rolling_stats<20> ref;
  for (double x : xs) {
    a.update(x);
    b.update(x);
    ref.update(x);
    ASSERT_TRUE(same_bits(a.upper(), b.upper()) && same_bits(a.lower(), b.lower()));
    ASSERT_TRUE(same_bits(a.mid(), ref.mean()));
    ASSERT_TRUE(same_bits(a.upper(), ref.mean() + 2.5 * ref.population_stddev()));
  }
  EXPECT_EQ(a.period(), 20u);
}

// --- ATR ------------------------------------------------------------------------------------

TEST(atr, on_a_hand_made_series_with_gaps) {
  // ATR(3). Bar (high, low, close) → true range:
  //   1 (10, 8, 9)        none (no previous close)
  //   2 (11, 9, 10)       max(2, |11-9|, |9-9|)          = 2
  //   3 (12, 9, 11)       max(3, |12-10|, |9-10|)        = 3
  //   4 (11, 10, 10.5)    max(1, |11-11|, |10-11|)       = 1    first ATR = (2+3+1)/3 = 2
  //   5 (15, 14, 14.5)    gap up: max(1, 4.5, 3.5)       = 4.5  ATR = (2·2 + 4.5)/3 = 8.5/3
  //   6 (10, 9, 9.5)      gap down: max(1, 4.5, 5.5)     = 5.5  ATR = (8.5/3·2 + 5.5)/3 = 33.5/9
  atr a(3);
  EXPECT_EQ(a.update(10, 8, 9), 0.0);
  EXPECT_EQ(a.true_range(), 0.0);
  EXPECT_EQ(a.update(11, 9, 10), 2.0);
  EXPECT_EQ(a.update(12, 9, 11), 2.5);  // the mean so far, not ready
  EXPECT_FALSE(a.ready());
  EXPECT_EQ(a.update(11, 10, 10.5), 2.0);
  EXPECT_TRUE(a.ready());
  EXPECT_EQ(a.true_range(), 1.0);
  EXPECT_DOUBLE_EQ(a.update(15, 14, 14.5), 8.5 / 3);
  EXPECT_EQ(a.true_range(), 4.5);
  EXPECT_DOUBLE_EQ(a.update(10, 9, 9.5), 33.5 / 9);
  EXPECT_EQ(a.true_range(), 5.5);
  a.reset();
  EXPECT_FALSE(a.ready());
  EXPECT_EQ(a.value(), 0.0);
  EXPECT_EQ(a.update(10, 8, 9), 0.0);  // the first bar after a reset has no true range again
  EXPECT_EQ(a.update(11, 9, 10), 2.0);
}

TEST(atr, takes_bars_and_matches_ta_libs_batch_algorithm_bit_for_bit) {
  lcg r(17);
  std::vector<hlc> bars;
  double c = 100;
  for (int i = 0; i < 3000; ++i) {
    const double o = c + (r.unit() - 0.5) * (i % 50 == 0 ? 6.0 : 0.5);  // occasional gaps
    c = o + (r.unit() - 0.5);
    const double hi = std::max(o, c) + r.unit() * 0.3, lo = std::min(o, c) - r.unit() * 0.3;
    // Prices on a cent grid, as bars carry them.
    bars.push_back({std::round(hi * 100) / 100, std::round(lo * 100) / 100, std::round(c * 100) / 100});
  }
  for (int n : {1, 2, 14, 100}) {
    const auto ref = batch_atr(bars, n);
    atr a(n), from_bars(n);
    for (size_t i = 0; i < bars.size(); ++i) {
      a.update(bars[i].high, bars[i].low, bars[i].close);
      bar_payload b{};
      b.high = price::from_double(bars[i].high).value();
      b.low = price::from_double(bars[i].low).value();
      b.close = price::from_double(bars[i].close).value();
      b.open = b.close;
      from_bars.update(b);
      ASSERT_EQ(a.ready(), i >= static_cast<size_t>(n)) << "n " << n << " i " << i;
      if (a.ready()) {
        ASSERT_TRUE(same_bits(a.value(), ref[i])) << "n " << n << " i " << i;
      }
      ASSERT_TRUE(same_bits(a.value(), from_bars.value())) << i;
    }
  }
}

// --- rolling min / max ----------------------------------------------------------------------

TEST(rolling_min_max, match_a_brute_force_window_over_10000_random_values) {
  lcg r(2024);
  std::vector<double> xs;
  for (int i = 0; i < 10'000; ++i) {
    // Ties (a coarse grid), runs up and down, and plain noise.
    const int mode = (i / 700) % 3;
    const double prev = xs.empty() ? 0.0 : xs.back();
    xs.push_back(mode == 0   ? static_cast<double>(r.next() % 20)
                 : mode == 1 ? prev + (i % 200 < 100 ? 1.0 : -1.0)
                             : r.unit() * 1000 - 500);
  }
  for (int n : {1, 2, 3, 17, 250, 1000, 20'000}) {
    rolling_min lo(n);
    rolling_max hi(n);
    for (size_t i = 0; i < xs.size(); ++i) {
      const double newest_min = lo.update(xs[i]);
      ASSERT_EQ(newest_min, lo.value());
      hi.update(xs[i]);
      const size_t from = i + 1 >= static_cast<size_t>(n) ? i + 1 - static_cast<size_t>(n) : 0;
      double mn = xs[from], mx = xs[from];
      size_t at_mn = from, at_mx = from;
      for (size_t j = from; j <= i; ++j) {
        if (xs[j] <= mn) {  // <=: the newest occurrence of the extremum
          mn = xs[j];
          at_mn = j;
        }
        if (xs[j] >= mx) {
          mx = xs[j];
          at_mx = j;
        }
      }
      ASSERT_EQ(lo.value(), mn) << "n " << n << " i " << i;
      ASSERT_EQ(hi.value(), mx) << "n " << n << " i " << i;
      ASSERT_EQ(lo.age(), i - at_mn) << "n " << n << " i " << i;
      ASSERT_EQ(hi.age(), i - at_mx) << "n " << n << " i " << i;
      ASSERT_EQ(lo.ready(), i + 1 >= static_cast<size_t>(n));
      ASSERT_EQ(hi.count(), std::min(i + 1, static_cast<size_t>(n)));
    }
  }
}

TEST(rolling_min_max, by_hand_and_after_reset) {
  rolling_max hi(3);
  rolling_min lo(3);
  const double xs[] = {5, 3, 4, 1, 2, 6};
  const double maxes[] = {5, 5, 5, 4, 4, 6};
  const double mins[] = {5, 3, 3, 1, 1, 1};
  for (size_t i = 0; i < std::size(xs); ++i) {
    EXPECT_EQ(hi.update(xs[i]), maxes[i]) << i;
    EXPECT_EQ(lo.update(xs[i]), mins[i]) << i;
  }
  EXPECT_EQ(hi.period(), 3u);
  hi.reset();
  lo.reset();
  EXPECT_FALSE(hi.ready());
  EXPECT_EQ(hi.value(), 0.0);
  EXPECT_EQ(hi.count(), 0u);
  EXPECT_EQ(hi.update(-2.0), -2.0);  // nothing of the old window survives
  EXPECT_EQ(lo.update(9.0), 9.0);
}

// --- VWAP windows ---------------------------------------------------------------------------

TEST(windowed_vwap_runtime, same_behaviour_as_the_fixed_window) {
  windowed_vwap<> w(5);
  EXPECT_EQ(w.seconds(), 5u);
  w.update(100, 10.0 * 1, 1);
  w.update(102, 20.0 * 1, 1);
  EXPECT_DOUBLE_EQ(w.value(), 15.0);
  w.update(104, 30.0 * 2, 2);
  w.update(105, 40.0, 1);  // window (100, 105]: second 100 leaves
  EXPECT_DOUBLE_EQ(w.value(), (20.0 + 60.0 + 40.0) / 4.0);
  EXPECT_DOUBLE_EQ(w.volume(), 4.0);
  w.update(103, 50.0, 1);  // late but inside
  w.update(100, 1e6, 1);   // too old: ignored
  EXPECT_DOUBLE_EQ(w.value(), (20.0 + 60.0 + 40.0 + 50.0) / 5.0);
}

TEST(windowed_vwap_runtime, advance_evicts_without_adding_and_empties_the_window) {
  windowed_vwap<300> w;
  w.update(1000, 10.0 * 5, 5);
  w.update(1100, 30.0 * 5, 5);
  w.advance(1299);
  EXPECT_DOUBLE_EQ(w.value(), 20.0);
  w.advance(1300);  // (1000, 1300]: second 1000 leaves
  EXPECT_DOUBLE_EQ(w.value(), 30.0);
  w.advance(1200);  // older than the clock: nothing happens
  EXPECT_DOUBLE_EQ(w.value(), 30.0);
  w.update(1350, 0.0, 0.0);  // no volume: only the clock moves
  EXPECT_DOUBLE_EQ(w.value(), 30.0);
  w.advance(1400);  // (1100, 1400]: empty
  EXPECT_FALSE(w.ready());
  EXPECT_EQ(w.value(), 0.0);
  EXPECT_EQ(w.volume(), 0.0);
  w.update(1401, 7.0, 1);
  EXPECT_DOUBLE_EQ(w.value(), 7.0);
}

TEST(windowed_vwap_runtime, runtime_window_is_bit_identical_to_the_fixed_one) {
  lcg r(99);
  windowed_vwap<300> f;
  windowed_vwap<> d(300);
  int64_t s = 1'710'000'000;
  for (int i = 0; i < 200'000; ++i) {
    s += r.next() % 50 == 0 ? static_cast<int64_t>(r.next() % 400) : (r.next() % 3 == 0 ? 0 : 1);
    const int64_t at = r.next() % 20 == 0 ? s - static_cast<int64_t>(r.next() % 400) : s;  // late bars
    const double v = static_cast<double>(r.next() % 1000) * 0.25;
    const double px = 100 + r.unit();
    f.update(at, px * v, v);
    d.update(at, px * v, v);
    ASSERT_TRUE(same_bits(f.value(), d.value())) << i;
    ASSERT_EQ(f.ready(), d.ready());
  }
}

TEST(rolling_vwap, over_the_last_3_bars_by_hand) {
  rolling_vwap v(3);
  v.update(10.0, 1);
  v.update(20.0, 1);
  EXPECT_DOUBLE_EQ(v.value(), 15.0);
  EXPECT_FALSE(v.ready());  // 2 of 3 bars
  v.update(30.0, 2);
  EXPECT_TRUE(v.ready());
  EXPECT_DOUBLE_EQ(v.value(), (10.0 + 20.0 + 60.0) / 4.0);
  v.update(40.0, 0);  // a bar without volume still takes its slot: bar 1 leaves
  EXPECT_DOUBLE_EQ(v.value(), (20.0 + 60.0) / 3.0);
  v.update(50.0, 0);
  v.update(60.0, -5);  // negative volume counts as none
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(v.value(), 0.0);
  EXPECT_EQ(v.volume(), 0.0);  // exactly: the sums snap to zero
  v.update(8.0, 2);
  EXPECT_DOUBLE_EQ(v.value(), 8.0);
  v.reset();
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(v.value(), 0.0);
  EXPECT_EQ(v.period(), 3u);
}

TEST(rolling_vwap, matches_a_brute_force_window) {
  lcg r(5);
  std::vector<double> px, vol;
  rolling_vwap v(40);
  for (int i = 0; i < 5000; ++i) {
    px.push_back(100 + r.unit() * 10);
    vol.push_back(r.next() % 5 == 0 ? 0.0 : static_cast<double>(r.next() % 1000) + 0.5);
    v.update(px.back(), vol.back());
    const size_t lo = px.size() >= 40 ? px.size() - 40 : 0;
    double spv = 0, sv = 0;
    for (size_t j = lo; j < px.size(); ++j) {
      spv += px[j] * vol[j];
      sv += vol[j];
    }
    ASSERT_NEAR(v.value(), sv > 0 ? spv / sv : 0.0, 1e-9) << i;
  }
}

// --- realized vol, quote imbalance ----------------------------------------------------------

TEST(realized_vol_window, runtime_window_by_hand_and_default_is_60) {
  realized_vol v(3);
  EXPECT_EQ(v.window(), 3u);
  // Closes 100, 100e^0.01, 100, 100e^0.01: returns +0.01 -0.01 +0.01, mean 0.01/3, deviations
  // 0.02/3 -0.04/3 0.02/3, Σ squares = 24e-4/9 = 8e-4/3, sample variance = 4e-4/3.
  for (double c : {100.0, 100.0 * std::exp(0.01), 100.0, 100.0 * std::exp(0.01)}) v.update(c);
  ASSERT_TRUE(v.ready());
  EXPECT_NEAR(v.value(), std::sqrt(4e-4 / 3), 1e-12);
  v.reset();
  EXPECT_FALSE(v.ready());
  EXPECT_EQ(v.value(), 0.0);
  EXPECT_EQ(realized_vol().window(), 60u);
  EXPECT_EQ(realized_vol(1).window(), 2u);  // a sample stddev needs two returns
}

TEST(quote_imbalance, spread_prices_sizes_mid_and_imbalance) {
  quote_imbalance qi;
  EXPECT_FALSE(qi.ready());
  EXPECT_EQ(qi.imbalance(), 0.0);
  quote_payload q{};
  q.bid_px = price::from_double(9.98).value();
  q.ask_px = price::from_double(10.01).value();
  q.bid_size = quantity::from_double(300).value();
  q.ask_size = quantity::from_double(200).value();
  qi.update(q);
  ASSERT_TRUE(qi.ready());
  EXPECT_EQ(qi.spread(), 0.03);  // the exact fixed-point difference, converted once
  EXPECT_EQ(qi.bid_px(), 9.98);
  EXPECT_EQ(qi.ask_px(), 10.01);
  EXPECT_EQ(qi.bid_size(), 300.0);
  EXPECT_EQ(qi.ask_size(), 200.0);
  EXPECT_DOUBLE_EQ(qi.mid(), 9.995);
  EXPECT_DOUBLE_EQ(qi.imbalance(), 0.2);  // (300 - 200)/(300 + 200)
  qi.update(10.0, 10.5, 0.0, 40.0);
  EXPECT_EQ(qi.imbalance(), -1.0);
  EXPECT_EQ(qi.spread(), 0.5);
  qi.update(10.0, 10.5, 0.0, 0.0);
  EXPECT_EQ(qi.imbalance(), 0.0);  // no size on either side
  qi.reset();
  EXPECT_FALSE(qi.ready());
  EXPECT_EQ(qi.bid_px(), 0.0);
  EXPECT_EQ(qi.spread(), 0.0);
}

// --- reset: a reset object behaves exactly like a fresh one ---------------------------------

namespace {

template <class Indicator, class Feed, class Read>
void expect_reset_is_fresh(Indicator used, Indicator fresh, Feed feed, Read read) {
  const auto before = random_walk(333, 40);
  const auto after = random_walk(500, 41, 80.0);
  for (size_t i = 0; i < before.size(); ++i) feed(used, before[i], i);
  used.reset();
  for (size_t i = 0; i < after.size(); ++i) {
    feed(used, after[i], i);
    feed(fresh, after[i], i);
    ASSERT_TRUE(same_bits(read(used), read(fresh))) << i;
    ASSERT_EQ(used.ready(), fresh.ready()) << i;
  }
}

}  // namespace

TEST(indicator_reset, every_indicator_after_reset_equals_a_fresh_one) {
  const auto plain = [](auto& ind, double x, size_t) { ind.update(x); };
  expect_reset_is_fresh(ema(7), ema(7), plain, [](const ema& e) { return e.value(); });
  expect_reset_is_fresh(ema(7, ema_seed::sma), ema(7, ema_seed::sma), plain,
                        [](const ema& e) { return e.value(); });
  expect_reset_is_fresh(macd(), macd(), plain, [](const macd& m) { return m.histogram(); });
  expect_reset_is_fresh(rsi(9), rsi(9), plain, [](const rsi& r) { return r.value(); });
  expect_reset_is_fresh(sma(12), sma(12), plain, [](const sma& s) { return s.value(); });
  expect_reset_is_fresh(stddev(12), stddev(12), plain, [](const stddev& s) { return s.value(); });
  expect_reset_is_fresh(zscore(12), zscore(12), plain, [](const zscore& z) { return z.value(); });
  expect_reset_is_fresh(bollinger(15, 1.0), bollinger(15, 1.0), plain,
                        [](const bollinger& b) { return b.lower(); });
  expect_reset_is_fresh(rolling_min(30), rolling_min(30), plain,
                        [](const rolling_min& m) { return m.value(); });
  expect_reset_is_fresh(rolling_max(30), rolling_max(30), plain,
                        [](const rolling_max& m) { return m.value(); });
  expect_reset_is_fresh(realized_vol(20), realized_vol(20), plain,
                        [](const realized_vol& v) { return v.value(); });
  expect_reset_is_fresh(
      atr(5), atr(5), [](atr& a, double x, size_t) { a.update(x + 0.3, x - 0.2, x); },
      [](const atr& a) { return a.value(); });
  expect_reset_is_fresh(
      rolling_vwap(25), rolling_vwap(25),
      [](rolling_vwap& v, double x, size_t i) { v.update(x, static_cast<double>(i % 7)); },
      [](const rolling_vwap& v) { return v.value(); });
  expect_reset_is_fresh(
      windowed_vwap<>(60), windowed_vwap<>(60),
      [](windowed_vwap<>& w, double x, size_t i) {
        w.update(1000 + static_cast<int64_t>(i) * 2, x * 3.0, 3.0);
      },
      [](const windowed_vwap<>& w) { return w.value(); });
}

TEST(indicator_copies, a_copy_is_independent_of_its_original) {
  sma a(4);
  a.update(1);
  a.update(2);
  sma b = a;
  b.update(100);
  EXPECT_DOUBLE_EQ(a.value(), 1.5);
  EXPECT_DOUBLE_EQ(b.value(), 103.0 / 3);
}
