#pragma once
// Internal: the coroutine pool (SEMANTICS.md, "Pool").

#include "coroutine_impl.hpp"

namespace corosim::detail {

// Whether a terminated coroutine may be pooled (default stack size, current backend, pool on).
inline bool pool_accepts(const Coroutine *co) noexcept {
  return co->backend_bits == g_config.pool_bits && co->stack_size_requested == 0;
}

Coroutine *pool_take_slow(ThreadState &ts);

// A coroutine ready for reuse from the calling thread's pool (refilled from the global pool), or nullptr.
inline Coroutine *pool_take(ThreadState &ts) {
  Coroutine *co = ts.pool_head;
  if (COROSIM_LIKELY(co != nullptr && pool_accepts(co))) {
    ts.pool_head = co->queue_next;
    --ts.pool_count;
    co->queue_next = nullptr;
    co->queued = Queue::none;
    return co;
  }
  return pool_take_slow(ts);
}

// Empties the calling thread's local pool and the global pool (stack size or backend changed).
void pool_drain_all();
// Recomputes g_config.pool_bits after a setter changed the configuration.
void config_changed() noexcept;
// Frees a coroutine for good: thread, sanitizer fiber, stack, object.
void coroutine_free(Coroutine *co);
// Thread exit: hands the local pool to the global pool or frees it.
void pool_thread_exit(ThreadState &ts);

}  // namespace corosim::detail
