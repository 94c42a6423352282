// qemu-b15-rwlock-upgrade-unfair (seeded bug: assertion). In QEMU's first CoRwlock, a reader that asks to upgrade
// counts as a pending writer at once, and a reader queued before it, once woken, finds that pending writer and
// goes back to the tail of the queue: the upgrader, which came last, writes first.
//
// The old lock (old_co_rwlock.hpp) had no notion of a place in line: its single CoQueue woke waiters, and each
// re-checked its own condition and, if it still did not hold, queued again at the end. A reader waits while any
// writer is pending, and upgrade() made the upgrading reader a pending writer the moment it asked. So a reader
// that had queued behind a writer, and was woken when that writer left, found the upgrader pending and lost its
// place to it, and could lose it again to every later upgrade or writer: the lock was unfair to readers, without
// bound under a steady stream of upgrades. QEMU 6.1's ticket queue (corosim::CoRwlock) gives every request a place
// in one FIFO: an upgrade that cannot happen at once gives up its read share and queues a write ticket at the
// tail, behind the readers already waiting.
//
// Four coroutines in IOThread a, paced by sleeps (virtual time, so the order of arrival is fixed); R2 runs in
// IOThread b:
//
//   t (ms)  coroutine         old lock                                          readers  pending  queue
//   ------  ----------------  ------------------------------------------------  -------  -------  ---------
//    0      R1, U: rdlock     both in                                           2        0        -
//    1      W: wrlock         pending, waits                                    2        1        W
//    2      R2: rdlock        a writer is pending: waits                        2        1        W R2
//    3      U: upgrade        reader -> pending writer, waits                   1        2        W R2 U
//    4      R1: unlock        last reader: wake one (W); W writes, unlocks:     0        1        -
//                             wake all (R2, U)
//           R2                U is pending: back to the tail                    0        1        R2
//           U                 no readers: upgrade done, U writes               -> R2 overtaken: assertion
//
// The check: R2 asked for the lock before U asked to upgrade, so R2 must have had it before U's upgrade returns.
// On the ticket lock: W, then R2, then U.

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

void sleep_ms(int ms) { sleep_ns(ClockType::realtime, int64_t{ms} * 1'000'000); }

template <class Lock>
void upgrade_behind_reader(Lock &lock) {
  MainWait wait;
  corosim::atomic<int> events{0};  // numbers the two events checked below, in the order they happen
  int r2_in = 0, u_upgraded = 0;
  {
    IOThread a, b;
    wait.start_in(a.context(), [&] {  // R1
      lock.rdlock();
      sleep_ms(4);
      lock.unlock();
    });
    wait.start_in(a.context(), [&] {  // U
      lock.rdlock();
      sleep_ms(3);
      lock.upgrade();
      u_upgraded = events.fetch_add(1) + 1;
      lock.unlock();
    });
    wait.start_in(a.context(), [&] {  // W
      sleep_ms(1);
      lock.wrlock();
      lock.unlock();
    });
    wait.start_in(b.context(), [&] {  // R2
      sleep_ms(2);
      lock.rdlock();
      r2_in = events.fetch_add(1) + 1;
      lock.unlock();
    });
    wait.wait_for(4);
  }
  sim::check(r2_in < u_upgraded, "qemu-b15: the upgrader overtook a reader that queued before it");
}

void upgrade_pattern(bool buggy) {
  on_old_or_new_rwlock(buggy, [](auto &lock) { upgrade_behind_reader(lock); });
}

COROSIM_SCENARIO_BUG("qemu-b15-rwlock-upgrade-unfair", "assertion",
                     "seeded bug: QEMU's old CoRwlock; an upgrading reader overtakes a reader queued before it") {
  upgrade_pattern(true);
}

COROSIM_SCENARIO("qemu-b15-rwlock-upgrade-unfair-fixed",
                 "the same arrivals on the ticket-based CoRwlock: the upgrade queues behind the waiting reader") {
  upgrade_pattern(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
