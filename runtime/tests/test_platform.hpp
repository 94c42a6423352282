#pragma once
// What the runtime's tests need from the platform, so that the same test sources build against both platforms
// (docs/design.md: the runtime tests are built against both platforms):
//
//   corosim_runtime_tests      against corosim::runtime      (real threads, real clocks)
//   corosim_runtime_tests_sim  against corosim::runtime_sim  (sim/tests: every test runs inside one simulated
//                                                             execution; threads are sim threads, time is virtual)
//
// Rules for test code:
//   - a thread a test starts is a TestThread (std::thread in the real build, a sim thread in the simulator);
//   - state shared between threads is a corosim::atomic (a scheduling point in the simulator, std::atomic else);
//   - "wait a moment" is pause_ns() and timeouts read deadline_clock_ns(), never std::this_thread / std::chrono
//     clocks: in the simulator those would block the one OS thread all sim threads share, or measure real time;
//   - a test that cannot run in the simulator says so with COROSIM_SKIP_IN_SIM("why"), next to the test.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include <corosim/aio.hpp>
#include <corosim/clock.hpp>
#include <corosim/platform.hpp>

namespace corosim::testing {

inline constexpr bool kSimBuild = COROSIM_PLATFORM == COROSIM_PLATFORM_SIM;

// A thread started by a test: constructed with a callable, join().
using TestThread = platform::Current::Thread;

// Lets other threads run for about `ns`. Real build: sleeps. Simulator: parks this sim thread until the virtual
// clock has moved on by `ns`, which happens once every other sim thread is blocked (or sleeping longer) -- so
// "let the other thread get somewhere" means "until it can get no further" there.
inline void pause_ns(int64_t ns) {
  if constexpr (kSimBuild) {
    platform::Current::poll(nullptr, 0, ns);
  } else {
    std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
  }
}

// The clock that test timeouts use: monotonic in the real build, the virtual clock in the simulator.
inline int64_t deadline_clock_ns() { return clock_ns(ClockType::realtime); }

// Whether the caller runs on the thread the tests started on (the process's main thread, or sim thread 0).
inline bool on_main_thread() { return platform::Current::is_main_thread(); }

}  // namespace corosim::testing

// Skips the current test in the simulator build, with the reason (shown in gtest's output as SKIPPED).
#define COROSIM_SKIP_IN_SIM(reason)                                  \
  do {                                                               \
    if constexpr (::corosim::testing::kSimBuild)                     \
      GTEST_SKIP() << "not run in the simulator: " << (reason);      \
  } while (0)
