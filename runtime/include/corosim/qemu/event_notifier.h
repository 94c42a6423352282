/* corosim's QEMU-compatible event notifiers (QEMU's include/qemu/event_notifier.h): a flag one thread raises and
 * an event loop waits for, readable as a descriptor while raised. Compiles as C11 and as C++. Register one with
 * an event loop through aio_set_event_notifier (<corosim/qemu/aio.h>). In the simulator the descriptor is a
 * simulated one: only the simulated poll knows it, and raising or lowering it is a scheduling point.
 */
#ifndef COROSIM_QEMU_EVENT_NOTIFIER_H
#define COROSIM_QEMU_EVENT_NOTIFIER_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Storage for the notifier (opaque; an eventfd in the real build) and the handlers aio_set_event_notifier gave
 * it. Embed it anywhere; initialise it with event_notifier_init. */
typedef struct EventNotifier {
  void *opaque_[4];
} EventNotifier;

typedef void EventNotifierHandler(EventNotifier *notifier);

/* Initialises e, raised if `active`. Returns 0 (a notifier the system cannot create ends the program). */
int event_notifier_init(EventNotifier *e, int active);
/* Releases what init took; e must no longer be registered with an event loop. */
void event_notifier_cleanup(EventNotifier *e);
/* Raises e (any thread; raising it again before it is cleared changes nothing). Returns 0. */
int event_notifier_set(EventNotifier *e);
/* Lowers e. Returns whether it was raised. */
int event_notifier_test_and_clear(EventNotifier *e);
/* The descriptor that is readable while e is raised. */
int event_notifier_get_fd(const EventNotifier *e);

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_EVENT_NOTIFIER_H */
