#include "strategy_timing.hpp"

#include <algorithm>
#include <chrono>

#include "allocation_counter.hpp"

namespace torghut::app {

std::string_view to_string(callback_kind k) noexcept {
  switch (k) {
    case callback_kind::start: return "on_start";
    case callback_kind::bar: return "on_bar";
    case callback_kind::trade: return "on_trade";
    case callback_kind::quote: return "on_quote";
    case callback_kind::order_update: return "on_order_update";
    case callback_kind::timer: return "on_timer";
    case callback_kind::feed_gap: return "on_feed_gap";
    case callback_kind::halt: return "on_halt";
    case callback_kind::trading_state: return "on_trading_state";
    case callback_kind::stop: return "on_stop";
  }
  return "?";
}

void callback_timings::reserve(uint32_t callbacks, size_t capacity) {
  measuring_ = false;
  for (size_t i = 0; i < callback_kind_count; ++i) {
    const auto k = static_cast<callback_kind>(i);
    per_kind& p = per_[i];
    p = per_kind{};
    if ((callbacks & callback_bit(k)) == 0) continue;
    p.samples.reserve(k == callback_kind::start || k == callback_kind::stop ? 1 : capacity);
  }
}

void callback_timings::record(callback_kind k, int64_t ns, uint64_t allocations) noexcept {
  per_kind& p = per_[static_cast<size_t>(k)];
  ++p.calls;
  // on_start and on_stop run once: always timed (on_start runs during warm-up by definition).
  if (!measuring_ && k != callback_kind::start && k != callback_kind::stop) return;
  ++p.measured;
  p.max_ns = std::max(p.max_ns, ns);
  p.allocations += allocations;
  if (p.samples.size() < p.samples.capacity()) p.samples.push_back(ns);  // never reallocates
}

uint64_t callback_timings::measured_allocations() const noexcept {
  uint64_t n = 0;
  for (const per_kind& p : per_) n += p.allocations;
  return n;
}

callback_summary callback_timings::summarize(callback_kind k) const {
  const per_kind& p = per_[static_cast<size_t>(k)];
  callback_summary s;
  s.calls = p.calls;
  s.measured = p.measured;
  s.kept = p.samples.size();
  s.max_ns = p.max_ns;
  s.allocations = p.allocations;
  if (p.samples.empty()) return s;
  std::vector<int64_t> v(p.samples);
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto idx = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
  };
  s.p50_ns = at(0.50);
  s.p99_ns = at(0.99);
  return s;
}

template <class F>
void timing_strategy::timed(callback_kind k, F&& f) {
  const uint64_t a0 = allocation_counter::count();
  const auto t0 = std::chrono::steady_clock::now();
  f();  // an exception goes on to the host, which stops the strategy (no sample)
  const auto t1 = std::chrono::steady_clock::now();
  t_.record(k, std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(),
            allocation_counter::count() - a0);
}

void timing_strategy::on_start(sdk::context& c) {
  timed(callback_kind::start, [&] { inner_->on_start(c); });
}
void timing_strategy::on_bar(sdk::context& c, const sdk::bar& b) {
  timed(callback_kind::bar, [&] { inner_->on_bar(c, b); });
}
void timing_strategy::on_trade(sdk::context& c, const sdk::trade& t) {
  timed(callback_kind::trade, [&] { inner_->on_trade(c, t); });
}
void timing_strategy::on_quote(sdk::context& c, const sdk::quote& q) {
  timed(callback_kind::quote, [&] { inner_->on_quote(c, q); });
}
void timing_strategy::on_order_update(sdk::context& c, const sdk::order_update& u) {
  timed(callback_kind::order_update, [&] { inner_->on_order_update(c, u); });
}
void timing_strategy::on_timer(sdk::context& c, const sdk::timer_event& e) {
  timed(callback_kind::timer, [&] { inner_->on_timer(c, e); });
}
void timing_strategy::on_feed_gap(sdk::context& c, const sdk::feed_gap& g) {
  timed(callback_kind::feed_gap, [&] { inner_->on_feed_gap(c, g); });
}
void timing_strategy::on_halt(sdk::context& c, symbol_id s, bool halted) {
  timed(callback_kind::halt, [&] { inner_->on_halt(c, s, halted); });
}
void timing_strategy::on_trading_state(sdk::context& c, trading_state s) {
  timed(callback_kind::trading_state, [&] { inner_->on_trading_state(c, s); });
}
void timing_strategy::on_stop(sdk::context& c) {
  timed(callback_kind::stop, [&] { inner_->on_stop(c); });
}

namespace {
// What the timed descriptor's `make` (a plain function pointer) builds around.
const sdk::descriptor* timed_inner = nullptr;
callback_timings* timed_sink = nullptr;

std::unique_ptr<sdk::strategy> make_timed(const sdk::params& p) {
  std::unique_ptr<sdk::strategy> inner = timed_inner->make(p);
  if (inner == nullptr) return nullptr;
  return std::make_unique<timing_strategy>(std::move(inner), *timed_sink);
}
}  // namespace

sdk::descriptor timed_descriptor(const sdk::descriptor& inner, callback_timings& timings) {
  timed_inner = &inner;
  timed_sink = &timings;
  sdk::descriptor d = inner;  // kind, summary, declare, callbacks, legacy_code, abi_version
  d.make = &make_timed;
  return d;
}

}  // namespace torghut::app
