// Replay (strategies/replay.cpp): reproduces recorded runs exactly and refuses, with one line, every way a run can
// stop fitting its schedule.

#include <gtest/gtest.h>

#include <array>

#include <corosim/sim/random.hpp>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

using Kind = Decision::Kind;

// A run that also asks for numbers: one below `n` before every step of thread 0 (say, a simulated latency).
struct RecordedRun {
  Trace trace;
  std::vector<std::uint64_t> numbers;
};
RecordedRun run_with_numbers(Strategy &strategy, std::uint64_t seed, std::uint64_t n = 5) {
  RecordedRun run;
  EXPECT_TRUE(strategy.begin_execution(seed));
  std::array<unsigned, 3> done{};
  constexpr std::array<unsigned, 3> steps{4, 3, 5};
  std::optional<ThreadId> last;
  while (true) {
    std::vector<ThreadId> enabled;
    for (ThreadId t = 0; t < 3; ++t)
      if (done[t] < steps[t]) enabled.push_back(t);
    if (enabled.empty()) break;
    std::optional<ThreadId> running;
    if (last && done[*last] < steps[*last]) running = last;
    const ThreadId t = strategy.next_thread(enabled, running);
    if (t == 0) run.numbers.push_back(strategy.next_number(n));
    ++done[t];
    run.trace.push_back(t);
    last = t;
  }
  strategy.end_execution();
  return run;
}

TEST(Replay, ReproducesRandomRunsExactly) {
  auto random = make_strategy("random").value();
  for (std::uint64_t i = 0; i < 100; ++i) {
    const RecordedRun original = run_with_numbers(*random, execution_seed(4, i));
    const std::vector<Decision> recorded = random->decisions();
    auto replay = make_strategy("replay", recorded).value();
    for (int again = 0; again < 2; ++again) {  // a replay can be replayed
      const RecordedRun replayed = run_with_numbers(*replay, 0);
      EXPECT_TRUE(replay->mismatch().empty()) << replay->mismatch();
      EXPECT_EQ(replayed.trace, original.trace);
      EXPECT_EQ(replayed.numbers, original.numbers);
      EXPECT_EQ(replay->decisions(), recorded);
    }
  }
}

TEST(Replay, ReproducesTheRunsOfEveryStrategy) {
  const SyntheticProgram program{{3, 4, 2}, {}};
  for (const char *text : {"pct", "pct:d=5", "dfs:preemptions=1", "ipb", "idb", "pos", "urw"}) {
    auto strategy = make_strategy(text).value();
    for (std::uint64_t i = 0; i < 30; ++i) {
      const auto trace = run_execution(*strategy, program, execution_seed(6, i));
      if (!trace) break;  // a systematic strategy exhausted
      auto replay = make_strategy("replay", strategy->decisions()).value();
      EXPECT_EQ(*run_execution(*replay, program), *trace) << text;
      EXPECT_TRUE(replay->mismatch().empty()) << replay->mismatch();
    }
  }
}

// One execution of `replay` against a scripted run: `steps` are the calls the run makes, in order.
struct Call {
  std::vector<ThreadId> enabled;  // a thread choice among these; empty: a number below n
  std::uint64_t n = 0;
};
std::string mismatch_of(const std::vector<Decision> &recorded, const std::vector<Call> &calls,
                        std::vector<std::uint64_t> *answers = nullptr) {
  auto replay = make_strategy("replay", recorded).value();
  EXPECT_TRUE(replay->begin_execution(0));
  for (const Call &call : calls) {
    const std::uint64_t answer =
        call.enabled.empty() ? replay->next_number(call.n) : replay->next_thread(call.enabled, std::nullopt);
    if (answers) answers->push_back(answer);
  }
  replay->end_execution();
  EXPECT_EQ(replay->mismatch().find('\n'), std::string::npos);
  return replay->mismatch();
}

TEST(Replay, ChosenThreadNotEnabled) {
  std::vector<std::uint64_t> answers;
  EXPECT_EQ(mismatch_of({{Kind::thread, 1}, {Kind::thread, 5}, {Kind::thread, 0}},
                        {{{0, 1}}, {{0, 2, 3}}, {{2, 3}}}, &answers),
            "decision 2 of 3 chooses sim thread 5, which is not enabled in this run (enabled: 0, 2, 3)");
  // After a mismatch the run gets safe answers (the lowest enabled thread) and nothing more is consumed.
  EXPECT_EQ(answers, (std::vector<std::uint64_t>{1, 0, 2}));
}

TEST(Replay, NumberOutOfRange) {
  EXPECT_EQ(mismatch_of({{Kind::number, 7}}, {{{}, 3}}),
            "decision 1 of 1 is the number 7, but this run asks for a number below 3");
}

TEST(Replay, KindDiffers) {
  EXPECT_EQ(mismatch_of({{Kind::number, 1}}, {{{0, 1}}}),
            "decision 1 of 1 is a number, but the run asks for a thread choice (enabled: 0, 1)");
  EXPECT_EQ(mismatch_of({{Kind::thread, 1}}, {{{}, 4}}),
            "decision 1 of 1 is a thread choice, but the run asks for a number below 4");
}

TEST(Replay, ScheduleUsedUpTooEarly) {
  EXPECT_EQ(mismatch_of({{Kind::thread, 0}}, {{{0, 1}}, {{0, 1}}}),
            "the schedule's 1 decisions are used up, but the run asks for a thread choice (enabled: 0, 1)");
}

TEST(Replay, DecisionsLeftOver) {
  EXPECT_EQ(mismatch_of({{Kind::thread, 0}, {Kind::number, 2}, {Kind::thread, 1}}, {{{0, 1}}}),
            "the run ended after 1 of the schedule's 3 decisions");
}

TEST(Replay, ForcedChoicesConsumeNothing) {
  std::vector<std::uint64_t> answers;
  EXPECT_EQ(mismatch_of({{Kind::thread, 1}}, {{{4}}, {{}, 1}, {{0, 1}}, {{2}}}, &answers), "");
  EXPECT_EQ(answers, (std::vector<std::uint64_t>{4, 0, 1, 2}));
}

TEST(Replay, NextExecutionStartsClean) {
  auto replay = make_strategy("replay", {{Kind::thread, 1}}).value();
  const std::array<ThreadId, 2> enabled{0, 1};
  ASSERT_TRUE(replay->begin_execution(0));
  replay->end_execution();
  EXPECT_FALSE(replay->mismatch().empty());
  ASSERT_TRUE(replay->begin_execution(0));
  EXPECT_TRUE(replay->mismatch().empty());
  EXPECT_EQ(replay->next_thread(enabled, std::nullopt), 1u);
  replay->end_execution();
  EXPECT_TRUE(replay->mismatch().empty());
}

}  // namespace
}  // namespace corosim::sim
