#pragma once
// `corosim explore --jobs N`: an exploration spread over N worker processes (../../shared/DESIGN.md, "Failure
// isolation and scale"). A run executes the user's code, which may corrupt memory and crash; in a worker process
// that crash is the failure of the execution it was running, not a crash of corosim.
//
// Work split: the exploration asked for (ExploreOptions, itself possibly one shard I/M of a larger run) is split
// again by index: worker j explores shard I + j*M of M*N, i.e. every N-th of this process's executions. Seeds stay
// execution_seed(first_seed, i), so no worker waits for another, and no execution runs twice.
//
// Deterministic outcome: each worker runs its indices in ascending order and stops before any index above the
// smallest failing index found so far (shared with the workers through a shared memory word); the parent kills a
// worker that is running an execution above it (its result cannot matter). So every index below the smallest
// failing index F has run, and the failure reported, F's, is the same whatever the processes' speeds (up to the
// wall-time budget, which no exploration is deterministic under).
//
// Protocol: a worker publishes, in shared memory, the index it is running and how many executions it finished;
// when it ends it writes one JSON message to its pipe (executions, exhausted, out_of_time, and the failure: index,
// seed, spec, status, message, steps, trace hash, end time, decisions) and exits 0. A worker that dies otherwise
// (a signal, an exit without a message) crashed while running the execution it had published.
//
// Test-only: when the environment variable COROSIM_TEST_CRASH_AT_EXECUTION=N is set, the worker that is about to
// run execution number N (1-based, as reports print it) kills itself with SIGSEGV instead. It exists so that tests
// can check the crash path without a scenario that crashes; it is read only by worker processes (--jobs), so a
// stray setting cannot crash an exploration inside the corosim process.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::cli {

struct WorkerFailure {
  std::uint64_t index = 0;             // 0-based execution index (unsharded numbering)
  std::uint64_t seed = 0;              // execution_seed(first_seed, index)
  sim::StrategySpec spec;              // the strategy after the run (PCT: with its k); for a crash: as asked
  std::optional<sim::RunResult> result;  // the failed run; none: the worker crashed while running it
  std::string crash;                   // for a crash: how the worker died ("killed by signal 11 (...)")
  std::uint64_t worker_shard_index = 0;  // the worker's own shard: rerunning it up to `index` with --jobs 1
  std::uint64_t worker_shard_count = 1;  // reproduces a crash (its PCT state included)
};

struct WorkersResult {
  std::uint64_t executions = 0;  // finished in all workers; with a failure: those up to it (the failing one included)
  bool exhausted = false;        // DFS (one worker) covered its space
  bool out_of_time = false;      // a worker stopped at the wall-time budget
  double wall_s = 0;
  std::optional<WorkerFailure> failure;  // the one with the smallest index
};

// Runs `options` (progress callback ignored) in `jobs` worker processes and waits for them. `progress` is called in
// this process every options.progress_interval_s with the executions finished over all workers.
// Error (one line): the system refused a process, pipe or mapping; a worker reported an exception from the
// scenario (the CLI's internal error); a worker sent a message that does not parse.
sim::Result<WorkersResult> explore_in_workers(const std::function<void()> &body, const sim::ExploreOptions &options,
                                              unsigned jobs,
                                              const std::function<void(const sim::ExploreProgress &)> &progress);

}  // namespace corosim::cli
