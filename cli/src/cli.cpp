// corosim::cli::main (corosim/cli.hpp): parses the arguments with CLI11 and hands them to the commands
// (commands.hpp). This file owns only the exit statuses of parsing (help: 0, bad usage: 2 with one line), the check
// of the program's scenario registry, and the last line of defence (an escaped exception: 3).
//
// Help: `PROGRAM --help` lists the commands and the exit statuses; `PROGRAM COMMAND --help` gives that command's
// options and, in its footer, what they mean. Keep them in step with docs/cli.md.

#include <corosim/cli.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <corosim/sim/explore.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/schedule.hpp>

#include "commands.hpp"

namespace corosim::cli {
namespace {

constexpr const char *kFooter = R"(
Commands (PROGRAM COMMAND --help for each one's options):
  list       the scenarios: name, expected outcome (pass, or bug: the failure kind it must produce), description
  run        one execution of a scenario, from an execution seed
  explore    many executions until the first failure, a number of executions, a time budget, or (dfs) the end
             of the search space
  replay     a saved schedule again, step for step, checking its trace hash; prints its trace on request
  shrink     a saved failing schedule made smaller (fewer preemptions, decisions and steps), failing the same way
  ci         the regression gate: the corpus replayed, then runs judged against each scenario's expected outcome

On a failure, run and explore save the run's schedule to corosim-SCENARIO-SEED.schedule.json in the current
directory (or --save-schedule FILE) and print a report whose last line is the command that reproduces it.

Exit status:
  0  no failure found
  1  a failure was found (run, replay: the execution failed); the report ends with its reproduction
  2  bad usage or bad input (unknown scenario, bad seed or strategy, unreadable, corrupted or mismatched
     schedule file, a scenario registered twice); one line "corosim: <reason>" on stderr
  3  internal error
)";

constexpr double kMaxTimeSeconds = 1e9;  // about 31 years: anything longer is a typo

constexpr const char *kStrategies =
    "random | pct[:d=N][,k=N] | pos | urw | dfs[:preemptions=N] | ipb[:preemptions=N] | idb[:delays=N]";

constexpr const char *kRunFooter = R"(
The execution runs with execution seed N under strategy S (default pct); the report of a failing one ends with the
command that reproduces it. Seeds: decimal, 0x + up to 16 hex digits, or a 40-digit git commit id.
Strategies: random (uniform choice at every step), pct[:d=N][,k=N] (PCT with bug depth d, default 3, over k
estimated steps), pos (partial order sampling: priorities redrawn only where steps conflict), urw (uniform over
interleavings: threads weighed by the steps they have left), dfs[:preemptions=N]
(exhaustive search with at most N preemptions, default 2), ipb[:preemptions=N] and idb[:delays=N] (every schedule
with 0, then exactly 1, 2, ... preemptions, or delays from round robin, up to N; a failure names its bound).
Step bound: --max-steps N (default 1000000); at the bound the execution fails with step_limit (a livelock or a run
far too long), or with --on-step-limit continue stops there and counts as passed.
Granularity: full (default) makes every operation of the runtime a scheduling point, its own atomics and locks too;
api only the user's atomics, locks, threads and schedule points, each coroutine lock or queue operation, blocking
waits, notifiers and polls: far fewer steps, but bugs inside the runtime's protocols out of reach.
)";

constexpr const char *kExploreFooter = R"(
Execution i = 0, 1, ... runs with a seed derived from (--seed, i), all on one strategy object, until the first
failure, --schedules executions (default 10000; with --time and no --schedules: until the time is used), --time
seconds of wall time, or (dfs, ipb, idb) the end of the search space. Progress: on stderr (a terminal: every 0.5 s).
  --shard I/N   only the executions i with i % N == I (0 <= I < N), with the same seeds (not for dfs, ipb, idb).
                Without it: COROSIM_SHARD=I/N, or the shard variables of GoogleTest, Slurm arrays, Kubernetes
                indexed Jobs (with --shard-count N), GitLab, CircleCI or Buildkite (docs/ci.md lists them)
  --jobs N      N worker processes (default 1), each every N-th execution; a worker that dies is the failure
                (crash) of the execution it ran; the smallest failing execution is reported. dfs, ipb, idb: 1.
                --jobs 0: in this process (a crash, exit() or timeout then ends it, after the report)
  --execution-timeout S   an execution still running after S seconds (default 60) is the failure timeout (its
                worker killed); --max-rss-mb M: likewise past M MiB (out_of_memory; 4096 with workers)
  --json FILE   a summary for machines; --junit FILE: JUnit XML; --html FILE: the failing run's timeline (or a
                page saying none failed); all created before the exploration starts
  --shrink      the failure is shrunk before it is reported (PROGRAM shrink --help). The rest: as for run.
)";

constexpr const char *kReplayFooter = R"(
A schedule that does not fit the scenario (or whose trace hash differs) is refused with exit status 2. --trace
prints the run step by step, with the values its atomics read and wrote, the user's source lines, the calls of
the user's, who woke whom and the failing step: text, json (the events and the run's metadata), html (a
self-contained timeline; the runtime's own steps folded behind a toggle) or perfetto (the Trace Event format, for
ui.perfetto.dev and chrome://tracing); -o FILE writes it to FILE instead of stdout (without --trace: text). A
json, html or perfetto trace on stdout is the only thing there: the other lines go to stderr.
)";

// A whole-number option read strictly (sim/parse.hpp: digits only, within [min, max]), where CLI11's own
// conversion would wrap "-1" to 2^64-1 or clamp an overflow.
CLI::Option *add_count(CLI::App *cmd, const std::string &name, std::function<void(uint64_t)> set, uint64_t min,
                       uint64_t max, const std::string &help) {
  return cmd->add_option_function<std::string>(
      name,
      [name, set = std::move(set), min, max](const std::string &text) {
        auto n = sim::parse_decimal(text, min, max);
        if (!n) throw CLI::ValidationError(name, n.error());
        set(n.value());
      },
      help);
}

// A number of seconds, read strictly (sim/parse.hpp: digits and a fraction, at most kMaxTimeSeconds).
CLI::Option *add_seconds(CLI::App *cmd, const std::string &name, double &target, const std::string &help) {
  return cmd->add_option_function<std::string>(
      name,
      [name, &target](const std::string &text) {
        auto seconds = sim::parse_seconds(text, kMaxTimeSeconds);
        if (!seconds) throw CLI::ValidationError(name, seconds.error());
        target = seconds.value();
      },
      help);
}

void add_run_limit_options(CLI::App *cmd, RunLimits &limit) {
  add_count(cmd, "--max-steps", [&limit](uint64_t n) { limit.max_steps = n; }, 1, UINT64_MAX,
            "Step bound of each execution (default 1000000)");
  cmd->add_option_function<std::string>(
         "--on-step-limit", [&limit](const std::string &v) { limit.continue_at_limit = v == "continue"; },
         "At the step bound: fail (default) or continue (stop the execution there; it passes)")
      ->check(CLI::IsMember({"fail", "continue"}));
  add_count(cmd, "--stack-kib", [&limit](uint64_t n) { limit.stack_kib = n; }, sim::kMinStackBytes / 1024,
            sim::kMaxStackBytes / 1024, "Each sim thread's stack, in KiB (default 256; an overflow: stack_overflow)");
  cmd->add_option_function<std::string>(
      "--granularity",
      [&limit](const std::string &v) {
        limit.granularity = sim::parse_granularity(v);
        if (!limit.granularity) throw CLI::ValidationError("--granularity", "'" + v + "' is neither full nor api");
      },
      "Scheduling points: full (default; the runtime's own too) or api (the API's operations only)");
}

CLI::App *add_run(CLI::App &app, RunArgs &run) {
  CLI::App *cmd = app.add_subcommand("run", "Run one execution of a scenario");
  cmd->footer(kRunFooter);
  cmd->add_option("SCENARIO", run.scenario, "Scenario name (list)")->required();
  cmd->add_option("--seed", run.seed, "Execution seed: decimal, 0x-hex or a 40-digit commit id")->required();
  cmd->add_option("--strategy", run.strategy, kStrategies)->capture_default_str();
  cmd->add_flag("--trace", run.trace, "Print the run's trace, one line per step");
  cmd->add_option("--save-schedule", run.save_schedule,
                  "Where to save a failing run's schedule (default: corosim-SCENARIO-SEED.schedule.json)");
  add_run_limit_options(cmd, run.limit);
  return cmd;
}

CLI::App *add_explore(CLI::App &app, ExploreArgs &explore, bool &progress, bool &no_progress) {
  CLI::App *cmd = app.add_subcommand("explore", "Explore many executions until the first failure");
  cmd->footer(kExploreFooter);
  cmd->add_option("SCENARIO", explore.scenario, "Scenario name (list)")->required();
  cmd->add_option("--strategy", explore.strategy, kStrategies)->capture_default_str();
  cmd->add_option("--seed", explore.seed, "First seed; execution i runs with a seed derived from (seed, i)")
      ->capture_default_str();
  add_count(cmd, "--schedules", [&explore](uint64_t n) { explore.schedules = n; }, 1, UINT64_MAX,
            "Executions to run at most (default 10000)");
  add_seconds(cmd, "--time", explore.time_s, "Wall-time budget in seconds (0: none)");
  add_seconds(cmd, "--execution-timeout", explore.execution_timeout_s,
              "Wall time one execution may take, in seconds (default 60; 0: none)");
  add_count(cmd, "--max-rss-mb", [&explore](uint64_t n) { explore.max_rss_mb = n; }, 0, uint64_t{1} << 40,
            "Resident memory a worker (--jobs 0: corosim) may reach, in MiB (default 4096 with workers; 0: none)");
  cmd->add_option("--shard", explore.shard, "Run only the executions i % N == I (0-based I/N)");
  add_count(cmd, "--shard-count", [&explore](uint64_t n) { explore.shard_count = n; }, 1, uint64_t{1} << 32,
            "Number of shards, when the shard index comes from JOB_COMPLETION_INDEX (Kubernetes)");
  add_count(cmd, "--jobs", [&explore](uint64_t n) { explore.jobs = static_cast<unsigned>(n); }, 0,
            sim::ExploreOptions::kMaxJobs,
            "Worker processes, each every N-th execution (default 1; 0: in this process)");
  cmd->add_option("--json", explore.json_file, "Write a JSON summary of the exploration to FILE");
  cmd->add_option("--junit", explore.junit_file, "Write a JUnit XML report of the exploration to FILE");
  cmd->add_option("--html", explore.html_file, "Write the failing run's HTML timeline (or a no-failure page) to FILE");
  cmd->add_option("--save-schedule", explore.save_schedule,
                  "Where to save the failing run's schedule (default: corosim-SCENARIO-SEED.schedule.json)");
  cmd->add_flag("--shrink", explore.shrink, "Shrink the failure found before reporting it (PROGRAM shrink --help)");
  add_seconds(cmd, "--shrink-time", explore.shrink_time_s, "Wall-time budget of --shrink in seconds (default 30)");
  add_run_limit_options(cmd, explore.limit);
  auto *progress_opt = cmd->add_flag("--progress", progress, "Progress on stderr even when it is not a terminal");
  cmd->add_flag("--no-progress", no_progress, "No progress line (default: on when stderr is a terminal)")
      ->excludes(progress_opt);
  return cmd;
}

constexpr const char *kCiFooter = R"(
The regression gate. First every schedule of the corpus (DIR/*.schedule.json) is replayed: one that no longer fits
the code is followed as far as it fits, continued by the strategy that recorded it, and reported as "diverged at
step N" (never refused). Then every run of the config is explored, as explore would. The gate fails (exit 1) when
a scenario expected to pass fails (its schedule, shrunk, is saved into the corpus as SCENARIO-SEED), when a
seeded-bug scenario's bug is not found within the run's budget, or when a corpus schedule of a scenario expected
to pass fails again. A seeded bug found as expected passes.
  --config FILE   {"corpus": "DIR", "runs": [{"scenario": "NAME", "strategy": "pct", "seed": 1, "schedules": 20000,
                  "time": 60}, ...]}, paths relative to FILE. Without it: every scenario, explore's defaults
  --shard I/N     this process's share: the executions i % N == I of every run, and every N-th corpus schedule;
                  or from the environment, as explore takes it (PROGRAM explore --help). --json writes the share's
                  summary; --merge A.json B.json ... merges the shards' summaries into one verdict (--json, --junit)
)";

CLI::App *add_ci(CLI::App &app, CiArgs &ci, bool &progress, bool &no_progress) {
  CLI::App *cmd = app.add_subcommand("ci", "The regression gate: corpus replays and runs judged against expectations");
  cmd->footer(kCiFooter);
  cmd->add_option("--config", ci.config, "The gate's JSON config (default: every scenario, explore's defaults)");
  cmd->add_option("--corpus", ci.corpus, "The corpus directory (overrides the config's; made if missing)");
  cmd->add_option("--json", ci.json_file, "Write the gate's summary as JSON to FILE (what --merge reads)");
  cmd->add_option("--junit", ci.junit_file, "Write JUnit XML to FILE: a testcase per run and corpus schedule");
  cmd->add_option("--shard", ci.shard, "Run only this share of the work (0-based I/N)");
  add_count(cmd, "--shard-count", [&ci](uint64_t n) { ci.shard_count = n; }, 1, uint64_t{1} << 32,
            "Number of shards, when the shard index comes from JOB_COMPLETION_INDEX (Kubernetes)");
  add_count(cmd, "--jobs", [&ci](uint64_t n) { ci.jobs = static_cast<unsigned>(n); }, 0,
            sim::ExploreOptions::kMaxJobs, "Worker processes per run (default 1; 0: in this process)");
  cmd->add_option("--merge", ci.merge, "Merge these shard summaries (ci --json files) instead of running")
      ->expected(1, -1);
  auto *progress_opt = cmd->add_flag("--progress", progress, "Progress on stderr even when it is not a terminal");
  cmd->add_flag("--no-progress", no_progress, "No progress line (default: on when stderr is a terminal)")
      ->excludes(progress_opt);
  return cmd;
}

constexpr const char *kShrinkFooter = R"(
The schedule must fail. Candidate schedules (preemptions turned into "the running thread goes on", decisions cut
off or deleted, choices moved to lower-numbered threads) are run and kept while they fail with the same kind (a
deadlock: the same kind of cycle) and are smaller. The shrunk schedule is written to FILE and replays exactly; the
report ends with the command that replays it. Exit status 1: the shrunk schedule fails (as it must); 2: the
schedule does not fail, does not fit the scenario, or FILE cannot be written.
)";

CLI::App *add_shrink(CLI::App &app, ShrinkArgs &shrink) {
  CLI::App *cmd = app.add_subcommand("shrink", "Shrink a failing schedule to one that fails the same way");
  cmd->footer(kShrinkFooter);
  cmd->add_option("SCHEDULE_FILE", shrink.schedule_file, "A failing schedule written by run, explore or ci")
      ->required();
  cmd->add_option("-o,--output", shrink.output, "Where to write the shrunk schedule")->required();
  add_seconds(cmd, "--time", shrink.time_s, "Wall-time budget in seconds (default 30; 0: none)");
  return cmd;
}

CLI::App *add_replay(CLI::App &app, ReplayArgs &replay) {
  CLI::App *cmd = app.add_subcommand("replay", "Replay a saved schedule and check its trace hash");
  cmd->footer(kReplayFooter);
  cmd->add_option("SCHEDULE_FILE", replay.schedule_file, "A schedule file written by run or explore")->required();
  cmd->add_option("--trace", replay.trace,
                  "Print the replayed run's trace in this format: text | json | html | perfetto")
      ->check(CLI::IsMember({"text", "json", "html", "perfetto"}));
  cmd->add_option("-o,--output", replay.output, "Write the trace to FILE instead of stdout (without --trace: text)");
  return cmd;
}

// Parses; returns the exit status of a parse that ends the program (help, bad usage), or nullopt to go on. A usage
// error points to the help of the command it is in.
std::optional<int> parse(CLI::App &app, int argc, char **argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success &e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // One line, whatever CLI11 would say, and the usage exit status.
    std::string reason = e.what();
    std::string help = sim::shell_quote(argv[0]);
    for (const CLI::App *command : app.get_subcommands({}))
      if (argc > 1 && command->get_name() == argv[1]) help += " " + command->get_name();
    return bad_input((reason.empty() ? "bad usage" : reason) + " (see " + help + " --help)");
  }
}

int parse_and_run(int argc, char **argv) {
  CLI::App app{"Explores the interleavings of the program's scenarios in a deterministic simulator", argv[0]};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "corosim 0.1.0");
  CLI::App *list = app.add_subcommand("list", "List the scenarios");
  RunArgs run;
  CLI::App *run_cmd = add_run(app, run);
  ExploreArgs explore;
  bool progress = false, no_progress = false;
  CLI::App *explore_cmd = add_explore(app, explore, progress, no_progress);
  ReplayArgs replay;
  CLI::App *replay_cmd = add_replay(app, replay);
  ShrinkArgs shrink;
  CLI::App *shrink_cmd = add_shrink(app, shrink);
  CiArgs ci;
  bool ci_progress = false, ci_no_progress = false;
  CLI::App *ci_cmd = add_ci(app, ci, ci_progress, ci_no_progress);
  app.footer(kFooter);  // after the subcommands: CLI11 copies a parent's footer into those made after it

  // CLI11 would call an unknown command a missing one ("A subcommand is required"); name it instead.
  const std::vector<const CLI::App *> commands = {list, run_cmd, explore_cmd, replay_cmd, shrink_cmd, ci_cmd};
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(), [&](const CLI::App *c) { return c->get_name() == argv[1]; }))
    return bad_input("unknown command '" + std::string(argv[1]) +
                     "' (commands: list, run, explore, replay, shrink, ci; see " + sim::shell_quote(argv[0]) +
                     " --help)");
  if (std::optional<int> ended = parse(app, argc, argv)) return *ended;

  set_program_name(argv[0]);
  if (auto problem = sim::scenario_registry_problem()) return bad_input(*problem);
  if (*list) return list_command();
  if (*run_cmd) return run_command(run);
  if (*explore_cmd) {
    explore.progress = progress ? Progress::always : no_progress ? Progress::never : Progress::automatic;
    return explore_command(explore);
  }
  if (*replay_cmd) return replay_command(replay);
  if (*ci_cmd) {
    ci.progress = ci_progress ? Progress::always : ci_no_progress ? Progress::never : Progress::automatic;
    return ci_command(ci);
  }
  return shrink_command(shrink);  // require_subcommand(1, 1): it is the one left
}

// Standard output is checked once everything is written: a full disk or a closed pipe must not pass for success.
int checked_output(int status) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = stdout_error() ? stdout_error() : errno;
  if (flushed && !std::ferror(stdout) && stdout_error() == 0) return status;
  std::fprintf(stderr, "corosim: cannot write to standard output%s%s\n", error ? ": " : "",
               error ? std::strerror(error) : "");
  return kBadInput;
}

}  // namespace

int main(int argc, char **argv) {
  try {
    return checked_output(parse_and_run(argc, argv));
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "corosim: internal error: %s\n", e.what());
  } catch (...) {
    std::fflush(stdout);
    std::fprintf(stderr, "corosim: internal error: unknown exception\n");
  }
  return kInternalError;
}

}  // namespace corosim::cli
