#pragma once
// The executor: runs one simulated execution of a scenario body on the sim platform (corosim::runtime_sim),
// asking a Strategy (strategy.hpp) which enabled sim thread runs at every scheduling point.
//
//   auto strategy = make_strategy("pct").value();
//   RunResult r = run_once([] { ... scenario: IOThreads, coroutines, joins ... }, *strategy, seed);
//   // r.status, r.message, r.steps, r.trace_hash, r.decisions
//
// Sim threads are fibers on the calling OS thread (boost.context fcontext, each with its own stack). The body runs
// as sim thread 0 (the main thread); every Platform::Thread it starts (an IOThread, a thread-pool worker) is
// another sim thread, numbered in creation order. A scheduling point switches from whatever stack is running
// (a coroutine's, inside its sim thread) to the scheduler, which asks the strategy and resumes the chosen thread
// where it stopped; the per-sim-thread storage (Platform::ThreadLocal) is switched with it.
//
// A run ends ok when every sim thread has finished. It fails with:
//   failure     sim::fail / sim::check in the scenario (a property violation)
//   misuse      the runtime reported misuse (its message); the process does not abort
//   deadlock    no sim thread is enabled, none waits with a deadline, and some have not finished
//   step_limit  more than RunOptions::max_steps scheduling steps
//   mismatch    the strategy says the run does not follow its script (replay, DFS): Strategy::mismatch()
// A failed run is abandoned where it stands: the blocked sim threads' stacks are released, but what their frames
// own (coroutines and their stacks, heap objects of the scenario) leaks. Tear-down without leaks is a later step.
//
// Determinism: the trace hash covers (sim thread, operation, object id) of every step, plus virtual clock jumps;
// object ids are assigned per run in order of first use (never addresses).
//
// Not reentrant: one run at a time per process. The sim build runs with the coroutine pool off by default (a
// pool carried from one run into the next would change the next run's steps).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <corosim/sim/decision.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

struct RunOptions {
  uint64_t max_steps = 1'000'000;
  std::size_t stack_bytes = 256 * 1024;  // each sim thread's own stack (coroutines have theirs)
};

enum class RunStatus { ok, failure, misuse, deadlock, step_limit, mismatch, exhausted };
const char *run_status_name(RunStatus status) noexcept;

struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string message;  // empty when ok
  uint64_t steps = 0;
  uint64_t trace_hash = 0;
  std::vector<Decision> decisions;
  bool ok() const noexcept { return status == RunStatus::ok; }
};

// Runs main_body as sim thread 0 of one execution: strategy.begin_execution(seed) ... end_execution().
// status exhausted: the strategy had nothing left to run (DFS), and nothing ran.
RunResult run_once(std::function<void()> main_body, Strategy &strategy, uint64_t seed, RunOptions options = {});

// In a scenario: fails the run with `message` (status failure). Does not return. Outside a run: aborts.
[[noreturn]] void fail(const std::string &message);
inline void check(bool condition, const char *message) {
  if (!condition) fail(message);
}

// The running sim thread's number (0 = main), and the virtual clock; for scenarios and reports.
uint32_t current_sim_thread();

}  // namespace corosim::sim
