#pragma once
// Coroutines with their own stacks, after QEMU's model (docs/semantics.md).
//
// Lifecycle of a coroutine (the pool makes "free" and "created" the same object reused):
//
//   | state      | how it gets there                       | entered() | legal next step                   |
//   |------------|-----------------------------------------|-----------|-----------------------------------|
//   | created    | coroutine_create                        | false     | coroutine_enter                   |
//   | running    | coroutine_enter (its enterer = caller)  | true      | yield, return, enter another      |
//   | on a chain | it entered another coroutine            | true      | (resumes when that one yields)    |
//   | suspended  | it called yield()                       | false     | coroutine_enter / a wake-up       |
//   | queued     | it is in a CoQueue/wake-up queue        | false     | the queue wakes it (enter = misuse)|
//   | terminated | its function returned                   | -         | none: the handle is dead          |
//
// Misuse aborts with a diagnostic (in the simulator it fails the run instead):
//   entering a coroutine that has a caller     "Co-routine re-entered recursively"
//   yielding outside a coroutine              "Co-routine is yielding to no one"
//   entering a coroutine marked scheduled     "Co-routine was already scheduled in '<who>'"
//   entering a coroutine that waits in a queue, queueing it twice, terminating while holding a lock.
//
// Thread safety: a coroutine runs on the thread that entered it. Entering it from another thread while it is
// suspended is allowed (that is how cross-context scheduling works) as long as the caller ensures the yield has
// completed (aio_co_schedule / aio_co_wake do).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include <corosim/platform.hpp>

namespace corosim {

class Coroutine;

// The stack-switching mechanism. All are compiled in; the choice applies to coroutines created afterwards.
enum class Backend {
  fcontext,  // Boost.Context jump_fcontext (default; the fast one)
  ucontext,  // makecontext for the first entry, then sigsetjmp/siglongjmp without the signal mask (as QEMU)
  thread,    // reference: one OS thread per coroutine, hand-off by semaphores; the pool is always off
};

// Per-coroutine creation options.
struct CoroutineOptions {
  std::size_t stack_size_bytes = 0;  // 0: the global default (set_default_stack_size)
};

// --- configuration (process-wide; set it before starting threads that create coroutines) ---

// Initial value: $COROSIM_BACKEND (fcontext | ucontext | thread), else fcontext.
void set_backend(Backend backend);
Backend backend() noexcept;
const char *backend_name(Backend backend) noexcept;
// Parses "fcontext" | "ucontext" | "thread"; returns false on anything else.
bool parse_backend(const char *name, Backend *out) noexcept;

// Initial value: 1 MiB. Rounded up to whole pages; one guard page below it is added.
void set_default_stack_size(std::size_t bytes);
std::size_t default_stack_size() noexcept;

// Whether terminated coroutines are recycled. Off when built with COROSIM_POOL=OFF, when $COROSIM_POOL=0, or for
// the thread backend. set_pool_enabled(false) also empties the pools.
bool pool_enabled() noexcept;
void set_pool_enabled(bool enabled);

// Counters for tests and diagnostics: coroutine stacks currently mapped in this process (live coroutines plus
// pooled ones), coroutines in the global pool, and coroutines in the calling thread's local pool.
struct CoroutineStats {
  std::size_t stacks_mapped;
  std::size_t global_pool;
  std::size_t local_pool;
};
CoroutineStats coroutine_stats() noexcept;

namespace detail {
using InvokeFn = void (*)(void *callable);
using DestroyFn = void (*)(void *callable);
// Takes a coroutine from the pool or makes one, and returns storage for a callable of the given size and
// alignment. The callable must be constructed there before the coroutine is entered.
Coroutine *coroutine_alloc(std::size_t stack_size_bytes, std::size_t callable_size, std::size_t callable_align,
                           InvokeFn invoke, DestroyFn destroy, void **callable_storage);
// Gives back a coroutine whose callable was never constructed (its constructor threw).
void coroutine_discard(Coroutine *co) noexcept;

template <class Fn>
void invoke_callable(void *callable) {
  (*static_cast<Fn *>(callable))();
}
template <class Fn>
void destroy_callable(void *callable) {
  static_cast<Fn *>(callable)->~Fn();
}
}  // namespace detail

// Creates a coroutine that will run fn() when first entered. Nothing runs until coroutine_enter.
// When fn returns, the coroutine terminates: it is recycled and the handle must not be used again.
template <class F>
Coroutine *coroutine_create(F &&fn, const CoroutineOptions &options = {}) {
  using Fn = std::decay_t<F>;
  static_assert(std::is_invocable_v<Fn &>, "coroutine_create takes a callable with signature void()");
  void *storage = nullptr;
  Coroutine *co = detail::coroutine_alloc(options.stack_size_bytes, sizeof(Fn), alignof(Fn),
                                          &detail::invoke_callable<Fn>,
                                          std::is_trivially_destructible_v<Fn> ? nullptr : &detail::destroy_callable<Fn>,
                                          &storage);
  try {
    ::new (storage) Fn(std::forward<F>(fn));
  } catch (...) {
    detail::coroutine_discard(co);
    throw;
  }
  return co;
}

// Switches into co; returns when co yields or terminates, after the coroutines co woke (its wake-up queue) have
// run too, depth first. Legal anywhere: from a coroutine it nests (co's caller is the current coroutine).
// Misuse: co has a caller, is scheduled, or waits in a queue.
void coroutine_enter(Coroutine *co);

// Suspends the current coroutine and returns to its caller. coroutine_fn: only from a coroutine.
void yield(COROSIM_SITE);

// The running coroutine, or nullptr outside any coroutine.
Coroutine *self() noexcept;

// Whether the calling code runs inside a coroutine.
bool in_coroutine() noexcept;

// Whether co has a caller (it is running, or on an active enter chain).
bool entered(const Coroutine *co) noexcept;

// The coroutine's number: small, sequential in creation order within a thread.
uint64_t coroutine_id(const Coroutine *co) noexcept;

// A name for co in the simulator's traces, which otherwise call it co<N> (the name is copied). Nothing in the real
// build.
inline void trace_name(const Coroutine *co, const char *name) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  platform::Sim::name_coroutine(coroutine_id(co), name);
#else
  static_cast<void>(co);
  static_cast<void>(name);
#endif
}

}  // namespace corosim
