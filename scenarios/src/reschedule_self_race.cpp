// reschedule-self-race (seeded bug: misuse). A coroutine schedules itself into another context, then yields.
//
// Coroutine X runs in IOThread a and wants to continue in IOThread b. It calls aio_co_schedule(b, self()) and
// yields, doing one more piece of bookkeeping in between (it drops the count of work in flight in a). But the
// moment X is on b's scheduled list and b's loop is notified, b may run its bottom half and enter X, while X is
// still running in a. The runtime refuses to enter a coroutine that already has a caller and reports misuse:
// "Co-routine re-entered recursively" (runtime/src/wakeup.cpp, enter_misuse). (QEMU's bug class "a coroutine
// that schedules itself elsewhere and is entered by the other thread before it yields"; aio_co_reschedule_self
// exists to avoid it: it schedules the move from a bottom half of the old context, which runs only after the
// yield, runtime/src/aio/schedule.cpp.)
//
//   step  sim thread 1 (IOThread a), coroutine X          sim thread 2 (IOThread b)
//   ----  ----------------------------------------------  ----------------------------------------------
//    1    aio_co_schedule(b, X): mark X scheduled,
//         push X on b's list, schedule b's bottom half,
//         notify b
//    2    in_flight_a.fetch_sub(1)      <- preempted
//    3                                                    poll wakes: run bottom halves
//    4                                                    run_scheduled_coroutines: clear X's mark,
//                                                         enter X: X has a caller (it runs in a) -> MISUSE
//   (had X yielded first: b enters X, X continues in b, reports done; the run passes)
//
// The run fails with status misuse and the runtime's message. Random walk and PCT find it when a preemption
// lands between step 1 and X's yield, DFS with one preemption.

#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

COROSIM_SCENARIO_BUG("reschedule-self-race", "misuse",
                     "seeded bug: a coroutine does aio_co_schedule(other, self()) then yields; other enters it first") {
  MainWait wait;
  corosim::atomic<int> in_flight_a{0};  // work running in context a (bookkeeping the mover updates)
  {
    IOThread a, b;
    AioContext *target = b.context();
    in_flight_a.store(1);
    aio_co_schedule(a.context(), coroutine_create([&] {
                      aio_co_schedule(target, self());  // BUG: b may enter us before we yield (use
                                                        // aio_co_reschedule_self)
                      in_flight_a.fetch_sub(1);
                      yield();  // resumes in b
                      sim::check(current_context() == target, "reschedule-self-race: did not move to b");
                      wait.done();
                    }));
    wait.wait_for(1);
  }
}

}  // namespace
}  // namespace corosim::scenarios::detail
