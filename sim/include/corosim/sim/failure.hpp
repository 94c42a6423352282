#pragma once
// A failure: ONE value for a failed execution, whoever found it (an exploration in this process or in worker
// processes, a single run, a replay, the GoogleTest integration) and whoever reports it (the `corosim` command,
// the GoogleTest failure, JSON and JUnit files). It holds what ran, how it ended, and what follows from it: its
// schedule file and the commands that reproduce it. This file is the only place that turns a failure into a replay
// instruction; everything else hands it the Failure.
//
//   Result<ExploreResult> r = explore(body, options);
//   if (r.value().failure) {
//     Failure &f = *r.value().failure;
//     f.save();                                               // corosim-<scenario>-<seed>.schedule.json
//     for (const std::string &line : f.commands(Launcher::cli("corosim"))) ...   // best last
//   }
//
// Reproduction commands, for the program as the user launched it (Launcher):
//
//   launcher  failure                      commands (the last one is the report's last line)
//   --------  ---------------------------  ------------------------------------------------------------------
//   cli       random, pct, or a single run PROGRAM run SCENARIO --strategy SPEC --seed SEED [run options]
//                                          PROGRAM replay SCHEDULE_FILE                       (when saved)
//   cli       dfs, in an exploration       PROGRAM replay SCHEDULE_FILE, or without a file the exploration
//                                          again up to it: PROGRAM explore SCENARIO ... --schedules N
//   cli       a crashed worker process     PROGRAM run ... (random only: PCT's step estimate died with it)
//                                          PROGRAM explore SCENARIO ... --schedules N [--shard J/M] --jobs 1
//   gtest     any                          COROSIM_SEED=FIRST COROSIM_SCHEDULES=N PROGRAM --gtest_filter=TEST
//                                          COROSIM_REPLAY=SCHEDULE_FILE PROGRAM --gtest_filter=TEST  (when saved)
//
// SPEC carries PCT's step estimate k, without which the seed alone would not reproduce the run. Run options are
// written only where they differ from the defaults (--max-steps N, --on-step-limit continue).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

// How a person starts the failing program again.
struct Launcher {
  enum class Kind {
    cli,    // the `corosim` command, or a user's program built on corosim::main (the same subcommands)
    gtest,  // a GoogleTest binary (corosim/gtest.hpp): environment variables and --gtest_filter
  };
  Kind kind = Kind::cli;
  std::string program = "corosim";  // argv[0] as invoked (quoted for the shell when printed)
  std::string test;                 // gtest: the full test name, Suite.Name

  static Launcher cli(std::string program) { return {Kind::cli, std::move(program), {}}; }
  static Launcher gtest(std::string program, std::string test) {
    return {Kind::gtest, std::move(program), std::move(test)};
  }
};

// The exploration an execution belongs to: enough to run it again from the start up to that execution.
struct ExplorationOrigin {
  StrategySpec strategy;         // as asked for (before any run: PCT without k)
  std::uint64_t first_seed = 1;  // execution i ran with execution_seed(first_seed, i)
  // The share of the executions that ran in the process that ran this one (a worker's shard, or the exploration's
  // own --shard): running that share again up to the execution repeats the strategy state it ran with.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  double execution_timeout_s = 60;  // ExploreOptions::execution_timeout_s: a timeout's rerun needs the same limit
  std::uint64_t max_rss_mb = 0;     // ExploreOptions::max_rss_mb: likewise for out_of_memory
};

// The size of a failing schedule, as shrinking (shrink.hpp) measures it: preemptions (steps where the thread that
// ran the step before could go on and another was chosen), recorded decisions, and scheduling steps.
struct ScheduleSize {
  std::uint64_t preemptions = 0;
  std::uint64_t decisions = 0;
  std::uint64_t steps = 0;
  friend bool operator==(const ScheduleSize &, const ScheduleSize &) = default;
};

// A failure's run was shrunk: its size as found and as it is now.
struct Shrinking {
  ScheduleSize before;
  ScheduleSize after;
  std::uint64_t runs = 0;    // candidate schedules tried
  bool out_of_time = false;  // the time budget ended it (a smaller schedule may exist)
};

struct Failure {
  // --- what ran ---
  std::string scenario;               // the scenario's name (the GoogleTest integration: the test's full name)
  RunOptions run_options;             // the options it ran with (its step bound)
  StrategySpec strategy;              // after the run: PCT's spec carries the step estimate k the run used
  std::uint64_t seed = 0;             // the execution's seed
  std::optional<std::uint64_t> execution;     // 0-based index in its exploration; none: a single run or replay
  std::optional<ExplorationOrigin> exploration;  // set with `execution`
  bool single_run = false;  // the first execution of a fresh strategy (`corosim run`): strategy + seed reproduce it

  // --- how it ended ---
  RunResult result;  // status neither ok nor exhausted; crash: the message says how the process died, and
                     // nothing was recorded (no steps, no decisions)

  // Set when the run was shrunk (shrink_failure, shrink.hpp): `result` is then the shrunk run, reproduced by its
  // schedule (whose strategy is "replay"); `strategy` and `seed` still reproduce the run as it was found.
  std::optional<Shrinking> shrunk;

  // --- what follows ---
  std::string schedule_file;  // where save() wrote the schedule; empty: not saved

  const char *kind() const noexcept { return run_status_name(result.status); }
  // The process running it died (crash) or was stopped for running too long (timeout): nothing was recorded (no
  // steps, no decisions, no schedule); its commands rerun the exploration up to it instead.
  bool unrecorded() const noexcept {
    return result.status == RunStatus::crash || result.status == RunStatus::timeout ||
           result.status == RunStatus::out_of_memory;
  }

  // The replay artifact of the run: scenario, strategy, seed, trace hash, step bound, decisions.
  // Precondition: !unrecorded() (a crash recorded nothing).
  Schedule schedule() const;

  // corosim-<scenario>-<seed>.schedule.json, with characters other than letters, digits and "-_." replaced by '_'.
  std::string default_schedule_file() const;

  // Writes schedule() to `path` (default_schedule_file() when empty) and remembers it in schedule_file. Error: one
  // line (cannot write). A crash has no schedule: Error.
  Result<Done> save(std::filesystem::path path = {});

  // The commands that reproduce the failure for `launcher` (the table above), best last; never empty.
  std::vector<std::string> commands(const Launcher &launcher) const;
};

// The failure as one JSON object, and back: how a worker process hands its failure to the exploring process (a
// worker never shrinks: `shrunk` does not travel). The run's schedule travels in the schedule file format
// (schedule.hpp). failure_from_json: Error (one line) on text
// that is not such an object.
std::string to_json(const Failure &failure);
Result<Failure> failure_from_json(std::string_view text);

// Quotes `word` for a POSIX shell when it needs it (spaces, quotes, $, ...): printed commands can be pasted.
std::string shell_quote(std::string_view word);

}  // namespace corosim::sim
