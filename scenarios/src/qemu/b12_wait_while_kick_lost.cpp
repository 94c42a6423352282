// qemu-b12-wait-while-kick-lost (seeded bug: deadlock). A thread waiting in an AIO_WAIT_WHILE-style loop
// evaluates its condition before it counts itself as a waiter; the kick that should end its wait is skipped.
//
// QEMU's AIO_WAIT_WHILE(ctx, cond) makes the main loop poll (blocking) until `cond` turns false, where `cond`
// is made false by another thread (an IOThread finishing requests). So that the finishing thread need not always
// schedule something in the main loop, the waiter counts itself in a global `num_waiters`, and aio_wait_kick()
// schedules a dummy bottom half in the main loop only when num_waiters is non-zero. As with notify_me (qemu-b11),
// this is correct only if the waiter counts itself before it evaluates the condition, and the kicker changes the
// condition before it reads the count. A waiter that tested the condition first, then registered and polled,
// could miss the kick of a condition that changed in between, and block forever in aio_poll(). (The variant of
// this bug that QEMU actually shipped was a missing memory barrier in aio_wait_kick(), visible only on weakly
// ordered hosts; the simulator is sequentially consistent, so this scenario has the ordering mistake in the
// source instead.) The scenario uses the real event loop; only the wait/kick protocol is modelled.
//
// The main thread waits on its own AioContext for `busy` to become false; a worker thread clears it and kicks:
//
//   step  sim thread 0 (waiter)                             sim thread 1 (worker)             num_waiters  busy
//   ----  ------------------------------------------------  --------------------------------  -----------  ----
//    1    busy? yes -> must wait                                                              0            1
//    2                                                      busy = false                      0            0
//    3                                                      kick: num_waiters == 0 -> skip
//    4    num_waiters += 1                                                                    1            0
//    5    poll(blocking) ... forever: no bottom half, no timer, no notification
//   The kick is lost, and the waiter is a thread blocked in poll() with nothing pending: no sim thread can run and
//   no timer is due. No coroutine waits for a wake-up, so the simulator reports it as a deadlock (kind `deadlock`,
//   "no sim thread can run and no timer is pending").
//
// The fix: num_waiters += 1 first, then `while (busy) poll(blocking)`; a kick that reads 0 comes before the
// increment, hence before the waiter's first look at `busy`, which then reads false.

#include <corosim/aio.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct WaitState {
  corosim::atomic<int> num_waiters{0};
  corosim::atomic<bool> busy{true};
  AioContext *waiter_ctx = nullptr;
};

// aio_wait_kick: after changing the condition.
void kick(WaitState &w) {
  if (w.num_waiters.load() > 0) bh_schedule_oneshot(w.waiter_ctx, [](void *) {}, nullptr);
}

// AIO_WAIT_WHILE(ctx, busy), on the thread that polls ctx.
void wait_while_busy(WaitState &w, bool buggy) {
  if (buggy) {
    if (w.busy.load()) {  // BUG: the condition is read before the waiter is counted
      w.num_waiters.fetch_add(1);
      do {
        w.waiter_ctx->poll(true);
      } while (w.busy.load());
      w.num_waiters.fetch_sub(1);
    }
    return;
  }
  w.num_waiters.fetch_add(1);
  while (w.busy.load()) w.waiter_ctx->poll(true);
  w.num_waiters.fetch_sub(1);
}

void wait_for_worker(bool buggy) {
  WaitState w;
  w.waiter_ctx = AioContext::create();
  corosim::Thread worker([&] {
    w.busy.store(false);
    kick(w);
  });
  wait_while_busy(w, buggy);
  worker.join();
  while (w.waiter_ctx->poll(false)) {
  }  // a kick that came after the wait ended
  w.waiter_ctx->unref();
}

COROSIM_SCENARIO_BUG("qemu-b12-wait-while-kick-lost", "deadlock",
                     "seeded bug: an AIO_WAIT_WHILE waiter reads its condition before counting itself; the kick is "
                     "skipped") {
  wait_for_worker(true);
}

COROSIM_SCENARIO("qemu-b12-wait-while-kick-lost-fixed",
                 "the same wait, counting itself in num_waiters before reading the condition") {
  wait_for_worker(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
