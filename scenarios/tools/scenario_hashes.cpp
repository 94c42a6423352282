// corosim_scenario_hashes: prints one line per (scenario, strategy, seed) of a fixed seed set,
//
//   <scenario> <strategy spec> <seed> <status kind> <trace hash>           (the full granularity)
//   <scenario> <strategy spec>@api <seed> <status kind> <trace hash>       (the api granularity)
//
// e.g. "lock-order-deadlock pct:d=3,k=212 0x910a7e0c6b1c9b3c deadlock 0x5d0e...". The list must come out
// byte-identical from every build of the same sources (Debug, RelWithDebInfo, ASan+UBSan): ci/test diffs the
// lists of two builds. A difference means a run's choices depend on the build (an address, an uninitialised
// value, a sanitizer-only code path), which breaks reproduction from a seed.
//
// The set: for every built-in scenario, kSeeds random-walk runs and kSeeds PCT runs with seeds
// sim::execution_seed(1, i), each PCT run on a fresh strategy (a shared one would carry its step estimate from run
// to run, and the list would then also depend on the order of the runs), and the first kDfsRuns executions of DFS
// with one preemption (DFS ignores seeds: the seed column is the execution's index); and kSeeds random-walk runs
// under the api granularity (sim/granularity.hpp).
//
// Usage: corosim_scenario_hashes [SCENARIO...]   (default: all). Exit 0; 2 on an unknown scenario name.

#include <cstdio>
#include <string>
#include <vector>

#include <corosim/coroutine.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/strategy.hpp>

namespace {

using namespace corosim;

constexpr uint64_t kFirstSeed = 1;
constexpr uint64_t kSeeds = 50;
constexpr uint64_t kDfsRuns = 20;

void print(const sim::Scenario &s, const sim::Strategy &strategy, uint64_t seed, const sim::RunResult &r,
           const char *suffix = "") {
  std::printf("%s %s%s %s %s %s\n", s.name.c_str(), strategy.spec().to_string().c_str(), suffix,
              sim::format_hex64(seed).c_str(), sim::run_status_name(r.status), sim::format_hex64(r.trace_hash).c_str());
}

}  // namespace

int main(int argc, char **argv) {
  set_pool_enabled(false);
  std::vector<const sim::Scenario *> selected;
  for (int i = 1; i < argc; ++i) {
    const sim::Scenario *s = sim::find_scenario(argv[i]);
    if (!s) {
      std::fprintf(stderr, "corosim_scenario_hashes: unknown scenario '%s'\n", argv[i]);
      return 2;
    }
    selected.push_back(s);
  }
  if (selected.empty())
    for (const sim::Scenario &s : sim::scenarios()) selected.push_back(&s);

  for (const sim::Scenario *s : selected) {
    for (const char *spec : {"random", "pct"}) {
      auto shared = sim::make_strategy(spec).value();
      for (uint64_t i = 0; i < kSeeds; ++i) {
        auto fresh = sim::make_strategy(spec).value();
        sim::Strategy &strategy = std::string(spec) == "pct" ? *fresh : *shared;
        const uint64_t seed = sim::execution_seed(kFirstSeed, i);
        sim::RunResult r = sim::run_once(s->body, strategy, seed);
        print(*s, strategy, seed, r);
      }
    }
    auto dfs = sim::make_strategy("dfs:preemptions=1").value();
    for (uint64_t i = 0; i < kDfsRuns; ++i) {
      sim::RunResult r = sim::run_once(s->body, *dfs, i);
      if (r.status == sim::RunStatus::exhausted) break;
      print(*s, *dfs, i, r);
    }
    auto coarse = sim::make_strategy("random").value();
    sim::RunOptions api;
    api.granularity = sim::Granularity::api;
    for (uint64_t i = 0; i < kSeeds; ++i) {
      const uint64_t seed = sim::execution_seed(kFirstSeed, i);
      print(*s, *coarse, seed, sim::run_once(s->body, *coarse, seed, api), "@api");
    }
  }
  return 0;
}
