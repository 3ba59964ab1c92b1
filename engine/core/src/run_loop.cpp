#include "torghut/core/run_loop.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <time.h>

namespace torghut {

void backoff_idle::idle(size_t work_done) noexcept {
  if (work_done != 0) {
    reset();
    return;
  }
  if (spins_ < max_spins_) {
    ++spins_;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    return;
  }
  if (yields_ < max_yields_) {
    ++yields_;
    sched_yield();
    return;
  }
  timespec ts{0, static_cast<long>(park_ns_)};
  nanosleep(&ts, nullptr);
  park_ns_ = park_ns_ * 2 > max_park_ns_ ? max_park_ns_ : park_ns_ * 2;
}

std::string pin_current_thread(int cpu) {
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu < 0 || cpu >= ncpu)
    return "cpu " + std::to_string(cpu) + " does not exist (this machine has " +
           std::to_string(ncpu) + " online cpus)";
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<size_t>(cpu), &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) return std::string("pthread_setaffinity_np: ") + std::strerror(rc);
  return {};
}

long current_thread_id() noexcept { return static_cast<long>(gettid()); }

size_t move_threads_off_cpu(int cpu, long except) {
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu < 0 || cpu >= ncpu || ncpu < 2) return 0;
  // Where the engine's other threads belong: the calling (supervising) thread's own CPUs, which
  // keep_off_cpu set. When they include the hot core, the process was confined to it on purpose.
  cpu_set_t target;
  CPU_ZERO(&target);
  if (pthread_getaffinity_np(pthread_self(), sizeof target, &target) != 0) return 0;
  if (CPU_ISSET(static_cast<size_t>(cpu), &target) || CPU_COUNT(&target) == 0) return 0;
  size_t moved = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const std::string name = e.path().filename().string();
    char* end = nullptr;
    const long tid = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '\0' || tid == except) continue;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(static_cast<pid_t>(tid), sizeof set, &set) != 0) continue;  // it ended
    if (!CPU_ISSET(static_cast<size_t>(cpu), &set)) continue;
    if (sched_setaffinity(static_cast<pid_t>(tid), sizeof target, &target) == 0) ++moved;
  }
  return moved;
}

std::string keep_off_cpu(int cpu) {
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu < 0 || cpu >= ncpu)
    return "cpu " + std::to_string(cpu) + " does not exist (this machine has " + std::to_string(ncpu) +
           " online cpus)";
  if (ncpu < 2) return {};
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) != 0) CPU_ZERO(&set);
  CPU_CLR(static_cast<size_t>(cpu), &set);
  // Confined to the hot core already (taskset by the operator, a harness): that choice stands.
  if (CPU_COUNT(&set) == 0) return {};
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) return std::string("pthread_setaffinity_np: ") + std::strerror(rc);
  return {};
}

}  // namespace torghut
