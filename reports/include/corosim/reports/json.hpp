#pragma once
// JSON renderings for machines: the summary of an exploration (`corosim explore --json FILE`) and the trace of one
// run (`corosim replay --trace json`). Both are one JSON object, UTF-8, two-space indented, ending in a newline;
// seeds and trace hashes are strings "0x" + 16 hex digits (JSON readers lose integers above 2^53), counts are
// numbers. Readers should ignore members they do not know: later versions may add some without a version bump.
//
// Explore summary (format "corosim-explore", version 1):
//
//   {
//     "format": "corosim-explore", "version": 1,
//     "scenario": "lost-wakeup-handoff", "expected": "bug: lost_wakeup",
//     "strategy": "pct", "first_seed": "0x0000000000000001", "schedules": 10000,
//     "shard": {"index": 0, "count": 1}, "jobs": 0,            (jobs 0: explored inside the corosim process)
//     "executions": 17, "exhausted": false, "out_of_time": false, "wall_s": 0.042,
//     "failure": null, or {
//       "kind": "lost_wakeup",                                 (sim::run_status_name; "crash": the worker died)
//       "message": "...", "execution": 17, "seed": "0x...", "strategy": "pct:d=3,k=57",   (execution from 1)
//       "steps": 123, "trace_hash": "0x...",                   (null for a crash)
//       "schedule_file": "corosim-....schedule.json",          (null when none was written)
//       "verdict": "seeded bug found: ...",
//       "commands": ["corosim run ...", "corosim replay ..."], "reproduce": "corosim replay ..."  (the last command)
//     }
//   }
//
// Trace (format "corosim-trace", version 1): the run's metadata and its steps in order,
//
//   {
//     "format": "corosim-trace", "version": 1,
//     "scenario": "...", "strategy": "pct:d=3,k=57", "seed": "0x...", "schedule_file": "..." | null,
//     "status": "deadlock", "message": "...", "steps": 123, "trace_hash": "0x...",   (status: sim::run_status_name)
//     "end_ns": 0, "truncated": false,
//     "failing_step": 75 | null, "reproduce": "corosim replay ..." | null,
//     "object_names": {"23": "lockers"}, "coroutine_names": {"2": "waiter"},
//     "events": [{"kind": "step", "step": 0, "thread": 0, "coroutine": 0, "op": "thread start", "object": 0,
//                 "now_ns": 0, "text": "thread start", "value": null, "site": null, "call": null, "user": false},
//                {"kind": "step", ..., "op": "atomic read-modify-write", "object": 23,
//                 "text": "atomic read-modify-write #23 'lockers'", "value": "0 -> 1", "site": "locks.hpp:79",
//                 "user": true},
//                {"kind": "call", ..., "op": null, "text": "call yield", "site": "locks.hpp:83", "call": "yield"},
//                {"kind": "wake", ..., "op": null, "object": 5, "text": "wakes co5"}, ...]
//   }
//
//   kind: step, call or wake (sim::TraceEvent); coroutine 0: the sim thread's own stack; object 0: none (a wake:
//   the coroutine woken); op: platform::sim_op_name; text, value, site: as the text trace shows them; user: a step
//   of the user's code or a call of the user's (what a folded timeline shows).

#include <string>

#include <corosim/reports/summary.hpp>

namespace corosim::reports {

std::string explore_summary_json(const ExploreSummary &summary);

std::string trace_json(const RunTrace &run);

}  // namespace corosim::reports
