// Sleeping on a clock: a timer of the current context wakes the coroutine (see aio.hpp).

#include <corosim/aio.hpp>

#include "../coroutine_impl.hpp"

namespace corosim {

// QEMU's name for the mark, so that its misuse message reads the same.
static constexpr const char *kSleepMark = "qemu_co_sleep_ns";

void CoSleep::sleep_ns(ClockType clock, int64_t ns) {
  Coroutine *me = detail::self_or_misuse("sleep_ns");
  AioContext *ctx = current_context();
  if (COROSIM_UNLIKELY(!ctx)) detail::misuse("sleep_ns called on a thread without an event loop");
  const char *already = nullptr;
  if (COROSIM_UNLIKELY(!me->scheduled.compare_exchange_strong(already, kSleepMark)))
    detail::misuse("Co-routine was already scheduled in '%s'", already);
  to_wake_ = me;
  Timer timer(ctx, clock, [](void *self) { static_cast<CoSleep *>(self)->wake(); }, this);
  timer.mod_ns(clock_ns(clock) + ns);
  detail::yield_waiting(me, detail::Wait::sleep, ctx);
  // Woken by the timer or by wake(); either way the timer is disarmed when it goes out of scope here.
}

void CoSleep::wake() noexcept {
  Coroutine *co = to_wake_;
  if (!co) return;  // nobody sleeps, or already woken
  to_wake_ = nullptr;
  co->scheduled.store(nullptr);
  aio_co_wake(co);
}

void sleep_ns(ClockType clock, int64_t ns) {
  CoSleep sleep;
  sleep.sleep_ns(clock, ns);
}

}  // namespace corosim
