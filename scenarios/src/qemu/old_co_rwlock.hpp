#pragma once
// QEMU's CoRwlock before QEMU 6.1 (util/qemu-coroutine-lock.c), transcribed onto corosim's CoMutex and CoQueue, for
// the scenarios of its bug classes (qemu-b14, qemu-b15). Private to scenarios/src/qemu.
//
// A CoMutex, a reader count, a count of pending writers and one CoQueue. A writer takes the mutex, counts itself
// pending, waits in the queue until no reader is left, and keeps the mutex for its whole critical section. A
// reader waits in the queue while a writer is pending ("for fairness"). The last reader out wakes one waiter
// (assumed to be a writer); a writer's unlock wakes them all, and each re-checks its condition, going back to the
// tail of the queue if it still does not hold.

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>

namespace corosim::scenarios::detail {

class OldCoRwlock {
 public:
  void rdlock() {  // coroutine_fn
    mutex_.lock();
    while (pending_writer_ > 0) queue_.wait(mutex_);
    ++reader_;
    mutex_.unlock();
  }
  void wrlock() {  // coroutine_fn
    mutex_.lock();
    ++pending_writer_;
    while (reader_ > 0) queue_.wait(mutex_);
    --pending_writer_;
    // The write-side critical section runs with the mutex held, so that reader_ stays 0.
  }
  void upgrade() {  // coroutine_fn; caller holds a read share
    mutex_.lock();
    --reader_;
    ++pending_writer_;
    while (reader_ > 0) queue_.wait(mutex_);
    --pending_writer_;
  }
  void downgrade() {  // coroutine_fn; caller holds the write lock
    ++reader_;  // qemu-b14: the readers waiting in the queue are not made runnable
    mutex_.unlock();
  }
  void unlock() {  // coroutine_fn
    if (reader_ == 0) {  // the write side: its critical section holds the mutex
      queue_.restart_all();
    } else {
      mutex_.lock();
      --reader_;
      if (reader_ == 0) queue_.next();  // "wake up only one waiting writer"
    }
    mutex_.unlock();
  }

 private:
  CoMutex mutex_;
  CoQueue queue_;
  int reader_ = 0;
  int pending_writer_ = 0;
};

// Runs workload(lock) on a fresh old lock (the bug) or on corosim::CoRwlock (the fix).
template <class Workload>
void on_old_or_new_rwlock(bool old, Workload workload) {
  if (old) {
    OldCoRwlock lock;
    workload(lock);
  } else {
    CoRwlock lock;
    workload(lock);
  }
}

}  // namespace corosim::scenarios::detail
