// check_lock on two coroutine locks (docs/fuzz-your-lock.md): a ticket lock, correct and fair, and a lock that
// tests its flag and then sets it in a second step, which the check catches letting two coroutines in.

#include <gtest/gtest.h>

#include <corosim/aio.hpp>
#include <corosim/check.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>

namespace {

// Lets the other coroutines of this event loop run before the caller goes on.
void wait_a_turn() {
  corosim::aio_co_schedule(corosim::current_context(), corosim::self());
  corosim::yield();
}

struct TicketLock {
  corosim::atomic<unsigned> next{0}, serving{0};
  void lock() {
    const unsigned ticket = next.fetch_add(1);
    while (serving.load() != ticket) wait_a_turn();
  }
  void unlock() { serving.fetch_add(1); }
};

struct TestThenSetLock {  // broken: two coroutines can both see it free
  corosim::atomic<bool> locked{false};
  void lock() {
    while (locked.load()) wait_a_turn();
    locked.store(true);
  }
  void unlock() { locked.store(false); }
};

TEST(TicketLock, ExcludesAndIsFair) {
  corosim::CheckOptions options;
  options.schedules = 2000;  // the default is 10,000
  options.max_bypass = 4;
  corosim::CheckResult r = corosim::check_lock<TicketLock>(options);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.schedules_run, options.schedules);
}

TEST(TestThenSetLock, LetsTwoIn) {
  corosim::CheckResult r = corosim::check_lock<TestThenSetLock>();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure_kind, "mutual_exclusion") << r.message;
  corosim::CheckResult again = corosim::replay_lock<TestThenSetLock>(r.schedule);
  EXPECT_EQ(again.failure_kind, "mutual_exclusion") << again.message;
}

}  // namespace
