// The runtime's side of the engine's questions (platform/sim_runtime.hpp): the run's lifecycle (SimRun), the
// registry of the run's coroutine objects, and what each unfinished coroutine waits for. Sim build only; everything
// here runs on the one OS thread of the simulation, so the registry needs no lock.

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

namespace {

// Every coroutine object created during the current run, in a circular list through sim_prev/sim_next (the
// sentinel's). Objects created outside runs (on the host) are not registered: their links stay null.
Coroutine g_registry;
uint64_t g_coroutine_ids = 0;
AioContext *g_main_context = nullptr;  // the run's main context; made on first use (sim_main_context)

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

AioContext *sim_main_context() {
  if (!g_main_context) g_main_context = AioContext::create();
  return g_main_context;
}

}  // namespace detail

namespace platform {

using corosim::Coroutine;
using detail::g_registry;

SimRun::SimRun(SimEngine &engine) noexcept {
  sim_detail::begin_epoch();
  // With the pool on, coroutines of earlier runs may sit in it: free them, so that a run only ever takes
  // coroutines it made itself (registered, reaped if it is abandoned) and starts as the first one did.
  detail::pool_drain_all();
  detail::registry_clear();
  detail::g_coroutine_ids = 0;
  detail::g_main_context = nullptr;
  detail::prepare_fault_handling(nullptr);  // a sim thread's overflow is reported even if no coroutine ever ran
  set_sim_engine(&engine);
}

SimRun::~SimRun() {
  if (!ended_) detail::misuse("a simulated run was not ended (SimRun::end)");
}

void SimRun::main_done() { detail::thread_pool_sim_main_done(); }

// Abandoned: the frames on the run's coroutine stacks will never run; give the stacks back without running anything.
// AddressSanitizer keeps the poisoning of frames that never returned; clear it, or a later mapping at the same
// address would inherit it.
static void reap_abandoned_coroutines() noexcept {
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
}

void SimRun::end(bool failed) noexcept {
  ended_ = true;
  set_sim_thread_storage(nullptr);
  set_sim_engine(nullptr);
  if (failed) {
    reap_abandoned_coroutines();
    sim_detail::forget_run_notifiers();
    detail::pool_sim_forget_global();
  } else if (detail::g_main_context) {
    detail::g_main_context->unref();  // on the host: its operations are plain, nothing can block
  }
  detail::g_main_context = nullptr;
  detail::thread_pool_sim_end_run(failed);
  detail::registry_clear();
  if (failed)
    sim_heap_release_run();
  else
    sim_heap_adopt_run();
}

uint64_t sim_running_coroutine() noexcept {
  // Not this_thread(): a sim thread that never touched a coroutine has no state, and asking must not make one.
  const detail::ThreadState *ts = detail::find_this_thread();
  if (!ts) return 0;
  Coroutine *cur = ts->current;
  return cur && cur->caller ? cur->id : 0;
}

std::string sim_exception_text() { return detail::current_exception_text(); }

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
    c.waits_for = co->queued == detail::Queue::wakeup ? SimWait::waker : co->wait;
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
