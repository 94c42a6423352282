// CoMutex: mutual exclusion, hand-off to the first waiter, FIFO among waiters, holder tracking.

#include <string>
#include <vector>

#include <corosim/co_mutex.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

class CoMutexTest : public testing::OnEachBackend {};
COROSIM_ON_EACH_BACKEND(CoMutexTest);

TEST_P(CoMutexTest, SecondLockerHoldsTheLockWhenTheFirstOnesReentryReturns) {
  // QEMU's test_co_mutex: c1 locks and yields; c2 queues. Re-entering c1 unlocks and terminates it; c2 is
  // woken through c1's wake-up queue and so already holds the lock (and has yielded) when enter(c1) returns.
  CoMutex m;
  bool locked = false;
  int done = 0;
  auto body = [&] {
    m.lock();
    EXPECT_FALSE(locked) << "two holders at once";
    locked = true;
    yield();
    locked = false;
    m.unlock();
    ++done;
  };
  Coroutine *c1 = coroutine_create(body);
  Coroutine *c2 = coroutine_create(body);
  coroutine_enter(c1);
  EXPECT_TRUE(locked);
  coroutine_enter(c2);
  coroutine_enter(c1);
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(locked) << "c2 got the lock during c1's re-entry";
  EXPECT_EQ(m.holder(), c2);
  coroutine_enter(c2);
  EXPECT_EQ(done, 2);
  EXPECT_FALSE(locked);
  EXPECT_EQ(m.holder(), nullptr);
}

TEST_P(CoMutexTest, WaitersAcquireInArrivalOrder) {
  CoMutex m;
  std::vector<int> acquired;
  std::vector<Coroutine *> cos;
  for (int i = 0; i < 6; ++i) {
    cos.push_back(coroutine_create([&, i] {
      m.lock();
      acquired.push_back(i);
      yield();
      m.unlock();
    }));
    coroutine_enter(cos.back());
  }
  EXPECT_EQ(acquired, (std::vector<int>{0}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(m.holder(), cos[i]);
    coroutine_enter(cos[i]);  // unlock: hands the lock to i + 1, which runs and yields holding it
  }
  EXPECT_EQ(acquired, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(m.holder(), nullptr);
}

TEST_P(CoMutexTest, UnlockerThatRelocksQueuesBehindTheWaiterNoBarging) {
  CoMutex m;
  std::vector<std::string> order;
  Coroutine *waiter = coroutine_create([&] {
    m.lock();
    order.push_back("waiter");
    m.unlock();
  });
  coroutine_enter(coroutine_create([&] {
    m.lock();
    coroutine_enter(waiter);  // queues behind us
    m.unlock();               // hands the lock to the waiter ...
    m.lock();                 // ... so we must wait for it
    order.push_back("relocker");
    m.unlock();
  }));
  EXPECT_EQ(order, (std::vector<std::string>{"waiter", "relocker"}));
}

TEST_P(CoMutexTest, ManyCoroutinesYieldingInsideTheCriticalSectionNeverOverlap) {
  // Coroutines increment a counter non-atomically across a yield inside the critical section; a driver enters
  // them in a scrambled order. Lock waiters are not entered by the driver (they are woken by unlock); every
  // coroutine marks itself runnable just before a plain yield.
  constexpr int kCoroutines = 8, kRounds = 50;
  CoMutex m;
  int inside = 0, max_inside = 0, counter = 0, finished = 0;
  std::vector<Coroutine *> cos(kCoroutines);
  std::vector<bool> runnable(kCoroutines, true);
  auto plain_yield = [&](int c) {
    runnable[c] = true;
    yield();
  };
  for (int c = 0; c < kCoroutines; ++c) {
    cos[c] = coroutine_create([&, c] {
      for (int r = 0; r < kRounds; ++r) {
        m.lock();
        ++inside;
        max_inside = std::max(max_inside, inside);
        int seen = counter;
        plain_yield(c);  // let everyone else try to get in
        counter = seen + 1;
        --inside;
        m.unlock();
        plain_yield(c);
      }
      ++finished;
    });
  }
  uint32_t lcg = 12345;
  int steps = 0;
  while (finished < kCoroutines) {
    ASSERT_LT(++steps, 1000000) << "no progress: a lock waiter was never woken";
    lcg = lcg * 1664525u + 1013904223u;
    int c = static_cast<int>((lcg >> 16) % kCoroutines);
    if (!runnable[c]) continue;
    runnable[c] = false;
    coroutine_enter(cos[c]);
  }
  EXPECT_EQ(max_inside, 1);
  EXPECT_EQ(counter, kCoroutines * kRounds);
  EXPECT_EQ(m.holder(), nullptr);
}

}  // namespace
}  // namespace corosim
