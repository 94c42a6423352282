// JSON renderings: they parse, carry the documented members, and say null where a crash recorded nothing.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <corosim/reports/json.hpp>

#include "sample_failure.hpp"

namespace {

using namespace corosim;
using corosim::platform::SimOp;
using Json = nlohmann::json;

sim::RunResult failed_run() {
  sim::RunResult r;
  r.status = sim::RunStatus::lost_wakeup;
  r.message = "coroutine 3 on t1 waits on CoQueue #4, which nobody will signal";
  r.steps = 3;
  r.trace_hash = 0x9d1c0b5e3a7f2c44;
  r.trace = {{0, 0, 0, SimOp::thread_start, 0, 0},
             {1, 1, 3, SimOp::atomic_rmw, 7, 0},
             {2, 1, 3, SimOp::atomic_load, 7, 1'500'000'000}};
  return r;
}

sim::Failure failure_of(const sim::RunResult &r) {
  sim::Failure f = reports::testing::sample_failure("lost-wakeup-handoff", r, 17);
  f.seed = 0x4d2;
  f.schedule_file = "x.schedule.json";
  return f;
}

reports::ExploreSummary summary() {
  reports::ExploreSummary s;
  s.scenario = "lost-wakeup-handoff";
  s.expected = "bug: lost_wakeup";
  s.strategy = "pct";
  s.first_seed = 1;
  s.schedules = 100;
  s.shard_index = 1;
  s.shard_count = 2;
  s.jobs = 2;
  s.executions = 9;
  s.wall_s = 0.25;
  return s;
}

TEST(ExploreSummaryJson, WithoutFailure) {
  const Json j = Json::parse(reports::explore_summary_json(summary()));
  EXPECT_EQ(j["format"], "corosim-explore");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["scenario"], "lost-wakeup-handoff");
  EXPECT_EQ(j["first_seed"], "0x0000000000000001");
  EXPECT_EQ(j["schedules"], 100);
  EXPECT_EQ(j["shard"]["index"], 1);
  EXPECT_EQ(j["shard"]["count"], 2);
  EXPECT_EQ(j["jobs"], 2);
  EXPECT_EQ(j["executions"], 9);
  EXPECT_EQ(j["exhausted"], false);
  EXPECT_DOUBLE_EQ(j["wall_s"].get<double>(), 0.25);
  EXPECT_TRUE(j["failure"].is_null());
}

TEST(ExploreSummaryJson, WithFailure) {
  const sim::RunResult r = failed_run();
  const sim::Failure failure_value = failure_of(r);
  const reports::FailureReport f = reports::failure_report(failure_value, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s = summary();
  s.failure = &f;
  const Json j = Json::parse(reports::explore_summary_json(s));
  const Json &failure = j["failure"];
  EXPECT_EQ(failure["kind"], "lost_wakeup");
  EXPECT_EQ(failure["message"], r.message);
  EXPECT_EQ(failure["execution"], 17);
  EXPECT_EQ(failure["seed"], "0x00000000000004d2");
  EXPECT_EQ(failure["strategy"], "pct:d=3,k=57");
  EXPECT_EQ(failure["steps"], 3);
  EXPECT_EQ(failure["trace_hash"], "0x9d1c0b5e3a7f2c44");
  EXPECT_EQ(failure["schedule_file"], "x.schedule.json");
  EXPECT_EQ(failure["commands"].size(), 2u);
  EXPECT_EQ(failure["reproduce"], "corosim replay x.schedule.json");
}

TEST(ExploreSummaryJson, CrashHasNoStepsNorHash) {
  const sim::Failure crash = reports::testing::sample_failure("s", reports::testing::crashed_run(), 6);
  const reports::FailureReport f = reports::failure_report(crash, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s = summary();
  s.failure = &f;
  const Json j = Json::parse(reports::explore_summary_json(s));
  EXPECT_EQ(j["failure"]["kind"], "crash");
  EXPECT_EQ(j["failure"]["execution"], 6);
  EXPECT_EQ(j["failure"]["message"], crash.result.message);
  EXPECT_TRUE(j["failure"]["steps"].is_null());
  EXPECT_TRUE(j["failure"]["trace_hash"].is_null());
  EXPECT_TRUE(j["failure"]["schedule_file"].is_null());
}

TEST(ExploreSummaryJson, InvalidUtf8IsReplacedNotFatal) {
  sim::RunResult r = failed_run();
  r.message = "bad byte \xff here";
  const sim::Failure failure_value = failure_of(r);
  const reports::FailureReport f = reports::failure_report(failure_value, sim::Launcher::cli("corosim"));
  reports::ExploreSummary s = summary();
  s.failure = &f;
  const Json j = Json::parse(reports::explore_summary_json(s));
  EXPECT_EQ(j["failure"]["message"], "bad byte \xEF\xBF\xBD here");
}

TEST(TraceJson, EventsAndMetadata) {
  const sim::RunResult r = failed_run();
  reports::RunTrace run;
  run.scenario = "lost-wakeup-handoff";
  run.strategy = "pct:d=3,k=57";
  run.seed = 0x4d2;
  run.schedule_file = "x.schedule.json";
  run.result = &r;
  const Json j = Json::parse(reports::trace_json(run));
  EXPECT_EQ(j["format"], "corosim-trace");
  EXPECT_EQ(j["status"], "lost_wakeup");
  EXPECT_EQ(j["seed"], "0x00000000000004d2");
  EXPECT_EQ(j["trace_hash"], "0x9d1c0b5e3a7f2c44");
  ASSERT_EQ(j["events"].size(), 3u);
  const Json &e = j["events"][1];
  EXPECT_EQ(e["step"], 1);
  EXPECT_EQ(e["thread"], 1);
  EXPECT_EQ(e["coroutine"], 3);
  EXPECT_EQ(e["op"], "atomic read-modify-write");
  EXPECT_EQ(e["object"], 7);
  EXPECT_EQ(j["events"][2]["now_ns"], 1'500'000'000);
}

}  // namespace
