#pragma once
// CoRwlock: a fair read/write lock for coroutines (docs/semantics.md, "CoRwlock"; QEMU's modern CoRwlock).
//
// Requests queue as tickets in FIFO order. A reader gets in at once only when no ticket is queued (so a waiting
// writer is never overtaken by later readers); a writer waits until no one holds the lock. Ownership is
// assigned to the woken coroutine before it runs, so nobody can sneak in between the wake-up and the run.
//
//   | state            | owners_ | rdlock            | wrlock       | unlock                      |
//   |------------------|---------|-------------------|--------------|-----------------------------|
//   | free             | 0       | shared(1)         | exclusive    | misuse                      |
//   | shared(n)        | n > 0   | shared(n+1) if no | queue        | shared(n-1); at 0 admit the |
//   |                  |         | ticket, else queue|              | first ticket                |
//   | exclusive        | -1      | queue             | queue        | free, admit the first ticket|
//
//   upgrade   (shared holder -> exclusive): if it is the only reader and nobody queues, at once; otherwise it
//             gives up its read share, queues a write ticket behind those already waiting and yields.
//   downgrade (exclusive -> shared(1)): then admits queued readers at the front of the queue.
//
// An admitted reader admits the next ticket if it is a reader too, so a run of queued readers enters together.
// Misuse: unlock() without holding it; upgrade() without a read share; downgrade() without the write lock;
// rdlock()/wrlock() while already holding the write lock (deadlock with oneself); entering a coroutine that
// waits for the lock by any path other than the lock's own wake-up.

#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>

namespace corosim {

class CoRwlock {
 public:
  CoRwlock() = default;
  CoRwlock(const CoRwlock &) = delete;
  CoRwlock &operator=(const CoRwlock &) = delete;

  void rdlock(COROSIM_SITE);     // coroutine_fn
  void wrlock(COROSIM_SITE);     // coroutine_fn
  void unlock(COROSIM_SITE);     // coroutine_fn; releases a read share or the write lock
  void upgrade(COROSIM_SITE);    // coroutine_fn; caller holds a read share
  void downgrade(COROSIM_SITE);  // coroutine_fn; caller holds the write lock

  struct Ticket {
    bool read;
    Coroutine *co;
    Ticket *next;
  };

 private:
  void queue_ticket(Ticket *ticket);  // called with mutex_ held
  void admit_first_and_unlock();      // called with mutex_ held; releases it

  CoMutex mutex_;     // protects everything below
  int owners_ = 0;    // -1 exclusive, 0 free, n readers
  Ticket *tickets_head_ = nullptr;
  Ticket *tickets_tail_ = nullptr;
};

}  // namespace corosim
