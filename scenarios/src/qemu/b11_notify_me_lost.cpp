// qemu-b11-notify-me-lost (seeded bug: lost_wakeup). An event loop that looks for work before it announces that
// it is about to sleep misses a bottom half scheduled in between, and sleeps through it.
//
// QEMU's event loop avoids a system call per notification: aio_notify() writes the loop's eventfd only when the
// loop has announced, in ctx->notify_me, that it may block; otherwise it just sets ctx->notified. That optimisation
// is only correct if the loop announces first and checks for work second ("announce, then check"), so that in
// every order either the loop sees the work or the notifier sees the announcement. Versions of the loop that
// computed the poll timeout (looked at the bottom halves) before raising notify_me, or that lowered notify_me
// too early around the blocking call, could block with a bottom half pending and nobody left to write the
// eventfd: a hang until some unrelated event. runtime/src/aio/context.cpp implements the protocol; this scenario
// models it, with an eventfd made of a Mutex, a CondVar and a flag, so that the simulator explores its atomics.
// (The other way QEMU lost this race, a missing full memory barrier between the two sides on weakly ordered
// hosts, needs a memory model the simulator does not have: see docs/bug-corpus.md.)
//
//   step  sim thread 1 (loop)                            sim thread 2 (notifier)        notify_me  bh
//   ----  ---------------------------------------------  -----------------------------  ---------  -----
//    1    bh scheduled? no -> will block                                                0          -
//    2                                                   bh = scheduled                 0          yes
//    3                                                   notify: notify_me == 0 ->
//                                                        skip the eventfd write
//    4    notify_me += 2 (announce)                                                     2          yes
//    5    block on the eventfd ... forever: nothing will write it
//   The simulator reports a lost wake-up: the loop waits on a CondVar that nothing left can notify.
//
// The fix: announce (notify_me += 2) before looking for work; then step 3 sees the announcement, or step 1 sees
// the bottom half.

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

// The loop's eventfd: write() raises it, a blocking read waits for it and clears it.
class EventFd {
 public:
  void write() {
    m_.lock();
    raised_ = true;
    m_.unlock();
    cv_.notify_one();
  }
  void wait_and_clear() {
    m_.lock();
    cv_.wait(m_, [&] { return raised_; });
    raised_ = false;
    m_.unlock();
  }

 private:
  corosim::Mutex m_;
  corosim::CondVar cv_;
  bool raised_ = false;
};

struct Loop {
  corosim::atomic<int> notify_me{0};
  corosim::atomic<bool> bh_scheduled{false};
  EventFd event;
  int bh_runs = 0;
};

// aio_notify, as the bottom-half scheduler calls it.
void schedule_bh(Loop &loop) {
  loop.bh_scheduled.store(true);
  if (loop.notify_me.load() != 0) loop.event.write();
}

// One blocking iteration of aio_poll, then run the bottom half.
void poll_once(Loop &loop, bool buggy) {
  bool block;
  if (buggy) {
    block = !loop.bh_scheduled.load();  // BUG: checks before announcing
    loop.notify_me.fetch_add(2);
  } else {
    loop.notify_me.fetch_add(2);  // announce ...
    block = !loop.bh_scheduled.load();  // ... then check
  }
  if (block) loop.event.wait_and_clear();
  loop.notify_me.fetch_sub(2);
  if (loop.bh_scheduled.exchange(false)) ++loop.bh_runs;
}

void loop_and_notifier(bool buggy) {
  Loop loop;
  corosim::Thread poller([&] {
    while (loop.bh_runs == 0) poll_once(loop, buggy);
  });
  corosim::Thread notifier([&] { schedule_bh(loop); });
  notifier.join();
  poller.join();
  check_equal("qemu-b11: bottom-half runs", 1, loop.bh_runs);
}

COROSIM_SCENARIO_BUG("qemu-b11-notify-me-lost", "lost_wakeup",
                     "seeded bug: the event loop checks for bottom halves before announcing notify_me, then sleeps") {
  loop_and_notifier(true);
}

COROSIM_SCENARIO("qemu-b11-notify-me-lost-fixed",
                 "the same loop announcing notify_me before it checks: the bottom half is never slept through") {
  loop_and_notifier(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
