// The runtime's side of the engine's questions (platform/sim_runtime.hpp): run boundaries, the registry of the
// run's coroutine objects, and what each unfinished coroutine waits for. Sim build only; everything here runs on
// the one OS thread of the simulation, so the registry needs no lock.

#include <corosim/platform/sim_runtime.hpp>

#include <sys/mman.h>

#include <algorithm>

#include <corosim/co_mutex.hpp>
#include <corosim/platform.hpp>

#include "../aio/aio_impl.hpp"
#include "../coroutine_impl.hpp"
#include "../pool.hpp"

#ifdef COROSIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

#if COROSIM_PLATFORM != COROSIM_PLATFORM_SIM
#error "sim_runtime.cpp belongs to corosim::runtime_sim"
#endif

namespace corosim {
namespace detail {

extern AioContext *g_sim_main_context;  // aio/context.cpp

namespace {

// Every coroutine object created during the current run, in a circular list through sim_prev/sim_next (the
// sentinel's). Objects created outside runs (on the host) are not registered: their links stay null.
Coroutine g_registry;
uint64_t g_coroutine_ids = 0;

void registry_init() noexcept {
  if (!g_registry.sim_next) g_registry.sim_prev = g_registry.sim_next = &g_registry;
}

// Unlinks every object (they stay valid until whoever owns their memory frees them).
void registry_clear() noexcept {
  registry_init();
  for (Coroutine *co = g_registry.sim_next; co != &g_registry;) {
    Coroutine *next = co->sim_next;
    co->sim_prev = co->sim_next = nullptr;
    co = next;
  }
  g_registry.sim_prev = g_registry.sim_next = &g_registry;
}

const char *wait_name(Wait w) noexcept {
  switch (w) {
    case Wait::none: return "";
    case Wait::co_mutex: return "CoMutex";
    case Wait::co_queue: return "CoQueue";
    case Wait::co_rwlock_read: return "CoRwlock (read)";
    case Wait::co_rwlock_write: return "CoRwlock (write)";
    case Wait::sleep: return "sleep";
    case Wait::reschedule: return "aio_co_reschedule_self";
    case Wait::thread_pool: return "thread pool";
  }
  return "?";
}

}  // namespace

void sim_register(Coroutine *co) noexcept {
  if (!platform::sim_detail::active()) return;  // a host coroutine: not part of any run
  registry_init();
  co->sim_next = &g_registry;
  co->sim_prev = g_registry.sim_prev;
  g_registry.sim_prev->sim_next = co;
  g_registry.sim_prev = co;
}

void sim_unregister(Coroutine *co) noexcept {
  if (!co->sim_next) return;
  co->sim_prev->sim_next = co->sim_next;
  co->sim_next->sim_prev = co->sim_prev;
  co->sim_prev = co->sim_next = nullptr;
}

uint64_t sim_next_coroutine_id() noexcept { return ++g_coroutine_ids; }

}  // namespace detail

namespace platform {

using corosim::Coroutine;
using detail::g_registry;

void sim_runtime_begin_run() noexcept {
  // With the pool on, coroutines of earlier runs may sit in it: free them, so that a run only ever takes
  // coroutines it made itself (registered, reaped if it is abandoned) and starts as the first one did.
  detail::pool_drain_all();
  detail::registry_clear();
  detail::g_coroutine_ids = 0;
  detail::g_sim_main_context = nullptr;
}

void sim_runtime_main_done() { detail::thread_pool_sim_main_done(); }

void sim_runtime_end_run(bool abandoned) noexcept {
  if (abandoned) {
    // The frames on these stacks will never run: give the stacks back without running anything. AddressSanitizer
    // keeps the poisoning of frames that never returned; clear it, or a later mapping at the same address would
    // inherit it.
    for (Coroutine *co = g_registry.sim_next; co && co != &g_registry; co = co->sim_next) {
#ifdef COROSIM_ASAN
      if (co->stack.lo) ASAN_UNPOISON_MEMORY_REGION(co->stack.lo, co->stack.size);
#endif
#ifdef COROSIM_TSAN
      if (co->tsan_fiber) __tsan_destroy_fiber(co->tsan_fiber);
      co->tsan_fiber = nullptr;
#endif
      detail::unmap_stack(co->stack);
    }
    sim_detail::forget_run_notifiers();
    detail::pool_sim_forget_global();
  } else if (detail::g_sim_main_context) {
    detail::g_sim_main_context->unref();  // on the host: its operations are plain, nothing can block
  }
  detail::g_sim_main_context = nullptr;
  detail::thread_pool_sim_end_run(abandoned);
  detail::registry_clear();
}

uint64_t sim_running_coroutine() noexcept {
  Coroutine *cur = detail::this_thread().current;
  return cur && cur->caller ? cur->id : 0;
}

std::vector<SimCoroutine> sim_live_coroutines(bool look_up_holders) {
  std::vector<SimCoroutine> out;
  if (!g_registry.sim_next) return out;
  for (Coroutine *co = g_registry.sim_next; co != &g_registry; co = co->sim_next) {
    if (co->queued == detail::Queue::pool) continue;  // terminated, kept for reuse
    SimCoroutine c;
    c.id = co->id;
    c.state = !co->started ? SimCoroutine::State::created
              : co->caller ? SimCoroutine::State::running
                           : SimCoroutine::State::suspended;
    c.waits_for = co->queued == detail::Queue::wakeup ? "its waker to yield" : detail::wait_name(co->wait);
    c.object = co->wait_object;
    c.scheduled_by = co->scheduled.load();
    if (!look_up_holders) {
    } else if (co->wait == detail::Wait::co_mutex) {
      if (Coroutine *h = static_cast<const CoMutex *>(co->wait_object)->holder()) c.holders.push_back(h->id);
    } else if (co->wait == detail::Wait::co_rwlock_read || co->wait == detail::Wait::co_rwlock_write) {
      // The holders: coroutines whose holds name the lock. Not the waiter itself: upgrade() waits as a writer
      // while its read hold is still recorded (it gave its share up).
      for (Coroutine *o = g_registry.sim_next; o != &g_registry; o = o->sim_next) {
        if (o == co) continue;
        for (unsigned i = 0; i < o->held_rwlocks_tracked; ++i)
          if (o->held_rwlocks[i].lock == co->wait_object) c.holders.push_back(o->id);
      }
    }
    out.push_back(std::move(c));
  }
  // Registry order is creation order of the objects; a pooled object reused later has a newer id. Reports and
  // the diagnosis want id order.
  std::sort(out.begin(), out.end(), [](const SimCoroutine &a, const SimCoroutine &b) { return a.id < b.id; });
  return out;
}

}  // namespace platform
}  // namespace corosim
