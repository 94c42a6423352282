// CoRwlock: QEMU's modern fair read/write lock, in our own code (see co_rwlock.hpp for the contract and the
// state table). All fields are protected by mutex_; a coroutine that must wait queues a ticket, releases mutex_
// and yields. Whoever makes owners_ reach a state that admits the first ticket assigns ownership to its
// coroutine (owners_ changes before the wake-up) and wakes it, so the woken coroutine already holds the lock.
//
// Which coroutines hold the lock, and how, is recorded in each coroutine (detail::rwlock_hold): owners_ alone
// cannot tell whether the caller of unlock/upgrade/downgrade is one of the holders.

#include <corosim/co_rwlock.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

using detail::misuse;
using detail::RwHold;

void CoRwlock::admit_first_and_unlock() {
  // invariant: when this returns, owners_ == 0 implies that no ticket is queued.
  Ticket *first = tickets_head_;
  Coroutine *admitted = nullptr;
  if (first) {
    if (first->read && owners_ >= 0) {
      ++owners_;
      admitted = first->co;
    } else if (!first->read && owners_ == 0) {
      owners_ = -1;
      admitted = first->co;
    }
  }
  if (admitted) {
    tickets_head_ = first->next;
    if (!tickets_head_) tickets_tail_ = nullptr;
    admitted->queued = detail::Queue::none;
  }
  mutex_.unlock();
  if (admitted) detail::wake(admitted);
}

void CoRwlock::queue_ticket(Ticket *ticket) {
  detail::enqueue_check(ticket->co, detail::Queue::co_rwlock);
  ticket->next = nullptr;
  if (tickets_tail_)
    tickets_tail_->next = ticket;
  else
    tickets_head_ = ticket;
  tickets_tail_ = ticket;
}

void CoRwlock::rdlock(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoRwlock::rdlock");
  Coroutine *me = detail::self_or_misuse("CoRwlock::rdlock");
  mutex_.lock();
  if (COROSIM_UNLIKELY(detail::rwlock_hold(me, this) == RwHold::write))
    misuse("CoRwlock::rdlock by co-routine %llu, which holds the write lock", detail::id_of(me));
  if (owners_ >= 0 && !tickets_head_) {  // no writer inside, none waiting: enter
    ++owners_;
    mutex_.unlock();
  } else {  // for fairness, queue behind whoever waits
    Ticket ticket{true, me, nullptr};
    queue_ticket(&ticket);
    mutex_.unlock();
    detail::yield_waiting(me, detail::Wait::co_rwlock_read, this);
    if (COROSIM_UNLIKELY(owners_ < 1)) misuse("CoRwlock: reader woken without a read share");
    // We were admitted; admit the next ticket too if it is a reader (a run of readers enters together).
    mutex_.lock();
    admit_first_and_unlock();
  }
  ++me->locks_held;
  detail::rwlock_hold_add(me, this, /*write=*/false);
}

void CoRwlock::wrlock(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoRwlock::wrlock");
  Coroutine *me = detail::self_or_misuse("CoRwlock::wrlock");
  mutex_.lock();
  if (COROSIM_UNLIKELY(detail::rwlock_hold(me, this) != RwHold::none &&
                       detail::rwlock_hold(me, this) != RwHold::unknown))
    misuse("CoRwlock::wrlock by co-routine %llu, which already holds it (use upgrade)", detail::id_of(me));
  if (owners_ == 0) {
    owners_ = -1;
    mutex_.unlock();
  } else {
    Ticket ticket{false, me, nullptr};
    queue_ticket(&ticket);
    mutex_.unlock();
    detail::yield_waiting(me, detail::Wait::co_rwlock_write, this);
    if (COROSIM_UNLIKELY(owners_ != -1)) misuse("CoRwlock: writer woken without the write lock");
  }
  ++me->locks_held;
  detail::rwlock_hold_add(me, this, /*write=*/true);
}

void CoRwlock::unlock(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoRwlock::unlock");
  Coroutine *me = detail::self_or_misuse("CoRwlock::unlock");
  if (COROSIM_UNLIKELY(detail::rwlock_hold(me, this) == RwHold::none))
    misuse("CoRwlock unlocked by co-routine %llu, which does not hold it", detail::id_of(me));
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ == 0))  // only reachable when the holds were too many to track
    misuse("CoRwlock unlocked by co-routine %llu, which does not hold it", detail::id_of(me));
  --me->locks_held;
  detail::rwlock_hold_remove(me, this);
  if (owners_ == -1)
    owners_ = 0;
  else
    --owners_;
  if (owners_ == 0)
    admit_first_and_unlock();
  else
    mutex_.unlock();
}

void CoRwlock::upgrade(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoRwlock::upgrade");
  Coroutine *me = detail::self_or_misuse("CoRwlock::upgrade");
  const RwHold hold = detail::rwlock_hold(me, this);
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ <= 0 || (hold != RwHold::read && hold != RwHold::unknown)))
    misuse("CoRwlock::upgrade by co-routine %llu, which holds no read lock", detail::id_of(me));
  detail::rwlock_hold_set(me, this, /*write=*/true);
  if (owners_ == 1 && !tickets_head_) {  // the only reader, nobody waiting: become the writer now
    owners_ = -1;
    mutex_.unlock();
    return;
  }
  // Give up our share and queue as a writer behind everyone already waiting (never jump a queued writer).
  --owners_;
  Ticket ticket{false, me, nullptr};
  queue_ticket(&ticket);
  admit_first_and_unlock();  // if we were the last reader, the first ticket (maybe ours) gets in
  detail::yield_waiting(me, detail::Wait::co_rwlock_write, this);
  if (COROSIM_UNLIKELY(owners_ != -1)) misuse("CoRwlock: upgrade woken without the write lock");
}

void CoRwlock::downgrade(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoRwlock::downgrade");
  Coroutine *me = detail::self_or_misuse("CoRwlock::downgrade");
  const RwHold hold = detail::rwlock_hold(me, this);
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ != -1 || (hold != RwHold::write && hold != RwHold::unknown)))
    misuse("CoRwlock::downgrade by co-routine %llu, which does not hold the write lock", detail::id_of(me));
  detail::rwlock_hold_set(me, this, /*write=*/false);
  owners_ = 1;
  admit_first_and_unlock();  // queued readers at the front may now enter
}

}  // namespace corosim
