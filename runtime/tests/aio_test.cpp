// Event loops and cross-context scheduling: bottom halves, timers, sleep, fd handlers, aio_co_schedule /
// aio_co_wake / aio_co_enter / aio_co_reschedule_self across IOThreads, the thread pool, and locks whose
// waiters live in other contexts. Each test runs on every backend.
//
// Built against both platforms (test_platform.hpp): threads are TestThreads, shared flags corosim::atomic, and
// waits use pause_ns and the runtime's clock, so that in the simulator every thread is a sim thread and time is
// virtual.

#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/iothread.hpp>
#include <corosim/thread_pool.hpp>

#include "backend_fixture.hpp"
#include "test_platform.hpp"

namespace corosim {
namespace {

using testing::pause_ns;
using testing::TestThread;

constexpr int64_t kMicrosecond = 1'000;
constexpr int64_t kMillisecond = 1'000'000;
// A guard against hangs, not a timing check: generous, because a loaded 2-core machine running the thread backend
// (an OS thread per coroutine) can take tens of seconds for the 25,000-round test.
constexpr int64_t kTimeout = 240'000 * kMillisecond;

class AioTest : public testing::OnEachBackend {
 protected:
  // Runs the main context (non-blocking, so that work finishing on other threads is noticed) until `done`.
  static void run_main_until(const corosim::atomic<bool> &done) {
    const int64_t deadline = testing::deadline_clock_ns() + kTimeout;
    while (!done.load()) {
      if (!main_context()->poll(false)) pause_ns(20 * kMicrosecond);
      ASSERT_LT(testing::deadline_clock_ns(), deadline) << "timed out";
    }
  }
  static void wait_until(const corosim::atomic<bool> &done) {
    const int64_t deadline = testing::deadline_clock_ns() + kTimeout;
    while (!done.load()) {
      pause_ns(20 * kMicrosecond);
      ASSERT_LT(testing::deadline_clock_ns(), deadline) << "timed out";
    }
  }
  // Drains what tests left scheduled in the main context.
  void TearDown() override {
    while (main_context()->poll(false)) {
    }
    OnEachBackend::TearDown();
  }
};
COROSIM_ON_EACH_BACKEND(AioTest);

// --- bottom halves ---

TEST_P(AioTest, BottomHalfScheduledTwiceRunsOnce) {
  int runs = 0;
  BottomHalf *bh = bh_new(main_context(), [](void *n) { ++*static_cast<int *>(n); }, &runs);
  bh_schedule(bh);
  bh_schedule(bh);
  EXPECT_TRUE(main_context()->poll(false));
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(main_context()->poll(false)) << "nothing left to do";
  bh_schedule(bh);
  main_context()->poll(false);
  EXPECT_EQ(runs, 2) << "scheduling it again after it ran runs it again";
  bh_delete(bh);
}

TEST_P(AioTest, BottomHalvesRunInSchedulingOrder) {
  std::string order;
  struct Tag {
    std::string *order;
    char c;
  } a{&order, 'a'}, b{&order, 'b'}, c{&order, 'c'};
  auto append = [](void *t) { static_cast<Tag *>(t)->order->push_back(static_cast<Tag *>(t)->c); };
  BottomHalf *bha = bh_new(main_context(), append, &a), *bhb = bh_new(main_context(), append, &b),
             *bhc = bh_new(main_context(), append, &c);
  bh_schedule(bhc);
  bh_schedule(bha);
  bh_schedule(bhb);
  main_context()->poll(false);
  EXPECT_EQ(order, "cab");
  for (BottomHalf *bh : {bha, bhb, bhc}) bh_delete(bh);
}

TEST_P(AioTest, BottomHalfScheduledByItselfRunsInTheNextIteration) {
  struct State {
    BottomHalf *bh;
    int runs = 0;
  } state;
  state.bh = bh_new(
      main_context(),
      [](void *s) {
        auto *st = static_cast<State *>(s);
        if (++st->runs == 1) bh_schedule(st->bh);
      },
      &state);
  bh_schedule(state.bh);
  main_context()->poll(false);
  EXPECT_EQ(state.runs, 1);
  main_context()->poll(false);
  EXPECT_EQ(state.runs, 2);
  bh_delete(state.bh);
}

TEST_P(AioTest, DeletedBottomHalfDoesNotRunAndOneshotsFreeThemselves) {
  int runs = 0;
  BottomHalf *bh = bh_new(main_context(), [](void *n) { ++*static_cast<int *>(n); }, &runs);
  bh_schedule(bh);
  bh_delete(bh);  // freed by the loop, without running (ASan checks the freeing)
  bh_schedule_oneshot(main_context(), [](void *n) { *static_cast<int *>(n) += 10; }, &runs);
  main_context()->poll(false);
  EXPECT_EQ(runs, 10);
}

TEST_P(AioTest, BlockingPollWakesForWorkFromAnotherThread) {
  // The lost-notification race: the loop decides to sleep while another thread schedules a bottom half.
  // Repeated so that the two sides meet at every point of the protocol some of the time (in the simulator the
  // scheduler varies where they meet on every repetition).
  constexpr int kRepetitions = 500;
  corosim::atomic<int> runs{0};
  BottomHalf *bh =
      bh_new(main_context(), [](void *n) { static_cast<corosim::atomic<int> *>(n)->fetch_add(1); }, &runs);
  for (int i = 0; i < kRepetitions; ++i) {
    TestThread other([bh] { bh_schedule(bh); });
    while (runs.load() == i) main_context()->poll(true);  // would hang if a notification were lost
    other.join();
  }
  EXPECT_EQ(runs.load(), kRepetitions);
  bh_delete(bh);
}

// --- timers and sleep ---

// Equal deadlines fire in arming order in the real build; in the simulator the order of ties is explored.
TEST_P(AioTest, TimersFireInDeadlineOrderAndEqualDeadlinesInArmingOrder) {
  std::string order;
  struct Tag {
    std::string *order;
    char c;
  } t1{&order, '1'}, t2{&order, '2'}, t3{&order, '3'}, t3b{&order, 'b'};
  auto fire = [](void *t) { static_cast<Tag *>(t)->order->push_back(static_cast<Tag *>(t)->c); };
  Timer a(main_context(), ClockType::realtime, fire, &t3), b(main_context(), ClockType::realtime, fire, &t1),
      c(main_context(), ClockType::realtime, fire, &t2), d(main_context(), ClockType::realtime, fire, &t3b);
  const int64_t now = clock_ns(ClockType::realtime);
  a.mod_ns(now + 3'000'000);
  b.mod_ns(now + 1'000'000);
  c.mod_ns(now + 2'000'000);
  d.mod_ns(now + 3'000'000);
  EXPECT_TRUE(a.pending());
  while (order.size() < 4) main_context()->poll(true);
  if (testing::kSimBuild) {
    // The simulator lets its strategy order timers due at the same instant (platform.hpp, choose()).
    EXPECT_TRUE(order == "123b" || order == "12b3") << order;
  } else {
    EXPECT_EQ(order, "123b");
  }
  EXPECT_FALSE(a.pending());
  EXPECT_GE(clock_ns(ClockType::realtime), now + 3'000'000);
}

TEST_P(AioTest, DeletedTimerDoesNotFire) {
  int fired = 0;
  Timer t(main_context(), ClockType::realtime, [](void *n) { ++*static_cast<int *>(n); }, &fired);
  t.mod_ns(clock_ns(ClockType::realtime));
  t.del();
  main_context()->poll(false);
  EXPECT_EQ(fired, 0);
}

TEST_P(AioTest, SleepLastsAtLeastTheRequestedTimeOnEachClock) {
  for (ClockType clock : {ClockType::realtime, ClockType::virtual_, ClockType::host}) {
    corosim::atomic<bool> done{false};
    int64_t slept = 0;
    coroutine_enter(coroutine_create([&] {
      const int64_t start = clock_ns(clock);
      sleep_ns(clock, 2'000'000);
      slept = clock_ns(clock) - start;
      done = true;
    }));
    EXPECT_FALSE(done.load());
    run_main_until(done);
    EXPECT_GE(slept, 2'000'000) << "clock " << static_cast<int>(clock);
  }
}

TEST_P(AioTest, WakeableSleepEndsEarlyAndASecondWakeIsHarmless) {
  CoSleep sleeper;
  corosim::atomic<bool> done{false};
  coroutine_enter(coroutine_create([&] {
    sleeper.sleep_ns(ClockType::realtime, 3'600'000'000'000);  // an hour
    done = true;
  }));
  EXPECT_FALSE(done.load());
  sleeper.wake();
  EXPECT_TRUE(done.load()) << "woken from plain code of its context: entered at once";
  sleeper.wake();
  main_context()->poll(false);
}

// --- fd handlers ---

TEST_P(AioTest, ReadHandlerRunsWhenAPipeHasData) {
  // A platform pipe: pipe(2) in the real build, a simulated pipe in the simulator.
  using P = corosim::platform::Current;
  int fds[2];
  ASSERT_EQ(P::pipe(fds), 0);
  struct Reader {
    int fd;
    std::string got;
  } reader{fds[0], {}};
  main_context()->set_fd_handler(
      fds[0],
      [](void *r) {
        auto *rd = static_cast<Reader *>(r);
        char buf[16];
        long n = P::read(rd->fd, buf, sizeof buf);
        if (n > 0) rd->got.append(buf, static_cast<std::size_t>(n));
      },
      nullptr, &reader);
  EXPECT_FALSE(main_context()->poll(false));
  TestThread writer([&] {
    pause_ns(2 * kMillisecond);
    ASSERT_EQ(P::write(fds[1], "hi", 2), 2);
  });
  while (reader.got.empty()) main_context()->poll(true);  // the write wakes the blocking poll
  writer.join();
  EXPECT_EQ(reader.got, "hi");
  main_context()->set_fd_handler(fds[0], nullptr, nullptr, nullptr);
  EXPECT_EQ(P::close(fds[1]), 0);
  EXPECT_EQ(P::close(fds[0]), 0);
}

// --- cross-context scheduling ---

TEST_P(AioTest, CoroutineScheduledFromAnotherThreadRunsInItsContext) {
  corosim::atomic<bool> done{false};
  AioContext *ran_in = nullptr;
  Coroutine *co = coroutine_create([&] {
    yield();
    ran_in = current_context();
    done = true;
  });
  coroutine_enter(co);
  TestThread([co] { aio_co_schedule(main_context(), co); }).join();
  run_main_until(done);
  EXPECT_EQ(ran_in, main_context());
}

TEST_P(AioTest, WakeFromAnotherThreadRestartsTheCoroutineInItsHomeContext) {
  IOThread io;
  corosim::atomic<Coroutine *> waiting{nullptr};
  corosim::atomic<bool> done{false};
  AioContext *resumed_in = nullptr;
  aio_co_schedule(io.context(), coroutine_create([&] {
                    waiting = self();  // about to yield: a wake now is scheduled and runs after the yield
                    yield();
                    resumed_in = current_context();
                    done = true;
                  }));
  while (!waiting.load()) pause_ns(20 * kMicrosecond);
  aio_co_wake(waiting.load());  // from the main thread
  wait_until(done);
  EXPECT_EQ(resumed_in, io.context());
}

TEST_P(AioTest, CoroutineHopsAroundThreeIOThreadsAndLandsRightEveryTime) {
  IOThread threads[3];
  corosim::atomic<bool> done{false};
  int wrong = 0, hops = 0;
  coroutine_enter(coroutine_create([&] {
    for (int i = 0; i < 300; ++i) {
      AioContext *target = threads[i % 3].context();
      aio_co_reschedule_self(target);
      if (current_context() != target) ++wrong;
      ++hops;
    }
    aio_co_reschedule_self(main_context());
    if (current_context() != main_context()) ++wrong;
    done = true;
  }));
  run_main_until(done);
  EXPECT_EQ(hops, 300);
  EXPECT_EQ(wrong, 0);
}

TEST_P(AioTest, TwoCoroutinesInTwoContextsWakeEachOther25000Times) {
  // Each wake crosses contexts (a schedule plus a bottom half in the other loop). The coroutines get 32 KiB
  // stacks: if wake-ups nested, a few hundred rounds would overflow them. A local's address must not move.
  constexpr int kRounds = 25000;
  IOThread io1, io2;
  corosim::atomic<Coroutine *> a{nullptr}, b{nullptr};
  corosim::atomic<bool> a_done{false}, b_done{false}, b_ready{false};
  int rounds_a = 0, rounds_b = 0;
  bool stable = true;
  CoroutineOptions small;
  small.stack_size_bytes = 32 * 1024;
  b = coroutine_create(
      [&] {
        volatile int marker = 0;
        const auto first = reinterpret_cast<uintptr_t>(&marker);
        b_ready = true;
        yield();
        for (int i = 0; i < kRounds; ++i) {
          ++rounds_b;
          stable = stable && reinterpret_cast<uintptr_t>(&marker) == first;
          aio_co_wake(a.load());
          if (i + 1 < kRounds) yield();
        }
        b_done = true;
      },
      small);
  a = coroutine_create(
      [&] {
        for (int i = 0; i < kRounds; ++i) {
          ++rounds_a;
          aio_co_wake(b.load());
          yield();
        }
        a_done = true;
      },
      small);
  aio_co_schedule(io2.context(), b.load());
  wait_until(b_ready);
  aio_co_schedule(io1.context(), a.load());
  wait_until(a_done);
  wait_until(b_done);
  EXPECT_EQ(rounds_a, kRounds);
  EXPECT_EQ(rounds_b, kRounds);
  EXPECT_TRUE(stable);
}

TEST_P(AioTest, AioCoEnterFromAWorkerThreadRunsInTheTargetContext) {
  IOThread io;
  corosim::atomic<bool> done{false};
  AioContext *ran_in = nullptr;
  Coroutine *co = coroutine_create([&] {
    ran_in = current_context();
    done = true;
  });
  TestThread([&] { aio_co_enter(io.context(), co); }).join();
  wait_until(done);
  EXPECT_EQ(ran_in, io.context());
}

TEST_P(AioTest, AioCoEnterFromACoroutineOfTheSameContextRunsAfterIt) {
  std::vector<std::string> order;
  Coroutine *later = coroutine_create([&] { order.push_back("entered"); });
  coroutine_enter(coroutine_create([&] {
    aio_co_enter(current_context(), later);
    order.push_back("enterer done");
  }));
  EXPECT_EQ(order, (std::vector<std::string>{"enterer done", "entered"}));
}

TEST_P(AioTest, ThreadPoolRunsTheCallElsewhereAndResumesInTheHomeContext) {
  corosim::atomic<bool> done{false};
  bool ran_elsewhere = false;
  int result = 0;
  AioContext *resumed_in = nullptr;
  coroutine_enter(coroutine_create([&] {
    result = run_in_thread_pool([&] {
      ran_elsewhere = !testing::on_main_thread();  // the test runs on the main thread
      return 42;
    });
    resumed_in = current_context();
    done = true;
  }));
  run_main_until(done);
  EXPECT_TRUE(ran_elsewhere);
  EXPECT_EQ(result, 42);
  EXPECT_EQ(resumed_in, main_context());
  EXPECT_GE(thread_pool_workers(), 1u);

  // Shut down, the pool has no workers; the next call starts one again.
  thread_pool_shutdown();
  EXPECT_EQ(thread_pool_workers(), 0u);
  done = false;
  coroutine_enter(coroutine_create([&] {
    result = run_in_thread_pool([] { return 7; });
    done = true;
  }));
  run_main_until(done);
  EXPECT_EQ(result, 7);
  EXPECT_EQ(thread_pool_workers(), 1u);
}

TEST_P(AioTest, CoMutexWaiterInAnotherContextIsWokenIntoItsOwn) {
  IOThread io;
  CoMutex m;
  corosim::atomic<bool> holder_locked{false}, waiter_queued{false}, done{false};
  AioContext *waiter_ran_in = nullptr;
  Coroutine *holder = coroutine_create([&] {
    m.lock();
    holder_locked = true;
    yield();
    m.unlock();
  });
  coroutine_enter(holder);  // main context, holds the lock
  aio_co_schedule(io.context(), coroutine_create([&] {
                    waiter_queued = true;
                    m.lock();
                    waiter_ran_in = current_context();
                    m.unlock();
                    done = true;
                  }));
  wait_until(waiter_queued);
  pause_ns(2 * kMillisecond);  // let it block in lock()
  coroutine_enter(holder);     // unlock: hands the lock over across contexts
  wait_until(done);
  EXPECT_EQ(waiter_ran_in, io.context());
}

TEST_P(AioTest, JoinFinishesPendingBottomHalves) {
  corosim::atomic<int> runs{0};
  {
    IOThread io;
    for (int i = 0; i < 10; ++i)
      bh_schedule_oneshot(io.context(), [](void *n) { static_cast<corosim::atomic<int> *>(n)->fetch_add(1); },
                          &runs);
    io.join();
  }
  EXPECT_EQ(runs.load(), 10);
}

// --- misuse ---

class AioMisuseDeathTest : public AioTest {
 protected:
  void SetUp() override {
    AioTest::SetUp();
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};
COROSIM_ON_EACH_BACKEND(AioMisuseDeathTest);

TEST_P(AioMisuseDeathTest, SchedulingAScheduledCoroutine) {
  EXPECT_DEATH(
      {
        Coroutine *co = coroutine_create([] {});
        aio_co_schedule(main_context(), co);
        aio_co_schedule(main_context(), co);
      },
      "Co-routine was already scheduled in 'aio_co_schedule'");
}

TEST_P(AioMisuseDeathTest, EnteringASleepingCoroutine) {
  EXPECT_DEATH(
      {
        Coroutine *co = coroutine_create([] { sleep_ns(ClockType::realtime, 1'000'000'000); });
        coroutine_enter(co);
        coroutine_enter(co);
      },
      "Co-routine was already scheduled in 'qemu_co_sleep_ns'");
}

TEST_P(AioMisuseDeathTest, EnteringAScheduledCoroutine) {
  EXPECT_DEATH(
      {
        Coroutine *co = coroutine_create([] { yield(); });
        coroutine_enter(co);
        aio_co_schedule(main_context(), co);
        coroutine_enter(co);
      },
      "Co-routine was already scheduled in 'aio_co_schedule'");
}

}  // namespace
}  // namespace corosim
