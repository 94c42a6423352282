// corosim/thread.hpp: Thread, Mutex and CondVar, on both platforms (std types in the real build, sim threads in the
// simulator, where every operation is a scheduling point).

#include <deque>
#include <vector>

#include <corosim/thread.hpp>

#include "test_platform.hpp"

namespace corosim {
namespace {

TEST(Thread, MutexExcludesBetweenThreads) {
  constexpr int kRounds = 500;
  Mutex m;
  int count = 0;  // guarded by m
  auto add = [&] {
    for (int i = 0; i < kRounds; ++i) {
      m.lock();
      const int seen = count;
      schedule_point();  // the simulator may switch here: without the mutex an increment would be lost
      count = seen + 1;
      m.unlock();
    }
  };
  Thread a(add), b(add);
  a.join();
  b.join();
  EXPECT_EQ(count, 2 * kRounds);
}

TEST(Thread, TryLockFailsWhileHeldAndSucceedsAfter) {
  Mutex m;
  m.lock();
  bool got = true;
  Thread t([&] { got = m.try_lock(); });
  t.join();
  EXPECT_FALSE(got);
  m.unlock();
  Thread u([&] {
    got = m.try_lock();
    if (got) m.unlock();
  });
  u.join();
  EXPECT_TRUE(got);
}

TEST(Thread, CondVarHandsItemsFromProducerToConsumerInOrder) {
  Mutex m;
  CondVar cv;
  std::deque<int> queue;  // guarded by m
  std::vector<int> seen;
  Thread consumer([&] {
    for (int i = 0; i < 100; ++i) {
      m.lock();
      cv.wait(m, [&] { return !queue.empty(); });
      seen.push_back(queue.front());
      queue.pop_front();
      m.unlock();
    }
  });
  for (int i = 0; i < 100; ++i) {
    m.lock();
    queue.push_back(i);
    m.unlock();
    cv.notify_one();
  }
  consumer.join();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(Thread, NotifyAllWakesEveryWaiter) {
  Mutex m;
  CondVar cv;
  bool open = false;  // guarded by m
  int through = 0;    // guarded by m
  std::vector<Thread> waiters;
  for (int i = 0; i < 4; ++i)
    waiters.emplace_back([&] {
      m.lock();
      cv.wait(m, [&] { return open; });
      ++through;
      m.unlock();
    });
  m.lock();
  open = true;
  m.unlock();
  cv.notify_all();
  for (Thread &t : waiters) t.join();
  EXPECT_EQ(through, 4);
}

TEST(Thread, JoinableUntilJoined) {
  Thread t([] {});
  EXPECT_TRUE(t.joinable());
  t.join();
  EXPECT_FALSE(t.joinable());
  EXPECT_FALSE(Thread().joinable());
}

}  // namespace
}  // namespace corosim
