// The hot path's lock-free latency histogram (latency_histogram.hpp): bucket bounds, counts,
// sum and the quantile read back from the buckets.
#include "torghut/core/latency_histogram.hpp"

#include <gtest/gtest.h>

using torghut::latency_histogram;

TEST(latency_histogram, every_sample_lands_in_the_bucket_whose_bounds_hold_it) {
  for (int64_t ns : {0LL, 1LL, 127LL, 128LL, 191LL, 192LL, 1'000LL, 1'536LL, 2'047LL, 999'999LL, 4'294'967'295LL}) {
    const size_t b = latency_histogram::bucket_of(ns);
    ASSERT_LT(b, latency_histogram::finite_buckets) << ns;
    EXPECT_LT(ns, latency_histogram::upper_ns(b)) << ns;
    if (b > 0) {
      EXPECT_GE(ns, latency_histogram::upper_ns(b - 1)) << ns;
    }
  }
  EXPECT_EQ(latency_histogram::bucket_of(int64_t{1} << 32), latency_histogram::finite_buckets) << "+Inf";
  EXPECT_EQ(latency_histogram::bucket_of(-5), 0u) << "clock skew counts in the first bucket";
  for (size_t i = 1; i < latency_histogram::finite_buckets; ++i)
    EXPECT_LT(latency_histogram::upper_ns(i - 1), latency_histogram::upper_ns(i));
}

TEST(latency_histogram, counts_sums_and_quantiles) {
  latency_histogram h;
  EXPECT_EQ(h.read().quantile_upper_ns(0.5), 0) << "empty";
  for (int i = 0; i < 98; ++i) h.record(1'000);  // [768, 1024)
  h.record(50'000);
  h.record(int64_t{10} << 32);  // beyond the last bound
  const auto s = h.read();
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.sum_ns, 98u * 1'000u + 50'000u + (uint64_t{10} << 32));
  EXPECT_EQ(s.buckets[latency_histogram::bucket_of(1'000)], 98u);
  EXPECT_EQ(s.buckets[latency_histogram::finite_buckets], 1u);
  EXPECT_EQ(s.quantile_upper_ns(0.5), latency_histogram::upper_ns(latency_histogram::bucket_of(1'000)));
  EXPECT_EQ(s.quantile_upper_ns(0.99), latency_histogram::upper_ns(latency_histogram::bucket_of(50'000)));
  EXPECT_EQ(s.quantile_upper_ns(1.0), INT64_MAX) << "the +Inf bucket";
}
