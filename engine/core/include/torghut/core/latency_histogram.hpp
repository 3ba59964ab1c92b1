#pragma once
/// A latency histogram one thread writes and any thread reads, without a lock: the live hot
/// path's tick-to-order and frame-to-order (GET /metrics, the live page).
///
/// Buckets are powers of two of nanoseconds with two sub-buckets each (upper bounds 128 ns,
/// 192 ns, 256 ns, 384 ns, ... 2^32 ns ≈ 4.3 s, then +Inf): within 50 % everywhere, 52 buckets,
/// one cache line of hot counters touched per sample. The writer only loads and stores relaxed
/// atomics it alone writes (no read-modify-write, no fence), so a sample costs a few plain
/// instructions; a reader sees each counter whole, not the histogram as one snapshot.

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace torghut {

class latency_histogram {
 public:
  static constexpr unsigned min_shift = 7;   ///< the first bucket holds [0, 128 ns)
  static constexpr unsigned max_shift = 32;  ///< the last finite bound is 2^32 ns
  /// Finite buckets: [0,128), then for each octave [2^k, 1.5·2^k) and [1.5·2^k, 2^(k+1)).
  static constexpr size_t finite_buckets = 1 + 2 * (max_shift - min_shift);
  static constexpr size_t bucket_count = finite_buckets + 1;  ///< plus +Inf

  /// The exclusive upper bound (ns) of finite bucket i.
  [[nodiscard]] static constexpr int64_t upper_ns(size_t i) noexcept {
    if (i == 0) return int64_t{1} << min_shift;
    const unsigned k = min_shift + static_cast<unsigned>((i - 1) / 2);
    const int64_t base = int64_t{1} << k;
    return (i - 1) % 2 == 0 ? base + base / 2 : base * 2;
  }
  [[nodiscard]] static constexpr size_t bucket_of(int64_t ns) noexcept {
    if (ns < (int64_t{1} << min_shift)) return 0;
    const auto u = static_cast<uint64_t>(ns);
    const unsigned k = static_cast<unsigned>(std::bit_width(u)) - 1;  // 2^k <= ns < 2^(k+1)
    if (k >= max_shift) return finite_buckets;
    const bool upper_half = ((u >> (k - 1)) & 1u) != 0;
    return 1 + 2 * (k - min_shift) + (upper_half ? 1 : 0);
  }

  /// One sample (negative: clock skew between the two stamps; counted in bucket 0).
  void record(int64_t ns) noexcept {
    constexpr auto r = std::memory_order_relaxed;
    auto& b = buckets_[bucket_of(ns)];
    b.store(b.load(r) + 1, r);
    if (ns > 0) sum_.store(sum_.load(r) + static_cast<uint64_t>(ns), r);
    count_.store(count_.load(r) + 1, r);
  }

  struct snapshot {
    uint64_t count = 0;
    uint64_t sum_ns = 0;
    std::array<uint64_t, bucket_count> buckets{};
    /// The upper bound (ns) of the bucket holding quantile q (0 < q <= 1); 0 when empty,
    /// INT64_MAX when it is the +Inf bucket.
    [[nodiscard]] int64_t quantile_upper_ns(double q) const noexcept {
      uint64_t total = 0;
      for (const uint64_t b : buckets) total += b;
      if (total == 0) return 0;
      const auto want = static_cast<uint64_t>(q * static_cast<double>(total) + 0.999999);
      uint64_t seen = 0;
      for (size_t i = 0; i < finite_buckets; ++i) {
        seen += buckets[i];
        if (seen >= want) return upper_ns(i);
      }
      return INT64_MAX;
    }
  };
  [[nodiscard]] snapshot read() const noexcept {
    constexpr auto r = std::memory_order_relaxed;
    snapshot s;
    for (size_t i = 0; i < bucket_count; ++i) s.buckets[i] = buckets_[i].load(r);
    s.sum_ns = sum_.load(r);
    s.count = count_.load(r);
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, bucket_count> buckets_{};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> count_{0};
};

static_assert(latency_histogram::upper_ns(0) == 128 && latency_histogram::upper_ns(1) == 192 &&
              latency_histogram::upper_ns(2) == 256 && latency_histogram::upper_ns(3) == 384);
static_assert(latency_histogram::bucket_of(127) == 0 && latency_histogram::bucket_of(128) == 1 &&
              latency_histogram::bucket_of(191) == 1 && latency_histogram::bucket_of(192) == 2 &&
              latency_histogram::bucket_of(255) == 2 && latency_histogram::bucket_of(256) == 3);
static_assert(latency_histogram::upper_ns(latency_histogram::finite_buckets - 1) == int64_t{1} << 32);

}  // namespace torghut
