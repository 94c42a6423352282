// Random walk, and the Strategy base's contract (recording, lifecycle, misuse), seen through it.

#include <gtest/gtest.h>

#include <array>
#include <set>

#include <corosim/sim/random.hpp>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

std::unique_ptr<Strategy> random_walk() { return make_strategy("random").value(); }

TEST(RandomWalk, ChoosesOnlyEnabledThreads) {
  // Thread 2 is blocked until thread 0 has finished: it must never be chosen before.
  const SyntheticProgram program{{3, 3, 2}, [](ThreadId t, const std::vector<unsigned> &done) {
                                   return t != 2 || done[0] == 3;
                                 }};
  auto strategy = random_walk();
  for (std::uint64_t i = 0; i < 200; ++i) {
    const Trace trace = *run_execution(*strategy, program, execution_seed(1, i));
    ASSERT_EQ(trace.size(), 8u);
    const auto first_of_2 = std::find(trace.begin(), trace.end(), 2u);
    EXPECT_EQ(std::count(trace.begin(), first_of_2, 0u), 3);
  }
}

TEST(RandomWalk, SameSeedSameRunOtherSeedOtherRun) {
  const SyntheticProgram program{{6, 6, 6}, {}};
  auto a = random_walk(), b = random_walk();
  const Trace first = *run_execution(*a, program, 77);
  EXPECT_EQ(*run_execution(*b, program, 77), first);
  EXPECT_EQ(*run_execution(*a, program, 77), first);  // nothing carried over from the previous execution
  EXPECT_NE(*run_execution(*a, program, 78), first);
  EXPECT_FALSE(a->exhausted());
  EXPECT_EQ(a->executions(), 3u);
}

TEST(RandomWalk, FirstChoiceIsRoughlyUniform) {
  const SyntheticProgram program{{1, 1, 1, 1}, {}};
  auto strategy = random_walk();
  std::array<int, 4> first{};
  for (std::uint64_t i = 0; i < 4000; ++i) ++first[run_execution(*strategy, program, execution_seed(5, i))->at(0)];
  for (int count : first) EXPECT_NEAR(count, 1000, 120);
}

TEST(StrategyBase, RecordsRealChoicesOnly) {
  auto strategy = random_walk();
  ASSERT_TRUE(strategy->begin_execution(3));
  const std::array<ThreadId, 1> one{4};
  const std::array<ThreadId, 3> three{0, 4, 9};
  EXPECT_EQ(strategy->next_thread(one, std::nullopt), 4u);  // forced: not recorded
  const ThreadId chosen = strategy->next_thread(three, 4u);
  EXPECT_EQ(strategy->next_number(1), 0u);  // forced: not recorded
  const std::uint64_t number = strategy->next_number(1000);
  EXPECT_LT(number, 1000u);
  strategy->end_execution();
  const std::vector<Decision> expected = {{Decision::Kind::thread, chosen}, {Decision::Kind::number, number}};
  EXPECT_EQ(strategy->decisions(), expected);
  EXPECT_TRUE(strategy->mismatch().empty());
  ASSERT_TRUE(strategy->begin_execution(3));
  EXPECT_TRUE(strategy->decisions().empty());
  strategy->end_execution();
}

TEST(StrategyBaseDeathTest, MisuseAbortsWithADiagnostic) {
  const std::array<ThreadId, 2> enabled{0, 1};
  EXPECT_DEATH(random_walk()->next_thread(enabled, std::nullopt), "next_thread: no execution is open");
  EXPECT_DEATH(random_walk()->next_number(2), "next_number: no execution is open");
  EXPECT_DEATH(random_walk()->end_execution(), "end_execution: no execution is open");
  EXPECT_DEATH(
      {
        auto s = random_walk();
        (void)s->begin_execution(1);
        (void)s->begin_execution(1);
      },
      "an execution is already open");
  EXPECT_DEATH(
      {
        auto s = random_walk();
        (void)s->begin_execution(1);
        s->next_thread({}, std::nullopt);
      },
      "no sim thread is enabled");
  EXPECT_DEATH(
      {
        auto s = random_walk();
        (void)s->begin_execution(1);
        s->next_thread(enabled, 7u);
      },
      "the running sim thread is not among the enabled ones");
  EXPECT_DEATH(
      {
        auto s = random_walk();
        (void)s->begin_execution(1);
        s->next_number(0);
      },
      "next_number\\(0\\)");
}

}  // namespace
}  // namespace corosim::sim
