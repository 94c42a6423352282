// corosim_sim_bench: the simulator's exploration throughput against Relacy's, measured in the same run.
//
//   corosim_sim_bench [--benchmark_* flags]
//       Runs the benchmarks (sim_bench.cpp) and ends with the ratio table (sim_ratio_reporter.hpp): executions
//       per second of each against Relacy's on the equivalent 2-thread mutex test, steps per execution and
//       scheduling decisions per second. Without --benchmark_repetitions: 5 repetitions, randomly interleaved,
//       aggregates only, so the table holds medians.
//
//   corosim_sim_bench --executions=N [--scenario=comutex|comutex2|threads|two_threads|empty|relacy] [--strategy=SPEC]
//       Runs N executions (seeds 1..N; Relacy: one simulate of N iterations) and exits without Google Benchmark:
//       for valgrind --tool=callgrind, where the difference between N and 2N cancels start-up and teardown.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_flags.hpp"  // runtime/bench
#include "sim_bench.hpp"
#include "sim_ratio_reporter.hpp"

namespace {

using corosim::bench::flag_value;
using corosim::bench::has_flag;

[[noreturn]] void usage_error(const char *message) {
  std::fprintf(stderr,
               "corosim_sim_bench: %s\nusage: corosim_sim_bench --executions=N "
               "[--scenario=comutex|comutex2|threads|two_threads|empty|relacy] [--strategy=SPEC]\n"
               "   or: corosim_sim_bench [--benchmark_* flags]\n",
               message);
  std::exit(2);
}

// The --executions mode; returns false when the flag is absent.
bool executions_mode(int argc, char **argv, int *status) {
  if (!has_flag(argc, argv, "--executions")) return false;
  const char *count_text = "";
  std::string scenario = "comutex";
  std::string spec = "random";
  for (int i = 1; i < argc; ++i) {
    if (const char *v = flag_value(argv[i], "--executions"))
      count_text = v;
    else if (const char *s = flag_value(argv[i], "--scenario"))
      scenario = s;
    else if (const char *k = flag_value(argv[i], "--strategy"))
      spec = k;
    else
      usage_error("--executions takes no other arguments than --scenario and --strategy");
  }
  char *end = nullptr;
  uint64_t count = std::strtoull(count_text, &end, 10);
  if (*count_text == '\0' || *end != '\0') usage_error("--executions wants a number");
  *status = corosim::sim_bench::run_executions(scenario, spec.c_str(), count) ? 0 : 1;
  if (*status) std::fprintf(stderr, "corosim_sim_bench: unknown scenario or strategy, or a run failed\n");
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  int status = 0;
  if (executions_mode(argc, argv, &status)) return status;

  // Defaults, inserted right after the program name so that flags given later still win (as corosim_runtime_bench).
  std::vector<char *> args(argv, argv + argc);
  static char repetitions[] = "--benchmark_repetitions=5";
  static char aggregates_only[] = "--benchmark_report_aggregates_only=true";
  static char interleaving[] = "--benchmark_enable_random_interleaving=true";
  if (!has_flag(argc, argv, "--benchmark_repetitions")) args.insert(args.begin() + 1, {repetitions, aggregates_only});
  if (!has_flag(argc, argv, "--benchmark_enable_random_interleaving")) args.insert(args.begin() + 1, interleaving);
  int args_count = static_cast<int>(args.size());
  args.push_back(nullptr);

  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 2;
  corosim::sim_bench::SimRatioReporter reporter(benchmark::CreateDefaultDisplayReporter(),
                                                corosim::sim_bench::kRelacyBenchmark);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
