// lock-order-deadlock (seeded bug: deadlock). Two CoMutexes taken in opposite orders from two contexts.
//
// Coroutine A in IOThread a takes m1 then m2; coroutine B in IOThread b takes m2 then m1. Each holds its first
// lock across an explicit scheduling point before asking for the second. The bad interleaving:
//
//   step  sim thread 1 (IOThread a), coroutine A    sim thread 2 (IOThread b), coroutine B
//   ----  ----------------------------------------  ----------------------------------------
//    1    m1.lock()            -> holds m1
//    2    schedule_point       <- preempted
//    3                                              m2.lock()            -> holds m2
//    4                                              schedule_point
//    5                                              m1.lock(): held by A -> queues in m1, yields
//    6    m2.lock(): held by B -> queues in m2, yields
//
//   A waits for m2, held by B; B waits for m1, held by A: a cycle. Both IOThreads and the main thread then block
//   in poll() with no timer: the executor reports a deadlock (a lock cycle, not a lost wake-up).
//
// Any schedule where one coroutine takes both locks before the other takes its first passes; so random walk
// and PCT find it when the preemption falls inside the first lock's hold, DFS with one preemption.

#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

void take_both(CoMutex &first, CoMutex &second) {
  first.lock();
  corosim::schedule_point();
  second.lock();  // BUG: the other coroutine takes them in the opposite order
  second.unlock();
  first.unlock();
}

COROSIM_SCENARIO_BUG("lock-order-deadlock", "deadlock",
                     "seeded bug: two CoMutexes taken in opposite orders by coroutines in two IOThreads") {
  MainWait wait;
  CoMutex m1, m2;
  {
    IOThread a, b;
    aio_co_schedule(a.context(), coroutine_create([&] {
                      take_both(m1, m2);
                      wait.done();
                    }));
    aio_co_schedule(b.context(), coroutine_create([&] {
                      take_both(m2, m1);
                      wait.done();
                    }));
    wait.wait_for(2);
  }
}

}  // namespace
}  // namespace corosim::scenarios::detail
