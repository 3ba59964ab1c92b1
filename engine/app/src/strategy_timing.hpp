#pragma once
/// The callback timer of `torghut check-strategy`: a strategy that owns the strategy under test
/// and forwards every callback to it, timing each one (std::chrono::steady_clock) into fixed,
/// preallocated per-callback sample arrays, and noting the heap allocations each one made
/// (allocation_counter.hpp). Its descriptor has the inner one's callback bits, kind, parameter
/// declaration and legacy code, so the host dispatches exactly what it would without it and
/// the decision hashes are the same.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "torghut/sdk/strategy.hpp"

namespace torghut::app {

/// The SDK's callbacks, in the order of their `sdk::callback` bits.
enum class callback_kind : uint8_t {
  start, bar, trade, quote, order_update, timer, feed_gap, halt, trading_state, stop
};
inline constexpr size_t callback_kind_count = 10;
[[nodiscard]] constexpr uint32_t callback_bit(callback_kind k) noexcept {
  return 1u << static_cast<unsigned>(k);
}
static_assert(callback_bit(callback_kind::bar) == sdk::callback::bar &&
              callback_bit(callback_kind::order_update) == sdk::callback::order_update &&
              callback_bit(callback_kind::stop) == sdk::callback::stop);
/// "on_start", "on_bar", ...
[[nodiscard]] std::string_view to_string(callback_kind k) noexcept;

/// What one callback kind cost.
struct callback_summary {
  uint64_t calls = 0;        ///< every call, warm-up included
  uint64_t measured = 0;     ///< calls timed after warm-up (on_start and on_stop: always)
  uint64_t kept = 0;         ///< of those, samples kept (the array's capacity bounds it)
  int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;  ///< over the kept samples (max: all measured)
  uint64_t allocations = 0;  ///< heap allocations inside the measured calls
};

/// Per-callback samples. Storage is allocated by reserve(), never while recording.
class callback_timings {
 public:
  /// Room for `capacity` samples of each callback whose bit is in `callbacks` (one sample each
  /// for on_start and on_stop). Clears everything recorded before.
  void reserve(uint32_t callbacks, size_t capacity);
  /// Timing starts counting as "measured" (the end of warm-up).
  void start_measuring() noexcept { measuring_ = true; }
  [[nodiscard]] bool measuring() const noexcept { return measuring_; }
  /// One call of `k` that took `ns` and allocated `allocations` times.
  void record(callback_kind k, int64_t ns, uint64_t allocations) noexcept;
  /// Calls of on_bar, on_trade and on_quote so far (the warm-up is counted in these).
  [[nodiscard]] uint64_t market_calls() const noexcept {
    return calls(callback_kind::bar) + calls(callback_kind::trade) + calls(callback_kind::quote);
  }
  [[nodiscard]] uint64_t calls(callback_kind k) const noexcept {
    return per_[static_cast<size_t>(k)].calls;
  }
  /// Heap allocations inside measured calls, all callbacks together.
  [[nodiscard]] uint64_t measured_allocations() const noexcept;
  /// The summary of `k` (sorts a copy of its samples).
  [[nodiscard]] callback_summary summarize(callback_kind k) const;

 private:
  struct per_kind {
    std::vector<int64_t> samples;  // capacity fixed by reserve(); size() = kept
    uint64_t calls = 0;
    uint64_t measured = 0;
    int64_t max_ns = 0;
    uint64_t allocations = 0;
  };
  std::array<per_kind, callback_kind_count> per_{};
  bool measuring_ = false;
};

/// Forwards every callback to `inner`, timing it into `timings`.
class timing_strategy final : public sdk::strategy {
 public:
  timing_strategy(std::unique_ptr<sdk::strategy> inner, callback_timings& timings) noexcept
      : inner_(std::move(inner)), t_(timings) {}

  void on_start(sdk::context& c) override;
  void on_bar(sdk::context& c, const sdk::bar& b) override;
  void on_trade(sdk::context& c, const sdk::trade& t) override;
  void on_quote(sdk::context& c, const sdk::quote& q) override;
  void on_order_update(sdk::context& c, const sdk::order_update& u) override;
  void on_timer(sdk::context& c, const sdk::timer_event& e) override;
  void on_feed_gap(sdk::context& c, const sdk::feed_gap& g) override;
  void on_halt(sdk::context& c, symbol_id s, bool halted) override;
  void on_trading_state(sdk::context& c, trading_state s) override;
  void on_stop(sdk::context& c) override;

  [[nodiscard]] sdk::strategy& inner() noexcept { return *inner_; }

 private:
  template <class F>
  void timed(callback_kind k, F&& f);
  std::unique_ptr<sdk::strategy> inner_;
  callback_timings& t_;
};

/// A descriptor like `inner` (same kind, summary, declare, callback bits, legacy code, ABI
/// version) whose `make` builds a timing_strategy around `inner.make`'s strategy, recording into
/// `timings`. A descriptor's `make` is a plain function pointer, so the inner descriptor and the
/// timings it records into are kept here: one timed strategy kind at a time (the last call
/// wins). `inner` and `timings` must outlive every strategy made.
[[nodiscard]] sdk::descriptor timed_descriptor(const sdk::descriptor& inner, callback_timings& timings);

}  // namespace torghut::app
