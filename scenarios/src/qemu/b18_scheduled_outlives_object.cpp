// qemu-b18-scheduled-outlives-object (seeded bug: assertion). A coroutine scheduled to work on an object later is
// not counted among the object's users; the object is closed and freed before the coroutine runs.
//
// QEMU often defers work on a block node, a connection or a job to a coroutine started with aio_co_schedule() or
// aio_co_enter() in another context (or in a bottom half). Between the scheduling and the moment the coroutine
// runs, the owner may close the object: a drain that does not know about the scheduled coroutine finishes
// at once, the last reference is dropped, the object is freed, and the coroutine then runs on freed memory.
// Fixes took a reference for the scheduled work (bdrv_ref / blk_inc_in_flight / object_ref) when it is
// scheduled, and dropped it at the end of the coroutine, so that the close waits for, or outlives, it. The
// scenario's object has a reference count; freeing it marks it dead, so the stale use is an assertion (as ASan
// would report it) rather than undefined behaviour.
//
//   step  sim thread 0 (main loop: owner)                  sim thread 1 (IOThread a)
//   ----  -----------------------------------------------  -----------------------------------------------
//    1    aio_co_schedule(a, W)  (W will flush the object)
//    2    close: unref -> 0: free the object
//    3                                                     W runs: object freed -> assertion
//   (If W runs before the close, the run passes.)
//
// The fix: ref the object before scheduling W, unref at W's end: the close in step 2 drops the owner's reference
// only, and the object is freed when W is done with it.

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Object {
  corosim::atomic<int> refs{1};  // the owner's
  corosim::atomic<bool> freed{false};
  int flushes = 0;

  void ref() { refs.fetch_add(1); }
  void unref() {
    if (refs.fetch_sub(1) == 1) freed.store(true);  // the last one frees it
  }
  void flush() {  // coroutine_fn
    sim::check(!freed.load(), "qemu-b18: the scheduled coroutine works on a freed object");
    ++flushes;
  }
};

void schedule_then_close(bool buggy) {
  MainWait wait;
  Object obj;
  {
    IOThread a;
    if (!buggy) obj.ref();  // the scheduled work's reference (the fix)
    aio_co_schedule(a.context(), coroutine_create([&] {
                      obj.flush();
                      if (!buggy) obj.unref();
                      wait.done();
                    }));
    obj.unref();  // close: the owner drops its reference
    wait.wait_for(1);
  }
  sim::check(obj.freed.load(), "qemu-b18: the object was never freed");
  check_equal("qemu-b18: flushes", 1, obj.flushes);
}

COROSIM_SCENARIO_BUG("qemu-b18-scheduled-outlives-object", "assertion",
                     "seeded bug: a coroutine scheduled to work on an object holds no reference; the object is "
                     "freed first") {
  schedule_then_close(true);
}

COROSIM_SCENARIO("qemu-b18-scheduled-outlives-object-fixed",
                 "the same scheduled work holding a reference from scheduling to its end") {
  schedule_then_close(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
