#pragma once
// The built-in scenarios: named workloads on the runtime compiled for the sim platform (corosim::runtime_sim),
// run by the simulator (corosim/sim/executor.hpp) as the main sim thread of each execution. Correct ones must
// pass every explored schedule; seeded-bug ones must be caught, with the failure kind they name.
//
//   for (const Scenario &s : corosim::scenarios::all()) ...        // in registration order (stable)
//   const Scenario *s = corosim::scenarios::find("lock-order-deadlock");  // nullptr when unknown
//   RunResult r = sim::run_once(s->body, strategy, seed, s->run_options());
//
// Each scenario lives in its own .cpp file under scenarios/src/, whose header comment draws the interleaving it
// is about. Scenario bodies keep the coroutine pool off (a pool carried between runs would change later runs).

#include <cstdint>
#include <span>
#include <string_view>

#include <corosim/sim/executor.hpp>

namespace corosim::scenarios {

enum class Expected { pass, bug };

struct Scenario {
  std::string_view name;         // lower-case-with-dashes, unique
  Expected expected;             // pass: no schedule may fail; bug: some schedule fails as `failure_kind`
  std::string_view failure_kind; // for bugs: sim::run_status_name of the failure it must produce; empty for pass
  std::string_view description;  // one line, for `corosim list`
  void (*body)();                // the run's main sim thread
  std::uint64_t max_steps;       // the step limit of one execution

  sim::RunOptions run_options() const {
    sim::RunOptions options;
    options.max_steps = max_steps;
    return options;
  }
};

// Every built-in scenario, in a fixed order (the order `corosim list` prints).
std::span<const Scenario> all() noexcept;

// The scenario called `name`, or nullptr.
const Scenario *find(std::string_view name) noexcept;

const char *expected_name(Expected expected) noexcept;  // "pass" | "bug"

}  // namespace corosim::scenarios
