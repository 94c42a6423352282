/* corosim's QEMU-compatible event loops and cross-context scheduling (QEMU's include/block/aio.h and
 * include/sysemu/iothread.h). Compiles as C11 and as C++. Semantics, thread safety and misuse rules:
 * <corosim/aio.hpp> and <corosim/iothread.hpp>; the C types are the C++ ones under other names
 * (AioContext = corosim::AioContext, QEMUBH = corosim::BottomHalf, IOThread = corosim::IOThread).
 *
 * A C++ file may include this header together with <corosim/aio.hpp>: the C functions and types are global,
 * the C++ ones of the same names live in namespace corosim, and an unqualified call picks the one whose
 * argument types match. Under `using namespace corosim;` the unqualified type names (AioContext, Coroutine)
 * are ambiguous: qualify them (::AioContext or corosim::AioContext).
 */
#ifndef COROSIM_QEMU_AIO_H
#define COROSIM_QEMU_AIO_H

#include <stdbool.h>

#include <corosim/qemu/coroutine.h>
#include <corosim/qemu/event_notifier.h>
#include <corosim/qemu/timer.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct AioContext AioContext;
typedef struct QEMUBH QEMUBH;
typedef void QEMUBHFunc(void *opaque);

/* The main loop's context (its home is the process's main thread; created on first use, never freed). */
AioContext *qemu_get_aio_context(void);
/* The calling thread's context: its IOThread's, the main context on the main thread, otherwise NULL. */
AioContext *qemu_get_current_aio_context(void);

/* A new context with a reference count of 1; its home is the thread that polls it. */
AioContext *aio_context_new(void);
/* Takes a reference to ctx. */
void aio_context_ref(AioContext *ctx);
/* Drops a reference; the last one frees ctx (no coroutine may still be scheduled in it). */
void aio_context_unref(AioContext *ctx);
/* One loop iteration (home thread only); blocks for work if `blocking`. Returns whether progress was made. */
bool aio_poll(AioContext *ctx, bool blocking);

/* A bottom half: cb(opaque) runs in ctx's loop once per schedule. */
QEMUBH *aio_bh_new(AioContext *ctx, QEMUBHFunc *cb, void *opaque);
/* Schedules bh (any thread); scheduling it again before it ran runs it once. */
void qemu_bh_schedule(QEMUBH *bh);
/* Cancels a pending run and frees bh (home thread). */
void qemu_bh_delete(QEMUBH *bh);
/* Runs cb(opaque) once in ctx's loop (any thread); the bottom half frees itself. */
void aio_bh_schedule_oneshot(AioContext *ctx, QEMUBHFunc *cb, void *opaque);
/* Cancels a pending run of bh (no-op if none is pending); bh stays allocated and may be scheduled again. */
void qemu_bh_cancel(QEMUBH *bh);

/* Wakes a blocking aio_poll of ctx (any thread); cheap when nobody polls. */
void aio_notify(AioContext *ctx);

/* The context's recursive lock, for code sharing state with ctx's callbacks from another thread (aio_poll does
 * not take it). Each acquire needs a release by the same thread. */
void aio_context_acquire(AioContext *ctx);
void aio_context_release(AioContext *ctx);

/* Descriptor handlers, run by aio_poll of ctx (home thread only). io_read / io_write run when fd is readable /
 * writable. io_poll(opaque), if given, is a cheap readiness check aio_poll makes once per iteration before it
 * would wait: when it returns true aio_poll does not wait and runs io_poll_ready(opaque) (io_read instead if fd
 * is readable too). An external handler (is_external) is skipped between aio_disable_external and
 * aio_enable_external. io_read, io_write and io_poll all NULL removes fd's handler. */
typedef void IOHandler(void *opaque);
typedef bool AioPollFn(void *opaque);
void aio_set_fd_handler(AioContext *ctx, int fd, bool is_external, IOHandler *io_read, IOHandler *io_write,
                        AioPollFn *io_poll, IOHandler *io_poll_ready, void *opaque);
/* The same for an event notifier: the handlers get the notifier; io_poll gets it as its opaque. io_read and
 * io_poll NULL removes it. */
void aio_set_event_notifier(AioContext *ctx, EventNotifier *notifier, bool is_external, EventNotifierHandler *io_read,
                            AioPollFn *io_poll, EventNotifierHandler *io_poll_ready);
/* Holds back (and lets go again) the external handlers; calls nest. Any thread. */
void aio_disable_external(AioContext *ctx);
void aio_enable_external(AioContext *ctx);

/* Timers of ctx (see <corosim/qemu/timer.h>): cb(opaque) runs in ctx's aio_poll once `type`'s clock reaches the
 * deadline given to timer_mod, in units of `scale` (SCALE_NS, SCALE_US, SCALE_MS). */
void aio_timer_init(AioContext *ctx, QEMUTimer *ts, QEMUClockType type, int scale, QEMUTimerCB *cb, void *opaque);
QEMUTimer *aio_timer_new(AioContext *ctx, QEMUClockType type, int scale, QEMUTimerCB *cb, void *opaque);

/* Enters co in ctx's loop (any thread); co must have yielded or be about to. Scheduling it twice is misuse. */
void aio_co_schedule(AioContext *ctx, Coroutine *co);
/* Restarts co in its home context (the one it last ran in). */
void aio_co_wake(Coroutine *co);
/* Enters co in ctx: scheduled from another context, queued behind the caller from a coroutine of ctx,
 * entered now from plain code of ctx. */
void aio_co_enter(AioContext *ctx, Coroutine *co);
/* Moves the running coroutine to new_ctx and returns there (scheduled only once it has yielded here). */
void coroutine_fn aio_co_reschedule_self(AioContext *new_ctx);

/* A thread running one context's loop. */
typedef struct IOThread IOThread;
/* Starts a new IOThread with a context of its own. */
IOThread *iothread_new(void);
/* The IOThread's context (valid until iothread_join). */
AioContext *iothread_get_aio_context(IOThread *iothread);
/* Stops the loop once pending work is done, joins the thread and frees the IOThread (not from itself). */
void iothread_join(IOThread *iothread);

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_AIO_H */
