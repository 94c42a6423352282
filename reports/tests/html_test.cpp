// The HTML timeline: self-contained, one column per sim thread, the failure message at the top, escaped text.

#include <string>

#include <gtest/gtest.h>

#include <corosim/reports/html.hpp>

#include "sample_failure.hpp"

namespace {

using namespace corosim;
using corosim::platform::SimOp;

sim::RunResult failed_run() {
  sim::RunResult r;
  r.status = sim::RunStatus::deadlock;
  r.message = "deadlock: co3 <waits> on #4 & co4 on #3";
  r.steps = 3;
  r.trace_hash = 0xabc;
  r.trace = {{0, 0, 0, SimOp::thread_start, 0, 0},
             {1, 2, 3, SimOp::atomic_rmw, 7, 0},
             {2, 1, 4, SimOp::atomic_load, 7, 1'500'000'000}};
  return r;
}

reports::RunTrace random_run(const char *scenario, uint64_t seed, const sim::RunResult &r) {
  reports::RunTrace run;
  run.scenario = scenario;
  run.strategy = "random";
  run.seed = seed;
  run.result = &r;
  return run;
}

TEST(TraceHtml, TimelineWithOneColumnPerThread) {
  const sim::RunResult r = failed_run();
  const std::string html = reports::trace_html(random_run("lock-order-deadlock", 7, r));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html", 0), 0u);
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "no external resources";
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("deadlock in scenario &#39;lock-order-deadlock&#39;"), std::string::npos);
  // The message, escaped, comes before the timeline.
  const std::size_t message = html.find("deadlock: co3 &lt;waits&gt; on #4 &amp; co4 on #3");
  ASSERT_NE(message, std::string::npos);
  EXPECT_LT(message, html.find("<table class=\"timeline\">"));
  EXPECT_NE(html.find("<th>t0</th><th>t1</th><th>t2</th><th>value</th><th>site</th></tr>"), std::string::npos);
  // Step 1 ran on t2: two empty cells (t0, t1), then the coroutine, operation and object.
  EXPECT_NE(html.find("<td class=\"step\">1</td><td class=\"time\"></td><td></td><td></td><td class=\"ran\">"
                      "<span class=\"co\">co3</span> atomic read-modify-write #7</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"time\">1.500000000s</td>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"co\">-</span> thread start</td>"), std::string::npos);
}

// A long run shows its last 10,000 steps (where a failure is), and says what it left out.
TEST(TraceHtml, LongRunShowsItsLastStepsAndSaysSo) {
  sim::RunResult r = failed_run();
  r.trace.clear();
  for (uint64_t step = 0; step < 12'345; ++step)
    r.trace.push_back({step, static_cast<uint32_t>(step % 3), 0, SimOp::atomic_load, 1, 0});
  r.steps = r.trace.size();
  const reports::RunTrace run = random_run("long", 1, r);
  const std::string html = reports::trace_html(run);
  EXPECT_NE(html.find("The trace has 12345 events; the timeline shows the last 10000."), std::string::npos);
  std::size_t rows = 0;
  for (std::size_t at = html.find("<td class=\"step\">"); at != std::string::npos;
       at = html.find("<td class=\"step\">", at + 1))
    ++rows;
  EXPECT_EQ(rows, 10'000u);
  EXPECT_EQ(html.find("<td class=\"step\">2344</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"step\">2345</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"step\">12344</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>t2</th><th>value</th>"), std::string::npos);

  // At the cap exactly: everything, no line.
  r.trace.resize(10'000);
  EXPECT_EQ(reports::trace_html(run).find("The trace has"), std::string::npos);
}

// Folded as the page opens: the runtime's own steps are rows of class "internal", hidden by the CSS rule while
// the toggle before the table is unchecked, except the failing step, which is highlighted and anchored. Values,
// sites, calls, wake-ups and the reproduction command are shown.
TEST(TraceHtml, FoldsTheRuntimesStepsAndHighlightsTheFailingOne) {
  sim::RunResult r = failed_run();
  r.trace[1].user = true;
  r.trace[1].file = "/home/me/src/lock.hpp";
  r.trace[1].line = 79;
  r.trace[1].access = {platform::SimAccess::Kind::rmw, {platform::SimValue::Type::unsigned_, 0},
                       {platform::SimValue::Type::unsigned_, 1}};
  sim::TraceEvent wake{2, 2, 3, SimOp::user_point, 4, 0};
  wake.kind = sim::TraceEvent::Kind::wake;
  wake.user = true;
  r.trace.insert(r.trace.begin() + 2, wake);
  r.failing_step = 2;
  reports::RunTrace run = random_run("lock-order-deadlock", 7, r);
  run.reproduce = "corosim replay x.json";
  const std::string html = reports::trace_html(run);
  const std::size_t toggle = html.find("<input type=\"checkbox\" id=\"show-internal\">");
  ASSERT_NE(toggle, std::string::npos);
  EXPECT_LT(toggle, html.find("<table class=\"timeline\">"));
  EXPECT_NE(html.find("#show-internal:not(:checked) ~ table.timeline tr.internal:not(.failing) { display: none; }"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"internal\"><td class=\"step\">0</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"user\"><td class=\"step\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"value\">0 -&gt; 1</td><td class=\"site\">lock.hpp:79</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"user wake\"><td class=\"step\"></td>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"co\">co3</span> wakes co4</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"internal failing\" id=\"failing-step\"><td class=\"step\">2</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<a href=\"#failing-step\">step 2</a>"), std::string::npos);
  EXPECT_NE(html.find("<th>reproduce</th><td>corosim replay x.json</td>"), std::string::npos);
}

TEST(ExploreHtml, NoFailurePage) {
  reports::ExploreSummary s;
  s.scenario = "mutex-counter";
  s.expected = "pass";
  s.strategy = "pct";
  s.schedules = 30;
  s.executions = 30;
  const std::string html = reports::explore_html(s);
  EXPECT_NE(html.find("no failure in 30 executions of scenario &#39;mutex-counter&#39;"), std::string::npos);
  EXPECT_EQ(html.find("<table class=\"timeline\">"), std::string::npos);
}

TEST(ExploreHtml, FailurePageHasReportAndTimeline) {
  sim::Failure failure = reports::testing::sample_failure("lock-order-deadlock", failed_run());
  failure.schedule_file = "x.json";
  const reports::FailureReport f = reports::failure_report(failure, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s;
  s.scenario = "lock-order-deadlock";
  s.failure = &f;
  const std::string html = reports::explore_html(s);
  EXPECT_NE(html.find("deadlock: co3 &lt;waits&gt;"), std::string::npos);
  EXPECT_NE(html.find("corosim replay x.json"), std::string::npos);
  EXPECT_NE(html.find("<table class=\"timeline\">"), std::string::npos);
}

TEST(ExploreHtml, CrashPageHasNoTimeline) {
  const sim::Failure crash = reports::testing::sample_failure("s", reports::testing::crashed_run());
  const reports::FailureReport f = reports::failure_report(crash, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s;
  s.scenario = "s";
  s.failure = &f;
  const std::string html = reports::explore_html(s);
  EXPECT_NE(html.find("crash in scenario"), std::string::npos);
  EXPECT_NE(html.find("killed by signal 11 (Segmentation fault)"), std::string::npos);
  EXPECT_EQ(html.find("<table class=\"timeline\">"), std::string::npos);
}

TEST(HtmlEscape, Markup) { EXPECT_EQ(reports::html_escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"); }

}  // namespace
