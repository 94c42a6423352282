/* The main context inside GLib's main loop (corosim/qemu/main-loop.h), compiled as C11: after
 * qemu_init_main_loop, iterating GLib's default context runs the main context's bottom halves, timers and event
 * notifiers, wakes for work other threads schedule, and goes quiet once nothing is ready (no busy loop on a
 * notification left raised); aio_get_g_source puts another context into a GMainContext of its own; a GMainLoop
 * runs until a bottom half quits it. Exits 0 when every check holds; prints the failed check and exits 1
 * otherwise. Real runtime only (the simulator has no GLib loop). */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include <corosim/qemu/aio.h>
#include <corosim/qemu/event_notifier.h>
#include <corosim/qemu/main-loop.h>
#include <corosim/qemu/timer.h>

#include "c_check.h"

/* Iterates GLib's context `gctx` (blocking) until *flag is set, or gives up after 10 s. Returns the iterations. */
static int iterate_until(GMainContext *gctx, atomic_int *flag) {
  int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000;
  int iterations = 0;
  while (!atomic_load(flag)) {
    if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
      fprintf(stderr, "%s: timed out\n", __func__);
      exit(1);
    }
    g_main_context_iteration(gctx, TRUE);
    ++iterations;
  }
  return iterations;
}

/* Non-blocking iterations until one dispatches nothing: returns how many did. */
static int settle(GMainContext *gctx) {
  int n = 0;
  while (g_main_context_iteration(gctx, FALSE) && n < 1000) ++n;
  return n;
}

static void set_flag_cb(void *opaque) { atomic_store((atomic_int *)opaque, 1); }

/* On the iothread: hands the flag's setting to the main context (which GLib runs). */
static void relay_cb(void *opaque) { aio_bh_schedule_oneshot(qemu_get_aio_context(), set_flag_cb, opaque); }

static void raise_cb(void *opaque) { event_notifier_set(opaque); }

static atomic_int notifier_reads;
static void on_read(EventNotifier *e) {
  if (event_notifier_test_and_clear(e)) atomic_fetch_add(&notifier_reads, 1);
}

static void test_main_context_in_glib(void) {
  CHECK(qemu_init_main_loop(NULL) == 0);
  Error *err = (Error *)&err;
  CHECK(qemu_init_main_loop(&err) == 0); /* twice: attached once */
  CHECK(err == NULL);
  AioContext *main_ctx = qemu_get_aio_context();

  /* A bottom half of the main context runs in a GLib iteration. */
  atomic_int ran = 0;
  aio_bh_schedule_oneshot(main_ctx, set_flag_cb, &ran);
  iterate_until(NULL, &ran);
  CHECK(settle(NULL) < 1000); /* quiet again: nothing left raised */
  CHECK(!g_main_context_iteration(NULL, FALSE));

  /* A timer: GLib sleeps until it is due, in a few iterations (one that never sleeps would take thousands). */
  atomic_int fired = 0;
  QEMUTimer *t = aio_timer_new(main_ctx, QEMU_CLOCK_REALTIME, SCALE_MS, set_flag_cb, &fired);
  int64_t start = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
  timer_mod(t, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 20);
  int iterations = iterate_until(NULL, &fired);
  CHECK(iterations <= 5);
  CHECK(qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - start >= 19 * SCALE_MS); /* the deadline is in whole ms */
  timer_free(t);

  /* Work from another thread wakes GLib's blocking iteration: a bottom half, and an event notifier. */
  IOThread *io = iothread_new();
  atomic_int relayed = 0;
  aio_bh_schedule_oneshot(iothread_get_aio_context(io), relay_cb, &relayed);
  iterate_until(NULL, &relayed);
  /* GLib most likely slept when the bottom half arrived, so the notifier was raised: it must be lowered again. */
  CHECK(settle(NULL) < 1000);
  CHECK(!g_main_context_iteration(NULL, FALSE));

  EventNotifier e;
  event_notifier_init(&e, 0);
  aio_set_event_notifier(main_ctx, &e, false, on_read, NULL, NULL);
  aio_bh_schedule_oneshot(iothread_get_aio_context(io), raise_cb, &e);
  iterate_until(NULL, &notifier_reads);
  CHECK(atomic_load(&notifier_reads) == 1);
  aio_set_event_notifier(main_ctx, &e, false, NULL, NULL, NULL);
  event_notifier_cleanup(&e);
  iothread_join(io);
  settle(NULL);
  CHECK(!g_main_context_iteration(NULL, FALSE));
}

static void quit_cb(void *opaque) { g_main_loop_quit(opaque); }

static void test_g_main_loop(void) {
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  aio_bh_schedule_oneshot(qemu_get_aio_context(), quit_cb, loop);
  g_main_loop_run(loop); /* returns once the bottom half quit it */
  CHECK(!g_main_loop_is_running(loop));
  g_main_loop_unref(loop);
}

static void test_own_g_main_context(void) {
  AioContext *ctx = aio_context_new();
  GMainContext *gctx = g_main_context_new();
  GSource *source = aio_get_g_source(ctx);
  g_source_attach(source, gctx);
  atomic_int ran = 0;
  QEMUBH *bh = aio_bh_new(ctx, set_flag_cb, &ran);
  qemu_bh_schedule(bh);
  CHECK(!g_main_context_iteration(NULL, FALSE)); /* not the default context's work */
  CHECK(!atomic_load(&ran));
  iterate_until(gctx, &ran);
  qemu_bh_delete(bh);
  g_source_destroy(source);
  g_source_unref(source); /* drops the source's reference to ctx */
  g_main_context_unref(gctx);
  aio_context_unref(ctx); /* the last one: frees it */
}

int main(void) {
  test_main_context_in_glib();
  test_g_main_loop();
  test_own_g_main_context();
  return c_check_result("c_glib_test");
}
