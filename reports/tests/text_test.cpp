// Plain-text rendering: the trace layout, virtual time lines, and the failure report's promise that its last line
// is the reproduction command.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <corosim/reports/text.hpp>

#include "sample_failure.hpp"

namespace {

using namespace corosim;
using corosim::platform::SimOp;

TEST(TraceText, OneLinePerEventAndALineWhenTimeMoves) {
  sim::RunResult run;
  run.trace = {
      {1, 0, 0, SimOp::thread_spawn, 0, 0},
      {2, 1, 3, SimOp::atomic_rmw, 7, 0},
      {3, 1, 3, SimOp::atomic_load, 7, 1'500'000'000},
  };
  run.trace[1].file = "/src/lock.hpp";
  run.trace[1].line = 12;
  run.trace[1].user = true;
  run.trace[1].access = {platform::SimAccess::Kind::rmw, {platform::SimValue::Type::unsigned_, 0},
                         {platform::SimValue::Type::unsigned_, 1}};
  sim::TraceEvent call{3, 1, 3, SimOp::user_point, 0, 1'500'000'000};
  call.kind = sim::TraceEvent::Kind::call;
  call.call = "CoMutex::lock";
  call.file = "/src/use.cpp";
  call.line = 40;
  run.trace.insert(run.trace.begin() + 2, call);
  run.object_names[7] = "lockers";
  run.failing_step = 3;
  EXPECT_EQ(reports::trace_text(run),
            "      1  t0   -     thread spawn\n"
            "      2  t1   co3   atomic read-modify-write #7 'lockers'  0 -> 1       lock.hpp:12\n"
            "@ 1.500000000s\n"
            "         t1   co3   call CoMutex::lock                                  use.cpp:40\n"
            ">>    3  t1   co3   atomic load #7 'lockers'   <== the failing step\n");
  EXPECT_EQ(reports::trace_text(sim::RunResult{}), "");
}

TEST(TraceText, ValuesOfEveryKind) {
  using platform::SimAccess;
  using platform::SimValue;
  sim::RunResult run;
  auto with = [&](SimAccess access) {
    sim::TraceEvent e{0, 0, 0, SimOp::atomic_rmw, 1, 0};
    e.access = access;
    run.trace = {e};
    return reports::trace_text(run);
  };
  const SimValue minus{SimValue::Type::signed_, static_cast<uint64_t>(-3)}, yes{SimValue::Type::boolean, 1},
      null{SimValue::Type::pointer, 0}, some{SimValue::Type::pointer, 1}, two{SimValue::Type::unsigned_, 2};
  EXPECT_NE(with({SimAccess::Kind::load, {}, minus}).find("-> -3"), std::string::npos);
  EXPECT_NE(with({SimAccess::Kind::store, {}, yes}).find("<- true"), std::string::npos);
  EXPECT_NE(with({SimAccess::Kind::cas_success, null, some}).find("null -> non-null (cas)"), std::string::npos);
  EXPECT_NE(with({SimAccess::Kind::cas_failure, two, minus}).find("expected 2, found -3 (cas failed)"),
            std::string::npos);
}

TEST(TraceText, VirtualTime) {
  EXPECT_EQ(reports::format_virtual_time(0), "0.000000000s");
  EXPECT_EQ(reports::format_virtual_time(3'600'000'000'001), "3600.000000001s");
  EXPECT_EQ(reports::format_virtual_time(-1), "-0.000000001s");
  EXPECT_EQ(reports::format_virtual_time(INT64_MIN), "-9223372036.854775808s");
}

TEST(FailureReport, EndsWithTheReproductionCommand) {
  sim::RunResult r;
  r.status = sim::RunStatus::deadlock;
  r.message = "deadlock: sim threads t1, t2\n  t1 waits on #3 held by t2\n  t2 waits on #4 held by t1\n";
  r.steps = 42;
  r.trace_hash = 0xabc;
  sim::Failure f = reports::testing::sample_failure("lock-order-deadlock", r);
  f.schedule_file = "x.schedule.json";
  const std::string text =
      reports::failure_report_text(reports::failure_report(f, sim::Launcher::cli("corosim"), "seeded bug found"));
  EXPECT_EQ(text,
            "FAILED: deadlock in scenario 'lock-order-deadlock'\n"
            "  execution   5 (seed 0x0000000000000010, strategy pct:d=3,k=57)\n"
            "  steps       42\n"
            "  trace hash  0x0000000000000abc\n"
            "  schedule    x.schedule.json\n"
            "  message:\n"
            "    deadlock: sim threads t1, t2\n"
            "      t1 waits on #3 held by t2\n"
            "      t2 waits on #4 held by t1\n"
            "seeded bug found\n"
            "reproduce with:\n"
            "  corosim run lock-order-deadlock --strategy pct:d=3,k=57 --seed 0x0000000000000010\n"
            "corosim replay x.schedule.json\n");
}

TEST(FailureReport, ACrashHasNoStepsNorHash) {
  const sim::Failure f = reports::testing::sample_failure("s", reports::testing::crashed_run(), 6);
  const std::string text = reports::failure_report_text(reports::failure_report(f, sim::Launcher::cli("corosim")));
  EXPECT_EQ(text.rfind("FAILED: crash in scenario 's'\n  execution   6 (", 0), 0u) << text;
  EXPECT_EQ(text.find("steps"), std::string::npos) << text;
  EXPECT_NE(text.find("killed by signal 11"), std::string::npos) << text;
  EXPECT_NE(text.find("--jobs 1\n"), std::string::npos) << "the last line reruns it in one worker: " << text;
}

}  // namespace
