// main() of the runtime's own test programs built against the sim platform (corosim_runtime_tests_sim and the C
// programs' sim builds; see CMakeLists.txt here). The whole program -- every test of RUN_ALL_TESTS(), or the C
// program's main -- runs inside ONE simulated execution, as sim thread 0, under the random strategy with a fixed
// seed: every thread a test starts is a sim thread, every platform atomic a scheduling point, time virtual.
//
// The run must end ok. Otherwise (runtime misuse, deadlock, step limit, a sim::fail) the program prints
//   corosim: <status>: <message>
// to stderr and aborts: that is also how a death test's child dies of misuse (the runtime's diagnostic is in the
// message, where EXPECT_DEATH's pattern finds it), as the real build's child dies in detail::misuse.
//
// Environment:
//   COROSIM_SIM_SEED   the run's seed (default kDefaultSeed), to explore other interleavings of the same tests
//   RC_PARAMS          RapidCheck's parameters; its seed is fixed too unless RC_PARAMS names one

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <corosim/coroutine.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/strategy.hpp>

#ifdef COROSIM_SIM_MAIN_GTEST
#include <gtest/gtest.h>
#else
extern "C" int corosim_c_test_main(void);  // the C program's main, renamed (-Dmain=corosim_c_test_main)
#endif

namespace {

constexpr uint64_t kDefaultSeed = 20240601;

uint64_t run_seed() {
  if (const char *s = std::getenv("COROSIM_SIM_SEED"); s && *s) return std::strtoull(s, nullptr, 0);
  return kDefaultSeed;
}

}  // namespace

int main(int argc, char **argv) {
#ifdef COROSIM_SIM_MAIN_GTEST
  ::testing::InitGoogleTest(&argc, argv);
  // RapidCheck draws its seed from std::random_device unless RC_PARAMS has one: fix it (read at first use).
  const char *rc_params = std::getenv("RC_PARAMS");
  if (!rc_params || !std::strstr(rc_params, "seed=")) {
    std::string params = rc_params ? std::string(rc_params) + " " : std::string();
    params += "seed=" + std::to_string(kDefaultSeed);
    setenv("RC_PARAMS", params.c_str(), 1);
  }
#else
  (void)argc;
  (void)argv;
#endif
  // No coroutine pool in the simulator build (executor.hpp): tests that exercise the pool turn it on themselves.
  corosim::set_pool_enabled(false);

  const uint64_t seed = run_seed();
  auto strategy = corosim::sim::make_strategy("random").value();
  corosim::sim::RunOptions options;
  options.max_steps = uint64_t{1} << 40;  // no limit in practice: a hang shows as the ctest TIMEOUT
  // Sim thread 0 runs gtest and the tests' own frames (the real build gives them the process's main stack).
  options.stack_bytes = 16u << 20;

  int rc = 1;
  corosim::sim::RunResult r = corosim::sim::run_once(
      [&] {
#ifdef COROSIM_SIM_MAIN_GTEST
        rc = RUN_ALL_TESTS();
#else
        rc = corosim_c_test_main();
#endif
      },
      *strategy, seed, options);
  if (!r.ok()) {
    const std::string status = corosim::sim::run_status_name(r.status);
    const bool named = r.message.rfind(status + ":", 0) == 0;  // the message may start with its status already
    std::fprintf(stderr, "corosim: %s%s%s\n", named ? "" : status.c_str(), named ? "" : ": ", r.message.c_str());
    std::fprintf(stderr, "corosim: simulated run with seed %" PRIu64 " (COROSIM_SIM_SEED), %" PRIu64 " steps\n", seed,
                 r.steps);
    std::fflush(stderr);
    std::abort();
  }
  std::printf("[   sim    ] one simulated run: seed %" PRIu64 ", %" PRIu64 " steps, trace hash %016" PRIx64 "\n", seed,
              r.steps, r.trace_hash);
  return rc;
}
