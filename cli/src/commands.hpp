#pragma once
// The commands of corosim::cli::main (corosim/cli.hpp), one function each, called by cli.cpp after CLI11 has parsed
// the arguments, and what they share. They print to stdout (results, reports, traces) and stderr (the one-line
// reason of a usage error, progress), and return the process's exit status. Internal to cli/.

#include <cstdint>
#include <optional>
#include <string>

#include <corosim/reports/text.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/schedule.hpp>

namespace corosim::cli {

// Exit statuses (also in `corosim --help`, corosim/cli.hpp and docs/cli.md):
//   0  no failure: every execution passed (or DFS exhausted its space without one)
//   1  a failure was found (explore), or the one execution failed (run, replay); the report's last line is the
//      command that reproduces it
//   2  bad usage or bad input, with one line "corosim: <reason>" on stderr
//   3  internal error (an exception escaped; a bug in corosim)
enum ExitStatus : int { kNoFailure = 0, kFailureFound = 1, kBadInput = 2, kInternalError = 3 };

// --- shared by the commands (common.cpp) ---

// How reproduction commands spell the program: argv[0], so that the line can be pasted into the shell it was
// typed in, from the user's own binary as well as from `corosim`.
void set_program_name(std::string name);
const sim::Launcher &launcher();

// Prints "corosim: <reason>" (one line: line breaks in the reason become spaces) on stderr; returns kBadInput.
int bad_input(std::string reason);
// Prints text on stdout and flushes it. A failed write is remembered (stdout_error) and reported once at the end.
void out(const std::string &text);
// The errno of the first write to stdout that failed, 0 if none did.
int stdout_error();

// Why a schedule cannot be saved at `path` (--save-schedule), checked before anything runs so that a failure found
// later can always be saved and replayed: its directory is missing or not writable, or it names a directory.
// nullopt when it can, or when `path` is empty (the default file in the current directory).
std::optional<std::string> save_target_problem(const std::string &path, const std::string &option = "--save-schedule");

// The scenario called `name`; nullptr with `reason` set when there is none.
const sim::Scenario *find_scenario(const std::string &name, std::string *reason);

// The scenario a schedule was recorded on (*s), or why it cannot be run here: unknown, or with parameters (the
// registered scenarios take none).
std::optional<std::string> schedule_scenario_problem(const sim::Schedule &schedule, const sim::Scenario **s);

// What bounds each execution: RunOptions' defaults unless given. The step bound (--max-steps): at it the run fails
// (step_limit) or, with --on-step-limit continue, stops there and counts as passed. The size of each sim thread's
// stack (--stack-kib): an overflow of it is the failure stack_overflow.
struct RunLimits {
  std::optional<uint64_t> max_steps;
  bool continue_at_limit = false;
  std::optional<uint64_t> stack_kib;
};
// The scenario's run options (COROSIM_SCENARIO_RUN_OPTIONS, or the defaults) with what the command line gives.
sim::RunOptions run_options(const RunLimits &limit, const sim::Scenario &s);

// "status  ok / steps N / trace hash H" of a run that passed.
std::string outcome_text(const sim::RunResult &r);

// Saves the failure's schedule unless it has a file already (to save_to, or its default file; a warning on stderr
// if it cannot be written), and returns its report for this program, with the verdict for scenario `s`.
reports::FailureReport prepare_report(sim::Failure &f, const sim::Scenario &s, const std::string &save_to);

// --- the commands ---

int list_command();

struct RunArgs {
  std::string scenario;
  std::string seed;                 // parse_seed syntax
  std::string strategy = "pct";
  bool trace = false;               // print the text trace of the run
  std::string save_schedule;        // where a failing run's schedule goes; empty: the default file name
  RunLimits limit;
};
int run_command(const RunArgs &args);

enum class Progress { automatic, always, never };

struct ExploreArgs {
  std::string scenario;
  std::string strategy = "pct";
  std::string seed = "1";
  std::optional<uint64_t> schedules;  // none: 10,000, or no limit when --time is given
  double time_s = 0;                  // wall-time budget; 0: none
  double execution_timeout_s = 60;    // wall time one execution may take (sim::ExploreOptions); 0: none
  std::optional<uint64_t> max_rss_mb;  // memory limit; none: kDefaultMaxRssMb with workers, no limit in process
  std::string save_schedule;
  Progress progress = Progress::automatic;
  RunLimits limit;
  // "I/N": run only the executions i % N == I (of the --schedules asked for). Empty: GoogleTest's shard variables
  // GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS when both are set, else no sharding.
  std::string shard;
  unsigned jobs = 1;                // worker processes (crash isolation); 0: explore inside this process
  std::string json_file;            // the summary as JSON (reports/json.hpp); empty: none
  std::string junit_file;           // the summary as JUnit XML (reports/junit.hpp)
  std::string html_file;            // the failing run's timeline, or a page saying there was none (reports/html.hpp)
  bool shrink = false;              // shrink the failure found (sim/shrink.hpp) before reporting it
  double shrink_time_s = 30;        // its wall-time budget
};
int explore_command(const ExploreArgs &args);

struct ReplayArgs {
  std::string schedule_file;
  std::optional<std::string> trace;  // "text" | "json" | "html"
  std::string output;                // -o: where the trace goes (without --trace: text); empty: stdout
};
int replay_command(const ReplayArgs &args);

struct ShrinkArgs {
  std::string schedule_file;
  std::string output;  // -o: where the shrunk schedule goes (required)
  double time_s = 30;  // wall-time budget of the shrinking; 0: none
};
int shrink_command(const ShrinkArgs &args);

}  // namespace corosim::cli
