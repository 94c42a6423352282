// The tutorial's GoogleTest file (docs/tutorial.md): a lock is tested by exploring the interleavings of two threads
// that take it. The first test passes; the second is the racy lock, and fails with ONE failure whose message ends
// with the command that replays it (check.sh runs it on purpose and checks exactly that).

#include <gtest/gtest.h>

#include <corosim/gtest.hpp>
#include <corosim/thread.hpp>

#include "locks.hpp"

namespace {

// Two threads, two rounds each: lock, enter, (a scheduling point inside), leave, unlock. `inside` counts the threads
// in the critical section; a GoogleTest assertion checks it, and fails the execution it happens in.
template <class Lock>
void two_threads_take_turns() {
  Lock lock;
  int inside = 0;
  auto worker = [&] {
    for (int round = 0; round < 2; ++round) {
      lock.lock();
      EXPECT_EQ(++inside, 1) << "two threads inside the critical section";
      corosim::schedule_point();
      --inside;
      lock.unlock();
    }
  };
  corosim::Thread a(worker), b(worker);
  a.join();
  b.join();
}

corosim::sim::ExploreOptions options() {
  corosim::sim::ExploreOptions o;
  o.strategy = "pct";
  o.schedules = 2000;
  return o;
}

TEST(SpinLock, ExcludesUnderEveryInterleaving) {
  EXPECT_COROSIM_PASSES(two_threads_take_turns<tutorial::SpinLock>, options());
}

// A second strategy: random walk picks the next thread uniformly at every scheduling point. (Exhaustive search,
// "dfs", is not the tool for a spin lock yet: a waiter that spins is a schedule that never ends; see
// docs/determinism.md, "Spin loops and the step bound".)
TEST(SpinLock, ExcludesUnderRandomWalk) {
  corosim::sim::ExploreOptions o = options();
  o.strategy = "random";
  EXPECT_COROSIM_PASSES(two_threads_take_turns<tutorial::SpinLock>, o);
}

// Fails: this is the lock with the bug (check.sh expects this test to fail, once).
TEST(RacySpinLock, ExcludesUnderEveryInterleaving) {
  EXPECT_COROSIM_PASSES(two_threads_take_turns<tutorial::RacySpinLock>, options());
}

}  // namespace
