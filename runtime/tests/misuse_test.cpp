// Each misuse of the runtime aborts with its diagnostic (the simulator turns these into failed runs instead).

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>

#include "backend_fixture.hpp"
#include "coroutine_impl.hpp"  // white-box: detail::wake, to queue a coroutine twice

namespace corosim {
namespace {

class MisuseDeathTest : public testing::OnEachBackend {
 protected:
  void SetUp() override {
    OnEachBackend::SetUp();
    // Fork-and-re-execute: the child starts clean instead of inheriting threads or coroutine stacks.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
};
COROSIM_ON_EACH_BACKEND(MisuseDeathTest);

TEST_P(MisuseDeathTest, EnteringARunningCoroutine) {
  EXPECT_DEATH(
      {
        Coroutine *co = nullptr;
        co = coroutine_create([&] { coroutine_enter(co); });
        coroutine_enter(co);
      },
      "Co-routine re-entered recursively");
}

TEST_P(MisuseDeathTest, EnteringACoroutineOnTheActiveChain) {
  EXPECT_DEATH(
      {
        Coroutine *outer = nullptr;
        outer = coroutine_create([&] { coroutine_enter(coroutine_create([&] { coroutine_enter(outer); })); });
        coroutine_enter(outer);
      },
      "Co-routine re-entered recursively");
}

TEST_P(MisuseDeathTest, YieldingOutsideACoroutine) { EXPECT_DEATH(yield(), "Co-routine is yielding to no one"); }

TEST_P(MisuseDeathTest, TerminatingWhileHoldingACoMutex) {
  EXPECT_DEATH(
      {
        CoMutex m;
        coroutine_enter(coroutine_create([&] { m.lock(); }));
      },
      "terminated while holding 1 lock");
}

TEST_P(MisuseDeathTest, LockingACoMutexRecursively) {
  EXPECT_DEATH(
      {
        CoMutex m;
        coroutine_enter(coroutine_create([&] {
          m.lock();
          m.lock();
        }));
      },
      "CoMutex locked recursively");
}

TEST_P(MisuseDeathTest, UnlockingACoMutexHeldByAnother) {
  EXPECT_DEATH(
      {
        CoMutex m;
        coroutine_enter(coroutine_create([&] {
          m.lock();
          yield();
        }));
        coroutine_enter(coroutine_create([&] { m.unlock(); }));
      },
      "which does not hold it");
}

TEST_P(MisuseDeathTest, DestroyingAHeldCoMutex) {
  EXPECT_DEATH(
      {
        auto *m = new CoMutex;
        coroutine_enter(coroutine_create([m] {
          m->lock();
          yield();
        }));
        coroutine_enter(coroutine_create([m] { m->lock(); }));  // waits
        delete m;
      },
      "CoMutex destroyed while locked: 2 co-routine\\(s\\) hold it or wait for it");
}

TEST_P(MisuseDeathTest, UnlockingAFreeCoMutex) {
  EXPECT_DEATH(
      {
        CoMutex m;
        coroutine_enter(coroutine_create([&] { m.unlock(); }));
      },
      "but it is not locked");
}

TEST_P(MisuseDeathTest, LockingOutsideACoroutine) {
  EXPECT_DEATH(
      {
        CoMutex m;
        m.lock();
      },
      "CoMutex::lock called outside a coroutine");
}

TEST_P(MisuseDeathTest, UnlockingAFreeCoRwlock) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] { l.unlock(); }));
      },
      "CoRwlock unlocked by co-routine [0-9]+, which does not hold it");
}

TEST_P(MisuseDeathTest, UpgradingWithoutAReadLock) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] { l.upgrade(); }));
      },
      "holds no read lock");
}

TEST_P(MisuseDeathTest, DowngradingWithoutTheWriteLock) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] {
          l.rdlock();
          l.downgrade();
        }));
      },
      "does not hold the write lock");
}

TEST_P(MisuseDeathTest, EnteringACoroutineThatWaitsInACoQueue) {
  EXPECT_DEATH(
      {
        CoQueue q;
        Coroutine *co = coroutine_create([&] { q.wait(); });
        coroutine_enter(co);
        coroutine_enter(co);
      },
      "entered while it waits in a CoQueue");
}

TEST_P(MisuseDeathTest, UnlockingACoRwlockOthersHoldWhileHoldingAnotherLock) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        CoMutex m;
        coroutine_enter(coroutine_create([&] {
          l.rdlock();
          yield();
        }));
        coroutine_enter(coroutine_create([&] {
          m.lock();
          l.unlock();
        }));
      },
      "CoRwlock unlocked by co-routine [0-9]+, which does not hold it");
}

TEST_P(MisuseDeathTest, UpgradingWithoutAReadLockWhileOthersRead) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] {
          l.rdlock();
          yield();
        }));
        coroutine_enter(coroutine_create([&] { l.upgrade(); }));
      },
      "holds no read lock");
}

TEST_P(MisuseDeathTest, DowngradingWhileAnotherCoroutineWrites) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] {
          l.wrlock();
          yield();
        }));
        coroutine_enter(coroutine_create([&] { l.downgrade(); }));
      },
      "does not hold the write lock");
}

TEST_P(MisuseDeathTest, EnteringACoroutineThatWaitsForACoMutex) {
  EXPECT_DEATH(
      {
        CoMutex m;
        coroutine_enter(coroutine_create([&] {
          m.lock();
          yield();
        }));
        Coroutine *waiter = coroutine_create([&] { m.lock(); });
        coroutine_enter(waiter);
        coroutine_enter(waiter);
      },
      "entered while it waits in a CoMutex wait list");
}

TEST_P(MisuseDeathTest, EnteringACoroutineThatWaitsForACoRwlock) {
  EXPECT_DEATH(
      {
        CoRwlock l;
        coroutine_enter(coroutine_create([&] {
          l.wrlock();
          yield();
        }));
        Coroutine *waiter = coroutine_create([&] { l.rdlock(); });
        coroutine_enter(waiter);
        coroutine_enter(waiter);
      },
      "entered while it waits in a CoRwlock ticket queue");
}

TEST_P(MisuseDeathTest, QueueingACoroutineTwice) {
  EXPECT_DEATH(
      {
        Coroutine *sleeper = coroutine_create([] { yield(); });
        coroutine_enter(sleeper);
        coroutine_enter(coroutine_create([&] {
          detail::wake(sleeper);
          detail::wake(sleeper);
        }));
      },
      "already in a wake-up queue; it cannot be put in a wake-up queue too");
}

TEST_P(MisuseDeathTest, EnterNextInsideACoroutine) {
  EXPECT_DEATH(
      {
        CoQueue q;
        coroutine_enter(coroutine_create([&] { q.enter_next(); }));
      },
      "enter_next called inside a coroutine");
}

TEST_P(MisuseDeathTest, EnteringATerminatedCoroutine) {
  if (is_thread_backend()) GTEST_SKIP() << "without a pool the object is freed: nothing left to check";
  EXPECT_DEATH(
      {
        // Only a pooled coroutine is still there to be diagnosed; the pool may be off (the simulator build,
        // COROSIM_POOL=0), and this runs in the death test's child.
        set_pool_enabled(true);
        Coroutine *co = coroutine_create([] {});
        coroutine_enter(co);
        coroutine_enter(co);
      },
      "entered after it terminated");
}

}  // namespace
}  // namespace corosim
