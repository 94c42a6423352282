// The failure module (failure.hpp) and its two back-ends: the same exploration in this process and in worker
// processes gives the same ExploreResult; a crashing body is the failure `crash` of its execution; a failure
// survives its JSON round trip; its commands are the table of failure.hpp, for each launcher; schedule files are
// named from scenario and seed; replay() takes a saved schedule back.

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/thread.hpp>

namespace {

using namespace corosim;
using namespace corosim::sim;

// Two threads increment a counter with a scheduling point between read and write: an update can be lost.
int two_increments() {
  int count = 0;
  auto add = [&] {
    const int seen = count;
    corosim::schedule_point();
    count = seen + 1;
  };
  Thread a(add), b(add);
  a.join();
  b.join();
  return count;
}

void lost_update() { check(two_increments() == 2, "an increment was lost"); }
void crash_on_lost_update() {
  if (two_increments() != 2) std::abort();
}

ExploreOptions options(const char *strategy, unsigned jobs) {
  ExploreOptions o;
  o.scenario = "lost-update";
  o.strategy = strategy;
  o.schedules = 5000;
  o.jobs = jobs;
  return o;
}

class FailureModule : public ::testing::Test {
 protected:
  void SetUp() override {
    set_pool_enabled(false);
    dir_ = std::filesystem::temp_directory_path() / ("corosim-failure-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

// One worker process runs the same executions, in the same order, on the same strategy: the same failure.
TEST_F(FailureModule, OneWorkerProcessFindsWhatThisProcessFinds) {
  for (const char *strategy : {"random", "pct", "dfs"}) {
    auto here = explore(lost_update, options(strategy, 0));
    auto worker = explore(lost_update, options(strategy, 1));
    ASSERT_TRUE(here.ok() && worker.ok()) << strategy;
    ASSERT_TRUE(here.value().failure && worker.value().failure) << strategy;
    const Failure &a = *here.value().failure, &b = *worker.value().failure;
    EXPECT_EQ(here.value().executions, worker.value().executions) << strategy;
    EXPECT_EQ(a.execution, b.execution) << strategy;
    EXPECT_EQ(a.seed, b.seed) << strategy;
    EXPECT_EQ(a.strategy.to_string(), b.strategy.to_string()) << strategy;
    EXPECT_EQ(a.result.status, b.result.status) << strategy;
    EXPECT_EQ(a.result.trace_hash, b.result.trace_hash) << strategy;
    EXPECT_TRUE(a.result.decisions == b.result.decisions) << strategy;
    EXPECT_EQ(a.commands(Launcher::cli("prog")), b.commands(Launcher::cli("prog"))) << strategy;
  }
}

// Two workers: the failure with the smallest execution index, whichever worker is faster; the same every time.
TEST_F(FailureModule, TwoWorkersReportTheSmallestFailingExecution) {
  auto first = explore(lost_update, options("random", 2));
  auto second = explore(lost_update, options("random", 2));
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(first.value().failure && second.value().failure);
  EXPECT_EQ(first.value().failure->execution, second.value().failure->execution);
  EXPECT_EQ(first.value().failure->result.trace_hash, second.value().failure->result.trace_hash);
  // With random walk a worker's strategy state does not matter: the execution fails in this process too.
  auto here = explore(lost_update, options("random", 0));
  EXPECT_EQ(first.value().failure->execution, here.value().failure->execution);
}

TEST_F(FailureModule, ACrashingBodyIsTheCrashOfItsExecution) {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);  // the workers' aborts are deliberate: no core files
  auto r = explore(crash_on_lost_update, options("random", 2));
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.value().failure);
  const Failure &f = *r.value().failure;
  EXPECT_TRUE(f.unrecorded());
  EXPECT_STREQ(f.kind(), "crash");
  EXPECT_NE(f.result.message.find("killed by signal 6"), std::string::npos) << f.result.message;
  // The execution that crashed is the one that loses the update in this process.
  auto here = explore(lost_update, options("random", 0));
  EXPECT_EQ(f.execution, here.value().failure->execution);
  // No schedule was recorded: nothing to save; the commands rerun the worker's share up to it.
  EXPECT_FALSE(Failure(f).save(dir_ / "crash.json").ok());
  const auto commands = f.commands(Launcher::cli("prog"));
  EXPECT_EQ(commands.back().rfind("prog explore lost-update ", 0), 0u) << commands.back();
  EXPECT_NE(commands.back().find(" --jobs 1"), std::string::npos) << commands.back();
}

// Code that never reaches a scheduling point: the execution timeout stops it. Worker processes: the worker is killed
// and the execution is the failure `timeout`. In this process: on_fatal gets the same failure from the watchdog's
// thread, and the process ends with exit status 1.
void spins_forever() {
  volatile bool never = false;
  while (!never) {
  }
}

TEST_F(FailureModule, AnExecutionThatNeverEndsIsATimeout) {
  ExploreOptions o = options("random", 1);
  o.execution_timeout_s = 0.3;
  auto r = explore(spins_forever, o);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.value().failure);
  const Failure &f = *r.value().failure;
  EXPECT_EQ(f.result.status, RunStatus::timeout);
  EXPECT_EQ(f.execution, 0u);
  EXPECT_TRUE(f.unrecorded());
  EXPECT_NE(f.commands(Launcher::cli("p")).back().find(" --execution-timeout 0.3"), std::string::npos);

  o.jobs = 0;
  o.on_fatal = [](const Failure &stuck) {
    std::fprintf(stderr, "on_fatal: %s execution %llu\n", run_status_name(stuck.result.status),
                 static_cast<unsigned long long>(*stuck.execution + 1));
  };
  EXPECT_EXIT(explore(spins_forever, o), ::testing::ExitedWithCode(1), "on_fatal: timeout execution 1");
}

// The in-process guard of one exploration must not take the runtime's fault handler away from the next (it once
// put back the SIGSEGV disposition it found, removing the handler the first run had installed): after two
// explorations in this process, a sim thread's overflow is still the failure stack_overflow, not a dead process.
int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return depth == 0 ? frame[0] : recurse(depth - 1) + frame[0];
}

TEST_F(FailureModule, AnOverflowAfterEarlierExplorationsIsStillAStackOverflow) {
  ExploreOptions o = options("random", 0);
  o.schedules = 10;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(explore([] { corosim::schedule_point(); }, o).ok());
  auto r = explore(
      [] {
        Thread t([] { recurse(300); });
        t.join();
      },
      o);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_TRUE(r.value().failure);
  EXPECT_EQ(r.value().failure->result.status, RunStatus::stack_overflow) << r.value().failure->result.message;
}

TEST_F(FailureModule, JsonRoundTripKeepsEverything) {
  auto r = explore(lost_update, options("pct", 0));
  ASSERT_TRUE(r.ok() && r.value().failure);
  Failure f = *r.value().failure;
  f.run_options.max_steps = 777;
  f.schedule_file = "somewhere.json";
  auto back = failure_from_json(to_json(f));
  ASSERT_TRUE(back.ok()) << back.error();
  const Failure &g = back.value();
  EXPECT_EQ(g.scenario, f.scenario);
  EXPECT_EQ(g.seed, f.seed);
  EXPECT_EQ(g.execution, f.execution);
  EXPECT_EQ(g.strategy.to_string(), f.strategy.to_string());
  EXPECT_EQ(g.run_options.max_steps, 777u);
  EXPECT_EQ(g.result.status, f.result.status);
  EXPECT_EQ(g.result.message, f.result.message);
  EXPECT_EQ(g.result.trace_hash, f.result.trace_hash);
  EXPECT_TRUE(g.result.decisions == f.result.decisions);
  EXPECT_EQ(g.commands(Launcher::cli("p")), f.commands(Launcher::cli("p")));
  for (const char *bad : {"", "{", "[]", "{\"scenario\": 3}", "null"})
    EXPECT_FALSE(failure_from_json(bad).ok()) << bad;
}

TEST_F(FailureModule, CommandsForEachLauncher) {
  auto r = explore(lost_update, options("pct", 0));
  ASSERT_TRUE(r.ok() && r.value().failure);
  Failure f = *r.value().failure;
  f.scenario = "odd name/with 'quotes'";
  EXPECT_EQ(f.default_schedule_file(), "corosim-odd_name_with__quotes_-" + format_hex64(f.seed) + ".schedule.json");
  ASSERT_TRUE(f.save(dir_ / "f.schedule.json").ok());

  const auto cli = f.commands(Launcher::cli("./my prog"));
  ASSERT_EQ(cli.size(), 2u);
  EXPECT_EQ(cli[0], "'./my prog' run 'odd name/with '\\''quotes'\\''' --strategy " + f.strategy.to_string() +
                        " --seed " + format_hex64(f.seed));
  EXPECT_EQ(cli[1], "'./my prog' replay " + shell_quote(f.schedule_file));

  const auto gtest = f.commands(Launcher::gtest("./tests", "Suite.Name"));
  ASSERT_EQ(gtest.size(), 2u);
  EXPECT_EQ(gtest[0], "COROSIM_SEED=0x0000000000000001 COROSIM_SCHEDULES=" + std::to_string(*f.execution + 1) +
                          " ./tests --gtest_filter=Suite.Name");
  EXPECT_EQ(gtest[1], "COROSIM_REPLAY=" + shell_quote(f.schedule_file) + " ./tests --gtest_filter=Suite.Name");

  // A bound other than the default travels in the run line.
  f.run_options.max_steps = 500;
  EXPECT_NE(f.commands(Launcher::cli("p"))[0].find(" --max-steps 500"), std::string::npos);
}

TEST_F(FailureModule, ShellQuote) {
  EXPECT_EQ(shell_quote("plain-word_1.json"), "plain-word_1.json");
  EXPECT_EQ(shell_quote("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
  EXPECT_EQ(shell_quote(""), "''");
}

// A saved schedule replays against the body: same status and trace hash; against another body, one line.
TEST_F(FailureModule, SavedScheduleReplays) {
  auto r = explore(lost_update, options("random", 0));
  ASSERT_TRUE(r.ok() && r.value().failure);
  Failure f = *r.value().failure;
  ASSERT_TRUE(f.save(dir_ / "lost.json").ok());
  auto schedule = load_schedule(dir_ / "lost.json");
  ASSERT_TRUE(schedule.ok()) << schedule.error();
  auto again = replay(lost_update, schedule.value());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.value().status, RunStatus::assertion);
  EXPECT_EQ(again.value().trace_hash, f.result.trace_hash);
  auto other = replay([] { corosim::schedule_point(); }, schedule.value());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().find('\n'), std::string::npos) << other.error();
}

}  // namespace
