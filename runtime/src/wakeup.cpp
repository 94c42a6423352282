// coroutine_enter and the wake-up queue (docs/semantics.md, "Wake-ups are deferred").
//
// When a coroutine wakes another one in its own context, the woken one is appended to the waker's wake-up queue
// instead of being entered on the waker's stack. The enter loop below, which runs on the stack of whoever
// entered the first coroutine, runs queued coroutines after the waker yields or terminates, depth first:
// coroutines queued by the one that just ran go before those that were already pending. So A wakes B then C,
// A yields, B runs and wakes D, B yields: the order is A, B, D, C. Because every woken coroutine is entered from
// this loop and never nested in its waker, two coroutines can wake each other any number of times without
// growing a stack.

#include <corosim/aio.hpp>

#include "coroutine_impl.hpp"
#include "pool.hpp"

namespace corosim::detail {

// Reports what prepare_entry saw. It is given the values prepare_entry read rather than reading them again: by
// now another thread may have changed them (the coroutine yielded in its own thread meanwhile), and the report
// must name the state that was refused.
[[gnu::noinline, gnu::cold]] static void enter_misuse(Coroutine *to, const char *scheduled_in, bool has_caller) {
  if (scheduled_in) misuse("Co-routine was already scheduled in '%s'", scheduled_in);
  if (has_caller) misuse("Co-routine re-entered recursively");
  if (to->queued == Queue::pool) misuse("Co-routine %llu was entered after it terminated",
                                        id_of(to));
  misuse("Co-routine %llu was entered while it waits in a %s", id_of(to),
         queue_name(to->queued));
}

[[gnu::noinline, gnu::cold]] static void terminate_misuse(Coroutine *to) {
  misuse("Co-routine %llu terminated while holding %u lock(s)", id_of(to),
         to->locks_held);
}

// Checks that `to` may be entered and makes `from` its caller.
static inline void prepare_entry(AioContext *ctx, Coroutine *from, Coroutine *to) {
  // The scheduled mark is read before anything else about `to`: a coroutine still in a context's scheduled
  // list, or sleeping, must not be entered by another path (it would later be entered twice).
  const char *scheduled_in = to->scheduled.load(std::memory_order_acquire);
  if (COROSIM_UNLIKELY(scheduled_in != nullptr || to->caller != nullptr || to->queued != Queue::none))
    enter_misuse(to, scheduled_in, to->caller != nullptr);
  to->caller = from;
  to->ctx = ctx;
  to->started = true;
}

// What is left after `to` came back to `from` with `action`: take over its wake-ups (depth first), recycle it if
// it terminated, and run the pending chain the same way.
static void enter_loop(ThreadState &ts, AioContext *ctx, Coroutine *from, Coroutine *to, Action action) {
  Coroutine *pending_head = nullptr;  // the chain of coroutines still to run, through queue_next
  for (;;) {
    // A terminating coroutine does not set current on its way out (it would need a thread-local lookup on a
    // stack that may have moved threads); the enterer puts itself back.
    ts.current = from;
    if (Coroutine *head = to->wakeup_head) {
      to->wakeup_tail->queue_next = pending_head;
      pending_head = head;
      to->wakeup_head = to->wakeup_tail = nullptr;
    }
    if (COROSIM_UNLIKELY(action == Action::terminate)) {
      if (COROSIM_UNLIKELY(to->locks_held != 0)) terminate_misuse(to);
      release(ts, to);
    }
    if (COROSIM_LIKELY(pending_head == nullptr)) return;
    to = pending_head;
    pending_head = to->queue_next;
    to->queue_next = nullptr;
    to->queued = Queue::none;
    prepare_entry(ctx, from, to);
    action = switch_to(ts, from, to, Action::enter);
  }
}

void enter_in(AioContext *ctx, Coroutine *co) {
  ThreadState &ts = this_thread();
  Coroutine *from = current_or_leader(ts);
  prepare_entry(ctx, from, co);
  enter_loop(ts, ctx, from, co, switch_to(ts, from, co, Action::enter));
}

void wake_after_self(Coroutine *co) {
  Coroutine *cur = this_thread().current;
  enqueue_check(co, Queue::wakeup);
  co->queue_next = nullptr;
  if (cur->wakeup_tail)
    cur->wakeup_tail->queue_next = co;
  else
    cur->wakeup_head = co;
  cur->wakeup_tail = co;
}

void wake(Coroutine *co) {
  ThreadState &ts = this_thread();
  AioContext *here = ts.ctx ? ts.ctx : bind_main_context(ts);
  AioContext *home = co->ctx ? co->ctx : here;  // never entered yet: it has no other home
  if (COROSIM_UNLIKELY(home != here)) {
    aio_co_schedule(home, co);  // (which tells the trace)
    return;
  }
  Platform::note_wake(co->id);
  Coroutine *cur = ts.current;
  if (cur && cur->caller)
    wake_after_self(co);
  else
    enter_in(here, co);
}
}  // namespace corosim::detail

#if COROSIM_FCONTEXT_STUBS
extern "C" void corosim_fctx_enter_finish(corosim::Coroutine *to, uintptr_t action_bits) {
  using namespace corosim;
  using namespace corosim::detail;
  ThreadState &ts = this_thread();
  const auto action = static_cast<Action>(action_bits);
  // `to` yielded (current is its caller again) or terminated (current still names it, caller intact).
  Coroutine *from = action == Action::terminate ? to->caller : ts.current;
  if (COROSIM_LIKELY(action == Action::terminate && to->wakeup_head == nullptr && to->locks_held == 0)) {
    ts.current = from;  // (see enter_loop)
    release(ts, to);    // the common end of a coroutine's life: nothing woken, nothing held
    return;
  }
  enter_loop(ts, ts.ctx, from, to, action);
}
#endif

namespace corosim {

void coroutine_enter(Coroutine *co) {
  using namespace detail;
#if COROSIM_FCONTEXT_STUBS
  // Fast path: an fcontext coroutine entered from an fcontext coroutine or a thread leader that has been set
  // up. Everything else (first use on this thread, other backends, misuse) goes the portable way.
  ThreadState &own = this_slot().own;
  Coroutine *from = own.current;
  if (COROSIM_LIKELY(from != nullptr && (from->backend_bits | co->backend_bits) == kFcontext &&
                     co->scheduled.load(std::memory_order_acquire) == nullptr && co->caller == nullptr &&
                     co->queued == Queue::none)) {
    co->caller = from;
    co->ctx = own.ctx;
    co->started = true;
    own.current = co;
    return corosim_fctx_enter(co->fctx, tag(from, Action::enter), co);  // a tail call: see the stub
  }
#endif
  // The thread is set up before its context is read: a coroutine entered by a thread's first use of coroutines
  // must get the context that set-up binds (the main context, on the main thread) as its home, like any other.
  ThreadState &ts = this_thread();
  current_or_leader(ts);
  enter_in(ts.ctx, co);
}

}  // namespace corosim
