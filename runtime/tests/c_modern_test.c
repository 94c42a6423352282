/* QEMU's newer event-loop C API, compiled as C11: the newer coroutine pair (create(entry, opaque), enter(co)),
 * timers on a context (QEMUTimer, QEMUClockType, the scales), qemu_bh_cancel, event notifiers with their
 * poll callbacks, external handlers held back, aio_notify across threads, and the context's recursive lock.
 * Built for the real runtime on every backend and, inside one simulated run, for the simulator (where every
 * clock is the virtual one, so the timers' waits cost no time). Exits 0 when every check holds; prints the
 * failed check and exits 1 otherwise. */

#define COROSIM_QEMU_MODERN_COROUTINE /* before the header: qemu_coroutine_create/enter are the newer pair */

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <corosim/qemu/aio.h>
#include <corosim/qemu/coroutine.h>
#include <corosim/qemu/event_notifier.h>
#include <corosim/qemu/timer.h>

#include "c_check.h"

/* Runs ctx until *flag is set, or gives up after 10 s of its realtime clock. */
static void poll_until(AioContext *ctx, atomic_int *flag) {
  int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000;
  while (!atomic_load(flag)) {
    if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
      fprintf(stderr, "%s: timed out\n", __func__);
      exit(1); /* callbacks may still refer to the caller's stack */
    }
    aio_poll(ctx, true);
  }
}

static void drain(AioContext *ctx) {
  while (aio_poll(ctx, false)) {
  }
}

static void count_cb(void *opaque) { atomic_fetch_add((atomic_int *)opaque, 1); }

/* --- the newer coroutine pair --- */

struct Steps {
  int entered, resumed;
};

static void coroutine_fn stepper(void *opaque) {
  struct Steps *s = opaque;
  s->entered++;
  qemu_coroutine_yield();
  s->resumed++;
}

static void test_modern_coroutines(void) {
  struct Steps s = {0, 0};
  Coroutine *co = qemu_coroutine_create(stepper, &s); /* the opaque is given at creation */
  CHECK(s.entered == 0);                              /* nothing runs before the first enter */
  qemu_coroutine_enter(co);
  CHECK(s.entered == 1 && s.resumed == 0);
  qemu_coroutine_enter(co); /* resumes it after its yield; it terminates */
  CHECK(s.entered == 1 && s.resumed == 1);
}

struct Nap {
  int64_t ns, slept;
  atomic_int done;
};

static void coroutine_fn napper(void *opaque) {
  struct Nap *n = opaque;
  int64_t start = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
  qemu_co_sleep_ns(QEMU_CLOCK_VIRTUAL, n->ns);
  n->slept = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - start;
  atomic_store(&n->done, 1);
}

static void test_modern_sleep(void) {
  struct Nap n = {2 * SCALE_MS, 0, 0};
  qemu_coroutine_enter(qemu_coroutine_create(napper, &n));
  CHECK(!atomic_load(&n.done));
  poll_until(qemu_get_aio_context(), &n.done);
  CHECK(n.slept >= n.ns);
}

/* --- timers --- */

struct Fired {
  int order[4];
  int count;
};

struct Tagged {
  struct Fired *fired;
  int tag;
};

static void tagged_cb(void *opaque) {
  struct Tagged *t = opaque;
  if (t->fired->count < 4) t->fired->order[t->fired->count] = t->tag;
  t->fired->count++;
}

static void test_clock_types(void) {
  CHECK(SCALE_NS == 1 && SCALE_US == 1000 && SCALE_MS == 1000000);
  for (int type = QEMU_CLOCK_REALTIME; type < QEMU_CLOCK_MAX; ++type) {
    int64_t ns = qemu_clock_get_ns((QEMUClockType)type);
    CHECK(ns >= 0);
    CHECK(qemu_clock_get_ms((QEMUClockType)type) >= ns / SCALE_MS);
  }
  /* The older form names the same clocks. */
  CHECK(qemu_get_clock_ns(rt_clock) <= qemu_clock_get_ns(QEMU_CLOCK_REALTIME));
}

static void test_timers(void) {
  AioContext *ctx = qemu_get_aio_context();
  struct Fired fired = {{0}, 0};
  struct Tagged a = {&fired, 1}, b = {&fired, 2}, c = {&fired, 3};

  /* Two timers in milliseconds and one in microseconds fire in deadline order, each once. */
  QEMUTimer *ta = aio_timer_new(ctx, QEMU_CLOCK_VIRTUAL, SCALE_MS, tagged_cb, &a);
  QEMUTimer *tb = aio_timer_new(ctx, QEMU_CLOCK_REALTIME, SCALE_MS, tagged_cb, &b);
  QEMUTimer tc; /* embedded: aio_timer_init */
  aio_timer_init(ctx, &tc, QEMU_CLOCK_VIRTUAL, SCALE_US, tagged_cb, &c);
  CHECK(!timer_pending(ta) && !timer_pending(&tc));
  timer_mod(ta, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 6);
  timer_mod(tb, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 2);
  timer_mod(&tc, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / SCALE_US + 4000);
  CHECK(timer_pending(ta) && timer_pending(tb) && timer_pending(&tc));
  while (fired.count < 3) aio_poll(ctx, true);
  CHECK(fired.count == 3);
  CHECK(fired.order[0] == 2 && fired.order[1] == 3 && fired.order[2] == 1);
  CHECK(!timer_pending(ta) && !timer_pending(tb) && !timer_pending(&tc));

  /* A deleted timer does not fire; re-arming one moves its deadline. */
  fired.count = 0;
  timer_mod(ta, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 1);
  timer_del(ta);
  CHECK(!timer_pending(ta));
  timer_mod_ns(&tc, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + 50 * SCALE_MS);
  timer_mod(&tc, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / SCALE_US + 3000); /* earlier now */
  int64_t start = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
  while (fired.count < 1) aio_poll(ctx, true);
  CHECK(fired.order[0] == 3);
  CHECK(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - start < 50 * SCALE_MS);
  drain(ctx);
  CHECK(fired.count == 1);

  timer_free(ta);
  timer_mod(tb, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 100);
  timer_free(tb); /* freeing an armed timer disarms it */
  timer_deinit(&tc);
  timer_free(NULL);
  drain(ctx);
  CHECK(fired.count == 1);
}

/* --- bottom halves: cancel --- */

static void test_bh_cancel(void) {
  AioContext *ctx = qemu_get_aio_context();
  atomic_int runs = 0;
  QEMUBH *bh = aio_bh_new(ctx, count_cb, &runs);
  qemu_bh_cancel(bh); /* not scheduled: nothing to cancel */
  qemu_bh_schedule(bh);
  qemu_bh_cancel(bh);
  drain(ctx);
  CHECK(atomic_load(&runs) == 0); /* cancelled before the loop got to it */
  qemu_bh_schedule(bh);
  qemu_bh_cancel(bh);
  qemu_bh_schedule(bh); /* scheduled again after the cancel: runs, once */
  drain(ctx);
  CHECK(atomic_load(&runs) == 1);
  qemu_bh_schedule(bh);
  drain(ctx);
  CHECK(atomic_load(&runs) == 2);
  qemu_bh_schedule(bh);
  qemu_bh_cancel(bh);
  qemu_bh_delete(bh); /* cancelled, still in the loop's list: the loop frees it */
  drain(ctx);
  CHECK(atomic_load(&runs) == 2);
}

/* --- event notifiers --- */

struct Watch {
  EventNotifier e;
  atomic_int reads, poll_readies, polls;
  atomic_int poll_says_ready;
};

static void on_read(EventNotifier *e) {
  struct Watch *w = (struct Watch *)e; /* e is the first member */
  CHECK(event_notifier_test_and_clear(e));
  atomic_fetch_add(&w->reads, 1);
}

static bool on_poll(void *opaque) {
  struct Watch *w = opaque;
  atomic_fetch_add(&w->polls, 1);
  return atomic_load(&w->poll_says_ready);
}

static void on_poll_ready(EventNotifier *e) {
  struct Watch *w = (struct Watch *)e;
  atomic_store(&w->poll_says_ready, 0);
  atomic_fetch_add(&w->poll_readies, 1);
}

static void test_notifier_basics(void) {
  EventNotifier e;
  CHECK(event_notifier_init(&e, 0) == 0);
  CHECK(event_notifier_get_fd(&e) >= 0);
  CHECK(!event_notifier_test_and_clear(&e));
  CHECK(event_notifier_set(&e) == 0);
  CHECK(event_notifier_set(&e) == 0); /* raised twice: cleared once */
  CHECK(event_notifier_test_and_clear(&e));
  CHECK(!event_notifier_test_and_clear(&e));
  event_notifier_cleanup(&e);
  CHECK(event_notifier_init(&e, 1) == 0); /* active: starts raised */
  CHECK(event_notifier_test_and_clear(&e));
  event_notifier_cleanup(&e);
}

static void raise_cb(void *opaque) { event_notifier_set(opaque); }

static void test_notifier_in_loop(void) {
  AioContext *ctx = aio_context_new();
  struct Watch w;
  CHECK(event_notifier_init(&w.e, 0) == 0);
  atomic_init(&w.reads, 0);
  atomic_init(&w.poll_readies, 0);
  atomic_init(&w.polls, 0);
  atomic_init(&w.poll_says_ready, 0);
  aio_set_event_notifier(ctx, &w.e, false, on_read, on_poll, on_poll_ready);

  /* Raised by another thread: a blocking poll wakes for it and runs io_read. */
  IOThread *io = iothread_new();
  aio_bh_schedule_oneshot(iothread_get_aio_context(io), raise_cb, &w.e);
  poll_until(ctx, &w.reads);
  CHECK(atomic_load(&w.reads) == 1);
  CHECK(atomic_load(&w.polls) >= 1); /* io_poll was asked each iteration */
  CHECK(atomic_load(&w.poll_readies) == 0);

  /* io_poll says ready: the blocking poll does not wait and runs io_poll_ready. */
  atomic_store(&w.poll_says_ready, 1);
  CHECK(aio_poll(ctx, true));
  CHECK(atomic_load(&w.poll_readies) == 1 && atomic_load(&w.reads) == 1);

  /* External: held back while disabled (nesting), served once enabled again. */
  aio_set_event_notifier(ctx, &w.e, true, on_read, NULL, NULL);
  aio_disable_external(ctx);
  aio_disable_external(ctx);
  event_notifier_set(&w.e);
  drain(ctx);
  CHECK(atomic_load(&w.reads) == 1);
  aio_enable_external(ctx);
  drain(ctx);
  CHECK(atomic_load(&w.reads) == 1);
  aio_enable_external(ctx);
  drain(ctx);
  CHECK(atomic_load(&w.reads) == 2);

  /* Removed: no longer served. */
  aio_set_event_notifier(ctx, &w.e, false, NULL, NULL, NULL);
  event_notifier_set(&w.e);
  drain(ctx);
  CHECK(atomic_load(&w.reads) == 2);
  CHECK(event_notifier_test_and_clear(&w.e));

  iothread_join(io);
  event_notifier_cleanup(&w.e);
  aio_context_unref(ctx);
}

/* A handler removed by another handler's callback in the same pass is not called (its opaque may be gone). */
struct Pair {
  EventNotifier a, b;
  int a_reads, b_reads;
  AioContext *ctx;
};

static void pair_read_a(EventNotifier *e) {
  struct Pair *p = (struct Pair *)e; /* a is the first member */
  event_notifier_test_and_clear(e);
  p->a_reads++;
  aio_set_event_notifier(p->ctx, &p->b, false, NULL, NULL, NULL); /* removes b's handler */
}

static void pair_read_b(EventNotifier *e) {
  struct Pair *p = (struct Pair *)((char *)e - offsetof(struct Pair, b));
  event_notifier_test_and_clear(e);
  p->b_reads++;
}

static void test_handler_removed_in_pass(void) {
  struct Pair p = {.a_reads = 0, .b_reads = 0, .ctx = aio_context_new()};
  event_notifier_init(&p.a, 1);
  event_notifier_init(&p.b, 1);
  aio_set_event_notifier(p.ctx, &p.a, false, pair_read_a, NULL, NULL);
  aio_set_event_notifier(p.ctx, &p.b, false, pair_read_b, NULL, NULL);
  CHECK(aio_poll(p.ctx, false)); /* both ready: a runs first and removes b */
  CHECK(p.a_reads == 1 && p.b_reads == 0);
  aio_set_event_notifier(p.ctx, &p.a, false, NULL, NULL, NULL);
  event_notifier_cleanup(&p.a);
  event_notifier_cleanup(&p.b);
  aio_context_unref(p.ctx);
}

/* --- a callback that polls its own context (QEMU's AIO_WAIT_WHILE) --- */

struct Wait {
  AioContext *ctx;
  atomic_int co_ran;
  int waited_ok;
};

static void coroutine_fn set_ran(void *opaque) { atomic_store((atomic_int *)opaque, 1); }

/* A bottom half that waits, by polling its context, for a coroutine scheduled after it in the same pass. */
static void waiting_bh(void *opaque) {
  struct Wait *w = opaque;
  for (int i = 0; i < 100 && !atomic_load(&w->co_ran); ++i) aio_poll(w->ctx, false);
  w->waited_ok = atomic_load(&w->co_ran);
}

static void test_nested_poll(void) {
  struct Wait w = {aio_context_new(), 0, 0};
  aio_bh_schedule_oneshot(w.ctx, waiting_bh, &w);
  aio_co_schedule(w.ctx, qemu_coroutine_create(set_ran, &w.co_ran)); /* its bottom half comes after waiting_bh */
  drain(w.ctx);
  CHECK(w.waited_ok); /* the inner polls ran the outer pass's remaining bottom halves */
  aio_context_unref(w.ctx);
}

/* --- aio_notify and the context lock, across threads --- */

struct Shared {
  AioContext *ctx;
  int counter; /* guarded by ctx's lock */
  atomic_int flag, finished;
};

/* On the iothread: sets the flag, then only wakes the main loop (no work for it: just the notification). */
static void notify_cb(void *opaque) {
  struct Shared *s = opaque;
  atomic_store(&s->flag, 1);
  aio_notify(s->ctx);
}

enum { kIncrements = 50 };

static void increment_cb(void *opaque) {
  struct Shared *s = opaque;
  for (int i = 0; i < kIncrements; ++i) {
    aio_context_acquire(s->ctx);
    aio_context_acquire(s->ctx); /* recursive */
    s->counter++;
    aio_context_release(s->ctx);
    aio_context_release(s->ctx);
  }
  atomic_store(&s->finished, 1);
  aio_notify(s->ctx);
}

static void test_notify_and_lock(void) {
  AioContext *main_ctx = qemu_get_aio_context();
  IOThread *io = iothread_new();
  AioContext *io_ctx = iothread_get_aio_context(io);
  struct Shared s = {main_ctx, 0, 0, 0};

  /* Without aio_notify the main loop would sleep on: a flag is not work it knows of. */
  aio_bh_schedule_oneshot(io_ctx, notify_cb, &s);
  while (!atomic_load(&s.flag)) aio_poll(main_ctx, true);

  aio_bh_schedule_oneshot(io_ctx, increment_cb, &s);
  for (int i = 0; i < kIncrements; ++i) {
    aio_context_acquire(main_ctx);
    s.counter++;
    aio_context_release(main_ctx);
  }
  while (!atomic_load(&s.finished)) aio_poll(main_ctx, true);
  aio_context_acquire(main_ctx);
  CHECK(s.counter == 2 * kIncrements);
  aio_context_release(main_ctx);
  iothread_join(io);
}

int main(void) {
  test_modern_coroutines();
  test_modern_sleep();
  test_clock_types();
  test_timers();
  test_bh_cancel();
  test_notifier_basics();
  test_notifier_in_loop();
  test_handler_removed_in_pass();
  test_nested_poll();
  test_notify_and_lock();
  return c_check_result("c_modern_test");
}
