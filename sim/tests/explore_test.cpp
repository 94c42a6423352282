// The exploration loop (explore.hpp) over small bodies on the sim platform: it stops at the first failure with
// everything that reproduces it (seed, spec with PCT's k, decisions), runs the requested number of executions,
// says when DFS exhausted its space, honours the wall-time budget, and reports progress only for long runs.

#include <vector>

#include <gtest/gtest.h>

#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/random.hpp>

namespace {

using namespace corosim;
using namespace corosim::sim;

// Fails when the main thread reads `value` between the worker's two stores, a bug of depth 2 (two ordering
// constraints: store 1 before the load, the load before store 0), so PCT needs d >= 2 to find it:
//   | t0 (main)         | t1 (worker)  |
//   | spawn t1          |              |
//   |                   | store 1      |
//   | load == 1: FAIL   |              |
//   |                   | store 0      |
void racy_body() {
  corosim::atomic<int> value{0};
  platform::Current::Thread worker([&] {
    value.store(1);
    value.store(0);
  });
  check(value.load() == 0, "saw the intermediate value");
  worker.join();
}

// Two threads, one atomic each: no failure, a small DFS space.
void quiet_body() {
  corosim::atomic<int> a{0}, b{0};
  platform::Current::Thread worker([&] { a.store(1); });
  b.store(1);
  worker.join();
}

class Explore : public ::testing::Test {
 protected:
  void SetUp() override { set_pool_enabled(false); }
};

TEST_F(Explore, BadStrategyIsAnError) {
  ExploreOptions options;
  options.strategy = "bogus";
  auto r = explore(quiet_body, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("bogus"), std::string::npos) << r.error();
}

TEST_F(Explore, RunsTheRequestedExecutions) {
  for (const char *strategy : {"random", "pct"}) {
    ExploreOptions options;
    options.strategy = strategy;
    options.schedules = 25;
    auto r = explore(quiet_body, options);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.value().executions, 25u) << strategy;
    EXPECT_FALSE(r.value().failure) << strategy << ": " << r.value().failure->result.message;
    EXPECT_FALSE(r.value().exhausted);
    EXPECT_FALSE(r.value().out_of_time);
    EXPECT_GE(r.value().wall_s, 0.0);
  }
}

TEST_F(Explore, StopsAtTheFirstFailureWithItsReproduction) {
  for (const char *strategy : {"random", "pct", "pct:d=2", "dfs", "ipb", "idb", "pos", "urw"}) {
    ExploreOptions options;
    options.strategy = strategy;
    options.first_seed = 42;
    options.schedules = 1000;
    auto r = explore(racy_body, options);
    ASSERT_TRUE(r.ok()) << r.error();
    ASSERT_TRUE(r.value().failure) << strategy << ": not found in " << r.value().executions;
    const Failure &f = *r.value().failure;
    EXPECT_EQ(f.result.status, RunStatus::assertion) << f.result.message;
    EXPECT_EQ(r.value().executions, *f.execution + 1);
    EXPECT_EQ(f.seed, execution_seed(42, *f.execution));
    EXPECT_EQ(f.result.message, "saw the intermediate value");

    // Every strategy: the decisions replay it.
    auto replay = make_strategy("replay", f.result.decisions).value();
    RunResult again = run_once(racy_body, *replay, f.seed);
    EXPECT_EQ(again.status, f.result.status) << strategy;
    EXPECT_EQ(again.trace_hash, f.result.trace_hash) << strategy;
    EXPECT_TRUE(replay->mismatch().empty()) << replay->mismatch();

    // Random, PCT and POS: a fresh strategy from the reported spec and the seed (PCT's spec carries its k). The
    // others' executions depend on the ones before: their decisions reproduce them (above).
    if (f.strategy.name == "pct") {
      EXPECT_EQ(f.strategy.parameters.count("k"), 1u);
    }
    if (f.strategy.name == "random" || f.strategy.name == "pct" || f.strategy.name == "pos") {
      auto fresh = make_strategy(f.strategy.to_string()).value();
      RunResult rerun = run_once(racy_body, *fresh, f.seed);
      EXPECT_EQ(rerun.status, f.result.status) << strategy;
      EXPECT_EQ(rerun.trace_hash, f.result.trace_hash) << strategy << " spec " << f.strategy.to_string();
    }
  }
}

// PCT's k moves with the runs: a failure late in an exploration is reproduced only with the k it used.
TEST_F(Explore, PctFailureAfterManyRunsReproducesFromItsSpec) {
  int found = 0;
  for (uint64_t first = 0; first < 20; ++first) {
    ExploreOptions options;
    options.strategy = "pct:d=2";
    options.first_seed = first;
    options.schedules = 200;
    auto r = explore(racy_body, options);
    ASSERT_TRUE(r.ok());
    if (!r.value().failure) continue;
    ++found;
    const Failure &f = *r.value().failure;
    auto fresh = make_strategy(f.strategy.to_string()).value();
    RunResult rerun = run_once(racy_body, *fresh, f.seed);
    EXPECT_EQ(rerun.trace_hash, f.result.trace_hash) << "first seed " << first << " spec " << f.strategy.to_string();
  }
  EXPECT_GE(found, 10) << "pct:d=2 found the depth-2 bug from fewer than 10 of 20 first seeds";
}

TEST_F(Explore, DfsSaysWhenTheSpaceIsExhausted) {
  ExploreOptions options;
  options.strategy = "dfs";
  options.schedules = 100000;
  auto r = explore(quiet_body, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().exhausted);
  EXPECT_FALSE(r.value().failure);
  const uint64_t space = r.value().executions;
  EXPECT_GT(space, 1u);
  EXPECT_LT(space, 1000u);

  // Exactly the space's size: exhausted too, without a wasted begin_execution.
  options.schedules = space;
  auto exact = explore(quiet_body, options);
  EXPECT_TRUE(exact.value().exhausted);
  EXPECT_EQ(exact.value().executions, space);

  // One fewer: not exhausted.
  options.schedules = space - 1;
  auto fewer = explore(quiet_body, options);
  EXPECT_FALSE(fewer.value().exhausted);
  EXPECT_EQ(fewer.value().executions, space - 1);
}

// A fake clock that advances one second per reading: the budget stops the loop, after at least one execution.
TEST_F(Explore, TimeBudget) {
  double now = 0;
  ExploreOptions options;
  options.strategy = "random";
  options.schedules = 1000;
  options.time_budget_s = 5;
  options.wall_clock = [&] { return now += 1; };
  auto r = explore(quiet_body, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value().out_of_time);
  EXPECT_GE(r.value().executions, 1u);
  EXPECT_LT(r.value().executions, 10u);

  now = 0;
  options.time_budget_s = 0.001;
  auto tiny = explore(quiet_body, options);
  EXPECT_EQ(tiny.value().executions, 1u);
  EXPECT_TRUE(tiny.value().out_of_time);
}

TEST_F(Explore, ProgressOnlyForLongRuns) {
  std::vector<ExploreProgress> seen;
  ExploreOptions options;
  options.strategy = "random";
  options.schedules = 20;
  options.progress = [&](const ExploreProgress &p) { seen.push_back(p); };
  // The real clock: 20 tiny runs take far less than 0.5 s.
  auto quick = explore(quiet_body, options);
  ASSERT_TRUE(quick.ok());
  EXPECT_TRUE(seen.empty());

  // A clock that advances 0.2 s per reading: a report at most every 0.5 s of it.
  double now = 0;
  options.wall_clock = [&] { return now += 0.2; };
  auto slow = explore(quiet_body, options);
  ASSERT_TRUE(slow.ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_LT(seen.size(), 20u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].executions, seen[i - 1].executions);
    EXPECT_GE(seen[i].elapsed_s - seen[i - 1].elapsed_s, 0.5 - 1e-9);
  }
  EXPECT_EQ(seen.back().failures, 0u);
  EXPECT_GT(seen.back().runs_per_s, 0.0);
  // The total and what follows from it: the share of 20 executions, how far, how long still.
  const ExploreProgress &last = seen.back();
  EXPECT_EQ(last.total, 20u);
  ASSERT_TRUE(last.fraction() && last.seconds_left());
  EXPECT_DOUBLE_EQ(*last.fraction(), static_cast<double>(last.executions) / 20);
  EXPECT_NEAR(*last.seconds_left(), static_cast<double>(20 - last.executions) / last.runs_per_s, 1e-9);
}

TEST(ExploreProgress, TotalsAndTimeLeftWhenALimitMakesThemKnown) {
  ExploreProgress p{50, 0, 10.0, 5.0};  // 50 executions in 10 s
  EXPECT_FALSE(p.fraction());            // no limit: nothing to say
  EXPECT_FALSE(p.seconds_left());
  p.total = 200;
  EXPECT_DOUBLE_EQ(*p.fraction(), 0.25);
  EXPECT_DOUBLE_EQ(*p.seconds_left(), 30.0);  // 150 more at 5/s
  p.budget_s = 20;                             // the time budget comes first: half used, 10 s left
  EXPECT_DOUBLE_EQ(*p.fraction(), 0.5);
  EXPECT_DOUBLE_EQ(*p.seconds_left(), 10.0);
  p.total = 0;
  EXPECT_DOUBLE_EQ(*p.seconds_left(), 10.0);
}

}  // namespace
