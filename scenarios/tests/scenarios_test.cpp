// The built-in scenarios under the executor: the registry is consistent, every scenario is deterministic (same
// seed, same status and trace hash), correct scenarios pass many PCT runs, every seeded bug is found by random
// walk, PCT and DFS with the failure kind it names, DFS exhausts comutex-contention in a known number of
// executions, and an hour of virtual time passes in no time. The execution counts are printed as "[ info ]" lines
// (they go into reports).

#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <corosim/coroutine.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/strategy.hpp>

namespace {

using namespace corosim;
using corosim::sim::Expected;
using corosim::sim::Scenario;

std::unique_ptr<sim::Strategy> strategy(const std::string &spec) {
  auto s = sim::make_strategy(spec);
  if (!s) ADD_FAILURE() << "bad strategy " << spec;
  return std::move(s).value();
}

const Scenario &scenario(std::string_view name) {
  const Scenario *s = sim::find_scenario(name);
  if (!s) {
    ADD_FAILURE() << "no scenario " << name;
    std::abort();
  }
  return *s;
}

std::vector<std::string> names(std::optional<Expected> only = std::nullopt) {
  std::vector<std::string> out;
  for (const Scenario &s : sim::scenarios())
    if (!only || s.expected == *only) out.emplace_back(s.name);
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string> &info) {
  std::string n = info.param;
  for (char &c : n)
    if (c == '-') c = '_';
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string describe(const sim::RunResult &r) {
  return std::string(sim::run_status_name(r.status)) + ": " + r.message;
}

class ScenariosEnv : public ::testing::Test {
 protected:
  void SetUp() override { set_pool_enabled(false); }
};
// The same, for the tests that take minutes (ctest label `long`, see CMakeLists.txt).
class ScenariosEnvLong : public ScenariosEnv {};

// --- the registry ---

TEST_F(ScenariosEnv, RegistryIsConsistent) {
  std::set<std::string_view> seen;
  for (const Scenario &s : sim::scenarios()) {
    EXPECT_TRUE(seen.insert(s.name).second) << "duplicate scenario " << s.name;
    EXPECT_EQ(sim::find_scenario(s.name), &s);
    EXPECT_NE(s.body, nullptr) << s.name;
    EXPECT_FALSE(s.description.empty()) << s.name;
    for (char c : s.name) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << s.name;
    if (s.expected == Expected::pass) {
      EXPECT_EQ(s.failure_kind, sim::RunStatus::ok) << s.name;
      EXPECT_EQ(s.expected_text(), "pass");
    } else {
      EXPECT_NE(s.failure_kind, sim::RunStatus::ok) << s.name;
      EXPECT_EQ(s.expected_text(), std::string("bug: ") + sim::run_status_name(s.failure_kind));
    }
  }
  EXPECT_FALSE(sim::scenario_registry_problem()) << *sim::scenario_registry_problem();
  EXPECT_EQ(sim::find_scenario("no-such-scenario"), nullptr);
  for (const char *name : {"comutex-contention", "rwlock-readers-writers", "virtual-hour", "lost-wakeup-handoff",
                           "lock-order-deadlock", "reschedule-self-race"})
    EXPECT_NE(sim::find_scenario(name), nullptr) << name;
}

// --- determinism: same seed, same run ---

class Determinism : public ScenariosEnv, public ::testing::WithParamInterface<std::string> {};

// Random walk: 1,000 seeds, each run twice in this process (the second time after 999 other runs, so state left
// behind by earlier runs would show), with one strategy object as an exploration uses it.
constexpr uint64_t kDeterminismRandomSeeds = 1'000;
// PCT: the first run of each seed on one strategy shared over the seeds (its step estimate k moves with the runs
// before, pct.cpp), the second on a fresh strategy made from the spec the first run reported (which carries k):
// that is how `corosim run` reproduces a PCT run.
constexpr uint64_t kDeterminismPctSeeds = 200;

TEST_P(Determinism, SameSeedSameStatusAndTraceHash) {
  const Scenario &s = scenario(GetParam());
  const auto start = std::chrono::steady_clock::now();
  std::set<uint64_t> distinct;
  {
    auto random = strategy("random");
    std::vector<sim::RunResult> first;
    first.reserve(kDeterminismRandomSeeds);
    for (uint64_t i = 0; i < kDeterminismRandomSeeds; ++i)
      first.push_back(sim::run_once(s.body, *random, sim::execution_seed(1, i)));
    for (uint64_t i = 0; i < kDeterminismRandomSeeds; ++i) {
      sim::RunResult again = sim::run_once(s.body, *random, sim::execution_seed(1, i));
      ASSERT_EQ(first[i].status, again.status) << s.name << " random run " << i << ": " << describe(again);
      ASSERT_EQ(first[i].trace_hash, again.trace_hash) << s.name << " random run " << i;
      ASSERT_EQ(first[i].steps, again.steps) << s.name << " random run " << i;
      ASSERT_TRUE(first[i].decisions == again.decisions) << s.name << " random run " << i;
      distinct.insert(first[i].trace_hash);
    }
  }
  {
    auto pct = strategy("pct");
    for (uint64_t i = 0; i < kDeterminismPctSeeds; ++i) {
      const uint64_t seed = sim::execution_seed(1, i);
      sim::RunResult r1 = sim::run_once(s.body, *pct, seed);
      const std::string spec = pct->spec().to_string();
      ASSERT_NE(spec.find("k="), std::string::npos) << spec;
      auto fresh = strategy(spec);
      sim::RunResult r2 = sim::run_once(s.body, *fresh, seed);
      ASSERT_EQ(r1.status, r2.status) << s.name << " " << spec << " seed " << seed << ": " << describe(r2);
      ASSERT_EQ(r1.trace_hash, r2.trace_hash) << s.name << " " << spec << " seed " << seed;
      ASSERT_TRUE(r1.decisions == r2.decisions) << s.name << " " << spec << " seed " << seed;
    }
  }
  std::printf("[ info ] %s: %llu random seeds x 2 + %llu PCT seeds x 2 identical; %zu distinct random traces; %.2f s\n",
              std::string(s.name).c_str(), static_cast<unsigned long long>(kDeterminismRandomSeeds),
              static_cast<unsigned long long>(kDeterminismPctSeeds), distinct.size(), seconds_since(start));
}

// The api granularity: the same seed gives the same run (200 random seeds, each run twice), the granularity is part
// of the trace hash (never the full granularity's hash for the same seed and decisions), and no run takes more steps
// than under the full granularity with the same decisions replayed (fewer, where the runtime's own steps go).
TEST_P(Determinism, ApiGranularitySameSeedSameHash) {
  const Scenario &s = scenario(GetParam());
  sim::RunOptions api = s.run_options;
  api.granularity = sim::Granularity::api;
  auto random = strategy("random");
  uint64_t api_steps = 0, full_steps = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    const uint64_t seed = sim::execution_seed(1, i);
    sim::RunResult first = sim::run_once(s.body, *random, seed, api);
    sim::RunResult again = sim::run_once(s.body, *random, seed, api);
    ASSERT_EQ(first.status, again.status) << s.name << " api run " << i << ": " << describe(again);
    ASSERT_EQ(first.trace_hash, again.trace_hash) << s.name << " api run " << i;
    ASSERT_EQ(first.steps, again.steps) << s.name << " api run " << i;
    sim::RunResult full = sim::run_once(s.body, *random, seed, s.run_options);
    ASSERT_NE(first.trace_hash, full.trace_hash) << s.name << " api run " << i;
    api_steps += first.steps;
    full_steps += full.steps;
  }
  EXPECT_LE(api_steps, full_steps) << s.name;
  std::printf("[ info ] %s: 200 api-granularity seeds x 2 identical; %.1f steps per run (full: %.1f)\n",
              std::string(s.name).c_str(), api_steps / 200.0, full_steps / 200.0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Determinism, ::testing::ValuesIn(names()), test_name);

// A run under the api granularity, saved as a schedule file, replays to the same trace hash; the same file without
// its granularity does not fit (the replay runs other steps).
TEST_F(ScenariosEnv, ApiGranularityScheduleReplays) {
  const Scenario &s = scenario("lost-wakeup-handoff");
  sim::RunOptions api = s.run_options;
  api.granularity = sim::Granularity::api;
  auto random = strategy("random");
  const uint64_t seed = sim::execution_seed(1, 3);
  const sim::RunResult run = sim::run_once(s.body, *random, seed, api);
  sim::Schedule schedule;
  schedule.scenario = s.name;
  schedule.strategy = random->spec();
  schedule.seed = seed;
  schedule.trace_hash = run.trace_hash;
  schedule.granularity = sim::Granularity::api;
  schedule.decisions = run.decisions;
  const std::string text = sim::to_json(schedule);
  EXPECT_NE(text.find("\"granularity\": \"api\""), std::string::npos) << text;
  auto read = sim::from_json(text);
  ASSERT_TRUE(read) << read.error();
  auto replayed = sim::replay(s.body, read.value());
  ASSERT_TRUE(replayed) << replayed.error();
  EXPECT_EQ(replayed.value().trace_hash, run.trace_hash);
  schedule.granularity.reset();
  EXPECT_FALSE(sim::replay(s.body, schedule));
  EXPECT_EQ(sim::from_json(text.substr(0, text.find("\"api\"")) + "\"coarse\"" + text.substr(text.find("\"api\"") + 5))
                .error(),
            "member 'run.granularity': \"coarse\" is neither \"full\" nor \"api\"");
}

// --- correct scenarios pass ---

class ExpectedPass : public ScenariosEnv, public ::testing::WithParamInterface<std::string> {};

// One PCT strategy over all executions, seeds execution_seed(1, i), as `corosim explore` runs them.
void pct_runs_pass(const Scenario &s, uint64_t executions) {
  const auto start = std::chrono::steady_clock::now();
  auto pct = strategy("pct");
  uint64_t steps_max = 0;
  for (uint64_t i = 0; i < executions; ++i) {
    const uint64_t seed = sim::execution_seed(1, i);
    sim::RunResult r = sim::run_once(s.body, *pct, seed);
    ASSERT_TRUE(r.ok()) << s.name << " " << pct->spec().to_string() << " seed " << sim::format_hex64(seed) << " (run "
                        << i << "): " << describe(r);
    if (r.steps > steps_max) steps_max = r.steps;
  }
  std::printf("[ info ] %s: %llu PCT runs pass (longest %llu steps); %.2f s\n", std::string(s.name).c_str(),
              static_cast<unsigned long long>(executions), static_cast<unsigned long long>(steps_max),
              seconds_since(start));
}

// The main suite runs 1,000 each; ExpectedPassLong (label `long`, a longer timeout) runs 10,000.
TEST_P(ExpectedPass, PassesPctRuns) { pct_runs_pass(scenario(GetParam()), 1'000); }

INSTANTIATE_TEST_SUITE_P(Scenarios, ExpectedPass, ::testing::ValuesIn(names(Expected::pass)), test_name);

class ExpectedPassLong : public ScenariosEnvLong, public ::testing::WithParamInterface<std::string> {};

TEST_P(ExpectedPassLong, Passes10000PctRuns) { pct_runs_pass(scenario(GetParam()), 10'000); }

INSTANTIATE_TEST_SUITE_P(Scenarios, ExpectedPassLong, ::testing::ValuesIn(names(Expected::pass)), test_name);

// --- seeded bugs are found ---

class SeededBug : public ScenariosEnv, public ::testing::WithParamInterface<std::string> {};

struct Found {
  uint64_t executions = 0;  // executions run up to and including the first failing one (0: not found)
  sim::RunResult result;
  std::string spec;
  uint64_t seed = 0;
};

// Runs `s` under `spec` (one strategy object, seeds execution_seed(1, i) as `corosim explore` uses them) until the
// first failing run, whatever its kind (the caller checks it), `bound` executions, or an exhausted DFS.
Found first_failure(const Scenario &s, const std::string &spec, uint64_t bound, const sim::RunOptions &options = {}) {
  Found found;
  auto st = strategy(spec);
  for (uint64_t i = 0; i < bound; ++i) {
    const uint64_t seed = sim::execution_seed(1, i);
    sim::RunResult r = sim::run_once(s.body, *st, seed, options);
    if (r.status == sim::RunStatus::exhausted) break;
    if (r.ok()) continue;
    found.executions = i + 1;
    found.result = std::move(r);
    found.spec = st->spec().to_string();
    found.seed = seed;
    return found;
  }
  return found;
}

// The bound on executions per strategy. Today (printed as "[ info ]" lines) random walk needs tens to about a
// thousand, PCT up to about 7,000 (lost-wakeup-handoff: two change points must fall in a window of a few steps)
// and DFS with two preemptions about 10,000-14,000 (it varies the last choices first, and these bugs need a
// preemption in the middle of the run). 50,000 leaves room for changes in the runtime's scheduling points.
constexpr uint64_t kBugBound = 50'000;

// The sim threads of a scenario's first run (seed 1).
std::size_t threads_of(const Scenario &s) {
  auto st = strategy("random");
  sim::RunOptions options = s.run_options;
  options.record_trace = true;
  const sim::RunResult r = sim::run_once(s.body, *st, 1, options);
  std::set<std::uint32_t> threads;
  for (const sim::TraceEvent &e : r.trace) threads.insert(e.thread);
  return threads.size();
}

// Among many threads (reorder-10, reorder-20: docs/bug-corpus.md) a random walk and a bounded DFS lose the few steps
// that matter in the noise: there only the default strategy must find the bug (the bug-finding table reports all).
constexpr std::size_t kManyThreads = 8;

TEST_P(SeededBug, FoundByRandomPctAndDfs) {
  const Scenario &s = scenario(GetParam());
  const bool many = threads_of(s) > kManyThreads;
  for (const std::string spec : {"random", "pct", "dfs:preemptions=2"}) {
    if (many && spec != "pct") continue;
    const auto start = std::chrono::steady_clock::now();
    Found f = first_failure(s, spec, kBugBound);
    ASSERT_GT(f.executions, 0u) << s.name << ": " << spec << " did not find the bug in " << kBugBound
                                << " executions";
    // (DFS ignores the seed: its execution is reproduced from its decisions.)
    std::printf("[ info ] %s: %s found it at execution %llu (%s, %llu steps, %s%s%s); %.2f s\n",
                std::string(s.name).c_str(), spec.c_str(), static_cast<unsigned long long>(f.executions),
                sim::run_status_name(f.result.status), static_cast<unsigned long long>(f.result.steps),
                f.spec.c_str(), spec.starts_with("dfs") ? "" : " seed ",
                spec.starts_with("dfs") ? "" : sim::format_hex64(f.seed).c_str(), seconds_since(start));
    std::printf("[ info ]   message: %s\n", f.result.message.c_str());
    EXPECT_EQ(f.result.status, s.failure_kind)
        << s.name << " under " << spec << ": " << describe(f.result);
  }
}

// Under the api granularity the default strategy still finds every seeded bug of the corpus, with the failure kind
// it declares: each is written with the API and the user's atomics, so none needs the runtime's own steps
// interleaved (docs/bug-corpus.md).
TEST_P(SeededBug, FoundUnderApiGranularity) {
  const Scenario &s = scenario(GetParam());
  sim::RunOptions api = s.run_options;
  api.granularity = sim::Granularity::api;
  Found f = first_failure(s, "pct", kBugBound, api);
  ASSERT_GT(f.executions, 0u) << s.name << ": pct under the api granularity did not find the bug in " << kBugBound
                              << " executions";
  std::printf("[ info ] %s: pct under the api granularity found it at execution %llu (%llu steps)\n",
              std::string(s.name).c_str(), static_cast<unsigned long long>(f.executions),
              static_cast<unsigned long long>(f.result.steps));
  EXPECT_EQ(f.result.status, s.failure_kind) << s.name << ": " << describe(f.result);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, SeededBug, ::testing::ValuesIn(names(Expected::bug)), test_name);

TEST_F(ScenariosEnv, RescheduleSelfRaceReportsTheRuntimesMisuse) {
  const Scenario &s = scenario("reschedule-self-race");
  Found f = first_failure(s, "random", kBugBound);
  ASSERT_GT(f.executions, 0u);
  ASSERT_EQ(f.result.status, sim::RunStatus::misuse) << describe(f.result);
  EXPECT_NE(f.result.message.find("re-entered recursively"), std::string::npos) << f.result.message;
}

// --- DFS exhausts comutex-contention ---

// Runs DFS with `preemptions` over comutex-contention until it reports its space exhausted; every run must pass.
uint64_t dfs_exhaust_comutex_contention(unsigned preemptions) {
  const Scenario &s = scenario("comutex-contention");
  const auto start = std::chrono::steady_clock::now();
  const std::string spec = "dfs:preemptions=" + std::to_string(preemptions);
  auto dfs = strategy(spec);
  uint64_t runs = 0;
  for (;;) {
    sim::RunResult r = sim::run_once(s.body, *dfs, runs);
    if (r.status == sim::RunStatus::exhausted) break;
    EXPECT_TRUE(r.ok()) << spec << " execution " << runs << ": " << describe(r);
    if (!r.ok()) return 0;
    ++runs;
    if (runs > 2'000'000) {
      ADD_FAILURE() << spec << " did not exhaust within 2,000,000 executions";
      return 0;
    }
  }
  EXPECT_TRUE(dfs->exhausted());
  EXPECT_EQ(dfs->executions(), runs);
  std::printf("[ info ] comutex-contention: %s exhausted after %llu executions; %.2f s\n", spec.c_str(),
              static_cast<unsigned long long>(runs), seconds_since(start));
  return runs;
}

// The exact number of executions DFS needs to cover comutex-contention is a fingerprint of the scenario, of the
// runtime's scheduling points and of the DFS: a change to any of them moves it (then look at why, and update it).
//
// Why these sizes, roughly. A run has about 150-250 steps (4 sim threads: main, 2 IOThreads, and the steps of the
// coroutines inside them), but a choice exists only where more than one sim thread is enabled. With 0 preemptions
// the running thread goes on while it is enabled, and DFS enumerates only the free switches, the choice of who
// runs when the running thread parks (a blocking poll with nothing to do, a join): in this scenario they come
// to 4 distinct executions. Each allowed preemption
// multiplies that by the number of steps where the running thread could be preempted (where another thread is
// enabled: on the order of a hundred) times the threads it could switch to, and each new branch brings its own
// free choices: 4 -> 797 (x ~200) -> 83,410 (x ~105; the second preemption has fewer places left after the
// first). That is iterative context bounding's polynomial growth: about (steps x threads)^bound. (No thread here
// spins: every wait blocks, so fair scheduling of spin loops changes nothing.)
TEST_F(ScenariosEnv, DfsExhaustsComutexContentionWithUpTo1Preemption) {
  EXPECT_EQ(dfs_exhaust_comutex_contention(0), 4u);
  EXPECT_EQ(dfs_exhaust_comutex_contention(1), 797u);
}

// With 2 preemptions (the default bound): about 84,000 executions, 15 s in a Debug build: labelled `long`.
TEST_F(ScenariosEnvLong, DfsExhaustsComutexContentionWith2Preemptions) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The count is the same in every build (ci/test compares the builds' trace hashes); here it would take most of a
  // minute, for memory checks the 10,000-run sweeps below already make.
  GTEST_SKIP() << "the default build pins this count";
#endif
  EXPECT_EQ(dfs_exhaust_comutex_contention(2), 83'410u);
}

// --- virtual time ---

TEST_F(ScenariosEnv, VirtualHourEndsAnHourLaterInstantly) {
  const Scenario &s = scenario("virtual-hour");
  constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
  auto random = strategy("random");
  const auto start = std::chrono::steady_clock::now();
  sim::RunResult r = sim::run_once(s.body, *random, 1);
  const double wall_s = seconds_since(start);
  ASSERT_TRUE(r.ok()) << describe(r);  // the body checks the slept time and the clock itself
  EXPECT_GE(r.end_ns, kHourNs) << "RunResult::end_ns";
  std::printf("[ info ] virtual-hour: end_ns %lld (%.1f virtual hours), %llu steps, %.6f s of wall time\n",
              static_cast<long long>(r.end_ns), static_cast<double>(r.end_ns) / kHourNs,
              static_cast<unsigned long long>(r.steps), wall_s);
}

}  // namespace
