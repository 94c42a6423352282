#pragma once
// ClassicCoMutex: QEMU's old CoMutex (before the 2017 rewrite), kept so that the harness can show what its
// successor fixed. A flag plus a CoQueue: unlock() clears the flag and wakes one waiter, but the waiter only
// re-checks the flag when it runs, so a coroutine that calls lock() in between takes the lock first (barging).
// Waiters can be overtaken without bound. Mutual exclusion holds; fairness does not.
//
// Single context only: the flag and queue are unsynchronised (the old QEMU relied on the AioContext lock).

#include <corosim/co_queue.hpp>

namespace corosim {

class ClassicCoMutex {
 public:
  void lock();    // coroutine_fn
  void unlock();  // coroutine_fn, holder only
  Coroutine *holder() const noexcept { return holder_; }

 private:
  bool locked_ = false;
  Coroutine *holder_ = nullptr;
  CoQueue queue_;
};

}  // namespace corosim
