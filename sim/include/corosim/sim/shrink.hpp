#pragma once
// Shrinking: a failing schedule made smaller while it still fails the same way, so that a person reading it sees
// the preemptions the bug needs and nothing the exploration happened to add. What `corosim shrink` and
// `corosim explore --shrink` run, what check_lock does to the failure it returns, and what the GoogleTest
// integration does before it saves a schedule.
//
//   Result<Schedule> failing = load_schedule("corosim-my-lock-0x....schedule.json");
//   Result<ShrinkResult> r = shrink(body, failing.value());
//   // r.value().schedule replays (make_strategy("replay", ...)) to r.value().result, which fails with the same
//   // kind; shrink_summary(r.value()) == "shrunk: preemptions 9 -> 1, decisions 140 -> 61, steps 402 -> 171"
//
// The run's choices are seen as alternatives, numbered as DFS numbers them: 0 is "the thread that ran the step
// before goes on" (where it cannot: the lowest-numbered thread), 1, 2, ... the other enabled threads ascending. A
// non-zero alternative where the running thread could go on is a preemption. A candidate is a set of non-zero
// alternatives at numbered choice points (every other choice point takes 0), so every candidate runs, and what its
// run records is a schedule that replays exactly. A candidate is kept when its run fails the same way as the
// original (the same RunStatus; for a deadlock also the same RunResult::shape, the same kind of cycle) and is
// smaller: fewer preemptions, then fewer decisions, then fewer steps, then smaller alternatives (an order without
// infinite descent, so shrinking ends). The passes, repeated while one of them keeps something:
//
//   truncation            only the alternatives before a choice point (after it the running thread goes on):
//                         the shortest failing prefix, by bisection
//   removal               delta debugging over the alternatives: chunks of halving size taken out (preemptions
//                         become "the running thread goes on"), down to one at a time
//   lower threads         each alternative above 1 lowered to the smallest that still fails
//
// Deterministic: the same body and schedule give the same result, whatever the machine (the time budget aside:
// a budget that runs out stops at whatever was reached, and says so).

#include <cstdint>
#include <functional>
#include <string>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/schedule.hpp>

namespace corosim::sim {

struct ShrinkOptions {
  double time_budget_s = 30;  // wall time to spend at most; 0: no limit (the passes end on their own)
  // The wall clock in seconds (any origin), for tests. Empty: the host's steady clock (explore.hpp, wall_seconds).
  std::function<double()> wall_clock;
  // The candidates run in a forked child process, so that one that crashes (a user's lock may corrupt memory on
  // a schedule it has not met before) ends the child, not the caller: shrink() then returns an Error and the
  // failure stays as found. The shrunk schedule is replayed in the caller to give ShrinkResult::result. Off: in
  // this process (faster to start; for callers that isolate themselves).
  bool isolated = true;
  // Whether a candidate's run fails the same way as the original's. Empty: the same RunStatus and, for a
  // deadlock, the same RunResult::shape. A harness whose failures share a status (check_lock's mutual_exclusion
  // and starvation are both assertions) gives its own.
  std::function<bool(const RunResult &original, const RunResult &candidate)> same_failure;
};

struct ShrinkResult {
  Schedule schedule;       // the smallest failing schedule found (strategy "replay"); replays exactly
  RunResult result;        // its run: the same status (and deadlock shape) as the original's
  Shrinking shrinking;     // sizes before and after, candidates tried, whether the budget ran out
};

// Shrinks `failing`, run on `body` with run_options_of(failing, options). Error (one line): the schedule does not
// fail when run (it passes, or ends in mismatch: it belongs to other code); isolated, also: the child process died
// or the system refused one. Exceptions from `body` propagate (isolated: they are an Error).
Result<ShrinkResult> shrink(const std::function<void()> &body, const Schedule &failing, RunOptions options = {},
                            const ShrinkOptions &shrink_options = {});

// The failure with its run shrunk: `result` becomes the shrunk run, `shrunk` says by how much, the schedule file
// is forgotten (save() writes the shrunk one). A failure that recorded nothing (crash, timeout, out_of_memory) has
// no schedule to shrink: Error. So does one whose run does not repeat (shrink's Error).
Result<Failure> shrink_failure(const std::function<void()> &body, const Failure &failure,
                               const ShrinkOptions &shrink_options = {});

// "shrunk: preemptions A -> B, decisions C -> D, steps E -> F", and " (time budget used)" when it ran out.
std::string shrink_summary(const Shrinking &shrinking);

}  // namespace corosim::sim
