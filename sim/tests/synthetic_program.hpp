#pragma once
// A synthetic "program" to drive strategies without the runtime: sim threads with fixed numbers of steps, one
// scheduling point before every step, optionally a gate that keeps a thread disabled (blocked) for a while.
// run_execution plays the executor's part exactly as strategy.hpp asks: next_thread at every step, `running`
// only while the previous thread is still enabled.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <corosim/sim/strategy.hpp>

namespace corosim::sim::testing {

struct SyntheticProgram {
  std::vector<unsigned> steps;  // steps per thread; threads are 0, 1, ...
  // May thread t take its next step, given the steps each thread has done? Empty: always (when it has steps left).
  std::function<bool(ThreadId t, const std::vector<unsigned> &done)> gate;
};

// The threads in the order they ran one step each.
using Trace = std::vector<ThreadId>;

// Runs the steps of one execution of `program` under `strategy`, already begun (the caller begins and ends it).
inline Trace run_steps(Strategy &strategy, const SyntheticProgram &program) {
  std::vector<unsigned> done(program.steps.size(), 0);
  std::optional<ThreadId> last;
  Trace trace;
  std::vector<ThreadId> enabled;
  while (true) {
    enabled.clear();
    for (ThreadId t = 0; t < program.steps.size(); ++t)
      if (done[t] < program.steps[t] && (!program.gate || program.gate(t, done))) enabled.push_back(t);
    if (enabled.empty()) break;
    std::optional<ThreadId> running;
    if (last && std::binary_search(enabled.begin(), enabled.end(), *last)) running = last;
    const ThreadId chosen = strategy.next_thread(enabled, running);
    EXPECT_TRUE(std::binary_search(enabled.begin(), enabled.end(), chosen)) << "chose disabled thread " << chosen;
    ++done[chosen];
    trace.push_back(chosen);
    last = chosen;
  }
  return trace;
}

// Runs one execution of `program` under `strategy` with `seed`; every choice must be an enabled thread. Returns
// nullopt when the strategy has nothing left (begin_execution returned false).
inline std::optional<Trace> run_execution(Strategy &strategy, const SyntheticProgram &program,
                                          std::uint64_t seed = 0) {
  if (!strategy.begin_execution(seed)) return std::nullopt;
  Trace trace = run_steps(strategy, program);
  strategy.end_execution();
  return trace;
}

// The same, asking first for a number below `n` (a choice that is not a thread); returns it with the trace.
inline std::optional<std::pair<std::uint64_t, Trace>> run_execution_with_number(Strategy &strategy,
                                                                               const SyntheticProgram &program,
                                                                               std::uint64_t n) {
  if (!strategy.begin_execution(0)) return std::nullopt;
  const std::uint64_t number = strategy.next_number(n);
  Trace trace = run_steps(strategy, program);
  strategy.end_execution();
  return std::pair{number, std::move(trace)};
}

}  // namespace corosim::sim::testing
