#pragma once
// Internal: the coroutine pool (docs/semantics.md, "Stacks, the pool and backends").

#include "coroutine_impl.hpp"

namespace corosim::detail {

// 64 per batch as QEMU's POOL_MIN_BATCH_SIZE: enough that the global lock is taken once per 64 creations.
constexpr std::size_t kBatch = 64;
// Two batches locally: a thread that alternates create/terminate around a boundary does not bounce batches.
constexpr std::size_t kLocalMax = 2 * kBatch;
// 16 batches = 1024 coroutines (1 GiB of address space at the default stack size, mostly never touched).
constexpr std::size_t kGlobalMaxBatches = 16;

// Whether a terminated coroutine may be pooled (default stack size, current backend, pool on).
inline bool pool_accepts(const Coroutine *co) noexcept {
  return co->backend_bits == g_config.pool_bits && co->stack_size_requested == 0;
}

// A coroutine ready for reuse from the calling thread's pool (refilled from the global pool), or nullptr.
// (coroutine_alloc pops the local pool inline and calls this when that fails.)
Coroutine *pool_take(ThreadState &ts);

inline void push_local(ThreadState &ts, Coroutine *co) {
  co->queued = Queue::pool;  // entering a pooled (terminated) coroutine is then reported as misuse
  co->queue_next = ts.pool_head;
  ts.pool_head = co;
  ++ts.pool_count;
}

void release_slow(ThreadState &ts, Coroutine *co);

// Returns a terminated coroutine to the pool, or frees it.
// Precondition (checked by the enter loop): co->locks_held == 0, so it holds no rwlock either.
inline void release(ThreadState &ts, Coroutine *co) {
  if (COROSIM_LIKELY(pool_accepts(co) && ts.pool_count < kLocalMax)) {
    co->caller = nullptr;
    push_local(ts, co);
  } else {
    release_slow(ts, co);
  }
}

// Empties the calling thread's local pool and the global pool (stack size or backend changed).
void pool_drain_all();
// Recomputes g_config.pool_bits after a setter changed the configuration.
void config_changed() noexcept;
// Frees a coroutine for good: thread, sanitizer fiber, stack, object.
void coroutine_free(Coroutine *co);
// Thread exit: hands the local pool to the global pool or frees it.
void pool_thread_exit(ThreadState &ts);
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
// An abandoned run: its coroutines in the global pool are garbage (the run heap's; their stacks are reaped with
// the run's other coroutines). Empties the global pool without touching them.
void pool_sim_forget_global() noexcept;
#endif

}  // namespace corosim::detail
