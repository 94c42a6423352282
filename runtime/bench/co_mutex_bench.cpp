// Benchmarks of co_mutex.hpp: the uncontended fast path, lock + unlock by a coroutine nobody competes with
// (one atomic each way: see the state table in co_mutex.hpp).

#include <benchmark/benchmark.h>

#include <corosim/co_mutex.hpp>

#include "bench_support.hpp"

namespace corosim::bench {
namespace {

void BM_co_mutex_lock_unlock_uncontended(benchmark::State &state) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  CoMutex mutex;
  // lock() and unlock() are coroutine_fn: the whole measuring loop runs inside one coroutine.
  run_in_coroutine([&] {
    for (auto _ : state) {
      mutex.lock();
      mutex.unlock();
    }
  });
}
BENCHMARK(BM_co_mutex_lock_unlock_uncontended)->MinTime(kFastMinTime_s);

}  // namespace
}  // namespace corosim::bench
