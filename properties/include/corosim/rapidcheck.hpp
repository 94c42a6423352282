#pragma once
// Property tests over the schedules of your own code, with RapidCheck (https://github.com/emil-e/rapidcheck):
// RapidCheck generates the inputs AND the schedule, runs your body in the simulator, and on a failure shrinks both,
// so the counterexample it reports is a small program under a schedule with few preemptions. Link
// corosim::properties and RapidCheck (Debian: librapidcheck-dev; its rapidcheck/gtest.h for RC_GTEST_PROP).
//
//   #include <rapidcheck/gtest.h>
//   #include <corosim/rapidcheck.hpp>
//
//   RC_GTEST_PROP(MyLock, KeepsTheCountRight, ()) {
//     const int threads = *rc::gen::inRange(2, 5);                 // inputs, generated and shrunk by RapidCheck
//     corosim::rc_simulate("MyLock.KeepsTheCountRight", [&] {     // one simulated execution, schedule generated
//       MyLock lock;
//       int count = 0;
//       ... start `threads` corosim::Threads or coroutines that lock, increment, unlock ...
//       corosim::sim::check(count == threads, "an increment was lost");
//     });
//   }
//
// The schedule comes from a tape of preemptions (sim::make_tape_strategy): each entry lets some scheduling choices
// go by without a preemption, then switches to another enabled thread. RapidCheck shrinks the tape toward fewer,
// earlier and simpler preemptions as it shrinks any other vector. A failure (any RunStatus but ok: sim::check,
// a deadlock, a lost wake-up, misuse, an exception, a step limit) fails the property with the run's message, the
// size of the schedule (tape entries, decisions, steps) and how to reproduce it: RapidCheck prints its
// RC_PARAMS="reproduce=..." line, which regenerates the same inputs and the same tape, and the failing
// execution's schedule is saved (corosim-<name>.schedule.json, overwritten by each failing case while RapidCheck
// shrinks, so it ends as the shrunk one's) for sim::replay(body, sim::load_schedule(file).value()).
//
// How many cases: a case is one short simulated execution (tens of microseconds), and a concurrency bug may need a
// few thousand schedules to show; RapidCheck's default of 100 cases is a smoke test. Ask for more with
// RC_PARAMS="max_success=5000" (or rc::detail::TestParams when running a property yourself).
//
// Generate inputs OUTSIDE the body (the body runs inside the simulated execution, where RapidCheck's generators
// must not be used); the body may use sim::check / sim::fail, and RC_ASSERT (its exception fails the run, named).

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include <corosim/sim/strategy.hpp>
#include <corosim/simulate.hpp>

namespace corosim {

namespace sim {
// How RapidCheck prints a tape entry in a counterexample: "+gap>choice".
inline void showValue(const TapeEntry &entry, std::ostream &os) {
  os << '+' << unsigned{entry.gap} << '>' << unsigned{entry.choice};
}
}  // namespace sim

// A tape of preemptions: up to RapidCheck's size entries, gaps 0-63 choice points, choices 0-7.
inline ::rc::Gen<std::vector<sim::TapeEntry>> rc_schedules() {
  return ::rc::gen::container<std::vector<sim::TapeEntry>>(::rc::gen::map(
      ::rc::gen::pair(::rc::gen::inRange<std::uint8_t>(0, 64), ::rc::gen::inRange<std::uint8_t>(0, 8)),
      [](const std::pair<std::uint8_t, std::uint8_t> &p) { return sim::TapeEntry{p.first, p.second}; }));
}

// In a RapidCheck property: draws a schedule (rc_schedules) and runs `body` as one simulated execution under it;
// fails the property (RC_FAIL) if the execution fails. `name` names the saved schedule file.
inline void rc_simulate(const std::string &name, const std::function<void()> &body, sim::RunOptions options = {}) {
  const std::vector<sim::TapeEntry> tape = *rc_schedules();
  const std::string failure = simulate_on_tape(name, body, tape, options);
  if (!failure.empty()) RC_FAIL(failure);
}

}  // namespace corosim
