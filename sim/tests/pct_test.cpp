// PCT (strategies/pct.cpp) on synthetic programs: it only runs enabled threads, reproduces an execution from its
// seed and spec, and finds bugs of depth d at least as often as its guarantee 1 / (n k^(d-1)) promises.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include <corosim/sim/random.hpp>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

std::unique_ptr<Strategy> pct(const char *text = "pct") { return make_strategy(text).value(); }

// Does the trace start with `runs` = {{thread, steps}, ...}: thread 0 for 8 steps, then thread 1 for 8, ...?
bool starts_with_runs(const Trace &trace, std::initializer_list<std::pair<ThreadId, int>> runs) {
  std::size_t at = 0;
  for (const auto &[thread, steps] : runs)
    for (int i = 0; i < steps; ++i, ++at)
      if (at >= trace.size() || trace[at] != thread) return false;
  return true;
}

// For `trials` explorations (first seeds 1, 2, ...), the number of executions until `bug` showed, averaged;
// fails the test if one exploration needs more than `cap`.
double mean_executions_to_find(const char *strategy_text, const SyntheticProgram &program,
                               const std::function<bool(const Trace &)> &bug, int trials, std::uint64_t cap) {
  std::uint64_t total = 0;
  for (int trial = 1; trial <= trials; ++trial) {
    auto strategy = make_strategy(strategy_text).value();
    std::uint64_t i = 0;
    while (!bug(*run_execution(*strategy, program, execution_seed(trial, i)))) {
      ++i;
      if (i == cap) {
        ADD_FAILURE() << strategy_text << ": trial " << trial << " did not find the bug in " << cap << " executions";
        return double(cap);
      }
    }
    total += i + 1;
  }
  return double(total) / trials;
}

TEST(Pct, ChoosesOnlyEnabledThreads) {
  // Thread 1 is blocked while thread 0 is between its steps 2 and 4; thread 3 waits for thread 2 to finish.
  const SyntheticProgram program{{6, 4, 3, 3}, [](ThreadId t, const std::vector<unsigned> &done) {
                                   if (t == 1) return done[0] < 2 || done[0] >= 4;
                                   if (t == 3) return done[2] == 3;
                                   return true;
                                 }};
  auto strategy = pct("pct:d=4");
  for (std::uint64_t i = 0; i < 500; ++i) {
    const Trace trace = *run_execution(*strategy, program, execution_seed(2, i));
    EXPECT_EQ(trace.size(), 16u);  // the gates never block everything, so every step runs
  }
}

TEST(Pct, DepthOneNeverPreempts) {
  // d = 1: no change points, so the highest-priority thread runs to its end, then the next one.
  const SyntheticProgram program{{4, 4, 4}, {}};
  auto strategy = pct("pct:d=1");
  std::set<Trace> seen;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const Trace trace = *run_execution(*strategy, program, execution_seed(3, i));
    for (std::size_t s = 1; s < trace.size(); ++s) {
      if (trace[s] != trace[s - 1]) {
        EXPECT_EQ(s % 4, 0u) << "thread switch in the middle of a thread";
      }
    }
    seen.insert(trace);
  }
  EXPECT_EQ(seen.size(), 6u);  // every order of the three threads (3!) shows up
}

TEST(Pct, EstimatesStepsFromEarlierExecutions) {
  const SyntheticProgram program{{5, 3}, {}};
  auto strategy = pct();
  EXPECT_EQ(strategy->spec().to_string(), "pct:d=3,k=100");  // the first guess
  (void)run_execution(*strategy, program, 1);
  EXPECT_EQ(strategy->spec().to_string(), "pct:d=3,k=100");  // what the execution that just ended used
  ASSERT_TRUE(strategy->begin_execution(2));
  EXPECT_EQ(strategy->spec().to_string(), "pct:d=3,k=8");  // the longest run seen
  strategy->end_execution();
  auto given = pct("pct:d=2,k=57");
  EXPECT_EQ(given->spec().to_string(), "pct:d=2,k=57");
}

// One execution far longer than the rest (a rare livelock) must not rule the estimate: k is the 95th percentile
// of the step counts, so after 20 runs of 8 steps and one of 400, the next execution still uses 8; only once long
// runs are more than one in twenty does k follow them.
TEST(Pct, OneOutlierDoesNotRuleTheEstimate) {
  const SyntheticProgram usual{{5, 3}, {}}, outlier{{200, 200}, {}};
  auto strategy = pct();
  for (std::uint64_t seed = 0; seed < 20; ++seed) (void)run_execution(*strategy, usual, seed);
  (void)run_execution(*strategy, outlier, 20);
  ASSERT_TRUE(strategy->begin_execution(21));
  EXPECT_EQ(strategy->spec().to_string(), "pct:d=3,k=8");
  strategy->end_execution();  // a run of 0 steps
  for (std::uint64_t seed = 22; seed < 25; ++seed) (void)run_execution(*strategy, outlier, seed);
  ASSERT_TRUE(strategy->begin_execution(25));
  EXPECT_EQ(strategy->spec().to_string(), "pct:d=3,k=400");  // 4 long runs in 25: more than 5%
  strategy->end_execution();
}

TEST(Pct, AnExecutionIsReproducedFromItsSeedAndSpec) {
  const SyntheticProgram program{{7, 5, 6}, {}};
  auto explorer = pct();
  for (std::uint64_t i = 0; i < 20; ++i) {
    const std::uint64_t seed = execution_seed(9, i);
    const Trace trace = *run_execution(*explorer, program, seed);
    const std::string spec = explorer->spec().to_string();  // after the run, as an executor reports a failure
    auto single = make_strategy(spec).value();
    EXPECT_EQ(*run_execution(*single, program, seed), trace) << "execution " << i << " with " << spec;
  }
}

// The bug needs thread 0 to run its first `a` steps, then thread 1 its first `b` steps, then thread 0 again:
// three ordering constraints (a_a < b_1, b_b < a_{a+1}, and thread 0 first), depth 3. With two threads of 12 steps
// (k = 24 from the second execution on), PCT with d = 3 hits it when thread 0 gets the higher priority (1/2) and
// the two change points are exactly {8, 16} (1 / C(24, 2) = 1/276): about 1/552 per execution, within the
// guarantee 1 / (n k^(d-1)) = 1/1152. A random walk needs 17 coin flips to come out right: 1/131072.
TEST(Pct, FindsADepthThreeBugWithinItsGuarantee) {
  const SyntheticProgram program{{12, 12}, {}};
  const auto bug = [](const Trace &t) { return starts_with_runs(t, {{0, 8}, {1, 8}, {0, 1}}); };
  const double pct_mean = mean_executions_to_find("pct:d=3", program, bug, 100, 20000);
  RecordProperty("pct_mean_executions", std::to_string(pct_mean));
  EXPECT_LE(pct_mean, 1152.0);
  EXPECT_GE(pct_mean, 552.0 / 3);  // not suspiciously lucky either: the exact rate is known
  // Random walk with the same budget as PCT's guarantee almost never gets there.
  int random_found = 0;
  for (int trial = 1; trial <= 100; ++trial) {
    auto strategy = make_strategy("random").value();
    for (std::uint64_t i = 0; i < 1152; ++i)
      if (bug(*run_execution(*strategy, program, execution_seed(trial, i)))) {
        ++random_found;
        break;
      }
  }
  RecordProperty("random_walk_trials_found", random_found);
  EXPECT_LT(random_found, 10);
}

// Depth 2: thread 0 runs 8 steps, then thread 1 takes a step before thread 0's ninth. PCT with d = 2: thread 0
// first (1/2) and the one change point exactly at 8 (1/24): 1/48 = 1 / (n k^(d-1)), the guarantee exactly.
TEST(Pct, FindsADepthTwoBugWithinItsGuarantee) {
  const SyntheticProgram program{{12, 12}, {}};
  const auto bug = [](const Trace &t) { return starts_with_runs(t, {{0, 8}, {1, 1}}); };
  const double mean = mean_executions_to_find("pct:d=2", program, bug, 200, 2000);
  RecordProperty("pct_mean_executions", std::to_string(mean));
  EXPECT_LE(mean, 48.0 * 1.25);  // 200 trials: the mean is within a few percent of 48 (plus the first execution)
  EXPECT_GE(mean, 48.0 * 0.75);
}

}  // namespace
}  // namespace corosim::sim
