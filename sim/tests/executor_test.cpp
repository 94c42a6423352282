// The executor over the real runtime compiled for the sim platform: IOThreads are sim threads, coroutines in
// them contend on a CoMutex, and the strategies explore the interleavings. Checks determinism (same seed, same
// trace hash), exploration (different seeds, different traces), and that seeded bugs are found: a broken lock
// built from corosim::atomic (mutual exclusion), a lock-order deadlock, runtime misuse as a failed run.

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>
#include <string>

#include <gtest/gtest.h>

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/sim/strategy.hpp>
#include <corosim/thread.hpp>

namespace {

using namespace corosim;
using namespace corosim::sim;

std::unique_ptr<Strategy> strategy(const char *spec) { return make_strategy(spec).value(); }

// 2 IOThreads x 2 coroutines x `rounds` CoMutex-protected increments (a read, a scheduling point, a write: a race
// if the mutex did not exclude). The main thread waits on a context of its own until all coroutines are done.
void comutex_contention(int rounds, int *final_count, bool use_mutex = true) {
  AioContext *home = AioContext::create();
  CoMutex mutex;
  int count = 0;
  corosim::atomic<int> done{0};
  {
    IOThread a, b;
    for (IOThread *t : {&a, &b}) {
      for (int i = 0; i < 2; ++i) {
        Coroutine *co = coroutine_create([&] {
          for (int k = 0; k < rounds; ++k) {
            if (use_mutex) mutex.lock();
            int seen = count;
            corosim::schedule_point();
            count = seen + 1;
            if (use_mutex) mutex.unlock();
          }
          done.fetch_add(1);
          home->notify();
        });
        aio_co_schedule(t->context(), co);
      }
    }
    while (done.load() < 4) home->poll(true);
  }  // joins both IOThreads
  home->unref();
  *final_count = count;
}

class Executor : public ::testing::Test {
 protected:
  void SetUp() override { set_pool_enabled(false); }
};

// Same seed, same trace. PCT's step estimate k moves with the runs before (pct.cpp), so each PCT run gets a fresh
// strategy with k given: that is how a PCT run is reproduced (its spec carries k).
TEST_F(Executor, ComutexContentionIsDeterministicAndExplores) {
  for (const char *spec : {"random", "pct:d=3,k=300"}) {
    auto shared = strategy(spec);
    std::set<uint64_t> hashes;
    for (uint64_t seed = 0; seed < 200; ++seed) {
      int count1 = -1, count2 = -1;
      auto s1 = strategy(spec), s2 = strategy(spec);
      bool fresh = std::string(spec).starts_with("pct");
      RunResult r1 = run_once([&] { comutex_contention(2, &count1); }, fresh ? *s1 : *shared, seed);
      RunResult r2 = run_once([&] { comutex_contention(2, &count2); }, fresh ? *s2 : *shared, seed);
      ASSERT_TRUE(r1.ok()) << spec << " seed " << seed << ": " << run_status_name(r1.status) << ": " << r1.message;
      ASSERT_TRUE(r2.ok()) << spec << " seed " << seed << ": " << r2.message;
      EXPECT_EQ(count1, 8) << spec << " seed " << seed;
      EXPECT_EQ(count2, 8);
      EXPECT_EQ(r1.trace_hash, r2.trace_hash) << spec << " seed " << seed;
      EXPECT_EQ(r1.steps, r2.steps);
      EXPECT_TRUE(r1.decisions == r2.decisions);
      hashes.insert(r1.trace_hash);
    }
    EXPECT_GE(hashes.size(), 20u) << spec << ": distinct traces over 200 seeds";
    std::printf("[ info ] %s: 200 seeds x 2 runs ok, identical hashes per seed, %zu distinct trace hashes\n", spec,
                hashes.size());
  }
}

// Without the mutex the same scenario loses updates: preemption at a scheduling point inside a coroutine (on the
// coroutine's own stack, inside an IOThread's sim thread) really interleaves the two contexts.
TEST_F(Executor, WithoutTheMutexUpdatesAreLost) {
  auto s = strategy("random");
  int lost = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    int count = -1;
    RunResult r = run_once([&] { comutex_contention(2, &count, false); }, *s, seed);
    ASSERT_TRUE(r.ok()) << r.message;
    if (count != 8) ++lost;
  }
  EXPECT_GT(lost, 0);
  std::printf("[ info ] without the mutex: %d of 100 runs lost an update\n", lost);
}

// A lock with a non-atomic check-then-set: both threads can see it free and both take it.
void broken_lock_scenario() {
  corosim::atomic<bool> flag{false};
  int inside = 0;
  auto worker = [&] {
    for (int k = 0; k < 2; ++k) {
      while (flag.load()) corosim::schedule_point();
      flag.store(true);  // BUG: load then store, not exchange
      ++inside;
      check(inside == 1, "mutual exclusion violated: two threads inside the critical section");
      corosim::schedule_point();
      --inside;
      flag.store(false);
    }
  };
  platform::Current::Thread t1(worker), t2(worker);
  t1.join();
  t2.join();
}

TEST_F(Executor, BrokenAtomicLockIsFound) {
  // PCT: a fresh strategy per run with k fixed near the run's length, the bug's depth-2 window being small.
  for (const char *spec : {"random", "pct:d=3,k=30"}) {
    auto shared = strategy(spec);
    int found_at = -1;
    for (int seed = 0; seed < 1000 && found_at < 0; ++seed) {
      auto fresh = strategy(spec);
      Strategy &s = std::string(spec).starts_with("pct") ? *fresh : *shared;
      RunResult r = run_once(broken_lock_scenario, s, static_cast<uint64_t>(seed), RunOptions{.max_steps = 2'000});
      ASSERT_NE(r.status, RunStatus::misuse) << r.message;
      if (r.status == RunStatus::assertion) {
        EXPECT_NE(r.message.find("mutual exclusion"), std::string::npos) << r.message;
        found_at = seed;
      }
    }
    ASSERT_GE(found_at, 0) << spec << " did not find the broken lock in 1000 runs";
    std::printf("[ info ] %s found the broken lock at run %d\n", spec, found_at + 1);
  }
}

// Two CoMutexes taken in opposite orders by coroutines in two contexts.
void lock_order_scenario() {
  AioContext *home = AioContext::create();
  CoMutex m1, m2;
  corosim::atomic<int> done{0};
  {
    IOThread a, b;
    auto body = [&](CoMutex &first, CoMutex &second) {
      first.lock();
      corosim::schedule_point();
      second.lock();
      second.unlock();
      first.unlock();
      done.fetch_add(1);
      home->notify();
    };
    aio_co_schedule(a.context(), coroutine_create([&] { body(m1, m2); }));
    aio_co_schedule(b.context(), coroutine_create([&] { body(m2, m1); }));
    while (done.load() < 2) home->poll(true);
  }
  home->unref();
}

TEST_F(Executor, LockOrderDeadlockIsReported) {
  auto s = strategy("random");
  int deadlocks = 0, oks = 0;
  std::string message;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    RunResult r = run_once(lock_order_scenario, *s, seed);
    if (r.status == RunStatus::deadlock) {
      ++deadlocks;
      message = r.message;
    } else {
      ASSERT_TRUE(r.ok()) << run_status_name(r.status) << ": " << r.message;
      ++oks;
    }
  }
  EXPECT_GT(deadlocks, 0);
  EXPECT_GT(oks, 0);
  // Both coroutines, both mutexes, their holders and the cycle.
  EXPECT_NE(message.find("deadlock: a cycle of 2 coroutines"), std::string::npos) << message;
  EXPECT_NE(message.find("coroutine 1 waits for CoMutex #1, held by coroutine 2"), std::string::npos) << message;
  EXPECT_NE(message.find("coroutine 2 waits for CoMutex #2, held by coroutine 1"), std::string::npos) << message;
  EXPECT_NE(message.find("(cycle: coroutine 1 -> coroutine 2 -> coroutine 1)"), std::string::npos) << message;
  std::printf("[ info ] lock order: %d deadlocks, %d ok in 100 runs; e.g. %s\n", deadlocks, oks, message.c_str());
}

TEST_F(Executor, MisuseFailsTheRunInsteadOfAborting) {
  auto s = strategy("random");
  RunResult r = run_once([] { set_backend(Backend::thread); }, *s, 1);
  EXPECT_EQ(r.status, RunStatus::misuse);
  EXPECT_NE(r.message.find("thread backend is not available in the simulator"), std::string::npos) << r.message;

  // Runtime misuse inside a coroutine on an IOThread: yielding outside a coroutine is caught by the runtime.
  RunResult r2 = run_once([] { yield(); }, *s, 1);
  EXPECT_EQ(r2.status, RunStatus::misuse);
  EXPECT_NE(r2.message.find("yielding to no one"), std::string::npos) << r2.message;

  // Misuse inside a coroutine on an IOThread (on the coroutine's stack): entering itself.
  RunResult r4 = run_once(
      [] {
        IOThread t;
        aio_co_schedule(t.context(), coroutine_create([] { coroutine_enter(self()); }));
        for (;;) corosim::schedule_point();  // the run ends with the misuse
      },
      *s, 2);
  EXPECT_EQ(r4.status, RunStatus::misuse);
  EXPECT_NE(r4.message.find("re-entered recursively"), std::string::npos) << r4.message;
  std::printf("[ info ] misuse reports: \"%s\", \"%s\", \"%s\"\n", r.message.c_str(), r2.message.c_str(),
              r4.message.c_str());

  // The process goes on: a later run is fine.
  int count = 0;
  RunResult r3 = run_once([&] { comutex_contention(1, &count); }, *s, 7);
  EXPECT_TRUE(r3.ok()) << r3.message;
  EXPECT_EQ(count, 4);
}

TEST_F(Executor, VirtualTimeJumpsToTheNextDeadline) {
  auto s = strategy("random");
  int64_t slept = 0;
  RunResult r = run_once(
      [&] {
        AioContext *home = AioContext::create();
        corosim::atomic<bool> done{false};
        {
          IOThread t;
          aio_co_schedule(t.context(), coroutine_create([&] {
                            int64_t start = clock_ns(ClockType::realtime);
                            sleep_ns(ClockType::realtime, int64_t{3600} * 1'000'000'000);
                            slept = clock_ns(ClockType::realtime) - start;
                            done.store(true);
                            home->notify();
                          }));
          while (!done.load()) home->poll(true);
        }
        home->unref();
      },
      *s, 3);
  ASSERT_TRUE(r.ok()) << run_status_name(r.status) << ": " << r.message;
  EXPECT_EQ(slept, int64_t{3600} * 1'000'000'000);
}

// A coroutine in an IOThread waits on a CoQueue that nobody signals, while the main thread waits for it: no lock
// cycle, so the report is a lost wake-up that names the coroutine and the queue.
// A CoMutex destroyed while a coroutine holds it and another waits for it: the waiter would sleep on freed
// memory, and a stuck run's report would read the lock to name its holder. The destruction is the misuse.
TEST_F(Executor, DestroyingAHeldCoMutexIsMisuse) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        auto *m = new CoMutex;
        coroutine_enter(coroutine_create([m] {
          m->lock();
          yield();  // never entered again: holds m for good
        }));
        coroutine_enter(coroutine_create([m] { m->lock(); }));  // waits for m
        delete m;
        AioContext::create()->poll(true);  // blocks for ever: a stuck run, if the delete passed
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::misuse) << run_status_name(r.status) << ": " << r.message;
  EXPECT_NE(r.message.find("CoMutex destroyed while locked"), std::string::npos) << r.message;

  // A free CoMutex, and one that was locked and unlocked, may go.
  RunResult ok = run_once(
      [] {
        CoMutex unused;
        CoMutex used;
        coroutine_enter(coroutine_create([&used] {
          used.lock();
          used.unlock();
        }));
      },
      *s, 1);
  EXPECT_TRUE(ok.ok()) << run_status_name(ok.status) << ": " << ok.message;
}

TEST_F(Executor, LostWakeupNamesTheWaiter) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        AioContext *home = AioContext::create();
        CoQueue never_signalled;
        corosim::atomic<bool> done{false};
        IOThread t;
        aio_co_schedule(t.context(), coroutine_create([&] {
                          never_signalled.wait();
                          done.store(true);
                          home->notify();
                        }));
        while (!done.load()) home->poll(true);
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::lost_wakeup) << r.message;
  EXPECT_STREQ(run_status_name(r.status), "lost_wakeup");
  EXPECT_EQ(r.message.rfind("lost wake-up: nothing left can wake coroutine 1", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("coroutine 1: waits for CoQueue #1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("sim thread 0 (main): blocked in poll"), std::string::npos) << r.message;
}

// A cycle through a CoRwlock and a CoMutex: coroutine 1 holds the read lock and waits for the mutex; coroutine 2
// holds the mutex and waits for the write lock. The rwlock's holders come from the coroutines' recorded holds.
TEST_F(Executor, CycleThroughARwlockNamesItsReaderAsTheHolder) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        CoRwlock rw;
        CoMutex m;
        CoQueue gate;  // coroutine 1 waits here until coroutine 2 holds the mutex
        coroutine_enter(coroutine_create([&] {
          rw.rdlock();
          gate.wait();
          m.lock();
        }));
        bool done = false;
        coroutine_enter(coroutine_create([&] {
          m.lock();
          gate.next();  // coroutine 1 runs when we yield: it blocks on m
          rw.wrlock();
          done = true;
        }));
        while (!done) main_context()->poll(true);  // the main loop waits: the run is stuck, not over
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::deadlock) << r.message;
  EXPECT_NE(r.message.find("coroutine 1 waits for CoMutex #1, held by coroutine 2"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("coroutine 2 waits for CoRwlock #2 (write), held by coroutine 1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("coroutine 2: waits for CoRwlock #2 (write), held by coroutine 1"), std::string::npos)
      << r.message;
}

// An upgrade waits as a writer while its own read hold is still recorded: it must not count as holding what it
// waits for. Coroutine 1 reads and waits on a queue nobody signals (a lost wake-up); coroutine 2 upgrades behind it.
TEST_F(Executor, AnUpgradeDoesNotWaitForItself) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        CoRwlock rw;
        CoQueue never_signalled;
        bool done = false;
        coroutine_enter(coroutine_create([&] {
          rw.rdlock();
          never_signalled.wait();
          rw.unlock();
        }));
        coroutine_enter(coroutine_create([&] {
          rw.rdlock();
          rw.upgrade();
          done = true;
        }));
        while (!done) main_context()->poll(true);
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::lost_wakeup) << r.message;
  EXPECT_EQ(r.message.rfind("lost wake-up: nothing left can wake coroutine 1 ", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("coroutine 2: waits for CoRwlock #2 (write), held by coroutine 1\n"), std::string::npos)
      << r.message;
}

// All sim threads finish, but a coroutine yielded and was never entered again, and another was never entered.
TEST_F(Executor, LeakedCoroutinesFailTheRun) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        coroutine_enter(coroutine_create([] { yield(); }));
        coroutine_create([] {});
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::leak) << r.message;
  EXPECT_NE(r.message.find("2 coroutines did not"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("coroutine 1: yielded"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("coroutine 2: created and never entered"), std::string::npos) << r.message;
}

// A failed run gives back its coroutines' stacks and the memory its frames owned (in the asan preset,
// LeakSanitizer checks the heap at exit; here the mapped stacks are counted).
TEST_F(Executor, FailedRunsAreTornDown) {
  auto s = strategy("random");
  const std::size_t stacks_before = coroutine_stats().stacks_mapped;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    RunResult r = run_once(
        [] {
          auto *owned = new std::vector<std::string>(100, std::string(200, 'x'));  // reachable only from frames
          CoMutex m;
          IOThread t;
          coroutine_enter(coroutine_create([&] {
            m.lock();
            std::string local(1000, 'y');
            yield();  // never entered again: it holds m forever
            m.unlock();
          }));
          aio_co_schedule(t.context(), coroutine_create([&] {
                            m.lock();
                            m.unlock();
                          }));
          t.join();  // the loop runs the coroutine, which blocks on m: lost wake-up (m is held by a yielded one)
          delete owned;
        },  // or the join came first: m goes out of scope held, which is misuse
        *s, seed);
    ASSERT_FALSE(r.ok());
    ASSERT_TRUE(r.status == RunStatus::lost_wakeup || r.status == RunStatus::misuse)
        << run_status_name(r.status) << ": " << r.message;
  }
  EXPECT_EQ(coroutine_stats().stacks_mapped, stacks_before);
}

// With the coroutine pool on, a failed run's pooled coroutines must not reach the next run (their memory goes with
// the run heap): the next run starts with an empty pool (in the asan preset, a use-after-free would be reported).
TEST_F(Executor, FailedRunsWithThePoolOnLeaveNoCoroutinesBehind) {
  set_pool_enabled(true);
  auto s = strategy("random");
  for (uint64_t seed = 0; seed < 5; ++seed) {
    RunResult failed = run_once(
        [] {
          for (int i = 0; i < 200; ++i) coroutine_enter(coroutine_create([] {}));  // terminated: pooled
          sim::fail("after pooling");
        },
        *s, seed);
    ASSERT_EQ(failed.status, RunStatus::assertion);
    int count = 0;
    RunResult next = run_once([&] { comutex_contention(1, &count); }, *s, seed);
    ASSERT_TRUE(next.ok()) << next.message;
    EXPECT_EQ(count, 4);
  }
  set_pool_enabled(false);
}

// A coroutine made outside any run, entered in one: its id (0) and so the run's trace do not depend on how many
// coroutines earlier runs made.
TEST_F(Executor, CoroutinesMadeOutsideARunDoNotCarryCountsAcrossRuns) {
  auto s = strategy("random");
  auto hash_after = [&](int earlier_coroutines) {
    run_once(
        [&] {
          for (int i = 0; i < earlier_coroutines; ++i) coroutine_enter(coroutine_create([] {}));
        },
        *s, 1);
    Coroutine *host_made = coroutine_create([] { corosim::schedule_point(); });
    return run_once([&] { coroutine_enter(host_made); }, *s, 7).trace_hash;
  };
  const uint64_t after_one = hash_after(1);
  EXPECT_EQ(hash_after(5), after_one);
}

// What outlives a failed run: a caller's container grown in a HostScope, and a function-local static first
// initialised inside the run (in the asan preset a use-after-free would be reported; here the contents are read).
const std::string &first_used_in_a_run() {
  static const std::string value(100, 'x');
  return value;
}

TEST_F(Executor, CallerStateAndStaticsSurviveAFailedRun) {
  auto s = strategy("random");
  std::vector<int> history;
  RunResult r = run_once(
      [&] {
        for (int i = 0; i < 100; ++i) {
          HostScope host;
          history.push_back(i);
        }
        EXPECT_EQ(first_used_in_a_run().size(), 100u);
        sim::fail("after growing the caller's vector");
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::assertion);
  ASSERT_EQ(history.size(), 100u);
  EXPECT_EQ(history[0], 0);
  EXPECT_EQ(history[99], 99);
  history.push_back(100);  // its buffer is still its own
  EXPECT_EQ(first_used_in_a_run(), std::string(100, 'x'));
}

// With record_trace, one step event per step, in step order, naming the coroutine that ran; the user's calls
// (CoMutex::lock, with the caller's source line) come between steps, and the steps inside them carry the call.
TEST_F(Executor, TraceHasOneEventPerStep) {
  auto s = strategy("random");
  int count = 0;
  RunResult r = run_once([&] { comutex_contention(1, &count); }, *s, 5, RunOptions{.record_trace = true});
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.trace.front().thread, 0u);
  EXPECT_EQ(r.trace.front().op, platform::SimOp::thread_start);
  std::set<uint64_t> coroutines;
  uint64_t steps = 0, calls = 0, in_calls = 0;
  for (const TraceEvent &e : r.trace) {
    if (e.kind == TraceEvent::Kind::call) {
      EXPECT_EQ(e.step, steps) << "a call comes before the step numbered after it";
      EXPECT_TRUE(e.user && e.file && std::string(e.file).ends_with("executor_test.cpp")) << e.call;
      calls += std::string(e.call) == "CoMutex::lock";
      continue;
    }
    if (e.kind != TraceEvent::Kind::step) continue;
    EXPECT_EQ(e.step, steps++);
    in_calls += e.call != nullptr;
    coroutines.insert(e.coroutine);
  }
  EXPECT_EQ(steps, r.steps);
  EXPECT_EQ(calls, 4u);  // one CoMutex::lock per coroutine
  EXPECT_GT(in_calls, 0u);
  EXPECT_EQ(coroutines, (std::set<uint64_t>{0, 1, 2, 3, 4}));  // the sim threads' own stacks and 4 coroutines
  // The same seed without the trace: the same hash.
  RunResult again = run_once([&] { comutex_contention(1, &count); }, *s, 5);
  EXPECT_EQ(again.trace_hash, r.trace_hash);
  EXPECT_TRUE(again.trace.empty());
}

// Two timers due at the same instant: the strategy picks which fires first (a recorded number decision), so
// both orders are explored, and the same seed gives the same order.
TEST_F(Executor, TimerTiesAreTheStrategysChoice) {
  auto s = strategy("random");
  std::set<std::string> orders;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::string order, again;
    auto body = [](std::string *out) {
      return [out] {
        AioContext *home = AioContext::create();
        corosim::atomic<int> done{0};
        {
          IOThread t;
          // Both armed before the loop can run either: same virtual instant, same duration.
          Coroutine *a = coroutine_create([&] {
            sleep_ns(ClockType::virtual_, 1000);
            *out += 'a';
            done.fetch_add(1);
            home->notify();
          });
          Coroutine *b = coroutine_create([&] {
            sleep_ns(ClockType::virtual_, 1000);
            *out += 'b';
            done.fetch_add(1);
            home->notify();
          });
          aio_co_schedule(t.context(), a);
          aio_co_schedule(t.context(), b);
          while (done.load() < 2) home->poll(true);
        }
        home->unref();
      };
    };
    RunResult r = run_once(body(&order), *s, seed);
    ASSERT_TRUE(r.ok()) << r.message;
    RunResult r2 = run_once(body(&again), *s, seed);
    EXPECT_EQ(order, again);
    EXPECT_EQ(r.trace_hash, r2.trace_hash);
    orders.insert(order);
    bool numbered = false;
    for (const Decision &d : r.decisions) numbered |= d.kind == Decision::Kind::number;
    EXPECT_TRUE(numbered || order.size() != 2) << "a tie was decided without a recorded decision";
  }
  EXPECT_EQ(orders, (std::set<std::string>{"ab", "ba"}));
}

// A spin lock taken by coroutines in two IOThreads. Under PCT the highest-priority thread would spin forever
// while the holder, lower in priority, never runs again (a step-limit failure on a correct lock); the executor
// sees the spin and PCT drops the spinner's priority, so every run ends.
void spin_lock_scenario(int *final_count) {
  AioContext *home = AioContext::create();
  corosim::atomic<bool> locked{false};
  int count = 0;
  corosim::atomic<int> done{0};
  {
    IOThread a, b;
    for (IOThread *t : {&a, &b}) {
      aio_co_schedule(t->context(), coroutine_create([&] {
                        for (int k = 0; k < 2; ++k) {
                          while (locked.exchange(true)) {
                          }
                          int seen = count;
                          corosim::schedule_point();
                          count = seen + 1;
                          locked.store(false);
                        }
                        done.fetch_add(1);
                        home->notify();
                      }));
    }
    while (done.load() < 2) home->poll(true);
  }
  home->unref();
  *final_count = count;
}

TEST_F(Executor, PctDoesNotStarveTheHolderOfASpinLock) {
  // Contention needs a change point inside the holder's critical section; when the last one lands there, the
  // spinner outranks the holder for the rest of the run. Without the spin hint, seed 1238 runs into the step
  // limit and others spin for thousands of steps; with it, no run spins long.
  auto s = strategy("pct:d=3");
  uint64_t longest = 0;
  for (uint64_t seed = 0; seed < 3000; ++seed) {
    int count = 0;
    RunResult r = run_once([&] { spin_lock_scenario(&count); }, *s, seed, RunOptions{.max_steps = 5'000});
    ASSERT_TRUE(r.ok()) << "seed " << seed << ": " << run_status_name(r.status) << ": " << r.message;
    ASSERT_EQ(count, 4);
    longest = std::max(longest, r.steps);
  }
  EXPECT_LT(longest, 1'000u);
  std::printf("[ info ] spin lock under PCT: longest run %llu steps in 3000\n", static_cast<unsigned long long>(longest));
}

// An exception escaping a sim thread's function (a Thread, the body) or a coroutine fails the run, named, instead
// of terminating the process; the run replays like any other.
TEST_F(Executor, AnEscapedExceptionFailsTheRunWithItsTypeAndMessage) {
  auto s = strategy("random");
  RunResult in_thread = run_once(
      [] {
        Thread t([] { throw std::runtime_error("boom"); });
        t.join();
      },
      *s, 1);
  EXPECT_EQ(in_thread.status, RunStatus::exception);
  EXPECT_EQ(in_thread.message, "an exception escaped sim thread 1: std::runtime_error: boom");

  RunResult in_body = run_once([] { throw 42; }, *s, 1);
  EXPECT_EQ(in_body.status, RunStatus::exception);
  EXPECT_EQ(in_body.message, "an exception escaped sim thread 0: int");

  RunResult in_coroutine = run_once([] { coroutine_enter(coroutine_create([] { throw std::bad_alloc(); })); }, *s, 1);
  EXPECT_EQ(in_coroutine.status, RunStatus::misuse);
  EXPECT_NE(in_coroutine.message.find("uncaught exception escaped co-routine 1: std::bad_alloc: std::bad_alloc"),
            std::string::npos)
      << in_coroutine.message;

  auto replay = make_strategy("replay", in_thread.decisions).value();
  RunResult again = run_once(
      [] {
        Thread t([] { throw std::runtime_error("boom"); });
        t.join();
      },
      *replay, 1);
  EXPECT_EQ(again.trace_hash, in_thread.trace_hash);
}

// Recursion that needs about depth KiB of stack; the buffer keeps each frame's kilobyte from being optimised away.
int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return depth == 0 ? frame[0] : recurse(depth - 1) + frame[0];
}

// A sim thread's stack has a guard page: 300 KiB of recursion on a 256 KiB stack is the failure stack_overflow,
// naming the thread, in every one of 20 runs of the same seed (it once wrote over the heap, passing some runs);
// a coroutine's overflow likewise fails the run. The same recursion fits a 512 KiB stack.
TEST_F(Executor, StackOverflowIsAFailureOfTheRunEveryTime) {
  auto s = strategy("random");
  auto deep_thread = [] {
    Thread t([] { recurse(300); });
    t.join();
  };
  for (int i = 0; i < 20; ++i) {
    RunResult r = run_once(deep_thread, *s, 7);
    ASSERT_EQ(r.status, RunStatus::stack_overflow) << "run " << i << ": " << r.message;
    EXPECT_EQ(r.message, "stack overflow in sim thread 1: its stack is 256 KiB (RunOptions::stack_bytes, --stack-kib)");
  }
  RunResult roomy = run_once(deep_thread, *s, 7, RunOptions{.stack_bytes = 512 * 1024});
  EXPECT_TRUE(roomy.ok()) << roomy.message;

  RunResult in_body = run_once([] { recurse(300); }, *s, 7);
  EXPECT_EQ(in_body.status, RunStatus::stack_overflow) << in_body.message;

  RunResult in_coroutine = run_once(
      [] {
        CoroutineOptions small;
        small.stack_size_bytes = 64 * 1024;
        coroutine_enter(coroutine_create([] { recurse(300); }, small));
      },
      *s, 7);
  EXPECT_EQ(in_coroutine.status, RunStatus::stack_overflow) << in_coroutine.message;
  EXPECT_EQ(in_coroutine.message, "stack overflow in coroutine 1 (in sim thread 0)");
}

TEST_F(Executor, StepLimitFailsTheRun) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        for (;;) corosim::schedule_point();
      },
      *s, 1, RunOptions{.max_steps = 500});
  EXPECT_EQ(r.status, RunStatus::step_limit);
  EXPECT_EQ(r.steps, 500u);
  EXPECT_FALSE(r.truncated);
  // The message says which thread was spinning, and on what loop.
  EXPECT_EQ(r.message, "step limit: 500 scheduling steps; sim thread 0 was spinning, repeating schedule point "
                       "(a waiter whose holder never gets to run? see docs/determinism.md)");

  // The other policy: the run stops there and passes, torn down like an abandoned one.
  RunResult stopped = run_once(
      [] {
        IOThread t;  // left running when the run stops
        for (;;) corosim::schedule_point();
      },
      *s, 1, RunOptions{.max_steps = 500, .on_step_limit = StepLimitPolicy::stop});
  EXPECT_TRUE(stopped.ok()) << stopped.message;
  EXPECT_TRUE(stopped.truncated);
  EXPECT_EQ(stopped.steps, 500u);
}

// The main sim thread's FIRST use of coroutines is coroutine_enter(C); C then queues on a CoMutex an IOThread's
// coroutine holds, and the IOThread's unlock hands the mutex over by waking C in C's home context. C's home must be
// the main context. The runtime once read the thread's context before setting the thread up, so C had none and was
// woken in no context: the hand-off was lost and the run stuck (every run of this test, where C always queues).
TEST_F(Executor, FirstEnteredCoroutineIsResumedInTheMainContext) {
  auto s = strategy("random");
  int away = 0, queued = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    bool at_home = false, waited = false;
    RunResult r = run_once(
        [&] {
          CoMutex m;
          corosim::atomic<int> stage{0};
          bool done = false;
          IOThread io;
          aio_co_schedule(io.context(), coroutine_create([&] {
                            m.lock();
                            stage.store(1);
                            while (stage.load() < 2) corosim::schedule_point();
                            m.unlock();
                          }));
          while (stage.load() < 1) corosim::schedule_point();
          coroutine_enter(coroutine_create([&] {
            waited = true;  // m is held by the IOThread's coroutine: this lock() queues
            m.lock();
            at_home = current_context() == main_context();
            m.unlock();
            done = true;
          }));
          stage.store(2);
          while (!done) main_context()->poll(true);
        },
        *s, seed);
    ASSERT_TRUE(r.ok()) << "seed " << seed << ": " << r.message;
    queued += waited;
    away += !at_home;
  }
  EXPECT_EQ(queued, 2000);
  EXPECT_EQ(away, 0) << "runs in which the first entered coroutine was resumed outside its home context";
}

// Plain threads in the wait-for graph: two threads taking two Mutexes in opposite orders. The report names the
// cycle through both threads and both mutexes.
TEST_F(Executor, ThreadsTakingMutexesInOppositeOrdersDeadlockWithTheCycleNamed) {
  auto s = strategy("random");
  int deadlocks = 0;
  std::string message;
  for (uint64_t seed = 0; seed < 200 && deadlocks == 0; ++seed) {
    RunResult r = run_once(
        [] {
          Mutex a, b;
          Thread t1([&] { a.lock(); b.lock(); b.unlock(); a.unlock(); });
          Thread t2([&] { b.lock(); a.lock(); a.unlock(); b.unlock(); });
          t1.join();
          t2.join();
        },
        *s, seed);
    ASSERT_TRUE(r.ok() || r.status == RunStatus::deadlock) << run_status_name(r.status) << ": " << r.message;
    if (!r.ok()) ++deadlocks, message = r.message;
  }
  ASSERT_EQ(deadlocks, 1) << "no deadlock in 200 seeds";
  EXPECT_EQ(message.rfind("deadlock: a cycle of 2 threads, each waiting for a lock the next holds:\n", 0), 0u)
      << message;
  EXPECT_NE(message.find("\n  thread 1 waits for Mutex #1, held by thread 2\n"), std::string::npos) << message;
  EXPECT_NE(message.find("\n  thread 2 waits for Mutex #2, held by thread 1\n"), std::string::npos) << message;
  EXPECT_NE(message.find("\n  sim thread 1: waits for Mutex #1\n"), std::string::npos) << message;
}

// A cycle through a thread and a coroutine: the coroutine, in an IOThread, takes Mutex a and then waits for b (its
// IOThread blocks); a plain thread holds b and waits for a. The holder of a is named as the coroutine.
TEST_F(Executor, CycleThroughAThreadAndACoroutineIsNamed) {
  auto s = strategy("random");
  RunResult r = run_once(
      [] {
        Mutex a, b;
        corosim::atomic<int> stage{0};
        IOThread io;
        aio_co_schedule(io.context(), coroutine_create([&] {
                          a.lock();
                          stage.store(1);
                          while (stage.load() < 2) corosim::schedule_point();
                          b.lock();
                        }));
        Thread t([&] {
          b.lock();
          while (stage.load() < 1) corosim::schedule_point();
          stage.store(2);
          a.lock();
        });
        t.join();
      },
      *s, 1);
  ASSERT_EQ(r.status, RunStatus::deadlock) << r.message;
  EXPECT_EQ(r.message.rfind("deadlock: a cycle of 2 threads and coroutines, each waiting for a lock the next holds:\n"
                            "  coroutine 1 waits for Mutex #1, held by thread 2\n"
                            "  thread 2 waits for Mutex #2, held by coroutine 1\n",
                            0),
            0u)
      << r.message;
  EXPECT_NE(r.message.find("coroutine 1: running in sim thread 1, which waits for Mutex #1\n"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("sim thread 0 (main): waits for thread 2 to finish\n"), std::string::npos) << r.message;
}

// A consumer waits on a CondVar after the producer, its only notifier, has notified and finished: the signal was
// sent before anyone waited (no predicate guards the wait). Nothing left can notify: a lost wake-up naming it.
TEST_F(Executor, WaitingOnACondVarNothingCanNotifyIsALostWakeup) {
  auto s = strategy("random");
  int lost = 0;
  std::string message;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    RunResult r = run_once(
        [] {
          Mutex m;
          CondVar cv;
          Thread producer([&] { m.lock(); m.unlock(); cv.notify_one(); });
          m.lock();
          corosim::schedule_point();
          cv.wait(m);  // BUG: no predicate; the notify may already have happened
          m.unlock();
          producer.join();
        },
        *s, seed);
    ASSERT_TRUE(r.ok() || r.status == RunStatus::lost_wakeup) << run_status_name(r.status) << ": " << r.message;
    if (!r.ok()) ++lost, message = r.message;
  }
  ASSERT_GT(lost, 0) << "the lost signal was never found in 200 seeds";
  EXPECT_NE(message.find("lost wake-up"), std::string::npos) << message;
  EXPECT_NE(message.find("CondVar"), std::string::npos) << message;
  std::printf("[ info ] lost signal: %d of 200 runs\n%s\n", lost, message.c_str());
}

}  // namespace

// Each sim thread has its own ThreadLocal values, whichever way steps pass between threads (straight from one to
// the next, or through the scheduler), and every run makes them anew: the memory of a value is kept for the next
// run's, the value is not. Counts the values made and destroyed, and checks the thread switches it claims to cover
// happened (runs where the strategy interleaved the threads).
namespace {
struct PerThreadTally {
  static inline int made = 0, destroyed = 0;
  int steps = 0;
  std::vector<int> seen;  // grows: the value owns run-heap memory too
  PerThreadTally() { ++made; }
  ~PerThreadTally() { ++destroyed; }
};
}  // namespace

TEST_F(Executor, EachSimThreadHasItsOwnThreadLocalValuesMadeAnewEveryRun) {
  auto s = strategy("random");
  PerThreadTally::made = PerThreadTally::destroyed = 0;
  int interleaved_runs = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::vector<int> order;  // which worker took each round, in order (the caller's: reached by reference)
    order.reserve(64);
    RunResult r = run_once(
        [&] {
          auto worker = [&](int me) {
            for (int k = 0; k < 5; ++k) {
              PerThreadTally &mine = platform::Current::ThreadLocal<PerThreadTally>::get();
              sim::check(mine.steps == k, "a ThreadLocal value carried another thread's or another run's count");
              ++mine.steps;
              mine.seen.push_back(me);
              order.push_back(me);
              corosim::schedule_point();
            }
            const PerThreadTally &mine = platform::Current::ThreadLocal<PerThreadTally>::get();
            sim::check(std::all_of(mine.seen.begin(), mine.seen.end(), [me](int x) { return x == me; }),
                       "a ThreadLocal value was shared between sim threads");
          };
          Thread t1([&] { worker(1); }), t2([&] { worker(2); });
          t1.join();
          t2.join();
        },
        *s, seed);
    ASSERT_TRUE(r.ok()) << run_status_name(r.status) << ": " << r.message;
    if (std::adjacent_find(order.begin(), order.end(), std::not_equal_to<>()) != order.end() &&
        std::is_sorted(order.begin(), order.end()) == false)
      ++interleaved_runs;
    // Every value made in the run is gone by its end.
    EXPECT_EQ(PerThreadTally::made, PerThreadTally::destroyed) << "seed " << seed;
  }
  EXPECT_EQ(PerThreadTally::made, 50 * 2);  // one per worker per run: made anew every run
  EXPECT_GT(interleaved_runs, 25) << "the runs hardly switched between the workers: the test covers little";
}
