// Partial order sampling (strategies/pos.cpp): reproducible from its seed, only enabled threads, and priorities
// redrawn only where steps conflict, so that threads touching different objects keep their order.

#include <gtest/gtest.h>

#include <set>

#include "synthetic_program.hpp"

namespace corosim::sim {
namespace {

using testing::run_execution;
using testing::SyntheticProgram;
using testing::Trace;

// Runs one execution of threads that each take `steps` steps, thread t's steps all on object `object(t)` (writes),
// giving POS the pending steps as the executor does. Returns the threads in the order they ran.
Trace run_with_objects(Strategy &strategy, unsigned threads, unsigned steps, std::uint64_t seed,
                       std::uint64_t (*object)(ThreadId)) {
  EXPECT_TRUE(strategy.begin_execution(seed));
  std::vector<unsigned> done(threads, 0);
  std::optional<ThreadId> last;
  Trace trace;
  while (true) {
    std::vector<ThreadId> enabled;
    std::vector<PendingStep> pending;
    for (ThreadId t = 0; t < threads; ++t)
      if (done[t] < steps) {
        enabled.push_back(t);
        pending.push_back({object(t), true});
      }
    if (enabled.empty()) break;
    std::optional<ThreadId> running = last && done[*last] < steps ? last : std::nullopt;
    last = strategy.next_thread(enabled, running, pending);
    ++done[*last];
    trace.push_back(*last);
  }
  strategy.end_execution();
  return trace;
}

std::uint64_t same_object(ThreadId) { return 1; }
std::uint64_t own_object(ThreadId t) { return 10 + t; }

// The number of times the running thread changes in a trace.
std::size_t switches(const Trace &trace) {
  std::size_t n = 0;
  for (std::size_t i = 1; i < trace.size(); ++i) n += trace[i] != trace[i - 1];
  return n;
}

TEST(Pos, AnExecutionIsReproducedFromItsSeed) {
  auto a = make_strategy("pos").value(), b = make_strategy("pos").value();
  for (std::uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_EQ(run_with_objects(*a, 3, 4, seed, same_object), run_with_objects(*b, 3, 4, seed, same_object));
  EXPECT_EQ(a->spec().to_string(), "pos");
  EXPECT_TRUE(a->wants_pending_steps());
}

TEST(Pos, ReachesEveryOrderOfConflictingSteps) {
  auto strategy = make_strategy("pos").value();
  std::set<Trace> seen;
  for (std::uint64_t seed = 0; seed < 400; ++seed) seen.insert(*run_execution(*strategy, {{2, 2}, {}}, seed));
  EXPECT_EQ(seen.size(), 6u);  // C(4, 2): without pending steps every pair conflicts
}

// When every step touches one object, every priority is redrawn at every step (a random walk: about half the
// steps switch threads). When each thread has its own object, only the thread that ran draws again, so the one
// that waits keeps the lower priority it lost with and the runner tends to go on: far fewer switches.
TEST(Pos, RedrawsOnlyConflictingSteps) {
  auto strategy = make_strategy("pos").value();
  std::size_t conflicting = 0, independent = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    conflicting += switches(run_with_objects(*strategy, 2, 10, seed, same_object));
    independent += switches(run_with_objects(*strategy, 2, 10, seed, own_object));
  }
  EXPECT_GT(conflicting, 2 * independent) << conflicting << " switches against " << independent;
}

}  // namespace
}  // namespace corosim::sim
