// check_lock / check_rwlock / replay_lock (corosim/check.hpp) against the example locks (examples/locks) and the
// runtime's own: correct locks pass, broken ones fail with the right kind, unfair ones fail the bounded-bypass
// check, results are deterministic and replay, bad input is one line. Full size: PCT, seed 7, 20,000 schedules,
// 2 contexts, 4 coroutines, 3 iterations (5 with max_bypass 4); each line of output gives the executions needed.

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include <corosim/check.hpp>
#include <corosim/classic_co_mutex.hpp>
#include <corosim/classic_co_rwlock.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/examples/locks.hpp>

namespace {

using namespace corosim;
using namespace corosim::examples;

// The acceptance size. A sanitizer build runs each execution several times slower: there the checks that pass
// run a twentieth of it (the failing ones stop at their failure either way).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr uint64_t kFull = 1'000;
#else
constexpr uint64_t kFull = 20'000;
#endif

CheckOptions options(uint64_t schedules, unsigned max_bypass = 0, unsigned iterations = 3) {
  CheckOptions o;
  o.strategy = "pct";
  o.seed = 7;
  o.schedules = schedules;
  o.max_bypass = max_bypass;
  o.iterations = iterations;
  return o;
}

void print(const char *what, const CheckResult &r) {
  std::printf("[ info ] %s: %s after %llu schedules\n", what, r.ok ? "passed" : r.failure_kind.c_str(),
              static_cast<unsigned long long>(r.schedules_run));
}

#define EXPECT_PASSES(Check, Lock, opts)            \
  do {                                              \
    CheckResult r = Check<Lock>(opts);              \
    print(#Lock, r);                                \
    EXPECT_TRUE(r.ok) << r.message;                 \
    EXPECT_EQ(r.schedules_run, (opts).schedules);   \
  } while (0)

#define EXPECT_FAILS(Check, Lock, opts, kind)       \
  do {                                              \
    CheckResult r = Check<Lock>(opts);              \
    print(#Lock, r);                                \
    EXPECT_FALSE(r.ok);                             \
    EXPECT_EQ(r.failure_kind, kind) << r.message;   \
  } while (0)

// The same type as an rwlock: a schedule of check_lock is not one of check_rwlock.
struct TestThenSetLockAsRw {
  TestThenSetLock lock;
  void rdlock() { lock.lock(); }
  void wrlock() { lock.lock(); }
  void unlock() { lock.unlock(); }
};

TEST(CheckLock, CorrectLocksPass) {
  EXPECT_PASSES(check_lock, CoMutex, options(kFull));
  EXPECT_PASSES(check_lock, TicketLock, options(kFull));
  EXPECT_PASSES(check_lock, BackoffSpinLock, options(kFull));
  EXPECT_PASSES(check_rwlock, CoRwlock, options(kFull));
  // Unfair, but correct: without max_bypass they pass.
  EXPECT_PASSES(check_lock, ClassicCoMutex, options(kFull));
  EXPECT_PASSES(check_rwlock, ClassicCoRwlock, options(kFull));
  EXPECT_PASSES(check_rwlock, ReaderPreferringRwLock, options(kFull));
}

// No correct lock that waits by looping (re-scheduling itself, backing off) runs into a step limit, under any
// strategy: fair scheduling lets the holder run (sim/src/executor.cpp, "Fair scheduling").
TEST(CheckLock, SpinningLocksPassUnderEveryStrategy) {
  for (const char *strategy : {"random", "pct:d=2", "dfs", "dfs:preemptions=1"}) {
    CheckOptions o = options(kFull / 4);
    o.strategy = strategy;
    for (const CheckResult &r : {check_lock<TicketLock>(o), check_lock<BackoffSpinLock>(o), check_lock<CoMutex>(o)}) {
      EXPECT_TRUE(r.ok) << strategy << ": " << r.message;
      const bool exhausted = r.message.find("the search space is exhausted") != std::string::npos;
      EXPECT_TRUE(r.schedules_run == o.schedules || (exhausted && r.schedules_run < o.schedules)) << r.message;
      if (exhausted) std::printf("[ info ] %s\n", r.message.c_str());
    }
    CheckResult broken = check_lock<TestThenSetLock>(o);
    std::printf("[ info ] %s: ticket, back-off and CoMutex pass; test-then-set: %s after %llu\n",
                strategy, broken.ok ? "passed" : broken.failure_kind.c_str(),
                static_cast<unsigned long long>(broken.schedules_run));
  }
}

TEST(CheckLock, BrokenLocksFailWithTheirKind) {
  EXPECT_FAILS(check_lock, TestThenSetLock, options(20'000), "mutual_exclusion");
  EXPECT_FAILS(check_lock, NoTokenHandoffLock, options(20'000), "lost_wakeup");
}

// A failure's schedule comes back shrunk (the message says from what to what), and it still replays to the same
// kind; with shrink_time_s 0 it comes back as found.
TEST(CheckLock, FailuresAreShrunkToTheSameKind) {
  CheckOptions o = options(20'000);
  const CheckResult shrunk = check_lock<TestThenSetLock>(o);
  ASSERT_EQ(shrunk.failure_kind, "mutual_exclusion") << shrunk.message;
  EXPECT_NE(shrunk.message.find("\nshrunk: preemptions "), std::string::npos) << shrunk.message;
  EXPECT_EQ(replay_lock<TestThenSetLock>(shrunk.schedule, o).failure_kind, "mutual_exclusion");
  o.shrink_time_s = 0;
  const CheckResult found = check_lock<TestThenSetLock>(o);
  EXPECT_EQ(found.message.find("shrunk:"), std::string::npos) << found.message;
  EXPECT_EQ(found.schedules_run, shrunk.schedules_run);
  EXPECT_NE(found.schedule, shrunk.schedule);
}

TEST(CheckLock, BoundedBypassPassesFairLocksAndFailsUnfairOnes) {
  EXPECT_PASSES(check_lock, TicketLock, options(kFull, 4, 5));
  EXPECT_PASSES(check_lock, CoMutex, options(kFull, 4, 5));
  EXPECT_PASSES(check_rwlock, CoRwlock, options(kFull, 4, 5));
  EXPECT_FAILS(check_lock, BackoffSpinLock, options(20'000, 4, 5), "starvation");
  EXPECT_FAILS(check_lock, ClassicCoMutex, options(20'000, 4, 5), "starvation");
  EXPECT_FAILS(check_rwlock, ClassicCoRwlock, options(20'000, 4, 5), "starvation");
  EXPECT_FAILS(check_rwlock, ReaderPreferringRwLock, options(20'000, 4, 5), "starvation");
}

// Why the bound never fails a fair lock (check.hpp, "Fairness as bounded bypass"): a FIFO lock serves waiters in
// the order they took their place in line, and a waiter counts as in line only once it has taken it, so no counted
// overtake is possible at all. The tightest bound, 1, passes them; it fails the unfair ones at once.
TEST(CheckLock, FifoLocksAreNeverOvertakenOnceInLine) {
  EXPECT_PASSES(check_lock, TicketLock, options(kFull, 1, 5));
  EXPECT_PASSES(check_lock, CoMutex, options(kFull, 1, 5));
  EXPECT_PASSES(check_rwlock, CoRwlock, options(kFull, 1, 5));
  EXPECT_FAILS(check_lock, ClassicCoMutex, options(kFull, 1, 5), "starvation");
}

// Two runs of the same options in one process: the same executions, the same failure, the same schedule; and the
// schedule replays to the same kind of failure.
TEST(CheckLock, ResultsAreDeterministicAndReplay) {
  const CheckOptions o = options(20'000);
  const CheckResult first = check_lock<TestThenSetLock>(o), second = check_lock<TestThenSetLock>(o);
  ASSERT_FALSE(first.ok);
  EXPECT_EQ(first.schedules_run, second.schedules_run);
  EXPECT_EQ(first.schedule, second.schedule);
  EXPECT_EQ(first.message, second.message);
  EXPECT_NE(first.message.find("mutual_exclusion: coroutine "), std::string::npos) << first.message;
  EXPECT_NE(first.message.find(" entered while coroutine "), std::string::npos) << first.message;
  EXPECT_NE(first.message.find("reproduce: corosim::replay_lock<corosim::examples::TestThenSetLock>"),
            std::string::npos)
      << first.message;
  for (const char *kind : {"mutual_exclusion", "lost_wakeup", "starvation"}) {
    CheckResult failed = std::string(kind) == "mutual_exclusion" ? first
                         : std::string(kind) == "lost_wakeup"    ? check_lock<NoTokenHandoffLock>(o)
                                                                 : check_lock<ClassicCoMutex>(options(kFull, 4, 5));
    ASSERT_EQ(failed.failure_kind, kind) << failed.message;
    CheckResult again = failed.failure_kind == "lost_wakeup" ? replay_lock<NoTokenHandoffLock>(failed.schedule)
                        : failed.failure_kind == "starvation" ? replay_lock<ClassicCoMutex>(failed.schedule)
                                                              : replay_lock<TestThenSetLock>(failed.schedule);
    EXPECT_FALSE(again.ok);
    EXPECT_EQ(again.failure_kind, kind) << again.message;
    EXPECT_EQ(again.schedules_run, 1u);
  }
  // A schedule the lock no longer fits (as after a change to its code; here its recorded trace hash is altered):
  // the replay says so in one line instead of following it.
  std::string altered = first.schedule;
  const std::size_t hash_at = altered.find("\"trace_hash\": \"0x");
  ASSERT_NE(hash_at, std::string::npos) << altered;
  char &digit = altered[hash_at + 17];
  digit = digit == '0' ? '1' : '0';
  CheckResult misfit = replay_lock<TestThenSetLock>(altered);
  EXPECT_FALSE(misfit.ok);
  EXPECT_EQ(misfit.failure_kind, "mismatch") << misfit.message;
  EXPECT_EQ(misfit.message.find('\n'), std::string::npos) << misfit.message;
}

TEST(CheckLock, StarvationNamesTheWaiterItsOvertakersAndTheCount) {
  CheckResult r = check_rwlock<ReaderPreferringRwLock>(options(kFull, 4, 5));
  ASSERT_EQ(r.failure_kind, "starvation") << r.message;
  EXPECT_NE(r.message.find("starvation: coroutine "), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(", a writer, in context "), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(" was overtaken 5 times in one lock() call, more than max_bypass = 4; overtaken by "
                           "coroutines "),
            std::string::npos)
      << r.message;
}

// A lock that corrupts memory takes down the worker process running the execution, not the caller: the failure
// is `crash`, with no schedule (nothing was recorded) and the way to run the check again up to it.
struct CrashingLock {
  corosim::atomic<int> calls{0};
  void lock() {
    if (calls.fetch_add(1) == 2) *static_cast<volatile int *>(nullptr) = 1;
  }
  void unlock() {}
};

TEST(CheckLock, ACrashingLockIsTheFailureCrash) {
  CheckResult r = check_lock<CrashingLock>(options(100));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure_kind, "crash") << r.message;
  EXPECT_TRUE(r.schedule.empty());
  EXPECT_EQ(r.schedules_run, 1u);
  EXPECT_NE(r.message.find("reproduce: corosim::check_lock<(anonymous namespace)::CrashingLock> with strategy \"pct\", "
                           "seed 0x0000000000000007, schedules 1"),
            std::string::npos)
      << r.message;
}

// Bad input: ok = false, kind "usage", one line; never a crash.
TEST(CheckLock, BadInputIsOneLine) {
  auto one_line = [](const CheckResult &r) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.failure_kind, "usage");
    EXPECT_FALSE(r.message.empty());
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
    return r.message;
  };
  CheckOptions o = options(10);
  o.strategy = "bogus";
  EXPECT_NE(one_line(check_lock<TicketLock>(o)).find("bogus"), std::string::npos);
  o = options(10);
  o.coroutines = 0;
  EXPECT_EQ(one_line(check_lock<TicketLock>(o)), "corosim check: coroutines must be 1 to 63, not 0");
  o = options(10);
  o.contexts = 0;
  one_line(check_lock<TicketLock>(o));
  o = options(10);
  o.iterations = 0;
  one_line(check_lock<TicketLock>(o));

  const CheckResult ticket = check_lock<TestThenSetLock>(options(20'000));  // stops at its failure
  ASSERT_FALSE(ticket.schedule.empty());
  EXPECT_NE(one_line(replay_lock<TicketLock>(ticket.schedule)).find("not check_lock<corosim::examples::TicketLock>'s"),
            std::string::npos);
  EXPECT_NE(one_line(replay_rwlock<TestThenSetLockAsRw>(ticket.schedule)).find("not check_rwlock<"),
            std::string::npos);
  one_line(replay_lock<TicketLock>(""));
  one_line(replay_lock<TicketLock>("{\"corosim_schedule\": 1}"));
  one_line(replay_lock<TicketLock>(std::string(100, '\xff')));
}

}  // namespace
