// JUnit XML: one suite, one case, a <failure> carrying the report when there is one, and escaping.

#include <string>

#include <gtest/gtest.h>

#include <corosim/reports/junit.hpp>

#include "sample_failure.hpp"

namespace {

using namespace corosim;

reports::ExploreSummary summary() {
  reports::ExploreSummary s;
  s.scenario = "lock-order-deadlock";
  s.expected = "bug: deadlock";
  s.strategy = "pct";
  s.first_seed = 1;
  s.schedules = 50;
  s.executions = 50;
  s.wall_s = 1.5;
  return s;
}

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(JunitXml, PassingExplorationHasNoFailure) {
  const std::string xml = reports::explore_junit_xml(summary());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_EQ(count(xml, "<testsuite "), 1);
  EXPECT_EQ(count(xml, "<testcase "), 1);
  EXPECT_NE(xml.find("<testcase name=\"explore lock-order-deadlock\""), std::string::npos);
  EXPECT_NE(xml.find("failures=\"0\""), std::string::npos);
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
  EXPECT_NE(xml.find("time=\"1.500\""), std::string::npos);
}

TEST(JunitXml, FoundSeededBugIsAFailureWithTheReport) {
  sim::RunResult r;
  r.status = sim::RunStatus::deadlock;
  r.message = "deadlock: t1 waits on #3 <held by t2> & t2 on #4";
  r.steps = 42;
  r.trace_hash = 0xabc;
  sim::Failure failure = reports::testing::sample_failure("lock-order-deadlock", r);
  failure.schedule_file = "a file.json";
  const reports::FailureReport f = reports::failure_report(failure, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s = summary();
  s.executions = 5;
  s.failure = &f;
  const std::string xml = reports::explore_junit_xml(s);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<failure type=\"deadlock\" message=\"deadlock in execution 5 (seed 0x0000000000000010, "
                     "strategy pct:d=3,k=57)\">FAILED: deadlock in scenario &apos;lock-order-deadlock&apos;"),
            std::string::npos);
  EXPECT_NE(xml.find("&lt;held by t2&gt; &amp; t2"), std::string::npos);
  EXPECT_NE(xml.find("corosim replay &apos;a file.json&apos;\n</failure>"), std::string::npos);
}

TEST(XmlEscape, EscapesMarkupAndDropsWhatXmlCannotCarry) {
  EXPECT_EQ(reports::xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(reports::xml_escape("tab\tnl\n"), "tab\tnl\n");
  EXPECT_EQ(reports::xml_escape(std::string("nul\0x", 5)), "nul\xEF\xBF\xBDx");
  EXPECT_EQ(reports::xml_escape("esc\x1b"), "esc\xEF\xBF\xBD");
}

}  // namespace
