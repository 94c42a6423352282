// Multi-thread stress tests after QEMU's tests/unit/test-aio-multithread.c (in spirit; our own code):
//
//   ScheduleAcrossFiveIOThreads  coroutines passed around 5 IOThreads with aio_co_schedule / aio_co_wake, moving
//                                themselves with aio_co_reschedule_self; each must resume exactly once, in the
//                                context it was sent to (QEMU's test_multi_co_schedule).
//   CoMutexFiveIOThreads         a CoMutex contended by coroutines in 5 IOThreads, some of which sleep or move to
//                                another IOThread while holding it (test_multi_co_mutex_1).
//   CoMutexHandOffTwoIOThreads   one coroutine in each of 2 IOThreads, short critical sections: the unlocker
//                                often finds a locker still arriving, the hand-off path (test_multi_co_mutex_2_3).
//
// The mutex tests check a counter protected by the lock against an atomic counter (no lost update) and that no
// two coroutines are inside the critical section at once. Every test stops its coroutines, waits until all of
// them have returned (none left scheduled, parked or waiting for the lock), and only then joins the IOThreads.
//
// Quick mode (default, for CI): a fraction of a second per test and backend. Long mode:
//   COROSIM_STRESS_SECONDS=60 corosim_stress_tests --gtest_filter='*fcontext*'
// runs each test for that many seconds and prints iterations per second. COROSIM_STRESS_SEED fixes the seed of
// the coroutines' random choices (the thread interleaving is not reproducible anyway).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

using Clock = std::chrono::steady_clock;

// --- configuration ---

// Seconds each test runs: $COROSIM_STRESS_SECONDS, else the test's quick-mode default.
double stress_seconds(double quick_default) {
  if (const char *s = std::getenv("COROSIM_STRESS_SECONDS")) {
    double v = std::strtod(s, nullptr);
    if (v > 0) return v;
  }
  return quick_default;
}

uint32_t stress_seed() {
  static const uint32_t seed = [] {
    if (const char *s = std::getenv("COROSIM_STRESS_SEED")) return static_cast<uint32_t>(std::strtoul(s, nullptr, 0));
    return static_cast<uint32_t>(std::random_device{}());
  }();
  return seed;
}

// How long stopping may take (all coroutines returning) before the test declares a hang. A hang aborts: the
// coroutines still refer to the test's state, so the test cannot return.
constexpr auto kStopTimeout = std::chrono::seconds(60);

// --- shared helpers ---

// Failures seen by coroutines on the IOThreads: counted, the first few printed at once, reported by the test.
class Failures {
 public:
  void add(const char *what, long long a = 0, long long b = 0) {
    if (count_.fetch_add(1) < 10) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::fprintf(stderr, "stress failure: %s (%lld, %lld)\n", what, a, b);
      if (first_.empty()) first_ = what;
    }
  }
  uint64_t count() const { return count_.load(); }
  std::string first() {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_;
  }

 private:
  std::atomic<uint64_t> count_{0};
  std::mutex mutex_;
  std::string first_;
};

// Counts the coroutines whose function has not returned yet (decremented as the function returns).
struct AliveGuard {
  std::atomic<int> &alive;
  ~AliveGuard() { alive.fetch_sub(1); }
};

struct IOThreads {
  std::vector<std::unique_ptr<IOThread>> threads;
  std::vector<AioContext *> ctx;

  explicit IOThreads(int n) {
    for (int i = 0; i < n; ++i) {
      threads.push_back(std::make_unique<IOThread>());
      ctx.push_back(threads.back()->context());
    }
  }
  int index_of(AioContext *c) const {
    for (std::size_t i = 0; i < ctx.size(); ++i)
      if (ctx[i] == c) return static_cast<int>(i);
    return -1;
  }
  void join() {
    for (auto &t : threads) t->join();
  }
};

// Waits until pred() holds; aborts with `what` after kStopTimeout. `poke` runs between checks.
template <class Pred, class Poke>
void wait_or_abort(const char *what, Pred pred, Poke poke) {
  const auto deadline = Clock::now() + kStopTimeout;
  while (!pred()) {
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "stress test hang: %s\n", what);
      std::abort();
    }
    poke();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void report(const char *test, Backend backend, double seconds, uint64_t iterations, const std::string &details) {
  std::printf("[stress] %s/%s: %.2f s, %" PRIu64 " iterations, %.0f iterations/s%s%s (seed %u)\n", test,
              backend_name(backend), seconds, iterations, seconds > 0 ? static_cast<double>(iterations) / seconds : 0.0,
              details.empty() ? "" : "; ", details.c_str(), stress_seed());
  std::fflush(stdout);
}

class AioStress : public testing::OnEachBackend {
 protected:
  // Quick-mode seconds: short, but long enough for the hand-off race to show up now and then. The thread
  // backend switches through OS threads, so it does far fewer iterations in the same time.
  double quick(double fcontext_seconds) const { return is_thread_backend() ? fcontext_seconds / 2 : fcontext_seconds; }
};

// --- 5 IOThreads passing coroutines around ---
//
// Coroutine i parks itself in slot i (a bottom half of its context publishes it once it has yielded, so that
// another thread cannot enter it early) after handing off another parked coroutine: it takes one from a random
// slot and sends it, with aio_co_schedule to a random context or with aio_co_wake to its home (the context it
// parked in). When the slot it picked is empty it moves itself to a random context with aio_co_reschedule_self
// instead of parking, so the number of coroutines not parked stays constant (half of them start parked) and the
// game never stalls. `pending` records where a coroutine was sent; it must come back exactly once, there.

struct ScheduleGame {
  static constexpr int kThreads = 5;
  static constexpr int kCoroutines = 20;

  struct Slot {
    std::atomic<Coroutine *> parked{nullptr};
    std::atomic<int> parked_ctx{-1};   // where it parked: aio_co_wake restarts it there
    std::atomic<int> pending{0};       // destination + 1 while sent and not yet resumed, else 0
    std::atomic<uint64_t> sent{0};     // times it was sent (schedule or wake)
    std::atomic<uint64_t> resumed{0};  // times it came back from parking
    Coroutine *self = nullptr;         // written by the coroutine before it first parks
  };

  IOThreads io{kThreads};
  Slot slots[kCoroutines];
  std::atomic<bool> stop{false};
  std::atomic<int> alive{0};
  std::atomic<uint64_t> handoffs{0}, by_wake{0}, moves{0}, misses{0};
  Failures failures;

  // Sends the parked coroutine of slot n (already taken out of the slot) to a context.
  void send(int n, Coroutine *co, bool wake, int dest) {
    Slot &s = slots[n];
    if (int was = s.pending.exchange(dest + 1); was != 0) failures.add("sent while already in flight", n, was - 1);
    s.sent.fetch_add(1);
    if (wake) {
      aio_co_wake(co);  // its home: where it parked
    } else {
      aio_co_schedule(io.ctx[dest], co);
    }
  }

  // coroutine_fn: parks in slot i until someone sends it; checks where it resumed.
  void park(int i) {
    Slot &me = slots[i];
    me.parked_ctx.store(io.index_of(current_context()));
    bh_schedule_oneshot(
        current_context(), [](void *slot) { static_cast<Slot *>(slot)->parked.store(static_cast<Slot *>(slot)->self); },
        &me);
    yield();
    const int here = io.index_of(current_context());
    const int was = me.pending.exchange(0);
    if (was == 0) failures.add("resumed without being sent", i, here);
    else if (was - 1 != here) failures.add("resumed in another context than it was sent to", was - 1, here);
    me.resumed.fetch_add(1);
  }

  void body(int i) {
    AliveGuard guard{alive};
    std::minstd_rand rng(stress_seed() * 131u + static_cast<unsigned>(i) + 1);
    slots[i].self = self();
    if (i % 2 == 1) park(i);
    while (!stop.load(std::memory_order_relaxed)) {
      int n = static_cast<int>(rng() % (kCoroutines - 1));
      if (n >= i) ++n;  // any slot but our own
      if (Coroutine *co = slots[n].parked.exchange(nullptr)) {
        const bool wake = rng() % 2 == 0;
        const int dest = wake ? slots[n].parked_ctx.load() : static_cast<int>(rng() % kThreads);
        send(n, co, wake, dest);
        handoffs.fetch_add(1, std::memory_order_relaxed);
        if (wake) by_wake.fetch_add(1, std::memory_order_relaxed);
        park(i);
      } else {
        misses.fetch_add(1, std::memory_order_relaxed);
        const int dest = static_cast<int>(rng() % kThreads);
        aio_co_reschedule_self(io.ctx[dest]);
        if (current_context() != io.ctx[dest])
          failures.add("aio_co_reschedule_self returned elsewhere", dest, io.index_of(current_context()));
        moves.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
};

TEST_P(AioStress, ScheduleAcrossFiveIOThreads) {
  auto game = std::make_unique<ScheduleGame>();
  ScheduleGame &g = *game;
  const double seconds = stress_seconds(quick(0.4));

  g.alive.store(ScheduleGame::kCoroutines);
  for (int i = 0; i < ScheduleGame::kCoroutines; ++i)
    aio_co_schedule(g.io.ctx[i % ScheduleGame::kThreads], coroutine_create([&g, i] { g.body(i); }));

  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  g.stop.store(true);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  // The coroutines still running see `stop` and return; the parked ones are sent home until none is left (one
  // that was in flight may park after we looked: look again).
  wait_or_abort(
      "coroutines of ScheduleAcrossFiveIOThreads did not all return", [&] { return g.alive.load() == 0; },
      [&] {
        for (int n = 0; n < ScheduleGame::kCoroutines; ++n)
          if (Coroutine *co = g.slots[n].parked.exchange(nullptr)) {
            const int dest = g.slots[n].parked_ctx.load();
            g.send(n, co, false, dest);
          }
      });
  g.io.join();

  EXPECT_EQ(g.failures.count(), 0u) << g.failures.first();
  uint64_t resumed = 0;
  for (int n = 0; n < ScheduleGame::kCoroutines; ++n) {
    EXPECT_EQ(g.slots[n].sent.load(), g.slots[n].resumed.load()) << "coroutine " << n;
    EXPECT_EQ(g.slots[n].pending.load(), 0) << "coroutine " << n;
    EXPECT_EQ(g.slots[n].parked.load(), nullptr) << "coroutine " << n;
    resumed += g.slots[n].resumed.load();
  }
  EXPECT_GT(g.handoffs.load(), 0u);
  EXPECT_GT(g.by_wake.load(), 0u);
  EXPECT_GT(g.moves.load(), 0u);
  const uint64_t iterations = g.handoffs.load() + g.moves.load();
  report("ScheduleAcrossFiveIOThreads", GetParam(), elapsed, iterations,
         "handoffs " + std::to_string(g.handoffs.load()) + " (by aio_co_wake " + std::to_string(g.by_wake.load()) +
             "), reschedule_self moves " + std::to_string(g.moves.load()) + ", resumes " + std::to_string(resumed));
}

// --- a CoMutex contended across IOThreads ---

struct MutexGame {
  IOThreads io;
  CoMutex mutex;
  uint64_t counter = 0;  // protected by `mutex`, deliberately not atomic (TSan sees a lost happens-before)
  int last_holder = -1;    // protected by `mutex`
  uint64_t transfers = 0;  // protected by `mutex`: acquisitions by another coroutine than the previous one
  std::vector<uint64_t> per_coroutine;  // protected by `mutex`
  std::atomic<uint64_t> atomic_counter{0};
  std::atomic<int> inside{0};  // coroutines between lock() and unlock(): must stay 0 or 1
  std::atomic<bool> stop{false};
  std::atomic<int> alive{0};
  std::atomic<uint64_t> sleeps{0}, migrations{0};
  Failures failures;
  const bool variety;  // sometimes sleep or move to another IOThread while holding the lock

  MutexGame(int threads, int coroutines, bool variety)
      : io(threads), per_coroutine(static_cast<std::size_t>(coroutines)), variety(variety) {}

  void body(int i) {
    AliveGuard guard{alive};
    std::minstd_rand rng(stress_seed() * 31u + static_cast<unsigned>(i) + 1);
    while (!stop.load(std::memory_order_relaxed)) {
      mutex.lock();
      if (int was = inside.fetch_add(1); was != 0) failures.add("two coroutines hold the CoMutex", was + 1, i);
      if (mutex.holder() != self()) failures.add("the CoMutex's holder is not the coroutine that locked it", i);
      const uint64_t seen = counter;
      if (last_holder != i) ++transfers;
      last_holder = i;
      ++per_coroutine[static_cast<std::size_t>(i)];
      if (variety) {
        switch (rng() % 16) {
          case 0:  // let the others queue up behind us
            sleep_ns(ClockType::realtime, 0);
            sleeps.fetch_add(1, std::memory_order_relaxed);
            break;
          case 1: {  // unlock from another thread than the one that locked
            const int dest = static_cast<int>(rng() % io.ctx.size());
            aio_co_reschedule_self(io.ctx[dest]);
            if (current_context() != io.ctx[dest]) failures.add("aio_co_reschedule_self returned elsewhere", dest);
            migrations.fetch_add(1, std::memory_order_relaxed);
            break;
          }
          default:
            break;
        }
      }
      counter = seen + 1;
      inside.fetch_sub(1);
      mutex.unlock();
      // Counted after the unlock, as in QEMU's test: the unlock may hand the lock to a waiter in another thread.
      atomic_counter.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

// Runs `per_thread` coroutines in each of `threads` IOThreads for `seconds` and checks the counters.
void run_mutex_test(const char *name, Backend backend, int threads, int per_thread, bool variety, double seconds) {
  const int coroutines = threads * per_thread;
  auto game = std::make_unique<MutexGame>(threads, coroutines, variety);
  MutexGame &g = *game;
  g.alive.store(coroutines);
  for (int i = 0; i < coroutines; ++i)
    aio_co_schedule(g.io.ctx[i % threads], coroutine_create([&g, i] { g.body(i); }));

  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  g.stop.store(true);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  // Waiters still get the lock (holders keep unlocking) and then see `stop`.
  wait_or_abort(
      "coroutines of the CoMutex test did not all return", [&] { return g.alive.load() == 0; }, [] {});
  g.io.join();

  EXPECT_EQ(g.failures.count(), 0u) << g.failures.first();
  EXPECT_EQ(g.counter, g.atomic_counter.load()) << "a lost update under the CoMutex";
  EXPECT_EQ(g.mutex.holder(), nullptr);
  EXPECT_GT(g.atomic_counter.load(), 0u);
  uint64_t least = UINT64_MAX, most = 0;
  for (uint64_t n : g.per_coroutine) {
    least = std::min(least, n);
    most = std::max(most, n);
  }
  EXPECT_GT(least, 0u) << "a coroutine never got the lock";
  std::string details = std::to_string(threads) + " IOThreads x " + std::to_string(per_thread) +
                        " coroutines, lock passed to another coroutine " + std::to_string(g.transfers) +
                        " times, per coroutine " + std::to_string(least) + ".." + std::to_string(most);
  if (variety)
    details += ", sleeps in the lock " + std::to_string(g.sleeps.load()) + ", moves in the lock " +
               std::to_string(g.migrations.load());
  report(name, backend, elapsed, g.atomic_counter.load(), details);
}

TEST_P(AioStress, CoMutexFiveIOThreads) {
  run_mutex_test("CoMutexFiveIOThreads", GetParam(), 5, 4, true, stress_seconds(quick(0.4)));
}

// QEMU runs its hand-off test longer than the others: the race it is after (an unlocker finding no waiter yet
// while a locker is arriving) is rare.
TEST_P(AioStress, CoMutexHandOffTwoIOThreads) {
  run_mutex_test("CoMutexHandOffTwoIOThreads", GetParam(), 2, 1, false, stress_seconds(quick(0.6)));
}

COROSIM_ON_EACH_BACKEND(AioStress);

}  // namespace
}  // namespace corosim
