#pragma once
/// Incremental O(1) technical indicators: the library a strategy holds as plain members, one object
/// per symbol or per series, and the per-symbol `indicator_set` (the `ta_signals` set of seed 004).
///
/// Contract of every indicator here: the constructor may allocate (runtime windows are sized
/// once, there); `update`, `advance` and `reset` never allocate, throw or lock, and cost O(1)
/// (O(1) amortised where noted). Copies are deep; a moved-from indicator may only be assigned to
/// or destroyed. Runtime periods below 1 are taken as 1 and periods above `max_period` as
/// `max_period`. Inputs are expected to be finite. Formulas, readiness, seeding conventions and
/// their defaults are documented in docs/INDICATORS.md (with the golden data that checks them):
///   EMA(n):   alpha = 2/(n+1); seeded with the first value (default) or, TA-Lib's way, with the
///             SMA of the first n values (`ema_seed::sma`).
///   MACD:     EMA(fast) - EMA(slow); signal = EMA(signal) of the line, fed once the line is
///             ready; defaults 12/26/9 with first-value seeding (signal ready at bar 34).
///   RSI(14):  Wilder smoothing; the first average is the simple mean of the first 14 changes.
///   Bollinger(n, k): mid = SMA(n), bands = mid ± k × population stddev over the n closes.
///   ATR(n):   Wilder smoothing of the true range; the first ATR is the SMA of the first n TRs.
///   VWAP:     session Σ(p·v)/Σv since the session reset; rolling over one-second buckets; or
///             over the last n bars.
///   Realized vol (60): sample stddev of the last 60 log returns (not annualised).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "torghut/core/messages.hpp"

namespace torghut::sdk {

/// The template argument of `rolling_stats<>` and `windowed_vwap<>` whose window is a
/// constructor argument (storage allocated once in the constructor) instead of a constant.
inline constexpr size_t dynamic_window = 0;

/// The largest runtime period (or window) any indicator accepts; larger ones are clamped to it.
inline constexpr int max_period = (1 << 20) - 1;

namespace detail {

/// Ring storage: a fixed array for a constant window, a vector sized once for a runtime one.
template <class T, size_t N>
using window_buffer = std::conditional_t<N == dynamic_window, std::vector<T>, std::array<T, N>>;

/// A runtime period clamped to [lo, max_period].
[[nodiscard]] constexpr uint32_t clamp_period(int period, int lo = 1) noexcept {
  return static_cast<uint32_t>(period < lo ? lo : (period > max_period ? max_period : period));
}

}  // namespace detail

/// How an exponential moving average gets its first value.
enum class ema_seed : uint8_t {
  first_value,  ///< EMA_1 = x_1, defined from the first value (torghut's default).
  sma,          ///< TA-Lib's default: EMA_n = SMA of the first n values; the recursion starts after.
};

/// Exponential moving average with alpha = 2/(period+1), seeded per `ema_seed` (first value by
/// default).
///
/// With `ema_seed::sma` the value before `period` values is the mean of the values so far (a
/// partial seed, not an EMA); from the `period`-th value on it is TA-Lib's EMA.
class ema {
 public:
  /// An EMA over `period` values (clamped to [1, max_period]) with the given seeding.
  explicit ema(int period, ema_seed seed = ema_seed::first_value) noexcept;
  /// Adds a value and returns the new average.
  double update(double x) noexcept;
  /// The current average (0 before the first value).
  [[nodiscard]] double value() const noexcept { return value_; }
  /// True once `period` values have been seen.
  [[nodiscard]] bool ready() const noexcept { return count_ >= period_; }
  /// How many values have been seen since the last reset (saturating).
  [[nodiscard]] uint32_t count() const noexcept { return count_; }
  /// The period n of alpha = 2/(n+1).
  [[nodiscard]] uint32_t period() const noexcept { return period_; }
  /// The seeding convention chosen at construction.
  [[nodiscard]] ema_seed seed() const noexcept { return seed_; }
  /// Forgets every value (the period and seeding stay).
  void reset() noexcept;

 private:
  double alpha_;
  double value_ = 0;
  double sum_ = 0;  // ema_seed::sma: the sum of the first values, until `period` of them
  uint32_t count_ = 0;
  uint32_t period_;
  ema_seed seed_;
};

/// MACD: line = EMA(fast) - EMA(slow), signal = EMA(signal) of the line, histogram = line - signal;
/// default MACD(12, 26, 9) with first-value seeding.
///
/// `ema_seed::first_value` (the default): both EMAs start with bar 1 and the line is defined from
/// bar 1; the signal is seeded with the first ready line (bar `slow`), so with 12/26/9 it is ready
/// at bar 34. `ema_seed::sma` is TA-Lib's TA_MACD: the slow EMA is seeded with the SMA of closes
/// 1..slow and the fast one with the SMA of the `fast` closes ending at bar `slow` (TA-Lib starts
/// both EMAs at the slow one's first output), the line starts at bar `slow` (0 before), and the
/// signal is seeded with the SMA of the first `signal` lines (ready at bar slow + signal - 1).
class macd {
 public:
  /// MACD(12, 26, 9) with first-value seeding (the engine's built-in convention).
  macd() noexcept : macd(12, 26, 9) {}
  /// MACD(12, 26, 9) with the given seeding of all three EMAs.
  explicit macd(ema_seed seed) noexcept : macd(12, 26, 9, seed) {}
  /// MACD(fast, slow, signal) with the given seeding of all three EMAs.
  macd(int fast_period, int slow_period, int signal_period,
       ema_seed seed = ema_seed::first_value) noexcept;
  /// Adds a close.
  void update(double close) noexcept;
  /// The fast EMA (EMA12 by default).
  [[nodiscard]] double ema_fast() const noexcept { return fast_.value(); }
  /// The slow EMA (EMA26 by default).
  [[nodiscard]] double ema_slow() const noexcept { return slow_.value(); }
  /// The MACD line, EMA(fast) - EMA(slow).
  [[nodiscard]] double line() const noexcept { return line_; }
  /// The signal line, EMA(signal) of the MACD line (0 before its first value).
  [[nodiscard]] double signal() const noexcept { return signal_.value(); }
  /// The histogram, line - signal.
  [[nodiscard]] double histogram() const noexcept { return line_ - signal_.value(); }
  /// True once the signal line is ready (bar 34 for 12/26/9 in either convention).
  [[nodiscard]] bool ready() const noexcept { return line_ready() && signal_.ready(); }
  /// True once both EMAs, and so the MACD line, are ready (bar 26 for 12/26/9).
  [[nodiscard]] bool line_ready() const noexcept { return fast_.ready() && slow_.ready(); }
  /// True once the fast EMA has seen its period (indicator_bit::ema12; bar 26 with `sma`).
  [[nodiscard]] bool fast_ready() const noexcept { return fast_.ready(); }
  /// True once the slow EMA is ready (bits ema26 and macd with the default periods).
  [[nodiscard]] bool slow_ready() const noexcept { return slow_.ready(); }
  /// The seeding convention chosen at construction.
  [[nodiscard]] ema_seed seed() const noexcept { return seed_; }
  /// Forgets every close (periods and seeding stay).
  void reset() noexcept;

 private:
  ema fast_, slow_, signal_;
  double line_ = 0;
  ema_seed seed_;
  uint32_t fast_delay_;  // bars the fast EMA skips (ema_seed::sma: slow - fast, TA-Lib's alignment)
};

/// Wilder's RSI: 100·G/(G+L) of the smoothed average gain G and loss L; 50 until ready.
///
/// The first averages are the simple means of the first `period` changes (TA-Lib's default);
/// afterwards G ← ((n-1)·G + gain)/n and likewise L.
class rsi {
 public:
  /// An RSI over `period` changes (clamped to at least 1).
  explicit rsi(int period = 14) noexcept;
  /// Adds a close and returns the new RSI.
  double update(double close) noexcept;
  /// The current RSI in [0, 100]; 50 until ready and on a flat series.
  [[nodiscard]] double value() const noexcept { return value_; }
  /// True once `period` changes (period + 1 closes) have been seen.
  [[nodiscard]] bool ready() const noexcept { return changes_ >= static_cast<uint32_t>(period_); }
  /// The number of changes n of Wilder's smoothing.
  [[nodiscard]] int period() const noexcept { return period_; }
  /// Forgets every close.
  void reset() noexcept;

 private:
  int period_;
  double prev_ = 0, avg_gain_ = 0, avg_loss_ = 0, value_ = 50.0;
  uint32_t seen_ = 0, changes_ = 0;
};

/// Rolling mean and population/sample standard deviation over the last N values, O(1) per
/// update and numerically stable; `rolling_stats<>` takes the window as a constructor argument.
///
/// Values are shifted by a reference K and the sums of x - K and (x - K)² are kept; they are
/// rebuilt from the ring, with K re-centred on the window mean, every N updates, so error does
/// not accumulate. The rebuild also runs early when the largest deviation from K since the last
/// rebuild dwarfs the window's current spread (after a jump has left the window), which is when
/// Σd² - (Σd)²/n would cancel badly; right after a rebuild that ratio is at most n, so this costs
/// O(N) only once per such event. A window whose values are all identical reports its exact value
/// and a stddev of zero. Before N values the statistics are those of the values so far.
template <size_t N = dynamic_window>
class rolling_stats {
  static_assert(N == dynamic_window || (N >= 2 && N < (1u << 20)));

 public:
  /// A window of N values, N the template argument.
  rolling_stats() noexcept
    requires(N != dynamic_window)
  {}
  /// A window of `window` values (clamped to [1, max_period]); allocates the ring once.
  explicit rolling_stats(int window)
    requires(N == dynamic_window)
      : ring_(detail::clamp_period(window)) {}

  /// Adds a value, evicting the oldest once the window is full.
  void update(double x) noexcept;
  /// The mean of the values in the window (0 when empty).
  [[nodiscard]] double mean() const noexcept;
  /// The population standard deviation, sqrt(Σ(x - mean)²/n) (0 when empty).
  [[nodiscard]] double population_stddev() const noexcept;
  /// The sample standard deviation, sqrt(Σ(x - mean)²/(n - 1)) (0 with fewer than two values).
  [[nodiscard]] double sample_stddev() const noexcept;
  /// True once the window holds N values.
  [[nodiscard]] bool full() const noexcept { return count_ >= window(); }
  /// True once the window holds N values (the same as full()).
  [[nodiscard]] bool ready() const noexcept { return full(); }
  /// How many values the window holds (at most N).
  [[nodiscard]] uint32_t count() const noexcept { return count_ < window() ? count_ : window(); }
  /// The window length N.
  [[nodiscard]] uint32_t window() const noexcept { return static_cast<uint32_t>(ring_.size()); }
  /// Forgets every value (the window length stays).
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

  detail::window_buffer<double, N> ring_{};
  double shift_ = 0, sum_ = 0, sumsq_ = 0;
  double max_d2_ = 0;  // largest (x - shift)² entered since the last rebuild
  double last_ = 0;
  uint32_t count_ = 0, head_ = 0, since_rebuild_ = 0;
  uint32_t run_ = 0;  // how many of the newest values are equal to last_ (capped at N)
};

/// Simple moving average of the last `period` values.
///
/// Before `period` values it is the mean of the values so far (TA-Lib reports nothing there).
class sma {
 public:
  /// An SMA over `period` values (clamped to [1, max_period]); allocates the ring once.
  explicit sma(int period) : stats_(period) {}
  /// Adds a value and returns the new average.
  double update(double x) noexcept {
    stats_.update(x);
    return stats_.mean();
  }
  /// The mean of the last min(count, period) values (0 before the first).
  [[nodiscard]] double value() const noexcept { return stats_.mean(); }
  /// True once `period` values have been seen.
  [[nodiscard]] bool ready() const noexcept { return stats_.full(); }
  /// How many values the window holds (at most `period`).
  [[nodiscard]] uint32_t count() const noexcept { return stats_.count(); }
  /// The window length.
  [[nodiscard]] uint32_t period() const noexcept { return stats_.window(); }
  /// Forgets every value.
  void reset() noexcept { stats_.reset(); }

 private:
  rolling_stats<> stats_;
};

/// Which standard deviation a `stddev` reports.
enum class stddev_kind : uint8_t {
  population,  ///< sqrt(Σ(x - mean)²/n), as Bollinger bands and TA-Lib's STDDEV use.
  sample,      ///< sqrt(Σ(x - mean)²/(n - 1)).
};

/// Rolling standard deviation of the last `period` values (population by default).
class stddev {
 public:
  /// A stddev over `period` values (clamped to [1, max_period]); allocates the ring once.
  explicit stddev(int period, stddev_kind kind = stddev_kind::population)
      : stats_(period), kind_(kind) {}
  /// Adds a value and returns the new standard deviation.
  double update(double x) noexcept {
    stats_.update(x);
    return value();
  }
  /// The standard deviation of the values in the window (0 when it cannot be computed).
  [[nodiscard]] double value() const noexcept {
    return kind_ == stddev_kind::population ? stats_.population_stddev() : stats_.sample_stddev();
  }
  /// The mean of the values in the window.
  [[nodiscard]] double mean() const noexcept { return stats_.mean(); }
  /// True once `period` values have been seen.
  [[nodiscard]] bool ready() const noexcept { return stats_.full(); }
  /// The window length.
  [[nodiscard]] uint32_t period() const noexcept { return stats_.window(); }
  /// Forgets every value.
  void reset() noexcept { stats_.reset(); }

 private:
  rolling_stats<> stats_;
  stddev_kind kind_;
};

/// Z-score of the newest value: (x - mean)/population stddev over the last `period` values
/// (including x); 0 when the stddev is 0.
class zscore {
 public:
  /// A z-score over `period` values (clamped to [1, max_period]); allocates the ring once.
  explicit zscore(int period) : stats_(period) {}
  /// Adds a value and returns its z-score against the window that now contains it.
  double update(double x) noexcept;
  /// The z-score of the newest value (0 before the first value).
  [[nodiscard]] double value() const noexcept { return value_; }
  /// The window mean.
  [[nodiscard]] double mean() const noexcept { return stats_.mean(); }
  /// The window's population standard deviation.
  [[nodiscard]] double stddev() const noexcept { return stats_.population_stddev(); }
  /// True once `period` values have been seen.
  [[nodiscard]] bool ready() const noexcept { return stats_.full(); }
  /// The window length.
  [[nodiscard]] uint32_t period() const noexcept { return stats_.window(); }
  /// Forgets every value.
  void reset() noexcept {
    stats_.reset();
    value_ = 0;
  }

 private:
  rolling_stats<> stats_;
  double value_ = 0;
};

/// Bollinger bands: mid = SMA(period), bands = mid ± k × population stddev of the last `period`
/// closes; Bollinger(20, 2) by default.
///
/// Before `period` closes the values are those of the partial window.
class bollinger {
 public:
  /// Bollinger(20, k), the engine's built-in window.
  explicit bollinger(double k = 2.0) : bollinger(20, k) {}
  /// Bollinger(period, k) (period clamped to [1, max_period]); allocates the ring once.
  bollinger(int period, double k) : k_(k), stats_(period) {}
  /// Adds a close.
  void update(double close) noexcept { stats_.update(close); }
  /// The middle band, the SMA of the window.
  [[nodiscard]] double mid() const noexcept { return stats_.mean(); }
  /// The upper band, mid + k σ.
  [[nodiscard]] double upper() const noexcept { return mid() + k_ * stats_.population_stddev(); }
  /// The lower band, mid - k σ.
  [[nodiscard]] double lower() const noexcept { return mid() - k_ * stats_.population_stddev(); }
  /// The population standard deviation σ of the window.
  [[nodiscard]] double stddev() const noexcept { return stats_.population_stddev(); }
  /// The band width multiplier k.
  [[nodiscard]] double k() const noexcept { return k_; }
  /// The window length.
  [[nodiscard]] uint32_t period() const noexcept { return stats_.window(); }
  /// True once the window holds `period` closes.
  [[nodiscard]] bool ready() const noexcept { return stats_.full(); }
  /// Forgets every close.
  void reset() noexcept { stats_.reset(); }

 private:
  double k_;
  rolling_stats<> stats_;
};

/// Average true range, Wilder-smoothed, seeded as TA-Lib does: the first ATR is the SMA of the
/// first `period` true ranges.
///
/// The true range of a bar is max(high - low, |high - prev close|, |low - prev close|); the first
/// bar has no previous close and so no true range, which makes the ATR ready at bar period + 1.
/// Afterwards ATR ← ((n-1)·ATR + TR)/n. Before it is ready the value is the mean of the true
/// ranges so far (0 before the second bar).
class atr {
 public:
  /// An ATR over `period` true ranges (clamped to [1, max_period]).
  explicit atr(int period = 14) noexcept;
  /// Adds a bar and returns the new ATR.
  double update(double high, double low, double close) noexcept;
  /// Adds a bar (its high, low and close) and returns the new ATR.
  double update(const bar_payload& bar) noexcept {
    return update(bar.high.to_double(), bar.low.to_double(), bar.close.to_double());
  }
  /// The current ATR.
  [[nodiscard]] double value() const noexcept { return value_; }
  /// The newest bar's true range (0 before the second bar).
  [[nodiscard]] double true_range() const noexcept { return tr_; }
  /// True once `period` true ranges (period + 1 bars) have been seen.
  [[nodiscard]] bool ready() const noexcept { return ranges_ >= period_; }
  /// The smoothing period n.
  [[nodiscard]] uint32_t period() const noexcept { return period_; }
  /// Forgets every bar.
  void reset() noexcept;

 private:
  double prev_close_ = 0, tr_ = 0, sum_ = 0, value_ = 0;
  uint32_t period_;
  uint32_t ranges_ = 0;
  bool has_prev_ = false;
};

/// The minimum (`IsMax` false) or maximum (`IsMax` true) of the last `period` values, kept in a
/// monotonic ring: O(1) amortised per update; use the aliases `rolling_min` and `rolling_max`.
///
/// Before `period` values it is the extremum of the values so far (0 before the first).
template <bool IsMax>
class rolling_extremum {
 public:
  /// A window of `period` values (clamped to [1, max_period]); allocates the ring once.
  explicit rolling_extremum(int period)
      : vals_(detail::clamp_period(period)),
        seqs_(detail::clamp_period(period)),
        period_(detail::clamp_period(period)) {}
  /// Adds a value and returns the new extremum.
  double update(double x) noexcept;
  /// The extremum of the last min(count, period) values.
  [[nodiscard]] double value() const noexcept { return size_ > 0 ? vals_[head_] : 0.0; }
  /// How many updates ago the extremum arrived (0: the newest value).
  [[nodiscard]] uint32_t age() const noexcept {
    return size_ > 0 ? static_cast<uint32_t>(next_ - 1 - seqs_[head_]) : 0;
  }
  /// True once `period` values have been seen.
  [[nodiscard]] bool ready() const noexcept { return next_ >= period_; }
  /// How many values the window holds (at most `period`).
  [[nodiscard]] uint32_t count() const noexcept {
    return next_ < period_ ? static_cast<uint32_t>(next_) : period_;
  }
  /// The window length.
  [[nodiscard]] uint32_t period() const noexcept { return period_; }
  /// Forgets every value.
  void reset() noexcept {
    next_ = 0;
    head_ = size_ = 0;
  }

 private:
  [[nodiscard]] uint32_t wrap(uint32_t i) const noexcept { return i >= period_ ? i - period_ : i; }

  // The candidates, oldest first, strictly improving towards the back; each with its sequence.
  std::vector<double> vals_;
  std::vector<uint64_t> seqs_;
  uint64_t next_ = 0;  // sequence number of the next value
  uint32_t period_;
  uint32_t head_ = 0, size_ = 0;
};

/// The minimum of the last `period` values (monotonic ring, O(1) amortised).
using rolling_min = rolling_extremum<false>;
/// The maximum of the last `period` values (monotonic ring, O(1) amortised).
using rolling_max = rolling_extremum<true>;

/// Session VWAP: Σ(price·volume)/Σvolume since the last reset (the indicator set resets it when
/// the session changes).
class session_vwap {
 public:
  /// Adds a trade or bar at price `px` with `volume` (ignored unless volume > 0).
  void update(double px, double volume) noexcept;
  /// The VWAP (0 before any volume).
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  /// True once the session has volume.
  [[nodiscard]] bool ready() const noexcept { return vol_ > 0; }
  /// Starts a new session.
  void reset() noexcept { pv_ = vol_ = 0; }

 private:
  double pv_ = 0, vol_ = 0;
};

/// VWAP over a rolling window of `Seconds` one-second buckets, keyed by second so a quiet second
/// counts as an empty bucket; `windowed_vwap<>` takes the window as a constructor argument.
///
/// The window ending at second s holds the buckets (s - Seconds, s], s being the newest second
/// seen by update() or advance(). Advancing the clock by d seconds evicts min(d, Seconds) slots,
/// so the cost is O(1) amortised per second of market time (bounded by Seconds per call). An
/// update older than the window is ignored; one inside the window (late, but not too late) is
/// added to its own bucket. An update without volume only advances the clock.
template <size_t Seconds = dynamic_window>
class windowed_vwap {
  static_assert(Seconds == dynamic_window || Seconds < (1u << 20));

 public:
  /// A window of `Seconds` seconds, the template argument.
  windowed_vwap() noexcept
    requires(Seconds != dynamic_window)
  {
    reset();
  }
  /// A window of `seconds` seconds (clamped to [1, max_period]); allocates the rings once.
  explicit windowed_vwap(int seconds)
    requires(Seconds == dynamic_window)
      : pv_ring_(detail::clamp_period(seconds)),
        vol_ring_(detail::clamp_period(seconds)),
        sec_ring_(detail::clamp_period(seconds)) {
    reset();
  }
  /// Adds `volume` traded for `px_volume` (Σ price·volume) in `second`, moving the window's end
  /// to `second` if it is newer; without volume (volume ≤ 0) it only moves the window.
  void update(int64_t second, double px_volume, double volume) noexcept;
  /// Moves the window's end to `second` (if newer), evicting the buckets that leave it.
  void advance(int64_t second) noexcept;
  /// The VWAP of the window (0 when it holds no volume).
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  /// The volume in the window.
  [[nodiscard]] double volume() const noexcept { return vol_; }
  /// True when the window holds volume.
  [[nodiscard]] bool ready() const noexcept { return vol_ > 0; }
  /// The window length in seconds.
  [[nodiscard]] uint32_t seconds() const noexcept { return static_cast<uint32_t>(sec_ring_.size()); }
  /// Forgets every bucket and the clock.
  void reset() noexcept;

 private:
  static constexpr int64_t empty_ = std::numeric_limits<int64_t>::min();
  [[nodiscard]] size_t slot(int64_t second) const noexcept {
    const auto w = static_cast<int64_t>(seconds());
    const int64_t m = second % w;
    return static_cast<size_t>(m < 0 ? m + w : m);
  }
  void evict(size_t i) noexcept;

  detail::window_buffer<double, Seconds> pv_ring_{}, vol_ring_{};
  detail::window_buffer<int64_t, Seconds> sec_ring_{};
  double pv_ = 0, vol_ = 0;
  int64_t last_second_ = empty_;
  uint32_t filled_ = 0;         // occupied buckets; sums snap to exact zero when none
  uint32_t since_rebuild_ = 0;  // sums are recomputed from the ring every Seconds updates
};

/// VWAP over the last `period` updates (bars), whatever their times: Σ(p·v)/Σv over the window.
///
/// A bar without volume (volume ≤ 0, or a non-finite p·v) still takes its slot. The sums are
/// rebuilt from the ring every `period` updates and snap to exact zero when no bar in the window
/// has volume.
class rolling_vwap {
 public:
  /// A window of `period` bars (clamped to [1, max_period]); allocates the rings once.
  explicit rolling_vwap(int period);
  /// Adds a bar traded at `px` (its VWAP or close) with `volume`.
  void update(double px, double volume) noexcept;
  /// The VWAP of the window (0 when it holds no volume).
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  /// The volume in the window.
  [[nodiscard]] double volume() const noexcept { return vol_; }
  /// True once the window holds `period` bars and some volume.
  [[nodiscard]] bool ready() const noexcept { return count_ >= period() && vol_ > 0; }
  /// The window length in bars.
  [[nodiscard]] uint32_t period() const noexcept { return static_cast<uint32_t>(vol_ring_.size()); }
  /// Forgets every bar.
  void reset() noexcept;

 private:
  std::vector<double> pv_ring_, vol_ring_;
  double pv_ = 0, vol_ = 0;
  uint32_t count_ = 0, head_ = 0, with_volume_ = 0, since_rebuild_ = 0;
};

/// Sample stddev of log returns between consecutive closes over the last `window` returns
/// (60 by default; not annualised).
///
/// A return is ln(close_t / close_{t-1}) between consecutive updates; for one-second microbars a
/// second without trades has no bar and so contributes no return. Non-positive closes are ignored.
class realized_vol {
 public:
  /// Realized volatility over the last 60 returns.
  realized_vol() : realized_vol(60) {}
  /// Realized volatility over the last `window` returns (clamped to [2, max_period]).
  explicit realized_vol(int window) : returns_(window < 2 ? 2 : window) {}
  /// Adds a close.
  void update(double close) noexcept;
  /// The sample stddev of the returns in the window (0 with fewer than two).
  [[nodiscard]] double value() const noexcept { return returns_.sample_stddev(); }
  /// True once the window holds `window` returns (window + 1 closes).
  [[nodiscard]] bool ready() const noexcept { return returns_.full(); }
  /// The window length in returns.
  [[nodiscard]] uint32_t window() const noexcept { return returns_.window(); }
  /// Forgets every close.
  void reset() noexcept;

 private:
  rolling_stats<> returns_;
  double prev_ = 0;
  bool has_prev_ = false;
};

/// The top of the book from the last quote: spread, bid/ask price and size, mid and the size
/// imbalance (bid_sz - ask_sz)/(bid_sz + ask_sz).
class quote_imbalance {
 public:
  /// Takes a quote; the spread is the exact fixed-point difference, converted once.
  void update(const quote_payload& q) noexcept;
  /// Takes a quote given as doubles.
  void update(double bid_px, double ask_px, double bid_size, double ask_size) noexcept;
  /// ask_px - bid_px (0 before the first quote).
  [[nodiscard]] double spread() const noexcept { return spread_; }
  /// The bid price.
  [[nodiscard]] double bid_px() const noexcept { return bid_px_; }
  /// The ask price.
  [[nodiscard]] double ask_px() const noexcept { return ask_px_; }
  /// The bid size.
  [[nodiscard]] double bid_size() const noexcept { return bid_sz_; }
  /// The ask size.
  [[nodiscard]] double ask_size() const noexcept { return ask_sz_; }
  /// The mid price (bid_px + ask_px)/2.
  [[nodiscard]] double mid() const noexcept { return 0.5 * (bid_px_ + ask_px_); }
  /// (bid_sz - ask_sz)/(bid_sz + ask_sz) in [-1, 1]; 0 when both sizes are 0.
  [[nodiscard]] double imbalance() const noexcept {
    const double total = bid_sz_ + ask_sz_;
    return total > 0 ? (bid_sz_ - ask_sz_) / total : 0.0;
  }
  /// True once a quote has arrived since the last reset.
  [[nodiscard]] bool ready() const noexcept { return has_quote_; }
  /// Forgets the last quote.
  void reset() noexcept;

 private:
  double spread_ = 0, bid_px_ = 0, ask_px_ = 0, bid_sz_ = 0, ask_sz_ = 0;
  bool has_quote_ = false;
};

/// Every indicator of one symbol (the `ta_signals` row), updated from closed microbars and
/// quotes.
class indicator_set {
 public:
  /// The set with Bollinger(20, bollinger_k); allocates its windows once.
  explicit indicator_set(double bollinger_k = 2.0) : boll_(bollinger_k) {}
  /// Takes a closed 1-second microbar (event_time = bar start).
  void on_bar(const bar_payload& bar, timestamp bar_start) noexcept;
  /// Takes a quote (the imbalance indicators).
  void on_quote(const quote_payload& q) noexcept;
  /// Forgets everything, including the last quote (after a gap: warm up again).
  void reset() noexcept;
  /// Every value with its ready bit (indicator_snapshot::ready_mask).
  [[nodiscard]] indicator_snapshot snapshot() const noexcept;
  /// The number of bars since the last reset (saturating).
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
  quote_imbalance quote_;
  int64_t session_day_ = no_session_;
  uint32_t bars_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Template definitions
// ---------------------------------------------------------------------------------------------

template <size_t N>
void rolling_stats<N>::update(double x) noexcept {
  const uint32_t w = window();
  if (count_ == 0) {
    shift_ = x;
    sum_ = sumsq_ = max_d2_ = 0;
  }
  if (count_ >= w) {  // the slot at head_ holds the oldest value: take it out
    const double d_old = ring_[head_] - shift_;
    sum_ -= d_old;
    sumsq_ -= d_old * d_old;
  } else {
    ++count_;
  }
  ring_[head_] = x;
  head_ = head_ + 1 == w ? 0 : head_ + 1;
  const double d = x - shift_;
  sum_ += d;
  sumsq_ += d * d;
  if (d * d > max_d2_) max_d2_ = d * d;
  run_ = (run_ > 0 && x == last_) ? (run_ < w ? run_ + 1 : run_) : 1;
  last_ = x;
  if (++since_rebuild_ >= w) {
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
  std::fill(ring_.begin(), ring_.end(), 0.0);
  shift_ = sum_ = sumsq_ = max_d2_ = last_ = 0;
  count_ = head_ = since_rebuild_ = run_ = 0;
}

template <bool IsMax>
double rolling_extremum<IsMax>::update(double x) noexcept {
  const uint64_t seq = next_++;
  // The front leaves once it is `period` updates old; sequences are distinct and increasing, so
  // at most one entry expires per update.
  while (size_ > 0 && seqs_[head_] + period_ <= seq) {
    head_ = wrap(head_ + 1);
    --size_;
  }
  // Entries no better than x can never be the extremum again: x outlives them.
  while (size_ > 0) {
    const double back = vals_[wrap(head_ + size_ - 1)];
    if (IsMax ? !(back <= x) : !(back >= x)) break;
    --size_;
  }
  const uint32_t tail = wrap(head_ + size_);  // size_ < period_ here: entries span < period seqs
  vals_[tail] = x;
  seqs_[tail] = seq;
  ++size_;
  return vals_[head_];
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
void windowed_vwap<Seconds>::advance(int64_t second) noexcept {
  if (last_second_ != empty_) {
    if (second <= last_second_) return;
    // Seconds (last - w, second - w] leave the window; they sit in the slots of (last, second].
    const int64_t steps = second - last_second_;
    if (steps >= static_cast<int64_t>(seconds())) {
      reset();
    } else {
      for (int64_t k = 1; k <= steps; ++k) evict(slot(last_second_ + k));
    }
  }
  last_second_ = second;
}

template <size_t Seconds>
void windowed_vwap<Seconds>::update(int64_t second, double px_volume, double volume) noexcept {
  if (!(volume > 0)) {
    advance(second);
    return;
  }
  const auto w = static_cast<int64_t>(seconds());
  if (last_second_ == empty_ || second > last_second_) {
    advance(second);
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
  if (++since_rebuild_ >= seconds()) {
    since_rebuild_ = 0;
    double pv = 0, vol = 0;
    for (size_t k = 0; k < seconds(); ++k) {
      pv += pv_ring_[k];
      vol += vol_ring_[k];
    }
    pv_ = pv;
    vol_ = vol;
  }
}

template <size_t Seconds>
void windowed_vwap<Seconds>::reset() noexcept {
  std::fill(pv_ring_.begin(), pv_ring_.end(), 0.0);
  std::fill(vol_ring_.begin(), vol_ring_.end(), 0.0);
  std::fill(sec_ring_.begin(), sec_ring_.end(), empty_);
  pv_ = vol_ = 0;
  filled_ = 0;
  since_rebuild_ = 0;
  last_second_ = empty_;
}

}  // namespace torghut::sdk
