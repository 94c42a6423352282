// The coroutine pool: terminated coroutines are recycled instead of unmapping their stacks.
//
// Shape (after QEMU's util/qemu-coroutine.c, in our own terms): each thread keeps a local list that create and
// terminate use without synchronisation; when it overflows, a batch of kBatch coroutines moves to the global
// pool, and a thread whose local list is empty takes a whole batch back. Both levels are bounded, so a workload
// that creates coroutines on one thread and terminates them on another (the producer never sees its coroutines
// come back) keeps at most kLocalMax per thread plus kGlobalMaxBatches * kBatch in the global pool; beyond that
// coroutines are freed.

#include <cstdlib>
#include <cstring>

#include "pool.hpp"

namespace corosim::detail {
namespace {


// The global pool. invariant (under g_global_mutex): g_batches[0..g_batch_count) are lists of exactly kBatch
// coroutines linked through queue_next.
Platform::Mutex g_global_mutex;
Coroutine *g_batches[kGlobalMaxBatches];
std::size_t g_batch_count = 0;

void free_list(Coroutine *head) {
  while (head) {
    Coroutine *next = head->queue_next;
    coroutine_free(head);
    head = next;
  }
}

// Detaches the first n coroutines of the local list. Precondition: ts.pool_count >= n.
Coroutine *take_local_batch(ThreadState &ts, std::size_t n) {
  Coroutine *head = ts.pool_head, *last = head;
  for (std::size_t i = 1; i < n; ++i) last = last->queue_next;
  ts.pool_head = last->queue_next;
  last->queue_next = nullptr;
  ts.pool_count -= n;
  return head;
}

// Gives a batch to the global pool; frees it when the global pool is full.
void give_batch(Coroutine *batch) {
  {
    std::lock_guard<Platform::Mutex> lock(g_global_mutex);
    if (g_batch_count < kGlobalMaxBatches) {
      g_batches[g_batch_count++] = batch;
      return;
    }
  }
  free_list(batch);
}

}  // namespace

Coroutine *pool_take(ThreadState &ts) {
  for (;;) {
    Coroutine *co = ts.pool_head;
    if (!co) {
      if (g_config.pool_bits == kNoPool) return nullptr;
      if (COROSIM_UNLIKELY(!ts.initialised)) init_thread(ts);  // registers the exit hook that returns the batch
      std::lock_guard<Platform::Mutex> lock(g_global_mutex);
      if (g_batch_count == 0) return nullptr;
      ts.pool_head = g_batches[--g_batch_count];
      ts.pool_count = kBatch;
      co = ts.pool_head;
    }
    ts.pool_head = co->queue_next;
    --ts.pool_count;
    co->queue_next = nullptr;
    co->queued = Queue::none;
    if (COROSIM_LIKELY(pool_accepts(co))) return co;
    coroutine_free(co);  // pooled before the backend or stack size changed
  }
}

void release_slow(ThreadState &ts, Coroutine *co) {
  co->caller = nullptr;
  if (!pool_accepts(co)) {
    coroutine_free(co);
    return;
  }
  give_batch(take_local_batch(ts, kBatch));  // the local pool is full
  push_local(ts, co);
}

void pool_thread_exit(ThreadState &ts) {
  while (ts.pool_count >= kBatch) give_batch(take_local_batch(ts, kBatch));
  free_list(ts.pool_head);
  ts.pool_head = nullptr;
  ts.pool_count = 0;
}

void pool_drain_all() {
  ThreadState &ts = this_thread();
  free_list(ts.pool_head);
  ts.pool_head = nullptr;
  ts.pool_count = 0;
  Coroutine *batches[kGlobalMaxBatches];
  std::size_t n;
  {
    std::lock_guard<Platform::Mutex> lock(g_global_mutex);
    n = g_batch_count;
    std::memcpy(batches, g_batches, n * sizeof batches[0]);
    g_batch_count = 0;
  }
  for (std::size_t i = 0; i < n; ++i) free_list(batches[i]);
}

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
void pool_sim_forget_global() noexcept { g_batch_count = 0; }
#endif

std::size_t global_pool_size() {
  std::lock_guard<Platform::Mutex> lock(g_global_mutex);
  return g_batch_count * kBatch;
}

}  // namespace corosim::detail

namespace corosim {

bool pool_enabled() noexcept { return detail::g_config.pool_bits != detail::kNoPool; }

void set_pool_enabled(bool enabled) {
  detail::g_config.pool_wanted = enabled;
  detail::config_changed();
  if (!enabled) detail::pool_drain_all();
}

}  // namespace corosim
