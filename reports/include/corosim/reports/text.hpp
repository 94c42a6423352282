#pragma once
// Plain-text rendering of simulated runs: the step-by-step trace of one execution and the failure report that
// `corosim run | explore | replay` print. Text is for people; it is not a stable format to parse (a later JSON
// renderer is), except for one promise: a failure report's last line is the command that reproduces the failure.
//
// A trace, one line per step, and a line when the virtual clock moves (a run starts at 0):
//
//        0  t0  -     thread start
//        1  t0  -     thread spawn
//        2  t1  -     thread start
//       12  t1  co3   atomic read-modify-write  #7
//   @ 1.000000000s
//       13  t1  co3   atomic load  #7
//
//   step     the scheduling step, numbered as the executor numbers them (from 0)
//   t<N>     the sim thread that ran it (0: the run's main thread)
//   co<N>    the coroutine running in that sim thread, '-' for the sim thread's own stack
//   op       platform::sim_op_name
//   #<N>     the object it acted on (a per-run id in order of first use); absent when none

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/executor.hpp>

namespace corosim::reports {

// The trace of one run as text (format above), each line ending in '\n'. Empty trace: empty string.
std::string trace_text(std::span<const sim::TraceEvent> trace);

// Virtual nanoseconds as seconds with nine decimals: 1500000000 -> "1.500000000s", -1 -> "-0.000000001s".
std::string format_virtual_time(int64_t ns);

// Quotes `word` for a POSIX shell when it needs it (spaces, quotes, $, ...): printed commands can be pasted.
std::string shell_quote(std::string_view word);

// Everything a failure report says. The caller has already written the schedule file (if any) and knows the
// commands that reproduce the failure.
struct FailureReport {
  std::string scenario;
  const sim::RunResult *result = nullptr;  // not ok; required unless `crash` is set (then null: nothing was recorded)
  std::string crash;                       // non-empty: the execution crashed the worker process that ran it
                                           // (status "crash"), saying how ("killed by signal 11 (SIGSEGV)")
  uint64_t seed = 0;                       // the execution's seed
  std::string strategy;                    // spec string that produced it ("pct:d=3,k=57"), or "replay"
  std::optional<uint64_t> execution;       // explore: 1-based number of the execution in the exploration
  std::string schedule_file;               // the schedule written for it; empty: none written
  std::string verdict;                     // optional one line on what the failure means (expected bug? regression?)
  std::vector<std::string> commands;       // reproduction commands, best last; not empty
};

// The failure's status as reports print it (run_status_name, or "crash") and as machines read it (run_status_name,
// or "crash").
std::string failure_status_name(const FailureReport &report);
std::string failure_status_kind(const FailureReport &report);

// The report, every line ending in '\n':
//
//   FAILED: lost wake-up in scenario 'lost-wakeup-handoff'
//     execution   17 (seed 0x00000000000004d2, strategy pct:d=3,k=57)
//     steps       123
//     trace hash  0x9d1c0b5e3a7f2c44
//     schedule    corosim-lost-wakeup-handoff-0x00000000000004d2.schedule.json
//     message:
//       coroutine 3 on t1 waits on CoQueue #4, which nobody will signal
//   <verdict, when given>
//   reproduce with:
//     corosim run lost-wakeup-handoff --strategy pct:d=3,k=57 --seed 0x00000000000004d2
//   corosim replay corosim-lost-wakeup-handoff-0x00000000000004d2.schedule.json
//
// The last command is printed last and unindented: the report's last line is the exact command to run.
// A crash has no steps, trace hash nor schedule: "FAILED: crash in scenario ..." and the crash as its message.
std::string failure_report_text(const FailureReport &report);

}  // namespace corosim::reports
