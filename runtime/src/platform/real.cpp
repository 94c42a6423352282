// The real platform's out-of-line parts: thread-exit hooks and clocks.

#include <time.h>

#include <vector>

#include <corosim/platform.hpp>

namespace corosim::platform {
namespace {

// Runs the registered hooks when the thread's thread-local objects are destroyed.
struct ExitHooks {
  std::vector<std::pair<void (*)(void *), void *>> hooks;
  ~ExitHooks() {
    while (!hooks.empty()) {
      auto [fn, arg] = hooks.back();
      hooks.pop_back();
      fn(arg);
    }
  }
};

// The one thread_local with a destructor: kept out of the hot per-thread state (see Real::ThreadLocal).
thread_local ExitHooks t_exit_hooks;

}  // namespace

void Real::at_thread_exit(void (*fn)(void *), void *arg) { t_exit_hooks.hooks.emplace_back(fn, arg); }

int64_t Real::now_ns(ClockType clock) noexcept {
  timespec ts;
  clock_gettime(clock == ClockType::host ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace corosim::platform
