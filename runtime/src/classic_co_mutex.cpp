// ClassicCoMutex: the pre-2017 QEMU CoMutex (see classic_co_mutex.hpp for why it is kept).

#include <corosim/classic_co_mutex.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

void ClassicCoMutex::lock() {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me)) detail::misuse("ClassicCoMutex::lock called outside a coroutine");
  if (COROSIM_UNLIKELY(holder_ == me)) detail::misuse("ClassicCoMutex locked recursively");
  // The woken waiter re-checks: a coroutine that ran between unlock() and this wake-up may have taken it.
  while (locked_) queue_.wait();
  locked_ = true;
  holder_ = me;
  ++me->locks_held;
}

void ClassicCoMutex::unlock() {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me || holder_ != me)) detail::misuse("ClassicCoMutex unlocked by a coroutine that does not hold it");
  locked_ = false;
  holder_ = nullptr;
  --me->locks_held;
  queue_.next();
}

}  // namespace corosim
