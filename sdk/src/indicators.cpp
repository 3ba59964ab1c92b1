#include "torghut/sdk/indicators.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace torghut::sdk {
namespace {

constexpr uint32_t saturating_inc(uint32_t v) noexcept {
  return v == std::numeric_limits<uint32_t>::max() ? v : v + 1;
}

constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

// --- ema ------------------------------------------------------------------------------------

ema::ema(int period, ema_seed seed) noexcept
    : alpha_(2.0 / (static_cast<double>(detail::clamp_period(period)) + 1.0)),
      period_(detail::clamp_period(period)),
      seed_(seed) {}

double ema::update(double x) noexcept {
  if (seed_ == ema_seed::first_value) {
    value_ = count_ == 0 ? x : value_ + alpha_ * (x - value_);
  } else if (count_ < period_) {
    // TA-Lib: the seed is the plain sum of the first `period` values divided by `period`;
    // before that the value is the mean so far.
    sum_ += x;
    value_ = sum_ / static_cast<double>(count_ + 1);
  } else {
    value_ = value_ + alpha_ * (x - value_);
  }
  count_ = saturating_inc(count_);
  return value_;
}

void ema::reset() noexcept {
  value_ = 0;
  sum_ = 0;
  count_ = 0;
}

// --- macd -----------------------------------------------------------------------------------

macd::macd(int fast_period, int slow_period, int signal_period, ema_seed seed) noexcept
    : fast_(fast_period, seed),
      slow_(slow_period, seed),
      signal_(signal_period, seed),
      seed_(seed),
      fast_delay_(seed == ema_seed::sma && slow_.period() > fast_.period()
                      ? slow_.period() - fast_.period()
                      : 0) {}

void macd::update(double close) noexcept {
  slow_.update(close);
  // The slow EMA has counted this bar; the fast one starts after `fast_delay_` bars (TA-Lib
  // seeds it with the SMA of the `fast` closes ending where the slow EMA becomes ready).
  if (slow_.count() > fast_delay_) fast_.update(close);
  if (seed_ == ema_seed::first_value) {
    line_ = fast_.value() - slow_.value();
    if (line_ready()) signal_.update(line_);  // the signal starts on the first meaningful line
  } else if (line_ready()) {
    line_ = fast_.value() - slow_.value();
    signal_.update(line_);
  }
}

void macd::reset() noexcept {
  fast_.reset();
  slow_.reset();
  signal_.reset();
  line_ = 0;
}

// --- rsi ------------------------------------------------------------------------------------

rsi::rsi(int period) noexcept : period_(period > 0 ? period : 1) {}

double rsi::update(double close) noexcept {
  if (seen_ == 0) {
    prev_ = close;
    seen_ = 1;
    return value_;
  }
  const double change = close - prev_;
  prev_ = close;
  const double gain = change > 0 ? change : 0.0;
  const double loss = change < 0 ? -change : 0.0;
  const auto n = static_cast<double>(period_);
  const auto p = static_cast<uint32_t>(period_);
  if (changes_ < p) {
    // Warm-up: avg_gain_/avg_loss_ hold plain sums until the first `period` changes are in.
    avg_gain_ += gain;
    avg_loss_ += loss;
    changes_ = saturating_inc(changes_);
    if (changes_ < p) return value_;
    avg_gain_ /= n;
    avg_loss_ /= n;
  } else {
    avg_gain_ = (avg_gain_ * (n - 1.0) + gain) / n;
    avg_loss_ = (avg_loss_ * (n - 1.0) + loss) / n;
    changes_ = saturating_inc(changes_);
  }
  const double total = avg_gain_ + avg_loss_;
  // 100 - 100/(1 + G/L) == 100·G/(G + L), without dividing by a zero loss.
  value_ = total > 0 ? 100.0 * avg_gain_ / total : 50.0;
  return value_;
}

void rsi::reset() noexcept {
  prev_ = avg_gain_ = avg_loss_ = 0;
  value_ = 50.0;
  seen_ = changes_ = 0;
}

// --- atr ------------------------------------------------------------------------------------

atr::atr(int period) noexcept : period_(detail::clamp_period(period)) {}

double atr::update(double high, double low, double close) noexcept {
  if (!has_prev_) {
    prev_close_ = close;
    has_prev_ = true;
    return value_;
  }
  // TA-Lib's TRANGE, in its order of comparisons.
  double tr = high - low;
  const double up = std::fabs(prev_close_ - high);
  if (up > tr) tr = up;
  const double down = std::fabs(prev_close_ - low);
  if (down > tr) tr = down;
  tr_ = tr;
  prev_close_ = close;
  if (ranges_ < period_) {
    // Seeding: the mean of the true ranges so far; at `period` of them, TA-Lib's first ATR.
    sum_ += tr;
    ++ranges_;
    value_ = sum_ / static_cast<double>(ranges_);
  } else {
    const auto n = static_cast<double>(period_);
    value_ = (value_ * (n - 1.0) + tr) / n;  // Wilder, as TA-Lib: ×(n-1), +TR, ÷n
    ranges_ = saturating_inc(ranges_);
  }
  return value_;
}

void atr::reset() noexcept {
  prev_close_ = tr_ = sum_ = value_ = 0;
  ranges_ = 0;
  has_prev_ = false;
}

// --- zscore ---------------------------------------------------------------------------------

double zscore::update(double x) noexcept {
  stats_.update(x);
  const double sd = stats_.population_stddev();
  value_ = sd > 0 ? (x - stats_.mean()) / sd : 0.0;
  return value_;
}

// --- session_vwap ---------------------------------------------------------------------------

void session_vwap::update(double px, double volume) noexcept {
  if (!(volume > 0)) return;
  pv_ += px * volume;
  vol_ += volume;
}

// --- rolling_vwap ---------------------------------------------------------------------------

rolling_vwap::rolling_vwap(int period)
    : pv_ring_(detail::clamp_period(period)), vol_ring_(detail::clamp_period(period)) {}

void rolling_vwap::update(double px, double volume) noexcept {
  double v = volume > 0 ? volume : 0.0;
  double pv = v > 0 ? px * v : 0.0;
  if (!std::isfinite(pv) || !std::isfinite(v)) pv = v = 0;
  const uint32_t w = period();
  if (count_ >= w) {  // the slot at head_ holds the oldest bar: take it out
    pv_ -= pv_ring_[head_];
    vol_ -= vol_ring_[head_];
    if (vol_ring_[head_] > 0) --with_volume_;
  } else {
    ++count_;
  }
  pv_ring_[head_] = pv;
  vol_ring_[head_] = v;
  head_ = head_ + 1 == w ? 0 : head_ + 1;
  if (v > 0) ++with_volume_;
  pv_ += pv;
  vol_ += v;
  if (with_volume_ == 0) {
    pv_ = vol_ = 0;  // no residue from add/subtract rounding
  } else if (++since_rebuild_ >= w) {
    since_rebuild_ = 0;
    double s_pv = 0, s_vol = 0;
    for (uint32_t k = 0; k < w; ++k) {  // slots not used yet hold zeros
      s_pv += pv_ring_[k];
      s_vol += vol_ring_[k];
    }
    pv_ = s_pv;
    vol_ = s_vol;
  }
}

void rolling_vwap::reset() noexcept {
  std::fill(pv_ring_.begin(), pv_ring_.end(), 0.0);
  std::fill(vol_ring_.begin(), vol_ring_.end(), 0.0);
  pv_ = vol_ = 0;
  count_ = head_ = with_volume_ = since_rebuild_ = 0;
}

// --- realized_vol ---------------------------------------------------------------------------

void realized_vol::update(double close) noexcept {
  if (!(close > 0) || !std::isfinite(close)) return;
  if (has_prev_) returns_.update(std::log(close / prev_));
  prev_ = close;
  has_prev_ = true;
}

void realized_vol::reset() noexcept {
  returns_.reset();
  prev_ = 0;
  has_prev_ = false;
}

// --- quote_imbalance ------------------------------------------------------------------------

void quote_imbalance::update(const quote_payload& q) noexcept {
  // Spread from the exact fixed-point difference, then converted once.
  const auto spread = checked_sub(q.ask_px, q.bid_px);
  spread_ = spread ? spread->to_double() : q.ask_px.to_double() - q.bid_px.to_double();
  bid_px_ = q.bid_px.to_double();
  ask_px_ = q.ask_px.to_double();
  bid_sz_ = q.bid_size.to_double();
  ask_sz_ = q.ask_size.to_double();
  has_quote_ = true;
}

void quote_imbalance::update(double bid_px, double ask_px, double bid_size,
                             double ask_size) noexcept {
  spread_ = ask_px - bid_px;
  bid_px_ = bid_px;
  ask_px_ = ask_px;
  bid_sz_ = bid_size;
  ask_sz_ = ask_size;
  has_quote_ = true;
}

void quote_imbalance::reset() noexcept {
  spread_ = bid_px_ = ask_px_ = bid_sz_ = ask_sz_ = 0;
  has_quote_ = false;
}

// --- indicator_set --------------------------------------------------------------------------

int64_t indicator_set::session_day(timestamp t) noexcept {
  constexpr int64_t hour = 3600 * ns_per_second;
  constexpr int64_t day = 24 * hour;
  // t - 6 h cannot overflow for any timestamp after 1677-09-21.
  return floor_div(t.ns - 6 * hour, day);
}

void indicator_set::on_bar(const bar_payload& bar, timestamp bar_start) noexcept {
  const double close = bar.close.to_double();
  const double volume = bar.volume.to_double();
  const double px = bar.vwap.is_zero() ? close : bar.vwap.to_double();

  const int64_t day = session_day(bar_start);
  if (day != session_day_) {
    vwap_session_.reset();
    session_day_ = day;
  }

  macd_.update(close);
  rsi_.update(close);
  boll_.update(close);
  vol_.update(close);
  const int64_t second = floor_div(bar_start.ns, ns_per_second);
  if (volume > 0) {
    const double pv = px * volume;
    vwap_session_.update(px, volume);
    vwap_5m_.update(second, pv, volume);
  } else {
    // The 5-minute window moves on every bar, with volume or not: after 300 s without volume
    // it is empty (value 0, not ready).
    vwap_5m_.advance(second);
  }
  bars_ = bars_ == std::numeric_limits<uint32_t>::max() ? bars_ : bars_ + 1;
}

void indicator_set::on_quote(const quote_payload& q) noexcept { quote_.update(q); }

void indicator_set::reset() noexcept {
  macd_.reset();
  rsi_.reset();
  boll_.reset();
  vwap_session_.reset();
  vwap_5m_.reset();
  vol_.reset();
  quote_.reset();
  session_day_ = no_session_;
  bars_ = 0;
}

indicator_snapshot indicator_set::snapshot() const noexcept {
  indicator_snapshot s;
  uint32_t mask = 0;
  s.ema12 = macd_.ema_fast();
  s.ema26 = macd_.ema_slow();
  s.macd = macd_.line();
  s.macd_signal = macd_.signal();
  s.macd_hist = macd_.histogram();
  if (macd_.fast_ready()) mask |= indicator_bit::ema12;
  if (macd_.slow_ready()) mask |= indicator_bit::ema26 | indicator_bit::macd;
  if (macd_.ready()) mask |= indicator_bit::macd_signal;

  s.rsi14 = rsi_.value();
  if (rsi_.ready()) mask |= indicator_bit::rsi14;

  s.boll_mid = boll_.mid();
  s.boll_upper = boll_.upper();
  s.boll_lower = boll_.lower();
  if (boll_.ready()) mask |= indicator_bit::bollinger;

  s.vwap_session = vwap_session_.value();
  if (vwap_session_.ready()) mask |= indicator_bit::vwap_session;
  s.vwap_w5m = vwap_5m_.value();
  if (vwap_5m_.ready()) mask |= indicator_bit::vwap_w5m;

  s.vol_realized_w60s = vol_.value();
  if (vol_.ready()) mask |= indicator_bit::vol_realized;

  if (quote_.ready()) {
    s.imbalance_spread = quote_.spread();
    s.imbalance_bid_px = quote_.bid_px();
    s.imbalance_ask_px = quote_.ask_px();
    s.imbalance_bid_sz = quote_.bid_size();
    s.imbalance_ask_sz = quote_.ask_size();
    mask |= indicator_bit::quote;
  }
  s.ready_mask = mask;
  return s;
}

}  // namespace torghut::sdk
