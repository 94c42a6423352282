#pragma once
// What bench_main.cpp needs from sim_bench.cpp besides the registered benchmarks.

#include <cstdint>
#include <string_view>

namespace corosim::sim_bench {

// The baseline's benchmark name: the ratio table divides by its executions per second.
inline constexpr const char *kRelacyBenchmark = "BM_relacy_mutex";

// The fixed-count mode for profiling (callgrind): `count` executions of `scenario` (comutex | comutex2 | threads |
// empty | relacy) under strategy `spec`, seeds 1..count. Returns false for an unknown scenario or spec, or a failed run.
bool run_executions(std::string_view scenario, const char *spec, uint64_t count);

}  // namespace corosim::sim_bench
