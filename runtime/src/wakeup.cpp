// coroutine_enter and the wake-up queue (SEMANTICS.md, "Wake-ups are deferred").
//
// When a coroutine wakes another one in its own context, the woken one is appended to the waker's wake-up queue
// instead of being entered on the waker's stack. The enter loop below, which runs on the stack of whoever
// entered the first coroutine, runs queued coroutines after the waker yields or terminates, depth first:
// coroutines queued by the one that just ran go before those that were already pending. So A wakes B then C,
// A yields, B runs and wakes D, B yields: the order is A, B, D, C. Because every woken coroutine is entered from
// this loop and never nested in its waker, two coroutines can wake each other any number of times without
// growing a stack.

#include "coroutine_impl.hpp"
#include "pool.hpp"

namespace corosim::detail {

[[gnu::noinline, gnu::cold]] static void enter_misuse(Coroutine *to) {
  if (const char *where = to->scheduled.load(std::memory_order_relaxed))
    misuse("Co-routine was already scheduled in '%s'", where);
  if (to->caller) misuse("Co-routine re-entered recursively");
  if (to->queued == Queue::pool) misuse("Co-routine %llu was entered after it terminated",
                                        static_cast<unsigned long long>(to->id));
  misuse("Co-routine %llu was entered while it waits in a %s", static_cast<unsigned long long>(to->id),
         queue_name(to->queued));
}

[[gnu::noinline, gnu::cold]] static void terminate_misuse(Coroutine *to) {
  misuse("Co-routine %llu terminated while holding %u lock(s)", static_cast<unsigned long long>(to->id),
         to->locks_held);
}

void enter_in(AioContext *ctx, Coroutine *co) {
  ThreadState &ts = this_thread();
  Coroutine *from = current_or_leader(ts);
  // The pending list: `to` first, then the chain from pending_head. Entries in the chain are marked as being in
  // a wake-up queue until they are taken off it.
  Coroutine *to = co;
  Coroutine *pending_head = nullptr;
  for (;;) {
    // The scheduled mark is read before anything else about `to`: a coroutine still in a context's scheduled
    // list, or sleeping, must not be entered by another path (it would later be entered twice).
    if (COROSIM_UNLIKELY(to->scheduled.load(std::memory_order_acquire) != nullptr || to->caller != nullptr ||
                         to->queued != Queue::none))
      enter_misuse(to);
    to->caller = from;
    to->ctx = ctx;
    to->started = true;

    Action action = switch_to(ts, from, to, Action::enter);

    // Prepend what `to` woke to the pending chain (depth first).
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
  }
}

void wake(Coroutine *co) {
  ThreadState &ts = this_thread();
  Coroutine *cur = ts.current;
  if (cur && cur->caller) {
    enqueue_check(co, Queue::wakeup);
    co->queue_next = nullptr;
    if (cur->wakeup_tail)
      cur->wakeup_tail->queue_next = co;
    else
      cur->wakeup_head = co;
    cur->wakeup_tail = co;
  } else {
    enter_in(ts.ctx, co);
  }
}

}  // namespace corosim::detail

namespace corosim {

void coroutine_enter(Coroutine *co) { detail::enter_in(detail::this_thread().ctx, co); }

}  // namespace corosim
