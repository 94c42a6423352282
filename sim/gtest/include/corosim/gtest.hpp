#pragma once
// GoogleTest integration (CMake target corosim::gtest): explore a body of your own in the simulator from a test.
//
//   #include <corosim/gtest.hpp>
//
//   TEST(MyLock, ExcludesUnderEveryInterleaving) {
//     corosim::sim::ExploreOptions options;          // sim/explore.hpp: strategy, seeds, executions, run options
//     options.schedules = 2000;
//     EXPECT_COROSIM_PASSES([] {
//       MyLock lock;
//       int inside = 0;
//       auto worker = [&] { lock.lock(); EXPECT_EQ(++inside, 1); corosim::schedule_point(); --inside; lock.unlock(); };
//       corosim::Thread a(worker), b(worker);
//       a.join();
//       b.join();
//     }, options);
//   }
//
// EXPECT_COROSIM_PASSES(body[, options]) / ASSERT_COROSIM_PASSES(body[, options]): explores `body` (a callable
// void()) with sim::explore under `options` (its scenario name is set to the test's, "Suite.Name", and "#2", "#3", ... for
// later calls in the same test). When every execution passes, the test goes on and a line on stdout says what was
// explored ("[ corosim ] Suite.Name: no failure in 2000 executions ..."); the count is also recorded as the test
// property corosim_executions. When an execution fails, ONE GoogleTest failure (non-fatal for EXPECT_, fatal for
// ASSERT_, which then returns from the test) carries the report: status, message, steps, trace hash, and the
// commands that reproduce it, the last one replaying the saved schedule inside the same test:
//
//   COROSIM_REPLAY=corosim-MyLock.ExcludesUnderEveryInterleaving-0x....schedule.json ./tests --gtest_filter=...
//
// The schedule file is written in the test's working directory.
//
// GoogleTest assertions inside the body (EXPECT_*, ASSERT_*, ADD_FAILURE) fail the execution they happen in, as
// sim::check does: the run stops at its next scheduling point (GoogleTest holds a lock while it reports, so the run
// cannot be left at the assertion itself), with the assertion's file, line and message as the failure message. They
// never reach the test as failures of their own: one failing execution gives one failure, with its schedule.
//
// Environment (read at each call):
//   COROSIM_REPLAY=FILE    replay that schedule instead of exploring: the call whose name the schedule carries
//                          replays it and fails as it did (after a change to the code the schedule no longer fits,
//                          and the replay says so: explore again to check a fix); another call of the same
//                          test is skipped; a call of another test fails saying whose schedule it is
//   COROSIM_SEED=N         the first seed (decimal, 0x-hex or a 40-digit commit id), instead of options.first_seed
//   COROSIM_SCHEDULES=N    the number of executions (a positive decimal), instead of options.schedules
//   COROSIM_SHRINK_TIME=S  seconds to spend shrinking a failure before it is reported and saved (default 10; 0:
//                          not shrunk): the saved schedule has as few preemptions as shrinking found, the report
//                          gives its size as found and as shrunk (corosim/sim/shrink.hpp)
// A malformed value, an unreadable or mismatched schedule file is one line of failure, never a crash.
//
// One exploration at a time per process (as sim::explore). The body runs many times: see docs/determinism.md for
// what it may and may not do.

#include <functional>

#include <gtest/gtest.h>

#include <corosim/sim/explore.hpp>

namespace corosim::gtest {

// What the macros call: explores (or replays) `body` and reports as described above at file:line; `fatal` makes
// the failure fatal. Returns whether the test may go on (no failure, or a non-fatal one).
bool explore_passes(const char *file, int line, bool fatal, const std::function<void()> &body,
                    const sim::ExploreOptions &options = {});

}  // namespace corosim::gtest

// Variadic so that a lambda written in place may hold commas outside parentheses (`Thread a(f), b(f);`): the
// arguments are handed on as they were written, body first and options last. Without options: the defaults of
// sim::ExploreOptions (PCT, 10,000 executions).
#define EXPECT_COROSIM_PASSES(...) \
  static_cast<void>(::corosim::gtest::explore_passes(__FILE__, __LINE__, false, __VA_ARGS__))

#define ASSERT_COROSIM_PASSES(...)                                                 \
  if (::corosim::gtest::explore_passes(__FILE__, __LINE__, true, __VA_ARGS__)) { \
  } else                                                                           \
    return
