// qemu-b01-wake-before-yield (seeded bug: misuse). A completion flag lets a coroutine skip its yield while the
// completion's wake-up is still on its way; the stale wake-up enters the coroutine later, at the wrong wait.
//
// The QEMU pattern: a coroutine submits a request to another thread and then waits with
// `if (!req->done) qemu_coroutine_yield();`, while the completion does `req->done = true; aio_co_wake(co);`. The
// flag is meant to cover a completion that is faster than the submitter. But the wake-up is sent unconditionally:
// when the coroutine sees `done` and does not yield, the wake-up it did not wait for is still delivered, as a
// scheduled entry in the coroutine's home loop, and it enters the coroutine the next time it yields for anything
// else (a sleep, a lock, the next request), long before that thing is ready. QEMU grew the "Co-routine was already
// scheduled in '...'" abort to catch exactly this; corosim reports it as misuse.
//
// Coroutine X runs in IOThread a. It starts a worker thread for its request, waits for it, then sleeps (the next
// step of its work, any timed wait would do):
//
//   step  sim thread 1 (IOThread a), coroutine X           sim thread 2 (worker)
//   ----  -----------------------------------------------  ------------------------------------------------
//    1    start the worker
//    2                                                     req.done = true             <- preempted
//    3    if (!req.done) yield  -> done: does NOT yield
//    4                                                     aio_co_wake(X): X's home is a, so
//                                                          aio_co_schedule(a, X): X marked scheduled
//    5    sleep_ns: X is already scheduled -> MISUSE ("Co-routine was already scheduled in 'aio_co_schedule'")
//   (steps 4 and 5 may come in the other order: then the worker's aio_co_schedule finds X sleeping, the same
//    misuse named 'qemu_co_sleep_ns'. Had X read `done` before step 2, it yields and the wake-up enters it there.)
//
// The fix: exactly one wake-up is sent, so wait for it exactly once: yield unconditionally. aio_co_wake from
// another thread only schedules X in its home loop, which cannot enter X before X has yielded there, so a
// completion that is faster than the yield is harmless.

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

// One request served by a worker thread: the worker sets `done` and wakes the coroutine that submitted it.
struct Request {
  corosim::atomic<bool> done{false};
  Coroutine *co = nullptr;
};

void wait_for(Request &req, bool buggy) {
  if (buggy) {
    if (!req.done.load()) yield();  // BUG: if done is set, the worker's wake-up is still coming
  } else {
    yield();  // the one wake-up always comes, and cannot enter us before this yield
  }
  sim::check(req.done.load(), "qemu-b01: resumed before the request completed");
}

void submit_wait_sleep(bool buggy) {
  MainWait wait;
  Request req;
  corosim::Thread worker;
  {
    IOThread a;
    aio_co_schedule(a.context(), coroutine_create([&] {
                      req.co = self();
                      worker = corosim::Thread([&] {
                        req.done.store(true);
                        aio_co_wake(req.co);
                      });
                      wait_for(req, buggy);
                      sleep_ns(ClockType::realtime, 1000);  // the next thing X waits for
                      wait.done();
                    }));
    wait.wait_for(1);
    worker.join();
  }
}

COROSIM_SCENARIO_BUG("qemu-b01-wake-before-yield", "misuse",
                     "seeded bug: `if (!done) yield()` skips the yield, the completion's wake-up enters later") {
  submit_wait_sleep(true);
}

COROSIM_SCENARIO("qemu-b01-wake-before-yield-fixed",
                 "the same request, waited for with an unconditional yield: one wake-up, one yield") {
  submit_wait_sleep(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
