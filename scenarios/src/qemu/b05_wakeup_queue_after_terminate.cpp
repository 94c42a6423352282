// qemu-b05-wakeup-queue-after-terminate (seeded bug: assertion). A terminated coroutine's wake-up queue is run
// after its object went back to the pool, where another thread already reuses it.
//
// In QEMU the wake-up queue (co_queue_wakeup: the coroutines a coroutine woke, to be entered once it yields or
// terminates) is a field of the Coroutine object, and the code that enters a coroutine runs that queue when it
// comes back. If the object is released first (into a coroutine pool shared by threads, or freed) and the queue
// is walked afterwards, the walk reads an object that may already belong to a new coroutine on another thread:
// its own wake-ups are lost, or someone else's are run twice. The runtime does it in the safe order (enter_loop in
// runtime/src/wakeup.cpp takes the queue over before release()), so this scenario models the protocol itself: a
// pool of coroutine objects shared by two threads, each running one short coroutine that wakes one waiter.
//
//   step  sim thread 1: runs coroutine A              sim thread 2: runs coroutine B        object X's queue
//   ----  ------------------------------------------  ------------------------------------  ----------------
//    1    take X from the pool (empty: a fresh one)
//    2    A wakes waiter 0: X.queue = [0]; A ends                                            [0]
//    3    release X into the pool      <- preempted
//    4                                                take X from the pool (A's, reused)
//    5                                                X.queue = []; B wakes waiter 1         [1]
//    6    run X's wake-up queue: wakes waiter 1 (B's!), waiter 0 is never woken
//    7                                                run X's queue: wakes waiter 1 again
//   Final check: waiter 0 woken 0 times, waiter 1 twice -> assertion. (Had B taken its object before step 3, it
//   gets a fresh one and both queues stay apart.)
//
// The fix: run (take over) the wake-up queue before the object is released, as QEMU's enter loop does now.

#include <array>
#include <vector>

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

// The model's coroutine object: all that matters here is its wake-up queue (the waiters it woke).
struct CoObject {
  int queue[2] = {};
  int queued = 0;
};

// Released objects, shared by the threads; a fresh object when it is empty.
class Pool {
 public:
  CoObject *take() {
    m_.lock();
    CoObject *co = free_.empty() ? &objects_[fresh_++] : free_.back();
    if (!free_.empty()) free_.pop_back();
    m_.unlock();
    co->queued = 0;  // a new coroutine starts with an empty queue
    return co;
  }
  void give(CoObject *co) {
    m_.lock();
    free_.push_back(co);
    m_.unlock();
  }

 private:
  corosim::Mutex m_;
  std::vector<CoObject *> free_;
  std::array<CoObject, 2> objects_;
  int fresh_ = 0;
};

// One coroutine's life on a thread: taken from the pool, wakes `waiter`, terminates; the enterer then runs its
// wake-up queue and releases the object, in the order `buggy` says.
void run_one(Pool &pool, int waiter, std::array<corosim::atomic<int>, 2> &woken, bool buggy) {
  CoObject *co = pool.take();
  co->queue[co->queued++] = waiter;  // the coroutine's body: wake `waiter` (deferred to the queue)
  corosim::schedule_point();         // ... it terminates, back in the enterer
  auto run_queue = [&] {
    for (int i = 0; i < co->queued; ++i) woken[co->queue[i]].fetch_add(1);
  };
  if (buggy) {
    pool.give(co);  // BUG: released while its wake-up queue is still to be run
    corosim::schedule_point();
    run_queue();
  } else {
    run_queue();
    pool.give(co);
  }
}

void two_threads_share_a_pool(bool buggy) {
  Pool pool;
  std::array<corosim::atomic<int>, 2> woken{};
  corosim::Thread a([&] { run_one(pool, 0, woken, buggy); });
  corosim::Thread b([&] { run_one(pool, 1, woken, buggy); });
  a.join();
  b.join();
  check_equal("qemu-b05: wake-ups of waiter 0", 1, woken[0].load());
  check_equal("qemu-b05: wake-ups of waiter 1", 1, woken[1].load());
}

COROSIM_SCENARIO_BUG("qemu-b05-wakeup-queue-after-terminate", "assertion",
                     "seeded bug: a terminated coroutine's wake-up queue is run after its object was reused") {
  two_threads_share_a_pool(true);
}

COROSIM_SCENARIO("qemu-b05-wakeup-queue-after-terminate-fixed",
                 "the same pool, with the wake-up queue run before the object is released") {
  two_threads_share_a_pool(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
