#pragma once
// What the machine-readable renderers take (json.hpp, junit.hpp, html.hpp): the outcome of one exploration, and
// one run with its trace. Plain values filled in by the caller (the CLI); the renderers interpret nothing, they
// report facts: a seeded-bug scenario whose bug was found is a failure like any other.

#include <cstdint>
#include <string>

#include <corosim/reports/text.hpp>
#include <corosim/sim/executor.hpp>

namespace corosim::reports {

// One exploration (`corosim explore`), as it ended.
struct ExploreSummary {
  std::string scenario;
  std::string expected;          // the scenario's expected outcome as `corosim list` prints it: "pass", "bug: deadlock"
  std::string strategy;          // the strategy asked for ("pct:d=3")
  uint64_t first_seed = 0;       // execution i ran with execution_seed(first_seed, i)
  uint64_t schedules = 0;        // executions asked for, over all shards
  uint64_t shard_index = 0;      // this exploration ran the executions i % shard_count == shard_index
  uint64_t shard_count = 1;      // 1: not sharded
  unsigned jobs = 0;             // worker processes; 0: ran inside the corosim process
  uint64_t executions = 0;       // that ran (the failing one included)
  bool exhausted = false;        // DFS covered its space
  bool out_of_time = false;      // the wall-time budget ended it
  int interrupted = 0;           // the signal (SIGINT, SIGTERM) that stopped it; 0: none
  double wall_s = 0;             // host wall time of the exploration (the one value that differs between runs)
  const FailureReport *failure = nullptr;  // the failure found (smallest execution index), or null
};

// One run and where it came from (`corosim replay --trace json|html`, and the failing run of `explore --html`).
struct RunTrace {
  std::string scenario;
  std::string strategy;                   // spec string that produced it, as recorded
  uint64_t seed = 0;
  std::string schedule_file;              // the schedule it was replayed from; empty: none
  std::string reproduce;                  // the command that runs it again; empty: none
  const sim::RunResult *result = nullptr;  // required; its trace is what is rendered (empty without record_trace)
};

}  // namespace corosim::reports
