// The simulator's benchmarks: executions per second of one scenario under the random strategy and PCT, a
// 2-thread platform-mutex scenario, the empty run (the executor's fixed cost), two threads started and joined
// with nothing in them (the thread lifecycle's cost), and the Relacy baseline that the ratio table divides by
// (relacy_mutex.cpp), all in the same run.
//
// The scenario, in two shapes. Every coroutine takes a CoMutex twice (lock, read, scheduling point, write,
// unlock); four coroutines, two in each of two contexts:
//   comutex   sim/tests/executor_test.cpp's comutex_contention with rounds = 2: two IOThreads run the
//             coroutines; the main thread polls a context of its own until all four are done, then joins them
//             (3 sim threads).
//   comutex2  the main thread's own context runs two of them and one IOThread the other two (2 sim threads,
//             one per context: the one-to-one counterpart of Relacy's two threads).
// Relacy's test is the same amount of locking on two threads: 2 x 4 critical sections, each a lock, an rl::var
// read and write, and an unlock; its scheduling points are the locks and unlocks (17 per execution).
//
// And check_lock (corosim/check.hpp) on its default options (PCT, 10,000 schedules of 2 contexts x 4 coroutines x
// 3 rounds) around CoMutex, called as a user calls it: one benchmark iteration is one whole check, worker process
// included, timed in real time (the worker's CPU time is not the benchmark's); its items are the schedules it ran.
//
// One benchmark iteration is one run_once with seeds 1, 2, 3, ... (a shared strategy per benchmark); Relacy's is
// one rl::simulate of kRelacyExecutions executions. Counters (sim_ratio_reporter.hpp): executions per iteration,
// items_per_second (= executions per second), steps per execution and decisions (scheduling steps) per second.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include <corosim/aio.hpp>
#include <corosim/check.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/sim/strategy.hpp>
#include <corosim/thread.hpp>

#include "relacy_mutex.hpp"
#include "sim_bench.hpp"
#include "sim_ratio_reporter.hpp"

namespace corosim::sim_bench {
namespace {

using namespace corosim::sim;

int g_final_count = 0;  // the scenario's result, checked after each run

// kIOThreads = 2: "comutex" above; kIOThreads = 1: "comutex2".
template <int kIOThreads>
void comutex_contention() {
  static_assert(kIOThreads == 1 || kIOThreads == 2);
  constexpr int kRounds = 2;
  AioContext *home = kIOThreads == 2 ? AioContext::create() : current_context();
  CoMutex mutex;
  int count = 0;
  corosim::atomic<int> done{0};
  {
    IOThread threads[kIOThreads];
    AioContext *contexts[2] = {threads[0].context(), kIOThreads == 2 ? threads[kIOThreads - 1].context() : home};
    for (AioContext *ctx : contexts) {
      for (int i = 0; i < 2; ++i) {
        Coroutine *co = coroutine_create([&] {
          for (int k = 0; k < kRounds; ++k) {
            mutex.lock();
            int seen = count;
            corosim::schedule_point();
            count = seen + 1;
            mutex.unlock();
          }
          done.fetch_add(1);
          home->notify();
        });
        aio_co_schedule(ctx, co);
      }
    }
    while (done.load() < 4) home->poll(true);
  }  // joins the IOThreads
  if (kIOThreads == 2) home->unref();
  g_final_count = count;
}

// Relacy's test written as a user writes it, with the public corosim::Thread and corosim::Mutex (thread.hpp): two
// threads, 4 rounds each of a lock, a read, a scheduling point, a write and an unlock. No contexts or coroutines:
// the executor and the strategy alone.
void threads_mutex() {
  Mutex mutex;
  int count = 0;
  auto worker = [&] {
    for (int k = 0; k < 4; ++k) {
      mutex.lock();
      int seen = count;
      corosim::schedule_point();
      count = seen + 1;
      mutex.unlock();
    }
  };
  {
    Thread t1(worker), t2(worker);
    t1.join();
    t2.join();
  }
  g_final_count = count;
}

void empty_body() { g_final_count = 8; }

// threads_mutex's skeleton: the same two threads started and joined, with nothing in them. What the thread
// lifecycle costs an execution (spawn, start step, finish, join, tear-down), apart from the locking.
void two_threads_body() {
  {
    Thread t1([] {}), t2([] {});
    t1.join();
    t2.join();
  }
  g_final_count = 8;
}

void run_sim(benchmark::State &state, const char *spec, void (*body)(), Granularity granularity = Granularity::full) {
  set_pool_enabled(false);  // as the executor tests: a run must not inherit coroutines from the one before
  auto strategy = make_strategy(spec).value();
  RunOptions options;
  options.granularity = granularity;
  uint64_t seed = 1;
  uint64_t steps = 0;
  uint64_t executions = 0;
  for (auto _ : state) {
    g_final_count = -1;
    RunResult r = run_once(body, *strategy, seed++, options);
    if (!r.ok() || g_final_count != 8) {
      state.SkipWithError(("run failed: " + std::string(run_status_name(r.status)) + " " + r.message).c_str());
      break;
    }
    steps += r.steps;
    ++executions;
  }
  state.SetItemsProcessed(static_cast<int64_t>(executions));
  set_counters(state, 1, executions ? static_cast<double>(steps) / static_cast<double>(executions) : 0,
               static_cast<double>(steps));
}

void BM_corosim_comutex_random(benchmark::State &state) { run_sim(state, "random", comutex_contention<2>); }
void BM_corosim_comutex_pct(benchmark::State &state) { run_sim(state, "pct:d=3", comutex_contention<2>); }
void BM_corosim_comutex2_random(benchmark::State &state) { run_sim(state, "random", comutex_contention<1>); }
void BM_corosim_comutex2_pct(benchmark::State &state) { run_sim(state, "pct:d=3", comutex_contention<1>); }
void BM_corosim_threads_mutex_random(benchmark::State &state) { run_sim(state, "random", threads_mutex); }
// The same under the api granularity (sim/granularity.hpp): the runtime's own atomics and free locks take no step.
void BM_corosim_comutex_random_api(benchmark::State &state) {
  run_sim(state, "random", comutex_contention<2>, Granularity::api);
}
void BM_corosim_comutex2_random_api(benchmark::State &state) {
  run_sim(state, "random", comutex_contention<1>, Granularity::api);
}
void BM_corosim_empty_run(benchmark::State &state) { run_sim(state, "random", empty_body); }
void BM_corosim_two_threads(benchmark::State &state) { run_sim(state, "random", two_threads_body); }

void BM_corosim_check_lock_comutex(benchmark::State &state) {
  uint64_t schedules = 0;
  for (auto _ : state) {
    CheckResult r = check_lock<CoMutex>();
    if (!r.ok) {
      state.SkipWithError(("check_lock failed: " + r.message).c_str());
      break;
    }
    schedules += r.schedules_run;
  }
  state.SetItemsProcessed(static_cast<int64_t>(schedules));
  set_counters(state, static_cast<double>(CheckOptions{}.schedules), 0, 0);
}

// explore() with `jobs` worker processes (what `corosim explore --jobs N` runs) over the equal test, as a user's
// program calls it: one benchmark iteration is one whole exploration of kExploreExecutions random schedules, forks
// and all, timed in real time (the work is in the workers); its items are the executions run. On 2 cores,
// jobs:2 over jobs:1 is the speed-up a second worker buys (the table prints it).
constexpr uint64_t kExploreExecutions = 200'000;

void BM_corosim_explore_jobs(benchmark::State &state) {
  ExploreOptions options;
  options.scenario = "threads_mutex";
  options.strategy = "random";
  options.schedules = kExploreExecutions;
  options.jobs = static_cast<unsigned>(state.range(0));
  options.progress_interval_s = 0;
  uint64_t executions = 0;
  for (auto _ : state) {
    auto r = explore(threads_mutex, options);
    if (!r || r.value().failure) {
      state.SkipWithError("the exploration failed");
      break;
    }
    executions += r.value().executions;
  }
  state.SetItemsProcessed(static_cast<int64_t>(executions));
  set_counters(state, static_cast<double>(kExploreExecutions), 0, 0);
}

constexpr uint64_t kRelacyExecutions = 10'000;

void BM_relacy_mutex(benchmark::State &state) {
  uint64_t executions = 0;
  for (auto _ : state) {
    RelacyRun run = relacy_mutex_simulate(kRelacyExecutions);
    if (!run.ok || run.executions != kRelacyExecutions) {
      state.SkipWithError("Relacy reported a failure or stopped early");
      break;
    }
    executions += run.executions;
  }
  state.SetItemsProcessed(static_cast<int64_t>(executions));
  set_counters(state, static_cast<double>(kRelacyExecutions), 0, 0);
}

}  // namespace

bool run_executions(std::string_view scenario, const char *spec, uint64_t count) {
  if (scenario == "relacy") return relacy_mutex_simulate(count).ok;
  void (*body)() = scenario == "comutex"  ? comutex_contention<2>
                   : scenario == "comutex2" ? comutex_contention<1>
                   : scenario == "threads" ? threads_mutex
                   : scenario == "empty"   ? empty_body
                   : scenario == "two_threads" ? two_threads_body
                                           : nullptr;
  if (!body) return false;
  auto strategy = make_strategy(spec);
  if (!strategy) return false;
  set_pool_enabled(false);
  uint64_t steps = 0;
  for (uint64_t seed = 1; seed <= count; ++seed) {
    g_final_count = -1;
    RunResult r = run_once(body, *strategy.value(), seed);
    if (!r.ok() || g_final_count != 8) return false;
    steps += r.steps;
  }
  std::printf("%llu executions of %.*s under %s: %llu scheduling steps (%.1f per execution)\n",
              static_cast<unsigned long long>(count), static_cast<int>(scenario.size()), scenario.data(), spec,
              static_cast<unsigned long long>(steps), count ? static_cast<double>(steps) / count : 0.0);
  return true;
}

}  // namespace corosim::sim_bench

// The baseline first: it runs before what is divided by it (unless interleaving shuffles them).
BENCHMARK(corosim::sim_bench::BM_relacy_mutex)->Name(corosim::sim_bench::kRelacyBenchmark);
BENCHMARK(corosim::sim_bench::BM_corosim_comutex_random)->Name("BM_corosim_comutex_random");
BENCHMARK(corosim::sim_bench::BM_corosim_comutex_pct)->Name("BM_corosim_comutex_pct");
BENCHMARK(corosim::sim_bench::BM_corosim_comutex2_random)->Name("BM_corosim_comutex2_random");
BENCHMARK(corosim::sim_bench::BM_corosim_comutex2_pct)->Name("BM_corosim_comutex2_pct");
BENCHMARK(corosim::sim_bench::BM_corosim_threads_mutex_random)->Name("BM_corosim_threads_mutex_random");
BENCHMARK(corosim::sim_bench::BM_corosim_comutex_random_api)->Name("BM_corosim_comutex_random_api");
BENCHMARK(corosim::sim_bench::BM_corosim_comutex2_random_api)->Name("BM_corosim_comutex2_random_api");
BENCHMARK(corosim::sim_bench::BM_corosim_empty_run)->Name("BM_corosim_empty_run");
BENCHMARK(corosim::sim_bench::BM_corosim_two_threads)->Name("BM_corosim_two_threads");
BENCHMARK(corosim::sim_bench::BM_corosim_explore_jobs)->Name("BM_corosim_explore_threads_mutex")
    ->ArgName("jobs")->Arg(1)->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();  // the executions run in worker processes
BENCHMARK(corosim::sim_bench::BM_corosim_check_lock_comutex)->Name("BM_corosim_check_lock_comutex")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();  // the schedules run in a worker process
