// qemu-b04-sleep-timer-vs-enter (seeded bug: misuse). A coroutine sleeping on a timer is entered directly by
// someone who wants it to run now; the timer is still armed and would enter it a second time.
//
// The QEMU pattern: a long-running job coroutine throttles itself with a timed sleep, and another part of the
// program (a user resuming, cancelling or re-pacing the job) "kicks" it so that it re-evaluates at once, with
// `if (!job->busy) aio_co_enter(ctx, job->co)`. The kick ends the sleep early, but nothing disarms the sleep's
// timer, which fires later and enters the coroutine again, wherever it then waits (or after it is gone). QEMU
// made the sleep mark the coroutine scheduled ("Co-routine was already scheduled in 'qemu_co_sleep_ns'"), and
// fixed the kickers to wake a sleep through the sleep itself (QemuCoSleep / qemu_co_sleep_wake, which deletes the
// timer). corosim marks sleepers the same way, so the direct enter is reported as misuse.
//
// Job J in IOThread a runs two rounds of "idle, sleep 1 ms, work". A control thread kicks it once, through a
// one-shot bottom half in a (the job's state belongs to a):
//
//   step  sim thread 1 (IOThread a), job J / bottom halves    sim thread 2 (control)
//   ----  ---------------------------------------------------  -------------------------------------------
//    1    J: busy = false; sleep 1 ms: arm the timer, mark J
//         scheduled ('qemu_co_sleep_ns'), yield
//    2                                                        kick: bh_schedule_oneshot(a, kick_bh)
//    3    kick_bh: !busy -> aio_co_enter(a, J): J is marked
//         scheduled by its sleep -> MISUSE
//   (without the mark, J would run now, and the timer would enter it again in its next sleep or after it ended.
//    A kick that arrives while J works (busy), or after it finished, does nothing and the run passes.)
//
// The fix: kick a sleeping job through its sleep (CoSleep::wake: clears the mark, disarms the timer by ending the
// sleep, and wakes the coroutine once).

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

struct Job {
  Coroutine *co = nullptr;
  CoSleep sleep;
  bool busy = true;      // owned by context a: read and written only there
  bool finished = false;
  bool buggy = false;
  AioContext *ctx = nullptr;
  int rounds = 0;
};

// coroutine_fn, in a.
void job_body(Job &job) {
  for (int i = 0; i < 2; ++i) {
    job.busy = false;
    job.sleep.sleep_ns(ClockType::realtime, 1'000'000);  // throttle
    job.busy = true;
    ++job.rounds;
    corosim::schedule_point();  // (the round's work)
  }
  job.finished = true;
}

// Bottom half in a: make an idle job re-evaluate now.
void kick(void *opaque) {
  Job &job = *static_cast<Job *>(opaque);
  if (job.busy || job.finished) return;
  if (job.buggy)
    aio_co_enter(job.ctx, job.co);  // BUG: the sleep's timer is still armed
  else
    job.sleep.wake();
}

void kick_sleeping_job(bool buggy) {
  MainWait wait;
  Job job;
  job.buggy = buggy;
  {
    IOThread a;
    job.ctx = a.context();
    aio_co_schedule(a.context(), coroutine_create([&] {
                      job.co = self();
                      job_body(job);
                      wait.done();
                    }));
    corosim::Thread control([&] { bh_schedule_oneshot(job.ctx, &kick, &job); });
    wait.wait_for(1);
    control.join();
  }
  check_equal("qemu-b04: rounds", 2, job.rounds);
}

COROSIM_SCENARIO_BUG("qemu-b04-sleep-timer-vs-enter", "misuse",
                     "seeded bug: a kick enters a sleeping job directly while its sleep timer is still armed") {
  kick_sleeping_job(true);
}

COROSIM_SCENARIO("qemu-b04-sleep-timer-vs-enter-fixed",
                 "the same kick, through the sleep (CoSleep::wake): the sleep ends once") {
  kick_sleeping_job(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
