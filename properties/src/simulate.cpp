// One simulated execution under a tape, and its failure text (corosim/simulate.hpp): the compiled half of the
// RapidCheck bridge (corosim/rapidcheck.hpp), which corosim::properties builds without RapidCheck.

#include <corosim/simulate.hpp>

#include <corosim/sim/failure.hpp>

namespace corosim {
namespace {
SimulatedFailure &last() {
  static SimulatedFailure failure;
  return failure;
}
}  // namespace

const SimulatedFailure &last_simulated_failure() { return last(); }

std::string simulate_on_tape(const std::string &name, const std::function<void()> &body,
                     const std::vector<sim::TapeEntry> &tape, const sim::RunOptions &options) {
  auto strategy = sim::make_tape_strategy(tape);
  sim::RunResult r = sim::run_once(body, *strategy, 0, options);
  if (r.ok()) return "";
  sim::Failure f;
  f.scenario = name;
  f.run_options = options;
  f.strategy = strategy->spec();
  f.result = r;
  SimulatedFailure &record = last();
  record = {name, r, tape.size(), ""};
  if (auto saved = f.save()) record.schedule_file = f.schedule_file;
  std::string text = "corosim: the simulated execution failed (" + std::string(f.kind()) + "): " + r.message +
                     "\nits schedule: " + std::to_string(tape.size()) + "-entry tape, " +
                     std::to_string(r.decisions.size()) + " decisions, " + std::to_string(r.steps) + " steps";
  text += record.schedule_file.empty()
              ? " (could not be saved)"
              : "; saved to " + record.schedule_file + " (replay: sim::replay(body, sim::load_schedule(\"" +
                    record.schedule_file + "\").value()))";
  return text + "\nreproduce: run again with the RC_PARAMS=\"reproduce=...\" line RapidCheck prints for this property";
}

}  // namespace corosim
