#pragma once
/// The two seams between the control plane and the rest of the engine, with no actor framework
/// in them: the lock-free command/status channel the hot loop polls, and the supervisor that
/// runs periodic cold-path workers (engine/control implements it with CAF).

#include <chrono>
#include <concurrentqueue/concurrentqueue.h>
#include <functional>
#include <string>

#include "torghut/core/messages.hpp"

namespace torghut {

/// The lock-free boundary between the control plane and the hot loop. Queues are preallocated;
/// the hot side only ever calls `try_dequeue` / `try_enqueue` (no allocation, no lock).
struct control_channel {
  moodycamel::ConcurrentQueue<control_command> commands{256};
  moodycamel::ConcurrentQueue<engine_status> statuses{64};

  /// Hot side: the next command, if any.
  [[nodiscard]] bool poll(control_command& out) noexcept { return commands.try_dequeue(out); }
  /// Hot side: answer a status_snapshot. Drops the answer if the reply queue is full.
  void publish(const engine_status& s) noexcept { (void)statuses.try_enqueue(s); }
};

/// Runs periodic cold-path work (the audit writer, for one) under supervision.
class worker_supervisor {
 public:
  virtual ~worker_supervisor() = default;
  /// Runs `tick` every `period` on a supervised worker: if `tick` throws, the worker dies and is
  /// restarted; a worker that keeps dying halts trading.
  virtual void supervise(std::string name, std::function<void()> tick, std::chrono::microseconds period) = 0;
};

}  // namespace torghut
