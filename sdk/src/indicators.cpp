#include "torghut/sdk/indicators.hpp"

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

ema::ema(int period) noexcept
    : alpha_(2.0 / (static_cast<double>(period) + 1.0)),
      period_(static_cast<uint32_t>(period > 0 ? period : 1)) {}

double ema::update(double x) noexcept {
  value_ = count_ == 0 ? x : value_ + alpha_ * (x - value_);
  count_ = saturating_inc(count_);
  return value_;
}

void ema::reset() noexcept {
  value_ = 0;
  count_ = 0;
}

// --- macd -----------------------------------------------------------------------------------

macd::macd() noexcept = default;

void macd::update(double close) noexcept {
  fast_.update(close);
  slow_.update(close);
  line_ = fast_.value() - slow_.value();
  if (slow_.ready()) signal_.update(line_);  // the signal starts on the first meaningful line
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

// --- session_vwap ---------------------------------------------------------------------------

void session_vwap::update(double px, double volume) noexcept {
  if (!(volume > 0)) return;
  pv_ += px * volume;
  vol_ += volume;
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
  if (volume > 0) {
    const double pv = px * volume;
    vwap_session_.update(px, volume);
    vwap_5m_.update(floor_div(bar_start.ns, ns_per_second), pv, volume);
  }
  bars_ = bars_ == std::numeric_limits<uint32_t>::max() ? bars_ : bars_ + 1;
}

void indicator_set::on_quote(const quote_payload& q) noexcept {
  last_quote_ = q;
  has_quote_ = true;
}

void indicator_set::reset() noexcept {
  macd_.reset();
  rsi_.reset();
  boll_.reset();
  vwap_session_.reset();
  vwap_5m_.reset();
  vol_.reset();
  last_quote_ = quote_payload{};
  has_quote_ = false;
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

  if (has_quote_) {
    const auto& q = last_quote_;
    // Spread from the exact fixed-point difference, then converted once.
    const auto spread = checked_sub(q.ask_px, q.bid_px);
    s.imbalance_spread = spread ? spread->to_double() : q.ask_px.to_double() - q.bid_px.to_double();
    s.imbalance_bid_px = q.bid_px.to_double();
    s.imbalance_ask_px = q.ask_px.to_double();
    s.imbalance_bid_sz = q.bid_size.to_double();
    s.imbalance_ask_sz = q.ask_size.to_double();
    mask |= indicator_bit::quote;
  }
  s.ready_mask = mask;
  return s;
}

}  // namespace torghut::sdk
