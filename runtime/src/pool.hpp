#pragma once
// Internal: the coroutine pool (SEMANTICS.md, "Pool").

#include "coroutine_impl.hpp"

namespace corosim::detail {

// A coroutine ready for reuse from the calling thread's pool (refilled from the global pool), or nullptr.
Coroutine *pool_take(ThreadState &ts);
// Empties the calling thread's local pool and the global pool (stack size or backend changed).
void pool_drain_all();
// Whether a terminated coroutine may be pooled (default stack, current backend, pool on).
bool pool_accepts(const Coroutine *co) noexcept;
// Frees a coroutine for good: thread, sanitizer fiber, stack, object.
void coroutine_free(Coroutine *co);
// Thread exit: hands the local pool to the global pool or frees it.
void pool_thread_exit(ThreadState &ts);

}  // namespace corosim::detail
