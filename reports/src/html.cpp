// The HTML timeline (html.hpp): a page of plain tables with inline CSS. No script: the page must open anywhere, and
// a long trace stays readable by scrolling (the header row sticks).

#include <corosim/reports/html.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <span>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/reports/text.hpp>
#include <corosim/sim/random.hpp>

#include "describe.hpp"
#include "escape.hpp"

namespace corosim::reports {

std::string html_escape(std::string_view text) { return detail::escape_markup(text, "&#39;"); }

namespace {

constexpr const char *kStyle = R"(body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; }
h1.failed { color: #a00; }
h1.passed { color: #070; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; white-space: pre-wrap; }
table.meta th { text-align: left; padding-right: 1em; font-weight: normal; color: #666; }
table.meta td { font-family: monospace; }
table.timeline { border-collapse: collapse; font-family: monospace; font-size: 0.9em; margin-top: 1em; }
table.timeline th { position: sticky; top: 0; background: #333; color: #fff; padding: 0.3em 0.8em; }
table.timeline td { border-bottom: 1px solid #eee; padding: 0.1em 0.8em; white-space: nowrap; }
table.timeline td.step, table.timeline td.time { text-align: right; color: #666; }
table.timeline td.ran { background: #eef4ff; }
table.timeline td.site, table.timeline td.value { color: #555; }
table.timeline tr.internal td.ran { background: #f6f6f6; color: #777; }
table.timeline tr.wake td.ran { background: #efe; }
table.timeline tr.failing td { background: #fcc; font-weight: bold; }
#show-internal:not(:checked) ~ table.timeline tr.internal:not(.failing) { display: none; }
label.toggle { font-size: 0.9em; color: #444; }
span.co { color: #05a; }
span.obj { color: #888; }
)";

std::string page_start(const std::string &title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
         "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
}

constexpr const char *kPageEnd = "</body>\n</html>\n";

// About 2 MB of rows on 4 sim threads: what a browser still scrolls through without trouble.
constexpr std::size_t kMaxTimelineRows = 10'000;

void meta_row(std::string &out, const char *name, const std::string &value) {
  out += "<tr><th>";
  out += name;
  out += "</th><td>" + html_escape(value) + "</td></tr>\n";
}

// One row of the timeline: the event in its thread's column, then its value and site.
void timeline_row(std::string &out, const sim::TraceEvent &e, const sim::RunResult &run, uint32_t threads,
                  const char *time) {
  const bool step = e.kind == sim::TraceEvent::Kind::step;
  const bool failing = step && run.failing_step == e.step;
  std::string classes = e.user ? "user" : "internal";
  if (!step) classes += e.kind == sim::TraceEvent::Kind::call ? " call" : " wake";
  if (failing) classes += " failing";
  out += "<tr class=\"" + classes + "\"" + (failing ? " id=\"failing-step\"" : "") + "><td class=\"step\">" +
         (step ? std::to_string(e.step) : "") + "</td><td class=\"time\">" + time + "</td>";
  for (uint32_t t = 0; t < threads; ++t) {
    if (t != e.thread) {
      out += "<td></td>";
      continue;
    }
    out += "<td class=\"ran\"><span class=\"co\">" + html_escape(detail::coroutine_text(e.coroutine, run)) +
           "</span> " + html_escape(detail::operation_text(e, run)) + "</td>";
  }
  std::string site = detail::site_text(e);
  if (e.call && step && !e.user) site += std::string(" in ") + e.call;
  out += "<td class=\"value\">" + html_escape(detail::access_text(e.access)) + "</td><td class=\"site\">" +
         html_escape(site) + "</td></tr>\n";
}

// The timeline of run.trace: the user's steps and calls, the runtime's own steps folded behind a toggle (plain
// CSS: a checkbox before the table), the failing step highlighted and never folded.
void timeline(std::string &out, const sim::RunResult &run) {
  std::span<const sim::TraceEvent> trace = run.trace;
  if (trace.empty()) {
    out += "<p>No trace was recorded for this run.</p>\n";
    return;
  }
  uint32_t threads = 0;
  std::size_t internal = 0;
  for (const sim::TraceEvent &e : trace) {
    threads = std::max(threads, e.thread + 1);
    internal += !e.user;
  }
  if (run.failing_step)
    out += "<p>The failure shows at <a href=\"#failing-step\">step " + std::to_string(*run.failing_step) +
           "</a>.</p>\n";
  if (trace.size() > kMaxTimelineRows) {
    // A failure shows at the end of its run: the rows kept are the last ones.
    const std::size_t left_out = trace.size() - kMaxTimelineRows;
    out += "<p>The trace has " + std::to_string(trace.size()) + " events; the timeline shows the last " +
           std::to_string(kMaxTimelineRows) + ". <code>corosim replay SCHEDULE_FILE --trace text</code> prints " +
           "every one.</p>\n";
    trace = trace.subspan(left_out);
  }
  out += "<input type=\"checkbox\" id=\"show-internal\"><label class=\"toggle\" for=\"show-internal\"> show the "
         "runtime's own steps (" + std::to_string(internal) + " of " + std::to_string(run.trace.size()) +
         " events; folded: the user's steps and calls, and the failing step)</label>\n";
  out += "<table class=\"timeline\">\n<thead><tr><th>step</th><th>time</th>";
  for (uint32_t t = 0; t < threads; ++t) out += "<th>t" + std::to_string(t) + "</th>";
  out += "<th>value</th><th>site</th></tr></thead>\n<tbody>\n";
  int64_t clock_ns = 0;
  bool first = true;
  for (const sim::TraceEvent &e : trace) {
    // The clock is shown on the first row and where it moves, as the text trace prints an "@" line.
    const std::string time = first || e.now_ns != clock_ns ? format_virtual_time(e.now_ns) : "";
    first = false;
    clock_ns = e.now_ns;
    timeline_row(out, e, run, threads, time.c_str());
  }
  out += "</tbody>\n</table>\n";
}

}  // namespace

std::string trace_html(const RunTrace &run) {
  const sim::RunResult &r = *run.result;
  const std::string heading = r.ok() ? "passed: scenario '" + run.scenario + "'"
                                     : std::string(sim::run_status_name(r.status)) + " in scenario '" + run.scenario + "'";
  std::string out = page_start("corosim: " + heading);
  out += std::string("<h1 class=\"") + (r.ok() ? "passed" : "failed") + "\">" + html_escape(heading) + "</h1>\n";
  if (!r.message.empty()) out += "<pre class=\"message\">" + html_escape(r.message) + "</pre>\n";
  out += "<table class=\"meta\">\n";
  meta_row(out, "strategy", run.strategy);
  meta_row(out, "seed", sim::format_hex64(run.seed));
  meta_row(out, "steps", std::to_string(r.steps));
  meta_row(out, "trace hash", sim::format_hex64(r.trace_hash));
  meta_row(out, "virtual time", format_virtual_time(r.end_ns));
  if (!run.schedule_file.empty()) meta_row(out, "schedule", run.schedule_file);
  if (!run.reproduce.empty()) meta_row(out, "reproduce", run.reproduce);
  out += "</table>\n";
  timeline(out, r);
  return out + kPageEnd;
}

namespace {

void failure_rows(std::string &out, const FailureReport &report) {
  const sim::Failure &f = *report.failure;
  if (f.execution) meta_row(out, "failing execution", std::to_string(*f.execution + 1));
  meta_row(out, "seed", sim::format_hex64(f.seed));
  meta_row(out, "run strategy", f.strategy.to_string());
  if (!f.unrecorded()) {
    meta_row(out, "steps", std::to_string(f.result.steps));
    meta_row(out, "trace hash", sim::format_hex64(f.result.trace_hash));
  }
  if (!f.schedule_file.empty()) meta_row(out, "schedule", f.schedule_file);
  if (!report.commands.empty()) meta_row(out, "reproduce", report.commands.back());
}

}  // namespace

std::string explore_html(const ExploreSummary &s) {
  const FailureReport *report = s.failure;
  const sim::Failure *f = report ? report->failure : nullptr;
  const std::string heading = f ? std::string(f->kind()) + " in scenario '" + s.scenario + "'"
                                : "no failure in " + executions_text(s.executions) + " of scenario '" +
                                      s.scenario + "'";
  std::string out = page_start("corosim: " + heading);
  out += std::string("<h1 class=\"") + (f ? "failed" : "passed") + "\">" + html_escape(heading) + "</h1>\n";
  if (f && !f->result.message.empty()) out += "<pre class=\"message\">" + html_escape(f->result.message) + "</pre>\n";
  out += "<table class=\"meta\">\n";
  meta_row(out, "expected", s.expected);
  meta_row(out, "strategy", s.strategy);
  meta_row(out, "first seed", sim::format_hex64(s.first_seed));
  meta_row(out, "executions", std::to_string(s.executions) + " of " + std::to_string(s.schedules) +
                                  (s.exhausted         ? " (space exhausted)"
                                   : s.out_of_time     ? " (time budget used)"
                                   : s.interrupted     ? " (interrupted by " + signal_name(s.interrupted) + ")"
                                                       : std::string()));
  if (s.shard_count > 1)
    meta_row(out, "shard", std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count));
  if (s.jobs > 0) meta_row(out, "worker processes", std::to_string(s.jobs));
  if (report) failure_rows(out, *report);
  out += "</table>\n";
  if (!f) return out + kPageEnd;
  out += "<h2>Report</h2>\n<pre class=\"report\">" + html_escape(failure_report_text(*report)) + "</pre>\n";
  if (f->unrecorded()) return out + "<p>The execution crashed its worker process: there is no trace to show.</p>\n" +
                           kPageEnd;
  out += "<h2>Timeline of the failing run</h2>\n";
  timeline(out, f->result);
  return out + kPageEnd;
}

}  // namespace corosim::reports
