// qemu-b08-completion-context-lock (seeded bug: deadlock). A thread-pool worker delivers a completion by taking
// the event loop's context lock while it holds the pool's lock; the loop, holding its context lock, asks the pool
// for something.
//
// In QEMU before the multiqueue work, code running in an AioContext held that context's lock (the "AioContext
// lock", a recursive mutex) for as long as it ran. A worker of the thread pool that finished a blocking call and
// ran the request's completion itself had to take that lock, and did it still holding the pool's own lock (the
// request list). Meanwhile the context's thread, under its context lock, submitted or cancelled a request: it
// takes the pool's lock. Two locks, two orders: a deadlock. QEMU's fix moved completions out of the workers: a
// worker only marks the request done and schedules a bottom half in the request's context, which runs the
// completion there, under the context lock, holding no pool lock (runtime/src/aio/thread_pool.cpp does the same).
//
// Model: ctx_lock stands for IOThread a's context lock, pool_lock for the pool's lock (both corosim::Mutex).
// Coroutine R in a submits a second request under ctx_lock; the worker finishes the first request:
//
//   step  sim thread 1 (IOThread a), coroutine R             sim thread 2 (pool worker)
//   ----  -----------------------------------------------  ---------------------------------------------------
//    1                                                     pool_lock.lock()  (take the finished request off
//                                                          the list)                    <- preempted
//    2    ctx_lock.lock()   (R runs under its context's lock)
//    3    submit: pool_lock.lock() -> held by the worker: blocks
//    4                                                     complete it in place: ctx_lock.lock() -> held by
//                                                          R's thread: blocks
//   Thread 1 waits for pool_lock, held by thread 2, which waits for ctx_lock, held by thread 1: deadlock.
//   (If the worker finishes before R takes ctx_lock, or R submits before the worker takes pool_lock, it passes.)
//
// The fix: the worker only records the result under pool_lock, releases it, and schedules a one-shot bottom half
// in a; the completion runs there, under ctx_lock, with no pool lock held.

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Model {
  corosim::Mutex ctx_lock;   // IOThread a's context lock
  corosim::Mutex pool_lock;  // the pool's request list
  int pending = 1;           // requests in the pool; guarded by pool_lock
  int completed = 0;         // completions delivered; guarded by ctx_lock
  AioContext *ctx = nullptr;
  MainWait *wait = nullptr;
};

// The completion callback of a request: runs in a's context, under its lock.
void deliver(Model &m) {
  ++m.completed;
  m.wait->done();
}

void worker_finishes(Model &m, bool buggy) {
  m.pool_lock.lock();
  --m.pending;
  if (buggy) {
    m.ctx_lock.lock();  // BUG: the context lock, taken under the pool's lock
    deliver(m);
    m.ctx_lock.unlock();
    m.pool_lock.unlock();
    return;
  }
  m.pool_lock.unlock();
  bh_schedule_oneshot(
      m.ctx,
      [](void *opaque) {
        Model &model = *static_cast<Model *>(opaque);
        model.ctx_lock.lock();  // bottom halves of a run under a's context lock, as R does
        deliver(model);
        model.ctx_lock.unlock();
      },
      &m);
}

void submit_while_completing(bool buggy) {
  MainWait wait;
  Model m;
  m.wait = &wait;
  trace_name(m.ctx_lock, "ctx_lock");
  trace_name(m.pool_lock, "pool_lock");
  {
    IOThread a;
    m.ctx = a.context();
    aio_co_schedule(a.context(), coroutine_create([&] {
                      m.ctx_lock.lock();
                      m.pool_lock.lock();  // submit another request
                      ++m.pending;
                      m.pool_lock.unlock();
                      m.ctx_lock.unlock();
                      wait.done();
                    }));
    corosim::Thread worker([&] { worker_finishes(m, buggy); });
    wait.wait_for(2);
    worker.join();
  }
  check_equal("qemu-b08: completions", 1, m.completed);
}

COROSIM_SCENARIO_BUG("qemu-b08-completion-context-lock", "deadlock",
                     "seeded bug: a pool worker takes the context lock under the pool lock to deliver a completion") {
  submit_while_completing(true);
}

COROSIM_SCENARIO("qemu-b08-completion-context-lock-fixed",
                 "the same completion, delivered by a bottom half in the context: no lock taken under pool_lock") {
  submit_while_completing(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
