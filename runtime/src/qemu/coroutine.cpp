// The QEMU-compatible C API over the C++ runtime. The C structs are storage for the C++ objects (sizes checked
// below); the C `struct Coroutine` is corosim::Coroutine under another name.

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/qemu/coroutine.h>

#include <new>

#include "../coroutine_impl.hpp"

namespace {

template <class Cpp, class C>
constexpr bool fits = sizeof(Cpp) <= sizeof(C) && alignof(Cpp) <= alignof(C);
static_assert(fits<corosim::CoQueue, CoQueue>, "grow CoQueue::opaque_ in corosim/qemu/coroutine.h");
static_assert(fits<corosim::CoMutex, CoMutex>, "grow CoMutex::opaque_ in corosim/qemu/coroutine.h");
static_assert(fits<corosim::CoRwlock, CoRwlock>, "grow CoRwlock::opaque_ in corosim/qemu/coroutine.h");

corosim::Coroutine *cpp(Coroutine *co) { return reinterpret_cast<corosim::Coroutine *>(co); }
Coroutine *c(corosim::Coroutine *co) { return reinterpret_cast<Coroutine *>(co); }
corosim::CoQueue *cpp(CoQueue *q) { return std::launder(reinterpret_cast<corosim::CoQueue *>(q)); }
corosim::CoMutex *cpp(CoMutex *m) { return std::launder(reinterpret_cast<corosim::CoMutex *>(m)); }
corosim::CoRwlock *cpp(CoRwlock *l) { return std::launder(reinterpret_cast<corosim::CoRwlock *>(l)); }

}  // namespace

extern "C" {

Coroutine *qemu_coroutine_create(CoroutineEntry *entry) {
  // The entry gets the opaque of the first qemu_coroutine_enter, stored in entry_arg until then.
  return c(corosim::coroutine_create([entry] { entry(corosim::self()->entry_arg); }));
}

void qemu_coroutine_enter(Coroutine *co, void *opaque) {
  if (!cpp(co)->started) cpp(co)->entry_arg = opaque;
  corosim::coroutine_enter(cpp(co));
}

Coroutine *corosim_qemu_coroutine_create_modern(CoroutineEntry *entry, void *opaque) {
  return c(corosim::coroutine_create([entry, opaque] { entry(opaque); }));
}

void corosim_qemu_coroutine_enter_modern(Coroutine *co) { corosim::coroutine_enter(cpp(co)); }

void qemu_coroutine_yield(void) { corosim::yield(); }
Coroutine *qemu_coroutine_self(void) { return c(corosim::self()); }
bool qemu_in_coroutine(void) { return corosim::in_coroutine(); }
bool qemu_coroutine_entered(Coroutine *co) { return corosim::entered(cpp(co)); }

void qemu_co_queue_init(CoQueue *queue) { ::new (static_cast<void *>(queue)) corosim::CoQueue; }
void qemu_co_queue_wait(CoQueue *queue) { cpp(queue)->wait(); }
void qemu_co_queue_wait_insert_head(CoQueue *queue) { cpp(queue)->wait_insert_head(); }
bool qemu_co_queue_next(CoQueue *queue) { return cpp(queue)->next(); }
void qemu_co_queue_restart_all(CoQueue *queue) { cpp(queue)->restart_all(); }
bool qemu_co_queue_empty(CoQueue *queue) { return cpp(queue)->empty(); }

void qemu_co_mutex_init(CoMutex *mutex) { ::new (static_cast<void *>(mutex)) corosim::CoMutex; }
void qemu_co_mutex_lock(CoMutex *mutex) { cpp(mutex)->lock(); }
void qemu_co_mutex_unlock(CoMutex *mutex) { cpp(mutex)->unlock(); }

void qemu_co_rwlock_init(CoRwlock *lock) { ::new (static_cast<void *>(lock)) corosim::CoRwlock; }
void qemu_co_rwlock_rdlock(CoRwlock *lock) { cpp(lock)->rdlock(); }
void qemu_co_rwlock_wrlock(CoRwlock *lock) { cpp(lock)->wrlock(); }
void qemu_co_rwlock_unlock(CoRwlock *lock) { cpp(lock)->unlock(); }
void qemu_co_rwlock_upgrade(CoRwlock *lock) { cpp(lock)->upgrade(); }
void qemu_co_rwlock_downgrade(CoRwlock *lock) { cpp(lock)->downgrade(); }

}  // extern "C"
