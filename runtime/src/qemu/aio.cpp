// The QEMU-compatible C API for event loops, clocks, timers, event notifiers and sleep (corosim/qemu/aio.h,
// timer.h, event_notifier.h and the sleeps of coroutine.h) over the C++ runtime. The C types are the C++ ones
// under other names: `struct AioContext` is corosim::AioContext, `struct QEMUBH` is corosim::BottomHalf, `struct
// IOThread` is corosim::IOThread and `struct Coroutine` is corosim::Coroutine (never defined as C types; the
// pointers are only cast). `struct QEMUClock` is defined here: a ClockType. QEMUTimer and EventNotifier are
// storage for a Timer::Node and a Notifier below (sizes checked).

#include <corosim/aio.hpp>
#include <corosim/clock.hpp>
#include <corosim/iothread.hpp>
#include <corosim/qemu/aio.h>
#include <corosim/qemu/coroutine.h>
#include <corosim/qemu/event_notifier.h>
#include <corosim/qemu/timer.h>

#include <new>

#include "../aio/aio_impl.hpp"
#include "../coroutine_impl.hpp"

struct QEMUClock {
  corosim::ClockType type;
};

namespace {

QEMUClock g_rt_clock{corosim::ClockType::realtime};
QEMUClock g_vm_clock{corosim::ClockType::virtual_};
QEMUClock g_host_clock{corosim::ClockType::host};

corosim::ClockType clock_type(QEMUClock *clock, const char *what) {
  if (COROSIM_UNLIKELY(!clock)) corosim::detail::misuse("%s called with a null clock", what);
  return clock->type;
}

corosim::ClockType clock_type(QEMUClockType type, const char *what) {
  switch (type) {
    case QEMU_CLOCK_REALTIME:
      return corosim::ClockType::realtime;
    case QEMU_CLOCK_VIRTUAL:
      return corosim::ClockType::virtual_;
    case QEMU_CLOCK_HOST:
      return corosim::ClockType::host;
    default:
      corosim::detail::misuse("%s called with clock type %d", what, static_cast<int>(type));
  }
}

// An EventNotifier's contents: the platform's notifier and the handlers the event loop calls with it.
struct Notifier {
  corosim::detail::Platform::EventNotifier notifier;
  EventNotifierHandler *io_read = nullptr;
  EventNotifierHandler *io_poll_ready = nullptr;
};

template <class Cpp, class C>
constexpr bool fits = sizeof(Cpp) <= sizeof(C) && alignof(Cpp) <= alignof(C);
static_assert(fits<Notifier, EventNotifier>, "grow EventNotifier::opaque_ in corosim/qemu/event_notifier.h");
static_assert(fits<corosim::Timer::Node, decltype(QEMUTimer::opaque_)>, "grow QEMUTimer::opaque_ in timer.h");

Notifier *cpp(EventNotifier *e) { return std::launder(reinterpret_cast<Notifier *>(e)); }
const Notifier *cpp(const EventNotifier *e) { return std::launder(reinterpret_cast<const Notifier *>(e)); }
corosim::Timer::Node *cpp(QEMUTimer *ts) { return std::launder(reinterpret_cast<corosim::Timer::Node *>(ts->opaque_)); }

// The event loop's callbacks for an event notifier: the C handler gets the notifier itself.
void notifier_read(void *e) { cpp(static_cast<EventNotifier *>(e))->io_read(static_cast<EventNotifier *>(e)); }
void notifier_poll_ready(void *e) {
  cpp(static_cast<EventNotifier *>(e))->io_poll_ready(static_cast<EventNotifier *>(e));
}

corosim::AioContext *cpp(AioContext *ctx) { return reinterpret_cast<corosim::AioContext *>(ctx); }
AioContext *c(corosim::AioContext *ctx) { return reinterpret_cast<AioContext *>(ctx); }
corosim::BottomHalf *cpp(QEMUBH *bh) { return reinterpret_cast<corosim::BottomHalf *>(bh); }
QEMUBH *c(corosim::BottomHalf *bh) { return reinterpret_cast<QEMUBH *>(bh); }
corosim::IOThread *cpp(IOThread *t) { return reinterpret_cast<corosim::IOThread *>(t); }
IOThread *c(corosim::IOThread *t) { return reinterpret_cast<IOThread *>(t); }
corosim::Coroutine *cpp(Coroutine *co) { return reinterpret_cast<corosim::Coroutine *>(co); }

}  // namespace

extern "C" {

// --- timer.h ---

QEMUClock *rt_clock = &g_rt_clock;
QEMUClock *vm_clock = &g_vm_clock;
QEMUClock *host_clock = &g_host_clock;

int64_t qemu_get_clock_ns(QEMUClock *clock) { return corosim::clock_ns(clock_type(clock, "qemu_get_clock_ns")); }

int64_t qemu_clock_get_ns(QEMUClockType type) { return corosim::clock_ns(clock_type(type, "qemu_clock_get_ns")); }

void timer_mod(QEMUTimer *ts, int64_t expire_time) { cpp(ts)->mod_ns(expire_time * ts->scale); }
void timer_mod_ns(QEMUTimer *ts, int64_t expire_ns) { cpp(ts)->mod_ns(expire_ns); }
void timer_del(QEMUTimer *ts) { cpp(ts)->del(); }
bool timer_pending(QEMUTimer *ts) { return cpp(ts)->pending(); }
void timer_deinit(QEMUTimer *ts) { cpp(ts)->del(); }
void timer_free(QEMUTimer *ts) {
  if (!ts) return;
  cpp(ts)->del();
  delete ts;
}

// --- event_notifier.h ---

int event_notifier_init(EventNotifier *e, int active) {
  Notifier *n = ::new (static_cast<void *>(e)) Notifier;
  if (active) n->notifier.set();
  return 0;
}
void event_notifier_cleanup(EventNotifier *e) { cpp(e)->~Notifier(); }
int event_notifier_set(EventNotifier *e) {
  cpp(e)->notifier.set();
  return 0;
}
int event_notifier_test_and_clear(EventNotifier *e) { return cpp(e)->notifier.test_and_clear(); }
int event_notifier_get_fd(const EventNotifier *e) { return cpp(e)->notifier.fd(); }

// --- coroutine.h ---

void co_sleep_ns(QEMUClock *clock, int64_t ns) { corosim::sleep_ns(clock_type(clock, "co_sleep_ns"), ns); }
void qemu_co_sleep_ns(QEMUClockType type, int64_t ns) {
  corosim::sleep_ns(clock_type(type, "qemu_co_sleep_ns"), ns);
}

// --- aio.h ---

AioContext *qemu_get_aio_context(void) { return c(corosim::main_context()); }
AioContext *qemu_get_current_aio_context(void) { return c(corosim::current_context()); }

AioContext *aio_context_new(void) { return c(corosim::AioContext::create()); }
void aio_context_ref(AioContext *ctx) { cpp(ctx)->ref(); }
void aio_context_unref(AioContext *ctx) { cpp(ctx)->unref(); }
bool aio_poll(AioContext *ctx, bool blocking) { return cpp(ctx)->poll(blocking); }

QEMUBH *aio_bh_new(AioContext *ctx, QEMUBHFunc *cb, void *opaque) { return c(corosim::bh_new(cpp(ctx), cb, opaque)); }
void qemu_bh_schedule(QEMUBH *bh) { corosim::bh_schedule(cpp(bh)); }
void qemu_bh_delete(QEMUBH *bh) { corosim::bh_delete(cpp(bh)); }
void aio_bh_schedule_oneshot(AioContext *ctx, QEMUBHFunc *cb, void *opaque) {
  corosim::bh_schedule_oneshot(cpp(ctx), cb, opaque);
}

void qemu_bh_cancel(QEMUBH *bh) { corosim::bh_cancel(cpp(bh)); }

void aio_notify(AioContext *ctx) { cpp(ctx)->notify(); }
void aio_context_acquire(AioContext *ctx) { cpp(ctx)->acquire(); }
void aio_context_release(AioContext *ctx) { cpp(ctx)->release(); }
void aio_disable_external(AioContext *ctx) { cpp(ctx)->disable_external(); }
void aio_enable_external(AioContext *ctx) { cpp(ctx)->enable_external(); }

void aio_set_fd_handler(AioContext *ctx, int fd, bool is_external, IOHandler *io_read, IOHandler *io_write,
                        AioPollFn *io_poll, IOHandler *io_poll_ready, void *opaque) {
  cpp(ctx)->set_fd_handler(fd, {io_read, io_write, io_poll, io_poll_ready, opaque, is_external});
}

void aio_set_event_notifier(AioContext *ctx, EventNotifier *notifier, bool is_external, EventNotifierHandler *io_read,
                            AioPollFn *io_poll, EventNotifierHandler *io_poll_ready) {
  Notifier *n = cpp(notifier);
  n->io_read = io_read;
  n->io_poll_ready = io_poll_ready;
  corosim::AioContext::FdCallbacks callbacks{io_read ? notifier_read : nullptr, nullptr, io_poll,
                                             io_poll_ready ? notifier_poll_ready : nullptr, notifier, is_external};
  if (!io_read && !io_poll) callbacks = {};  // removes it
  cpp(ctx)->set_fd_handler(n->notifier.fd(), callbacks);
}

void aio_timer_init(AioContext *ctx, QEMUTimer *ts, QEMUClockType type, int scale, QEMUTimerCB *cb, void *opaque) {
  ::new (static_cast<void *>(ts->opaque_))
      corosim::Timer::Node{cpp(ctx), clock_type(type, "aio_timer_init"), cb, opaque, -1, 0, false};
  ts->scale = scale;
}

QEMUTimer *aio_timer_new(AioContext *ctx, QEMUClockType type, int scale, QEMUTimerCB *cb, void *opaque) {
  QEMUTimer *ts = new QEMUTimer;
  aio_timer_init(ctx, ts, type, scale, cb, opaque);
  return ts;
}

void aio_co_schedule(AioContext *ctx, Coroutine *co) { corosim::aio_co_schedule(cpp(ctx), cpp(co)); }
void aio_co_wake(Coroutine *co) { corosim::aio_co_wake(cpp(co)); }
void aio_co_enter(AioContext *ctx, Coroutine *co) { corosim::aio_co_enter(cpp(ctx), cpp(co)); }
void aio_co_reschedule_self(AioContext *new_ctx) { corosim::aio_co_reschedule_self(cpp(new_ctx)); }

IOThread *iothread_new(void) { return c(new corosim::IOThread); }
AioContext *iothread_get_aio_context(IOThread *iothread) { return c(cpp(iothread)->context()); }
void iothread_join(IOThread *iothread) {
  corosim::IOThread *t = cpp(iothread);
  t->join();
  delete t;
}

}  // extern "C"
