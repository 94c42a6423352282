// The `corosim` commands (commands.hpp). Each one resolves its inputs first (scenario, seed, strategy, schedule
// file) and refuses bad ones with exit status 2 and one line, before anything runs; then it runs, prints facts
// (status, steps, trace hash, a report), and maps the outcome onto the exit status. It does not interpret an
// outcome beyond one verdict line: an expected-pass scenario that fails is said to be a regression; a seeded-bug
// scenario that fails is said to be the bug found; both exit 1.

#include "commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

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
  const std::string kind = sim::run_status_kind(status);
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

// Saves the failing run's schedule and prints its report. `run_line_valid`: the `corosim run` line reproduces it.
void report_failure(const scenarios::Scenario &s, const sim::RunResult &r, uint64_t seed, const sim::StrategySpec &spec,
                    std::optional<uint64_t> execution, const std::string &save_to, bool run_line_valid,
                    const StepLimit &limit) {
  sim::Schedule schedule;
  schedule.scenario = std::string(s.name);
  if (limit.max_steps) schedule.scenario_parameters[kMaxStepsParameter] = std::to_string(*limit.max_steps);
  schedule.strategy = spec;
  schedule.seed = seed;
  schedule.trace_hash = r.trace_hash;
  schedule.decisions = r.decisions;
  const std::string file = save_to.empty() ? default_schedule_file(s.name, seed) : save_to;
  auto saved = sim::save_schedule(file, schedule);
  if (!saved) std::fprintf(stderr, "corosim: warning: %s\n", saved.error().c_str());

  reports::FailureReport report;
  report.scenario = std::string(s.name);
  report.result = &r;
  report.seed = seed;
  report.strategy = spec.to_string();
  report.execution = execution;
  report.verdict = verdict(s, r.status);
  if (saved) report.schedule_file = file;
  if (run_line_valid) report.commands.push_back(run_command_line(s.name, spec, seed, limit));
  if (saved) report.commands.push_back(replay_command_line(file));
  if (report.commands.empty()) {
    // No schedule file and a DFS execution: nothing but the whole exploration reproduces it.
    report.commands.push_back(g_program + " explore " + reports::shell_quote(s.name) + " --strategy " +
                              reports::shell_quote(spec.to_string()) + " --schedules " +
                              std::to_string(execution.value_or(1)) + step_limit_args(limit));
  }
  out(reports::failure_report_text(report));
}

void print_outcome(const sim::RunResult &r) {
  out(std::string("status      ") + sim::run_status_name(r.status) +
      (r.truncated ? " (stopped at the step bound: --on-step-limit continue)" : "") + "\n" + "steps       " +
      std::to_string(r.steps) + "\n" + "trace hash  " + sim::format_hex64(r.trace_hash) + "\n");
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
    print_outcome(r);
    return kNoFailure;
  }
  // The first execution of a fresh strategy, whatever it is, is reproduced by the same command.
  report_failure(*s, r, seed.value(), strategy.value()->spec(), std::nullopt, args.save_schedule, true, args.limit);
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

  ProgressLine progress;
  progress.tty = isatty(STDERR_FILENO) != 0;
  progress.enabled = args.progress == Progress::always || (args.progress == Progress::automatic && progress.tty);

  sim::ExploreOptions options;
  options.strategy = spec.value().to_string();
  options.first_seed = seed.value();
  options.schedules = args.schedules;
  options.time_budget_s = args.time_s;
  options.run_options = run_options(*s, args.limit);
  // On a terminal the line is redrawn twice a second; in a log, a line every 5 s keeps it short.
  options.progress_interval_s = progress.tty ? 0.5 : 5.0;
  if (progress.enabled) options.progress = [&](const sim::ExploreProgress &p) { progress.show(p); };

  std::string budget = "up to " + std::to_string(args.schedules) + " executions";
  if (args.time_s > 0) {
    char text[64];
    std::snprintf(text, sizeof text, " or %g s", args.time_s);
    budget += text;
  }
  out("explore " + std::string(s->name) + " (" + describe(*s) + "): strategy " + spec.value().to_string() +
      ", first seed " + sim::format_hex64(seed.value()) + ", " + budget + "\n");

  auto result = sim::explore(s->body, options);
  progress.clear();
  if (!result) return bad_input(result.error());
  const sim::ExploreResult &e = result.value();

  char timing[96];
  std::snprintf(timing, sizeof timing, "%.2f s, %.0f executions/s", e.wall_s,
                e.wall_s > 0 ? static_cast<double>(e.executions) / e.wall_s : 0.0);
  if (e.failure) {
    const sim::ExploreFailure &f = *e.failure;
    out("failure in execution " + std::to_string(f.index + 1) + " (" + timing + ")\n");
    report_failure(*s, f.result, f.seed, f.spec, f.index + 1, args.save_schedule, reproducible_from_seed(f.spec),
                   args.limit);
    return kFailureFound;
  }
  std::string summary;
  if (e.exhausted)
    summary = "space exhausted after " + std::to_string(e.executions) + " executions: no failure";
  else if (e.out_of_time)
    summary = "time budget used: no failure in " + std::to_string(e.executions) + " executions";
  else
    summary = "no failure in " + std::to_string(e.executions) + " executions";
  out(summary + " (" + timing + ")\n");
  if (s->expected == scenarios::Expected::bug)
    out("seeded bug not found: scenario '" + std::string(s->name) + "' is expected to fail" +
        (s->failure_kind.empty() ? std::string() : " with " + std::string(s->failure_kind)) +
        "; try more schedules or another strategy\n");
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

  auto strategy = sim::make_strategy("replay", schedule.decisions);
  if (!strategy) return bad_input(where + strategy.error());
  sim::RunOptions options = run_options(*s, limit);
  options.record_trace = want_trace;
  out("replay " + args.schedule_file + ": scenario " + schedule.scenario + " (" + describe(*s) + "), recorded with " +
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
    const std::string text = reports::trace_text(r.trace);
    if (args.output.empty()) {
      out(text);
    } else {
      std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
      file << text;
      file.close();
      if (!file) return bad_input("cannot write the trace to '" + args.output + "'");
      out("trace (" + std::to_string(r.trace.size()) + " steps) written to " + args.output + "\n");
    }
  }
  if (schedule.trace_hash) out("replayed: same trace hash as recorded in the schedule file\n");
  if (r.ok()) {
    print_outcome(r);
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
  out(reports::failure_report_text(report));
  return kFailureFound;
}

}  // namespace corosim::cli
