// CoQueue: FIFO wake order, restart_all, wait_insert_head, waiting with a lock, enter-style variants.

#include <string>
#include <vector>

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

class CoQueueTest : public testing::OnEachBackend {
 protected:
  // Starts a coroutine that records `name` when it resumes from waiting on q.
  void start_waiter(CoQueue &q, std::string name, bool at_head = false) {
    coroutine_enter(coroutine_create([this, &q, name, at_head] {
      if (at_head)
        q.wait_insert_head();
      else
        q.wait();
      woken.push_back(name);
    }));
  }
  std::vector<std::string> woken;
};
COROSIM_ON_EACH_BACKEND(CoQueueTest);

TEST_P(CoQueueTest, NextWakesWaitersInArrivalOrder) {
  CoQueue q;
  EXPECT_TRUE(q.empty());
  start_waiter(q, "w1");
  start_waiter(q, "w2");
  start_waiter(q, "w3");
  EXPECT_FALSE(q.empty());
  EXPECT_TRUE(q.next());
  EXPECT_TRUE(q.next());
  EXPECT_EQ(woken, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_TRUE(q.next());
  EXPECT_FALSE(q.next()) << "nobody left";
  EXPECT_TRUE(q.empty());
}

TEST_P(CoQueueTest, RestartAllWakesEveryoneInOrderAfterTheWakerYields) {
  CoQueue q;
  for (const char *name : {"w1", "w2", "w3"}) start_waiter(q, name);
  coroutine_enter(coroutine_create([&] {
    q.restart_all();
    woken.push_back("waker");
  }));
  EXPECT_EQ(woken, (std::vector<std::string>{"waker", "w1", "w2", "w3"}));
  EXPECT_TRUE(q.empty());
}

TEST_P(CoQueueTest, WaitInsertHeadGoesFirst) {
  CoQueue q;
  start_waiter(q, "tail1");
  start_waiter(q, "tail2");
  start_waiter(q, "head", /*at_head=*/true);
  q.enter_all();
  EXPECT_EQ(woken, (std::vector<std::string>{"head", "tail1", "tail2"}));
}

TEST_P(CoQueueTest, EnterNextRunsTheWaiterBeforeReturning) {
  CoQueue q;
  start_waiter(q, "w1");
  start_waiter(q, "w2");
  EXPECT_TRUE(q.enter_next());
  EXPECT_EQ(woken, (std::vector<std::string>{"w1"}));
  EXPECT_TRUE(q.enter_next());
  EXPECT_FALSE(q.enter_next());
}

TEST_P(CoQueueTest, WaitReleasesTheLockWhileWaitingAndRetakesIt) {
  CoQueue q;
  CoMutex m;
  bool ready = false;
  std::vector<std::string> events;
  Coroutine *consumer = coroutine_create([&] {
    m.lock();
    while (!ready) q.wait(m);
    events.push_back(self() == m.holder() ? "consumer holds the lock again" : "consumer lacks the lock");
    m.unlock();
  });
  coroutine_enter(consumer);
  EXPECT_EQ(m.holder(), nullptr) << "waiting released the lock";
  coroutine_enter(coroutine_create([&] {
    m.lock();  // must not block: the consumer released it
    events.push_back("producer locked");
    ready = true;
    q.next();
    m.unlock();
  }));
  EXPECT_EQ(events, (std::vector<std::string>{"producer locked", "consumer holds the lock again"}));
  EXPECT_EQ(m.holder(), nullptr);
}

TEST_P(CoQueueTest, AWaiterWokenFromOutsideMayWaitAgainWithoutBeingWokenTwice) {
  // restart_all from outside enters each waiter at once; one that waits again must stay queued.
  CoQueue q;
  int wakes = 0;
  coroutine_enter(coroutine_create([&] {
    for (;;) {
      q.wait();
      if (++wakes == 2) return;
    }
  }));
  q.restart_all();
  EXPECT_EQ(wakes, 1);
  EXPECT_FALSE(q.empty());
  q.restart_all();
  EXPECT_EQ(wakes, 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace corosim
