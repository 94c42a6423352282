#pragma once
// The HTML timeline of one run (`corosim replay --trace html`, `corosim explore --html FILE`): one self-contained
// file (inline CSS, no script, no external resource) that a browser opens from disk or a CI artifact store.
//
//   <status> in scenario '<name>'                      the heading; "passed" for a run that did not fail
//   <the failure message, verbatim>
//   strategy, seed, steps, trace hash, schedule file, reproduction command
//   The failure shows at step 75.                      (a link to the failing step's row)
//   [ ] show the runtime's own steps (61 of 90 events)
//   | step | time         | t0          | t1                        | value  | site
//   |   37 | 0.000000000s |             | co1 atomic rmw #23        | 0 -> 1 | locks.hpp:79
//   |      |              |             | co2 call yield            |        | locks.hpp:83
//
// One column per sim thread, one row per trace event (text.hpp names its parts): the cell of the thread that ran
// it holds the coroutine and the operation, a call of the user's, or a wake-up ("wakes co5": who woke whom); then
// the value an atomic read or wrote and the user's source line. Folded (the toggle unchecked, as the page opens)
// only the user's steps and calls show, and the failing step, which is highlighted and has the anchor
// #failing-step; checking the toggle shows the runtime's own steps too (plain CSS: the page has no script). The
// time column shows the virtual clock where it moves. A run of more than 10,000 events shows its last 10,000
// rows, under a line that says so. Output depends only on the values given.

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
