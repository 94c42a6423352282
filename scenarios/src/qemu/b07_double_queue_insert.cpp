// qemu-b07-double-queue-insert (seeded bug: misuse). A coroutine that waits in a CoQueue is woken a second way,
// directly: it would sit in two queues at once.
//
// The QEMU pattern: a request coroutine waits in a CoQueue for a resource; a cancellation (a timeout, a device
// reset) also wants it to run and calls aio_co_wake() on it directly. Queues in QEMU are intrusive lists threaded
// through a field of the Coroutine (co_queue_next), so a coroutine can be in only one at a time; the direct
// wake-up links it into the canceller's wake-up queue while it is still linked in the CoQueue, and the two lists
// now share a node: the coroutine is entered twice, or one list loses its tail. (The same happens when two wakers
// both pop or wake one coroutine.) corosim refuses the second insertion as misuse ("is already in a CoQueue; it
// cannot be put in a wake-up queue too").
//
// Waiter W and canceller K are coroutines of IOThread a; completer C runs in IOThread b. All three share a
// CoMutex m, which protects `ready`, `cancelled` and the CoQueue q:
//
//   step  sim thread 1 (IOThread a): W, K                        sim thread 2 (IOThread b): C
//   ----  -----------------------------------------------------  -----------------------------------------
//    1    W: m.lock; !ready, !cancelled: q.wait(m): W in q,
//         m unlocked, W yields
//    2    K: m.lock; !ready: cancelled = true;
//         aio_co_wake(W): W is ours, K is a coroutine ->
//         put W on K's wake-up queue: W is in q -> MISUSE
//   (had C come first: C takes m, ready = true, q.next() moves W out of q and schedules it in a; then K finds
//    `ready`, does nothing, and the run passes)
//
// The fix: wake a queued waiter only through the queue it waits in: set `cancelled` and q.restart_all() under
// m; the waiter re-checks its condition (ready or cancelled) in its loop.

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Resource {
  CoMutex m;
  CoQueue q;              // waiters for `ready`; guarded by m
  bool ready = false;     // guarded by m
  bool cancelled = false; // guarded by m
  Coroutine *waiter = nullptr;
};

void wait_ready(Resource &r) {  // coroutine_fn
  r.m.lock();
  while (!r.ready && !r.cancelled) r.q.wait(r.m);
  r.m.unlock();
}

void complete(Resource &r) {  // coroutine_fn
  r.m.lock();
  r.ready = true;
  r.q.next();
  r.m.unlock();
}

void cancel(Resource &r, bool buggy) {  // coroutine_fn
  r.m.lock();
  if (!r.ready && !r.cancelled && r.waiter) {
    r.cancelled = true;
    if (buggy)
      aio_co_wake(r.waiter);  // BUG: the waiter is still in r.q
    else
      r.q.restart_all();
  }
  r.m.unlock();
}

void wait_complete_cancel(bool buggy) {
  MainWait wait;
  Resource r;
  {
    IOThread a, b;
    auto start = [&](IOThread &t, auto fn) {
      aio_co_schedule(t.context(), coroutine_create([&wait, fn] {
                        fn();
                        wait.done();
                      }));
    };
    start(a, [&] {
      r.waiter = self();
      wait_ready(r);
    });
    start(a, [&] { cancel(r, buggy); });
    start(b, [&] { complete(r); });
    wait.wait_for(3);
  }
}

COROSIM_SCENARIO_BUG("qemu-b07-double-queue-insert", "misuse",
                     "seeded bug: a canceller wakes a coroutine directly while it waits in a CoQueue") {
  wait_complete_cancel(true);
}

COROSIM_SCENARIO("qemu-b07-double-queue-insert-fixed",
                 "the same cancel, through the CoQueue (restart_all under the lock): one queue at a time") {
  wait_complete_cancel(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
