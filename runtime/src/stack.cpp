// Coroutine stacks: mmap'd with a guard page below, and the SIGSEGV handler that turns a hit on a guard page into
// "stack overflow in coroutine N" instead of a bare segfault. Also the per-thread setup that the handler needs
// (an alternate signal stack: the overflowing stack cannot run the handler).

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "coroutine_impl.hpp"
#include "pool.hpp"

namespace corosim::detail {

std::size_t global_pool_size();

namespace {

Platform::quiet_atomic<std::size_t> g_stacks_mapped{0};  // statistics
Platform::quiet_atomic<bool> g_handler_installed{false};
struct sigaction g_previous_segv;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// Async-signal-safe decimal formatting.
char *format_u64(char *end, uint64_t v) {
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  return end;
}

void write_stderr(const char *s, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void segv_handler(int sig, siginfo_t *info, void *uctx) {
  // Reading this thread's state is safe here: find_this_thread() allocates nothing (a sim thread that never used
  // coroutines has no state yet, and making it here would call malloc in a signal handler).
  ThreadState *ts = find_this_thread();
  Coroutine *co = ts ? ts->current : nullptr;
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  const bool in_guard = co && co->stack.map_base && addr >= reinterpret_cast<uintptr_t>(co->stack.map_base) &&
                        addr < reinterpret_cast<uintptr_t>(co->stack.lo);
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // In a run, an overflow (a coroutine's stack, or a sim thread's own) fails the run; the engine does not return.
  if (platform::SimEngine *engine = platform::sim_engine(); engine && engine->in_sim_thread())
    engine->stack_fault(addr, in_guard ? co->id : 0);
#endif
  if (co && co->stack.map_base) {
    if (in_guard) {
      char buf[96];
      char *end = buf + sizeof buf;
      *--end = '\n';
      char *p = format_u64(end, co->id);
      static const char prefix[] = "corosim: stack overflow in coroutine ";
      p -= sizeof prefix - 1;
      std::memcpy(p, prefix, sizeof prefix - 1);
      write_stderr(p, static_cast<std::size_t>(buf + sizeof buf - p));
      signal(SIGABRT, SIG_DFL);
      abort();
    }
  }
  // Not ours: hand over to whatever was installed before, or die of the default action.
  if (g_previous_segv.sa_flags & SA_SIGINFO) {
    if (g_previous_segv.sa_sigaction) return g_previous_segv.sa_sigaction(sig, info, uctx);
  } else if (g_previous_segv.sa_handler != SIG_DFL && g_previous_segv.sa_handler != SIG_IGN) {
    return g_previous_segv.sa_handler(sig);
  }
  signal(SIGSEGV, SIG_DFL);  // returning re-executes the faulting access, which now kills the process
}

void install_handler_once() {
  if (g_handler_installed.exchange(true)) return;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous_segv);
}

void thread_exit_hook(void *arg) {
  auto *ts = static_cast<ThreadState *>(arg);
  pool_thread_exit(*ts);
  thread_leader_cleanup(&ts->leader);
  if (ts->sigaltstack_mem) {
    stack_t ss;
    std::memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    std::free(ts->sigaltstack_mem);
    ts->sigaltstack_mem = nullptr;
  }
}

}  // namespace

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM && !defined(COROSIM_ASAN) && !defined(COROSIM_TSAN)
// Sim build: a few unmapped stacks are kept, guard page and all, and handed to the next coroutines instead of an
// mmap + mprotect + munmap per coroutine (a simulated execution creates and destroys its coroutines, so an
// exploration would otherwise spend about as long in those system calls as in simulating). Addresses never
// influence a simulated run's decisions or its trace, so reuse keeps runs deterministic. Per OS thread, so it
// needs no lock (the simulator runs on one). Sanitizer builds map afresh: a reused stack would carry the shadow
// state of the coroutine that ran on it before.
#define COROSIM_STACK_CACHE 1
struct StackCache {
  static constexpr std::size_t kCapacity = 16;
  Stack stacks[kCapacity];
  std::size_t count = 0;
};
thread_local StackCache t_stack_cache;
#endif

bool map_stack(Stack &stack, std::size_t usable_bytes) {
  const std::size_t page = page_size();
  usable_bytes = (usable_bytes + page - 1) / page * page;
  const std::size_t total = usable_bytes + page;
#ifdef COROSIM_STACK_CACHE
  StackCache &cache = t_stack_cache;
  for (std::size_t i = cache.count; i-- > 0;) {
    if (cache.stacks[i].map_size != total) continue;
    stack = cache.stacks[i];
    cache.stacks[i] = cache.stacks[--cache.count];
    g_stacks_mapped.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
#endif
  void *base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return false;
  if (mprotect(base, page, PROT_NONE) != 0) {
    munmap(base, total);
    return false;
  }
  stack.map_base = base;
  stack.map_size = total;
  stack.lo = static_cast<char *>(base) + page;
  stack.size = usable_bytes;
  g_stacks_mapped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void unmap_stack(Stack &stack) {
  if (!stack.map_base) return;
#ifdef COROSIM_STACK_CACHE
  if (StackCache &cache = t_stack_cache; cache.count < StackCache::kCapacity) {
    cache.stacks[cache.count++] = stack;
    stack = Stack{};
    g_stacks_mapped.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
#endif
  munmap(stack.map_base, stack.map_size);
  stack = Stack{};
  g_stacks_mapped.fetch_sub(1, std::memory_order_relaxed);
}

namespace {

// Whether the calling OS thread has no alternate signal stack yet (the guard-page handler runs on one).
bool needs_altstack() {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // Sim threads are fibers of one OS thread: only the first to get here asks (a system call per sim thread was
  // a few per cent of a short simulated execution).
  static thread_local bool asked = false;
  if (std::exchange(asked, true)) return false;
#endif
  stack_t old;
  return sigaltstack(nullptr, &old) == 0 && (old.ss_flags & SS_DISABLE);
}

}  // namespace

Coroutine *init_thread(ThreadState &ts) {
  ts.current = &ts.leader;
  if (ts.initialised) return &ts.leader;
  ts.initialised = true;
  if (!ts.ctx) bind_main_context(ts);  // coroutines entered on the main thread live in the main context
#ifdef COROSIM_TSAN
  ts.leader.tsan_fiber = __tsan_get_current_fiber();
#endif
  prepare_fault_handling(&ts);
  Platform::at_thread_exit(thread_exit_hook, &ts);
  return &ts.leader;
}

void prepare_fault_handling([[maybe_unused]] ThreadState *ts) {
  install_handler_once();
  if (!needs_altstack()) return;
  // SIGSTKSZ is not a constant in newer glibc; 64 KiB is ample for the handler (and for ASan's, if it runs).
  constexpr std::size_t kAltStackBytes = 64 * 1024;
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
  // Sim threads are fibers of one OS thread, which needs one alternate stack: a static one, installed by the
  // first run (or sim thread) and left installed (sigaltstack_mem stays null, so no exit hook removes it; an
  // abandoned run never runs its exit hooks anyway).
  alignas(16) static char sim_altstack[kAltStackBytes];
  void *mem = sim_altstack;
#else
  ts->sigaltstack_mem = std::malloc(kAltStackBytes);
  void *mem = ts->sigaltstack_mem;
#endif
  stack_t ss;
  std::memset(&ss, 0, sizeof ss);
  ss.ss_sp = mem;
  ss.ss_size = kAltStackBytes;
  sigaltstack(&ss, nullptr);
}

}  // namespace corosim::detail

namespace corosim {

CoroutineStats coroutine_stats() noexcept {
  return CoroutineStats{detail::g_stacks_mapped.load(std::memory_order_relaxed), detail::global_pool_size(),
                        detail::this_thread().pool_count};
}

}  // namespace corosim
