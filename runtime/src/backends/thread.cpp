// The thread backend: the reference implementation QEMU calls coroutine-gthread. Each coroutine is an OS thread;
// a switch releases the target's semaphore and blocks on our own, so exactly one of a logical thread's
// coroutines runs at any time. It needs no stack tricks (useful to rule the switch code out when hunting a bug)
// but is slow and cannot recycle coroutines, so the pool is always off for it.
//
// The coroutine's OS thread must see the per-thread state (current coroutine, context) of the thread that
// entered it: after every wake-up it points its ThreadSlot at that state (see ThreadSlot::redirect).
//
// Only the real platform builds this backend: in the simulator, OS threads are themselves simulated.

#include <semaphore>
#include <thread>

#include "../coroutine_impl.hpp"

namespace corosim {

struct ThreadImpl {
  std::binary_semaphore wake{0};
  // Written by the switcher before wake.release(), read by this thread after wake.acquire(): the semaphore
  // orders them, so they need no atomics.
  detail::Action action = detail::Action::enter;
  detail::ThreadState *state = nullptr;  // the logical thread's state to adopt
  bool leader = false;
  std::thread os_thread;
};

namespace detail {
namespace {

void coroutine_thread_main(Coroutine *co) {
  ThreadImpl *impl = co->thread;
  impl->wake.acquire();
  if (impl->action == Action::terminate) return;  // freed without ever being entered
  this_slot().redirect = impl->state;
  run_entry(co);
  switch_to(this_thread(), co, co->caller, Action::terminate);  // returns at once: this thread then ends
}

ThreadImpl *impl_of(Coroutine *co) {
  if (!co->thread) {  // only a leader gets its ThreadImpl late
    co->thread = new ThreadImpl;
    co->thread->leader = true;
  }
  return co->thread;
}

}  // namespace

void thread_init(Coroutine *co) {
  co->thread = new ThreadImpl;
  co->thread->os_thread = std::thread(coroutine_thread_main, co);
}

void thread_destroy(Coroutine *co) {
  ThreadImpl *impl = co->thread;
  if (!co->started) {
    impl->action = Action::terminate;
    impl->wake.release();
  }
  impl->os_thread.join();
  delete impl;
  co->thread = nullptr;
}

void thread_leader_cleanup(Coroutine *leader) {
  delete leader->thread;
  leader->thread = nullptr;
}

Action thread_switch(ThreadState &ts, Coroutine *from, Coroutine *to, Action action) {
  ThreadImpl *mine = impl_of(from);
  ThreadImpl *target = impl_of(to);
  target->action = action;
  target->state = &ts;
  target->wake.release();
  if (action == Action::terminate) return action;
  mine->wake.acquire();
  if (!mine->leader) this_slot().redirect = mine->state;
  return mine->action;
}

}  // namespace detail
}  // namespace corosim
