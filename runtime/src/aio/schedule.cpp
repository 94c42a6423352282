// Cross-context scheduling: aio_co_schedule and what is built on it (see aio.hpp).

#include <corosim/aio.hpp>

#include "../coroutine_impl.hpp"
#include "aio_impl.hpp"

namespace corosim {

void aio_co_schedule(AioContext *ctx, Coroutine *co) {
  detail::Platform::note_wake(co->id);
  // The mark goes first: from here until the bottom half takes co off the list, entering it by any other path
  // is misuse (enter checks the mark), and scheduling it again is too.
  const char *already = nullptr;
  if (COROSIM_UNLIKELY(!co->scheduled.compare_exchange_strong(already, "aio_co_schedule")))
    detail::misuse("Co-routine was already scheduled in '%s'", already);
  // Once co is on the list, ctx's thread may run it, co may finish, and the last reference to ctx may go (an
  // IOThread joined and its context freed) while we are still notifying ctx in bh_schedule. Our own reference
  // keeps it alive until we are done, as QEMU's aio_co_schedule does (ThreadSanitizer caught the freed context
  // under CoroutineHopsAroundThreeIOThreadsAndLandsRightEveryTime).
  ctx->ref();
  AioContext::Impl &impl = *ctx->impl();
  Coroutine *head = impl.scheduled_head.load();
  do {
    co->scheduled_next = head;
  } while (!impl.scheduled_head.compare_exchange_weak(head, co));
  bh_schedule(impl.co_schedule_bh);
  ctx->unref();
}

namespace detail {

void run_scheduled_coroutines(void *opaque) {
  auto *ctx = static_cast<AioContext *>(opaque);
  // Take the whole list at once (coroutines scheduled while we run wait for the next iteration), and reverse
  // it: pushes made it LIFO, coroutines must run in the order they were scheduled.
  Coroutine *lifo = ctx->impl()->scheduled_head.exchange(nullptr);
  Coroutine *fifo = nullptr;
  while (lifo) {
    Coroutine *next = lifo->scheduled_next;
    lifo->scheduled_next = fifo;
    fifo = lifo;
    lifo = next;
  }
  while (fifo) {
    Coroutine *co = fifo;
    fifo = co->scheduled_next;
    co->scheduled_next = nullptr;
    co->scheduled.store(nullptr);  // cleared before the enter, which checks it
    enter_in(ctx, co);
  }
}

}  // namespace detail

void aio_co_wake(Coroutine *co) { detail::wake(co); }

void aio_co_enter(AioContext *ctx, Coroutine *co) {
  if (ctx != current_context()) {
    aio_co_schedule(ctx, co);
  } else if (in_coroutine()) {
    detail::wake_after_self(co);
  } else {
    detail::enter_in(ctx, co);
  }
}

namespace {
struct Reschedule {
  Coroutine *co;
  AioContext *new_ctx;
};
}  // namespace

void aio_co_reschedule_self(AioContext *new_ctx) {
  Coroutine *me = detail::self_or_misuse("aio_co_reschedule_self");
  AioContext *old_ctx = current_context();
  if (old_ctx == new_ctx) return;
  if (COROSIM_UNLIKELY(!old_ctx)) detail::misuse("aio_co_reschedule_self called on a thread without an event loop");
  // Scheduling ourselves in new_ctx right away would let its thread enter us before we have yielded here
  // (QEMU's bug class: "a coroutine that schedules itself elsewhere and is entered by the other thread before
  // it yields"). A bottom half of the old context runs only once we have yielded, so it does the scheduling.
  Reschedule request{me, new_ctx};
  bh_schedule_oneshot(
      old_ctx,
      [](void *opaque) {
        auto *r = static_cast<Reschedule *>(opaque);
        aio_co_schedule(r->new_ctx, r->co);
      },
      &request);
  detail::yield_waiting(me, detail::Wait::reschedule, new_ctx);
}

}  // namespace corosim
