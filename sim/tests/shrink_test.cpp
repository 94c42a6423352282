// Shrinking (shrink.hpp): a failure found with many incidental preemptions shrinks to the few it needs, fails the
// same way (a deadlock keeps its cycle's shape), replays exactly, comes out the same every time, and a run out of
// time says so.

#include <gtest/gtest.h>

#include <cstdlib>

#include <corosim/platform.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/shrink.hpp>
#include <corosim/thread.hpp>

namespace {

using namespace corosim;
using namespace corosim::sim;

// Three threads pass scheduling points that matter to nothing; two of them also increment a counter with a
// scheduling point between read and write. One preemption (between a read and its write) loses an update.
void noisy_lost_update() {
  int count = 0;
  auto noise = [] {
    for (int i = 0; i < 6; ++i) corosim::schedule_point();
  };
  auto add = [&] {
    noise();
    const int seen = count;
    corosim::schedule_point();
    count = seen + 1;
    noise();
  };
  Thread a(add), b(add), c(noise);
  a.join();
  b.join();
  c.join();
  check(count == 2, "an update was lost");
}

// Two threads take two mutexes in opposite orders, with noise before.
void noisy_lock_order() {
  Mutex m1, m2;
  auto take = [](Mutex &first, Mutex &second) {
    for (int i = 0; i < 4; ++i) corosim::schedule_point();
    first.lock();
    second.lock();
    second.unlock();
    first.unlock();
  };
  Thread a([&] { take(m1, m2); }), b([&] { take(m2, m1); });
  a.join();
  b.join();
}

// The first failure a random exploration finds, as a schedule.
Schedule found(void (*body)(), const char *name) {
  ExploreOptions options;
  options.scenario = name;
  options.strategy = "random";
  options.schedules = 10'000;
  Result<ExploreResult> r = explore(body, options);
  EXPECT_TRUE(r.ok() && r.value().failure) << name << ": random walk found no failure";
  return r.value().failure->schedule();
}

TEST(Shrink, ALostUpdateShrinksToOnePreemptionAndReplays) {
  const Schedule schedule = found(noisy_lost_update, "noisy-lost-update");
  Result<ShrinkResult> r = shrink(noisy_lost_update, schedule);
  ASSERT_TRUE(r.ok()) << r.error();
  const Shrinking &s = r.value().shrinking;
  std::printf("%s (%llu candidates)\n", shrink_summary(s).c_str(), static_cast<unsigned long long>(s.runs));
  EXPECT_GT(s.before.preemptions, 1u) << "the found schedule was already minimal: the test shows nothing";
  EXPECT_EQ(s.after.preemptions, 1u);
  // (Steps may grow: fewer preemptions come first in the order shrinking follows.)
  EXPECT_FALSE(s.out_of_time);
  EXPECT_EQ(r.value().result.status, RunStatus::assertion);
  EXPECT_EQ(r.value().schedule.strategy.name, "replay");
  Result<RunResult> again = replay(noisy_lost_update, r.value().schedule);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.value().status, RunStatus::assertion);
  EXPECT_EQ(again.value().trace_hash, r.value().result.trace_hash);
  // Deterministic: the same input, the same schedule.
  Result<ShrinkResult> twice = shrink(noisy_lost_update, schedule);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice.value().schedule, r.value().schedule);
}

TEST(Shrink, ADeadlockKeepsItsCycle) {
  const Schedule schedule = found(noisy_lock_order, "noisy-lock-order");
  Result<RunResult> original = replay(noisy_lock_order, schedule);
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(original.value().status, RunStatus::deadlock);
  EXPECT_EQ(original.value().shape, "a cycle of 2 threads, each waiting for a lock the next holds");
  Result<ShrinkResult> r = shrink(noisy_lock_order, schedule);
  ASSERT_TRUE(r.ok()) << r.error();
  std::printf("%s\n", shrink_summary(r.value().shrinking).c_str());
  EXPECT_EQ(r.value().result.status, RunStatus::deadlock);
  EXPECT_EQ(r.value().result.shape, original.value().shape);
  EXPECT_LE(r.value().shrinking.after.preemptions, 1u);
}

TEST(Shrink, APassingScheduleOrAnUnrecordedFailureIsRefused) {
  Schedule passing = found(noisy_lost_update, "noisy-lost-update");
  passing.decisions.clear();  // the running thread always goes on: no update is lost
  Result<ShrinkResult> r = shrink(noisy_lost_update, passing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("does not fail"), std::string::npos) << r.error();
  Failure crash;
  crash.scenario = "x";
  crash.result.status = RunStatus::crash;
  EXPECT_FALSE(shrink_failure(noisy_lost_update, crash).ok());
}

// Aborts the process in its third run in a process: a candidate that crashes.
int g_runs = 0;
void crashes_on_third_run() {
  if (++g_runs == 3) std::abort();
  noisy_lost_update();
}

TEST(Shrink, ACandidateThatCrashesEndsTheChildProcessNotTheCaller) {
  const Schedule schedule = found(noisy_lost_update, "noisy-lost-update");
  g_runs = 0;
  Result<ShrinkResult> r = shrink(crashes_on_third_run, schedule);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("killed by signal 6"), std::string::npos) << r.error();
  EXPECT_EQ(g_runs, 0) << "the candidates ran in this process";
}

TEST(Shrink, ABudgetThatRunsOutStopsAndSaysSo) {
  const Schedule schedule = found(noisy_lost_update, "noisy-lost-update");
  double now = 0;
  ShrinkOptions options;
  options.time_budget_s = 1;
  options.wall_clock = [&now] { return now += 0.25; };  // four clock readings and the budget is used
  Result<ShrinkResult> r = shrink(noisy_lost_update, schedule, {}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().shrinking.out_of_time);
  EXPECT_LE(r.value().shrinking.runs, 4u);
  EXPECT_NE(shrink_summary(r.value().shrinking).find("(time budget used)"), std::string::npos);
  EXPECT_EQ(r.value().result.status, RunStatus::assertion);  // whatever was reached still fails
}

}  // namespace
