#pragma once
/// Incremental O(1) technical indicators (the `ta_signals` set of seed 004). Each update costs a
/// constant number of operations and allocates nothing; windows live in fixed-size rings.
/// Formulas (documented in docs/INDICATORS.md with the golden data that checks them):
///   EMA(n):  alpha = 2/(n+1), seeded with the first value.
///   MACD:    EMA12 - EMA26; signal = EMA9 of MACD; histogram = MACD - signal.
///   RSI(14): Wilder smoothing; first average is the simple mean of the first 14 changes.
///   Bollinger(20, 2): mid = SMA20, bands = mid ± 2 × population stddev over the 20 closes.
///   VWAP:    session Σ(p·v)/Σv since the session reset; 5-minute rolling over 300 one-second bars.
///   Realized vol (60 s): sample stddev of the last 60 one-second log returns (not annualised).

#include <array>
#include <cstddef>
#include <cstdint>

#include "torghut/engine/messages.hpp"

namespace torghut::actors {

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
  void reset() noexcept;

 private:
  ema fast_{12}, slow_{26}, signal_{9};
  double line_ = 0;
};

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
template <size_t N>
class rolling_stats {
 public:
  void update(double x) noexcept;
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] double population_stddev() const noexcept;
  [[nodiscard]] double sample_stddev() const noexcept;
  [[nodiscard]] bool full() const noexcept { return count_ >= N; }
  [[nodiscard]] uint32_t count() const noexcept { return count_ < N ? count_ : N; }
  void reset() noexcept;

 private:
  std::array<double, N> ring_{};
  double shift_ = 0, sum_ = 0, sumsq_ = 0;
  uint32_t count_ = 0, head_ = 0, since_rebuild_ = 0;
};

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
template <size_t Seconds>
class windowed_vwap {
 public:
  void update(int64_t second, double px_volume, double volume) noexcept;
  [[nodiscard]] double value() const noexcept { return vol_ > 0 ? pv_ / vol_ : 0.0; }
  [[nodiscard]] bool ready() const noexcept { return vol_ > 0; }
  void reset() noexcept;

 private:
  std::array<double, Seconds> pv_ring_{}, vol_ring_{};
  std::array<int64_t, Seconds> sec_ring_{};
  double pv_ = 0, vol_ = 0;
};

/// Sample stddev of one-second log returns over the last 60 returns.
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

 private:
  macd macd_;
  rsi rsi_{14};
  bollinger boll_;
  session_vwap vwap_session_;
  windowed_vwap<300> vwap_5m_;
  realized_vol vol_;
  quote_payload last_quote_{};
  bool has_quote_ = false;
  int64_t session_day_ = -1;
  uint32_t bars_ = 0;
};

}  // namespace torghut::actors
