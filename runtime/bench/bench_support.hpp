#pragma once
// Shared by the benchmark sources: the backend and pool a benchmark runs under, the drivers of one round trip
// (raw jump_fcontext and corosim enter+yield) and of one lifecycle, which the callgrind mode of bench_main.cpp
// runs too, and the minimum measuring times.

#include <cfenv>
#include <cstddef>
#include <memory>
#include <utility>

#include <boost/context/detail/fcontext.hpp>

#include <corosim/coroutine.hpp>

namespace corosim::bench {

// The raw baseline's benchmark name; the ratio table divides every figure by this benchmark's median.
inline constexpr const char *kRawRoundTripBenchmark = "BM_raw_jump_fcontext_round_trip";

// Minimum measuring time per repetition. Switches take nanoseconds, so 0.3 s gives millions of iterations and
// keeps the default run (5 repetitions of every benchmark) around half a minute on 2 cores. The thread backend
// hands off through semaphores and OS threads (microseconds per operation): a shorter time still gives
// thousands of iterations.
inline constexpr double kFastMinTime_s = 0.3;
inline constexpr double kThreadMinTime_s = 0.05;

inline double min_time_s(Backend backend) { return backend == Backend::thread ? kThreadMinTime_s : kFastMinTime_s; }

// Runs a benchmark body under one backend with the pool on or off, and puts back the defaults (fcontext, the
// pool setting found) afterwards. The backend applies to coroutines created afterwards, so construct this before
// creating any coroutine.
class BackendScope {
 public:
  BackendScope(Backend backend, bool pool) : saved_pool_(pool_enabled()) {
    set_backend(backend);
    set_pool_enabled(pool);
  }
  ~BackendScope() {
    set_backend(Backend::fcontext);
    set_pool_enabled(saved_pool_);
  }
  BackendScope(const BackendScope &) = delete;
  BackendScope &operator=(const BackendScope &) = delete;

 private:
  bool saved_pool_;
};

// Clears the floating-point exception flags (MXCSR and x87 status), so that a context created next starts with
// the same MXCSR as its creator.
inline void clear_fp_flags() { std::feclearexcept(FE_ALL_EXCEPT); }

// Sets the inexact flag in MXCSR (and the x87 status word) of the calling context: a division that does not
// come out exact does it, as nearly any floating-point code would.
inline void raise_inexact_flag() {
  volatile double x = 1.0;
  x = x / 3.0;
}

// The raw baseline: a context on its own stack that jumps straight back to whoever jumped into it. One run() is
// two jump_fcontext calls, the least any enter+yield round trip can cost.
class RawFcontextRoundTrip {
 public:
  RawFcontextRoundTrip()
      : stack_(new unsigned char[kStackBytes]),
        context_(boost::context::detail::make_fcontext(stack_.get() + kStackBytes, kStackBytes, &bounce)) {}
  RawFcontextRoundTrip(const RawFcontextRoundTrip &) = delete;
  RawFcontextRoundTrip &operator=(const RawFcontextRoundTrip &) = delete;

  void run() { context_ = boost::context::detail::jump_fcontext(context_, nullptr).fctx; }

 private:
  // Enough for bounce's frame and the context record; nothing else runs there.
  static constexpr std::size_t kStackBytes = 64 * 1024;

  // Never returns: the context is simply abandoned (with its stack) when the driver goes; it owns nothing.
  [[noreturn]] static void bounce(boost::context::detail::transfer_t t) {
    for (;;) t = boost::context::detail::jump_fcontext(t.fctx, nullptr);
  }

  std::unique_ptr<unsigned char[]> stack_;
  boost::context::detail::fcontext_t context_;
};

// corosim's equivalent: a coroutine that yields forever; one run() is coroutine_enter + yield. The destructor
// lets it return so that it terminates (and goes back to the pool) rather than leaking.
class CoroutineRoundTrip {
 public:
  CoroutineRoundTrip() : co_(coroutine_create([this] {
                           while (!stop_) yield();
                         })) {}
  ~CoroutineRoundTrip() {
    stop_ = true;
    coroutine_enter(co_);
  }
  CoroutineRoundTrip(const CoroutineRoundTrip &) = delete;  // the coroutine points at this object
  CoroutineRoundTrip &operator=(const CoroutineRoundTrip &) = delete;

  void run() { coroutine_enter(co_); }

 private:
  bool stop_ = false;
  Coroutine *co_;
};

// One lifecycle: create + enter + terminate of an empty coroutine (recycled when the pool is on).
inline void create_enter_terminate() { coroutine_enter(coroutine_create([] {})); }

// Runs fn() inside a fresh coroutine and returns when it terminates, for benchmarks of coroutine_fn code.
template <class F>
void run_in_coroutine(F &&fn) {
  coroutine_enter(coroutine_create(std::forward<F>(fn)));
}

}  // namespace corosim::bench
