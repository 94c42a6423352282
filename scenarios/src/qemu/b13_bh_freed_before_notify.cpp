// qemu-b13-bh-freed-before-notify (seeded bug: assertion). Scheduling a one-shot bottom half reads the bottom half
// again after publishing it, to find the loop to notify; by then the loop may have run it and freed it.
//
// A one-shot bottom half (aio_bh_schedule_oneshot) is freed by the event loop right after its callback runs. The
// code that schedules it pushes it on the context's list and then notifies the context: if it finds the context
// through the bottom half (`aio_notify(bh->ctx)`) after the push, the loop's thread, already awake for other
// work, can take the bottom half, run it and free it in between, and the notify reads freed memory (the
// context pointer of whatever now lives there). QEMU's fix reads everything it needs from the bottom half before
// the push, which is the publication point; runtime/src/aio/context.cpp's bh_schedule does the same. The scenario
// models the loop and the bottom half; "freeing" marks the bottom half dead (so the simulator can see the stale
// access, as ASan would) instead of releasing its memory.
//
//   step  sim thread 1 (scheduler)                         sim thread 2 (loop)
//   ----  -----------------------------------------------  -----------------------------------------------
//    1    bh->state = scheduled; list = bh  (publish)
//                                            <- preempted
//    2                                                     list.exchange -> bh: run its callback;
//                                                          free it (state = freed)
//    3    notify(bh->ctx): reads the freed bottom half -> assertion
//   (If the loop looks at its list before step 1, it sleeps and the notify wakes it; the run passes.)
//
// The fix: ctx = bh->ctx before the push; after the push, bh is not touched.

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Loop;

struct BottomHalfModel {
  enum State { idle, scheduled, freed };
  corosim::atomic<int> state{idle};
  Loop *ctx = nullptr;
  int runs = 0;

  // Every access to the bottom half after it may have been freed goes through here.
  Loop *context() {
    sim::check(state.load() != freed, "qemu-b13: the bottom half was read after the loop freed it");
    return ctx;
  }
};

struct Loop {
  corosim::atomic<BottomHalfModel *> list{nullptr};  // one slot is enough here
  corosim::Mutex m;
  corosim::CondVar cv;
  bool notified = false;  // guarded by m

  void notify() {
    m.lock();
    notified = true;
    m.unlock();
    cv.notify_one();
  }

  // Runs until it has run one bottom half (which it frees: a one-shot).
  void run() {
    for (;;) {
      if (BottomHalfModel *bh = list.exchange(nullptr)) {
        ++bh->runs;
        bh->state.store(BottomHalfModel::freed);
        return;
      }
      m.lock();
      cv.wait(m, [&] { return notified; });
      notified = false;
      m.unlock();
    }
  }
};

void schedule_oneshot(BottomHalfModel *bh, bool buggy) {
  Loop *ctx = bh->context();
  bh->state.store(BottomHalfModel::scheduled);
  ctx->list.store(bh);  // publication: from here the loop may run and free bh
  if (buggy)
    bh->context()->notify();  // BUG: reads bh after the push
  else
    ctx->notify();  // read before the push
}

void schedule_while_loop_runs(bool buggy) {
  Loop loop;
  BottomHalfModel bh;
  bh.ctx = &loop;
  corosim::Thread loop_thread([&] { loop.run(); });
  corosim::Thread scheduler([&] { schedule_oneshot(&bh, buggy); });
  scheduler.join();
  loop_thread.join();
  check_equal("qemu-b13: bottom-half runs", 1, bh.runs);
}

COROSIM_SCENARIO_BUG("qemu-b13-bh-freed-before-notify", "assertion",
                     "seeded bug: bh_schedule reads the bottom half after publishing it; the loop already freed it") {
  schedule_while_loop_runs(true);
}

COROSIM_SCENARIO("qemu-b13-bh-freed-before-notify-fixed",
                 "the same scheduling, reading the bottom half's context before the push") {
  schedule_while_loop_runs(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
