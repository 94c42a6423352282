// qemu-b02-enter-before-yield (seeded bug: misuse). A completion that may run synchronously, inside the submitting
// coroutine, enters that coroutine directly: "Co-routine re-entered recursively".
//
// The QEMU pattern: a coroutine submits a request and yields; the request's completion callback does
// `qemu_coroutine_enter(co)`. That is right when the completion comes later, from the event loop. But some paths
// complete the request at once, inside the submit call (the data was already there, an error was detected early,
// a driver finished synchronously), and then the callback enters a coroutine that has not yielded yet: it is
// still running, the callback runs on its own stack. QEMU aborts with "Co-routine re-entered recursively"; so
// does corosim (misuse).
//
// Coroutine X in IOThread a reads from a device. A filler thread makes the data ready; whoever comes second
// completes the request: the filler (through a bottom half in a, after X yielded) or X's own submit (at once):
//
//   step  sim thread 1 (IOThread a), coroutine X              sim thread 2 (filler)
//   ----  --------------------------------------------------  --------------------------------------------
//    1                                                        lock; data_ready = true; no request waits;
//                                                             unlock                       <- preempted
//    2    submit: lock; data_ready -> complete at once:
//         complete(req): done = true; coroutine_enter(X):
//         X is running (it has a caller) -> MISUSE
//   (had X submitted first: it parks the request and yields; the filler schedules a bottom half in a, which
//    completes the request and enters X after the yield; the run passes)
//
// The fix, as QEMU's callers did it: the completion wakes with aio_co_wake(), which from inside the coroutine
// itself defers the wake-up until the coroutine yields (it is put on the wake-up queue), and from the event loop
// enters it at once. The coroutine yields exactly once either way.

#include <utility>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Request {
  Coroutine *co = nullptr;
  bool done = false;
  bool buggy = false;
};

// The device: data a filler thread makes ready, and at most one request parked until then.
struct Device {
  corosim::Mutex m;
  bool data_ready = false;      // guarded by m
  Request *parked = nullptr;    // guarded by m
  AioContext *ctx = nullptr;    // where completions run
};

void complete(Request &req) {
  req.done = true;
  if (req.buggy)
    coroutine_enter(req.co);  // BUG: the request may have completed inside the submitting coroutine
  else
    aio_co_wake(req.co);      // deferred until the coroutine yields, when it is the caller
}

// coroutine_fn: submits the read and waits for its completion.
void read_block(Device &dev, Request &req) {
  dev.m.lock();
  if (dev.data_ready) {
    dev.m.unlock();
    complete(req);  // synchronous completion
  } else {
    dev.parked = &req;
    dev.m.unlock();
  }
  yield();
  sim::check(req.done, "qemu-b02: resumed before the request completed");
}

void fill(Device &dev) {
  dev.m.lock();
  dev.data_ready = true;
  Request *req = std::exchange(dev.parked, nullptr);
  dev.m.unlock();
  if (req) bh_schedule_oneshot(dev.ctx, [](void *r) { complete(*static_cast<Request *>(r)); }, req);
}

void read_racing_fill(bool buggy) {
  MainWait wait;
  Device dev;
  Request req;
  req.buggy = buggy;
  {
    IOThread a;
    dev.ctx = a.context();
    corosim::Thread filler([&] { fill(dev); });
    aio_co_schedule(a.context(), coroutine_create([&] {
                      req.co = self();
                      read_block(dev, req);
                      wait.done();
                    }));
    wait.wait_for(1);
    filler.join();
  }
}

COROSIM_SCENARIO_BUG("qemu-b02-enter-before-yield", "misuse",
                     "seeded bug: a request completed inside submit enters its coroutine before it yields") {
  read_racing_fill(true);
}

COROSIM_SCENARIO("qemu-b02-enter-before-yield-fixed",
                 "the same read, completed with aio_co_wake: a synchronous completion waits for the yield") {
  read_racing_fill(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
