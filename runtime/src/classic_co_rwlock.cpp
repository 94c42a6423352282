// ClassicCoRwlock: the old reader-preferring QEMU CoRwlock (see classic_co_rwlock.hpp for why it is kept).

#include <corosim/classic_co_rwlock.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

void ClassicCoRwlock::rdlock() {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me)) detail::misuse("ClassicCoRwlock::rdlock called outside a coroutine");
  while (writer_) queue_.wait();  // only an active writer stops a reader: waiting writers do not
  ++readers_;
  ++me->locks_held;
}

void ClassicCoRwlock::wrlock() {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me)) detail::misuse("ClassicCoRwlock::wrlock called outside a coroutine");
  while (writer_ || readers_ > 0) queue_.wait();
  writer_ = true;
  ++me->locks_held;
}

void ClassicCoRwlock::unlock() {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me || me->locks_held == 0 || (!writer_ && readers_ == 0)))
    detail::misuse("ClassicCoRwlock unlocked by a coroutine that does not hold it");
  --me->locks_held;
  if (writer_) {
    writer_ = false;
    queue_.restart_all();
  } else if (--readers_ == 0) {
    queue_.next();
  }
}

}  // namespace corosim
