#pragma once
/// The pinned run loop: one thread calls `agent.do_work()` until told to stop, and idles with a
/// pluggable strategy when there is no work. Templated on agent and idle strategy (no virtual call
/// per iteration), as Aeron's agent runner is.

#include <atomic>
#include <cstdint>
#include <string>

namespace torghut {

/// Spins on the core: lowest wake-up latency, one core at 100%.
struct busy_spin_idle {
  void idle(size_t work_done) noexcept {
    if (work_done == 0) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  void reset() noexcept {}
};

/// Spins, then yields, then parks with exponentially growing sleeps up to `max_park_ns`:
/// friendly to a shared machine, at the cost of wake-up latency after a quiet spell.
class backoff_idle {
 public:
  explicit backoff_idle(uint32_t spins = 1000, uint32_t yields = 100,
                        int64_t min_park_ns = 1'000, int64_t max_park_ns = 1'000'000) noexcept
      : max_spins_(spins), max_yields_(yields), min_park_ns_(min_park_ns),
        max_park_ns_(max_park_ns), park_ns_(min_park_ns) {}
  void idle(size_t work_done) noexcept;
  void reset() noexcept {
    spins_ = yields_ = 0;
    park_ns_ = min_park_ns_;
  }

 private:
  uint32_t max_spins_, max_yields_;
  int64_t min_park_ns_, max_park_ns_, park_ns_;
  uint32_t spins_ = 0, yields_ = 0;
};

/// Runs `agent.do_work()` (which returns how much work it did) until `stop` is set or the agent
/// returns `agent_done`.
inline constexpr size_t agent_done = static_cast<size_t>(-1);

template <class Agent, class Idle>
class run_loop {
 public:
  run_loop(Agent& agent, Idle idle) noexcept : agent_(agent), idle_(idle) {}
  /// Returns the number of iterations run.
  uint64_t run(const std::atomic<bool>& stop) noexcept(noexcept(std::declval<Agent&>().do_work())) {
    uint64_t iterations = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const size_t work = agent_.do_work();
      ++iterations;
      if (work == agent_done) break;
      idle_.idle(work);
    }
    return iterations;
  }

 private:
  Agent& agent_;
  Idle idle_;
};

/// Pins the calling thread to `cpu`. Returns an empty string on success, else why it failed.
[[nodiscard]] std::string pin_current_thread(int cpu);

/// Takes `cpu` out of the calling thread's allowed CPUs, so that the threads it starts from now on
/// (they inherit it) leave the hot core to the hot thread. A no-op (empty string) on a one-CPU
/// machine, and when the thread may run on `cpu` alone (an operator's or a harness's taskset
/// stands); else why it failed.
[[nodiscard]] std::string keep_off_cpu(int cpu);

/// The calling thread's kernel id (for move_threads_off_cpu's `except`).
[[nodiscard]] long current_thread_id() noexcept;

/// Gives every thread of this process that may run on `cpu`, but the one with kernel id `except`,
/// the calling thread's own CPUs (threads started from the pinned hot thread, like Asio's
/// resolver thread on the first name lookup, inherit its affinity). Call it from a thread that
/// keep_off_cpu(cpu) moved; when the calling thread may itself run on `cpu` (the process was
/// confined to the hot core on purpose) nothing moves. Returns how many threads were moved.
size_t move_threads_off_cpu(int cpu, long except);

}  // namespace torghut
