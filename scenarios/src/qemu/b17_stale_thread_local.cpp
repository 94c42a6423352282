// qemu-b17-stale-thread-local (seeded bug: assertion). A coroutine keeps the address of a thread-local variable
// across a yield that moves it to another thread, and then updates the old thread's copy.
//
// A coroutine can leave a thread at every yield: aio_co_reschedule_self(), or a wake-up that resumes it in a
// context run by another thread. Code in it that uses a thread-local variable before and after such a point may
// still use the first thread's copy afterwards: the compiler assumes a function never changes threads, so it may
// compute the thread-local's address once (the thread pointer plus an offset) and keep it in a register or on
// the stack across the call. QEMU hit this with its per-thread coroutine state and with rcu_reader and others;
// its fix is coroutine-tls.h, whose accessors are out-of-line functions that re-read the thread pointer on every
// use. corosim's runtime does the same for its own state (this_thread_after_switch). Here the stale address
// is kept by hand, explicitly, as the optimiser would keep it, and the "thread-local" is a per-thread table
// indexed by the calling thread's event loop (in the simulator a real thread_local has one copy for every sim
// thread, docs/semantics.md).
//
// Each thread counts the requests it handled in its own copy of `handled`. Request coroutine X starts in
// IOThread a, is counted there, moves to IOThread b and is counted again; request Y stays in a:
//
//   step  sim thread 1 (IOThread a)                        sim thread 2 (IOThread b)
//   ----  -----------------------------------------------  -----------------------------------------------
//    1    X: p = &handled (a's copy); ++*p                                                      a=1 b=0
//    2    X: aio_co_reschedule_self(b): yields
//    3                                                     X resumes in b: ++*p: a's copy!       a=2 b=0
//    4    Y: ++handled (a's copy), concurrently with 3                                          a=3 b=0
//   Expected a=2 (X's first half, Y), b=1 (X's second half) -> assertion. Step 3 also writes another thread's
//   variable without synchronisation: when it overlaps step 4, one of the two updates is lost.
//
// The fix: look the thread-local up again after every point where the coroutine may have moved.

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

// `handled`, one copy per event-loop thread: what a thread_local is on a real platform.
struct PerThreadCount {
  AioContext *owner[2] = {};
  int value[2] = {};

  int &get() {  // this thread's copy
    AioContext *here = current_context();
    return value[here == owner[0] ? 0 : 1];
  }
};

void count(int &copy) {
  const int seen = copy;
  corosim::schedule_point();  // (the rest of the request)
  copy = seen + 1;
}

void move_between_threads(bool buggy) {
  MainWait wait;
  PerThreadCount handled;
  {
    IOThread a, b;
    handled.owner[0] = a.context();
    handled.owner[1] = b.context();
    AioContext *target = b.context();
    aio_co_schedule(a.context(), coroutine_create([&] {  // X
                      int *p = &handled.get();
                      count(*p);
                      aio_co_reschedule_self(target);
                      count(buggy ? *p : handled.get());  // BUG (when buggy): p is a's copy
                      wait.done();
                    }));
    aio_co_schedule(a.context(), coroutine_create([&] {  // Y
                      count(handled.get());
                      wait.done();
                    }));
    wait.wait_for(2);
  }
  check_equal("qemu-b17: requests counted by IOThread a", 2, handled.value[0]);
  check_equal("qemu-b17: requests counted by IOThread b", 1, handled.value[1]);
}

COROSIM_SCENARIO_BUG("qemu-b17-stale-thread-local", "assertion",
                     "seeded bug: a coroutine keeps a thread-local's address across a move to another thread") {
  move_between_threads(true);
}

COROSIM_SCENARIO("qemu-b17-stale-thread-local-fixed",
                 "the same move, looking the thread-local up again after it: each thread counts its own") {
  move_between_threads(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
