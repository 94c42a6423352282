// Data-race detection on corosim::var (sim/src/races.hpp): a race is reported, naming both accesses, when nothing
// orders two accesses, one a write; never when a Mutex, a sequentially consistent flag, or the runtime's
// aio_co_wake orders them. Each "no race" case is explored exhaustively (DFS) and its broken twin shows the check
// has teeth.

#include <gtest/gtest.h>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/explore.hpp>
#include <corosim/thread.hpp>
#include <corosim/var.hpp>

namespace corosim::sim {
namespace {

constexpr std::uint64_t kSchedules = 3000;

ExploreResult explore_all(std::function<void()> body, const char *strategy = "dfs:preemptions=2") {
  ExploreOptions options;
  options.strategy = strategy;
  options.schedules = kSchedules;
  return explore(body, options).value();
}

// DFS must have exhausted its space; a random strategy must have run every schedule asked.
void expect_no_race(const ExploreResult &r) {
  EXPECT_FALSE(r.failure) << r.failure->result.message;
  EXPECT_TRUE(r.exhausted || r.executions == kSchedules);
  EXPECT_GT(r.executions, 1u);  // it explored interleavings, not one run
}

void expect_race(const ExploreResult &r) {
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->result.status, RunStatus::data_race) << r.failure->result.message;
}

void two_increments(bool locked) {
  Mutex m;
  var<int> count{0};
  trace_name(count, "count");
  auto add = [&] {
    if (locked) m.lock();
    count.store(count.load() + 1);
    if (locked) m.unlock();
  };
  Thread a(add), b(add);
  a.join();
  b.join();
  check(count.load() == 2, "an increment was lost");
}

TEST(DataRace, AnUnprotectedCounterOnTwoThreadsIsReported) {
  const ExploreResult r = explore_all([] { two_increments(false); });
  expect_race(r);
  const std::string &message = r.failure->result.message;
  EXPECT_NE(message.find("data race on var 'count' (#"), std::string::npos) << message;  // trace_name'd
  EXPECT_NE(message.find("by sim thread 1"), std::string::npos) << message;
  EXPECT_NE(message.find("by sim thread 2"), std::string::npos) << message;
  EXPECT_NE(message.find("race_test.cpp:"), std::string::npos) << message;
  EXPECT_EQ(r.executions, 1u) << "the race needs no particular order: the first run has it";
}

TEST(DataRace, ACounterUnderAMutexIsNot) { expect_no_race(explore_all([] { two_increments(true); })); }

// The writer fills the payload, then raises a flag; the reader reads the payload only if it sees the flag raised.
void publish(bool wait_for_flag) {
  var<int> payload{0};
  corosim::atomic<bool> ready{false};
  Thread writer([&] {
    payload = 42;
    ready.store(true);
  });
  Thread reader([&] {
    if (!wait_for_flag || ready.load()) (void)payload.load();
  });
  writer.join();
  reader.join();
}

TEST(DataRace, APayloadPublishedThroughAnAtomicFlagIsNot) { expect_no_race(explore_all([] { publish(true); })); }
TEST(DataRace, APayloadReadWithoutTheFlagIs) { expect_race(explore_all([] { publish(false); })); }

// Coroutine X in IOThread a starts Y in IOThread b and yields; Y writes the data and wakes X (aio_co_wake), which
// reads it in a. The runtime's scheduling (its atomics and notifier) orders the write before the read. Broken:
// Y wakes X first and writes after.
void hand_over(bool write_first) {
  AioContext *home = AioContext::create();
  corosim::atomic<int> done{0};
  var<int> data{0};
  {
    IOThread a, b;
    AioContext *other = b.context();
    Coroutine *x = coroutine_create([&] {
      Coroutine *me = self();
      aio_co_schedule(other, coroutine_create([&, me] {
                        if (write_first) data = 42;
                        aio_co_wake(me);
                        if (!write_first) data = 42;
                        done.fetch_add(1);
                        home->notify();
                      }));
      yield();
      (void)data.load();
      done.fetch_add(1);
      home->notify();
    });
    aio_co_schedule(a.context(), x);
    while (done.load() < 2) home->poll(true);
  }
  home->unref();
}

TEST(DataRace, CoroutinesHandingDataOverThroughAioCoWakeDoNot) {
  expect_no_race(explore_all([] { hand_over(true); }, "dfs:preemptions=1"));
}
TEST(DataRace, WritingAfterTheWakeUpIsARace) { expect_race(explore_all([] { hand_over(false); }, "pct")); }

// A join orders the joined thread's writes before what the joiner does next; without it they race.
void write_then_read_in_main(bool join_first) {
  var<int> x{0};
  Thread t([&] {
    corosim::schedule_point();
    x = 1;
  });
  corosim::schedule_point();  // (so that the two threads interleave in more than one way)
  if (join_first) t.join();
  (void)x.load();
  if (!join_first) t.join();
}

TEST(DataRace, AJoinOrdersTheThreadsWritesBeforeTheJoiner) {
  expect_no_race(explore_all([] { write_then_read_in_main(true); }));
}
TEST(DataRace, ReadingBeforeTheJoinIsARace) { expect_race(explore_all([] { write_then_read_in_main(false); })); }

// A condition variable orders nothing itself; the mutex around the wait and the flag does.
TEST(DataRace, AFlagUnderAMutexWithACondVarIsNot) {
  expect_no_race(explore_all([] {
    Mutex m;
    CondVar cv;
    bool ready = false;  // guarded by m
    var<int> x{0};
    Thread waiter([&] {
      m.lock();
      while (!ready) cv.wait(m);
      m.unlock();
      (void)x.load();
    });
    Thread notifier([&] {
      x = 1;
      m.lock();
      ready = true;
      m.unlock();
      cv.notify_one();
    });
    waiter.join();
    notifier.join();
  }));
}

// The first execution of dfs:preemptions=0 runs thread 1 to its end, then thread 2: the orders below are fixed.
RunResult first_nonpreemptive_run(std::function<void()> body) {
  auto strategy = make_strategy("dfs:preemptions=0").value();
  return run_once(body, *strategy, 1);
}

// Thread 1 writes x, then fails a compare-exchange on f; thread 2 reads f (still 0) and then x. A failed
// compare-exchange is a load: it publishes nothing, so the read of x is not ordered after the write.
TEST(DataRace, AFailedCompareExchangeReleasesNothing) {
  const RunResult r = first_nonpreemptive_run([] {
    var<int> x{0};
    corosim::atomic<int> f{0};
    Thread t1([&] {
      x = 1;
      int expected = 1;
      (void)f.compare_exchange_strong(expected, 2);
    });
    Thread t2([&] {
      if (f.load() == 0) (void)x.load();
    });
    t1.join();
    t2.join();
  });
  EXPECT_EQ(r.status, RunStatus::data_race) << r.message;
  EXPECT_NE(r.message.find("a write by sim thread 1"), std::string::npos) << r.message;
}

// Thread 1 writes x, locks and unlocks m, and ends holding m; thread 2's try_lock then fails and it reads x. Only a
// try_lock that succeeds synchronises.
TEST(DataRace, AFailedTryLockAcquiresNothing) {
  const RunResult r = first_nonpreemptive_run([] {
    var<int> x{0};
    Mutex m;
    Thread t1([&] {
      x = 1;
      m.lock();
      m.unlock();
      m.lock();  // (held when the thread ends)
    });
    Thread t2([&] {
      if (!m.try_lock()) (void)x.load();
    });
    t1.join();
    t2.join();
  });
  EXPECT_EQ(r.status, RunStatus::data_race) << r.message;
  EXPECT_NE(r.message.find("a write by sim thread 1"), std::string::npos) << r.message;
}

// var_steps makes each access a scheduling point: more steps per run than the same program without it.
TEST(DataRace, VarStepsAddSchedulingPoints) {
  auto steps = [](bool with_steps) {
    auto strategy = make_strategy("random").value();
    return run_once(
               [with_steps] {
                 var<int> x = with_steps ? var<int>{0, var_steps} : var<int>{0};
                 Thread t([&] { x = x + 1; });
                 t.join();
               },
               *strategy, 1)
        .steps;
  };
  EXPECT_EQ(steps(true), steps(false) + 2);  // one read and one write
}

}  // namespace
}  // namespace corosim::sim
