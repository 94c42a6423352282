// The uniform random walk over interleavings (strategies/urw.cpp): reproducible from its decisions, only enabled
// threads, and interleavings sampled about uniformly once an execution has told it how long each thread runs.

#include <gtest/gtest.h>

#include <algorithm>

#include <corosim/sim/random.hpp>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

// Where thread 1's single step falls among thread 0's 20 steps (0..20), averaged over 400 executions of one
// strategy object. Over all interleavings uniformly it is 10 on average; a random walk picks thread 1 at the first
// step with probability 1/2 and by the third with 7/8.
double mean_position(const char *strategy_text) {
  const SyntheticProgram program{{20, 1}, {}};
  auto strategy = make_strategy(strategy_text).value();
  double sum = 0;
  const int runs = 400;
  for (int i = 0; i < runs; ++i) {
    const Trace trace = *run_execution(*strategy, program, execution_seed(3, static_cast<std::uint64_t>(i)));
    sum += static_cast<double>(std::find(trace.begin(), trace.end(), ThreadId{1}) - trace.begin());
  }
  return sum / runs;
}

TEST(Urw, SamplesInterleavingsAboutUniformly) {
  const double urw = mean_position("urw"), random = mean_position("random");
  EXPECT_GT(urw, 8.0) << "urw's mean position " << urw;
  EXPECT_LT(urw, 12.0) << "urw's mean position " << urw;
  EXPECT_LT(random, 2.0) << "random's mean position " << random;
}

TEST(Urw, IsDeterministicAndReplaysFromItsDecisions) {
  const SyntheticProgram program{{3, 5, 2}, {}};
  auto a = make_strategy("urw").value(), b = make_strategy("urw").value();
  for (std::uint64_t i = 0; i < 30; ++i) {
    const Trace trace = *run_execution(*a, program, execution_seed(9, i));
    EXPECT_EQ(*run_execution(*b, program, execution_seed(9, i)), trace);
    auto replay = make_strategy("replay", a->decisions()).value();
    EXPECT_EQ(*run_execution(*replay, program), trace);
  }
  EXPECT_EQ(a->spec().to_string(), "urw");
}

}  // namespace
}  // namespace corosim::sim
