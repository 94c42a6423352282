#pragma once
// Event loops and cross-context scheduling (docs/semantics.md, "Event loops and home contexts", "Cross-context
// scheduling", "Sleep and clocks"; QEMU's util/async.c and util/aio-posix.c).
//
// An AioContext is an event loop bound to one thread, its home: bottom halves (callbacks to run soon, once per
// schedule), timers on three clocks, file-descriptor handlers, and a notifier other threads use to wake it.
// poll() runs one iteration. The main context belongs to the process's main thread; an IOThread
// (iothread.hpp) runs another context on a thread of its own.
//
// Every coroutine has a home context, the one it last ran in. Waking a coroutine (aio_co_wake, and every lock
// and queue in corosim, which wake through it) restarts it in its home: from another context by scheduling it
// there (aio_co_schedule), from a coroutine of the same context through the waker's wake-up queue, from plain
// code of the same context by entering it at once.
//
// Thread safety: schedule a bottom half, aio_co_schedule/aio_co_wake/aio_co_enter, notify(), and the timer
// calls may be used from any thread. poll() only from the context's home thread.

#include <cstdint>

#include <corosim/clock.hpp>
#include <corosim/coroutine.hpp>

namespace corosim {

class AioContext;
class BottomHalf;
class Timer;

// The main loop's context (created on first use; its home is the process's main thread).
AioContext *main_context();

// The context of the calling thread: its IOThread's, the main context on the main thread, otherwise nullptr
// (a thread that runs no event loop, such as a thread-pool worker).
AioContext *current_context();

class AioContext {
 public:
  // A new context with a reference count of 1. Its home is the thread that polls it.
  static AioContext *create();
  void ref() noexcept;
  void unref() noexcept;  // the last unref destroys it (no coroutine may still be scheduled in it)

  // One iteration: waits for something to do when `blocking` and nothing is ready, then runs ready fd
  // handlers, pending bottom halves (including the coroutines scheduled here) and expired timers. Returns
  // whether any of them ran. Home thread only. A callback may poll its own context again (to wait for something,
  // as QEMU's AIO_WAIT_WHILE): the inner poll goes on with the outer one's pending bottom halves.
  //
  // A blocking poll never sleeps through work that another thread makes ready (see notify()).
  bool poll(bool blocking);

  // Wakes a blocking poll() of this context (any thread). Cheap when nobody is polling.
  void notify() noexcept;

  // fd handlers: readiness callbacks for a descriptor, run by poll(). Either may be null; both null removes
  // the handler. Home thread only.
  void set_fd_handler(int fd, void (*on_read)(void *), void (*on_write)(void *), void *opaque);

  // The whole of an fd handler (QEMU's aio_set_fd_handler and aio_set_event_notifier). on_read / on_write run
  // when fd is readable / writable. `poll`, if set, is a cheap readiness check that poll() calls once per
  // iteration before it would wait: when it returns true poll() does not wait, and runs poll_ready (or on_read,
  // if fd turned out readable as well). An `external` handler (a guest's device, in QEMU) is left alone while
  // external handlers are disabled. on_read, on_write and poll all null removes the handler. Home thread only.
  struct FdCallbacks {
    void (*on_read)(void *) = nullptr;
    void (*on_write)(void *) = nullptr;
    bool (*poll)(void *) = nullptr;
    void (*poll_ready)(void *) = nullptr;
    void *opaque = nullptr;
    bool external = false;
  };
  void set_fd_handler(int fd, const FdCallbacks &callbacks);

  // Stops (and restarts) polling the external fd handlers; calls nest, each disable needs its enable. Any
  // thread; a blocking poll() is woken to see the change.
  void disable_external() noexcept;
  void enable_external() noexcept;

  // The context's lock (QEMU's aio_context_acquire/release): recursive, for code that shares state with the
  // context's callbacks from another thread. poll() does not take it: the callbacks that need it take it.
  void acquire();
  void release();

  struct Impl;
  Impl *impl() noexcept { return impl_; }

 private:
  AioContext();
  ~AioContext();
  Impl *impl_;
};

// --- bottom halves ---

// A callback that runs in its context's loop after schedule(); scheduling it again before it runs runs it once.
// Bottom halves scheduled while poll() runs bottom halves wait for the next iteration.
BottomHalf *bh_new(AioContext *ctx, void (*cb)(void *), void *opaque);
void bh_schedule(BottomHalf *bh) noexcept;  // any thread
// Cancels a pending run (no-op if none is pending); the bottom half stays allocated and may be scheduled again.
// Any thread. A one-shot must not be cancelled (nothing would free it).
void bh_cancel(BottomHalf *bh) noexcept;
// Cancels a pending run and frees the bottom half (at once, even from its own callback: nothing touches it after
// the callback returns). Home thread.
void bh_delete(BottomHalf *bh) noexcept;
// A bottom half that runs once and frees itself. Any thread.
void bh_schedule_oneshot(AioContext *ctx, void (*cb)(void *), void *opaque);

// --- clocks and timers ---

// The clock's time in nanoseconds (in the simulator: virtual time).
int64_t clock_ns(ClockType clock) noexcept;

// A timer of one context: cb(opaque) runs in that context's loop once the clock reaches the deadline.
// Timers with earlier deadlines run first; equal deadlines run in the order they were set.
class Timer {
 public:
  Timer(AioContext *ctx, ClockType clock, void (*cb)(void *), void *opaque) noexcept;
  ~Timer();  // deletes it
  Timer(const Timer &) = delete;
  Timer &operator=(const Timer &) = delete;

  void mod_ns(int64_t expire_ns);  // (re)arms it for an absolute deadline on its clock; any thread
  void del();                      // disarms it; any thread (a callback that already started may still run)
  bool pending() const noexcept;

  struct Node;

 private:
  Node *node_;
};

// --- cross-context scheduling ---

// Runs co in ctx's loop: marks it scheduled (misuse if it already is: "Co-routine was already scheduled in
// 'aio_co_schedule'"), pushes it onto ctx's scheduled list and schedules ctx's bottom half, which enters the
// scheduled coroutines in the order they were scheduled. Any thread; co must have yielded, or be about to.
void aio_co_schedule(AioContext *ctx, Coroutine *co);

// Restarts co in its home context (see the top of this file). co must have yielded (or, from another context,
// be about to: the home loop cannot run it before it has).
void aio_co_wake(Coroutine *co);

// Enters co in ctx: scheduled there from another context, queued behind the caller from a coroutine of ctx,
// entered now from plain code of ctx.
void aio_co_enter(AioContext *ctx, Coroutine *co);

// coroutine_fn: moves the running coroutine to new_ctx and returns there. The move is scheduled only after
// the coroutine has yielded in its old context, so new_ctx cannot enter it too early.
void aio_co_reschedule_self(AioContext *new_ctx);

// --- sleeping ---

// coroutine_fn: yields until a timer on the current context's loop fires after `ns` nanoseconds of `clock`.
// While it sleeps the coroutine is marked scheduled: entering it by another path is misuse ("Co-routine was
// already scheduled in 'qemu_co_sleep_ns'").
void sleep_ns(ClockType clock, int64_t ns);

// A sleep that can be ended early by wake(). Waking it when nobody sleeps (or twice) is harmless.
class CoSleep {
 public:
  void sleep_ns(ClockType clock, int64_t ns);  // coroutine_fn; one sleeper at a time
  void wake() noexcept;                        // from the sleeper's home context

 private:
  Coroutine *to_wake_ = nullptr;
};

}  // namespace corosim
