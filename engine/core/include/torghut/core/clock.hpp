#pragma once
/// The clock seam: time enters the core only through a `clock`, so replays and tests are
/// deterministic. Live runs use the system clock; replays advance a manual clock from the
/// recording's receive timestamps.

#include <chrono>
#include <ctime>

#include "torghut/core/types.hpp"

namespace torghut {

/// Wall-clock nanoseconds since the Unix epoch (CLOCK_REALTIME through the vDSO: no system
/// call). For adapters and the simulator stamping what they receive or serve; the core reads time
/// only through a `clock`.
[[nodiscard]] inline int64_t wall_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * ns_per_second + ts.tv_nsec;
}

class clock {
 public:
  virtual ~clock() = default;
  [[nodiscard]] virtual timestamp now() const noexcept = 0;
};

/// Wall-clock time (CLOCK_REALTIME through the vDSO: no system call).
class system_clock final : public clock {
 public:
  [[nodiscard]] timestamp now() const noexcept override { return timestamp{wall_ns()}; }
};

/// Time that moves only when told: replays set it from each frame's receive timestamp.
class manual_clock final : public clock {
 public:
  explicit manual_clock(timestamp start = {}) noexcept : now_(start) {}
  [[nodiscard]] timestamp now() const noexcept override { return now_; }
  void set(timestamp t) noexcept { now_ = t; }
  void advance(duration_ns d) noexcept { now_ = now_ + d; }

 private:
  timestamp now_;
};

/// Monotonic nanoseconds for latency measurement only (never for market time).
[[nodiscard]] inline int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * ns_per_second + ts.tv_nsec;
}

}  // namespace torghut
