// DFS with a preemption bound (strategies/dfs.cpp) on synthetic programs whose schedule counts are derived by
// hand: it runs every permitted schedule exactly once, then says it is exhausted.

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

// Explores `program` to exhaustion (at most `limit` executions); returns the traces in the order they ran.
std::vector<Trace> explore(Strategy &strategy, const SyntheticProgram &program, std::size_t limit = 100000) {
  std::vector<Trace> traces;
  while (auto trace = run_execution(strategy, program)) {
    EXPECT_TRUE(strategy.mismatch().empty()) << strategy.mismatch();
    traces.push_back(*trace);
    if (traces.size() == limit) break;
  }
  return traces;
}

std::unique_ptr<Strategy> dfs(unsigned bound) {
  return make_strategy("dfs:preemptions=" + std::to_string(bound)).value();
}

// Two threads A (0) and B (1) of two steps each. A preemption is a switch away from a thread that still has steps;
// the switch after a thread's last step is free, and so is the first choice (nothing runs yet). The six
// interleavings and their preemptions:
//   A A B B  0        B B A A  0
//   A B B A  1 (A->B) B A A B  1 (B->A)
//   A B A B  2        B A B A  2
// So a bound of 0 permits 2 schedules, 1 permits 4, 2 (and more) all 6.
TEST(Dfs, TwoThreadsTwoStepsCountsDerivedByHand) {
  const SyntheticProgram program{{2, 2}, {}};
  const std::size_t expected[] = {2, 4, 6, 6};
  for (unsigned bound = 0; bound < 4; ++bound) {
    auto strategy = dfs(bound);
    const std::vector<Trace> traces = explore(*strategy, program);
    EXPECT_EQ(traces.size(), expected[bound]) << "bound " << bound;
    EXPECT_EQ(std::set<Trace>(traces.begin(), traces.end()).size(), traces.size()) << "a schedule ran twice";
    EXPECT_TRUE(strategy->exhausted());
    EXPECT_EQ(strategy->executions(), expected[bound]);
    EXPECT_FALSE(strategy->begin_execution(0)) << "exhausted, yet it began another execution";
  }
  auto bound0 = dfs(0);
  const std::vector<Trace> nonpreemptive = explore(*bound0, program);
  EXPECT_EQ(std::set<Trace>(nonpreemptive.begin(), nonpreemptive.end()),
            (std::set<Trace>{{0, 0, 1, 1}, {1, 1, 0, 0}}));
}

// Two threads of m steps each. An interleaving is a sequence of blocks (maximal runs of one thread) alternating
// between the threads; with b blocks there are b - 1 switches, and the last one is always free (the thread
// switched away from has finished: otherwise it would run again after the last block), so b - 2 preemptions.
// Starting with A: b = 2j blocks split A's and B's m steps into j non-empty parts each, C(m-1, j-1)^2 ways;
// b = 2j + 1 split A into j + 1 parts and B into j, C(m-1, j) C(m-1, j-1) ways; twice that for starting with B.
// For m = 3: b = 2: 2, b = 3: 4, b = 4: 8, b = 5: 4, b = 6: 2 (total C(6, 3) = 20), so the bound p in 0..4
// permits 2, 6, 14, 18, 20 schedules.
TEST(Dfs, TwoThreadsThreeStepsCountsFromTheBlockFormula) {
  const SyntheticProgram program{{3, 3}, {}};
  const std::size_t expected[] = {2, 6, 14, 18, 20, 20};
  for (unsigned bound = 0; bound < 6; ++bound) {
    auto strategy = dfs(bound);
    const std::vector<Trace> traces = explore(*strategy, program);
    EXPECT_EQ(traces.size(), expected[bound]) << "bound " << bound;
    EXPECT_EQ(std::set<Trace>(traces.begin(), traces.end()).size(), traces.size());
    EXPECT_TRUE(strategy->exhausted());
  }
}

// Threads of one step each finish at once, so every switch is free: all 3! orders under any bound.
TEST(Dfs, SwitchingAfterAThreadFinishesIsFree) {
  const SyntheticProgram program{{1, 1, 1}, {}};
  auto strategy = dfs(0);
  EXPECT_EQ(explore(*strategy, program).size(), 6u);
}

// A blocked thread makes the switch away from it free too: thread 0 blocks after its first step until thread 1
// has run, so with bound 0 the schedules are 0 1 0 (0 blocks, 1 runs and finishes) and 1 0 0.
TEST(Dfs, SwitchingAfterAThreadBlocksIsFree) {
  const SyntheticProgram program{{2, 1}, [](ThreadId t, const std::vector<unsigned> &done) {
                                   return t != 0 || done[0] == 0 || done[1] == 1;
                                 }};
  auto strategy = dfs(0);
  const std::vector<Trace> traces = explore(*strategy, program);
  EXPECT_EQ(std::set<Trace>(traces.begin(), traces.end()), (std::set<Trace>{{0, 1, 0}, {1, 0, 0}}));
}

// Numbers are choice points too: a number below 3 asked before the first step of two threads of two steps
// multiplies the 2 schedules of bound 0 by 3.
TEST(Dfs, ExploresEveryNumber) {
  auto strategy = dfs(0);
  std::set<std::pair<std::uint64_t, Trace>> seen;
  while (auto run = testing::run_execution_with_number(*strategy, {{2, 2}, {}}, 3)) seen.insert(*run);
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(strategy->executions(), 6u);
}

TEST(Dfs, ReportsAProgramThatDoesNotRepeatItself) {
  auto strategy = dfs(2);
  // First execution: a number below 2, then a thread choice. Second: the same prefix asks for a thread first.
  ASSERT_TRUE(strategy->begin_execution(0));
  EXPECT_EQ(strategy->next_number(2), 0u);
  const std::array<ThreadId, 2> enabled{0, 1};
  (void)strategy->next_thread(enabled, std::nullopt);
  strategy->end_execution();
  EXPECT_TRUE(strategy->mismatch().empty());
  ASSERT_TRUE(strategy->begin_execution(0));
  EXPECT_EQ(strategy->next_thread(enabled, std::nullopt), 0u);
  EXPECT_EQ(strategy->mismatch(),
            "dfs: the program is not deterministic: choice point 1 was a number below 2 and is now a choice among "
            "2 threads");
  strategy->end_execution();
}

TEST(Dfs, ReportsARunThatEndsEarlierThanItsPrefix) {
  auto strategy = dfs(2);
  const std::array<ThreadId, 2> enabled{0, 1};
  ASSERT_TRUE(strategy->begin_execution(0));
  (void)strategy->next_thread(enabled, std::nullopt);
  (void)strategy->next_number(2);
  strategy->end_execution();  // the next execution replays choice point 1 and takes number 1 at point 2
  ASSERT_TRUE(strategy->begin_execution(0));
  (void)strategy->next_thread(enabled, std::nullopt);
  strategy->end_execution();
  EXPECT_EQ(strategy->mismatch(),
            "dfs: the program is not deterministic: the run ended before choice point 2, which the same choices "
            "reached before");
}

}  // namespace
}  // namespace corosim::sim
