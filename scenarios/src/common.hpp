#pragma once
// What the scenario bodies share: the run's main thread waiting on an event loop of its own until the
// coroutines it started have reported back, and the scenario-side failure helper. Private to scenarios/src.

#include <string>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>

namespace corosim::scenarios::detail {

// The main sim thread's own AioContext (not main_context(), so that no scenario depends on the process-wide main
// loop's state left by an earlier run) and a count of coroutines that finished their work.
//
// Declare it BEFORE the IOThreads of the scenario: they are joined when they go out of scope, and a coroutine's
// done() may still be notifying `home` after wait_for() has seen the count; the context must outlive that.
class MainWait {
 public:
  MainWait() : home_(AioContext::create()) {}
  ~MainWait() { home_->unref(); }
  MainWait(const MainWait &) = delete;
  MainWait &operator=(const MainWait &) = delete;

  // From a coroutine in any context: one more has finished. Count first, then notify (the poller's "announce,
  // then check" protocol in runtime/src/aio/context.cpp makes sure the blocking poll sees it).
  void done() {
    done_.fetch_add(1);
    home_->notify();
  }

  // Starts fn() as a coroutine in `context`, counted as done() when it returns.
  template <class F>
  void start_in(AioContext *context, F fn) {
    aio_co_schedule(context, coroutine_create([this, fn] {
                      fn();
                      done();
                    }));
  }

  // On the main sim thread: polls its own context (blocking) until `expected` coroutines called done().
  void wait_for(int expected) {
    while (done_.load() < expected) home_->poll(true);
  }

 private:
  AioContext *home_;
  // The scenario's own plumbing, not code under test: the runtime's kind of atomic (a scheduling point all the
  // same), whose steps a folded trace hides with the runtime's.
  platform::Current::atomic<int> done_{0};
};

// Fails the run with "<what>: expected <expected>, got <got>" unless they are equal.
inline void check_equal(const char *what, long long expected, long long got) {
  if (expected != got)
    sim::fail(std::string(what) + ": expected " + std::to_string(expected) + ", got " + std::to_string(got));
}

}  // namespace corosim::scenarios::detail
