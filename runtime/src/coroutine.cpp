// Coroutine creation, entry, yield and the queries of coroutine.hpp; configuration; misuse reporting.

#include <cxxabi.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "coroutine_impl.hpp"
#include "pool.hpp"

namespace corosim {
namespace detail {
namespace {

MisuseHandler g_misuse_handler = nullptr;

// Ids are handed out in blocks so that creating a coroutine costs no atomic operation; within a thread they are
// sequential. 4096 keeps them small for any realistic number of threads.
#if COROSIM_PLATFORM != COROSIM_PLATFORM_SIM  // the simulator numbers coroutines per run instead
constexpr uint64_t kIdBlock = 4096;
Platform::atomic<uint64_t> g_next_id_block{0};
#endif

uint8_t bits_of(Backend b) noexcept {
  switch (b) {
    case Backend::fcontext: return kFcontext;
    case Backend::ucontext: return kUcontext;
    case Backend::thread: return kThread;
  }
  return kFcontext;
}

// Applies $COROSIM_BACKEND and $COROSIM_POOL once, during static initialisation.
[[maybe_unused]] const bool g_environment_applied = [] {
  if (const char *env = std::getenv("COROSIM_BACKEND"); env && *env && !parse_backend(env, &g_config.backend)) {
    std::fprintf(stderr, "corosim: COROSIM_BACKEND=%s is not one of fcontext, ucontext, thread\n", env);
    std::abort();
  }
  if (const char *env = std::getenv("COROSIM_POOL"); env && std::strcmp(env, "0") == 0) g_config.pool_wanted = false;
  config_changed();
  return true;
}();

Coroutine *coroutine_new(std::size_t stack_size_requested) {
  auto *co = new Coroutine;
  co->backend_bits = bits_of(g_config.backend);
  co->stack_size_requested = stack_size_requested;
  std::size_t usable = stack_size_requested ? stack_size_requested : g_config.default_stack_bytes;
  if (co->backend_bits != kThread && !map_stack(co->stack, usable)) {
    delete co;
    misuse("cannot map a coroutine stack of %zu bytes", usable);
  }
#ifdef COROSIM_TSAN
  if (co->backend_bits != kThread) co->tsan_fiber = __tsan_create_fiber(0);
#endif
  switch (co->backend_bits) {
    case kFcontext: fcontext_init(co); break;
    case kUcontext: ucontext_init(co); break;
    case kThread: thread_init(co); break;
  }
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  sim_register(co);
#endif
  return co;
}

}  // namespace

void coroutine_free(Coroutine *co) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  sim_unregister(co);
#endif
  if (co->backend_bits == kThread) thread_destroy(co);
#ifdef COROSIM_TSAN
  if (co->tsan_fiber) __tsan_destroy_fiber(co->tsan_fiber);
#endif
  unmap_stack(co->stack);
  delete co;
}

constinit Config g_config;

void config_changed() noexcept {
  g_config.pool_bits =
      g_config.pool_wanted && g_config.backend != Backend::thread ? bits_of(g_config.backend) : kNoPool;
}

const char *queue_name(Queue q) noexcept {
  switch (q) {
    case Queue::none: return "no queue";
    case Queue::co_queue: return "CoQueue";
    case Queue::wakeup: return "wake-up queue";
    case Queue::co_mutex: return "CoMutex wait list";
    case Queue::co_rwlock: return "CoRwlock ticket queue";
    case Queue::pool: return "coroutine pool";
  }
  return "?";
}

void set_misuse_handler(MisuseHandler handler) noexcept { g_misuse_handler = handler; }

void misuse(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (g_misuse_handler) g_misuse_handler(buf);  // the simulator's handler does not return
  std::fprintf(stderr, "corosim: %s\n", buf);
  std::fflush(stderr);
  std::abort();
}

Action slow_switch(ThreadState &ts, Coroutine *from, Coroutine *to, Action action) {
  switch (from->backend_bits | to->backend_bits) {
    case kUcontext: return ucontext_switch(from, to, action);
    case kThread: return thread_switch(ts, from, to, action);
    default:
      misuse("Co-routine %llu (%s) and co-routine %llu (%s) use different switch backends",
             id_of(from), from->backend_bits ? "coroutine" : "thread leader",
             id_of(to), to->backend_bits ? "coroutine" : "thread leader");
  }
}

static void free_callable(Coroutine *co) noexcept {
  if (co->callable != co->inline_callable) ::operator delete(co->callable, std::align_val_t{co->heap_callable_align});
  co->callable = nullptr;
}

ThreadState &this_thread_after_switch() noexcept { return this_thread(); }

std::string current_exception_text() {
  const std::type_info *type = abi::__cxa_current_exception_type();
  std::string name = type ? type->name() : "an exception of unknown type";
  if (type) {
    int status = 0;
    std::unique_ptr<char, void (*)(void *)> demangled(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                                     std::free);
    if (status == 0 && demangled) name = demangled.get();
  }
  try {
    throw;
  } catch (const std::exception &e) {
    return name + ": " + e.what();
  } catch (...) {
    return name;
  }
}

void run_entry(Coroutine *co) {
  // The misuse is reported after the catch block is left: in the simulator it abandons the run, and the exception
  // object must be released first.
  std::string escaped;
  try {
    co->invoke(co->callable);
  } catch (...) {
    escaped = current_exception_text();
  }
  if (!escaped.empty()) misuse("uncaught exception escaped co-routine %llu: %s", id_of(co), escaped.c_str());
  if (co->destroy) co->destroy(co->callable);
  free_callable(co);
}

void coroutine_discard(Coroutine *co) noexcept {
  free_callable(co);
  release(this_thread(), co);
}

// A new life for a fresh or recycled coroutine object. Precondition: ts has an id left in its block.
static inline void begin_life(ThreadState &ts, Coroutine *co, InvokeFn invoke, DestroyFn destroy) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // Per run and in creation order, whatever sim thread creates it (determinism: ids appear in reports and the
  // trace). A coroutine made outside any run gets 0: no count may carry from one run into the next.
  (void)ts;
  co->id = platform::sim_detail::active() ? sim_next_coroutine_id() : 0;
#else
  co->id = ts.next_id++;
#endif
  co->invoke = invoke;
  co->destroy = destroy;
  co->started = false;
  co->entry_arg = nullptr;
}

// Everything but the common case of coroutine_alloc: an empty or unsuitable local pool, a custom stack size, a new
// id block, a callable too large to store inline.
[[gnu::noinline, gnu::cold]] static Coroutine *coroutine_alloc_slow(ThreadState &ts, std::size_t stack_size_bytes,
                                                                     std::size_t callable_size,
                                                                     std::size_t callable_align, InvokeFn invoke,
                                                                     DestroyFn destroy, void **callable_storage) {
  Coroutine *co = stack_size_bytes == 0 ? pool_take(ts) : nullptr;
  if (!co) co = coroutine_new(stack_size_bytes);
#if COROSIM_PLATFORM != COROSIM_PLATFORM_SIM
  if (ts.next_id == ts.id_block_end) {
    ts.next_id = g_next_id_block.fetch_add(1, std::memory_order_relaxed) * kIdBlock + 1;
    ts.id_block_end = ts.next_id + kIdBlock;
  }
#endif
  begin_life(ts, co, invoke, destroy);
  if (callable_size <= Coroutine::kInlineCallableBytes && callable_align <= alignof(Coroutine)) {
    co->callable = co->inline_callable;
  } else {
    co->heap_callable_align = callable_align < 16 ? 16 : callable_align;
    co->callable = ::operator new(callable_size, std::align_val_t{co->heap_callable_align});
  }
  *callable_storage = co->callable;
  return co;
}

Coroutine *coroutine_alloc(std::size_t stack_size_bytes, std::size_t callable_size, std::size_t callable_align,
                           InvokeFn invoke, DestroyFn destroy, void **callable_storage) {
  ThreadState &ts = this_thread();
  Coroutine *co = ts.pool_head;
  // The common case, kept free of calls so that it saves no registers: everything else is a tail call.
  if (COROSIM_UNLIKELY(co == nullptr || stack_size_bytes != 0 || !pool_accepts(co) ||
                       ts.next_id == ts.id_block_end || callable_size > Coroutine::kInlineCallableBytes ||
                       callable_align > alignof(Coroutine)))
    return coroutine_alloc_slow(ts, stack_size_bytes, callable_size, callable_align, invoke, destroy,
                                callable_storage);
  ts.pool_head = co->queue_next;
  --ts.pool_count;
  co->queue_next = nullptr;
  co->queued = Queue::none;
  begin_life(ts, co, invoke, destroy);
  co->callable = co->inline_callable;
  *callable_storage = co->callable;
  return co;
}

}  // namespace detail

using namespace detail;

void set_backend(Backend b) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // Sim threads are fibers on one OS thread; the thread backend would run coroutines on real OS threads.
  if (b == Backend::thread) misuse("set_backend(thread): the thread backend is not available in the simulator");
#endif
  g_config.backend = b;
  config_changed();
}
Backend backend() noexcept { return g_config.backend; }

const char *backend_name(Backend b) noexcept {
  switch (b) {
    case Backend::fcontext: return "fcontext";
    case Backend::ucontext: return "ucontext";
    case Backend::thread: return "thread";
  }
  return "?";
}

bool parse_backend(const char *name, Backend *out) noexcept {
  for (Backend b : {Backend::fcontext, Backend::ucontext, Backend::thread}) {
    if (std::strcmp(name, backend_name(b)) == 0) {
      *out = b;
      return true;
    }
  }
  return false;
}

void set_default_stack_size(std::size_t bytes) {
  if (bytes == g_config.default_stack_bytes) return;
  g_config.default_stack_bytes = bytes;
  pool_drain_all();  // pooled stacks have the old size
}
std::size_t default_stack_size() noexcept { return g_config.default_stack_bytes; }

[[gnu::noinline]] static void yield_portable() {
  ThreadState &ts = this_thread();
  Coroutine *self = ts.current;
  if (COROSIM_UNLIKELY(!self || !self->caller)) misuse("Co-routine is yielding to no one");
  Coroutine *to = self->caller;
  self->caller = nullptr;
  switch_to(ts, self, to, Action::yield);
}

void yield(COROSIM_SITE_DEF) {
  COROSIM_CALL("yield");
#if COROSIM_FCONTEXT_STUBS
  // The thread's own state: a thread-backend coroutine's OS thread never sets own.current (it works through
  // ThreadSlot::redirect), so it, like every non-fcontext case, takes the portable path.
  ThreadState &own = this_slot().own;
  if (Coroutine *self = own.current; COROSIM_LIKELY(self != nullptr)) {
    Coroutine *to = self->caller;
    if (COROSIM_LIKELY(to != nullptr && (self->backend_bits | to->backend_bits) == kFcontext)) {
      self->caller = nullptr;
      own.current = to;
      return corosim_fctx_switch(to->fctx, tag(self, Action::yield));  // a tail call: see the stub
    }
  }
#endif
  yield_portable();
}

Coroutine *self() noexcept {
  Coroutine *cur = this_thread().current;
  return cur && cur->caller ? cur : nullptr;
}

bool in_coroutine() noexcept {
  Coroutine *cur = this_thread().current;
  return cur && cur->caller;
}

bool entered(const Coroutine *co) noexcept { return co->caller != nullptr; }

uint64_t coroutine_id(const Coroutine *co) noexcept { return co->id; }

}  // namespace corosim
