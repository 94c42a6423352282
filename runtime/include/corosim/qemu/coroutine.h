/* corosim's QEMU-compatible coroutine API (source-compatible with the QEMU header described in
 * docs/semantics.md, by default in its older two-step form: create(entry), then enter(co, opaque); the newer
 * create(entry, opaque), enter(co) with COROSIM_QEMU_MODERN_COROUTINE, below).
 * Compiles as C11 and as C++. Semantics and misuse rules: <corosim/coroutine.hpp> and the lock headers.
 *
 * CoQueue, CoMutex and CoRwlock are complete types so they can be embedded in C structs; their contents are
 * opaque storage for the C++ objects. Initialise them with the *_init functions before use.
 */
#ifndef COROSIM_QEMU_COROUTINE_H
#define COROSIM_QEMU_COROUTINE_H

#include <stdbool.h>
#include <stdint.h>

#include <corosim/qemu/timer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks functions that may yield: call them only from a coroutine. */
#define coroutine_fn

typedef struct Coroutine Coroutine;
typedef void coroutine_fn CoroutineEntry(void *opaque);

/* QEMU's newer pair, create(entry, opaque) then enter(co), under names of their own; define
 * COROSIM_QEMU_MODERN_COROUTINE before including this header to call them qemu_coroutine_create and
 * qemu_coroutine_enter instead of the older pair below (one form per translation unit; both may be linked
 * together). */
Coroutine *corosim_qemu_coroutine_create_modern(CoroutineEntry *entry, void *opaque);
void corosim_qemu_coroutine_enter_modern(Coroutine *co);
#ifdef COROSIM_QEMU_MODERN_COROUTINE
#define qemu_coroutine_create corosim_qemu_coroutine_create_modern
#define qemu_coroutine_enter corosim_qemu_coroutine_enter_modern
#else
/* Creates a coroutine that runs entry(opaque) on its first entry. Nothing runs until qemu_coroutine_enter. */
Coroutine *qemu_coroutine_create(CoroutineEntry *entry);
/* Switches into co. opaque reaches the entry on the first entry only and is ignored afterwards. */
void qemu_coroutine_enter(Coroutine *co, void *opaque);
#endif
void coroutine_fn qemu_coroutine_yield(void);
/* The running coroutine; NULL outside any coroutine. */
Coroutine *coroutine_fn qemu_coroutine_self(void);
bool qemu_in_coroutine(void);
bool qemu_coroutine_entered(Coroutine *co);

/* The sim platform's atomics carry a trace id next to the value (corosim/platform/sim.hpp): larger locks. */
#ifndef COROSIM_PLATFORM_SIM
#define COROSIM_PLATFORM_SIM 2
#endif
#if defined(COROSIM_PLATFORM) && COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
#define COROSIM_C_OPAQUE_(real, sim) sim
#else
#define COROSIM_C_OPAQUE_(real, sim) real
#endif

typedef struct CoQueue {
  void *opaque_[2];
} CoQueue;
void qemu_co_queue_init(CoQueue *queue);
void coroutine_fn qemu_co_queue_wait(CoQueue *queue);
void coroutine_fn qemu_co_queue_wait_insert_head(CoQueue *queue);
bool qemu_co_queue_next(CoQueue *queue);
void qemu_co_queue_restart_all(CoQueue *queue);
bool qemu_co_queue_empty(CoQueue *queue);

typedef struct CoMutex {
  void *opaque_[COROSIM_C_OPAQUE_(6, 12)];
} CoMutex;
void qemu_co_mutex_init(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_lock(CoMutex *mutex);
void coroutine_fn qemu_co_mutex_unlock(CoMutex *mutex);

typedef struct CoRwlock {
  void *opaque_[COROSIM_C_OPAQUE_(9, 16)];
} CoRwlock;
void qemu_co_rwlock_init(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_rdlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_wrlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_unlock(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_upgrade(CoRwlock *lock);
void coroutine_fn qemu_co_rwlock_downgrade(CoRwlock *lock);

/* Yields until ns nanoseconds of clock have passed, on a timer of the current context's loop (see
 * <corosim/qemu/aio.h>; call it from a thread that runs one). While it sleeps the coroutine is marked scheduled:
 * entering it by another path is misuse ("Co-routine was already scheduled in 'qemu_co_sleep_ns'"). */
void coroutine_fn co_sleep_ns(QEMUClock *clock, int64_t ns);
/* The same, the clock named by its type (QEMU's newer form). */
void coroutine_fn qemu_co_sleep_ns(QEMUClockType type, int64_t ns);

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_COROUTINE_H */
