// lost-wakeup-handoff (seeded bug: lost_wakeup). A hand-off lock WITHOUT CoMutex's responsibility hand-off
// (corosim::examples::NoTokenHandoffLock, examples/locks).
//
// The lock is built only from corosim::atomic, yield(), self() and aio_co_wake(), like CoMutex
// (runtime/src/co_mutex.cpp): `lockers` counts the holder plus every coroutine that entered lock() and was not
// yet given the lock; a locker that finds it non-zero publishes a record on a lock-free stack and yields; the
// unlocker decrements `lockers` and, if it counted others, pops a record and wakes that waiter, which then owns
// the lock (hand-off, the lock is never free in between). What is missing is the token CoMutex leaves when the
// counted locker has not published its record yet: this unlocker finds the stack empty and simply gives up.
//
// Two coroutines, A in IOThread a and B in IOThread b, each take the lock once. The bad interleaving needs B to
// count itself while A holds the lock, and A's whole unlock to fall between B's count and B's publish:
//
//   step  sim thread 1 (IOThread a), coroutine A    sim thread 2 (IOThread b), coroutine B     lockers  stack
//   ----  ----------------------------------------  -----------------------------------------  -------  -----
//    1    lock: lockers.fetch_add -> 0: A holds                                                1        -
//    2    (critical section: schedule_point)
//    3                                              lock: lockers.fetch_add -> 1: must wait   2        -
//    4                                              record.next = stack.load()   <- preempted
//    5    unlock: lockers.fetch_sub -> 2: a waiter                                             1        -
//    6    pop: stack.load() -> empty: GIVES UP  (the waiter counted itself, has not published)
//    7    A done                                    stack.compare_exchange(record): published  1        B
//    8                                              yield()  ... forever: the only one who could wake B was A
//
// Afterwards nothing can run: both IOThreads and the main thread block in poll() with no timer, and B waits for
// a wake-up that nobody will send (it is counted as the lock's next owner, so no later locker would wake it
// either). The executor reports a lost wake-up. Any schedule where B counts itself after A's unlock, or
// publishes before A's pop, passes: random walk and PCT find the bug only when the preemption lands in the
// window of steps 4-6. DFS needs two preemptions, one to let B count itself while A holds the lock and one to
// stop B between its count and its publish: dfs:preemptions=1 exhausts its 491 schedules without the bug, and the
// default bound of 2 finds it at execution 3407.
//
// The fix is CoMutex's: before leaving, the unlocker stores a token and re-checks the stack; the late locker
// takes the token after publishing and wakes the first waiter itself.

#include <corosim/coroutine.hpp>
#include <corosim/examples/locks.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

COROSIM_SCENARIO_BUG("lost-wakeup-handoff", "lost_wakeup",
                     "seeded bug: a hand-off lock whose unlocker gives up when the counted waiter has not published") {
  MainWait wait;
  examples::NoTokenHandoffLock lock;
  int count = 0;  // protected by `lock`
  {
    IOThread a, b;
    for (IOThread *t : {&a, &b}) {
      aio_co_schedule(t->context(), coroutine_create([&] {
                        lock.lock();
                        int seen = count;
                        corosim::schedule_point();
                        count = seen + 1;
                        lock.unlock();
                        wait.done();
                      }));
    }
    wait.wait_for(2);
  }
  check_equal("lost-wakeup-handoff: final count", 2, count);
}

}  // namespace
}  // namespace corosim::scenarios::detail
