#pragma once
// Locks written the way a user writes one: from corosim::atomic, self(), yield(), aio_co_schedule and
// aio_co_wake, each a scheduling point in the simulator. Some are correct, some unfair by design, some broken on
// purpose; they are what corosim's lock checks (corosim/check.hpp), tests and benchmarks run against, and examples
// for docs/fuzz-your-lock.md. Every lock() and unlock() runs in coroutine context.
//
//   lock                     mutual exclusion  fair (bounded bypass)  note
//   -----------------------  ----------------  ---------------------  -----------------------------------------------
//   TicketLock               yes               yes (FIFO)             waits by re-scheduling itself
//   BackoffSpinLock          yes               no                     test-and-set, backs off longer after each miss
//   TestThenSetLock          NO                -                      tests, then sets in a second step: a race
//   NoTokenHandoffLock       yes               -                      loses a wake-up (see the class)
//   ReaderPreferringRwLock   yes               no (writers starve)    readers get in whenever no writer is inside

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>

namespace corosim::examples {

// Lets the caller's event loop run everything else that is ready before the caller continues.
inline void wait_a_turn() {
  aio_co_schedule(current_context(), self());
  yield();
}

// First come, first served: a ticket from `next`, then wait until `serving` reaches it.
class TicketLock {
 public:
  void lock() {
    const unsigned ticket = next_.fetch_add(1);
    while (serving_.load() != ticket) wait_a_turn();
  }
  void unlock() { serving_.fetch_add(1); }

 private:
  corosim::atomic<unsigned> next_{0};     // the next ticket to hand out
  corosim::atomic<unsigned> serving_{0};  // the ticket whose owner may hold the lock
};

// Test-and-set with exponential back-off: correct, but a waiter that backs off for long loses to newcomers.
class BackoffSpinLock {
 public:
  void lock() {
    unsigned delay = 1;
    while (locked_.exchange(true)) {
      for (unsigned i = 0; i < delay; ++i) wait_a_turn();
      delay = delay < 8 ? delay * 2 : delay;
    }
  }
  void unlock() { locked_.store(false); }

 private:
  corosim::atomic<bool> locked_{false};
};

// BROKEN: the test and the set are two steps, so two coroutines can both see the lock free and both take it.
class TestThenSetLock {
 public:
  void lock() {
    while (locked_.load()) wait_a_turn();
    locked_.store(true);
  }
  void unlock() { locked_.store(false); }

 private:
  corosim::atomic<bool> locked_{false};
};

// BROKEN: a hand-off lock like CoMutex but WITHOUT its responsibility token. `lockers_` counts the holder plus
// every coroutine that entered lock() and was not yet given the lock; a locker that finds it non-zero publishes a
// record on a lock-free stack and yields; the unlocker decrements `lockers_` and, if it counted others, pops a
// record and wakes that waiter, which then owns the lock (the lock is never free in between). What is missing is
// the token CoMutex leaves when the counted locker has not published its record yet: this unlocker finds the stack
// empty and gives up, and the late locker waits forever for a wake-up nobody sends (lost_wakeup).
class NoTokenHandoffLock {
 public:
  void lock() {
    if (lockers_.fetch_add(1) == 0) return;  // it was free: ours
    Waiter record{self(), waiters_.load()};
    while (!waiters_.compare_exchange_weak(record.next, &record)) {
    }
    yield();  // the unlocker pops `record` and wakes us: we own the lock then
  }

  void unlock() {
    if (lockers_.fetch_sub(1) == 1) return;  // nobody else counted
    // Only the unlocker pops (one at a time, it holds the lock), so a record cannot disappear under us; lockers
    // may push concurrently, which only makes the compare-exchange retry with the new head.
    Waiter *first = waiters_.load();
    while (first && !waiters_.compare_exchange_weak(first, first->next)) {
    }
    if (!first) return;  // BUG: someone counted in lockers_ has not published yet; nobody will wake it
    aio_co_wake(first->co);
  }

 private:
  struct Waiter {
    Coroutine *co;
    Waiter *next;
  };
  // invariant: lockers_ == 1 (holder) + waiters on the stack + lockers between their fetch_add and their push.
  corosim::atomic<unsigned> lockers_{0};
  corosim::atomic<Waiter *> waiters_{nullptr};  // lock-free LIFO of published waiters (records on their stacks)
};

// Readers get in whenever no writer is inside; a writer gets in only when no reader is. Correct, but a stream of
// readers keeps a writer out for as long as it lasts (writer starvation). Each side announces itself and then
// checks the other (sequentially consistent atomics): of a reader and a writer arriving together at least one sees
// the other and backs off.
class ReaderPreferringRwLock {
 public:
  void rdlock() {
    for (;;) {
      while (writer_.load()) wait_a_turn();
      readers_.fetch_add(1);
      if (!writer_.load()) return;
      readers_.fetch_sub(1);
    }
  }
  void wrlock() {
    for (;;) {
      while (readers_.load() != 0) wait_a_turn();
      if (!writer_.exchange(true)) {
        if (readers_.load() == 0) {
          owner_.store(self());
          return;
        }
        writer_.store(false);
      }
      wait_a_turn();
    }
  }
  void unlock() {
    if (owner_.load() == self()) {
      owner_.store(nullptr);
      writer_.store(false);
    } else {
      readers_.fetch_sub(1);
    }
  }

 private:
  corosim::atomic<unsigned> readers_{0};  // readers inside or about to check writer_
  corosim::atomic<bool> writer_{false};   // a writer inside or about to check readers_
  corosim::atomic<Coroutine *> owner_{nullptr};  // the writer inside, so that unlock() knows who calls it
};

}  // namespace corosim::examples
