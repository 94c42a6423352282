// The `corosim` commands (commands.hpp). Each one resolves its inputs first (scenario, seed, strategy, schedule
// file) and refuses bad ones with exit status 2 and one line, before anything runs; then it runs, prints facts
// (status, steps, trace hash, a report), and maps the outcome onto the exit status. It does not interpret an
// outcome beyond one verdict line: an expected-pass scenario that fails is said to be a regression; a seeded-bug
// scenario that fails is said to be the bug found; both exit 1.

#include "commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "workers.hpp"

#include <corosim/reports/html.hpp>
#include <corosim/reports/json.hpp>
#include <corosim/reports/junit.hpp>
#include <corosim/reports/text.hpp>
#include <corosim/scenarios/registry.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::cli {

namespace {

std::string g_program = "corosim";

int bad_input(const std::string &reason) {
  std::fflush(stdout);
  std::fprintf(stderr, "corosim: %s\n", reason.c_str());
  return kBadInput;
}

void out(const std::string &text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

const scenarios::Scenario *find_scenario(const std::string &name, std::string *reason) {
  if (const scenarios::Scenario *s = scenarios::find(name)) return s;
  *reason = "unknown scenario '" + name + "' (`corosim list` shows the " +
            std::to_string(scenarios::all().size()) + " scenarios)";
  return nullptr;
}

std::string describe(const scenarios::Scenario &s) {
  std::string text = std::string(scenarios::expected_name(s.expected));
  if (s.expected == scenarios::Expected::bug && !s.failure_kind.empty()) text += ": " + std::string(s.failure_kind);
  return text;
}

// One line on what a failure of this scenario means; the exit status is 1 either way.
std::string verdict(const scenarios::Scenario &s, sim::RunStatus status) {
  const std::string name(s.name);
  if (s.expected == scenarios::Expected::pass)
    return "REGRESSION: scenario '" + name + "' is expected to pass every schedule, and this one fails";
  const std::string kind = sim::run_status_name(status);
  if (s.failure_kind.empty() || kind == s.failure_kind)
    return "seeded bug found: scenario '" + name + "' is expected to fail" +
           (s.failure_kind.empty() ? std::string() : " with " + std::string(s.failure_kind)) + ", and does";
  return "scenario '" + name + "' has a seeded " + std::string(s.failure_kind) + " bug, but this schedule fails with " +
         kind + " instead";
}

std::string default_schedule_file(std::string_view scenario, uint64_t seed) {
  return "corosim-" + std::string(scenario) + "-" + sim::format_hex64(seed) + ".schedule.json";
}

// Random walk and PCT runs are reproduced by their seed and spec alone (PCT's spec carries its k); DFS runs
// depend on the executions before them, and replay runs on their decision list.
bool reproducible_from_seed(const sim::StrategySpec &spec) { return spec.name == "random" || spec.name == "pct"; }

sim::RunOptions run_options(const scenarios::Scenario &s, const StepLimit &limit) {
  sim::RunOptions options = s.run_options();
  if (limit.max_steps) options.max_steps = *limit.max_steps;
  if (limit.continue_at_limit) options.on_step_limit = sim::StepLimitPolicy::stop;
  return options;
}

// The options that reproduce a run with `limit` (empty for the defaults).
std::string step_limit_args(const StepLimit &limit) {
  std::string args;
  if (limit.max_steps) args += " --max-steps " + std::to_string(*limit.max_steps);
  if (limit.continue_at_limit) args += " --on-step-limit continue";
  return args;
}

// A schedule file records a --max-steps override as the scenario parameter "max_steps": the replay must stop
// where the run did. (A run that stopped at the bound under `continue` passed, and is never saved.)
constexpr const char *kMaxStepsParameter = "max_steps";

std::string run_command_line(std::string_view scenario, const sim::StrategySpec &spec, uint64_t seed,
                             const StepLimit &limit) {
  return g_program + " run " + reports::shell_quote(scenario) + " --strategy " + reports::shell_quote(spec.to_string()) +
         " --seed " + sim::format_hex64(seed) + step_limit_args(limit);
}

std::string replay_command_line(const std::string &file) {
  return g_program + " replay " + reports::shell_quote(file);
}

// Saves the failing run's schedule (when there is a run: `r`) and returns its report, with the commands that
// reproduce it. `run_line_valid`: the `corosim run` line reproduces it. A crash (r == nullptr) is completed by the
// caller (FailureReport::crash, and its own last command).
reports::FailureReport make_failure_report(const scenarios::Scenario &s, const sim::RunResult *r, uint64_t seed,
                                           const sim::StrategySpec &spec, std::optional<uint64_t> execution,
                                           const std::string &save_to, bool run_line_valid, const StepLimit &limit) {
  reports::FailureReport report;
  report.scenario = std::string(s.name);
  report.result = r;
  report.seed = seed;
  report.strategy = spec.to_string();
  report.execution = execution;
  if (run_line_valid) report.commands.push_back(run_command_line(s.name, spec, seed, limit));
  if (!r) {
    report.verdict = "the execution crashed its worker process (corosim itself did not crash)";
    return report;
  }
  report.verdict = verdict(s, r->status);
  sim::Schedule schedule;
  schedule.scenario = std::string(s.name);
  if (limit.max_steps) schedule.scenario_parameters[kMaxStepsParameter] = std::to_string(*limit.max_steps);
  schedule.strategy = spec;
  schedule.seed = seed;
  schedule.trace_hash = r->trace_hash;
  schedule.decisions = r->decisions;
  const std::string file = save_to.empty() ? default_schedule_file(s.name, seed) : save_to;
  auto saved = sim::save_schedule(file, schedule);
  if (!saved) std::fprintf(stderr, "corosim: warning: %s\n", saved.error().c_str());
  if (saved) {
    report.schedule_file = file;
    report.commands.push_back(replay_command_line(file));
  }
  if (report.commands.empty()) {
    // No schedule file and a DFS execution: nothing but the whole exploration reproduces it.
    report.commands.push_back(g_program + " explore " + reports::shell_quote(s.name) + " --strategy " +
                              reports::shell_quote(spec.to_string()) + " --schedules " +
                              std::to_string(execution.value_or(1)) + step_limit_args(limit));
  }
  return report;
}

// The failing run again, from its decisions, with its trace recorded (for the HTML timeline). None, with a warning,
// if it does not come out the same (it always should: runs are deterministic).
std::optional<sim::RunResult> traced_rerun(const scenarios::Scenario &s, const sim::RunResult &r, uint64_t seed,
                                           const StepLimit &limit) {
  auto strategy = sim::make_strategy("replay", r.decisions);
  if (!strategy) return std::nullopt;
  sim::RunOptions options = run_options(s, limit);
  options.record_trace = true;
  sim::RunResult traced = sim::run_once(s.body, *strategy.value(), seed, options);
  if (traced.status != r.status || traced.trace_hash != r.trace_hash) {
    std::fprintf(stderr, "corosim: warning: the traced rerun of the failing execution differs (trace hash %s, not %s)\n",
                 sim::format_hex64(traced.trace_hash).c_str(), sim::format_hex64(r.trace_hash).c_str());
    return std::nullopt;
  }
  return traced;
}

std::string outcome_text(const sim::RunResult &r) {
  return std::string("status      ") + sim::run_status_name(r.status) +
         (r.truncated ? " (stopped at the step bound: --on-step-limit continue)" : "") + "\n" + "steps       " +
         std::to_string(r.steps) + "\n" + "trace hash  " + sim::format_hex64(r.trace_hash) + "\n";
}

// --- progress (explore) ---

struct ProgressLine {
  bool enabled = false;
  bool tty = false;
  bool shown = false;  // a line is on the terminal that must be cleared

  void show(const sim::ExploreProgress &p) {
    char line[160];
    std::snprintf(line, sizeof line, "  %llu executions, %.0f/s, %llu failures, %.1f s",
                  static_cast<unsigned long long>(p.executions), p.runs_per_s,
                  static_cast<unsigned long long>(p.failures), p.elapsed_s);
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", line);
      shown = true;
    } else {
      std::fprintf(stderr, "%s\n", line);
    }
    std::fflush(stderr);
  }
  void clear() {
    if (shown) std::fputs("\r\033[K", stderr);
    shown = false;
  }
};

// --- sharding and output files (explore) ---

struct Shard {
  uint64_t index = 0;
  uint64_t count = 1;
  std::string source;  // how it was given: "--shard" or the GoogleTest variables
};

// Shards are "I/N", decimal, 0 <= I < N <= 2^32 (so that N times --jobs stays far from overflowing).
sim::Result<Shard> parse_shard(const std::string &text, const std::string &source) {
  const std::string what = source + " '" + text + "': ";
  const std::size_t slash = text.find('/');
  auto number = [](std::string_view digits, uint64_t &value) {
    if (digits.empty() || digits.size() > 10) return false;
    value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  Shard shard;
  shard.source = source;
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), shard.index) ||
      !number(std::string_view(text).substr(slash + 1), shard.count))
    return sim::Error{what + "expected I/N, two decimal numbers with 0 <= I < N (e.g. 0/4 ... 3/4)"};
  if (shard.count == 0 || shard.count > (uint64_t{1} << 32))
    return sim::Error{what + "the shard count N must be between 1 and 2^32"};
  if (shard.index >= shard.count)
    return sim::Error{what + "the shard index must be below the count (shards are 0-based: 0/" +
                      std::to_string(shard.count) + " ... " + std::to_string(shard.count - 1) + "/" +
                      std::to_string(shard.count) + ")"};
  return shard;
}

// --shard, or else GoogleTest's shard variables (as Bazel and gtest-parallel set them) when both are present;
// GTEST_SHARD_STATUS_FILE, when set, is created to say the sharding protocol is understood.
sim::Result<Shard> resolve_shard(const std::string &option) {
  if (!option.empty()) return parse_shard(option, "--shard");
  const char *index = std::getenv("GTEST_SHARD_INDEX");
  const char *total = std::getenv("GTEST_TOTAL_SHARDS");
  if (!index || !total) return Shard{};
  auto shard = parse_shard(std::string(index) + "/" + total, "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");
  if (shard) {
    if (const char *status = std::getenv("GTEST_SHARD_STATUS_FILE"); status && *status) std::ofstream{status};
  }
  return shard;
}

// How many of the executions 0 .. schedules-1 fall in the shard.
uint64_t shard_share(uint64_t schedules, const Shard &shard) {
  return schedules > shard.index ? (schedules - shard.index - 1) / shard.count + 1 : 0;
}

// A file asked for with --json, --junit or --html: created (empty) before the exploration starts, so that a path
// that cannot be written is refused at once (exit 2) rather than after an hour of exploring.
struct OutputFile {
  std::string path;
  std::ofstream stream;

  std::optional<std::string> open(const std::string &option, const std::string &file) {
    path = file;
    if (file.empty()) return std::nullopt;
    stream.open(file, std::ios::binary | std::ios::trunc);
    if (!stream) return "cannot write " + option + " file '" + file + "': " + std::strerror(errno);
    return std::nullopt;
  }
  // Writes `text` if the file was asked for; a failure is a warning (the exploration's exit status stands).
  void write(const std::string &text) {
    if (path.empty()) return;
    stream << text;
    stream.close();
    if (!stream) std::fprintf(stderr, "corosim: warning: could not write '%s'\n", path.c_str());
  }
};

}  // namespace

void set_program_name(std::string name) { g_program = reports::shell_quote(name); }

int list_command() {
  std::size_t name_width = 0, expected_width = 0;
  for (const scenarios::Scenario &s : scenarios::all()) {
    name_width = std::max(name_width, s.name.size());
    expected_width = std::max(expected_width, describe(s).size());
  }
  for (const scenarios::Scenario &s : scenarios::all()) {
    std::printf("%-*s  %-*s  %.*s\n", static_cast<int>(name_width), std::string(s.name).c_str(),
                static_cast<int>(expected_width), describe(s).c_str(), static_cast<int>(s.description.size()),
                s.description.data());
  }
  std::fflush(stdout);
  return kNoFailure;
}

int run_command(const RunArgs &args) {
  std::string reason;
  const scenarios::Scenario *s = find_scenario(args.scenario, &reason);
  if (!s) return bad_input(reason);
  auto seed = sim::parse_seed(args.seed);
  if (!seed) return bad_input(seed.error());
  auto strategy = sim::make_strategy(args.strategy);
  if (!strategy) return bad_input(strategy.error());

  sim::RunOptions options = run_options(*s, args.limit);
  options.record_trace = args.trace;
  out("run " + std::string(s->name) + " (" + describe(*s) + "): strategy " + strategy.value()->spec().to_string() +
      ", seed " + sim::format_hex64(seed.value()) + "\n");
  const sim::RunResult r = sim::run_once(s->body, *strategy.value(), seed.value(), options);
  if (args.trace) out(reports::trace_text(r.trace));
  if (r.ok()) {
    out(outcome_text(r));
    return kNoFailure;
  }
  // The first execution of a fresh strategy, whatever it is, is reproduced by the same command.
  out(reports::failure_report_text(make_failure_report(*s, &r, seed.value(), strategy.value()->spec(), std::nullopt,
                                                       args.save_schedule, true, args.limit)));
  return kFailureFound;
}

int explore_command(const ExploreArgs &args) {
  std::string reason;
  const scenarios::Scenario *s = find_scenario(args.scenario, &reason);
  if (!s) return bad_input(reason);
  auto seed = sim::parse_seed(args.seed);
  if (!seed) return bad_input(seed.error());
  auto spec = sim::parse_strategy(args.strategy);
  if (!spec) return bad_input(spec.error());
  if (spec.value().name == "replay") return bad_input("explore cannot use the replay strategy (use `corosim replay`)");
  auto shard = resolve_shard(args.shard);
  if (!shard) return bad_input(shard.error());
  const bool dfs = spec.value().name == "dfs";
  // DFS walks one space in order: its executions cannot be split between shards or workers. --jobs 1 still runs
  // it in one worker process (crash isolation).
  if (dfs && shard.value().count > 1)
    return bad_input("dfs cannot be sharded (" + shard.value().source + " " + std::to_string(shard.value().index) +
                     "/" + std::to_string(shard.value().count) +
                     "): each of its executions depends on the ones before it");
  if (dfs && args.jobs && *args.jobs > 1)
    return bad_input("dfs cannot run in " + std::to_string(*args.jobs) +
                     " worker processes: each of its executions depends on the ones before it (use --jobs 1)");
  OutputFile json, junit, html;
  for (auto [file, option, path] : {std::tuple{&json, "--json", &args.json_file},
                                    std::tuple{&junit, "--junit", &args.junit_file},
                                    std::tuple{&html, "--html", &args.html_file}})
    if (auto error = file->open(option, *path)) return bad_input(*error);

  ProgressLine progress;
  progress.tty = isatty(STDERR_FILENO) != 0;
  progress.enabled = args.progress == Progress::always || (args.progress == Progress::automatic && progress.tty);

  sim::ExploreOptions options;
  options.strategy = spec.value().to_string();
  options.first_seed = seed.value();
  options.schedules = args.schedules;
  options.time_budget_s = args.time_s;
  options.run_options = run_options(*s, args.limit);
  options.shard_index = shard.value().index;
  options.shard_count = shard.value().count;
  // On a terminal the line is redrawn twice a second; in a log, a line every 5 s keeps it short.
  options.progress_interval_s = progress.tty ? 0.5 : 5.0;
  std::function<void(const sim::ExploreProgress &)> show;
  if (progress.enabled) show = [&](const sim::ExploreProgress &p) { progress.show(p); };

  std::string budget = "up to " + std::to_string(args.schedules) + " executions";
  if (args.time_s > 0) {
    char text[64];
    std::snprintf(text, sizeof text, " or %g s", args.time_s);
    budget += text;
  }
  if (shard.value().count > 1)
    budget += ", shard " + std::to_string(shard.value().index) + "/" + std::to_string(shard.value().count) + " (" +
              std::to_string(shard_share(args.schedules, shard.value())) + " of them" +
              (shard.value().source == "--shard" ? "" : ", from " + shard.value().source) + ")";
  if (args.jobs) budget += ", " + std::to_string(*args.jobs) + " worker process" + (*args.jobs > 1 ? "es" : "");
  out("explore " + std::string(s->name) + " (" + describe(*s) + "): strategy " + spec.value().to_string() +
      ", first seed " + sim::format_hex64(seed.value()) + ", " + budget + "\n");

  // The outcome, whichever way it ran.
  uint64_t executions = 0;
  bool exhausted = false, out_of_time = false;
  double wall_s = 0;
  std::optional<sim::RunResult> failed_run;  // the failing run (none: no failure, or a crash)
  std::optional<WorkerFailure> failure;      // index, seed, spec, crash (its `result` moved to failed_run)
  if (args.jobs) {
    auto result = explore_in_workers(s->body, options, *args.jobs, show);
    progress.clear();
    if (!result) {
      std::fflush(stdout);
      std::fprintf(stderr, "corosim: internal error: %s\n", result.error().c_str());
      return kInternalError;
    }
    WorkersResult &w = result.value();
    executions = w.executions;
    exhausted = w.exhausted;
    out_of_time = w.out_of_time;
    wall_s = w.wall_s;
    if (w.failure) {
      failure = std::move(w.failure);
      if (failure->result) failed_run = std::move(failure->result);
      failure->result.reset();
    }
  } else {
    options.progress = show;
    auto result = sim::explore(s->body, options);
    progress.clear();
    if (!result) return bad_input(result.error());
    sim::ExploreResult &e = result.value();
    executions = e.executions;
    exhausted = e.exhausted;
    out_of_time = e.out_of_time;
    wall_s = e.wall_s;
    if (e.failure) {
      failure = WorkerFailure{e.failure->index, e.failure->seed, e.failure->spec, std::nullopt, "", 0, 1};
      failed_run = std::move(e.failure->result);
    }
  }

  reports::ExploreSummary summary;
  summary.scenario = std::string(s->name);
  summary.expected = describe(*s);
  summary.strategy = spec.value().to_string();
  summary.first_seed = seed.value();
  summary.schedules = args.schedules;
  summary.shard_index = shard.value().index;
  summary.shard_count = shard.value().count;
  summary.jobs = args.jobs.value_or(0);
  summary.executions = executions;
  summary.exhausted = exhausted;
  summary.out_of_time = out_of_time;
  summary.wall_s = wall_s;

  char timing[96];
  std::snprintf(timing, sizeof timing, "%.2f s, %.0f executions/s", wall_s,
                wall_s > 0 ? static_cast<double>(executions) / wall_s : 0.0);
  const std::string sharded = shard.value().count > 1 ? ", shard " + std::to_string(shard.value().index) + "/" +
                                                            std::to_string(shard.value().count)
                                                      : std::string();
  if (failure) {
    const WorkerFailure &f = *failure;
    out("failure in execution " + std::to_string(f.index + 1) + " (" + timing + sharded + ")\n");
    const bool crashed = !failed_run;
    // A crashed PCT execution's k is lost with the worker, so its `run` line cannot be written; random's can.
    const bool run_line = crashed ? f.spec.name == "random" : reproducible_from_seed(f.spec);
    reports::FailureReport report =
        make_failure_report(*s, failed_run ? &*failed_run : nullptr, f.seed, f.spec, f.index + 1, args.save_schedule,
                            run_line, args.limit);
    if (crashed) {
      report.crash = f.crash;
      // The crashed worker's own shard, up to the crashed execution, in one worker: the same executions in the same
      // order on a fresh strategy, so the same strategy state (PCT's k) and the same crash, reported again.
      std::string again = g_program + " explore " + reports::shell_quote(s->name) + " --strategy " +
                          reports::shell_quote(spec.value().to_string()) + " --seed " +
                          sim::format_hex64(seed.value()) + " --schedules " + std::to_string(f.index + 1);
      if (f.worker_shard_count > 1)
        again += " --shard " + std::to_string(f.worker_shard_index) + "/" + std::to_string(f.worker_shard_count);
      again += " --jobs 1" + step_limit_args(args.limit);
      report.commands.push_back(again);
    }
    out(reports::failure_report_text(report));
    summary.failure = &report;
    json.write(reports::explore_summary_json(summary));
    junit.write(reports::explore_junit_xml(summary));
    if (!html.path.empty()) {
      // The report keeps the untraced run; the page shows the same run recorded step by step.
      std::optional<sim::RunResult> traced;
      if (failed_run) traced = traced_rerun(*s, *failed_run, f.seed, args.limit);
      reports::FailureReport shown = report;
      if (traced) shown.result = &*traced;
      summary.failure = &shown;
      html.write(reports::explore_html(summary));
    }
    return kFailureFound;
  }
  std::string summary_line;
  if (exhausted)
    summary_line = "space exhausted after " + std::to_string(executions) + " executions: no failure";
  else if (out_of_time)
    summary_line = "time budget used: no failure in " + std::to_string(executions) + " executions";
  else
    summary_line = "no failure in " + std::to_string(executions) + " executions";
  out(summary_line + " (" + timing + sharded + ")\n");
  if (s->expected == scenarios::Expected::bug)
    out("seeded bug not found: scenario '" + std::string(s->name) + "' is expected to fail" +
        (s->failure_kind.empty() ? std::string() : " with " + std::string(s->failure_kind)) +
        "; try more schedules or another strategy\n");
  json.write(reports::explore_summary_json(summary));
  junit.write(reports::explore_junit_xml(summary));
  html.write(reports::explore_html(summary));
  return kNoFailure;
}

int replay_command(const ReplayArgs &args) {
  auto loaded = sim::load_schedule(args.schedule_file);
  if (!loaded) return bad_input(loaded.error());
  const sim::Schedule &schedule = loaded.value();
  const std::string where = "schedule file '" + args.schedule_file + "': ";
  const scenarios::Scenario *s = scenarios::find(schedule.scenario);
  if (!s) return bad_input(where + "unknown scenario '" + schedule.scenario + "'");
  StepLimit limit;
  for (const auto &[name, value] : schedule.scenario_parameters) {
    if (name != kMaxStepsParameter)
      return bad_input(where + "unknown scenario parameter '" + name + "' (the scenarios take only " +
                       kMaxStepsParameter + ")");
    auto steps = sim::parse_seed(value);  // a 64-bit number in the same syntax
    if (!steps || steps.value() == 0)
      return bad_input(where + "scenario parameter " + kMaxStepsParameter + " is not a positive number: '" + value + "'");
    limit.max_steps = steps.value();
  }
  const bool want_trace = args.trace.has_value() || !args.output.empty();
  // A JSON or HTML trace on stdout is a document to redirect into a file: everything else goes to stderr then.
  const bool document_on_stdout = args.output.empty() && args.trace && *args.trace != "text";
  auto say = [&](const std::string &text) {
    if (!document_on_stdout) return out(text);
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  };

  auto strategy = sim::make_strategy("replay", schedule.decisions);
  if (!strategy) return bad_input(where + strategy.error());
  sim::RunOptions options = run_options(*s, limit);
  options.record_trace = want_trace;
  say("replay " + args.schedule_file + ": scenario " + schedule.scenario + " (" + describe(*s) + "), recorded with " +
      schedule.strategy.to_string() + ", seed " + sim::format_hex64(schedule.seed) + ", " +
      std::to_string(schedule.decisions.size()) + " decisions\n");
  const sim::RunResult r = sim::run_once(s->body, *strategy.value(), schedule.seed, options);

  // A schedule that does not fit is refused, never reported as the scenario's own outcome.
  if (!strategy.value()->mismatch().empty())
    return bad_input(where + "does not fit scenario '" + schedule.scenario + "': " + strategy.value()->mismatch());
  if (r.status == sim::RunStatus::mismatch)
    return bad_input(where + "does not fit scenario '" + schedule.scenario + "': " + r.message);
  if (schedule.trace_hash && *schedule.trace_hash != r.trace_hash)
    return bad_input(where + "the replay of scenario '" + schedule.scenario + "' has trace hash " +
                     sim::format_hex64(r.trace_hash) + ", the file records " +
                     sim::format_hex64(*schedule.trace_hash) +
                     " (the schedule belongs to another scenario, or the code changed since it was recorded)");

  if (want_trace) {
    const std::string format = args.trace.value_or("text");
    reports::RunTrace run;
    run.scenario = schedule.scenario;
    run.strategy = schedule.strategy.to_string();
    run.seed = schedule.seed;
    run.schedule_file = args.schedule_file;
    run.result = &r;
    const std::string text = format == "json"   ? reports::trace_json(run)
                             : format == "html" ? reports::trace_html(run)
                                                : reports::trace_text(r.trace);
    if (args.output.empty()) {
      out(text);
    } else {
      std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
      file << text;
      file.close();
      if (!file) return bad_input("cannot write the trace to '" + args.output + "'");
      say("trace (" + format + ", " + std::to_string(r.trace.size()) + " steps) written to " + args.output + "\n");
    }
  }
  if (schedule.trace_hash) say("replayed: same trace hash as recorded in the schedule file\n");
  if (r.ok()) {
    say(outcome_text(r));
    return kNoFailure;
  }
  reports::FailureReport report;
  report.scenario = schedule.scenario;
  report.result = &r;
  report.seed = schedule.seed;
  report.strategy = schedule.strategy.to_string();
  report.schedule_file = args.schedule_file;
  report.verdict = verdict(*s, r.status);
  if (reproducible_from_seed(schedule.strategy))
    report.commands.push_back(run_command_line(schedule.scenario, schedule.strategy, schedule.seed, limit));
  report.commands.push_back(replay_command_line(args.schedule_file));
  say(reports::failure_report_text(report));
  return kFailureFound;
}

}  // namespace corosim::cli
