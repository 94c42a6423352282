// Iterative preemption and delay bounding (strategies/bounded.cpp) on synthetic programs whose schedule counts are
// derived by hand: each bound runs exactly the schedules of that cost, none twice, the bounds in increasing order,
// and the search says when it is exhausted.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

struct Search {
  std::map<std::string, std::vector<Trace>> by_spec;  // the spec each execution reported (at its end) -> schedules
  std::vector<Trace> all;
};

// Runs `strategy_text` on `program` to exhaustion.
Search search(const std::string &strategy_text, const SyntheticProgram &program) {
  auto strategy = make_strategy(strategy_text).value();
  Search out;
  while (true) {
    std::optional<Trace> trace = run_execution(*strategy, program);
    if (!trace) break;
    EXPECT_TRUE(strategy->mismatch().empty()) << strategy->mismatch();
    out.by_spec[strategy->spec().to_string()].push_back(*trace);
    out.all.push_back(*trace);
    if (out.all.size() > 100000) break;
  }
  EXPECT_TRUE(strategy->exhausted());
  EXPECT_EQ(strategy->executions(), out.all.size());
  EXPECT_EQ(std::set<Trace>(out.all.begin(), out.all.end()).size(), out.all.size()) << "a schedule ran twice";
  return out;
}

std::map<std::string, std::size_t> counts(const Search &s) {
  std::map<std::string, std::size_t> out;
  for (const auto &[spec, traces] : s.by_spec) out[spec] = traces.size();
  return out;
}

// Two threads of three steps (dfs_test.cpp derives the block formula): 2 schedules with 0 preemptions, 4 with
// exactly 1, 8 with 2, 4 with 3, 2 with 4; together C(6, 3) = 20. Bound by bound, what dfs:preemptions=b runs
// adds up to.
TEST(IterativePreemptionBounding, TwoThreadsThreeStepsCountsPerBound) {
  const Search s = search("ipb", {{3, 3}, {}});
  EXPECT_EQ(counts(s), (std::map<std::string, std::size_t>{{"ipb:preemptions=0", 2},
                                                             {"ipb:preemptions=1", 4},
                                                             {"ipb:preemptions=2", 8},
                                                             {"ipb:preemptions=3", 4},
                                                             {"ipb:preemptions=4", 2}}));
  EXPECT_EQ(s.all.size(), 20u);
}

// Three threads of one step each: every switch follows a finished thread and is free, so all 3! = 6 orders cost
// 0 and there is no bound 1.
TEST(IterativePreemptionBounding, FreeSwitchesAllCostNothing) {
  EXPECT_EQ(counts(search("ipb", {{1, 1, 1}, {}})), (std::map<std::string, std::size_t>{{"ipb:preemptions=0", 6}}));
}

// The last bound given is the last searched: ipb:preemptions=1 on {3, 3} stops after 2 + 4 schedules.
TEST(IterativePreemptionBounding, StopsAtTheLastBound) {
  EXPECT_EQ(search("ipb:preemptions=1", {{3, 3}, {}}).all.size(), 6u);
}

// A bug that needs A B A B (two preemptions) is first met while the search reports bound 2.
TEST(IterativePreemptionBounding, FindsABugAtTheSmallestBoundThatHasIt) {
  const Search s = search("ipb", {{2, 2}, {}});
  EXPECT_EQ(counts(s), (std::map<std::string, std::size_t>{
                           {"ipb:preemptions=0", 2}, {"ipb:preemptions=1", 2}, {"ipb:preemptions=2", 2}}));
  const auto &bound2 = s.by_spec.at("ipb:preemptions=2");
  EXPECT_EQ(std::set<Trace>(bound2.begin(), bound2.end()), (std::set<Trace>{{0, 1, 0, 1}, {1, 0, 1, 0}}));
}

// Delays on two threads A (0), B (1) of two steps. The round robin starts with A and keeps the running thread;
// after a thread finishes it goes on with the next one in cyclic order. Choosing the k-th thread of that order
// (0-based) costs k delays:
//   A A B B  0                     B B A A  1 (B at the start)
//   A B B A  1 (B while A runs)    A B A B  2 (B, then A while B runs)
//   B A A B  2 (B, then A)         B A B A  3 (B, A, B)
TEST(IterativeDelayBounding, TwoThreadsTwoStepsCountsDerivedByHand) {
  const Search s = search("idb", {{2, 2}, {}});
  EXPECT_EQ(counts(s), (std::map<std::string, std::size_t>{
                           {"idb:delays=0", 1}, {"idb:delays=1", 2}, {"idb:delays=2", 2}, {"idb:delays=3", 1}}));
  EXPECT_EQ(s.by_spec.at("idb:delays=0"), (std::vector<Trace>{{0, 0, 1, 1}}));
  EXPECT_EQ(s.by_spec.at("idb:delays=3"), (std::vector<Trace>{{1, 0, 1, 0}}));
}

// Three threads of one step: the round robin's order is 0 1 2 from the start, and after a thread finishes, the
// threads after it in cyclic order. 0 1 2: 0 delays; 0 2 1: 1 (skip 1 after 0); 1 2 0: 1 (skip 0 at the start);
// 1 0 2: 2 (skip 0, then 2 after 1); 2 0 1: 2 (skip 0 and 1); 2 1 0: 3 (skip 0 and 1, then 0 after 2).
TEST(IterativeDelayBounding, ThreeThreadsOneStepCountsDerivedByHand) {
  const Search s = search("idb", {{1, 1, 1}, {}});
  EXPECT_EQ(counts(s), (std::map<std::string, std::size_t>{
                           {"idb:delays=0", 1}, {"idb:delays=1", 2}, {"idb:delays=2", 2}, {"idb:delays=3", 1}}));
  const auto &one = s.by_spec.at("idb:delays=1");
  EXPECT_EQ(std::set<Trace>(one.begin(), one.end()), (std::set<Trace>{{0, 2, 1}, {1, 2, 0}}));
}

// The same program explored twice gives the same schedules in the same order.
TEST(IterativeBounding, IsDeterministic) {
  for (const char *text : {"ipb", "idb"}) {
    const SyntheticProgram program{{2, 3, 1}, {}};
    EXPECT_EQ(search(text, program).all, search(text, program).all) << text;
  }
}

// Numbers are free alternatives: a number below 2 asked before the steps of {2, 2} doubles every bound's count.
TEST(IterativeBounding, ExploresEveryNumberAtEveryBound) {
  auto strategy = make_strategy("ipb").value();
  std::map<std::string, std::set<std::pair<std::uint64_t, Trace>>> seen;
  while (auto run = testing::run_execution_with_number(*strategy, {{2, 2}, {}}, 2))
    seen[strategy->spec().to_string()].insert(*run);
  std::map<std::string, std::size_t> sizes;
  for (const auto &[spec, runs] : seen) sizes[spec] = runs.size();
  EXPECT_EQ(sizes, (std::map<std::string, std::size_t>{
                       {"ipb:preemptions=0", 4}, {"ipb:preemptions=1", 4}, {"ipb:preemptions=2", 4}}));
}

// A program that does not repeat itself under the same choices is reported, not explored wrongly.
TEST(IterativeBounding, ReportsANondeterministicProgram) {
  auto strategy = make_strategy("ipb").value();
  ASSERT_TRUE(run_execution(*strategy, {{2, 2}, {}}));
  std::optional<Trace> again = run_execution(*strategy, {{2, 2, 2}, {}});  // one more thread: more alternatives
  ASSERT_TRUE(again);
  EXPECT_NE(strategy->mismatch().find("not deterministic"), std::string::npos) << strategy->mismatch();
}

}  // namespace
}  // namespace corosim::sim
