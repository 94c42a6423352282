/* corosim's QEMU-compatible clocks (QEMU's include/qemu/timer.h, the older QEMUClock form).
 * Compiles as C11 and as C++. The three clocks are corosim::ClockType realtime, virtual_ and host
 * (<corosim/clock.hpp>); in the simulator all three read virtual time.
 */
#ifndef COROSIM_QEMU_TIMER_H
#define COROSIM_QEMU_TIMER_H

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

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_TIMER_H */
