// `corosim`: the command line of the simulator (../../shared/API.md, "The `corosim` command"). Parses the
// arguments with CLI11 and hands them to commands.cpp; this file owns only the exit statuses of parsing (help: 0,
// bad usage: 2 with one line) and the last line of defence (an escaped exception: 3).

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace {

using namespace corosim::cli;

// The part of `corosim --help` that CLI11 does not generate: every command with its options, and the exit
// statuses. Keep in step with README.md ("The corosim command").
constexpr const char *kFooter = R"(
Commands (corosim COMMAND --help for details):
  corosim list
      the built-in scenarios: name, expected outcome (pass, or bug: the failure kind it must produce),
      description
  corosim run SCENARIO --seed N [--strategy S] [--trace] [--save-schedule FILE] [STEP LIMIT]
      one execution with execution seed N (default --strategy pct); --trace prints it step by step
  corosim explore SCENARIO [--strategy S] [--seed N] [--schedules N] [--time SECONDS]
                           [--shard I/N] [--jobs N] [--json FILE] [--junit FILE] [--html FILE]
                           [--save-schedule FILE] [--progress | --no-progress] [STEP LIMIT]
      execution i = 0, 1, ... runs with a seed derived from (N, i), all on one strategy object, until
      the first failure, --schedules executions (default 10000), --time seconds of wall time, or (dfs)
      the end of the search space; defaults: --strategy pct --seed 1. A progress line goes to stderr
      when it is a terminal (--progress: also when it is not, every 5 s; --no-progress: never)
      --shard I/N   run only the executions i with i % N == I (0 <= I < N) of the --schedules asked
                    for, with the same seeds: shards on other machines need no coordination. Without
                    --shard, GoogleTest's GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS are used when both
                    are set. Not for dfs (exit 2)
      --jobs N      run in N worker processes (1 to 1024), each every N-th execution; a worker that
                    crashes is reported as the failure (status crash) of the execution it was running.
                    The failure reported is the one with the smallest execution index. dfs: --jobs 1
                    only (one worker); more is refused (exit 2)
      --json FILE   a summary for machines: scenario, strategy, seeds, executions, the failure and the
                    command that reproduces it
      --junit FILE  JUnit XML: one testsuite (the scenario), one testcase "explore SCENARIO", with a
                    <failure> when one was found (a seeded bug found is a failure there too)
      --html FILE   the failing run's timeline (one column per sim thread), or a page saying that no
                    execution failed
  corosim replay SCHEDULE_FILE [--trace text|json|html] [-o FILE]
      runs a saved schedule again, step for step, and checks its trace hash; a schedule that does
      not fit the scenario (or whose trace hash differs) is refused with exit status 2. --trace
      prints the run step by step: text, json (the steps and the run's metadata) or html (a
      self-contained timeline); -o FILE writes it to FILE instead of stdout (without --trace: text).
      A json or html trace on stdout is the only thing there: the other lines go to stderr

STEP LIMIT: [--max-steps N] [--on-step-limit fail|continue]: each execution's step bound (default: the
scenario's); at the bound it fails with "step limit" (fail, the default: a livelock or a run far too
long) or stops there and counts as passed (continue: a deliberately bounded exploration)

Strategies (S): random | pct[:d=N][,k=N] (default pct, d=3) | dfs[:preemptions=N] (default 2)
Seeds (N): decimal, 0x + up to 16 hex digits, or a 40-digit git commit id

On a failure, run and explore save the run's schedule to corosim-SCENARIO-SEED.schedule.json in the
current directory (or --save-schedule FILE) and print a report whose last line is the command that
reproduces it: `corosim replay FILE`, preceded for random and pct by the equivalent `corosim run` line.

Exit status:
  0  no failure found
  1  a failure was found (run, replay: the execution failed; explore --jobs: a crashed worker too,
     status crash); the report ends with its reproduction
  2  bad usage or bad input (unknown scenario, bad seed or strategy, unreadable, corrupted or
     mismatched schedule file); one line "corosim: <reason>" on stderr
  3  internal error
)";

void add_step_limit_options(CLI::App *cmd, StepLimit &limit) {
  cmd->add_option("--max-steps", limit.max_steps, "Step bound of each execution (default: the scenario's)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  cmd->add_option_function<std::string>(
         "--on-step-limit", [&limit](const std::string &v) { limit.continue_at_limit = v == "continue"; },
         "At the step bound: fail (default) or continue (stop the execution there; it passes)")
      ->check(CLI::IsMember({"fail", "continue"}));
}

int parse_and_run(int argc, char **argv) {
  CLI::App app{"corosim: explore the interleavings of coroutine scenarios in a deterministic simulator", "corosim"};
  app.require_subcommand(1, 1);
  app.footer(kFooter);
  app.set_version_flag("--version", "corosim 0.1.0");

  CLI::App *list = app.add_subcommand("list", "List the built-in scenarios");

  RunArgs run;
  CLI::App *run_cmd = app.add_subcommand("run", "Run one execution of a scenario");
  run_cmd->add_option("SCENARIO", run.scenario, "Scenario name (corosim list)")->required();
  run_cmd->add_option("--seed", run.seed, "Execution seed: decimal, 0x-hex or a 40-digit commit id")->required();
  run_cmd->add_option("--strategy", run.strategy, "random | pct[:d=N][,k=N] | dfs[:preemptions=N]")
      ->capture_default_str();
  run_cmd->add_flag("--trace", run.trace, "Print the run's trace, one line per step");
  run_cmd->add_option("--save-schedule", run.save_schedule,
                      "Where to save a failing run's schedule (default: corosim-SCENARIO-SEED.schedule.json)");
  add_step_limit_options(run_cmd, run.limit);

  ExploreArgs explore;
  bool progress = false, no_progress = false;
  CLI::App *explore_cmd = app.add_subcommand("explore", "Explore many executions until the first failure");
  explore_cmd->add_option("SCENARIO", explore.scenario, "Scenario name (corosim list)")->required();
  explore_cmd->add_option("--strategy", explore.strategy, "random | pct[:d=N][,k=N] | dfs[:preemptions=N]")
      ->capture_default_str();
  explore_cmd->add_option("--seed", explore.seed, "First seed; execution i runs with execution_seed(seed, i)")
      ->capture_default_str();
  explore_cmd->add_option("--schedules", explore.schedules, "Executions to run at most")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  explore_cmd->add_option("--time", explore.time_s, "Wall-time budget in seconds (0: none)")
      ->check(CLI::NonNegativeNumber);
  explore_cmd->add_option("--shard", explore.shard,
                          "Run only the executions i % N == I (0-based I/N); default: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");
  explore_cmd->add_option("--jobs", explore.jobs, "Worker processes (crash isolation; each runs every N-th execution)")
      ->check(CLI::Range(1u, 1024u));
  explore_cmd->add_option("--json", explore.json_file, "Write a JSON summary of the exploration to FILE");
  explore_cmd->add_option("--junit", explore.junit_file, "Write a JUnit XML report of the exploration to FILE");
  explore_cmd->add_option("--html", explore.html_file, "Write the failing run's HTML timeline (or a no-failure page) to FILE");
  explore_cmd->add_option("--save-schedule", explore.save_schedule,
                          "Where to save the failing run's schedule (default: corosim-SCENARIO-SEED.schedule.json)");
  add_step_limit_options(explore_cmd, explore.limit);
  auto *progress_opt =
      explore_cmd->add_flag("--progress", progress, "Progress on stderr even when it is not a terminal (every 5 s)");
  explore_cmd->add_flag("--no-progress", no_progress, "No progress line (default: on when stderr is a terminal)")
      ->excludes(progress_opt);

  ReplayArgs replay;
  CLI::App *replay_cmd = app.add_subcommand("replay", "Replay a saved schedule and check its trace hash");
  replay_cmd->add_option("SCHEDULE_FILE", replay.schedule_file, "A schedule file written by run or explore")
      ->required();
  replay_cmd->add_option("--trace", replay.trace, "Print the replayed run's trace in this format: text | json | html")
      ->check(CLI::IsMember({"text", "json", "html"}));
  replay_cmd->add_option("-o,--output", replay.output,
                         "Write the trace to FILE instead of stdout (without --trace: text)");

  // CLI11 would call an unknown command a missing one ("A subcommand is required"); name it instead.
  const std::vector<const CLI::App *> commands = {list, run_cmd, explore_cmd, replay_cmd};
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(), [&](const CLI::App *c) { return c->get_name() == argv[1]; })) {
    std::fprintf(stderr, "corosim: unknown command '%s' (commands: list, run, explore, replay; see corosim --help)\n",
                 argv[1]);
    return kBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // One line, whatever CLI11 would say, and the usage exit status of API.md.
    std::string reason = e.what();
    for (char &c : reason)
      if (c == '\n') c = ' ';
    if (reason.empty()) reason = "bad usage";
    std::fprintf(stderr, "corosim: %s (see corosim --help)\n", reason.c_str());
    return kBadInput;
  }

  set_program_name(argv[0]);
  if (*list) return list_command();
  if (*run_cmd) return run_command(run);
  if (*explore_cmd) {
    explore.progress = progress ? Progress::always : no_progress ? Progress::never : Progress::automatic;
    return explore_command(explore);
  }
  if (*replay_cmd) return replay_command(replay);
  return kBadInput;  // unreachable: require_subcommand(1, 1)
}

}  // namespace

int main(int argc, char **argv) {
  try {
    return parse_and_run(argc, argv);
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "corosim: internal error: %s\n", e.what());
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "corosim: internal error: unknown exception\n");
  }
  return kInternalError;
}
