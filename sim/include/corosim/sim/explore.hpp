#pragma once
// The exploration loop: many executions of one body under one strategy, until the first failure, the requested
// number of executions, the wall-time budget, or (DFS) the end of the search space. What `corosim explore` runs,
// and what the lock-checking API (check_lock) is built on.
//
//   ExploreOptions options;
//   options.scenario = "my-lock";
//   options.strategy = "pct:d=3";
//   options.first_seed = 1;
//   options.schedules = 10'000;
//   Result<ExploreResult> r = explore(body, options);      // Error: a bad strategy string (one line)
//   if (r.value().failure) {
//     Failure &f = *r.value().failure;                      // failure.hpp: the one failure value
//     // f.result (status, message, steps, trace hash, decisions), f.seed, f.strategy, f.execution:
//     // make_strategy(f.strategy.to_string()) + run_once(body, *it, f.seed) gives the same run again (random,
//     // PCT), and so does make_strategy("replay", f.result.decisions) for every strategy, DFS included;
//     // f.save() writes its schedule, f.commands(launcher) says how to reproduce it.
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
// Worker processes (jobs > 0): the executions run in `jobs` forked processes, worker j taking every jobs-th one of
// the exploration's share (shard shard_index + j * shard_count of shard_count * jobs), in ascending order. A run
// executes the program under test, which may corrupt memory and crash: a worker that dies is reported as the
// failure (status crash, the signal in its message) of the execution it was running, never as a crash of the
// explorer. The failure reported is the one with the smallest execution index: workers stop before any index above
// the smallest failing one found so far, and the explorer kills those running one, so every smaller execution has
// run and the result is the same whatever the processes' speeds (for a given `jobs`; each worker's PCT estimate
// follows its own runs). DFS runs in one worker at most (jobs 1). The body must not depend on state made in this
// process after the fork (each worker has a copy of the process as it was).
//
// Not reentrant (run_once is not): one exploration at a time per process.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

// What the progress callback sees.
struct ExploreProgress {
  std::uint64_t executions;  // finished so far
  std::uint64_t failures;    // failing executions found so far (in this process the loop stops at the first; worker
                             // processes may each have found one while the others finish the smaller indices)
  double elapsed_s;          // wall time since the exploration started
  double runs_per_s;         // executions / elapsed_s
  std::uint64_t total = 0;   // the executions it will run at most (its share of `schedules`); 0: no limit
  double budget_s = 0;       // ExploreOptions::time_budget_s; 0: none

  // How far it has come, 0 to 1, by executions or by time, whichever is further; nullopt with neither limit.
  std::optional<double> fraction() const;
  // The wall time left at the present rate (or to the time budget, if that comes first); nullopt with no limit.
  std::optional<double> seconds_left() const;
};

struct ExploreOptions {
  std::string scenario = "unnamed";  // what is explored: the name a failure and its schedule file carry
  std::string strategy = "pct";  // parse_strategy syntax: "random", "pct:d=3", "dfs:preemptions=2", ...
  std::uint64_t first_seed = 1;  // execution i runs with execution_seed(first_seed, i)
  std::uint64_t schedules = 10'000;  // executions to run at most
  double time_budget_s = 0;          // stop once this much wall time has passed; 0 = no limit
  RunOptions run_options;            // for every execution (step limit, stack size, trace recording)

  // Run only the executions i with i % shard_count == shard_index (above). Invariant: shard_index < shard_count.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;

  // Worker processes (above): 0 runs everything in this process; 1 to kMaxJobs forked processes.
  unsigned jobs = 0;
  static constexpr unsigned kMaxJobs = 1024;

  // Called before execution i (its 0-based index in the unsharded numbering) starts; returning false stops the
  // exploration there, without running it (ExploreResult::stopped). Empty: never stops. With jobs > 0 it is not
  // called (worker processes use this hook themselves, to stop past a smaller failing index).
  std::function<bool(std::uint64_t index)> before_execution;

  // Called after an execution when at least progress_interval_s of wall time has passed since the start or since
  // the previous call: never for an exploration shorter than that. Runs on the exploring thread, between runs (with
  // jobs > 0: in this process, while the workers run).
  std::function<void(const ExploreProgress &)> progress;
  double progress_interval_s = 0.5;

  // Wall time one execution may take; 0: no limit. A run normally ends long before (the step bound stops a livelock);
  // what overruns this is code that never reaches a scheduling point (a loop on a plain variable, a std::mutex taken
  // twice). With jobs > 0 the explorer kills the worker running it, and the execution is the failure `timeout` of
  // the exploration (nothing recorded: its commands rerun the exploration up to it).
  double execution_timeout_s = 60;

  // Resident memory the process running the executions may reach, in MiB; 0: no limit. Past it the execution
  // running is the failure `out_of_memory` (nothing recorded): a worker process is killed by its explorer; in this
  // process the report goes through on_fatal and the process ends. Checked every 100 ms, so a burst can overshoot
  // the limit by what it allocates in that time.
  std::uint64_t max_rss_mb = 0;

  // In this process (jobs 0) some failures end the process: an execution that overruns the timeout or the memory
  // limit (it cannot be stopped), one that calls exit(), one killed by a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
  // SIGILL, SIGABRT). The failure (status timeout, out_of_memory or crash, nothing recorded) is handed to on_fatal
  // first, from the watchdog's thread, the exit handler or the signal handler (so: print, write files, no more), and
  // the process then ends with exit status 1. Empty: one line on stderr names the execution and its seed. Worker
  // processes isolate all of these.
  std::function<void(const Failure &)> on_fatal;

  // SIGINT and SIGTERM stop the exploration instead of the process (for a program that reports what ran): in this
  // process before the next execution, with worker processes at once (they are killed). ExploreResult::interrupted
  // then names the signal. A second signal ends the process as the default action would. Off: the signals' own
  // dispositions stand.
  bool stop_on_signals = false;

  // The wall clock in seconds (any origin), for tests that need time to pass on demand. Empty: steady_clock.
  std::function<double()> wall_clock;
};

struct ExploreResult {
  std::uint64_t executions = 0;  // executions that ran (a failing one included)
  bool exhausted = false;        // the strategy covered its whole space (DFS): "space exhausted after N executions"
  bool out_of_time = false;      // stopped by time_budget_s before `schedules` executions
  bool stopped = false;          // stopped by before_execution
  int interrupted = 0;           // the signal that stopped it (stop_on_signals); 0: none
  double wall_s = 0;             // wall time of the whole exploration
  // Set when an execution failed (the exploration stopped there): with its scenario, run options, strategy after
  // the run, seed, execution index and exploration origin filled in; not saved yet.
  std::optional<Failure> failure;
};

// The host's steady clock in seconds (any origin): what explorations measure wall time with (progress, time
// budgets, rates). Read only on the host, between runs, never inside a simulated run: a time budget changes how
// many executions an exploration runs, never what any of them does (execution i's seed is
// execution_seed(first_seed, i), whatever the clock says).
double wall_seconds();

// How many of the executions 0 .. schedules-1 belong to the options' shard; and how many of them come up to and
// including execution `index` (one of the shard's): the count an exploration that failed there reports.
std::uint64_t share_executions(const ExploreOptions &options);
std::uint64_t share_executions_through(const ExploreOptions &options, std::uint64_t index);

// How many worker processes an exploration with these options forks: none when jobs is 0; else jobs, but no more
// than the executions of its share (a worker beyond them would have nothing to run; the result is the same, since
// each worker then runs one execution, the first of its strategy object, either way) and at least one.
unsigned worker_processes(const ExploreOptions &options);

// Runs the exploration described above. Error (one line): the strategy string does not parse (parse_strategy), the
// shard is malformed (shard_count 0, shard_index >= shard_count), a DFS exploration is sharded or given more than one
// worker, jobs is above kMaxJobs, the system refused a worker process, or a worker reported an exception.
// Exceptions thrown by `body` in this process propagate (the caller decides: the CLI reports an internal error).
Result<ExploreResult> explore(const std::function<void()> &body, const ExploreOptions &options);

}  // namespace corosim::sim
