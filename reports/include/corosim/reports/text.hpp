#pragma once
// Plain-text rendering of simulated runs: the step-by-step trace of one execution and the failure report that
// `corosim run | explore | replay` print. Text is for people; it is not a stable format to parse (a later JSON
// renderer is), except for one promise: a failure report's last line is the command that reproduces the failure.
//
// A trace, one line per event, and a line when the virtual clock moves (a run starts at 0):
//
//        0  t0   -      thread start
//       12  t1   co3    atomic read-modify-write #7 'lockers'   0 -> 1              locks.hpp:79
//           t1   co3    call CoMutex::lock                                          scenario.cpp:40
//       13  t1   co3    atomic read-modify-write #4                                 scenario.cpp:40 in CoMutex::lock
//           t1   co3    wakes co5
//   @ 1.000000000s
//   >>  40  t2   co4    atomic load #7                  -> 1                        locks.hpp:90   <== the failing step
//
//   step     the scheduling step, numbered as the executor numbers them (from 0); blank for an event that is not a
//            step (a call of the user's, a wake-up: sim::TraceEvent)
//   t<N>     the sim thread that ran it (0: the run's main thread)
//   co<N>    the coroutine running in that sim thread, '-' for the sim thread's own stack; its name if it has one
//   op       platform::sim_op_name and the object it acted on (#<N>, a per-run id in order of first use, and its
//            name), or "call NAME", or "wakes co<N>"
//   value    what an atomic read or wrote: "-> 1" read, "<- 0" wrote, "0 -> 1" read-modify-write, "(cas)"
//   site     the user's source line: the step's own, or (followed by "in CALL") the call of the user's it is in
//   >>       the failing step (sim::RunResult::failing_step)

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/executor.hpp>
#include <corosim/sim/failure.hpp>

namespace corosim::reports {

// The trace of one run (run.trace, with its names and failing step) as text (format above), each line ending in
// '\n'. Empty trace: empty string.
std::string trace_text(const sim::RunResult &run);

// "SIGINT", "SIGTERM", or "signal N": how reports name the signal that interrupted an exploration.
std::string signal_name(int sig);

// "1 execution", "2000 executions": how every report counts executions.
std::string executions_text(uint64_t n);

// Virtual nanoseconds as seconds with nine decimals: 1500000000 -> "1.500000000s", -1 -> "-0.000000001s".
std::string format_virtual_time(int64_t ns);

// Everything a failure report says: the failure (sim/failure.hpp), what it means for the program at hand (a
// verdict line, optional) and the commands that reproduce it (failure->commands(launcher)).
struct FailureReport {
  const sim::Failure *failure = nullptr;  // required
  std::string verdict;                    // optional one line on what the failure means (expected bug? regression?)
  std::vector<std::string> commands;      // reproduction commands, best last; not empty
};

// The report of `failure` for the program `launcher` starts, with its commands.
FailureReport failure_report(const sim::Failure &failure, const sim::Launcher &launcher, std::string verdict = {});

// The report, every line ending in '\n':
//
//   FAILED: lost_wakeup in scenario 'lost-wakeup-handoff'
//     execution   17 (seed 0x00000000000004d2, strategy pct:d=3,k=57)
//     steps       123
//     trace hash  0x9d1c0b5e3a7f2c44
//     shrunk      preemptions 9 -> 1, decisions 140 -> 61, steps 402 -> 171     (a shrunk run: found, now)
//     schedule    corosim-lost-wakeup-handoff-0x00000000000004d2.schedule.json
//     message:
//       lost wake-up: nothing left can wake coroutine 2 ...
//   <verdict, when given>
//   reproduce with:
//     corosim run lost-wakeup-handoff --strategy pct:d=3,k=57 --seed 0x00000000000004d2
//   corosim replay corosim-lost-wakeup-handoff-0x00000000000004d2.schedule.json
//
// "execution N" counts from 1 (a single run says "run" instead). The last command is printed last and unindented:
// the report's last line is the exact command to run. A crash has no steps, trace hash nor schedule, and says how
// the process died as its message.
std::string failure_report_text(const FailureReport &report);

}  // namespace corosim::reports
