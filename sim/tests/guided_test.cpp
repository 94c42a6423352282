// GuidedStrategy (strategies/guided.cpp): follows a schedule exactly while it fits, hands over to its continuation
// at the first decision that does not, and says where the run left the schedule in each of the three ways it can.

#include <gtest/gtest.h>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

const SyntheticProgram kThreeThreads{{3, 2, 4}, {}};

// The decisions and trace of one random run of `program`.
std::pair<std::vector<Decision>, Trace> random_run(const SyntheticProgram &program, std::uint64_t seed) {
  auto random = make_strategy("random").value();
  Trace trace = *run_execution(*random, program, seed);
  return {random->decisions(), trace};
}

TEST(Guided, FollowsAFittingScheduleExactlyAndRecordsIt) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto [decisions, trace] = random_run(kThreeThreads, seed);
    GuidedStrategy guided(decisions, make_tape_strategy({}));
    EXPECT_EQ(run_execution(guided, kThreeThreads, seed), trace) << "seed " << seed;
    EXPECT_EQ(guided.decisions(), decisions);
    EXPECT_FALSE(guided.diverged_at_step()) << guided.divergence();
    EXPECT_EQ(guided.spec().name, "replay");
  }
}

TEST(Guided, HandsOverAtTheFirstMisfitAndSaysWhere) {
  // Thread 0 first, then a choice of thread 7, which is never enabled: the continuation (running thread goes on)
  // takes over at step 1 for good, although the third decision would fit again.
  const std::vector<Decision> script{{Decision::Kind::thread, 0}, {Decision::Kind::thread, 7},
                                     {Decision::Kind::thread, 2}};
  GuidedStrategy guided(script, make_tape_strategy({}));
  const Trace trace = *run_execution(guided, kThreeThreads);
  EXPECT_EQ(trace, (Trace{0, 0, 0, 1, 1, 2, 2, 2, 2}));
  ASSERT_TRUE(guided.diverged_at_step());
  EXPECT_EQ(*guided.diverged_at_step(), 1u);
  EXPECT_NE(guided.divergence().find("decision 2 of 3 (sim thread 7) does not fit"), std::string::npos)
      << guided.divergence();
  // A number where the run asks for a thread is a misfit too.
  GuidedStrategy wrong_kind({{Decision::Kind::number, 0}}, make_tape_strategy({}));
  run_execution(wrong_kind, kThreeThreads);
  EXPECT_EQ(wrong_kind.diverged_at_step(), std::optional<std::uint64_t>(0));
}

TEST(Guided, ASchedulePastItsEndOrLeftOverIsADivergence) {
  auto [decisions, trace] = random_run(kThreeThreads, 3);
  // Used up: the first two decisions only; the run asks for more at the third choice.
  GuidedStrategy short_script({decisions.begin(), decisions.begin() + 2}, make_strategy("random").value());
  run_execution(short_script, kThreeThreads, 3);
  ASSERT_TRUE(short_script.diverged_at_step());
  EXPECT_NE(short_script.divergence().find("used up"), std::string::npos) << short_script.divergence();
  // Left over: the program (one choice point: two threads of one step) ends before the schedule does; the
  // divergence is at its end.
  const SyntheticProgram shorter{{1, 1}, {}};
  GuidedStrategy long_script({{Decision::Kind::thread, 0}, {Decision::Kind::thread, 1}, {Decision::Kind::thread, 0}},
                             make_tape_strategy({}));
  const Trace ran = *run_execution(long_script, shorter);
  EXPECT_EQ(ran, (Trace{0, 1}));
  ASSERT_TRUE(long_script.diverged_at_step());
  EXPECT_EQ(*long_script.diverged_at_step(), ran.size());
  EXPECT_NE(long_script.divergence().find("the run ended after"), std::string::npos) << long_script.divergence();
}

TEST(Guided, TheRecordedRunReplaysExactly) {
  auto [decisions, trace] = random_run(kThreeThreads, 11);
  std::vector<Decision> changed = decisions;
  changed.resize(changed.size() / 2);
  GuidedStrategy guided(changed, make_strategy("random").value());
  const Trace ran = *run_execution(guided, kThreeThreads, 11);
  auto replay = make_strategy("replay", guided.decisions()).value();
  EXPECT_EQ(run_execution(*replay, kThreeThreads), ran);
  EXPECT_TRUE(replay->mismatch().empty()) << replay->mismatch();
}

}  // namespace
}  // namespace corosim::sim
