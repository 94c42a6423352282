#pragma once
// The Relacy side of the comparison (relacy_mutex.cpp): a plain function interface, so that no Relacy header (which
// redefines new, delete, malloc and assert as macros) reaches the other translation units of the benchmark.

#include <cstdint>

namespace corosim::sim_bench {

struct RelacyRun {
  uint64_t executions = 0;  // iterations Relacy completed (its stop_iteration)
  bool ok = false;          // every execution ended with the right count, no error found
};

// rl::simulate of the 2-thread mutex test (each thread: 4 rounds of lock, read and write an rl::var<int>,
// unlock; the final value is checked) for `executions` iterations under Relacy's random scheduler.
RelacyRun relacy_mutex_simulate(uint64_t executions);

}  // namespace corosim::sim_bench
