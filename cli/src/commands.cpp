// `list`, `run` and `replay` (commands.hpp). Each resolves its inputs first (scenario, seed, strategy, schedule
// file) and refuses bad ones with exit status 2 and one line, before anything runs; then it runs, prints facts
// (status, steps, trace hash, a report), and maps the outcome onto the exit status.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <corosim/reports/html.hpp>
#include <corosim/reports/json.hpp>
#include <corosim/reports/perfetto.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/strategy.hpp>

#include "commands.hpp"

namespace corosim::cli {

int list_command() {
  std::size_t name_width = 0, expected_width = 0;
  for (const sim::Scenario &s : sim::scenarios()) {
    name_width = std::max(name_width, s.name.size());
    expected_width = std::max(expected_width, s.expected_text().size());
  }
  std::string text;
  for (const sim::Scenario &s : sim::scenarios()) {
    text += s.name + std::string(name_width - s.name.size() + 2, ' ');
    text += s.expected_text() + std::string(expected_width - s.expected_text().size() + 2, ' ');
    text += s.description + "\n";
  }
  out(text);
  return kNoFailure;
}

int run_command(const RunArgs &args) {
  std::string reason;
  const sim::Scenario *s = find_scenario(args.scenario, &reason);
  if (!s) return bad_input(reason);
  auto seed = sim::parse_seed(args.seed);
  if (!seed) return bad_input(seed.error());
  auto strategy = sim::make_strategy(args.strategy);
  if (!strategy) return bad_input(strategy.error());
  if (strategy.value()->spec().name == "replay")
    return bad_input("run cannot use the replay strategy: it needs a schedule (`" +
                     sim::shell_quote(launcher().program) + " replay SCHEDULE_FILE`)");
  if (auto problem = save_target_problem(args.save_schedule)) return bad_input(*problem);

  sim::RunOptions options = run_options(args.limit, *s);
  options.record_trace = args.trace;
  out("run " + s->name + " (" + s->expected_text() + "): strategy " + strategy.value()->spec().to_string() +
      ", seed " + sim::format_hex64(seed.value()) + "\n");
  sim::RunResult r = sim::run_once(s->body, *strategy.value(), seed.value(), options);
  if (args.trace) out(reports::trace_text(r));
  if (r.ok()) {
    out(outcome_text(r));
    return kNoFailure;
  }
  sim::Failure f;
  f.scenario = s->name;
  f.run_options = options;
  f.strategy = strategy.value()->spec();
  f.seed = seed.value();
  f.single_run = true;  // the first execution of a fresh strategy, whatever it is: the same command reproduces it
  f.result = std::move(r);
  out(reports::failure_report_text(prepare_report(f, *s, args.save_schedule)));
  return kFailureFound;
}

namespace {

// The trace of a replayed run in the asked format.
std::string trace_document(const std::string &format, const sim::Schedule &schedule, const std::string &file,
                           const sim::RunResult &r) {
  reports::RunTrace run;
  run.scenario = schedule.scenario;
  run.strategy = schedule.strategy.to_string();
  run.seed = schedule.seed;
  run.schedule_file = file;
  run.reproduce = sim::shell_quote(launcher().program) + " replay " + sim::shell_quote(file);
  run.result = &r;
  if (format == "json") return reports::trace_json(run);
  if (format == "html") return reports::trace_html(run);
  if (format == "perfetto") return reports::trace_perfetto(run);
  return reports::trace_text(r);
}

}  // namespace

int replay_command(const ReplayArgs &args) {
  auto loaded = load_schedule_of_scenario(args.schedule_file);
  if (!loaded) return bad_input(loaded.error());
  const sim::Schedule &schedule = loaded.value().schedule;
  const sim::Scenario *s = loaded.value().scenario;
  const std::string where = "schedule file " + sim::excerpt(args.schedule_file, 200) + ": ";
  const bool want_trace = args.trace.has_value() || !args.output.empty();
  // A JSON or HTML trace on stdout is a document to redirect into a file: everything else goes to stderr then.
  const bool document_on_stdout = args.output.empty() && args.trace && *args.trace != "text";
  auto say = [&](const std::string &text) {
    if (!document_on_stdout) return out(text);
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  };

  sim::RunOptions options;
  options.record_trace = want_trace;
  say("replay " + args.schedule_file + ": scenario " + schedule.scenario + " (" + s->expected_text() +
      "), recorded with " + schedule.strategy.to_string() + ", seed " + sim::format_hex64(schedule.seed) + ", " +
      std::to_string(schedule.decisions.size()) + " decisions\n");
  // A schedule that does not fit is refused, never reported as the scenario's own outcome.
  auto replayed = sim::replay(s->body, schedule, options);
  if (!replayed) return bad_input(where + replayed.error());
  sim::RunResult &r = replayed.value();

  if (want_trace) {
    const std::string format = args.trace.value_or("text");
    const std::string text = trace_document(format, schedule, args.schedule_file, r);
    if (args.output.empty()) {
      out(text);
    } else {
      std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
      file << text;
      file.close();
      if (!file) return bad_input("cannot write the trace to " + sim::excerpt(args.output, 200));
      say("trace (" + format + ", " + std::to_string(r.trace.size()) + " events) written to " + args.output + "\n");
    }
  }
  if (schedule.trace_hash) say("replayed: same trace hash as recorded in the schedule file\n");
  if (r.ok()) {
    say(outcome_text(r));
    return kNoFailure;
  }
  sim::Failure f;
  f.scenario = schedule.scenario;
  f.run_options = sim::run_options_of(schedule, options);
  f.strategy = schedule.strategy;
  f.seed = schedule.seed;
  f.result = std::move(r);
  f.schedule_file = args.schedule_file;
  say(reports::failure_report_text(prepare_report(f, *s, "")));
  return kFailureFound;
}

}  // namespace corosim::cli
