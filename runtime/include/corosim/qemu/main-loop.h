/* corosim's event loops inside GLib's main loop (QEMU's qemu_init_main_loop and aio_get_g_source). Compiles as C11
 * and as C++; needs GLib (Debian: libglib2.0-dev) and the library corosim::glib (corosim-glib in pkg-config), which
 * the build makes when GLib is present. The real runtime only: the simulator has no GLib loop.
 *
 *   qemu_init_main_loop(NULL);            // the main context joins GLib's default main context
 *   GMainLoop *loop = g_main_loop_new(NULL, FALSE);
 *   g_main_loop_run(loop);                // runs GLib's sources and the main context's bottom halves, timers,
 *                                         // coroutines and descriptor handlers, until g_main_loop_quit
 *
 * A context's GSource runs the context's loop in whichever thread iterates the GMainContext it is attached to:
 * that must be the context's home thread (the main thread for the main context).
 */
#ifndef COROSIM_QEMU_MAIN_LOOP_H
#define COROSIM_QEMU_MAIN_LOOP_H

#include <glib.h>

#include <corosim/qemu/aio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QEMU's error object; corosim never sets one. */
typedef struct Error Error;

/* Attaches the main context (qemu_get_aio_context) to GLib's default main context, once: iterating that context
 * (g_main_loop_run, g_main_context_iteration) then runs the main event loop. Returns 0; *errp, if given, is set to
 * NULL. Call it from the main thread. */
int qemu_init_main_loop(Error **errp);

/* A new GSource that runs ctx's loop: attach it to a GMainContext (g_source_attach) and iterating that context
 * runs ctx's ready work, wakes for work other threads schedule, and sleeps until ctx's next timer. The source holds
 * a reference to ctx until it is destroyed; release yours with g_source_unref. */
GSource *aio_get_g_source(AioContext *ctx);

#ifdef __cplusplus
}
#endif

#endif /* COROSIM_QEMU_MAIN_LOOP_H */
