#pragma once
// The real platform: what corosim::runtime runs on. Every hook is the plain OS facility; schedule_point is empty.
// Do not include directly; include <corosim/platform.hpp>.

#include <atomic>
#include <cstdint>
#include <mutex>

#include <corosim/clock.hpp>

namespace corosim::platform {

struct Real {
  static constexpr const char *name = "real";

  template <class T>
  using atomic = std::atomic<T>;

  using Mutex = std::mutex;

  template <class T>
  class ThreadLocal {
   public:
    static T &get() noexcept { return value_; }

   private:
    // constinit + trivially destructible: accessing it needs no guard or TLS wrapper call, which keeps
    // enter/yield cheap.
    static inline thread_local constinit T value_{};
  };

  // Runs fn(arg) when the calling thread exits (in reverse order of registration).
  static void at_thread_exit(void (*fn)(void *), void *arg);

  static int64_t now_ns(ClockType clock) noexcept;

  static void schedule_point() noexcept {}
};

}  // namespace corosim::platform
