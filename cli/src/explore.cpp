// `explore` (commands.hpp): its inputs resolved into a Plan (refused with exit 2 before anything runs), one
// sim::explore, in this process or in worker processes, and its outcome printed and written to the asked files.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <tuple>

#include <corosim/reports/html.hpp>
#include <corosim/reports/json.hpp>
#include <corosim/reports/junit.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/shrink.hpp>
#include <corosim/sim/strategy.hpp>

#include "commands.hpp"

namespace corosim::cli {

namespace {

// --- the plan: everything resolved before the exploration starts ---

struct Plan {
  const sim::Scenario *scenario = nullptr;
  sim::ExploreOptions options;
  Shard shard;
  OutputFile json, junit, html;
  ProgressLine progress;
  bool shrink = false;  // --shrink, within shrink_time_s
  double shrink_time_s = 30;
};

// Checks and opens what the exploration needs; a one-line reason when something is wrong.
std::optional<std::string> resolve(const ExploreArgs &args, Plan &plan) {
  std::string reason;
  plan.scenario = find_scenario(args.scenario, &reason);
  if (!plan.scenario) return reason;
  auto seed = sim::parse_seed(args.seed);
  if (!seed) return seed.error();
  auto spec = sim::parse_strategy(args.strategy);
  if (!spec) return spec.error();
  if (spec.value().name == "replay")
    return "explore cannot use the replay strategy (use `" + sim::shell_quote(launcher().program) + " replay FILE`)";
  auto shard = resolve_shard(args.shard, args.shard_count);
  if (!shard) return shard.error();
  plan.shard = shard.value();
  const std::string &name = spec.value().name;
  if (sim::is_systematic(spec.value()) && plan.shard.count > 1)
    return name + " cannot be sharded (" + plan.shard.source + " " + std::to_string(plan.shard.index) + "/" +
           std::to_string(plan.shard.count) + "): each of its executions depends on the ones before it";
  if (sim::is_systematic(spec.value()) && args.jobs > 1)
    return name + " cannot run in " + std::to_string(args.jobs) +
           " worker processes: each of its executions depends on the ones before it (use --jobs 1)";
  if (auto problem = save_target_problem(args.save_schedule)) return problem;
  for (auto [file, option, path] : {std::tuple{&plan.json, "--json", &args.json_file},
                                    std::tuple{&plan.junit, "--junit", &args.junit_file},
                                    std::tuple{&plan.html, "--html", &args.html_file}})
    if (auto error = file->open(option, *path)) return error;
  sim::ExploreOptions &o = plan.options;
  o.scenario = plan.scenario->name;
  o.strategy = spec.value().to_string();
  o.first_seed = seed.value();
  o.schedules = args.schedules.value_or(args.time_s > 0 ? UINT64_MAX : kDefaultSchedules);
  o.time_budget_s = args.time_s;
  o.run_options = run_options(args.limit, *plan.scenario);
  o.shard_index = plan.shard.index;
  o.shard_count = plan.shard.count;
  o.jobs = args.jobs;
  o.execution_timeout_s = args.execution_timeout_s;
  o.max_rss_mb = args.max_rss_mb.value_or(args.jobs > 0 ? kDefaultMaxRssMb : 0);
  plan.shrink = args.shrink;
  plan.shrink_time_s = args.shrink_time_s;
  o.stop_on_signals = true;  // Ctrl-C or a supervisor's SIGTERM: a summary and whole report files, exit 130 / 143
  return std::nullopt;
}

// The first line: what is explored and within which budget.
std::string header(const Plan &plan) {
  const sim::ExploreOptions &o = plan.options;
  std::string budget = o.schedules == UINT64_MAX ? "no limit on executions"
                                                 : "up to " + reports::executions_text(o.schedules);
  if (o.time_budget_s > 0) {
    char text[64];
    std::snprintf(text, sizeof text, " or %g s", o.time_budget_s);
    budget += text;
  }
  if (plan.shard.count > 1)
    budget += ", shard " + std::to_string(plan.shard.index) + "/" + std::to_string(plan.shard.count) + " (" +
              std::to_string(sim::share_executions(o)) + " of them" +
              (plan.shard.source == "--shard" ? "" : ", from " + plan.shard.source) + ")";
  if (const unsigned n = sim::worker_processes(o))
    budget += ", " + std::to_string(n) + " worker process" + (n > 1 ? "es" : "");
  return "explore " + plan.scenario->name + " (" + plan.scenario->expected_text() + "): strategy " + o.strategy +
         ", first seed " + sim::format_hex64(o.first_seed) + ", " + budget + "\n";
}

reports::ExploreSummary summary_of(const Plan &plan, const sim::ExploreResult &e) {
  reports::ExploreSummary summary;
  summary.scenario = plan.scenario->name;
  summary.expected = plan.scenario->expected_text();
  summary.strategy = plan.options.strategy;
  summary.first_seed = plan.options.first_seed;
  summary.schedules = plan.options.schedules;
  summary.shard_index = plan.shard.index;
  summary.shard_count = plan.shard.count;
  summary.jobs = plan.options.jobs;
  summary.executions = e.executions;
  summary.exhausted = e.exhausted;
  summary.out_of_time = e.out_of_time;
  summary.interrupted = e.interrupted;
  summary.wall_s = e.wall_s;
  return summary;
}

// "(1.20 s, 833 executions/s, shard 0/2)"
std::string timing(const Plan &plan, const sim::ExploreResult &e) {
  char text[96];
  std::snprintf(text, sizeof text, "(%.2f s, %.0f executions/s", e.wall_s,
                e.wall_s > 0 ? static_cast<double>(e.executions) / e.wall_s : 0.0);
  std::string s = text;
  if (plan.shard.count > 1) s += ", shard " + std::to_string(plan.shard.index) + "/" + std::to_string(plan.shard.count);
  return s + ")";
}

// The failing run again from its decisions, with its trace recorded (for the HTML timeline); none, with a warning,
// if it does not come out the same (it always should: runs are deterministic).
std::optional<sim::Failure> traced(const Plan &plan, const sim::Failure &f) {
  if (f.unrecorded()) return std::nullopt;
  auto strategy = sim::make_strategy("replay", f.result.decisions);
  if (!strategy) return std::nullopt;
  sim::RunOptions options = f.run_options;
  options.record_trace = true;
  sim::Failure again = f;
  again.result = sim::run_once(plan.scenario->body, *strategy.value(), f.seed, options);
  if (again.result.status == f.result.status && again.result.trace_hash == f.result.trace_hash) return again;
  std::fprintf(stderr, "corosim: warning: the traced rerun of the failing execution differs (trace hash %s, not %s)\n",
               sim::format_hex64(again.result.trace_hash).c_str(), sim::format_hex64(f.result.trace_hash).c_str());
  return std::nullopt;
}

// --shrink: the failure's run replaced by its shrunk version (a warning, and the failure as found, if it cannot be).
void shrink_found(const Plan &plan, sim::Failure &f) {
  if (!plan.shrink || f.unrecorded()) return;
  sim::ShrinkOptions options;
  options.time_budget_s = plan.shrink_time_s;
  auto shrunk = sim::shrink_failure(plan.scenario->body, f, options);
  if (!shrunk) {
    std::fprintf(stderr, "corosim: warning: not shrunk: %s\n", shrunk.error().c_str());
    return;
  }
  f = std::move(shrunk.value());
  out(sim::shrink_summary(*f.shrunk) + " (" + std::to_string(f.shrunk->runs) + " candidate schedules)\n");
}

int report_failure(Plan &plan, sim::ExploreResult &e, const std::string &save_to) {
  sim::Failure &f = *e.failure;
  out("failure in execution " + std::to_string(*f.execution + 1) + " " + timing(plan, e) + "\n");
  shrink_found(plan, f);
  reports::FailureReport report = prepare_report(f, *plan.scenario, save_to);
  out(reports::failure_report_text(report));
  reports::ExploreSummary summary = summary_of(plan, e);
  summary.failure = &report;
  std::optional<std::string> unwritten = plan.json.write(reports::explore_summary_json(summary));
  if (auto error = plan.junit.write(reports::explore_junit_xml(summary)); error && !unwritten) unwritten = error;
  if (!plan.html.path.empty()) {
    // The report keeps the untraced run; the page shows the same run recorded step by step.
    const std::optional<sim::Failure> with_trace = traced(plan, f);
    reports::FailureReport shown = report;
    if (with_trace) shown.failure = &*with_trace;
    summary.failure = &shown;
    if (auto error = plan.html.write(reports::explore_html(summary)); error && !unwritten) unwritten = error;
  }
  return unwritten ? bad_input(*unwritten) : kFailureFound;
}

int report_pass(Plan &plan, const sim::ExploreResult &e) {
  const std::string n = reports::executions_text(e.executions);
  const std::string line = e.interrupted   ? "interrupted by " + reports::signal_name(e.interrupted) + " after " + n +
                                                 ": no failure so far"
                           : e.exhausted   ? "space exhausted after " + n + ": no failure"
                           : e.out_of_time ? "time budget used: no failure in " + n
                                           : "no failure in " + n;
  out(line + " " + timing(plan, e) + "\n");
  const sim::Scenario &s = *plan.scenario;
  if (s.expected == sim::Expected::bug && !e.interrupted)
    out("seeded bug not found: scenario '" + s.name + "' is expected to fail with " +
        sim::run_status_name(s.failure_kind) + "; try more schedules or another strategy\n");
  const reports::ExploreSummary summary = summary_of(plan, e);
  std::optional<std::string> unwritten = plan.json.write(reports::explore_summary_json(summary));
  if (auto error = plan.junit.write(reports::explore_junit_xml(summary)); error && !unwritten) unwritten = error;
  if (auto error = plan.html.write(reports::explore_html(summary)); error && !unwritten) unwritten = error;
  if (unwritten) return bad_input(*unwritten);
  return e.interrupted ? 128 + e.interrupted : kNoFailure;  // as a shell reports a process the signal ended
}

}  // namespace

int explore_command(const ExploreArgs &args) {
  Plan plan;
  if (auto refused = resolve(args, plan)) return bad_input(*refused);
  // On a terminal the line is redrawn twice a second; in a log, a line every 5 s keeps it short.
  plan.options.progress_interval_s = plan.progress.start(args.progress);
  if (plan.progress.enabled) plan.options.progress = [&](const sim::ExploreProgress &p) { plan.progress.show(p); };

  // In this process an execution that ends the process (it overruns the timeout, calls exit() or crashes) is
  // reported from the watchdog thread, the exit handler or the signal handler, which then end the process
  // (explore.hpp, on_fatal). The exploring thread is stuck in that run meanwhile and touches none of this.
  const double began = sim::wall_seconds();
  plan.options.on_fatal = [&](const sim::Failure &f) {
    plan.progress.clear();
    sim::ExploreResult e;
    e.failure = f;
    e.executions = sim::share_executions_through(plan.options, *f.execution);
    e.wall_s = sim::wall_seconds() - began;
    report_failure(plan, e, args.save_schedule);
  };
  out(header(plan));
  auto explored = sim::explore(plan.scenario->body, plan.options);
  plan.progress.clear();
  if (!explored) {  // the inputs were checked above: what is left is the system's refusal or a worker's exception
    std::fflush(stdout);
    std::fprintf(stderr, "corosim: internal error: %s\n", explored.error().c_str());
    return kInternalError;
  }
  if (explored.value().failure) return report_failure(plan, explored.value(), args.save_schedule);
  return report_pass(plan, explored.value());
}

}  // namespace corosim::cli
