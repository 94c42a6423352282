#pragma once
// A run's trace in the Trace Event format (`corosim replay FILE --trace perfetto`), which ui.perfetto.dev and
// chrome://tracing open: one JSON object, {"displayTimeUnit": "ns", "traceEvents": [...]}.
//
//   process      the run: "corosim SCENARIO (seed S)"
//   thread       one track per sim thread ("t0", "t1", ...; pid 1, tid = the sim thread's number)
//   slice (X)    a coroutine's run on its thread: consecutive steps of that thread in that coroutine, named
//                "co<N>" (with its name when it has one)
//   instant (i)  every event of the trace on its thread's track: a step (named by its operation), a call of the
//                user's ("call CoMutex::lock") or a wake-up ("wakes co5"); args: step, coroutine, value, site, call,
//                user, virtual time in ns
//   instant (i)  the failing step, global scope, named "FAILED: KIND"
//
// The time axis is the step: step N at N microseconds (the simulator's virtual clock seldom moves; it is in every
// event's args). Output depends only on the values given.

#include <string>

#include <corosim/reports/summary.hpp>

namespace corosim::reports {

std::string trace_perfetto(const RunTrace &run);

}  // namespace corosim::reports
