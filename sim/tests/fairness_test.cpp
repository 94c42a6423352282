// Fair scheduling of spin and yield loops (executor.cpp, "Fair scheduling"; spin.hpp): a thread that waits by
// looping lets the thread it waits for run, under every strategy. DFS explores a correct spin lock exhaustively
// and still finds the test-then-set race; no correct spin or yield loop, of any length, reaches the step limit;
// PCT's step estimate survives one very long execution; time passes for a loop that waits on a timer.

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/strategy.hpp>
#include <corosim/thread.hpp>

namespace {

using namespace corosim;
using namespace corosim::sim;

std::unique_ptr<Strategy> strategy(const std::string &spec) { return make_strategy(spec).value(); }

// Two threads take a spin lock twice each around a read-modify-write of a plain counter. `test_then_set`: the
// broken variant that tests the flag and then sets it in a separate step (two threads can both see it free).
void spin_lock_program(bool test_then_set) {
  corosim::atomic<bool> locked{false};
  int count = 0;
  auto worker = [&] {
    for (int round = 0; round < 2; ++round) {
      if (test_then_set) {
        while (locked.load()) {
        }
        locked.store(true);
      } else {
        do {
          while (locked.load()) {  // test-and-test-and-set
          }
        } while (locked.exchange(true));
      }
      const int seen = count;
      corosim::schedule_point();
      count = seen + 1;
      locked.store(false);
    }
  };
  Thread a(worker), b(worker);
  a.join();
  b.join();
  check(count == 4, "mutual exclusion violated: an increment was lost");
}

// Runs DFS to the end of its space (or the first failure); returns the executions and the failure, if any.
struct DfsOutcome {
  uint64_t executions = 0;
  std::optional<RunResult> failure;
};
DfsOutcome exhaust(const std::function<void()> &body, const std::string &spec) {
  auto dfs = strategy(spec);
  DfsOutcome out;
  for (;;) {
    RunResult r = run_once(body, *dfs, out.executions, RunOptions{.max_steps = 20'000});
    if (r.status == RunStatus::exhausted) break;
    ++out.executions;
    if (!r.ok()) {
      out.failure = r;
      break;
    }
  }
  return out;
}

// The race needs two preemptions: one between the first thread's test and its set, one to bring it back while the
// second thread is inside.
TEST(Fairness, DfsExhaustsACorrectSpinLockAndFindsTheTestThenSetRace) {
  for (const char *spec : {"dfs:preemptions=1", "dfs:preemptions=2"}) {
    DfsOutcome correct = exhaust([] { spin_lock_program(false); }, spec);
    ASSERT_FALSE(correct.failure) << spec << ": " << run_status_name(correct.failure->status) << ": "
                                  << correct.failure->message;
    EXPECT_GT(correct.executions, 10u);
    std::printf("[ info ] %s: a correct spin lock on two threads exhausted in %llu executions\n", spec,
                static_cast<unsigned long long>(correct.executions));
  }
  DfsOutcome broken = exhaust([] { spin_lock_program(true); }, "dfs:preemptions=2");
  ASSERT_TRUE(broken.failure) << "dfs exhausted " << broken.executions << " executions of the broken lock";
  EXPECT_EQ(broken.failure->status, RunStatus::assertion) << broken.failure->message;
  std::printf("[ info ] dfs:preemptions=2: the test-then-set race at execution %llu\n",
              static_cast<unsigned long long>(broken.executions));
}

// A waiter that loops over `length` operations (loads of `length - 1` distinct atomics and a scheduling point)
// until a second thread sets the flag: a yield loop of any length.
void yield_loop_program(unsigned length) {
  corosim::atomic<bool> go{false};
  std::array<corosim::atomic<int>, 40> noise{};
  Thread setter([&] {
    for (int i = 0; i < 3; ++i) corosim::schedule_point();
    go.store(true);
  });
  while (!go.load()) {
    for (unsigned i = 0; i + 2 < length; ++i) (void)noise[i].load();
    corosim::schedule_point();
  }
  setter.join();
}

// Every strategy, loops of 2 to 41 operations, 200 seeds each (DFS: its whole space): no step limit, and no run
// longer than a few hundred steps. Without fair scheduling DFS fails at its first execution (it never preempts
// the spinner) and PCT whenever the waiter has the higher priority.
TEST(Fairness, NoYieldLoopOfAnyLengthReachesTheStepLimit) {
  for (unsigned length : {2u, 3u, 5u, 9u, 17u, 41u}) {
    for (const char *spec : {"random", "pct:d=3", "dfs:preemptions=2"}) {
      auto s = strategy(spec);
      uint64_t longest = 0, runs = 0;
      for (uint64_t seed = 0; seed < 200; ++seed) {
        RunResult r = run_once([&] { yield_loop_program(length); }, *s, seed, RunOptions{.max_steps = 20'000});
        if (r.status == RunStatus::exhausted) break;
        ++runs;
        ASSERT_TRUE(r.ok()) << spec << ", loop of " << length << ", seed " << seed << ": " << r.message;
        longest = std::max(longest, r.steps);
      }
      EXPECT_LT(longest, 60 * length + 400) << spec << ", loop of " << length;
      std::printf("[ info ] loop of %u operations, %s: %llu runs, longest %llu steps\n", length, spec,
                  static_cast<unsigned long long>(runs), static_cast<unsigned long long>(longest));
    }
  }
}

// A coroutine waiting for its ticket re-schedules itself in its context and yields: its IOThread's loop is a
// cycle of several event-loop steps. Two IOThreads, one waiter each plus the holder on the main thread.
TEST(Fairness, CoroutinesReschedulingThemselvesLetTheHolderRun) {
  for (const char *spec : {"random", "pct:d=3", "dfs:preemptions=1"}) {
    auto s = strategy(spec);
    for (uint64_t seed = 0; seed < 100; ++seed) {
      RunResult r = run_once(
          [] {
            corosim::atomic<bool> released{false};
            corosim::atomic<int> done{0};
            {
              IOThread a, b;
              for (IOThread *t : {&a, &b})
                aio_co_schedule(t->context(), coroutine_create([&] {
                                  while (!released.load()) {
                                    aio_co_schedule(current_context(), self());
                                    yield();
                                  }
                                  done.fetch_add(1);
                                }));
              for (int i = 0; i < 5; ++i) corosim::schedule_point();
              released.store(true);
              while (done.load() < 2) corosim::schedule_point();
            }
          },
          *s, seed, RunOptions{.max_steps = 50'000});
      if (r.status == RunStatus::exhausted) break;
      ASSERT_TRUE(r.ok()) << spec << ", seed " << seed << ": " << r.message;
    }
  }
}

// A loop that polls for what a sleeping coroutine will do: when every thread that can run is spinning, virtual time
// passes to the next deadline instead of the loop running to the step limit. With one sleep, and with a sleeper in
// a loop (its IOThread blocks between its rounds, so it is not spinning, and its deadlines keep coming: the clock
// jumps only to deadlines ahead, and the run ends).
TEST(Fairness, TimePassesWhileEveryRunnableThreadSpins) {
  for (const int rounds : {1, 20}) {
    for (const char *spec : {"random", "pct:d=3", "dfs:preemptions=1"}) {
      auto s = strategy(spec);
      RunResult r = run_once(
          [rounds] {
            corosim::atomic<bool> done{false};
            IOThread t;
            aio_co_schedule(t.context(), coroutine_create([&] {
                              for (int i = 0; i < rounds; ++i) sleep_ns(ClockType::virtual_, 1'000'000);
                              done.store(true);
                            }));
            while (!done.load()) corosim::schedule_point();
          },
          *s, 1, RunOptions{.max_steps = 50'000});
      ASSERT_TRUE(r.ok()) << spec << ", " << rounds << " sleeps: " << r.message;
      EXPECT_GE(r.end_ns, rounds * 1'000'000) << spec;
    }
  }
}

// A loop whose every step recurs inside it (g, x, x, g: no step is a marker of the loop's start) is recognised
// too: DFS, which never preempts on its own, lets the setter run and the run ends.
TEST(Fairness, ALoopWhoseStepsRecurInsideItIsRecognised) {
  auto dfs = strategy("dfs:preemptions=0");
  RunResult r = run_once(
      [] {
        corosim::atomic<bool> go{false};
        corosim::atomic<int> x{0};
        Thread setter([&] { go.store(true); });
        for (;;) {
          if (go.load()) break;
          (void)x.load();
          (void)x.load();
          if (go.load()) break;
        }
        setter.join();
      },
      *dfs, 1, RunOptions{.max_steps = 20'000});
  EXPECT_TRUE(r.ok()) << r.message;
}

// PCT's step estimate k follows the runs it has seen, but one very long run may raise it at most twofold: after a
// 100,000-step execution the change points still land inside normal runs and the depth-2 bug is found.
void depth2_program() {  // the writer must run after the first read AND before the second: two constraints
  corosim::atomic<int> value{0};
  Thread writer([&] { value.store(1); });
  const int first = value.load();
  corosim::schedule_point();
  const int second = value.load();
  writer.join();
  check(first == second, "depth-2 bug: the value changed between two reads");
}

// A reader waiting with `while (!ready.load()) schedule_point();` is a loop of two steps, whatever object id the flag
// has. With some ids both steps' keys fell in one slot of the spin detector's table, which then forgot each in
// turn and never saw the loop: PCT let the reader spin to the step limit (seed 30 of this program, flag #3). The
// flag's id is moved over a range by touching other atomics first; every PCT run must end.
TEST(Fairness, AWaitLoopIsRecognisedWhateverItsFlagsObjectId) {
  for (int before = 0; before < 12; ++before) {
    auto strategy = make_strategy("pct").value();
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      const RunResult r = run_once(
          [before] {
            std::array<corosim::atomic<int>, 12> others{};
            for (int i = 0; i < before; ++i) others[static_cast<std::size_t>(i)].store(1);
            corosim::atomic<bool> ready{false};
            Thread writer([&] { ready.store(true); });
            Thread reader([&] {
              while (!ready.load()) corosim::schedule_point();
            });
            writer.join();
            reader.join();
          },
          *strategy, seed, RunOptions{.max_steps = 20'000});
      ASSERT_EQ(r.status, RunStatus::ok) << "flag after " << before << " atomics, seed " << seed << ": "
                                         << r.message;
    }
  }
}

TEST(Fairness, PctFindsADepth2BugAfterOne100kStepExecution) {
  auto pct = strategy("pct:d=2");
  RunResult longest = run_once(
      [] {
        for (int i = 0; i < 100'000; ++i) corosim::schedule_point();
      },
      *pct, 1, RunOptions{.max_steps = 200'000});
  ASSERT_TRUE(longest.ok()) << longest.message;
  ASSERT_EQ(longest.steps, 100'000u + 1);
  uint64_t found_at = 0;
  for (uint64_t seed = 2; seed < 2000 && !found_at; ++seed) {
    RunResult r = run_once(depth2_program, *pct, seed);
    if (r.status == RunStatus::assertion) found_at = seed;
  }
  ASSERT_NE(found_at, 0u) << "PCT did not find the depth-2 bug in 2000 executions; its estimate: "
                          << pct->spec().to_string();
  std::printf("[ info ] after one 100,001-step execution PCT found the depth-2 bug at execution %llu (%s)\n",
              static_cast<unsigned long long>(found_at), pct->spec().to_string().c_str());
}

// A step limit reached while a thread spins names the thread and the operations of its loop.
TEST(Fairness, AStepLimitWhileSpinningNamesTheLoop) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        corosim::atomic<bool> never{false};
        corosim::atomic<int> other{0};
        while (!never.load()) {
          corosim::schedule_point();
          (void)other.load();
        }
      },
      *s, 1, RunOptions{.max_steps = 300});
  ASSERT_EQ(r.status, RunStatus::step_limit) << r.message;
  EXPECT_NE(r.message.find("sim thread 0 was spinning, repeating "), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("repeating atomic load #2, atomic load #1, schedule point ("), std::string::npos)
      << r.message;
}

}  // namespace
