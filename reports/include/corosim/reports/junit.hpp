#pragma once
// JUnit XML for CI systems (`corosim explore --junit FILE`): one <testsuite> named after the scenario, holding one
// <testcase name="explore SCENARIO">, which has a <failure> when the exploration found one, its body the failure
// report text (failure_report_text). The XML reports facts: a seeded-bug scenario whose bug was found is a
// <failure> too (a CI job that wants it found checks for the failure, as `corosim`'s exit status 1 says).
//
//   <?xml version="1.0" encoding="UTF-8"?>
//   <testsuites name="corosim" tests="1" failures="1" errors="0" time="0.042">
//     <testsuite name="lost-wakeup-handoff" tests="1" failures="1" errors="0" skipped="0" time="0.042">
//       <properties>
//         <property name="strategy" value="pct"/> ... first_seed, schedules, shard, jobs, executions, expected
//       </properties>
//       <testcase name="explore lost-wakeup-handoff" classname="corosim.lost-wakeup-handoff" time="0.042">
//         <failure type="lost_wakeup" message="lost wake-up in execution 17 (seed 0x...)">FAILED: ...</failure>
//       </testcase>
//       <system-out>17 executions ...</system-out>
//     </testsuite>
//   </testsuites>

#include <string>
#include <string_view>

#include <corosim/reports/summary.hpp>

namespace corosim::reports {

std::string explore_junit_xml(const ExploreSummary &summary);

// Text as XML character data or attribute value: & < > " ' escaped; control characters that XML 1.0 cannot
// carry (below 0x20 but tab, newline, carriage return) become U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace corosim::reports
