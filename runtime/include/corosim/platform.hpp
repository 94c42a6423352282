#pragma once
// The platform seam (docs/design.md, "The seam").
//
// Every source of nondeterminism the runtime touches goes through the platform chosen here at compile time:
// atomics, per-thread state, locks, clocks and explicit scheduling points. The same runtime sources compile
// twice, once per platform: `corosim::runtime` (COROSIM_PLATFORM=COROSIM_PLATFORM_REAL: std::atomic,
// thread_local, clock_gettime; every hook compiles to nothing) and `corosim::runtime_sim` (the simulator's
// platform, where each operation is a scheduling point). The runtime's logic names no std::atomic, thread_local
// or clock: only the platform layer does (platform headers, src/platform/), and per-OS-thread caches that no
// decision of the simulator reads (src/stack.cpp).
//
// User code that is to be explored by the simulator (a lock under test) uses the names below:
// `corosim::atomic<T>` and `corosim::schedule_point()`.

#include <concepts>
#include <cstddef>
#include <cstdint>

#include <corosim/clock.hpp>

#define COROSIM_PLATFORM_REAL 1
#define COROSIM_PLATFORM_SIM 2

#ifndef COROSIM_PLATFORM
#define COROSIM_PLATFORM COROSIM_PLATFORM_REAL
#endif

#if COROSIM_PLATFORM == COROSIM_PLATFORM_REAL
#include <corosim/platform/real.hpp>
namespace corosim::platform {
using Current = Real;
}
#elif COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
#include <corosim/platform/sim.hpp>
namespace corosim::platform {
using Current = Sim;
}
#else
#error "corosim: unknown COROSIM_PLATFORM (expected COROSIM_PLATFORM_REAL or COROSIM_PLATFORM_SIM)"
#endif

namespace corosim::platform {

// What a platform must provide. Checked once, here, for the platform this translation unit was built with.
template <class P>
concept Platform = requires(void (*exit_fn)(void *), void *arg) {
  { P::name } -> std::convertible_to<const char *>;
  // An atomic with std::atomic's member functions; sequentially consistent in the simulator.
  typename P::template atomic<int>;
  requires requires(typename P::template atomic<int> &a, int v) {
    { a.load() } -> std::same_as<int>;
    { a.exchange(v) } -> std::same_as<int>;
    { a.compare_exchange_strong(v, v) } -> std::same_as<bool>;
    { a.fetch_add(v) } -> std::same_as<int>;
  };
  // An atomic that no other thread's course depends on (statistics, diagnostics, misuse checks that only ever
  // see the thread's own writes): std::atomic in the real build; in the simulator not a scheduling point, since
  // running another thread before it could change nothing that thread does.
  typename P::template quiet_atomic<int>;
  // A mutual-exclusion lock for the runtime's rare shared paths (the global coroutine pool).
  typename P::Mutex;
  requires requires(typename P::Mutex &m) { m.lock(); m.unlock(); };
  // Threads, a condition variable for the thread pool, and the event-loop notifier and poll.
  typename P::Thread;
  typename P::CondVar;
  typename P::EventNotifier;
  requires requires(typename P::EventNotifier &n) {
    n.set();
    { n.test_and_clear() } -> std::same_as<bool>;
    { n.fd() } -> std::same_as<int>;
  };
  { P::poll(nullptr, std::size_t{0}, int64_t{0}) } -> std::same_as<int>;
  // Pipes for fd handlers and the code that feeds them: pipe(2), read(2), write(2), close(2) in the real build;
  // simulated pipes (in-memory, never blocking, each operation a scheduling point) in the simulator.
  requires requires(int *fds, void *buf, const void *cbuf, std::size_t n) {
    { P::pipe(fds) } -> std::same_as<int>;
    { P::read(0, buf, n) } -> std::same_as<long>;
    { P::write(0, cbuf, n) } -> std::same_as<long>;
    { P::close(0) } -> std::same_as<int>;
  };
  { P::is_main_thread() } -> std::same_as<bool>;
  { P::poll_spin_max_ns } -> std::convertible_to<int64_t>;  // 0: never spin before blocking
  { P::relax() } -> std::same_as<void>;                      // give way to another thread while spinning
  // Per-thread storage: ThreadLocal<T>::get() is this thread's T (this sim thread's, in the simulator).
  // T must be constant-initialisable and trivially destructible; use at_thread_exit for cleanup. find() is get()
  // when the thread's T exists, else nullptr, and never makes it (no allocation: usable in a signal handler).
  { P::template ThreadLocal<int>::get() } -> std::same_as<int &>;
  { P::template ThreadLocal<int>::find() } -> std::same_as<int *>;
  { P::at_thread_exit(exit_fn, arg) } -> std::same_as<void>;
  // Clocks in nanoseconds.
  { P::now_ns(ClockType::realtime) } -> std::same_as<int64_t>;
  // A place where the simulator may switch to another thread; nothing in the real build.
  { P::schedule_point() } -> std::same_as<void>;
  // A choice among n > 0 equivalent alternatives (timers due at the same instant): 0 in the real build (the
  // natural order); the simulator's strategy decides.
  { P::choose(uint64_t{1}) } -> std::same_as<uint64_t>;
};

static_assert(Platform<Current>, "the selected corosim platform does not satisfy corosim::platform::Platform");

}  // namespace corosim::platform

namespace corosim {

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
// The atomic type user code under test must use: std::atomic<T> in the real build; in the simulator every
// operation is a scheduling point, and a trace shows its source line and the value it read or wrote.
template <class T>
using atomic = platform::Sim::user_atomic<T>;

// An explicit scheduling point for user code: the simulator may run another thread here. No-op in the real build.
inline void schedule_point(std::source_location where = std::source_location::current()) noexcept {
  platform::Sim::schedule_point(where);
}

// A name for an atomic (or a Mutex, CondVar: thread.hpp; a coroutine: coroutine.hpp) in the simulator's traces,
// which otherwise number objects (#7) in order of first use. Call it before the object's first operation if the
// name should show from there; the name is copied. Nothing in the real build.
template <class T>
void trace_name(const platform::Sim::user_atomic<T> &object, const char *name) {
  object.trace_name(name);
}
#else
template <class T>
using atomic = platform::Current::atomic<T>;

inline void schedule_point() noexcept { platform::Current::schedule_point(); }

template <class T>
void trace_name(const T &, const char *) noexcept {}
#endif

}  // namespace corosim

// The source location of a call of the user's, for the simulator's traces: COROSIM_SITE declares a function's
// trailing parameter (a defaulted std::source_location `site`) in the sim build and nothing in the real build,
// where the calls cost what they did; COROSIM_SITE_DEF is the same parameter in the function's definition, and
// COROSIM_CALL(name) in its body marks the call for the trace (platform::Sim::CallScope). A function with other
// parameters takes `, COROSIM_SITE` through COROSIM_SITE_NEXT.
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
#define COROSIM_SITE std::source_location site = std::source_location::current()
#define COROSIM_SITE_NEXT , std::source_location site = std::source_location::current()
#define COROSIM_SITE_DEF std::source_location site
#define COROSIM_CALL(name) const ::corosim::platform::Sim::CallScope corosim_call_scope_(name, site)
// The same for a coroutine lock or queue operation: also a scheduling point under the api granularity.
#define COROSIM_API_CALL(name) const ::corosim::platform::Sim::CallScope corosim_call_scope_(name, site, true)
#else
#define COROSIM_SITE
#define COROSIM_SITE_NEXT
#define COROSIM_SITE_DEF
#define COROSIM_CALL(name) static_cast<void>(0)
#define COROSIM_API_CALL(name) static_cast<void>(0)
#endif
