/* The QEMU-compatible C API, compiled as C11: coroutines (opaque on first entry only, yield, self, entered,
 * in_coroutine), CoQueue, CoMutex and CoRwlock embedded in a C struct. Exits 0 when every check holds;
 * prints the failed check and exits 1 otherwise. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <corosim/qemu/coroutine.h>

#include "c_check.h"


static char order[64];
static void record(char c) {
  size_t n = strlen(order);
  order[n] = c;
  order[n + 1] = '\0';
}

struct Shared { /* locks embedded in a C struct: they are complete types */
  CoQueue queue;
  CoMutex mutex;
  CoRwlock rwlock;
  int counter;
  Coroutine *seen_self;
  bool inside;
};

static void coroutine_fn yielder(void *opaque) {
  struct Shared *s = opaque;
  s->seen_self = qemu_coroutine_self();
  s->inside = qemu_in_coroutine();
  record('a');
  qemu_coroutine_yield();
  record('b');
}

static void coroutine_fn waiter(void *opaque) {
  struct Shared *s = opaque;
  qemu_co_queue_wait(&s->queue);
  record('w');
}

static void coroutine_fn waker(void *opaque) {
  struct Shared *s = opaque;
  CHECK(qemu_co_queue_next(&s->queue));
  record('k'); /* the waiter runs after we terminate */
}

static void coroutine_fn locker(void *opaque) {
  struct Shared *s = opaque;
  qemu_co_mutex_lock(&s->mutex);
  int seen = s->counter;
  qemu_coroutine_yield();
  s->counter = seen + 1;
  qemu_co_mutex_unlock(&s->mutex);
}

static void coroutine_fn reader_then_writer(void *opaque) {
  struct Shared *s = opaque;
  qemu_co_rwlock_rdlock(&s->rwlock);
  qemu_co_rwlock_upgrade(&s->rwlock);
  s->counter += 100;
  qemu_co_rwlock_downgrade(&s->rwlock);
  qemu_co_rwlock_unlock(&s->rwlock);
}

int main(void) {
  struct Shared s;
  memset(&s, 0, sizeof s);
  qemu_co_queue_init(&s.queue);
  qemu_co_mutex_init(&s.mutex);
  qemu_co_rwlock_init(&s.rwlock);

  /* Coroutine basics; the second enter passes another opaque, which must be ignored. */
  Coroutine *co = qemu_coroutine_create(yielder);
  CHECK(!qemu_coroutine_entered(co));
  CHECK(!qemu_in_coroutine());
  qemu_coroutine_enter(co, &s);
  CHECK(s.seen_self == co);
  CHECK(s.inside);
  qemu_coroutine_enter(co, NULL);
  CHECK(strcmp(order, "ab") == 0);

  /* CoQueue: the wake is deferred until the waker finishes. */
  order[0] = '\0';
  CHECK(qemu_co_queue_empty(&s.queue));
  qemu_coroutine_enter(qemu_coroutine_create(waiter), &s);
  CHECK(!qemu_co_queue_empty(&s.queue));
  qemu_coroutine_enter(qemu_coroutine_create(waker), &s);
  CHECK(strcmp(order, "kw") == 0);
  CHECK(qemu_co_queue_empty(&s.queue));
  CHECK(!qemu_co_queue_next(&s.queue));

  /* CoMutex: two lockers each yield inside the critical section; no update is lost. */
  Coroutine *l1 = qemu_coroutine_create(locker);
  Coroutine *l2 = qemu_coroutine_create(locker);
  qemu_coroutine_enter(l1, &s);
  qemu_coroutine_enter(l2, &s); /* queues */
  qemu_coroutine_enter(l1, &s); /* unlocks: l2 gets the lock and yields */
  qemu_coroutine_enter(l2, &s);
  CHECK(s.counter == 2);

  /* CoRwlock: read, upgrade, downgrade, unlock. */
  qemu_coroutine_enter(qemu_coroutine_create(reader_then_writer), &s);
  CHECK(s.counter == 102);

  /* qemu_co_queue_restart_all from outside a coroutine enters every waiter now. */
  order[0] = '\0';
  qemu_coroutine_enter(qemu_coroutine_create(waiter), &s);
  qemu_coroutine_enter(qemu_coroutine_create(waiter), &s);
  qemu_co_queue_restart_all(&s.queue);
  CHECK(strcmp(order, "ww") == 0);

  return c_check_result("c_api_test");
}
