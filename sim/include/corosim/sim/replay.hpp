#pragma once
// Replaying a schedule (schedule.hpp): the run it records, again, step for step. What `corosim replay` and
// COROSIM_REPLAY (corosim/gtest.hpp) do.
//
//   auto schedule = load_schedule("corosim-my-lock-0x....schedule.json");     // Error: unreadable, malformed
//   Result<RunResult> r = replay(body, schedule.value());                    // Error: it does not fit the body
//   r.value().status, .message, .trace_hash ...                               // the same as when it was recorded

#include <functional>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/schedule.hpp>

namespace corosim::sim {

// `options` with the run options the schedule records (its step bound, its sim-thread stack size) put in.
RunOptions run_options_of(const Schedule &schedule, RunOptions options = {});

// Runs `body` under the schedule's decisions with its seed and its run options (run_options_of(schedule, options)).
// Error (one line, naming the scenario): the run departs from the recorded decisions (another program, or code that
// changed), or ends with another trace hash than the one recorded.
Result<RunResult> replay(const std::function<void()> &body, const Schedule &schedule, RunOptions options = {});

}  // namespace corosim::sim
