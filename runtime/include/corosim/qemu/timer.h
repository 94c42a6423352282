/* corosim's QEMU-compatible clocks and timers (QEMU's include/qemu/timer.h): the older QEMUClock pointers and
 * the newer QEMUClockType values name the same three clocks, corosim::ClockType realtime, virtual_ and host
 * (<corosim/clock.hpp>); in the simulator all three read virtual time. Compiles as C11 and as C++.
 * A QEMUTimer belongs to one event loop: create it with aio_timer_new or aio_timer_init (<corosim/qemu/aio.h>);
 * its callback runs in that loop's aio_poll once the clock reaches the deadline.
 */
#ifndef COROSIM_QEMU_TIMER_H
#define COROSIM_QEMU_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A clock (opaque). Use only the three below. */
typedef struct QEMUClock QEMUClock;

/* Monotonic, never stops (QEMU_CLOCK_REALTIME). */
extern QEMUClock *rt_clock;
/* Guest time; on the real platform it follows the monotonic clock (QEMU_CLOCK_VIRTUAL). */
extern QEMUClock *vm_clock;
/* Wall-clock time of the host, may jump (QEMU_CLOCK_HOST). */
extern QEMUClock *host_clock;

/* The clock's current time in nanoseconds. */
int64_t qemu_get_clock_ns(QEMUClock *clock);

/* The clocks by number (the newer form). */
typedef enum {
  QEMU_CLOCK_REALTIME = 0,
  QEMU_CLOCK_VIRTUAL = 1,
  QEMU_CLOCK_HOST = 2,
  QEMU_CLOCK_MAX
} QEMUClockType;

/* Units of a timer's deadline, in nanoseconds. */
#define SCALE_MS 1000000
#define SCALE_US 1000
#define SCALE_NS 1

/* The clock's current time in nanoseconds (and in coarser units). */
int64_t qemu_clock_get_ns(QEMUClockType type);
static inline int64_t qemu_clock_get_us(QEMUClockType type) { return qemu_clock_get_ns(type) / SCALE_US; }
static inline int64_t qemu_clock_get_ms(QEMUClockType type) { return qemu_clock_get_ns(type) / SCALE_MS; }

typedef void QEMUTimerCB(void *opaque);

/* A timer: storage for the runtime's (opaque) and its deadline's unit. Embed it and set it up with
 * aio_timer_init, or allocate one with aio_timer_new. */
typedef struct QEMUTimer {
  void *opaque_[7];
  int scale;
} QEMUTimer;

/* Arms ts for an absolute deadline in its scale's units (re-arms it if it was armed). Any thread. */
void timer_mod(QEMUTimer *ts, int64_t expire_time);
/* The same with the deadline in nanoseconds. */
void timer_mod_ns(QEMUTimer *ts, int64_t expire_ns);
/* Disarms ts (no-op if it is not armed). Any thread. */
void timer_del(QEMUTimer *ts);
/* Whether ts is armed: set and not yet fired or deleted. */
bool timer_pending(QEMUTimer *ts);
/* Disarms a timer of aio_timer_init; its storage is the caller's again. */
void timer_deinit(QEMUTimer *ts);
/* Disarms and frees a timer of aio_timer_new. */
void timer_free(QEMUTimer *ts);

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_TIMER_H */
