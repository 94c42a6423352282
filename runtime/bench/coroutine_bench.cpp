// Benchmarks of coroutine.hpp, after QEMU's tests/unit/test-coroutine.c perf cases:
//   enter_yield_round_trip/<backend>  coroutine_enter into a suspended coroutine that yields straight back
//   lifecycle/<backend>/<pool>        create + enter + terminate of an empty coroutine, with and without the pool
//   nesting/depth:1000                a chain of 1000 coroutines, each created and entered by the previous one
//   cost                              create + enter + yield + enter (terminate): QEMU's perf_cost
// Each benchmark sets the backend and pool it needs and restores fcontext afterwards (BackendScope).

#include <string>

#include <benchmark/benchmark.h>

#include "bench_support.hpp"
#include "ratio_reporter.hpp"

namespace corosim::bench {
namespace {

constexpr Backend kAllBackends[] = {Backend::fcontext, Backend::ucontext, Backend::thread};

void BM_enter_yield_round_trip(benchmark::State &state, Backend backend) {
  // The pool does not matter here (one coroutine for the whole run); on, as by default.
  BackendScope scope(backend, /*pool=*/true);
  CoroutineRoundTrip round_trip;
  for (auto _ : state) round_trip.run();
}

// As above, after the caller raised a floating-point flag the coroutine's context does not have (see
// BM_raw_jump_fcontext_round_trip_after_fp_flag).
void BM_enter_yield_round_trip_after_fp_flag(benchmark::State &state) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  clear_fp_flags();  // the new context saves the same MXCSR as ours ...
  CoroutineRoundTrip round_trip;
  raise_inexact_flag();  // ... which now differs from it
  for (auto _ : state) round_trip.run();
}

void BM_lifecycle(benchmark::State &state, Backend backend, bool pool) {
  BackendScope scope(backend, pool);
  for (auto _ : state) create_enter_terminate();
}

// Each level creates and enters the next one, so the whole chain is suspended on the enter path at once:
// 1000 coroutines exist (and their stacks are mapped) at the deepest point.
constexpr unsigned kNestingDepth = 1000;

struct Nest {
  unsigned levels_left;
  void operator()() const {
    if (levels_left > 1) coroutine_enter(coroutine_create(Nest{levels_left - 1}));
  }
};

void BM_nesting(benchmark::State &state) {
  // With the pool, as QEMU measures it: its bounds (128 local + 1024 global) hold a whole chain, so after the
  // first iteration no stack is mapped.
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  for (auto _ : state) coroutine_enter(coroutine_create(Nest{kNestingDepth}));
  state.counters[kItemsPerIteration] = kNestingDepth;  // the table then also shows the time per level
}

void BM_cost(benchmark::State &state) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  for (auto _ : state) {
    Coroutine *co = coroutine_create([] { yield(); });
    coroutine_enter(co);
    coroutine_enter(co);
  }
}

// Names are "BM_<what>/<backend>[/<pool>]" so that the ratio table lists the backends side by side.
[[maybe_unused]] const bool registered = [] {
  for (Backend b : kAllBackends)
    benchmark::RegisterBenchmark((std::string("BM_enter_yield_round_trip/") + backend_name(b)).c_str(),
                                 BM_enter_yield_round_trip, b)
        ->MinTime(min_time_s(b));
  benchmark::RegisterBenchmark("BM_enter_yield_round_trip_after_fp_flag/fcontext",
                               BM_enter_yield_round_trip_after_fp_flag)
      ->MinTime(kFastMinTime_s);
  for (Backend b : kAllBackends) {
    // The thread backend cannot pool (an OS thread per coroutine): measure it without only.
    for (bool pool : {true, false}) {
      if (pool && b == Backend::thread) continue;
      std::string name = std::string("BM_lifecycle/") + backend_name(b) + (pool ? "/pool" : "/no_pool");
      benchmark::RegisterBenchmark(name.c_str(), BM_lifecycle, b, pool)->MinTime(min_time_s(b));
      if (!pool && b != Backend::thread) {
        compare_with_own_baseline(name, "BM_mmap_guard_munmap");
        compare_with_own_baseline(name, "BM_mmap_guard_touch_munmap");
      }
    }
  }
  benchmark::RegisterBenchmark(("BM_nesting/depth:" + std::to_string(kNestingDepth)).c_str(), BM_nesting)
      ->MinTime(kFastMinTime_s);
  benchmark::RegisterBenchmark("BM_cost/fcontext/pool", BM_cost)->MinTime(kFastMinTime_s);
  return true;
}();

}  // namespace
}  // namespace corosim::bench
