// `shrink` (commands.hpp): a saved failing schedule made smaller (sim/shrink.hpp), written to -o FILE, and reported
// like every failure, ending with the command that replays the shrunk schedule.

#include <string>

#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/shrink.hpp>

#include "commands.hpp"

namespace corosim::cli {

int shrink_command(const ShrinkArgs &args) {
  auto loaded = load_schedule_of_scenario(args.schedule_file);
  if (!loaded) return bad_input(loaded.error());
  const sim::Schedule &schedule = loaded.value().schedule;
  const sim::Scenario *s = loaded.value().scenario;
  const std::string where = "schedule file " + sim::excerpt(args.schedule_file, 200) + ": ";
  if (auto problem = save_target_problem(args.output, "-o")) return bad_input(*problem);

  out("shrink " + args.schedule_file + ": scenario " + s->name + " (" + s->expected_text() + "), " +
      std::to_string(schedule.decisions.size()) + " decisions\n");
  sim::ShrinkOptions options;
  options.time_budget_s = args.time_s;
  auto shrunk = sim::shrink(s->body, schedule, {}, options);
  if (!shrunk) return bad_input(where + shrunk.error());
  if (auto saved = sim::save_schedule(args.output, shrunk.value().schedule); !saved) return bad_input(saved.error());
  out("tried " + std::to_string(shrunk.value().shrinking.runs) + " candidate schedules\n");
  out(sim::shrink_summary(shrunk.value().shrinking) + "\n");

  sim::Failure f;
  f.scenario = s->name;
  f.run_options = sim::run_options_of(shrunk.value().schedule);
  f.strategy = shrunk.value().schedule.strategy;
  f.seed = schedule.seed;
  f.result = std::move(shrunk.value().result);
  f.shrunk = shrunk.value().shrinking;
  f.schedule_file = args.output;
  out(reports::failure_report_text(prepare_report(f, *s, "")));
  return kFailureFound;
}

}  // namespace corosim::cli
