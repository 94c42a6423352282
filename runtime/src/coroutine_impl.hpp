#pragma once
// Internal: the coroutine object, per-thread state, and the switch. Shared by the coroutine core, the backends,
// the pool and the lock implementations. Not installed.

#include <csetjmp>
#include <cstddef>
#include <cstdint>

#include <boost/context/detail/fcontext.hpp>

#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>
#include <corosim/platform/sim_runtime.hpp>

#include "backends/fcontext_fast.hpp"
#include "sanitizers.hpp"

#define COROSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define COROSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace corosim {

class AioContext;
struct ThreadImpl;  // backends/thread.cpp

namespace detail {

using Platform = platform::Current;

// What a switch tells the coroutine it lands in. Values fit in the low bits of an aligned pointer (fcontext
// passes `from | action` as its one data word).
enum class Action : uintptr_t { enter = 1, yield = 2, terminate = 3 };
constexpr uintptr_t kActionMask = 3;

// Which queue a coroutine's queue_next link is in. docs/semantics.md: a coroutine is in at most one queue at a time.
// A coroutine waiting for a CoMutex or CoRwlock is marked too, so that entering it by another path is caught.
enum class Queue : uint8_t { none, co_queue, wakeup, co_mutex, co_rwlock, pool };
const char *queue_name(Queue q) noexcept;

// What a suspended coroutine waits for, when it waits inside the runtime (yield_waiting): diagnostics only (the
// simulator's deadlock report names it, and gets it as this value). A coroutine suspended by a plain yield() waits
// for `none`; `waker` is never recorded here (a woken coroutine is known by its queue).
using Wait = platform::SimWait;

// Backend tags as bits so a switch can test both ends at once: leader | fcontext == fcontext.
enum BackendBits : uint8_t { kLeader = 0, kFcontext = 1, kUcontext = 2, kThread = 4 };

struct Stack {
  void *map_base = nullptr;   // mmap'd region, guard page first
  std::size_t map_size = 0;   // whole mapping including the guard page
  void *lo = nullptr;         // lowest usable byte (just above the guard page)
  std::size_t size = 0;       // usable bytes
};

}  // namespace detail

class alignas(16) Coroutine {
 public:
  // --- touched on every enter/yield ---
  // invariant: caller != nullptr exactly while this coroutine runs or is on an active enter chain.
  Coroutine *caller = nullptr;
  // Saved fcontext of a suspended fcontext coroutine (or of the thread's leader while a coroutine runs).
  void *fctx = nullptr;
  // Wake-up queue (docs/semantics.md): coroutines this one woke; they run when it yields or terminates.
  Coroutine *wakeup_head = nullptr;
  Coroutine *wakeup_tail = nullptr;
  // Link in exactly the queue named by `queued` (a CoQueue, some wake-up queue, a pool list).
  Coroutine *queue_next = nullptr;
  detail::Queue queued = detail::Queue::none;
  uint8_t backend_bits = detail::kLeader;
  bool started = false;  // entered at least once since (re)creation
  // Set while sleeping or sitting in a context's scheduled list: the name of who scheduled it.
  // Read by enter on another thread (aio_co_schedule), hence atomic.
  platform::Current::atomic<const char *> scheduled{nullptr};
  Coroutine *scheduled_next = nullptr;  // link in a context's scheduled list (aio_co_schedule)
  uint32_t locks_held = 0;  // CoMutex/CoRwlock held; must be 0 at termination
  // The read/write locks this coroutine holds, and how: a CoRwlock cannot tell its readers apart, so this is
  // what catches an unlock/upgrade/downgrade by a coroutine that lacks the right hold. The first
  // kTrackedRwlocks are recorded; a coroutine holding more is not checked for the others.
  static constexpr unsigned kTrackedRwlocks = 4;
  struct HeldRwlock {
    const void *lock;
    bool write;
  };
  HeldRwlock held_rwlocks[kTrackedRwlocks] = {};
  uint32_t held_rwlocks_tracked = 0;    // entries of held_rwlocks in use (at most kTrackedRwlocks)
  uint32_t held_rwlocks_untracked = 0;  // holds taken while the array was full: not recorded
  uint64_t id = 0;
  // While suspended in yield_waiting: what for, and the lock, queue or context it waits on.
  detail::Wait wait = detail::Wait::none;
  const void *wait_object = nullptr;
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // Every coroutine object of the simulated run (platform/sim_runtime.cpp): for deadlock reports, leak checks
  // and the reaping of an abandoned run's stacks.
  Coroutine *sim_prev = nullptr;
  Coroutine *sim_next = nullptr;
#endif
  // Home context: the one it last ran in. Written by the enter on the coroutine's thread; read by wakers on
  // other threads only after an acquire that pairs with a release the coroutine did after being entered (it
  // published a wait record, a queue entry under a lock, a scheduled bottom half), so a plain field.
  AioContext *ctx = nullptr;

  // --- the entry ---
  detail::InvokeFn invoke = nullptr;
  detail::DestroyFn destroy = nullptr;
  void *callable = nullptr;  // == inline_callable, or a heap block for large callables
  std::size_t heap_callable_align = 0;  // alignment the heap block was allocated with
  void *entry_arg = nullptr; // the C API's opaque, given on first entry
  static constexpr std::size_t kInlineCallableBytes = 64;
  alignas(16) unsigned char inline_callable[kInlineCallableBytes] = {};

  // --- backend state ---
  detail::Stack stack;
  std::size_t stack_size_requested = 0;  // 0 = the default (only those are pooled)
  sigjmp_buf env = {};                   // ucontext backend: where this coroutine resumes
  sigjmp_buf *boot_env = nullptr;        // ucontext backend: creator's env during the first switch
  ThreadImpl *thread = nullptr;          // thread backend

  // --- sanitizer bookkeeping ---
  const void *asan_stack_bottom = nullptr;  // for the leader: learned from the first switch away from it
  std::size_t asan_stack_size = 0;
  void *tsan_fiber = nullptr;
  void *asan_boot_fake_stack = nullptr;  // ucontext backend: the creator's fake stack across the first switch
  void *boot_tsan_fiber = nullptr;       // ucontext backend: the creator's fiber during the first switch
};

namespace detail {

// Process-wide configuration (coroutine.hpp's setters). Plain fields on purpose: it is set before threads start
// (documented there) and must not turn into scheduling points in the simulator. Constant-initialised so that it
// holds sane defaults even for code that runs before dynamic initialisation; the environment is applied then.
constexpr uint8_t kNoPool = 0xff;
struct Config {
  Backend backend = Backend::fcontext;
#ifdef COROSIM_POOL_DEFAULT_ON
  bool pool_wanted = true;  // build default, $COROSIM_POOL, set_pool_enabled()
#else
  bool pool_wanted = false;
#endif
  std::size_t default_stack_bytes = std::size_t{1} << 20;  // 1 MiB, as QEMU's COROUTINE_STACK_SIZE
  // Derived from the two above: the backend bits a terminated coroutine must have to be pooled, or kNoPool
  // (pool off, or the thread backend). One byte compare on the create/terminate paths.
  uint8_t pool_bits = kFcontext;
};
extern constinit Config g_config;

// Everything the runtime keeps per thread (per sim thread in the simulator).
// Constant-initialised and trivially destructible (see Platform::ThreadLocal); cleanup runs via at_thread_exit.
struct ThreadState {
  // The running coroutine, or the leader when none runs; nullptr until the thread first enters a coroutine.
  // invariant: current == &leader || current->caller != nullptr
  Coroutine *current = nullptr;
  // Stands for the thread's own stack: the caller of coroutines entered from outside any coroutine.
  Coroutine leader;
  // This thread's AioContext: its IOThread's, the main context on the main thread, else nullptr.
  AioContext *ctx = nullptr;

  // Local coroutine pool: a list through queue_next. invariant: pool_count == length of the list.
  Coroutine *pool_head = nullptr;
  std::size_t pool_count = 0;

  // Coroutine ids come in blocks from a process-wide counter so creation costs no atomic operation.
  uint64_t next_id = 0;
  uint64_t id_block_end = 0;

  bool initialised = false;  // leader, signal stack and exit hook set up
  // ucontext backend under ASan: who switched last, so the landing side can record the jumper's stack bounds
  // (sigsetjmp carries no pointer, unlike fcontext's transfer).
  Coroutine *asan_jumper = nullptr;
  void *sigaltstack_mem = nullptr;
};

// A thread's slot. The thread backend runs each coroutine on its own OS thread, which must see the state of the
// thread that entered it (its "logical" thread): it points `redirect` there.
struct ThreadSlot {
  ThreadState *redirect = nullptr;
  ThreadState own;
};

inline ThreadState &this_thread() noexcept {
  ThreadSlot &slot = Platform::ThreadLocal<ThreadSlot>::get();
  return slot.redirect ? *slot.redirect : slot.own;
}
inline ThreadSlot &this_slot() noexcept { return Platform::ThreadLocal<ThreadSlot>::get(); }
// this_thread() if the calling thread's state exists, else nullptr (a sim thread that never used coroutines); never
// makes it, so it allocates nothing: for the fault handler and for questions that must not change the thread.
inline ThreadState *find_this_thread() noexcept {
  ThreadSlot *slot = Platform::ThreadLocal<ThreadSlot>::find();
  return !slot ? nullptr : slot->redirect ? slot->redirect : &slot->own;
}

// this_thread() for code that may have moved to another OS thread since it last looked: a coroutine resumed by
// another thread. The compiler assumes the thread-pointer register never changes within a function and would
// reuse a thread-local address computed before the switch (QEMU's coroutine-tls.h is about the same trap).
// Out of line and opaque to inter-procedural analysis, so every call really reads the current thread's state.
[[gnu::noipa]] ThreadState &this_thread_after_switch() noexcept;

// First use of coroutines on this thread: leader, alternate signal stack, exit hook. Returns the leader.
Coroutine *init_thread(ThreadState &ts);

// The SIGSEGV handler that reports stack overflows (once per process), and an alternate signal stack for the
// calling OS thread to run it on (an overflow leaves no stack). Real build: `ts` owns that stack (freed by its exit
// hook); sim build: one static stack serves the process's simulations, and `ts` may be null.
void prepare_fault_handling(ThreadState *ts);

inline Coroutine *current_or_leader(ThreadState &ts) {
  Coroutine *cur = ts.current;
  if (COROSIM_UNLIKELY(cur == nullptr)) cur = init_thread(ts);
  return cur;
}

// Misuse of the runtime: prints "corosim: <message>" and aborts (the simulator installs a handler that fails the
// run instead).
[[noreturn]] void misuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// The exception being handled, as reports name it: "std::runtime_error: what it says", or its type alone. Call it
// in a catch block.
std::string current_exception_text();
using MisuseHandler = void (*)(const char *message);

// The running coroutine, for an API that is only legal in one (coroutine_fn): misuse outside.
inline Coroutine *self_or_misuse(const char *what) {
  Coroutine *me = self();
  if (COROSIM_UNLIKELY(!me)) misuse("%s called outside a coroutine", what);
  return me;
}
// A coroutine's number as misuse messages print it (%llu).
inline unsigned long long id_of(const Coroutine *co) { return static_cast<unsigned long long>(co->id); }
void set_misuse_handler(MisuseHandler handler) noexcept;

// --- the switch ---

Action slow_switch(ThreadState &ts, Coroutine *from, Coroutine *to, Action action);

#ifdef COROSIM_ASAN
inline void asan_start(void **fake_save, const Coroutine *to) {
  if (to->stack.lo)
    __sanitizer_start_switch_fiber(fake_save, to->stack.lo, to->stack.size);
  else
    __sanitizer_start_switch_fiber(fake_save, to->asan_stack_bottom, to->asan_stack_size);
}
inline void asan_finish(void *fake_save, Coroutine *jumper) {
  __sanitizer_finish_switch_fiber(fake_save, &jumper->asan_stack_bottom, &jumper->asan_stack_size);
}
#endif

inline void *tag(Coroutine *from, Action action) {
  return reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(from) | static_cast<uintptr_t>(action));
}
inline Coroutine *untag(void *data) {
  return reinterpret_cast<Coroutine *>(reinterpret_cast<uintptr_t>(data) & ~kActionMask);
}
inline Action action_of(void *data) {
  return static_cast<Action>(reinterpret_cast<uintptr_t>(data) & kActionMask);
}

// Called first thing wherever an fcontext jump lands: the jumper's context is saved into the jumper.
inline Action fcontext_landed(boost::context::detail::transfer_t t, [[maybe_unused]] void *fake_save) {
  Coroutine *jumper = untag(t.data);
  jumper->fctx = t.fctx;
#ifdef COROSIM_ASAN
  asan_finish(fake_save, jumper);
#endif
  return action_of(t.data);
}

// Transfers control from `from` (the running coroutine or leader) to `to`, telling it `action`; returns the
// action of whoever switches back to `from`. The switch is the same for every backend: current becomes `to`
// before the jump, so the landing side never has to look it up.
inline Action switch_to(ThreadState &ts, Coroutine *from, Coroutine *to, Action action) {
  ts.current = to;
  if (COROSIM_LIKELY((from->backend_bits | to->backend_bits) == kFcontext)) {
    void *fake_save = nullptr;
#ifdef COROSIM_ASAN
    asan_start(action == Action::terminate ? nullptr : &fake_save, to);
#endif
#ifdef COROSIM_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
#if COROSIM_FCONTEXT_STUBS
    auto t = corosim_fctx_jump(to->fctx, tag(from, action));
#else
    auto t = boost::context::detail::jump_fcontext(to->fctx, tag(from, action));
#endif
    return fcontext_landed(t, fake_save);
  }
  return slow_switch(ts, from, to, action);
}

// Runs the coroutine's callable and releases it. Called on the coroutine's own stack by each backend.
void run_entry(Coroutine *co);

// --- stacks, pool and creation (pool.cpp, stack.cpp) ---
bool map_stack(Stack &stack, std::size_t usable_bytes);
void unmap_stack(Stack &stack);

// --- backends ---
void fcontext_init(Coroutine *co);
void ucontext_init(Coroutine *co);
Action ucontext_switch(Coroutine *from, Coroutine *to, Action action);
void thread_init(Coroutine *co);
void thread_destroy(Coroutine *co);
Action thread_switch(ThreadState &ts, Coroutine *from, Coroutine *to, Action action);
void thread_leader_cleanup(Coroutine *leader);

// --- wake-ups (wakeup.cpp) ---

// Enters co and then everything queued behind it, depth first (docs/semantics.md: "Wake-ups are deferred").
void enter_in(AioContext *ctx, Coroutine *co);

// aio_co_wake: restarts a coroutine in its home context: scheduled there from another context, queued behind the
// running coroutine when called from a coroutine of the same context, entered now otherwise.
void wake(Coroutine *co);
// Queues co behind the running coroutine (its wake-up queue). Precondition: in a coroutine.
void wake_after_self(Coroutine *co);
// The main context, set as the calling thread's context if it is the main thread and has none yet.
AioContext *bind_main_context(ThreadState &ts);

// Marks co as a member of queue q. Misuse if it already is in one.
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
// The run's coroutine objects (platform/sim_runtime.cpp): coroutine_new registers, coroutine_free unregisters.
void sim_register(Coroutine *co) noexcept;
void sim_unregister(Coroutine *co) noexcept;
uint64_t sim_next_coroutine_id() noexcept;  // 1, 2, ... per run
AioContext *sim_main_context();              // the run's main context, made on first use (platform::SimRun)
void thread_pool_sim_main_done();            // the run's main body returned: stop the pool's workers
void thread_pool_sim_end_run(bool abandoned) noexcept;  // the next run starts without a pool
#endif

// Yields, recording what the coroutine waits for until it runs again (Coroutine::wait).
inline void yield_waiting(Coroutine *me, Wait what, const void *object) {
  me->wait = what;
  me->wait_object = object;
  yield();
  me->wait = Wait::none;
  me->wait_object = nullptr;
}

inline void enqueue_check(Coroutine *co, Queue q) {
  if (COROSIM_UNLIKELY(co->queued != Queue::none))
    misuse("Co-routine %llu is already in a %s; it cannot be put in a %s too",
           id_of(co), queue_name(co->queued), queue_name(q));
  co->queued = q;
}

// --- read/write lock holds (see Coroutine::held_rwlocks) ---
enum class RwHold { none, read, write, unknown };

// A lock found in the array is held as recorded. One that is not is not held, unless holds went unrecorded (the
// array was full when they were taken): then nothing can be said (unknown), and the caller must not report misuse.
inline RwHold rwlock_hold(const Coroutine *co, const void *lock) {
  for (unsigned i = 0; i < co->held_rwlocks_tracked; ++i)
    if (co->held_rwlocks[i].lock == lock) return co->held_rwlocks[i].write ? RwHold::write : RwHold::read;
  return co->held_rwlocks_untracked > 0 ? RwHold::unknown : RwHold::none;
}
inline void rwlock_hold_add(Coroutine *co, const void *lock, bool write) {
  if (co->held_rwlocks_tracked < Coroutine::kTrackedRwlocks)
    co->held_rwlocks[co->held_rwlocks_tracked++] = {lock, write};
  else
    ++co->held_rwlocks_untracked;
}
inline void rwlock_hold_set(Coroutine *co, const void *lock, bool write) {
  for (unsigned i = 0; i < co->held_rwlocks_tracked; ++i)
    if (co->held_rwlocks[i].lock == lock) co->held_rwlocks[i].write = write;
}
// Precondition: the hold exists (rwlock_hold is not none).
inline void rwlock_hold_remove(Coroutine *co, const void *lock) {
  for (unsigned i = 0; i < co->held_rwlocks_tracked; ++i) {
    if (co->held_rwlocks[i].lock == lock) {
      co->held_rwlocks[i] = co->held_rwlocks[--co->held_rwlocks_tracked];
      return;
    }
  }
  --co->held_rwlocks_untracked;  // one of the unrecorded holds
}

#if COROSIM_FCONTEXT_STUBS
static_assert(offsetof(Coroutine, fctx) == 8, "COROUTINE_FCTX in fcontext_x86_64.S");
static_assert(offsetof(Coroutine, wakeup_head) == 16, "COROUTINE_WAKEUP_HEAD in fcontext_x86_64.S");
static_assert(static_cast<uintptr_t>(Action::yield) == 2, "fcontext_x86_64.S tests for action 2");
#endif

}  // namespace detail
}  // namespace corosim
