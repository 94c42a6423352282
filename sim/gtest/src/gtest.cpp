// The GoogleTest integration (corosim/gtest.hpp).

#include <corosim/gtest.hpp>

#include <gtest/gtest-spi.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <corosim/reports/text.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/shrink.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>

namespace corosim::gtest {
namespace {

constexpr double kShrinkSeconds = 10;  // COROSIM_SHRINK_TIME's default

// GoogleTest results reported while it lives go to the simulated run instead of the test: a failure fails the run
// it happens in (sim::fail_soon: GoogleTest holds its lock while it reports). The base class installs `this` as the
// calling thread's reporter and puts the previous one back when it goes. Everything runs on this thread: the only
// code that can report meanwhile is the body, inside a run.
//
// GoogleTest makes its per-thread trace stack on first use, when a failure is reported. Made inside a run, it would
// be a block of the run heap (sim/executor.hpp), freed when the failed run is torn down while GoogleTest keeps
// using it: an empty SCOPED_TRACE here makes it on the host first.
class RunAssertions : public ::testing::ScopedFakeTestPartResultReporter {
 public:
  RunAssertions() : ScopedFakeTestPartResultReporter(INTERCEPT_ONLY_CURRENT_THREAD, &unused_) {
    SCOPED_TRACE("");
  }

  void ReportTestPartResult(const ::testing::TestPartResult &result) override {
    if (!result.failed()) return;
    std::string where = result.file_name() ? std::string(result.file_name()) : "unknown file";
    if (result.line_number() >= 0) where += ":" + std::to_string(result.line_number());
    sim::fail_soon("GoogleTest assertion failed at " + where + ": " + result.message());
  }

 private:
  ::testing::TestPartResultArray unused_;
};

// One failure of the test at file:line, whose message is `text` alone (no "Failed" line before it).
void report(const char *file, int line, bool fatal, const std::string &text) {
  GTEST_MESSAGE_AT_(file, line, text.c_str(),
                    fatal ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kNonFatalFailure);
}

// The test binary as it was invoked (argv[0]), for the reproduction commands.
std::string program_name() {
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  if (cmdline && std::getline(cmdline, argv0, '\0') && !argv0.empty()) return argv0;
  return "./tests";
}

// "Suite.Name" of the running test, and this call's name in it: "Suite.Name", then "Suite.Name#2", ...
struct CallName {
  std::string test;
  std::string call;
};
CallName call_name() {
  static std::string last_test;
  static int calls = 0;
  const ::testing::TestInfo *info = ::testing::UnitTest::GetInstance()->current_test_info();
  CallName n;
  n.test = info ? std::string(info->test_suite_name()) + "." + info->name() : "corosim";
  calls = n.test == last_test ? calls + 1 : 1;
  last_test = n.test;
  n.call = calls == 1 ? n.test : n.test + "#" + std::to_string(calls);
  return n;
}

// COROSIM_SEED and COROSIM_SCHEDULES applied to `options`; Error: one line naming the variable.
sim::Result<sim::Done> apply_environment(sim::ExploreOptions &options) {
  if (const char *seed = std::getenv("COROSIM_SEED"); seed && *seed) {
    auto parsed = sim::parse_seed(seed);
    if (!parsed) return sim::Error{"COROSIM_SEED: " + parsed.error()};
    options.first_seed = parsed.value();
  }
  if (const char *text = std::getenv("COROSIM_SCHEDULES"); text && *text) {
    auto schedules = sim::parse_decimal(text, 1, UINT64_MAX);
    if (!schedules) return sim::Error{"COROSIM_SCHEDULES: " + schedules.error() + " (a positive decimal number)"};
    options.schedules = schedules.value();
  }
  return sim::Done{};
}

// COROSIM_SHRINK_TIME: seconds to spend shrinking a failure (default 10; 0: none).
sim::Result<double> shrink_seconds() {
  const char *text = std::getenv("COROSIM_SHRINK_TIME");
  if (!text || !*text) return kShrinkSeconds;
  auto seconds = sim::parse_seconds(text, 1e9);
  if (!seconds) return sim::Error{"COROSIM_SHRINK_TIME: " + seconds.error()};
  return seconds.value();
}

// The report of a failure, for this test binary.
std::string failure_text(const sim::Failure &f, const CallName &name) {
  const auto launcher = sim::Launcher::gtest(program_name(), name.test);
  return "corosim: " + name.call + " failed\n" + reports::failure_report_text(reports::failure_report(f, launcher));
}

bool replay_schedule(const std::function<void()> &body, const sim::ExploreOptions &options, const CallName &name,
                     const std::string &file, const char *src, int line, bool fatal) {
  auto schedule = sim::load_schedule(file);
  if (!schedule) return report(src, line, fatal, "COROSIM_REPLAY: " + schedule.error()), false;
  const std::string &owner = schedule.value().scenario;
  if (owner != name.call && owner.rfind(name.test + "#", 0) != 0 && owner != name.test)
    return report(src, line, fatal,
                  "COROSIM_REPLAY=" + file + ": the schedule belongs to " + owner + ", not to " + name.call +
                      " (run it with --gtest_filter=" + owner.substr(0, owner.find('#')) + ")"),
           false;
  if (owner != name.call) {
    std::printf("[ corosim ] %s: skipped (COROSIM_REPLAY replays %s)\n", name.call.c_str(), owner.c_str());
    return true;
  }
  sim::Result<sim::RunResult> replayed = sim::Error{""};
  {
    RunAssertions assertions;
    replayed = sim::replay(body, schedule.value(), options.run_options);
  }
  if (!replayed) return report(src, line, fatal, "COROSIM_REPLAY=" + file + ": " + replayed.error()), false;
  if (replayed.value().ok()) {
    std::printf("[ corosim ] %s: replayed %s: passes now (trace hash %s)\n", name.call.c_str(), file.c_str(),
                sim::format_hex64(replayed.value().trace_hash).c_str());
    return true;
  }
  sim::Failure f;
  f.scenario = name.call;
  f.run_options = options.run_options;
  f.strategy = schedule.value().strategy;
  f.seed = schedule.value().seed;
  f.result = std::move(replayed).value();
  f.schedule_file = file;
  report(src, line, fatal, failure_text(f, name));
  return false;
}

}  // namespace

bool explore_passes(const char *file, int line, bool fatal, const std::function<void()> &body,
                    const sim::ExploreOptions &given) {
  const CallName name = call_name();
  sim::ExploreOptions options = given;
  options.scenario = name.call;
  if (!options.progress) {  // a long exploration says that it is alive, in the test's output
    options.progress_interval_s = 10;
    options.progress = [&](const sim::ExploreProgress &p) {
      std::printf("[ corosim ] %s: %llu executions, %.0f/s, %.0f s\n", name.call.c_str(),
                  static_cast<unsigned long long>(p.executions), p.runs_per_s, p.elapsed_s);
      std::fflush(stdout);
    };
  }
  if (!options.on_fatal)  // an execution that ends the process (a timeout, exit(), a fatal signal): say which
    options.on_fatal = [&](const sim::Failure &f) {
      std::fprintf(stderr, "%s:%d: Failure\n%s\n", file, line, failure_text(f, name).c_str());
    };
  if (auto applied = apply_environment(options); !applied) return report(file, line, fatal, applied.error()), false;
  const sim::Result<double> shrink_s = shrink_seconds();
  if (!shrink_s) return report(file, line, fatal, shrink_s.error()), false;
  if (const char *replay = std::getenv("COROSIM_REPLAY"); replay && *replay)
    return replay_schedule(body, options, name, replay, file, line, fatal);

  sim::Result<sim::ExploreResult> explored = sim::Error{""};
  {
    RunAssertions assertions;
    explored = sim::explore(body, options);
  }
  if (!explored) return report(file, line, fatal, "corosim: " + explored.error()), false;
  sim::ExploreResult &e = explored.value();
  ::testing::Test::RecordProperty("corosim_executions", std::to_string(e.executions));
  if (!e.failure) {
    std::printf("[ corosim ] %s: %s %s (strategy %s, first seed %s)\n", name.call.c_str(),
                e.exhausted ? "space exhausted, no failure in" : "no failure in",
                reports::executions_text(e.executions).c_str(), options.strategy.c_str(),
                sim::format_hex64(options.first_seed).c_str());
    return true;
  }
  sim::Failure &f = *e.failure;
  if (shrink_s.value() > 0 && !f.unrecorded()) {
    RunAssertions assertions;  // the candidates' GoogleTest assertions fail their runs, as the exploration's did
    sim::ShrinkOptions shrink;
    shrink.time_budget_s = shrink_s.value();
    if (auto shrunk = sim::shrink_failure(body, f, shrink)) f = std::move(shrunk.value());
  }
  if (auto saved = f.save(); !saved) std::fprintf(stderr, "corosim: warning: %s\n", saved.error().c_str());
  report(file, line, fatal, failure_text(f, name));
  return false;
}

}  // namespace corosim::gtest
