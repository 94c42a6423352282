#pragma once
// One simulated execution under a tape of preemptions (sim::make_tape_strategy), reported the way a property-testing
// library wants it: the half of corosim/rapidcheck.hpp that does not need RapidCheck (and what a bridge to another
// library would call).

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim {

// A failing simulated execution.
struct SimulatedFailure {
  std::string name;             // the property's, as given
  sim::RunResult result;        // status, message, steps, decisions
  std::size_t tape_entries = 0;  // entries of the tape it ran under (what a shrinker shrinks)
  std::string schedule_file;    // where its schedule was saved ("" if it could not be)
};

// Runs body once under `tape`; "" when the run passed. On a failure: saves the run's schedule to
// corosim-<name>.schedule.json (replacing it), records the failure (last_simulated_failure) and returns the text to
// fail the property with: the run's message, the schedule's size, the file and how to replay it.
std::string simulate_on_tape(const std::string &name, const std::function<void()> &body,
                             const std::vector<sim::TapeEntry> &tape, const sim::RunOptions &options = {});

// The last failing simulate_on_tape of this process: after a shrink, the shrunk counterexample's.
const SimulatedFailure &last_simulated_failure();

}  // namespace corosim
