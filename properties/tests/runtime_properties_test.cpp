// RapidCheck property suites of the runtime's primitives, run INSIDE the simulator: RapidCheck generates the
// program (how many coroutines, contexts, rounds, which operations) and the schedule (a tape of preemptions,
// corosim/rapidcheck.hpp), and shrinks both. Each property runs 1000 cases (concurrency bugs need more than
// RapidCheck's default 100: a case is one short simulated execution) and says how many passed. The broken
// variants kept here (the classic locks, a LIFO CoQueue, CoMutex without its hand-off token, locks taken out of
// order) must fail, and the test prints the shrunk counterexample's size.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <corosim/aio.hpp>
#include <corosim/classic_co_mutex.hpp>
#include <corosim/classic_co_rwlock.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/examples/locks.hpp>
#include <corosim/iothread.hpp>
#include <corosim/rapidcheck.hpp>

#include "../src/harness.hpp"

namespace {

using namespace corosim;

// --- running properties ---

// Runs a property to the end and prints the cases that passed. RapidCheck's configuration (RC_PARAMS) applies,
// except that without one the seed is fixed, so that the suite does the same every time; `cases` raises the
// number of cases (for a broken variant whose bug takes more tries to find). Properties are passed as
// std::function: RapidCheck's machinery is then compiled once, not once per property.
using Property = std::function<void()>;

// A sanitizer build runs each case several times slower: there the properties that hold run a fifth of the cases.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kCases = 200;
#else
constexpr int kCases = 1000;
#endif

rc::detail::TestResult run_property(const char *name, const Property &property, int cases = kCases) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (!std::getenv("RC_PARAMS")) params.seed = 7;
  params.maxSuccess = std::max(params.maxSuccess, cases);
  rc::detail::TestResult result = rc::detail::checkTestable(property, rc::detail::TestMetadata{name, name}, params);
  if (result.template is<rc::detail::SuccessResult>())
    std::printf("[ info ] property %s: %d cases passed\n", name,
                result.template get<rc::detail::SuccessResult>().numSuccess);
  return result;
}

void expect_holds(const char *name, const Property &property) {
  rc::detail::TestResult result = run_property(name, property);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream text;
    rc::detail::printResultMessage(result, text);
    ADD_FAILURE() << name << ":\n" << text.str();
  }
}

// A broken variant: the property must fail with a message containing `expected`; prints the shrunk counterexample.
void expect_fails(const char *name, const Property &property, const std::string &expected, int cases = 1000) {
  rc::detail::TestResult result = run_property(name, property, cases);
  ASSERT_TRUE(result.template is<rc::detail::FailureResult>()) << name << " was not caught";
  const auto &failure = result.template get<rc::detail::FailureResult>();
  const SimulatedFailure &shrunk = last_simulated_failure();
  EXPECT_NE(shrunk.result.message.find(expected), std::string::npos) << name << ": " << shrunk.result.message;
  std::printf("[ info ] broken %s: caught after %d passing cases; shrunk counterexample: a tape of %zu entries, %zu "
              "decisions, %llu steps, %zu shrink steps\n",
              name, failure.numSuccess, shrunk.tape_entries, shrunk.result.decisions.size(),
              static_cast<unsigned long long>(shrunk.result.steps), failure.reproduce.shrinkPath.size());
}

// --- locks: mutual exclusion, FIFO hand-off once queued, no reader/writer overlap, no writer starvation ---

// The check harness (corosim/check.hpp) with a generated shape; `fifo`: no overtaking once a waiter is in line
// (a FIFO lock hands over in arrival order once queued; an rwlock lets no reader in ahead of a queued writer).
template <class Lock, bool RW>
auto lock_property(const char *name, bool fifo = true) {
  return [name, fifo] {
    check_detail::HarnessParams params;
    params.contexts = *rc::gen::inRange(1u, 4u);
    params.coroutines = *rc::gen::inRange(2u, 5u);
    params.iterations = *rc::gen::inRange(1u, 4u);
    if (fifo) params.max_bypass = 0;
    const check_detail::LockType lock = check_detail::lock_type<Lock, RW>();
    rc_simulate(name, [&] { check_detail::run_harness(lock, params); });
  };
}

TEST(LockProperties, CoMutexExcludesAndHandsOverInOrder) {
  expect_holds("CoMutex", lock_property<CoMutex, false>("CoMutex"));
}
TEST(LockProperties, CoRwlockExcludesAndStarvesNoWriter) {
  expect_holds("CoRwlock", lock_property<CoRwlock, true>("CoRwlock"));
}
TEST(LockProperties, BrokenLocksAreCaught) {
  expect_fails("ClassicCoMutex", lock_property<ClassicCoMutex, false>("ClassicCoMutex"), "starvation: ");
  expect_fails("ClassicCoRwlock", lock_property<ClassicCoRwlock, true>("ClassicCoRwlock"), "starvation: ", 2000);
  // Its waiters wait on a stack (LIFO), so the order is not checked: the lost wake-up is what must show.
  expect_fails("CoMutex without its hand-off token",
               lock_property<examples::NoTokenHandoffLock, false>("NoTokenHandoffLock", false), "lost wake-up", 2000);
}

// --- CoRwlock upgrade and downgrade ---

// Contenders that read, write, or read-upgrade-downgrade, each round checking who is inside: an upgraded reader is
// alone; a downgraded writer shares only with readers.
void rwlock_upgrade_program(const std::vector<int> &roles) {  // 0 read, 1 write, 2 read-upgrade-downgrade
  CoRwlock lock;
  int readers = 0, writers = 0;
  corosim::atomic<int> done{0};
  auto as_reader = [&](int delta) { readers += delta; sim::check(writers == 0, "a reader beside a writer"); };
  auto as_writer = [&](int delta) {
    writers += delta;
    sim::check(writers <= 1 && (writers == 0 || readers == 0), "a writer beside another holder");
  };
  auto hold = [](auto &&as) {  // inside for one scheduling point, checked on the way in and out
    as(+1);
    corosim::schedule_point();
    as(-1);
  };
  {
    IOThread a, b;
    for (std::size_t i = 0; i < roles.size(); ++i) {
      aio_co_schedule((i % 2 ? a : b).context(), coroutine_create([&, role = roles[i]] {
                        if (role == 1) {
                          lock.wrlock();
                          hold(as_writer);
                        } else {
                          lock.rdlock();
                          hold(as_reader);
                          if (role == 2) {
                            lock.upgrade();
                            hold(as_writer);
                            lock.downgrade();
                            hold(as_reader);
                          }
                        }
                        lock.unlock();
                        done.fetch_add(1);
                      }));
    }
    while (done.load() < static_cast<int>(roles.size())) corosim::schedule_point();
  }
}

TEST(LockProperties, CoRwlockUpgradeAndDowngrade) {
  expect_holds("CoRwlock upgrade/downgrade", [] {
    const auto roles = *rc::gen::container<std::vector<int>>(*rc::gen::inRange(1, 5), rc::gen::inRange(0, 3));
    rc_simulate("CoRwlockUpgrade", [&] { rwlock_upgrade_program(roles); });
  });
}

// --- CoQueue: a model-based test of the wake-up order ---

// BROKEN on purpose: wakes the most recent waiter first.
class LifoCoQueue {
 public:
  void wait() {
    waiters_.push_back(self());
    yield();
  }
  bool enter_next() {
    if (waiters_.empty()) return false;
    Coroutine *co = waiters_.back();
    waiters_.pop_back();
    coroutine_enter(co);
    return true;
  }
  void enter_all() {
    while (enter_next()) {
    }
  }

 private:
  std::vector<Coroutine *> waiters_;
};

struct QueueModel {
  std::deque<int> waiting;  // in queue order
  std::vector<int> woken;   // in wake-up order
  int next_id = 0;
};

template <class Queue>
struct QueueSut {
  Queue queue;
  std::vector<int> woken;  // appended by each waiter when it runs again
};

template <class Queue>
struct Wait : rc::state::Command<QueueModel, QueueSut<Queue>> {
  void apply(QueueModel &m) const override { m.waiting.push_back(m.next_id++); }
  void run(const QueueModel &m, QueueSut<Queue> &sut) const override {
    coroutine_enter(coroutine_create([&sut, id = m.next_id] {
      sut.queue.wait();
      sut.woken.push_back(id);
    }));
  }
  void show(std::ostream &os) const override { os << "wait"; }
};

template <class Queue>
struct Next : rc::state::Command<QueueModel, QueueSut<Queue>> {
  void apply(QueueModel &m) const override {
    if (m.waiting.empty()) return;
    m.woken.push_back(m.waiting.front());
    m.waiting.pop_front();
  }
  void run(const QueueModel &m, QueueSut<Queue> &sut) const override {
    sim::check(sut.queue.enter_next() == !m.waiting.empty(), "next: whether a waiter was woken");
    sim::check(sut.woken == this->nextState(m).woken, "next: the wake-up order differs from the queue order");
  }
  void show(std::ostream &os) const override { os << "next"; }
};

template <class Queue>
struct RestartAll : rc::state::Command<QueueModel, QueueSut<Queue>> {
  void apply(QueueModel &m) const override {
    m.woken.insert(m.woken.end(), m.waiting.begin(), m.waiting.end());
    m.waiting.clear();
  }
  void run(const QueueModel &m, QueueSut<Queue> &sut) const override {
    sut.queue.enter_all();
    sim::check(sut.woken == this->nextState(m).woken, "restart_all: the wake-up order differs from the queue order");
  }
  void show(std::ostream &os) const override { os << "restart_all"; }
};

// One thread, so the schedule has no choices here: the property is the order; concurrency is in the others.
template <class Queue>
auto queue_property(const char *name) {
  return [name] {
    const auto commands = *rc::state::gen::commands(
        QueueModel{}, rc::state::gen::execOneOfWithArgs<Wait<Queue>, Next<Queue>, RestartAll<Queue>>());
    rc_simulate(name, [&] {
      QueueSut<Queue> sut;
      rc::state::runAll(commands, QueueModel{}, sut);
      sut.queue.enter_all();  // let the last waiters finish
    });
  };
}

TEST(QueueProperties, CoQueueWakesInQueueOrder) { expect_holds("CoQueue", queue_property<CoQueue>("CoQueue")); }
TEST(QueueProperties, ALifoQueueIsCaught) {
  expect_fails("LIFO CoQueue", queue_property<LifoCoQueue>("LifoCoQueue"), "differs from the queue order");
}

// --- the wake-up order: depth first ---

// A tree of wake-ups: coroutine i > 0 waits (yields) until its parent, parent[i] < i, wakes it; when it runs it
// wakes its children in index order. Woken coroutines of the same context run when the waker yields or ends,
// depth first, so the order in which they run is the tree's preorder (A wakes B then C; B wakes D: A, B, D, C).
void wake_tree_program(const std::vector<unsigned> &parent) {
  const std::size_t n = parent.size() + 1;
  std::vector<std::vector<std::size_t>> children(n);
  for (std::size_t i = 1; i < n; ++i) children[parent[i - 1] % i].push_back(i);
  std::vector<std::size_t> order, expected;
  std::vector<Coroutine *> cos(n);
  for (std::size_t i = 0; i < n; ++i)
    cos[i] = coroutine_create([&, i] {
      if (i > 0) yield();  // until the parent wakes it
      order.push_back(i);
      for (std::size_t child : children[i]) aio_co_wake(cos[child]);
    });
  for (std::size_t i = 1; i < n; ++i) coroutine_enter(cos[i]);
  coroutine_enter(cos[0]);
  std::vector<std::size_t> stack{0};
  while (!stack.empty()) {  // the preorder
    const std::size_t node = stack.back();
    stack.pop_back();
    expected.push_back(node);
    stack.insert(stack.end(), children[node].rbegin(), children[node].rend());
  }
  sim::check(order == expected, "the wake-up order is not depth first");
}

TEST(QueueProperties, WokenCoroutinesRunDepthFirst) {
  expect_holds("depth-first wake-up order", [] {
    const auto parent = *rc::gen::container<std::vector<unsigned>>(rc::gen::inRange(0u, 1000u));
    rc_simulate("WakeOrder", [&] { wake_tree_program(parent); });
  });
}

// --- aio_co_schedule / aio_co_wake: exactly-once delivery across contexts ---

// Coroutines scheduled into generated contexts; some of them yield and are woken from the main thread. Every one
// must start once and finish once: nothing lost, nothing doubled.
void delivery_program(unsigned contexts, const std::vector<std::pair<unsigned, bool>> &coroutines) {
  const std::size_t n = coroutines.size();
  std::vector<int> started(n, 0), finished(n, 0);
  std::vector<Coroutine *> cos(n, nullptr);
  std::vector<corosim::atomic<bool>> parked(n);
  corosim::atomic<int> done{0};
  {
    std::vector<std::unique_ptr<IOThread>> threads;
    for (unsigned i = 0; i < contexts; ++i) threads.push_back(std::make_unique<IOThread>());
    for (std::size_t i = 0; i < n; ++i) {
      cos[i] = coroutine_create([&, i] {
        ++started[i];
        if (coroutines[i].second) {
          parked[i].store(true);
          yield();  // until the main thread's aio_co_wake
        }
        ++finished[i];
        done.fetch_add(1);
      });
      aio_co_schedule(threads[coroutines[i].first % contexts]->context(), cos[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!coroutines[i].second) continue;
      while (!parked[i].load()) corosim::schedule_point();
      aio_co_wake(cos[i]);
    }
    while (done.load() < static_cast<int>(n)) corosim::schedule_point();
  }
  for (std::size_t i = 0; i < n; ++i)
    sim::check(started[i] == 1 && finished[i] == 1, "a coroutine was not run exactly once");
}

TEST(EventLoopProperties, ScheduleAndWakeDeliverExactlyOnce) {
  expect_holds("aio_co_schedule/aio_co_wake exactly once", [] {
    const unsigned contexts = *rc::gen::inRange(1u, 4u);
    const auto coroutines = *rc::gen::container<std::vector<std::pair<unsigned, bool>>>(
        *rc::gen::inRange(1, 7), rc::gen::pair(rc::gen::inRange(0u, 4u), rc::gen::arbitrary<bool>()));
    rc_simulate("Delivery", [&] { delivery_program(contexts, coroutines); });
  });
}

// --- sleep: never wakes before its virtual deadline ---

TEST(EventLoopProperties, SleepWakesAtOrAfterItsDeadline) {
  expect_holds("sleep_ns deadline", [] {
    const auto sleeps = *rc::gen::container<std::vector<int64_t>>(*rc::gen::inRange(1, 6),
                                                                  rc::gen::inRange<int64_t>(0, 5'000'000));
    rc_simulate("Sleep", [&] {
      corosim::atomic<int> done{0};
      {
        IOThread a, b;
        for (std::size_t i = 0; i < sleeps.size(); ++i)
          aio_co_schedule((i % 2 ? a : b).context(), coroutine_create([&, ns = sleeps[i]] {
                            const int64_t start = clock_ns(ClockType::virtual_);
                            sleep_ns(ClockType::virtual_, ns);
                            sim::check(clock_ns(ClockType::virtual_) >= start + ns, "woke before its deadline");
                            done.fetch_add(1);
                          }));
        while (done.load() < static_cast<int>(sleeps.size())) corosim::schedule_point();
      }
    });
  });
}

// --- deadlock freedom of lock-ordered programs ---

// Each coroutine takes a generated set of CoMutexes nested, in ascending order when `ordered` (never a deadlock)
// or in the generated order (a deadlock as soon as two coroutines take two of them in opposite orders).
auto lock_order_property(bool ordered) {
  return [ordered] {
    const unsigned locks = *rc::gen::inRange(2u, 5u);
    auto sets = *rc::gen::container<std::vector<std::vector<unsigned>>>(
        *rc::gen::inRange(2, 5), rc::gen::container<std::vector<unsigned>>(rc::gen::inRange(0u, locks)));
    for (auto &set : sets) {
      std::vector<unsigned> once;  // each lock once, in the generated order
      for (unsigned m : set)
        if (std::find(once.begin(), once.end(), m) == once.end()) once.push_back(m);
      if (ordered) std::sort(once.begin(), once.end());
      set = once;
    }
    rc_simulate(ordered ? "LockOrder" : "LockDisorder", [&] {
      // The main thread waits in a blocking poll, not in a loop: a deadlock then leaves nothing to run, and the
      // simulator names the cycle.
      AioContext *home = AioContext::create();
      std::vector<CoMutex> mutexes(locks);
      corosim::atomic<int> done{0};
      {
        IOThread a, b;
        for (std::size_t i = 0; i < sets.size(); ++i)
          aio_co_schedule((i % 2 ? a : b).context(), coroutine_create([&, set = sets[i]] {
                            for (unsigned m : set) {
                              mutexes[m].lock();
                              corosim::schedule_point();
                            }
                            for (auto m = set.rbegin(); m != set.rend(); ++m) mutexes[*m].unlock();
                            done.fetch_add(1);
                            home->notify();
                          }));
        while (done.load() < static_cast<int>(sets.size())) home->poll(true);
      }
      home->unref();
    });
  };
}

TEST(DeadlockProperties, LockOrderedProgramsNeverDeadlock) {
  expect_holds("lock-ordered programs", lock_order_property(true));
}
TEST(DeadlockProperties, LocksTakenOutOfOrderAreCaught) {
  expect_fails("locks out of order", lock_order_property(false), "deadlock");
}

// --- the bridge as a user writes it ---

// n coroutines on two IOThreads increment a counter under a lock; the count must come out right.
template <class Lock>
void counted_increments(int n) {
  int count = 0;
  Lock lock;
  corosim::atomic<int> done{0};
  {
    IOThread a, b;
    for (int i = 0; i < n; ++i)
      aio_co_schedule((i % 2 ? a : b).context(), coroutine_create([&] {
                        lock.lock();
                        const int seen = count;
                        corosim::schedule_point();
                        count = seen + 1;
                        lock.unlock();
                        done.fetch_add(1);
                      }));
    while (done.load() < n) corosim::schedule_point();
  }
  sim::check(count == n, "lost an increment");
}

RC_GTEST_PROP(RapidCheckBridge, AUserPropertyOverACorrectLock, ()) {
  const int n = *rc::gen::inRange(2, 6);
  rc_simulate("RapidCheckBridge.AUserPropertyOverACorrectLock", [&] { counted_increments<examples::TicketLock>(n); });
}

// What a user sees when such a property fails: the run's message, the shrunk schedule's size, where its schedule
// was saved and how to replay it, and the pointer to RapidCheck's reproduce line.
TEST(RapidCheckBridge, AFailingUserPropertyReportsHowToReproduce) {
  rc::detail::TestResult result = run_property(
      "test-then-set increments",
      [] {
        const int n = *rc::gen::inRange(2, 6);
        rc_simulate("TestThenSetIncrements", [&] { counted_increments<examples::TestThenSetLock>(n); });
      },
      10000);
  ASSERT_TRUE(result.template is<rc::detail::FailureResult>());
  const std::string text = result.template get<rc::detail::FailureResult>().description;
  for (const char *part : {"corosim: the simulated execution failed (assertion): lost an increment",
                           "-entry tape, ", "saved to corosim-TestThenSetIncrements-",
                           "replay: sim::replay(body, sim::load_schedule(", "RC_PARAMS=\"reproduce=...\""})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
}

}  // namespace
