#pragma once
// CoQueue: a FIFO of coroutines waiting for a condition (docs/semantics.md, "CoQueue"; QEMU's CoQueue).
//
// Not a lock and not thread-safe by itself: protect the queue and the condition it stands for with a lock
// (pass it to wait()), or use it from one context only.

#include <corosim/coroutine.hpp>

namespace corosim {

class CoQueue {
 public:
  CoQueue() = default;
  CoQueue(const CoQueue &) = delete;
  CoQueue &operator=(const CoQueue &) = delete;

  // wait: appends the calling coroutine and yields until next()/restart_all() wakes it.
  // coroutine_fn. Wakes are not spurious, but the condition may have changed again by the time the waiter runs:
  // re-check it in a loop.
  void wait(COROSIM_SITE);

  // wait(lock): as wait(), releasing `lock` (anything with lock()/unlock(), e.g. CoMutex) after queueing and
  // re-taking it before returning. coroutine_fn. The caller must hold the lock.
  template <class L>
  void wait(L &lock COROSIM_SITE_NEXT) {
    COROSIM_API_CALL("CoQueue::wait");
    push_back_self();
    lock.unlock();
    suspend();
    lock.lock();
  }

  // wait_insert_head: as wait(), but at the front (re-queueing a request whose condition still does not hold,
  // so it keeps its turn). coroutine_fn.
  void wait_insert_head();

  // next: wakes the first waiter; returns whether there was one. From a coroutine the waiter runs after the
  // caller yields (wake-up queue); from outside a coroutine it is entered before next() returns.
  bool next(COROSIM_SITE);

  // restart_all: wakes every waiter, in queue order. Same timing as next().
  void restart_all(COROSIM_SITE);

  // enter_next / enter_all: for callers outside any coroutine (QEMU's qemu_co_enter_next / qemu_co_enter_all):
  // the waiters run before the call returns. Misuse from inside a coroutine (use next()/restart_all()).
  bool enter_next();
  void enter_all();

  bool empty() const noexcept { return head_ == nullptr; }

 private:
  void push_back_self();
  void suspend();
  Coroutine *pop();

  // invariant: head_ == nullptr iff tail_ == nullptr; every member has queued == co_queue.
  Coroutine *head_ = nullptr;
  Coroutine *tail_ = nullptr;
};

}  // namespace corosim
