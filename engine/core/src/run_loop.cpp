#include "torghut/core/run_loop.hpp"

#include <cerrno>
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

}  // namespace torghut
