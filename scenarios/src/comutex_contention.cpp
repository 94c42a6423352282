// comutex-contention (expected: pass). CoMutex across two event-loop threads.
//
// Four coroutines, two in each of two IOThreads, each make ONE increment of a shared counter under a CoMutex:
// lock, read the counter, an explicit scheduling point (where another thread may run), write the read value + 1,
// unlock. Without mutual exclusion two increments overlap and one is lost; with it the count ends at 4.
// The main sim thread starts both IOThreads, schedules the coroutines into them, and waits on a context of its
// own until all four reported done; leaving the scope joins the IOThreads.
//
//   sim thread 0 (main)       sim thread 1 (IOThread a)        sim thread 2 (IOThread b)
//   -------------------       -------------------------        -------------------------
//   start a, b
//   aio_co_schedule a1, a2 -> bh: enter a1
//   aio_co_schedule b1, b2 -> |  lock (fetch_add 0->1)      -> bh: enter b1
//   poll(home) ...            |  seen = count               |  lock (fetch_add 1->2): slow path,
//                             |  schedule_point  ...........|  publish record, yield   (b1 waits)
//                             |  count = seen + 1           |
//                             |  unlock (2->1): pop b1,     |
//                             |  aio_co_wake(b1) ---------> bh: enter b1 (it holds the lock now)
//                             |  done -> notify home        |  seen = count ... unlock, done
//                             enter a2 ...                  enter b2 ...
//   (count == 4) join a, b
//
// What it exercises: CoMutex's hand-off across contexts, including the race its header names (an unlocker that
// counts a locker which has not yet published its record: the hand-off token, runtime/src/co_mutex.cpp), which
// DFS with two preemptions reaches. The property: the final count is 4 in every schedule.

#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

constexpr int kContexts = 2;
constexpr int kCoroutinesPerContext = 2;

COROSIM_SCENARIO("comutex-contention",
                 "2 IOThreads x 2 coroutines, one CoMutex-protected increment each; the count must end at 4") {
  MainWait wait;
  CoMutex mutex;
  int count = 0;  // protected by `mutex` (sim threads are fibers on one OS thread: the plain int is safe to race)
  {
    IOThread threads[kContexts];
    for (IOThread &t : threads) {
      for (int i = 0; i < kCoroutinesPerContext; ++i) {
        aio_co_schedule(t.context(), coroutine_create([&] {
                          mutex.lock();
                          int seen = count;
                          corosim::schedule_point();
                          count = seen + 1;
                          mutex.unlock();
                          wait.done();
                        }));
      }
    }
    wait.wait_for(kContexts * kCoroutinesPerContext);
  }  // joins the IOThreads
  check_equal("comutex-contention: final count", kContexts * kCoroutinesPerContext, count);
}

}  // namespace
}  // namespace corosim::scenarios::detail
