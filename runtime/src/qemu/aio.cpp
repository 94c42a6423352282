// The QEMU-compatible C API for event loops, clocks and sleep (corosim/qemu/aio.h, corosim/qemu/timer.h and
// co_sleep_ns of corosim/qemu/coroutine.h) over the C++ runtime. The C types are the C++ ones under other
// names: `struct AioContext` is corosim::AioContext, `struct QEMUBH` is corosim::BottomHalf, `struct IOThread`
// is corosim::IOThread and `struct Coroutine` is corosim::Coroutine (never defined as C types; the pointers
// are only cast). `struct QEMUClock` is defined here: a ClockType.

#include <corosim/aio.hpp>
#include <corosim/clock.hpp>
#include <corosim/iothread.hpp>
#include <corosim/qemu/aio.h>
#include <corosim/qemu/coroutine.h>
#include <corosim/qemu/timer.h>

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

// --- coroutine.h ---

void co_sleep_ns(QEMUClock *clock, int64_t ns) { corosim::sleep_ns(clock_type(clock, "co_sleep_ns"), ns); }

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
