// CoRwlock: QEMU's modern fair read/write lock, in our own code (see co_rwlock.hpp for the contract and the
// state table). All fields are protected by mutex_; a coroutine that must wait queues a ticket, releases mutex_
// and yields. Whoever makes owners_ reach a state that admits the first ticket assigns ownership to its
// coroutine (owners_ changes before the wake-up) and wakes it, so the woken coroutine already holds the lock.

#include <corosim/co_rwlock.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

using detail::misuse;

static Coroutine *self_or_misuse(const char *what) {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me)) misuse("%s called outside a coroutine", what);
  return me;
}

void CoRwlock::admit_first_and_unlock() {
  // invariant: owners_ == 0 implies that no ticket stays queued once this returns.
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
  }
  mutex_.unlock();
  if (admitted) detail::wake(admitted);
}

void CoRwlock::wait_for_ticket(Ticket *ticket) {
  ticket->next = nullptr;
  if (tickets_tail_)
    tickets_tail_->next = ticket;
  else
    tickets_head_ = ticket;
  tickets_tail_ = ticket;
  mutex_.unlock();
  yield();
}

void CoRwlock::rdlock() {
  Coroutine *me = self_or_misuse("CoRwlock::rdlock");
  mutex_.lock();
  if (owners_ >= 0 && !tickets_head_) {  // no writer inside, none waiting: enter
    ++owners_;
    mutex_.unlock();
  } else {  // for fairness, queue behind whoever waits
    Ticket ticket{true, me, nullptr};
    wait_for_ticket(&ticket);
    if (COROSIM_UNLIKELY(owners_ < 1)) misuse("CoRwlock: reader woken without a read share");
    // We were admitted; admit the next ticket too if it is a reader (a run of readers enters together).
    mutex_.lock();
    admit_first_and_unlock();
  }
  ++me->locks_held;
}

void CoRwlock::wrlock() {
  Coroutine *me = self_or_misuse("CoRwlock::wrlock");
  mutex_.lock();
  if (owners_ == 0) {
    owners_ = -1;
    mutex_.unlock();
  } else {
    Ticket ticket{false, me, nullptr};
    wait_for_ticket(&ticket);
    if (COROSIM_UNLIKELY(owners_ != -1)) misuse("CoRwlock: writer woken without the write lock");
  }
  ++me->locks_held;
}

void CoRwlock::unlock() {
  Coroutine *me = self_or_misuse("CoRwlock::unlock");
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ == 0 || me->locks_held <= 1))  // locks_held counts mutex_ too
    misuse("CoRwlock unlocked by co-routine %llu, which does not hold it",
           static_cast<unsigned long long>(coroutine_id(me)));
  --me->locks_held;
  if (owners_ == -1)
    owners_ = 0;
  else
    --owners_;
  if (owners_ == 0)
    admit_first_and_unlock();
  else
    mutex_.unlock();
}

void CoRwlock::upgrade() {
  Coroutine *me = self_or_misuse("CoRwlock::upgrade");
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ <= 0))
    misuse("CoRwlock::upgrade by co-routine %llu, which holds no read lock",
           static_cast<unsigned long long>(coroutine_id(me)));
  if (owners_ == 1 && !tickets_head_) {  // the only reader, nobody waiting: become the writer now
    owners_ = -1;
    mutex_.unlock();
    return;
  }
  // Give up our share and queue as a writer behind everyone already waiting (never jump a queued writer).
  --owners_;
  Ticket ticket{false, me, nullptr};
  ticket.next = nullptr;
  if (tickets_tail_)
    tickets_tail_->next = &ticket;
  else
    tickets_head_ = &ticket;
  tickets_tail_ = &ticket;
  admit_first_and_unlock();  // if we were the last reader, the first ticket (maybe ours) gets in
  yield();
  if (COROSIM_UNLIKELY(owners_ != -1)) misuse("CoRwlock: upgrade woken without the write lock");
}

void CoRwlock::downgrade() {
  Coroutine *me = self_or_misuse("CoRwlock::downgrade");
  mutex_.lock();
  if (COROSIM_UNLIKELY(owners_ != -1))
    misuse("CoRwlock::downgrade by co-routine %llu, which does not hold the write lock",
           static_cast<unsigned long long>(coroutine_id(me)));
  owners_ = 1;
  admit_first_and_unlock();  // queued readers at the front may now enter
}

}  // namespace corosim
