// Reference points the runtime's figures are read against:
//   - the raw Boost.Context jump_fcontext round trip: the baseline every ratio in the table divides by;
//   - a non-inlined function call: the floor of any call into the runtime (QEMU's perf_baseline);
//   - Boost.Fiber's this_fiber::yield round trip: the peer library whose switch corosim has to beat;
//   - a bare mmap + guard page + munmap of a coroutine stack's size, and the same with its top page written: the
//     floors of a lifecycle without the pool.

#include <sys/mman.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <boost/fiber/all.hpp>

#include "bench_support.hpp"

namespace corosim::bench {
namespace {

void raw_jump_fcontext_round_trip(benchmark::State &state) {
  RawFcontextRoundTrip round_trip;
  for (auto _ : state) round_trip.run();
}

// The same round trip after the caller raised a floating-point exception flag (as any division can): the two
// contexts now hold different MXCSR status bits, and jump_fcontext reloads MXCSR on every switch, which
// serialises the pipeline. corosim's switch reloads only when the rounding/control bits differ; compare with
// BM_enter_yield_round_trip_after_fp_flag/fcontext.
void raw_jump_fcontext_round_trip_after_fp_flag(benchmark::State &state) {
  clear_fp_flags();  // the new context saves the same MXCSR as ours ...
  RawFcontextRoundTrip round_trip;
  raise_inexact_flag();  // ... which now differs from it
  for (auto _ : state) round_trip.run();
}

// noipa rather than noinline: GCC must not look inside it either (no constant propagation, no cloning), so
// every iteration pays a real call and return.
[[gnu::noipa]] void count_call(uint64_t *calls) { ++*calls; }

void BM_function_call_noinline(benchmark::State &state) {
  uint64_t calls = 0;
  for (auto _ : state) count_call(&calls);
  benchmark::DoNotOptimize(calls);
}

// The main fiber and one peer fiber yield to each other: each yield of the main fiber runs the peer until it
// yields back, two switches through Boost.Fiber's round-robin scheduler, as enter+yield is two switches.
void BM_boost_fiber_yield_round_trip(benchmark::State &state) {
  bool stop = false;
  boost::fibers::fiber peer([&stop] {
    while (!stop) boost::this_fiber::yield();
  });
  for (auto _ : state) boost::this_fiber::yield();
  stop = true;
  peer.join();
}

// What a coroutine's stack costs at the least when nothing is recycled: map the default stack size plus a guard page
// below it, protect the guard page, unmap it all (as runtime/src/stack.cpp does, without the coroutine). With
// touch_top, also write to the top page, as anything that runs on the stack must: the page fault that maps a zeroed
// page in, and the page's teardown at munmap, are the part of a lifecycle that only reusing memory can avoid.
void mmap_guard_munmap(benchmark::State &state, bool touch_top) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t total = (default_stack_size() + page - 1) / page * page + page;
  for (auto _ : state) {
    void *base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED || mprotect(base, page, PROT_NONE) != 0) {
      state.SkipWithError("mmap or mprotect failed");
      break;
    }
    if (touch_top) {
      volatile char *top = static_cast<char *>(base) + total - 1;
      *top = 1;
    }
    munmap(base, total);
  }
}

// Registered first (this file is first in the link) so that the baseline runs before what it is compared with.
[[maybe_unused]] const auto *registered_raw =
    benchmark::RegisterBenchmark(kRawRoundTripBenchmark, raw_jump_fcontext_round_trip)->MinTime(kFastMinTime_s);
BENCHMARK(raw_jump_fcontext_round_trip_after_fp_flag)
    ->Name("BM_raw_jump_fcontext_round_trip_after_fp_flag")
    ->MinTime(kFastMinTime_s);
BENCHMARK(BM_function_call_noinline)->MinTime(kFastMinTime_s);
BENCHMARK(BM_boost_fiber_yield_round_trip)->MinTime(kFastMinTime_s);
BENCHMARK_CAPTURE(mmap_guard_munmap, untouched, false)->Name("BM_mmap_guard_munmap")->MinTime(kFastMinTime_s);
BENCHMARK_CAPTURE(mmap_guard_munmap, touched, true)->Name("BM_mmap_guard_touch_munmap")->MinTime(kFastMinTime_s);

}  // namespace
}  // namespace corosim::bench
