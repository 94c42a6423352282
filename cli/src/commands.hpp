#pragma once
// The commands of corosim::cli::main (corosim/cli.hpp), one function each, called by cli.cpp after CLI11 has parsed
// the arguments, and what they share. They print to stdout (results, reports, traces) and stderr (the one-line
// reason of a usage error, progress), and return the process's exit status. Internal to cli/.

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <corosim/reports/ci.hpp>
#include <corosim/reports/text.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/explore.hpp>
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

// A share of the work: the executions i with i % count == index (and, for ci, the corpus schedules likewise).
struct Shard {
  uint64_t index = 0;
  uint64_t count = 1;
  std::string source;  // how it was given: "--shard", "COROSIM_SHARD", or the engine's variables
};

// "I/N" with 0 <= I < N <= 2^32, decimal; errors name `source`.
sim::Result<Shard> parse_shard(const std::string &text, const std::string &source);

// The shard of this process (shard.cpp): --shard I/N; else COROSIM_SHARD=I/N; else the variables of the first
// engine found, in this order: GoogleTest (GTEST_SHARD_INDEX, GTEST_TOTAL_SHARDS), Slurm job arrays
// (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT), Kubernetes indexed Jobs
// (JOB_COMPLETION_INDEX, with the count from --shard-count or COROSIM_SHARD_COUNT), GitLab CI parallel
// (CI_NODE_INDEX - 1, CI_NODE_TOTAL), CircleCI (CIRCLE_NODE_INDEX, CIRCLE_NODE_TOTAL), Buildkite
// (BUILDKITE_PARALLEL_JOB, BUILDKITE_PARALLEL_JOB_COUNT); else no sharding. Malformed or half-set variables are
// an Error naming the variable. GTEST_SHARD_STATUS_FILE, when set with GoogleTest's variables, is created.
sim::Result<Shard> resolve_shard(const std::string &option, std::optional<uint64_t> shard_count);

// A file asked for with --json, --junit or --html: created (empty) before the work starts, so that a path that
// cannot be written is refused at once (exit 2) rather than after an hour of exploring.
struct OutputFile {
  std::string path;
  std::ofstream stream;

  // The reason (one line) if `file` cannot be created; nothing to do when it is empty (not asked for).
  std::optional<std::string> open(const std::string &option, const std::string &file);
  // Writes `text` if the file was asked for; the reason if it could not be written whole (a full disk).
  std::optional<std::string> write(const std::string &text);
};

// The scenario called `name`; nullptr with `reason` set when there is none.
const sim::Scenario *find_scenario(const std::string &name, std::string *reason);

// The scenario a schedule was recorded on (*s), or why it cannot be run here: unknown, or with parameters (the
// registered scenarios take none).
std::optional<std::string> schedule_scenario_problem(const sim::Schedule &schedule, const sim::Scenario **s);

// A schedule file and the scenario it was recorded on (replay, shrink); Error: the file's problem or the
// scenario's (one line, naming the file).
struct ScheduleOfScenario {
  sim::Schedule schedule;
  const sim::Scenario *scenario;
};
sim::Result<ScheduleOfScenario> load_schedule_of_scenario(const std::string &path);

// What bounds each execution: RunOptions' defaults unless given. The step bound (--max-steps): at it the run fails
// (step_limit) or, with --on-step-limit continue, stops there and counts as passed. The size of each sim thread's
// stack (--stack-kib): an overflow of it is the failure stack_overflow. Which operations are scheduling points
// (--granularity full|api).
struct RunLimits {
  std::optional<uint64_t> max_steps;
  bool continue_at_limit = false;
  std::optional<uint64_t> stack_kib;
  std::optional<sim::Granularity> granularity;  // --granularity (sim/executor.hpp)
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

// explore's defaults, which ci's runs share: executions when neither --schedules nor --time is given, and a
// worker's memory limit unless --max-rss-mb says otherwise (far above any scenario's needs, since a run's memory is
// released when it ends; low enough that runaway allocation is stopped before it takes the machine).
constexpr uint64_t kDefaultSchedules = 10'000;
constexpr uint64_t kDefaultMaxRssMb = 4096;

// The progress line on stderr (explore, ci): redrawn in place on a terminal, one line each time otherwise.
struct ProgressLine {
  bool enabled = false;
  bool tty = false;
  bool shown = false;  // a line is on the terminal that must be cleared

  // Enabled as `asked` says (automatic: when stderr is a terminal); the interval explore should report at (0.5 s
  // on a terminal, 5 s in a log).
  double start(Progress asked);
  // "  1200/10000 executions (12%), 800/s, 0 failures, 1.5 s, about 11 s left": the total, the percentage and
  // the time left where a limit makes them known.
  void show(const sim::ExploreProgress &p);
  void clear();
};

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
  // "I/N": run only the executions i % N == I (of the --schedules asked for). Empty: resolve_shard's variables.
  std::string shard;
  std::optional<uint64_t> shard_count;  // --shard-count: the number of shards when the engine gives only an index
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
  std::optional<std::string> trace;  // "text" | "json" | "html" | "perfetto"
  std::string output;                // -o: where the trace goes (without --trace: text); empty: stdout
};
int replay_command(const ReplayArgs &args);

struct CiArgs {
  std::string config;                   // the gate's JSON config; empty: every scenario, explore's defaults
  std::string corpus;                   // the corpus directory (overrides the config's)
  std::string json_file;                // the summary as JSON (reports/ci.hpp): what --merge reads
  std::string junit_file;               // JUnit XML
  std::string shard;                    // as explore's --shard (resolve_shard)
  std::optional<uint64_t> shard_count;
  unsigned jobs = 1;                    // worker processes per run, as explore's --jobs
  Progress progress = Progress::automatic;
  std::vector<std::string> merge;       // --merge: shard summaries to merge instead of running anything
};
int ci_command(const CiArgs &args);
int ci_merge_command(const CiArgs &args);
// Prints the gate's outcome (a line per run and corpus schedule, then the verdict), writes --json and --junit,
// and returns the exit status: 0 when the gate holds, 1 when it fails, 2 when a file cannot be written.
int finish_ci(const reports::CiSummary &summary, const CiArgs &args);

struct ShrinkArgs {
  std::string schedule_file;
  std::string output;  // -o: where the shrunk schedule goes (required)
  double time_s = 30;  // wall-time budget of the shrinking; 0: none
};
int shrink_command(const ShrinkArgs &args);

}  // namespace corosim::cli
