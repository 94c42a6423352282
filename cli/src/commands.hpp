#pragma once
// The `corosim` commands (../../shared/API.md, "The `corosim` command"), one function each, called by main.cpp
// after CLI11 has parsed the arguments. They print to stdout (results, reports, traces) and stderr (the one-line
// reason of a usage error, progress), and return the process's exit status.
//
// Exit statuses (also in `corosim --help` and README.md):
//   0  no failure: every execution passed (or DFS exhausted its space without one)
//   1  a failure was found (explore), or the one execution failed (run, replay); the report's last line is the
//      command that reproduces it
//   2  bad usage or bad input, with one line "corosim: <reason>" on stderr: unknown scenario or strategy, a seed
//      that does not parse, an unreadable or corrupted schedule file, a schedule of another format version or
//      another scenario, a replay that does not reproduce the recorded trace
//   3  internal error (an exception escaped; a bug in corosim)

#include <cstdint>
#include <optional>
#include <string>

namespace corosim::cli {

enum ExitStatus : int { kNoFailure = 0, kFailureFound = 1, kBadInput = 2, kInternalError = 3 };

// How the failure report spells the program in the commands it prints: argv[0], shell-quoted, so the line can be
// pasted into the shell it was typed in.
void set_program_name(std::string name);

int list_command();

// The step limit of each execution (sim::RunOptions): the scenario's own unless --max-steps is given; at the
// limit the run fails (step limit) or, with --on-step-limit continue, stops there and counts as passed.
struct StepLimit {
  std::optional<uint64_t> max_steps;
  bool continue_at_limit = false;
};

struct RunArgs {
  std::string scenario;
  std::string seed;                 // parse_seed syntax
  std::string strategy = "pct";
  bool trace = false;               // print the text trace of the run
  std::string save_schedule;        // where a failing run's schedule goes; empty: the default file name
  StepLimit limit;
};
int run_command(const RunArgs &args);

enum class Progress { automatic, always, never };

struct ExploreArgs {
  std::string scenario;
  std::string strategy = "pct";
  std::string seed = "1";
  uint64_t schedules = 10'000;
  double time_s = 0;                // wall-time budget; 0: none
  std::string save_schedule;
  Progress progress = Progress::automatic;
  StepLimit limit;
  // "I/N": run only the executions i % N == I (of the --schedules asked for). Empty: GoogleTest's shard variables
  // GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS when both are set, else no sharding.
  std::string shard;
  std::optional<unsigned> jobs;     // worker processes (workers.hpp); none: explore inside this process
  std::string json_file;            // the summary as JSON (reports/json.hpp); empty: none
  std::string junit_file;           // the summary as JUnit XML (reports/junit.hpp)
  std::string html_file;            // the failing run's timeline, or a page saying there was none (reports/html.hpp)
};
int explore_command(const ExploreArgs &args);

struct ReplayArgs {
  std::string schedule_file;
  std::optional<std::string> trace;  // "text" | "json" | "html"
  std::string output;                // -o: where the trace goes (without --trace: text); empty: stdout
};
int replay_command(const ReplayArgs &args);

}  // namespace corosim::cli
