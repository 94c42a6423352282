// CoMutex: QEMU's modern CoMutex algorithm, in our own code (see co_mutex.hpp for the contract).
//
// Protocol. locked_ counts the holder plus every coroutine that has entered lock() and not yet been given the
// lock. A locker that finds locked_ non-zero publishes a WaitRecord on the lock-free stack from_push_ and yields.
// The unlocker decrements locked_; if others were counted, it pops the oldest published waiter (to_pop_ is
// from_push_ reversed into FIFO order) and wakes it: the lock is now that waiter's, without ever being free
// (hand-off of ownership, no barging).
//
// The race this must survive: the unlocker sees locked_ > 1, but the locker it counted has not published its
// record yet, so there is nobody to pop. It must not wait (it is a coroutine; the locker may be on another
// thread, or even queued behind the unlocker in the same context), and it must not drop the duty of waking,
// or the locker sleeps forever (a lost wake-up). "Responsibility hand-off": the unlocker stores a fresh,
// non-zero token in handoff_ and re-checks from_push_.
//   - If it is still empty, the unlocker leaves. The locker, whose push comes after that check, will read the
//     token after its push (both sequentially consistent) and take it with a compare-and-swap: it now owns the
//     duty, pops the first waiter (possibly itself: then it owns the lock and does not yield) and wakes it.
//   - If the unlocker sees the record, both may race for the token; the compare-and-swap decides. The winner
//     pops; the loser is done.
// Only the holder of the duty (the unlocker, or the one locker that took its token) ever pops, so to_pop_ has a
// single user at a time. Tokens carry a sequence number so that a locker holding a stale value from an older
// unlock cannot take a newer token (ABA).
//
// QEMU's lock() spins a little before queueing when the holder runs in another context; we leave that
// optimisation out so that every step of the protocol is a visible scheduling point in the simulator.

#include <corosim/co_mutex.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

using detail::misuse;

CoMutex::~CoMutex() {
  // One read of locked_ (a scheduling point in the simulator, as any access to the lock): it counts the holder
  // and every waiter, published or still arriving, so zero means nobody refers to the lock any more.
  if (const unsigned users = locked_.load(); COROSIM_UNLIKELY(users != 0))
    misuse("CoMutex destroyed while locked: %u co-routine(s) hold it or wait for it", users);
}

void CoMutex::lock(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoMutex::lock");
  Coroutine *me = detail::self_or_misuse("CoMutex::lock");
  // Only `me` ever stores `me` into holder_, so this relaxed read cannot see `me` unless we hold the lock.
  if (COROSIM_UNLIKELY(holder_.load(std::memory_order_relaxed) == me))
    misuse("CoMutex locked recursively by co-routine %llu, which already holds it", detail::id_of(me));
  if (locked_.fetch_add(1) != 0) lock_slowpath(me);
  holder_.store(me, std::memory_order_relaxed);
  ++me->locks_held;
}

void CoMutex::lock_slowpath(Coroutine *me) {
  // Marked before the record is published; whoever pops the record clears the mark before waking us.
  detail::enqueue_check(me, detail::Queue::co_mutex);
  WaitRecord record{me, from_push_.load()};
  while (!from_push_.compare_exchange_weak(record.next, &record)) {
  }
  // Did an unlocker leave us the duty of waking (see the protocol above)? If our compare-and-swap wins, nobody
  // has popped since that unlocker gave up, so our own record is still in the lists and pop_waiter() cannot
  // come back empty.
  unsigned token = handoff_.load();
  if (token != 0 && handoff_.compare_exchange_strong(token, 0)) {
    WaitRecord *first = pop_waiter();
    first->co->queued = detail::Queue::none;
    if (first->co == me) return;  // we hand the lock to ourselves
    detail::wake(first->co);
  }
  detail::yield_waiting(me, detail::Wait::co_mutex, this);
}

CoMutex::WaitRecord *CoMutex::pop_waiter() {
  if (!to_pop_) {
    // Reverse the LIFO of arrivals into FIFO order.
    WaitRecord *arrivals = from_push_.exchange(nullptr);
    while (arrivals) {
      WaitRecord *next = arrivals->next;
      arrivals->next = to_pop_;
      to_pop_ = arrivals;
      arrivals = next;
    }
    if (!to_pop_) return nullptr;
  }
  WaitRecord *first = to_pop_;
  to_pop_ = first->next;
  return first;
}

void CoMutex::unlock(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoMutex::unlock");
  Coroutine *me = detail::self_or_misuse("CoMutex::unlock");
  if (COROSIM_UNLIKELY(holder_.load(std::memory_order_relaxed) != me)) {
    if (locked_.load() == 0) misuse("CoMutex unlocked by co-routine %llu, but it is not locked", detail::id_of(me));
    misuse("CoMutex unlocked by co-routine %llu, which does not hold it", detail::id_of(me));
  }
  holder_.store(nullptr, std::memory_order_relaxed);
  --me->locks_held;
  if (locked_.fetch_sub(1) == 1) return;  // nobody waiting or arriving

  for (;;) {
    if (WaitRecord *first = pop_waiter()) {
      first->co->queued = detail::Queue::none;
      detail::wake(first->co);
      return;
    }
    // A locker is counted in locked_ but not yet published: leave it a token (never 0, which means "none").
    if (++sequence_ == 0) sequence_ = 1;
    const unsigned ours = sequence_;
    handoff_.store(ours);
    // to_pop_ is empty (pop_waiter just failed and only we pop), so only from_push_ can hold a waiter now.
    if (from_push_.load() == nullptr) return;  // it will find our token after it publishes
    unsigned expected = ours;
    if (!handoff_.compare_exchange_strong(expected, 0)) return;  // it took the token: the duty is its now
    // We took the token back: the record is published, go round and pop it.
  }
}

}  // namespace corosim
