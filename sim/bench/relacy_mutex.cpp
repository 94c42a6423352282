// The Relacy baseline of corosim_sim_bench: the 2-thread mutex test that corresponds to the simulator's
// 2 contexts x 2 coroutines x 2 CoMutex rounds (sim_bench.cpp): 2 x 4 = 8 critical sections in all.
//
// Its own translation unit, compiled with warnings off (sim/bench/CMakeLists.txt): relacy.hpp redefines new,
// delete, malloc, free and assert as macros and defines replacement global operator new/delete (inline, so the
// linker keeps one weak copy: outside a Relacy simulation they forward to malloc/free, so the simulator's
// allocations cost one extra test). Only relacy/relacy.hpp is included: relacy_std.hpp clashes with libstdc++ 12.

#include "relacy_mutex.hpp"

#include <ostream>
#include <streambuf>

#include <relacy/relacy.hpp>

namespace corosim::sim_bench {
namespace {

constexpr int kRoundsPerThread = 4;  // 2 coroutines x 2 rounds on each side of the simulator's scenario

struct MutexTest : rl::test_suite<MutexTest, 2> {
  rl::mutex mutex;
  rl::var<int> count;

  void before() { count($) = 0; }

  void thread(unsigned /*index*/) {
    for (int k = 0; k < kRoundsPerThread; ++k) {
      mutex.lock($);
      // rl::var accesses are checked for data races but are not scheduling points: Relacy's scheduler runs at
      // the mutex operations, 2 x 4 x (lock, unlock) + 1 = 17 points per execution (the least
      // test_params::execution_depth_limit that every execution stays within).
      int seen = count($);
      count($) = seen + 1;
      mutex.unlock($);
    }
  }

  void after() { RL_ASSERT(count($) == 2 * kRoundsPerThread); }
};

// Relacy prints the test name, progress and a summary per simulate(); the benchmark discards them.
class NullBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return c == traits_type::eof() ? 0 : c; }
  std::streamsize xsputn(const char *, std::streamsize n) override { return n; }
};

}  // namespace

RelacyRun relacy_mutex_simulate(uint64_t executions) {
  static NullBuffer null_buffer;
  static std::ostream null_stream(&null_buffer);
  rl::test_params params;
  params.iteration_count = static_cast<rl::iteration_t>(executions);
  params.search_type = rl::random_scheduler_type;
  params.output_stream = &null_stream;
  params.progress_stream = &null_stream;
  RelacyRun run;
  run.ok = rl::simulate<MutexTest>(params);
  run.executions = params.stop_iteration;
  return run;
}

}  // namespace corosim::sim_bench
