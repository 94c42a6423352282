#pragma once
// A failure to render, for the renderers' tests: what an exploration of `scenario` reports when its execution
// `number` (counted from 1) failed with `result`.

#include <string>
#include <utility>

#include <corosim/sim/failure.hpp>

namespace corosim::reports::testing {

inline sim::Failure sample_failure(std::string scenario, sim::RunResult result, uint64_t number = 5) {
  sim::Failure f;
  f.scenario = std::move(scenario);
  f.strategy = sim::parse_strategy(result.status == sim::RunStatus::crash ? "random" : "pct:d=3,k=57").value();
  f.seed = 0x10;
  f.execution = number - 1;
  f.exploration = sim::ExplorationOrigin{sim::parse_strategy("pct").value(), 1, 0, 1};
  f.result = std::move(result);
  return f;
}

inline sim::RunResult crashed_run() {
  sim::RunResult r;
  r.status = sim::RunStatus::crash;
  r.message = "the worker process running it was killed by signal 11 (Segmentation fault)";
  return r;
}

}  // namespace corosim::reports::testing
