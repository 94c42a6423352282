#pragma once
// CoMutex: a mutual-exclusion lock for coroutines, safe across threads and contexts (docs/semantics.md, "CoMutex";
// QEMU's modern CoMutex in util/qemu-coroutine-lock.c).
//
//   | state             | locked_ | holder_     | what lock() does                 | what unlock() does          |
//   |-------------------|---------|-------------|----------------------------------|-----------------------------|
//   | free              | 0       | none        | takes it (one atomic)            | misuse                      |
//   | held              | 1       | H           | queues and yields                | frees it (one atomic)       |
//   | held, n arriving  | 1 + n   | H           | queues and yields                | hands it to the first waiter|
//   | handed to W       | >= 1    | W, set when W runs | queues and yields         | (only W may unlock)         |
//
// Fairness: once waiters are queued, ownership passes directly to the first of them (no barging): waiters get
// the lock in FIFO order of arrival (of publishing themselves in the wait list). A waiter in another context is
// woken into its own context.
// Misuse (aborts; fails the run in the simulator): lock() while already holding it, unlock() by a coroutine that
// does not hold it, either outside a coroutine, terminating while holding it, destroying the lock while it is
// held or waited for, and entering a coroutine that waits for the lock by any other path than the lock's own
// wake-up.

#include <cstdint>

#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>

namespace corosim {

class CoMutex {
 public:
  CoMutex() = default;
  // Misuse if it is locked: its holder could not unlock it, and its waiters would sleep on freed memory.
  ~CoMutex();
  CoMutex(const CoMutex &) = delete;
  CoMutex &operator=(const CoMutex &) = delete;

  // Takes the lock, yielding while another coroutine holds it. coroutine_fn.
  void lock(COROSIM_SITE);
  // Releases the lock; wakes the first waiter, if any, which then holds it. coroutine_fn, holder only.
  void unlock(COROSIM_SITE);

  // The holder (for diagnostics), or nullptr. A lock handed to a waiter shows nullptr until the waiter runs.
  Coroutine *holder() const noexcept { return holder_.load(std::memory_order_relaxed); }

  // A waiter's entry in the lock-free wait list. Lives on the waiting coroutine's stack.
  struct WaitRecord {
    Coroutine *co;
    WaitRecord *next;
  };

 private:
  void lock_slowpath(Coroutine *self);
  WaitRecord *pop_waiter();
  bool has_waiters() const noexcept;

  // Number of coroutines that hold the lock or have started lock() and not yet been woken:
  // 0 free; 1 held, nobody waiting; 1 + n held with n waiting or arriving.
  platform::Current::atomic<unsigned> locked_{0};
  // The hand-off token: non-zero when an unlocker left the duty of waking a waiter to a locker that was still
  // publishing itself (see co_mutex.cpp).
  platform::Current::atomic<unsigned> handoff_{0};
  // Hand-off sequence numbers; touched only by the one coroutine that currently acts as unlocker.
  unsigned sequence_ = 0;
  // Lock-free LIFO of arriving waiters (pushed by lockers on any thread).
  platform::Current::atomic<WaitRecord *> from_push_{nullptr};
  // FIFO of waiters, popped by the unlocker (or by the locker that took the hand-off): one at a time.
  WaitRecord *to_pop_ = nullptr;
  // Who holds it, for diagnostics and misuse checks. Only the holder stores itself here and a coroutine compares
  // it with itself, so no other coroutine's course depends on it: a quiet atomic (platform.hpp).
  platform::Current::quiet_atomic<Coroutine *> holder_{nullptr};
};

}  // namespace corosim
