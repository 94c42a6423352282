// JUnit XML (junit.hpp). Written by hand: the document is small and fixed, and escaping is the only subtle part.

#include <corosim/reports/junit.hpp>

#include <cstdio>

#include <corosim/reports/text.hpp>
#include <corosim/sim/random.hpp>

#include "escape.hpp"

namespace corosim::reports {

std::string xml_escape(std::string_view text) { return detail::escape_markup(text, "&apos;"); }

namespace {

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", s < 0 ? 0.0 : s);
  return text;
}

void property(std::string &out, const char *name, const std::string &value) {
  out += "      <property name=\"";
  out += name;
  out += "\" value=\"" + xml_escape(value) + "\"/>\n";
}

}  // namespace

std::string explore_junit_xml(const ExploreSummary &s) {
  const std::string failures = s.failure ? "1" : "0";
  const std::string time = seconds(s.wall_s);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"corosim\" tests=\"1\" failures=\"" + failures + "\" errors=\"0\" time=\"" + time + "\">\n";
  out += "  <testsuite name=\"" + xml_escape(s.scenario) + "\" tests=\"1\" failures=\"" + failures +
         "\" errors=\"0\" skipped=\"0\" time=\"" + time + "\">\n";
  out += "    <properties>\n";
  property(out, "expected", s.expected);
  property(out, "strategy", s.strategy);
  property(out, "first_seed", sim::format_hex64(s.first_seed));
  property(out, "schedules", std::to_string(s.schedules));
  property(out, "shard", std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count));
  property(out, "jobs", std::to_string(s.jobs));
  property(out, "executions", std::to_string(s.executions));
  out += "    </properties>\n";
  out += "    <testcase name=\"explore " + xml_escape(s.scenario) + "\" classname=\"corosim." + xml_escape(s.scenario) +
         "\" time=\"" + time + "\">\n";
  if (s.interrupted && !s.failure)
    out += "      <error type=\"interrupted\" message=\"interrupted by " + signal_name(s.interrupted) + " after " +
           executions_text(s.executions) + "\"/>\n";
  if (s.failure) {
    const sim::Failure &f = *s.failure->failure;
    std::string message = f.kind();
    if (f.execution) message += " in execution " + std::to_string(*f.execution + 1);
    message += " (seed " + sim::format_hex64(f.seed) + ", strategy " + f.strategy.to_string() + ")";
    out += "      <failure type=\"" + xml_escape(f.kind()) + "\" message=\"" + xml_escape(message) + "\">" +
           xml_escape(failure_report_text(*s.failure)) + "</failure>\n";
  }
  out += "    </testcase>\n";
  std::string said = std::to_string(s.executions) + " executions";
  if (s.failure)
    said += ", stopped at the first failure";
  else if (s.interrupted)
    said += ": interrupted by " + signal_name(s.interrupted) + ", no failure so far";
  else if (s.exhausted)
    said += ": space exhausted, no failure";
  else if (s.out_of_time)
    said += ": time budget used, no failure";
  else
    said += ", no failure";
  out += "    <system-out>" + xml_escape(said) + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace corosim::reports
