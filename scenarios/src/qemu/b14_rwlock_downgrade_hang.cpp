// qemu-b14-rwlock-downgrade-hang (seeded bug: lost_wakeup). QEMU's first CoRwlock: a downgrade leaves a queued
// reader to be woken by a single wake-up that it then spends going back to sleep, and everyone hangs.
//
// The old CoRwlock was a CoMutex, a reader count, a count of pending writers and one CoQueue. A writer took the
// mutex, counted itself pending and waited in the queue until the readers were gone, then kept the mutex for its
// whole critical section. A reader waited in the queue while any writer was pending. The last reader out woke ONE
// waiter, assuming it was a writer; a writer's unlock woke everyone. downgrade() (writer to reader) just counted
// a reader and dropped the mutex, waking nobody. So after a downgrade the lock could have queued readers that
// nothing made runnable; the single wake-up of the downgraded reader's unlock then went to a reader which, finding
// a writer still pending, queued again at the tail, and nothing was left to wake the queue. QEMU replaced the lock
// with a FIFO of tickets (corosim::CoRwlock is that design). The scenario implements the old lock with CoMutex and
// CoQueue (old_co_rwlock.hpp) and runs the four-coroutine pattern of QEMU's regression test on it, across two
// IOThreads.
//
//   step  IOThread a: c1          IOThread b: c2, c3, c4                      readers  pending  queue
//   ----  ----------------------  ------------------------------------------  -------  -------  ----------
//    1    c1 rdlock: reading                                                  1        0        -
//    2                            c2 wrlock: pending, waits                   1        1        c2
//    3                            c3 rdlock: a writer is pending, waits       1        1        c2 c3
//    4                            c4 wrlock: pending, waits                   1        2        c2 c3 c4
//    5    c1 unlock: last reader: wake one (c2)                               0        2        c3 c4
//    6                            c2: no readers, writes; downgrade           1        1        c3 c4
//    7                            c2 unlock: last reader: wake one (c3)       0        1        c4
//    8                            c3: c4 is pending -> waits again            0        1        c4 c3
//   c3 and c4 wait in the queue, nobody holds the lock, nobody will wake them: a lost wake-up.
//
// The fix (QEMU 6.1): a ticket queue in which ownership is handed to the woken coroutine before it runs, and
// downgrade admits the queued readers at the head: the same pattern on corosim::CoRwlock completes.

#include <corosim/aio.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"
#include "old_co_rwlock.hpp"

namespace corosim::scenarios::detail {
namespace {

template <class Lock>
void four_coroutines(Lock &lock) {
  MainWait wait;
  int value = 0;  // written under the write lock
  {
    IOThread a, b;
    wait.start_in(a.context(), [&] {  // c1
      lock.rdlock();
      corosim::schedule_point();  // (reading)
      lock.unlock();
    });
    wait.start_in(b.context(), [&] {  // c2
      lock.wrlock();
      value = 1;
      lock.downgrade();
      sim::check(value == 1, "qemu-b14: a writer got in after the downgrade");
      lock.unlock();
    });
    wait.start_in(b.context(), [&] {  // c3
      lock.rdlock();
      lock.unlock();
    });
    wait.start_in(b.context(), [&] {  // c4
      lock.wrlock();
      value = 2;
      lock.unlock();
    });
    wait.wait_for(4);
  }
}

void downgrade_pattern(bool buggy) {
  on_old_or_new_rwlock(buggy, [](auto &lock) { four_coroutines(lock); });
}

COROSIM_SCENARIO_BUG("qemu-b14-rwlock-downgrade-hang", "lost_wakeup",
                     "seeded bug: QEMU's old CoRwlock; after a downgrade a queued reader requeues and all hang") {
  downgrade_pattern(true);
}

COROSIM_SCENARIO("qemu-b14-rwlock-downgrade-hang-fixed",
                 "the same four coroutines on the ticket-based CoRwlock: everyone gets the lock") {
  downgrade_pattern(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
