#pragma once
// The exploration loop: many executions of one body under one strategy, until the first failure, the requested
// number of executions, the wall-time budget, or (DFS) the end of the search space. What `corosim explore` runs,
// and what the lock-checking API (check_lock) is built on.
//
//   ExploreOptions options;
//   options.strategy = "pct:d=3";
//   options.first_seed = 1;
//   options.schedules = 10'000;
//   Result<ExploreResult> r = explore(body, options);      // Error: a bad strategy string (one line)
//   if (r.value().failure) {
//     const ExploreFailure &f = *r.value().failure;
//     // f.result (status, message, steps, trace hash, decisions), f.seed, f.spec, f.index:
//     // make_strategy(f.spec.to_string()) + run_once(body, *it, f.seed) gives the same run again (random, PCT),
//     // and so does make_strategy("replay", f.result.decisions) for every strategy, DFS included.
//   }
//
// One strategy object serves the whole exploration (make_strategy(options.strategy)), so PCT's step estimate
// follows the runs before and DFS walks its space; execution i gets the seed execution_seed(first_seed, i)
// (random.hpp), the same derivation shards and workers use.
//
// Shards: with shard_count N > 1 only the executions i < schedules with i % N == shard_index run, in ascending
// order, each still with execution_seed(first_seed, i) and reported under its own index i: shards (processes,
// machines) need no coordination, and their union is the unsharded set of seeds. A shard's strategy object sees
// only its own executions, so PCT's step estimate (k) may differ from the unsharded run's; a failure's spec carries
// the k it used, so (spec, seed) still reproduces it. DFS cannot be sharded (each of its executions depends on
// the ones before): explore refuses it.
//
// Stop conditions, checked before each execution in this order:
//   the previous execution failed (status neither ok nor exhausted)   -> failure is set
//   the strategy is exhausted (DFS covered its space)                 -> exhausted = true
//   `schedules` executions have run (the shard's share of them)       -> neither
//   time_budget_s > 0 and that much wall time has passed              -> out_of_time = true
//   before_execution(i) returned false                                -> stopped = true
// At least one execution runs whenever the shard has one below `schedules`, however small the budget.
//
// Wall time is the host's steady clock: it decides only when to stop and when to report progress, never anything
// inside a run, so determinism is untouched (a run's result depends on its seed and strategy state alone).
//
// Not reentrant (run_once is not): one exploration at a time per process.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

// What the progress callback sees.
struct ExploreProgress {
  std::uint64_t executions;  // finished so far
  std::uint64_t failures;    // among them (the loop stops at the first, so 0 while it is still running)
  double elapsed_s;          // wall time since the exploration started
  double runs_per_s;         // executions / elapsed_s
};

struct ExploreOptions {
  std::string strategy = "pct";  // parse_strategy syntax: "random", "pct:d=3", "dfs:preemptions=2", ...
  std::uint64_t first_seed = 1;  // execution i runs with execution_seed(first_seed, i)
  std::uint64_t schedules = 10'000;  // executions to run at most
  double time_budget_s = 0;          // stop once this much wall time has passed; 0 = no limit
  RunOptions run_options;            // for every execution (step limit, stack size, trace recording)

  // Run only the executions i with i % shard_count == shard_index (above). Invariant: shard_index < shard_count.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;

  // Called before execution i (its 0-based index in the unsharded numbering) starts; returning false stops the
  // exploration there, without running it (ExploreResult::stopped). Worker processes use it to publish what they
  // run and to stop once another worker has found a failure at a smaller index. Empty: never stops.
  std::function<bool(std::uint64_t index)> before_execution;

  // Called after an execution when at least progress_interval_s of wall time has passed since the start or since
  // the previous call: never for an exploration shorter than that. Runs on the exploring thread, between runs.
  std::function<void(const ExploreProgress &)> progress;
  double progress_interval_s = 0.5;

  // The wall clock in seconds (any origin), for tests that need time to pass on demand. Empty: steady_clock.
  std::function<double()> wall_clock;
};

// The first failing execution of an exploration, with everything that reproduces it.
struct ExploreFailure {
  RunResult result;    // its status (not ok, not exhausted), message, steps, trace hash and decisions
  std::uint64_t seed;  // its execution seed: execution_seed(first_seed, index)
  StrategySpec spec;   // the strategy's spec() after the run: PCT's carries the step estimate k the run used
  std::uint64_t index;  // 0-based: the execution was number index + 1 of the exploration
};

struct ExploreResult {
  std::uint64_t executions = 0;  // executions that ran (a failing one included)
  bool exhausted = false;        // the strategy covered its whole space (DFS): "space exhausted after N executions"
  bool out_of_time = false;      // stopped by time_budget_s before `schedules` executions
  bool stopped = false;          // stopped by before_execution
  double wall_s = 0;             // wall time of the whole exploration
  std::optional<ExploreFailure> failure;  // set when an execution failed; the exploration stopped there
};

// The host's steady clock in seconds (any origin): what explorations measure wall time with (progress, time
// budgets, rates). Read only on the host, between runs, never inside a simulated run: a time budget changes how
// many executions an exploration runs, never what any of them does (execution i's seed is
// execution_seed(first_seed, i), whatever the clock says).
double wall_seconds();

// Runs the exploration described above. Error (one line): the strategy string does not parse (parse_strategy), the
// shard is malformed (shard_count 0, shard_index >= shard_count), or a DFS exploration is sharded.
// Exceptions thrown by `body` propagate (the caller decides: the CLI reports an internal error).
Result<ExploreResult> explore(const std::function<void()> &body, const ExploreOptions &options);

}  // namespace corosim::sim
