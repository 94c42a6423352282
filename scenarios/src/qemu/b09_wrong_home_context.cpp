// qemu-b09-wrong-home-context (seeded bug: assertion). A coroutine meant to run in an IOThread is first entered
// from the main loop: it runs there, on the wrong thread, touching the IOThread's state concurrently with it.
//
// In QEMU a coroutine's home context is where it was entered last, and every later wake-up (aio_co_wake, locks,
// queues) sends it back there. Code that created a request coroutine for a device served by an IOThread, but
// started it with a plain qemu_coroutine_enter() from the main loop (where the request was set up), ran the
// coroutine in the main thread and gave it the main loop as its home: it then worked on data owned by the
// IOThread (request lists, counters that only the IOThread touches, without locks) at the same time as the
// IOThread. The fix was to enter it in the right context: aio_co_enter(ctx, co), which schedules it there when
// called from elsewhere.
//
// IOThread a owns `in_flight`, a counter updated without a lock by code running in a. Coroutine Y already runs
// in a; the main thread starts request coroutine X, which also counts itself in `in_flight`:
//
//   step  sim thread 0 (main loop): X entered here         sim thread 1 (IOThread a): Y
//   ----  -----------------------------------------------  -----------------------------------------------
//    1    coroutine_enter(X): X reads in_flight = 0
//         (its read-modify-write)        <- preempted
//    2                                                     Y reads in_flight = 0, writes 1
//    3    X writes 1: Y's update is lost
//   The final count is 1 instead of 2 -> assertion. (When X's update does not overlap Y's, the run passes; X
//   still ran on the wrong thread, which is what the race needs.)
//
// The fix: aio_co_enter(a, X): from the main thread it schedules X in a, where X and Y take turns.

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

// State of IOThread a's device: only code running in a may touch it (no lock).
struct DeviceState {
  int in_flight = 0;
  AioContext *home = nullptr;
};

void count_request(DeviceState &dev) {  // coroutine_fn, must run in dev.home
  const int seen = dev.in_flight;
  corosim::schedule_point();  // (the rest of the request set-up)
  dev.in_flight = seen + 1;
}

void start_request_from_main(bool buggy) {
  MainWait wait;
  DeviceState dev;
  {
    IOThread a;
    dev.home = a.context();
    auto request = [&] {
      count_request(dev);
      wait.done();
    };
    aio_co_schedule(a.context(), coroutine_create(request));  // Y, already in a
    Coroutine *x = coroutine_create(request);
    if (buggy)
      coroutine_enter(x);  // BUG: runs here, in the main loop, and makes it X's home
    else
      aio_co_enter(dev.home, x);
    wait.wait_for(2);
  }
  check_equal("qemu-b09: requests counted", 2, dev.in_flight);
}

COROSIM_SCENARIO_BUG("qemu-b09-wrong-home-context", "assertion",
                     "seeded bug: a request coroutine for an IOThread is first entered from the main loop") {
  start_request_from_main(true);
}

COROSIM_SCENARIO("qemu-b09-wrong-home-context-fixed",
                 "the same request, started with aio_co_enter(ctx, co): it runs in its IOThread") {
  start_request_from_main(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
