// Replaying a schedule (replay.hpp).

#include <corosim/sim/replay.hpp>

#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

RunOptions run_options_of(const Schedule &schedule, RunOptions options) {
  if (schedule.max_steps) options.max_steps = *schedule.max_steps;
  if (schedule.stack_bytes) options.stack_bytes = static_cast<std::size_t>(*schedule.stack_bytes);
  options.granularity = schedule.granularity.value_or(Granularity::full);
  return options;
}

Result<RunResult> replay(const std::function<void()> &body, const Schedule &schedule, RunOptions options) {
  auto strategy = make_strategy("replay", schedule.decisions);
  if (!strategy) return Error{strategy.error()};
  options = run_options_of(schedule, options);
  RunResult r = run_once(body, *strategy.value(), schedule.seed, options);
  const std::string misfit = "does not fit scenario " + excerpt(schedule.scenario) + ": ";
  if (!strategy.value()->mismatch().empty()) return Error{misfit + strategy.value()->mismatch()};
  if (r.status == RunStatus::mismatch) return Error{misfit + r.message};
  if (schedule.trace_hash && *schedule.trace_hash != r.trace_hash)
    return Error{"the replay of scenario " + excerpt(schedule.scenario) + " has trace hash " +
                 format_hex64(r.trace_hash) +
                 ", the file records " + format_hex64(*schedule.trace_hash) +
                 " (the schedule belongs to another scenario, or the code changed since it was recorded)"};
  return r;
}

}  // namespace corosim::sim
