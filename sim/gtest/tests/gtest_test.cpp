// EXPECT_COROSIM_PASSES / ASSERT_COROSIM_PASSES (corosim/gtest.hpp): a passing body passes; a failing one gives
// exactly ONE GoogleTest failure, with the report and the replay recipe, however many executions fail and however
// many assertions fail inside them; COROSIM_REPLAY reproduces the run (same trace hash); bad environment values and
// bad schedule files are one line of failure.

#include <gtest/gtest-spi.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <corosim/gtest.hpp>
#include <corosim/thread.hpp>

namespace {

using corosim::Mutex;
using corosim::Thread;

// Two threads increment a counter; `locked` protects the read-modify-write with a Mutex.
void counter(bool locked) {
  Mutex m;
  int count = 0;
  auto add = [&] {
    if (locked) m.lock();
    const int seen = count;
    corosim::schedule_point();
    count = seen + 1;
    if (locked) m.unlock();
  };
  Thread a(add), b(add);
  a.join();
  b.join();
  EXPECT_EQ(count, 2) << "an increment was lost";
}

corosim::sim::ExploreOptions options(uint64_t schedules = 500) {
  corosim::sim::ExploreOptions o;
  o.strategy = "random";
  o.schedules = schedules;
  return o;
}

// Each test works in a directory of its own (schedule files are written to the working directory), with none of
// the COROSIM_* variables set.
class GtestIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/corosim-gtest-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
    for (const char *v : {"COROSIM_REPLAY", "COROSIM_SEED", "COROSIM_SCHEDULES"}) unsetenv(v);
  }
  void TearDown() override {
    for (const char *v : {"COROSIM_REPLAY", "COROSIM_SEED", "COROSIM_SCHEDULES"}) unsetenv(v);
    std::filesystem::current_path(previous_);
    std::filesystem::remove_all(dir_);
  }
  // The only schedule file written so far.
  std::string schedule_file() const {
    std::string found;
    for (const auto &entry : std::filesystem::directory_iterator(dir_))
      if (entry.path().extension() == ".json") found = entry.path().filename().string();
    return found;
  }
  std::filesystem::path dir_, previous_;
};

// The failure text of one call, captured.
std::string failure_of(const std::function<void()> &call) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    call();
  }
  EXPECT_EQ(results.size(), 1) << "exactly one GoogleTest failure";
  return results.size() > 0 ? results.GetTestPartResult(0).message() : "";
}

std::string trace_hash_in(const std::string &report) {
  std::smatch m;
  return std::regex_search(report, m, std::regex("trace hash  (0x[0-9a-f]{16})")) ? m[1].str() : "";
}

TEST_F(GtestIntegration, ACorrectCounterPasses) { EXPECT_COROSIM_PASSES([] { counter(true); }, options()); }

// Without options: sim::ExploreOptions' defaults (10,000 PCT executions).
TEST_F(GtestIntegration, OptionsMayBeLeftOut) {
  int runs = 0;
  EXPECT_COROSIM_PASSES([&] {
    ++runs;
    counter(true);
  });
  EXPECT_EQ(runs, 10000);
}

// A body written in place, with commas outside any parentheses (a declaration of two threads): the macros take it.
TEST_F(GtestIntegration, ABodyWrittenInPlaceMayHoldCommas) {
  int runs = 0;
  ASSERT_COROSIM_PASSES(
      [&] {
        ++runs;
        Mutex m;
        auto take = [&] { m.lock(); m.unlock(); };
        Thread a(take), b(take);
        a.join();
        b.join();
      },
      options(20));
  EXPECT_EQ(runs, 20);
}

TEST_F(GtestIntegration, ARacyCounterIsOneFailureWithItsReplayRecipe) {
  ::testing::TestPartResultArray results;
  const std::string text = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(false); }, options()); });
  EXPECT_NE(text.find("FAILED: assertion in scenario 'GtestIntegration.ARacyCounterIsOneFailureWithItsReplayRecipe'"),
            std::string::npos) << text;
  EXPECT_NE(text.find("an increment was lost"), std::string::npos) << text;
  EXPECT_NE(text.find("gtest_test.cpp:"), std::string::npos) << "the assertion's place: " << text;
  EXPECT_NE(text.find("\n  shrunk      preemptions "), std::string::npos) << "not shrunk: " << text;
  const std::string file = schedule_file();
  ASSERT_FALSE(file.empty());
  const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_EQ(last.rfind("COROSIM_REPLAY=" + file + " ", 0), 0u) << last;
  EXPECT_NE(last.find("--gtest_filter=GtestIntegration.ARacyCounterIsOneFailureWithItsReplayRecipe"),
            std::string::npos) << last;
}

// The schedule file `file` renamed to the call `call` of this test (a replay runs the call the schedule names: in a
// new process that is the first call again; here, in the same test, it is the next one).
void rename_schedule(const std::string &file, const std::string &call) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = std::regex_replace(text, std::regex(R"("scenario": \{"name":"[^"]*")"), R"("scenario": {"name":")" + call + "\"");
  std::ofstream(file) << text;
}

TEST_F(GtestIntegration, ReplayReproducesTheSameTraceHash) {
  const std::string test = "GtestIntegration.ReplayReproducesTheSameTraceHash";
  const std::string found = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(false); }, options()); });
  const std::string file = schedule_file();
  ASSERT_FALSE(file.empty());
  setenv("COROSIM_REPLAY", file.c_str(), 1);
  rename_schedule(file, test + "#2");
  const std::string replayed = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(false); }, options()); });
  EXPECT_FALSE(trace_hash_in(found).empty()) << found;
  EXPECT_EQ(trace_hash_in(replayed), trace_hash_in(found)) << replayed;
  EXPECT_NE(replayed.find("FAILED: assertion"), std::string::npos) << replayed;
  // The fixed code does not fit the schedule any more (the Mutex adds scheduling points): said in one line.
  rename_schedule(file, test + "#3");
  const std::string misfit = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(true); }, options()); });
  EXPECT_NE(misfit.find("COROSIM_REPLAY=" + file + ": "), std::string::npos) << misfit;
  EXPECT_EQ(misfit.find('\n'), std::string::npos) << misfit;
}

void assert_racy_then_mark(bool *after) {
  ASSERT_COROSIM_PASSES([] { counter(false); }, options());
  *after = true;
}

TEST_F(GtestIntegration, AssertIsFatalAndReturns) {
  static bool after = false;
  EXPECT_FATAL_FAILURE(assert_racy_then_mark(&after), "FAILED: assertion");
  EXPECT_FALSE(after);
}

TEST_F(GtestIntegration, EnvironmentSetsSeedAndSchedules) {
  setenv("COROSIM_SCHEDULES", "7", 1);
  setenv("COROSIM_SEED", "0x2a", 1);
  EXPECT_COROSIM_PASSES([] { counter(true); }, options());
  EXPECT_EQ(::testing::UnitTest::GetInstance()->current_test_info()->result()->GetTestProperty(0).value(),
            std::string("7"));
}

TEST_F(GtestIntegration, BadEnvironmentIsOneLine) {
  for (auto [name, value] : {std::pair{"COROSIM_SEED", "banana"}, std::pair{"COROSIM_SCHEDULES", "0"},
                             std::pair{"COROSIM_SCHEDULES", "12x"}, std::pair{"COROSIM_REPLAY", "no-such-file.json"}}) {
    setenv(name, value, 1);
    const std::string text = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(true); }, options()); });
    EXPECT_NE(text.find(name), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    unsetenv(name);
  }
  std::ofstream("garbage.json") << "{ not json";
  setenv("COROSIM_REPLAY", "garbage.json", 1);
  const std::string text = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(true); }, options()); });
  EXPECT_NE(text.find("not JSON"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
}

TEST_F(GtestIntegration, AnotherTestsScheduleIsRefusedInOneLine) {
  std::ofstream("other.json") << R"({"format": "corosim-schedule", "version": 1,
    "scenario": {"name": "Other.Test", "parameters": {}}, "strategy": {"name": "random", "parameters": {}},
    "seed": "0x1", "decisions": []})";
  setenv("COROSIM_REPLAY", "other.json", 1);
  const std::string text = failure_of([] { EXPECT_COROSIM_PASSES([] { counter(true); }, options()); });
  EXPECT_NE(text.find("the schedule belongs to Other.Test, not to GtestIntegration.AnotherTestsScheduleIsRefusedInOneLine"), std::string::npos) << text;
  EXPECT_NE(text.find("--gtest_filter=Other.Test"), std::string::npos) << text;
}

}  // namespace
