#pragma once
/// Incremental O(1) technical indicators (the `ta_signals` set of seed 004). Each update costs a
/// constant number of operations and allocates nothing; windows live in fixed-size rings.
/// Formulas (documented in docs/INDICATORS.md with the golden data that checks them):
///   EMA(n):  alpha = 2/(n+1), seeded with the first value.
///   MACD:    EMA12 - EMA26; signal = EMA9 of MACD, seeded with the first MACD value once EMA26
///            is ready (bar 26), so the signal is ready at bar 34; histogram = MACD - signal.
///   RSI(14): Wilder smoothing; first average is the simple mean of the first 14 changes.
///   Bollinger(20, 2): mid = SMA20, bands = mid ± 2 × population stddev over the 20 closes.
///   VWAP:    session Σ(p·v)/Σv since the session reset; 5-minute rolling over 300 one-second bars.
///   Realized vol (60 s): sample stddev of the last 60 one-second log returns (not annualised).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "torghut/core/messages.hpp"

namespace torghut::sdk {

/// Exponential moving average with alpha = 2/(period+1), seeded with the first value.
class ema {
 public:
  explicit ema(int period) noexcept;
  double update(double x) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return count_ >= period_; }
  [[nodiscard]] uint32_t count() const noexcept { return count_; }
  void reset() noexcept;

 private:
  double alpha_;
  double value_ = 0;
  uint32_t count_ = 0;
  uint32_t period_;
};

/// MACD(12, 26, 9): line = EMA12 - EMA26, signal = EMA9 of the line (fed once EMA26 is ready).
class macd {
 public:
  macd() noexcept;
  void update(double close) noexcept;
  [[nodiscard]] double ema_fast() const noexcept { return fast_.value(); }
  [[nodiscard]] double ema_slow() const noexcept { return slow_.value(); }
  [[nodiscard]] double line() const noexcept { return line_; }
  [[nodiscard]] double signal() const noexcept { return signal_.value(); }
  [[nodiscard]] double histogram() const noexcept { return line_ - signal_.value(); }
  [[nodiscard]] bool ready() const noexcept { return slow_.ready() && signal_.ready(); }
  /// True once EMA12 has seen `period` values (bit indicator_bit::ema12).
  [[nodiscard]] bool fast_ready() const noexcept { return fast_.ready(); }
  /// True once EMA26 (and so the MACD line) is ready (bits ema26 and macd).
  [[nodiscard]] bool slow_ready() const noexcept { return slow_.ready(); }
  void reset() noexcept;

 private:
  ema fast_{12}, slow_{26}, signal_{9};
  double line_ = 0;
};

/// Wilder's RSI: 100·G/(G+L) of the smoothed average gain G and loss L; 50 until ready.
class rsi {
 public:
  explicit rsi(int period = 14) noexcept;
  double update(double close) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return changes_ >= static_cast<uint32_t>(period_); }
  void reset() noexcept;

 private:
  int period_;
  double prev_ = 0, avg_gain_ = 0, avg_loss_ = 0, value_ = 50.0;
  uint32_t seen_ = 0, changes_ = 0;
};

/// Rolling mean and population standard deviation over the last N values, O(1) per update,
/// numerically stable (values are shifted by the first sample and sums are rebuilt from the
/// ring every N updates, so error does not accumulate).
///
/// The rebuild also re-centres the shift on the window mean. It runs early as well when the
/// largest deviation from the shift since the last rebuild dwarfs the window's current spread
/// (after a jump has left the window), which is when Σd² - (Σd)²/n would cancel badly; right
/// after a rebuild that ratio is at most n, so this costs O(N) only once per such event. A
/// window whose N values are all identical reports its exact value and a stddev of zero.
template <size_t N>
class rolling_stats {
  static_assert(N >= 2 && N < (1u << 20));

 public:
  void update(double x) noexcept;
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] double population_stddev() const noexcept;
  [[nodiscard]] double sample_stddev() const noexcept;
  [[nodiscard]] bool full() const noexcept { return count_ >= N; }
  [[nodiscard]] uint32_t count() const noexcept { return count_ < N ? count_ : N; }
  void reset() noexcept;

 private:
  /// Σ(x - shift)² - (Σ(x - shift))²/n, clamped at zero (n·variance).
  [[nodiscard]] double centred_sumsq() const noexcept;
  /// Recomputes shift (window mean) and both sums from the ring: O(N) every N updates.
  void rebuild() noexcept;
  /// True when every value in the window equals the newest one (exact constant window).
  [[nodiscard]] bool constant() const noexcept { return run_ >= count(); }

  /// Rebuild when n·max d² > this × Σ(x - mean)²: bounds the relative variance error near
  /// 1e3 × 2^-52 ≈ 2e-13.
  static constexpr double recentre_ratio = 1e3;

  std::array<double, N> ring_{};
  double shift_ = 0, sum_ = 0, sumsq_ = 0;
  double max_d2_ = 0;  // largest (x - shift)² entered since the last rebuild
  double last_ = 0;
  uint32_t count_ = 0, head_ = 0, since_rebuild_ = 0;
  uint32_t run_ = 0;  // how many of the newest values are equal to last_ (capped at N)
};

/// Bollinger bands over 20 closes: mid = SMA20, bands = mid ± k × population stddev.
class bollinger {
 public:
  explicit bollinger(double k = 2.0) noexcept : k_(k) {}
  void update(double close) noexcept { stats_.update(close); }
  [[nodiscard]] double mid() const noexcept { return stats_.mean(); }
  [[nodiscard]] double upper() const noexcept { return mid() + k_ * stats_.population_stddev(); }
  [[nodiscard]] double lower() const noexcept { return mid() - k_ * stats_.population_stddev(); }
  [[nodiscard]] bool ready() const noexcept { return stats_.full(); }
  void reset() noexcept { stats_.reset(); }

 private:
  double k_;
  rolling_stats<20> stats_;
};

/// Session VWAP: Σ(price·volume)/Σvolume since the last reset (the loop resets it when the
/// New York trading date changes).
class session_vwap {
 public:
  void update(double px, double volume) noexcept;
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  [[nodiscard]] bool ready() const noexcept { return vol_ > 0; }
  void reset() noexcept { pv_ = vol_ = 0; }

 private:
  double pv_ = 0, vol_ = 0;
};

/// VWAP over a rolling window of `Seconds` one-second buckets, keyed by bar start second so a
/// quiet second counts as an empty bucket.
///
/// The window ending at second s holds the buckets (s - Seconds, s]. Advancing the clock by d
/// seconds evicts min(d, Seconds) slots, so the cost is O(1) amortised per second of market time
/// (bounded by Seconds per update). An update older than the window is ignored; one inside the
/// window (late, but not too late) is added to its own bucket.
template <size_t Seconds>
class windowed_vwap {
  static_assert(Seconds >= 1 && Seconds < (1u << 20));

 public:
  windowed_vwap() noexcept { reset(); }
  void update(int64_t second, double px_volume, double volume) noexcept;
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  [[nodiscard]] bool ready() const noexcept { return vol_ > 0; }
  void reset() noexcept;

 private:
  static constexpr int64_t empty_ = std::numeric_limits<int64_t>::min();
  [[nodiscard]] static size_t slot(int64_t second) noexcept {
    const int64_t m = second % static_cast<int64_t>(Seconds);
    return static_cast<size_t>(m < 0 ? m + static_cast<int64_t>(Seconds) : m);
  }
  void evict(size_t i) noexcept;

  std::array<double, Seconds> pv_ring_{}, vol_ring_{};
  std::array<int64_t, Seconds> sec_ring_{};
  double pv_ = 0, vol_ = 0;
  int64_t last_second_ = empty_;
  uint32_t filled_ = 0;         // occupied buckets; sums snap to exact zero when none
  uint32_t since_rebuild_ = 0;  // sums are recomputed from the ring every Seconds updates
};

/// Sample stddev of one-second log returns over the last 60 returns.
///
/// A return is ln(close_t / close_{t-1}) between consecutive closed microbars; a second without
/// trades has no microbar and so contributes no return. Non-positive closes are ignored.
class realized_vol {
 public:
  void update(double close) noexcept;
  [[nodiscard]] double value() const noexcept { return returns_.sample_stddev(); }
  [[nodiscard]] bool ready() const noexcept { return returns_.full(); }
  void reset() noexcept;

 private:
  rolling_stats<60> returns_;
  double prev_ = 0;
  bool has_prev_ = false;
};

/// Every indicator of one symbol, updated from closed microbars and quotes.
class indicator_set {
 public:
  explicit indicator_set(double bollinger_k = 2.0) noexcept : boll_(bollinger_k) {}
  /// A closed 1-second microbar (event_time = bar start).
  void on_bar(const bar_payload& bar, timestamp bar_start) noexcept;
  void on_quote(const quote_payload& q) noexcept;
  void reset() noexcept;  ///< after a gap: forget everything, warm up again
  [[nodiscard]] indicator_snapshot snapshot() const noexcept;
  [[nodiscard]] uint32_t bars() const noexcept { return bars_; }

  /// The session a bar belongs to: floor((t - 6 h) / 1 day). 06:00 UTC is outside US extended
  /// hours in both EST and EDT, so no time-zone database is needed.
  [[nodiscard]] static int64_t session_day(timestamp t) noexcept;

 private:
  static constexpr int64_t no_session_ = std::numeric_limits<int64_t>::min();

  macd macd_;
  rsi rsi_{14};
  bollinger boll_;
  session_vwap vwap_session_;
  windowed_vwap<300> vwap_5m_;
  realized_vol vol_;
  quote_payload last_quote_{};
  bool has_quote_ = false;
  int64_t session_day_ = no_session_;
  uint32_t bars_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Template definitions
// ---------------------------------------------------------------------------------------------

template <size_t N>
void rolling_stats<N>::update(double x) noexcept {
  if (count_ == 0) {
    shift_ = x;
    sum_ = sumsq_ = max_d2_ = 0;
  }
  if (count_ >= N) {  // the slot at head_ holds the oldest value: take it out
    const double d_old = ring_[head_] - shift_;
    sum_ -= d_old;
    sumsq_ -= d_old * d_old;
  } else {
    ++count_;
  }
  ring_[head_] = x;
  head_ = head_ + 1 == N ? 0 : head_ + 1;
  const double d = x - shift_;
  sum_ += d;
  sumsq_ += d * d;
  if (d * d > max_d2_) max_d2_ = d * d;
  run_ = (run_ > 0 && x == last_) ? (run_ < N ? run_ + 1 : run_) : 1;
  last_ = x;
  if (++since_rebuild_ >= N) {
    rebuild();
  } else if (!constant()) {
    const double n = static_cast<double>(count());
    if (n * max_d2_ > recentre_ratio * (sumsq_ - sum_ * sum_ / n)) rebuild();
  }
}

template <size_t N>
void rolling_stats<N>::rebuild() noexcept {
  since_rebuild_ = 0;
  const uint32_t n = count();
  if (n == 0) return;
  double s = 0;
  for (uint32_t i = 0; i < n; ++i) s += ring_[i];  // the first n slots are the live ones
  shift_ = s / static_cast<double>(n);
  double s1 = 0, s2 = 0, m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const double d = ring_[i] - shift_;
    s1 += d;
    s2 += d * d;
    if (d * d > m) m = d * d;
  }
  sum_ = s1;
  sumsq_ = s2;
  max_d2_ = m;
}

template <size_t N>
double rolling_stats<N>::mean() const noexcept {
  const uint32_t n = count();
  if (n == 0) return 0.0;
  if (constant()) return last_;
  return shift_ + sum_ / static_cast<double>(n);
}

template <size_t N>
double rolling_stats<N>::centred_sumsq() const noexcept {
  const uint32_t n = count();
  if (n == 0 || constant()) return 0.0;
  const double m2 = sumsq_ - sum_ * sum_ / static_cast<double>(n);
  return m2 > 0 ? m2 : 0.0;
}

template <size_t N>
double rolling_stats<N>::population_stddev() const noexcept {
  const uint32_t n = count();
  if (n == 0) return 0.0;
  return std::sqrt(centred_sumsq() / static_cast<double>(n));
}

template <size_t N>
double rolling_stats<N>::sample_stddev() const noexcept {
  const uint32_t n = count();
  if (n < 2) return 0.0;
  return std::sqrt(centred_sumsq() / static_cast<double>(n - 1));
}

template <size_t N>
void rolling_stats<N>::reset() noexcept {
  ring_.fill(0.0);
  shift_ = sum_ = sumsq_ = max_d2_ = last_ = 0;
  count_ = head_ = since_rebuild_ = run_ = 0;
}

template <size_t Seconds>
void windowed_vwap<Seconds>::evict(size_t i) noexcept {
  if (sec_ring_[i] == empty_) return;
  pv_ -= pv_ring_[i];
  vol_ -= vol_ring_[i];
  pv_ring_[i] = vol_ring_[i] = 0;
  sec_ring_[i] = empty_;
  if (--filled_ == 0) pv_ = vol_ = 0;  // no residue from add/subtract rounding
}

template <size_t Seconds>
void windowed_vwap<Seconds>::update(int64_t second, double px_volume, double volume) noexcept {
  constexpr auto w = static_cast<int64_t>(Seconds);
  if (last_second_ == empty_ || second > last_second_) {
    if (last_second_ != empty_) {
      // Seconds (last - w, second - w] leave the window; they sit in the slots of
      // (last, second].
      const int64_t steps = second - last_second_;
      if (steps >= w) {
        reset();
      } else {
        for (int64_t k = 1; k <= steps; ++k) evict(slot(last_second_ + k));
      }
    }
    last_second_ = second;
  } else if (second <= last_second_ - w) {
    return;  // older than the window
  }
  const size_t i = slot(second);
  if (sec_ring_[i] != second) {
    evict(i);
    sec_ring_[i] = second;
    ++filled_;
  }
  pv_ring_[i] += px_volume;
  vol_ring_[i] += volume;
  pv_ += px_volume;
  vol_ += volume;
  if (++since_rebuild_ >= Seconds) {
    since_rebuild_ = 0;
    double pv = 0, vol = 0;
    for (size_t k = 0; k < Seconds; ++k) {
      pv += pv_ring_[k];
      vol += vol_ring_[k];
    }
    pv_ = pv;
    vol_ = vol;
  }
}

template <size_t Seconds>
void windowed_vwap<Seconds>::reset() noexcept {
  pv_ring_.fill(0.0);
  vol_ring_.fill(0.0);
  sec_ring_.fill(empty_);
  pv_ = vol_ = 0;
  filled_ = 0;
  since_rebuild_ = 0;
  last_second_ = empty_;
}

}  // namespace torghut::sdk
