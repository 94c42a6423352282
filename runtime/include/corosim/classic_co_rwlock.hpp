#pragma once
// ClassicCoRwlock: QEMU's old reader-preferring CoRwlock, kept so that the harness can show writer starvation.
// Readers enter whenever no writer holds the lock, even while writers wait; a steady stream of readers starves
// writers forever. unlock() by the writer wakes everyone; the last reader out wakes one waiter.
//
// Single context only (unsynchronised, as ClassicCoMutex).

#include <corosim/co_queue.hpp>

namespace corosim {

class ClassicCoRwlock {
 public:
  void rdlock();  // coroutine_fn
  void wrlock();  // coroutine_fn
  void unlock();  // coroutine_fn

 private:
  int readers_ = 0;
  bool writer_ = false;
  CoQueue queue_;
};

}  // namespace corosim
