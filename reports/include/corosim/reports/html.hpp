#pragma once
// The HTML timeline of one run (`corosim replay --trace html`, `corosim explore --html FILE`): one self-contained
// file (inline CSS, no script, no external resource) that a browser opens from disk or a CI artifact store.
//
//   <status> in scenario '<name>'                      the heading; "passed" for a run that did not fail
//   <the failure message, verbatim>
//   strategy, seed, steps, trace hash, schedule file, reproduction command
//   | step | time         | t0                 | t1                   | t2 ...
//   |    0 | 0.000000000s | thread start       |                      |
//   |   12 |              |                    | co3 atomic load #7   |
//
// One column per sim thread, one row per step: the cell of the thread that ran the step holds the coroutine
// (co<N>, or '-' for the thread's own stack), the operation (platform::sim_op_name) and the object (#<N>). The
// time column shows the virtual clock where it moves. A run of more than 10,000 steps shows its last 10,000 rows,
// under a line that says so. Output depends only on the values given.

#include <string>
#include <string_view>

#include <corosim/reports/summary.hpp>

namespace corosim::reports {

// The timeline of run.result->trace, headed by the run's status and message.
std::string trace_html(const RunTrace &run);

// The page for an exploration: with a failure that has a result, its timeline (the failing run's trace, which the
// caller recorded) headed by the exploration and the failure report; with a crash, the report alone (a crashed
// run leaves no trace); without a failure, a short page saying so ("no failure in N executions").
std::string explore_html(const ExploreSummary &summary);

// Text as HTML character data or a quoted attribute value: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace corosim::reports
