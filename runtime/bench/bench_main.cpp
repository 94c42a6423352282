// corosim_runtime_bench: the runtime's Google Benchmark programs plus a round-trip mode for instruction
// counting.
//
//   corosim_runtime_bench [--benchmark_* flags]
//       Runs the benchmarks and ends with the ratio tables (ratio_reporter.hpp): every benchmark against the raw
//       jump_fcontext round trip, then the event-loop benchmarks against baselines of their own (aio_bench.cpp).
//       Without --benchmark_repetitions it runs 5 repetitions, randomly interleaved, and reports aggregates only,
//       so the tables hold medians.
//
//   corosim_runtime_bench --roundtrips=N [--roundtrip-kind=corosim|raw|lifecycle]
//       Performs N enter+yield round trips on the fcontext backend (corosim, the default), N raw jump_fcontext
//       round trips (raw), or N pooled create+enter+terminate lifecycles (lifecycle), and exits without running
//       Google Benchmark. ci/callgrind-roundtrip runs it under callgrind for N and 2N: the difference of the two
//       instruction counts is N operations, with start-up and teardown cancelled out.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "bench_flags.hpp"
#include "ratio_reporter.hpp"

namespace {

using namespace corosim;
using namespace corosim::bench;

[[noreturn]] void usage_error(const char *message) {
  std::fprintf(stderr,
               "corosim_runtime_bench: %s\nusage: corosim_runtime_bench --roundtrips=N "
               "[--roundtrip-kind=corosim|raw|lifecycle]\n   or: corosim_runtime_bench [--benchmark_* flags]\n",
               message);
  std::exit(2);
}

template <class RoundTrip>
void run_round_trips(uint64_t count) {
  RoundTrip round_trip;
  for (uint64_t i = 0; i < count; ++i) round_trip.run();
}

void run_lifecycles(uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) create_enter_terminate();
}

struct RoundTripKind {
  std::string_view name;
  void (*run)(uint64_t count);
};
constexpr RoundTripKind kRoundTripKinds[] = {
    {"corosim", &run_round_trips<CoroutineRoundTrip>},
    {"raw", &run_round_trips<RawFcontextRoundTrip>},
    {"lifecycle", &run_lifecycles},
};

// The --roundtrips mode; returns false when the flag is absent.
bool round_trip_mode(int argc, char **argv) {
  if (!has_flag(argc, argv, "--roundtrips")) return false;
  const char *count_text = nullptr;
  std::string_view kind = "corosim";
  for (int i = 1; i < argc; ++i) {
    if (const char *v = flag_value(argv[i], "--roundtrips"))
      count_text = v;
    else if (const char *k = flag_value(argv[i], "--roundtrip-kind"))
      kind = k;
    else
      usage_error("--roundtrips takes no other argument than --roundtrip-kind");
  }
  char *end = nullptr;
  uint64_t count = std::strtoull(count_text, &end, 10);
  if (*count_text == '\0' || *end != '\0') usage_error("--roundtrips wants a number");

  for (const RoundTripKind &k : kRoundTripKinds) {
    if (k.name != kind) continue;
    BackendScope scope(Backend::fcontext, /*pool=*/true);
    k.run(count);
    return true;
  }
  usage_error("--roundtrip-kind is corosim, raw or lifecycle");
}

}  // namespace

int main(int argc, char **argv) {
  if (round_trip_mode(argc, argv)) return 0;

  // Defaults, injected right after the program name so that flags the user gives later still win:
  //  - 5 repetitions, aggregates only: a bare run prints medians, which the ratio table is made of;
  //  - random interleaving: repetitions of all benchmarks run in shuffled order, so load that comes and goes on
  //    a shared machine hits the baseline and what is divided by it alike instead of skewing their ratio.
  std::vector<char *> args(argv, argv + argc);
  static char repetitions[] = "--benchmark_repetitions=5";
  static char aggregates_only[] = "--benchmark_report_aggregates_only=true";
  static char interleaving[] = "--benchmark_enable_random_interleaving=true";
  if (!has_flag(argc, argv, "--benchmark_repetitions"))
    args.insert(args.begin() + 1, {repetitions, aggregates_only});
  if (!has_flag(argc, argv, "--benchmark_enable_random_interleaving")) args.insert(args.begin() + 1, interleaving);
  int args_count = static_cast<int>(args.size());
  args.push_back(nullptr);

  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 2;
  RatioReporter reporter(benchmark::CreateDefaultDisplayReporter(), kRawRoundTripBenchmark);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
