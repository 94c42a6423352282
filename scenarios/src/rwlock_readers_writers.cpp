// rwlock-readers-writers (expected: pass). CoRwlock with readers and writers in two event-loop threads.
//
// IOThread a runs reader r1 and writer w1, IOThread b runs reader r2 and writer w2; each takes the lock once.
// Inside, each coroutine counts itself in (readers_inside / writers_inside), checks who else is inside, passes an
// explicit scheduling point (another thread may run and try to get in), checks again, counts itself out and
// unlocks. Writers increment `value`; readers read it.
//
//   sim thread 1 (IOThread a)            sim thread 2 (IOThread b)
//   -------------------------            -------------------------
//   r1: rdlock (free -> shared(1))
//       readers_inside = 1
//       schedule_point .................. r2: rdlock (no ticket queued -> shared(2))      readers share
//                                             readers_inside = 2, writers_inside == 0: ok
//                                         w2: wrlock: owners_ != 0 -> queue ticket, yield
//   w1: wrlock: queue ticket behind w2, yield
//   r1: unlock (shared(1))                r2: unlock (shared(0)) -> admit w2 (exclusive)
//                                         w2: writers_inside = 1, readers_inside == 0: ok
//                                             schedule_point ...
//                                             unlock -> admit w1 (woken into context a)
//   w1: writers_inside = 1 ... unlock
//
// Properties, checked at every point a coroutine is inside: a writer is alone (no reader, no other writer), a
// reader sees no writer; at the end value == 2 (each writer's increment happened once, none lost).

#include <corosim/co_rwlock.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

constexpr int kWriters = 2;

struct Shared {
  CoRwlock lock;
  // Who is inside right now, and the protected value. Plain ints: sim threads are fibers on one OS thread.
  int readers_inside = 0;
  int writers_inside = 0;
  int value = 0;
};

void reader(Shared &s) {
  s.lock.rdlock();
  ++s.readers_inside;
  sim::check(s.writers_inside == 0, "rwlock-readers-writers: a reader got in while a writer is inside");
  int seen = s.value;
  corosim::schedule_point();
  sim::check(s.writers_inside == 0, "rwlock-readers-writers: a writer got in while a reader is inside");
  sim::check(s.value == seen, "rwlock-readers-writers: the value changed under a reader");
  --s.readers_inside;
  s.lock.unlock();
}

void writer(Shared &s) {
  s.lock.wrlock();
  ++s.writers_inside;
  sim::check(s.writers_inside == 1, "rwlock-readers-writers: two writers inside at once");
  sim::check(s.readers_inside == 0, "rwlock-readers-writers: a writer got in while a reader is inside");
  int seen = s.value;
  corosim::schedule_point();
  sim::check(s.writers_inside == 1 && s.readers_inside == 0,
             "rwlock-readers-writers: someone got in while a writer is inside");
  s.value = seen + 1;
  --s.writers_inside;
  s.lock.unlock();
}

COROSIM_SCENARIO("rwlock-readers-writers",
                 "CoRwlock, a reader and a writer in each of 2 IOThreads; writers exclusive, value ends at 2") {
  MainWait wait;
  Shared s;
  {
    IOThread a, b;
    for (IOThread *t : {&a, &b}) {
      aio_co_schedule(t->context(), coroutine_create([&] {
                        reader(s);
                        wait.done();
                      }));
      aio_co_schedule(t->context(), coroutine_create([&] {
                        writer(s);
                        wait.done();
                      }));
    }
    wait.wait_for(4);
  }  // joins the IOThreads
  check_equal("rwlock-readers-writers: final value", kWriters, s.value);
}

}  // namespace
}  // namespace corosim::scenarios::detail
