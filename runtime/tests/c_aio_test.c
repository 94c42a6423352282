/* The QEMU-compatible event-loop C API, compiled as C11: bottom halves (once per schedule, one-shot), clocks,
 * co_sleep_ns, contexts (new/ref/unref, main, current) and IOThreads (aio_co_schedule, aio_co_wake,
 * aio_co_enter and aio_co_reschedule_self across threads). Exits 0 when every check holds; prints the failed
 * check and exits 1 otherwise. */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <corosim/qemu/aio.h>
#include <corosim/qemu/coroutine.h>

#include "c_check.h"
#include <corosim/qemu/timer.h>


#define MS 1000000LL

/* Runs the main context until *flag is set (bottom halves from other threads set it), or gives up after 10 s. */
static void poll_main_until(atomic_int *flag) {
  AioContext *main_ctx = qemu_get_aio_context();
  int64_t deadline = qemu_get_clock_ns(rt_clock) + 10000 * MS;
  while (!atomic_load(flag)) {
    if (qemu_get_clock_ns(rt_clock) > deadline) {
      fprintf(stderr, "%s: timed out waiting for the main context\n", __func__);
      exit(1); /* coroutines may still refer to the stack of the caller */
    }
    aio_poll(main_ctx, true);
  }
}

/* Runs every ready bottom half and timer of ctx (it has nothing blocking). */
static void drain(AioContext *ctx) {
  while (aio_poll(ctx, false)) {
  }
}

static void count_cb(void *opaque) { ++*(int *)opaque; }
static void set_flag_cb(void *opaque) { atomic_store((atomic_int *)opaque, 1); }
/* Runs in an iothread: sets the flag from the main loop (which a flag set here would not wake). */
static void relay_cb(void *opaque) {
  CHECK(qemu_get_current_aio_context() != qemu_get_aio_context());
  aio_bh_schedule_oneshot(qemu_get_aio_context(), set_flag_cb, opaque);
}

/* --- bottom halves --- */

static void test_bottom_halves(void) {
  AioContext *main_ctx = qemu_get_aio_context();
  int runs = 0;
  QEMUBH *bh = aio_bh_new(main_ctx, count_cb, &runs);
  qemu_bh_schedule(bh);
  qemu_bh_schedule(bh); /* still pending: runs once */
  CHECK(runs == 0);     /* nothing runs before the loop does */
  CHECK(aio_poll(main_ctx, false));
  CHECK(runs == 1);
  CHECK(!aio_poll(main_ctx, false));
  CHECK(runs == 1);
  qemu_bh_schedule(bh); /* and again once it ran */
  drain(main_ctx);
  CHECK(runs == 2);
  qemu_bh_schedule(bh);
  qemu_bh_delete(bh); /* a deleted bottom half does not run */
  drain(main_ctx);
  CHECK(runs == 2);

  int oneshot_runs = 0;
  aio_bh_schedule_oneshot(main_ctx, count_cb, &oneshot_runs);
  aio_bh_schedule_oneshot(main_ctx, count_cb, &oneshot_runs); /* two one-shots are two bottom halves */
  drain(main_ctx);
  CHECK(oneshot_runs == 2);
  drain(main_ctx);
  CHECK(oneshot_runs == 2);
}

/* --- clocks and sleep --- */

static void test_clocks(void) {
  QEMUClock *clocks[] = {rt_clock, vm_clock, host_clock};
  for (int i = 0; i < 3; ++i) {
    CHECK(clocks[i] != NULL);
    int64_t prev = qemu_get_clock_ns(clocks[i]);
    for (int j = 0; j < 1000; ++j) {
      int64_t now = qemu_get_clock_ns(clocks[i]);
      if (i != 2) CHECK(now >= prev); /* the host clock may jump */
      prev = now;
    }
  }
  CHECK(rt_clock != vm_clock && vm_clock != host_clock && rt_clock != host_clock);
  /* After 2001: wall-clock time. Not in the simulator, where every clock is the one virtual clock, from 0. */
  if (!C_TEST_SIM_BUILD) CHECK(qemu_get_clock_ns(host_clock) > 1000000000LL * 1000000000LL);
}

struct Sleeper {
  QEMUClock *clock;
  int64_t ns;
  int64_t started, woke;
  atomic_int done;
};

static void coroutine_fn sleeper(void *opaque) {
  struct Sleeper *s = opaque;
  s->started = qemu_get_clock_ns(s->clock);
  co_sleep_ns(s->clock, s->ns);
  s->woke = qemu_get_clock_ns(s->clock);
  atomic_store(&s->done, 1);
}

static void test_sleep(void) {
  QEMUClock *clocks[] = {rt_clock, vm_clock};
  for (int i = 0; i < 2; ++i) {
    struct Sleeper s = {clocks[i], 20 * MS, 0, 0, 0};
    int64_t before = qemu_get_clock_ns(rt_clock);
    qemu_coroutine_enter(qemu_coroutine_create(sleeper), &s);
    CHECK(!atomic_load(&s.done)); /* it yielded */
    poll_main_until(&s.done);
    CHECK(s.woke - s.started >= s.ns);
    CHECK(qemu_get_clock_ns(rt_clock) - before >= s.ns);
  }

  /* Two sleepers wake in deadline order, and a sleep of 0 still yields once. */
  struct Sleeper longer = {rt_clock, 30 * MS, 0, 0, 0};
  struct Sleeper shorter = {rt_clock, 10 * MS, 0, 0, 0};
  qemu_coroutine_enter(qemu_coroutine_create(sleeper), &longer);
  qemu_coroutine_enter(qemu_coroutine_create(sleeper), &shorter);
  poll_main_until(&shorter.done);
  CHECK(!atomic_load(&longer.done));
  poll_main_until(&longer.done);
  CHECK(shorter.woke <= longer.woke);

  struct Sleeper zero = {rt_clock, 0, 0, 0, 0};
  qemu_coroutine_enter(qemu_coroutine_create(sleeper), &zero);
  CHECK(!atomic_load(&zero.done));
  poll_main_until(&zero.done);
}

/* --- contexts --- */

static void test_contexts(void) {
  AioContext *main_ctx = qemu_get_aio_context();
  CHECK(main_ctx != NULL);
  CHECK(qemu_get_current_aio_context() == main_ctx);
  CHECK(qemu_get_aio_context() == main_ctx);

  AioContext *ctx = aio_context_new();
  CHECK(ctx != NULL && ctx != main_ctx);
  aio_context_ref(ctx);
  aio_context_unref(ctx); /* one reference left: still usable */
  int runs = 0;
  QEMUBH *bh = aio_bh_new(ctx, count_cb, &runs);
  qemu_bh_schedule(bh);
  CHECK(!aio_poll(main_ctx, false)); /* another context's work does not run in the main one */
  CHECK(runs == 0);
  CHECK(aio_poll(ctx, true)); /* work is ready: a blocking poll returns at once */
  CHECK(runs == 1);
  CHECK(!aio_poll(ctx, false));
  qemu_bh_delete(bh);
  aio_context_unref(ctx); /* frees it */
}

/* --- IOThreads --- */

struct Trip {
  AioContext *main_ctx, *io_ctx, *other_ctx;
  Coroutine *co;
  AioContext *seen[4];
  atomic_int parked, done;
};

/* Moves itself main -> io_ctx -> main -> other_ctx -> main, checking where it runs each time. */
static void coroutine_fn traveller(void *opaque) {
  struct Trip *t = opaque;
  t->seen[0] = qemu_get_current_aio_context();
  aio_co_reschedule_self(t->io_ctx);
  t->seen[1] = qemu_get_current_aio_context();
  aio_co_reschedule_self(t->main_ctx);
  t->seen[2] = qemu_get_current_aio_context();
  aio_co_reschedule_self(t->other_ctx);
  aio_co_reschedule_self(t->other_ctx); /* already there: returns at once */
  t->seen[3] = qemu_get_current_aio_context();
  aio_co_reschedule_self(t->main_ctx);
  CHECK(qemu_get_current_aio_context() == t->main_ctx);
  atomic_store(&t->done, 1);
}

/* Entered in the main context, moved into the iothread by the main thread (aio_co_schedule or aio_co_enter), parks
 * there, is woken from the main thread (aio_co_wake: back into its home, the iothread) and reports back. */
static void coroutine_fn mover(void *opaque) {
  struct Trip *t = opaque;
  t->seen[0] = qemu_get_current_aio_context();
  t->co = qemu_coroutine_self();
  qemu_coroutine_yield(); /* the main thread schedules it into the iothread */
  t->seen[1] = qemu_get_current_aio_context();
  CHECK(qemu_in_coroutine());
  /* The main thread may wake it as soon as it sees `parked`: the iothread's loop cannot enter it before it has
   * yielded below, since that loop is what runs it now. */
  aio_bh_schedule_oneshot(t->main_ctx, set_flag_cb, &t->parked);
  qemu_coroutine_yield();
  t->seen[2] = qemu_get_current_aio_context();
  aio_bh_schedule_oneshot(t->main_ctx, set_flag_cb, &t->done);
}

static void test_iothread(void) {
  AioContext *main_ctx = qemu_get_aio_context();
  IOThread *io = iothread_new();
  AioContext *io_ctx = iothread_get_aio_context(io);
  CHECK(io_ctx != NULL && io_ctx != main_ctx);

  /* aio_co_reschedule_self there and back. */
  struct Trip trip = {main_ctx, io_ctx, io_ctx, NULL, {NULL}, 0, 0};
  qemu_coroutine_enter(qemu_coroutine_create(traveller), &trip);
  CHECK(trip.seen[0] == main_ctx);
  poll_main_until(&trip.done);
  CHECK(trip.seen[1] == io_ctx);
  CHECK(trip.seen[2] == main_ctx);
  CHECK(trip.seen[3] == io_ctx);

  /* aio_co_schedule (how 0) and aio_co_enter (how 1) from the main thread into the iothread, then aio_co_wake
   * from the main thread. */
  for (int how = 0; how < 2; ++how) {
    struct Trip t = {main_ctx, io_ctx, io_ctx, NULL, {NULL}, 0, 0};
    Coroutine *co = qemu_coroutine_create(mover);
    qemu_coroutine_enter(co, &t);
    CHECK(t.co == co);
    CHECK(t.seen[0] == main_ctx);
    CHECK(!qemu_coroutine_entered(co));
    if (how == 0)
      aio_co_schedule(io_ctx, co);
    else
      aio_co_enter(io_ctx, co);
    poll_main_until(&t.parked);
    CHECK(t.seen[1] == io_ctx);
    aio_co_wake(co);
    poll_main_until(&t.done);
    CHECK(t.seen[2] == io_ctx);
  }

  /* aio_co_enter and aio_co_wake into the main context from plain code of the main context enter at once. */
  {
    struct Trip t = {main_ctx, io_ctx, io_ctx, NULL, {NULL}, 0, 0};
    Coroutine *co = qemu_coroutine_create(mover);
    qemu_coroutine_enter(co, &t);
    aio_co_enter(main_ctx, co);
    CHECK(t.seen[1] == main_ctx);
    aio_co_wake(co);
    CHECK(t.seen[2] == main_ctx);
    poll_main_until(&t.done);
  }

  /* Bottom halves scheduled into the iothread from here; iothread_join runs pending work before stopping. */
  atomic_int ran = 0;
  aio_bh_schedule_oneshot(io_ctx, relay_cb, &ran);
  poll_main_until(&ran);
  int pending_runs = 0;
  for (int i = 0; i < 100; ++i) aio_bh_schedule_oneshot(io_ctx, count_cb, &pending_runs);
  iothread_join(io);
  CHECK(pending_runs == 100);

  /* Two IOThreads: a coroutine visits both and comes back. */
  IOThread *a = iothread_new(), *b = iothread_new();
  struct Trip hop = {main_ctx, iothread_get_aio_context(a), iothread_get_aio_context(b), NULL, {NULL}, 0, 0};
  qemu_coroutine_enter(qemu_coroutine_create(traveller), &hop);
  poll_main_until(&hop.done);
  CHECK(hop.seen[1] == iothread_get_aio_context(a));
  CHECK(hop.seen[2] == main_ctx);
  CHECK(hop.seen[3] == iothread_get_aio_context(b));
  iothread_join(a);
  iothread_join(b);
}

int main(void) {
  test_contexts();
  test_bottom_halves();
  test_clocks();
  test_sleep();
  test_iothread();
  return c_check_result("c_aio_test");
}
