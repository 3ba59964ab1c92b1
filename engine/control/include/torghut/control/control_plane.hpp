#pragma once
/// The control plane: a CAF 0.17 actor system off the hot path. It supervises periodic workers
/// (the write-behind audit consumer among them), restarting one that dies and halting trading if
/// it keeps dying, and it delivers control commands (kill switch, trading state, limits reload,
/// status snapshot) into the hot loop through a lock-free queue that the hot loop polls.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "torghut/core/control_channel.hpp"
#include "torghut/core/messages.hpp"

namespace torghut {

struct control_plane_options {
  /// CAF's scheduler defaults to 4 workers even on 2 cores; the control plane needs one.
  size_t workers = 1;
  /// A supervised worker that dies this many times within `restart_window` halts trading.
  int max_restarts = 3;
  std::chrono::seconds restart_window{60};
};

/// Why a supervised worker stopped, for logs and tests.
struct supervision_stats {
  uint64_t restarts = 0;
  uint64_t escalations = 0;  ///< times the supervisor halted trading
};

class control_plane final : public worker_supervisor {
 public:
  control_plane(control_channel& channel, control_plane_options opts = {});
  ~control_plane() override;
  control_plane(const control_plane&) = delete;
  control_plane& operator=(const control_plane&) = delete;

  void kill_switch(bool on);
  void set_trading_state(trading_state s);
  void reload_limits(const risk_limits& limits);
  /// Every strategy's open orders canceled; the trading state is kept.
  void cancel_all_orders();
  void shutdown_hot_loop();
  /// Asks the hot loop for a snapshot through the CAF controller actor; nullopt on timeout.
  [[nodiscard]] std::optional<engine_status> status(std::chrono::milliseconds timeout);

  /// Runs `tick` every `period` on a CAF worker, supervised: if `tick` throws, the worker dies,
  /// the supervisor restarts it; past max_restarts in restart_window it halts trading.
  void supervise(std::string name, std::function<void()> tick, std::chrono::microseconds period) override;
  /// Stops every supervised worker after one final tick each (used at shutdown to drain).
  void stop_workers();

  [[nodiscard]] supervision_stats stats() const noexcept;
  [[nodiscard]] size_t scheduler_workers() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace torghut
