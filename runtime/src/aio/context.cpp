// AioContext: bottom halves, timers, fd handlers and the blocking poll (see aio.hpp).
//
// The lost-notification race, and the protocol that closes it ("announce, then check"; QEMU's notify_me /
// notified pair in util/async.c). A thread that wants the loop to run something (schedules a bottom half,
// schedules a coroutine, arms an earlier timer) publishes the work and then calls notify(). A loop about to
// sleep in poll() must not miss it:
//
//   | poller (home thread)                 | notifier (any thread)                      |
//   |--------------------------------------|--------------------------------------------|
//   | notify_me += 2          (announce)   | publish the work (bottom half list, ...)   |
//   | if notified: do not block (check)    | notified = true                            |
//   | ppoll(notifier fd, ...)              | if notify_me != 0: raise the eventfd       |
//   | notify_me -= 2                       |                                            |
//   | notified = false; clear the eventfd  |                                            |
//   | run bottom halves, timers, ...       |                                            |
//
// All four shared accesses are sequentially consistent, so in their single total order either the poller's
// check comes after `notified = true` (it does not block) or the notifier's read of notify_me comes after the
// announcement (it raises the eventfd, which ends the ppoll). The work itself is seen because the poller
// clears `notified` (an exchange, acquire) after the notifier set it (release) and only then takes the
// bottom-half list. A notify() while nobody polls costs one store and one load: no system call.

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <corosim/aio.hpp>

#include "../coroutine_impl.hpp"
#include "aio_impl.hpp"

namespace corosim {

using detail::Platform;

// --- contexts ---

AioContext::AioContext() : impl_(new Impl) {
  impl_->co_schedule_bh = bh_new(this, &detail::run_scheduled_coroutines, this);
}

AioContext::~AioContext() {
  bh_delete(impl_->co_schedule_bh);
  run_bottom_halves(*impl_);  // frees bottom halves deleted while scheduled
  delete impl_;
}

AioContext *AioContext::create() { return new AioContext; }

void AioContext::ref() noexcept { impl_->refcount.fetch_add(1); }

void AioContext::unref() noexcept {
  if (impl_->refcount.fetch_sub(1) == 1) delete this;
}

void AioContext::notify() noexcept {
  impl_->notified.store(true);
  if (impl_->notify_me.load() != 0) impl_->notifier.set();
}

void AioContext::set_fd_handler(int fd, void (*on_read)(void *), void (*on_write)(void *), void *opaque) {
  FdCallbacks callbacks;
  callbacks.on_read = on_read;
  callbacks.on_write = on_write;
  callbacks.opaque = opaque;
  set_fd_handler(fd, callbacks);
}

void AioContext::set_fd_handler(int fd, const FdCallbacks &callbacks) {
  auto &handlers = impl_->fd_handlers;
  auto it = std::find_if(handlers.begin(), handlers.end(), [fd](const FdHandler &h) { return h.fd == fd; });
  if (!callbacks.on_read && !callbacks.on_write && !callbacks.poll) {
    if (it != handlers.end()) handlers.erase(it);
    return;
  }
  if (it != handlers.end())
    it->cb = callbacks;
  else
    handlers.push_back({fd, callbacks});
}

void AioContext::disable_external() noexcept {
  impl_->external_disabled.fetch_add(1);
  notify();  // a blocking poll recomputes what it waits for
}

void AioContext::enable_external() noexcept {
  if (COROSIM_UNLIKELY(impl_->external_disabled.fetch_sub(1) <= 0))
    detail::misuse("aio_enable_external without a matching aio_disable_external");
  notify();
}

void AioContext::acquire() {
  void *me = &detail::this_thread_after_switch();
  if (impl_->lock_owner.load() == me) {  // only this thread stores `me` there
    ++impl_->lock_depth;
    return;
  }
  impl_->lock.lock();
  impl_->lock_owner.store(me);
  impl_->lock_depth = 1;
}

void AioContext::release() {
  if (COROSIM_UNLIKELY(impl_->lock_owner.load() != &detail::this_thread_after_switch()))
    detail::misuse("aio_context_release of a context this thread has not acquired");
  if (--impl_->lock_depth > 0) return;
  impl_->lock_owner.store(nullptr);
  impl_->lock.unlock();
}

// Adaptive polling (QEMU's poll-max-ns / poll-grow / poll-shrink). Before announcing itself and sleeping in
// ppoll, a blocking poll spins for up to impl.poll_ns watching `notified`. A notify() that arrives meanwhile
// finds notify_me == 0 and makes no system call, and the loop runs the work without sleeping: a cross-context
// hand-off between two busy loops then costs no eventfd write, no ppoll and no read. The window adapts: it
// grows while waits are short enough to be caught by spinning, and shrinks when a wait outlasts the maximum
// (spinning would only burn a CPU, and on a loaded machine steal it from the thread we wait for).
static void spin_for_notification(AioContext::Impl &impl) {
  const int64_t start = clock_ns(ClockType::realtime);
  for (unsigned i = 1;; ++i) {
    if (impl.notified.load()) return;
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
    // Every 64 turns: read the clock (it costs more than the check), and offer the CPU to another thread: on
    // a loaded machine the thread we wait for may be queued behind us on this very CPU.
    if (i % 64 == 0) {
      if (clock_ns(ClockType::realtime) - start >= impl.poll_ns) return;
      Platform::relax();
    }
  }
}

static void adapt_poll_window(AioContext::Impl &impl, int64_t waited_ns) {
  constexpr int64_t kMax = Platform::poll_spin_max_ns;
  if (kMax == 0) return;
  if (waited_ns > kMax) {
    impl.poll_ns /= 2;  // long waits: spinning does not pay
  } else if (waited_ns > impl.poll_ns) {
    // A short wait that spinning missed: widen the window (starting at 4 us, as QEMU).
    impl.poll_ns = impl.poll_ns == 0 ? 4000 : std::min(impl.poll_ns * 2, kMax);
  }
}

// poll()'s snapshot of the fd handlers it looks at this iteration, into `out`: the notifier first, then each handler
// not held back by disable_external(). Asks each handler's poll callback once (home thread: it is a callback of the
// loop) and returns whether one of them is ready.
static bool snapshot_fds(AioContext::Impl &impl, PollScratch &out) {
  std::vector<FdHandler> &handlers = out.handlers;
  handlers = impl.fd_handlers;
  const bool external_off = std::any_of(handlers.begin(), handlers.end(), [](const FdHandler &h) {
    return h.cb.external;
  }) && impl.external_disabled.load() > 0;
  if (external_off)
    std::erase_if(handlers, [](const FdHandler &h) { return h.cb.external; });
  out.fds.resize(1 + handlers.size());
  out.fds[0] = {impl.notifier.fd(), POLLIN, 0};
  out.polled_ready.assign(handlers.size(), 0);
  bool polled = false;
  for (std::size_t i = 0; i < handlers.size(); ++i) {
    const AioContext::FdCallbacks &cb = handlers[i].cb;
    short events = static_cast<short>((cb.on_read ? POLLIN : 0) | (cb.on_write ? POLLOUT : 0));
    out.fds[i + 1] = {handlers[i].fd, events, 0};
    if (cb.poll && cb.poll(cb.opaque)) {
      out.polled_ready[i] = 1;
      polled = true;
    }
  }
  return polled;
}

// fd's handler as it is now, or null if it was removed, or is external and external handlers are held back: a
// callback earlier in the same pass may have changed either (and freed what the old handler's opaque points to).
static const AioContext::FdCallbacks *current_handler(AioContext::Impl &impl, int fd) {
  for (const FdHandler &h : impl.fd_handlers)
    if (h.fd == fd) return h.cb.external && impl.external_disabled.load() > 0 ? nullptr : &h.cb;
  return nullptr;
}

// Runs the callbacks of the descriptors the system call found ready, and poll_ready of those whose poll callback
// said so, each with the handler registered at the time of the call. Returns whether any ran.
static bool dispatch_fds(AioContext::Impl &impl, const PollScratch &scratch, int ready) {
  bool progress = false;
  for (std::size_t i = 0; i < scratch.handlers.size(); ++i) {
    const int fd = scratch.handlers[i].fd;
    const short revents = ready > 0 ? scratch.fds[i + 1].revents : 0;
    const bool readable = revents & (POLLIN | POLLHUP | POLLERR);
    if (readable || scratch.polled_ready[i]) {
      const AioContext::FdCallbacks *cb = current_handler(impl, fd);
      void (*fn)(void *) = !cb ? nullptr : readable ? cb->on_read : cb->poll_ready;
      if (fn) {
        fn(cb->opaque);
        progress = true;
      }
    }
    if (revents & (POLLOUT | POLLERR)) {
      const AioContext::FdCallbacks *cb = current_handler(impl, fd);
      if (cb && cb->on_write) {
        cb->on_write(cb->opaque);
        progress = true;
      }
    }
  }
  return progress;
}

bool AioContext::poll(bool blocking) {
  Impl &impl = *impl_;
  // A poll from a callback of this context's own poll (QEMU's AIO_WAIT_WHILE) must not overwrite the outer one's.
  PollScratch nested;
  PollScratch &scratch = impl.poll_depth == 0 ? impl.scratch : nested;
  ++impl.poll_depth;
  int64_t timeout_ns = 0;
  int64_t wait_start = 0;
  if (blocking) {
    wait_start = clock_ns(ClockType::realtime);
    if (impl.poll_ns > 0 && !impl.notified.load()) spin_for_notification(impl);
    impl.notify_me.fetch_add(2);  // announce ...
  }
  const bool polled = snapshot_fds(impl, scratch);
  if (blocking && !polled) timeout_ns = impl.notified.load() ? 0 : next_timer_delay_ns(impl);  // ... then check
  // Nothing to wait for and no descriptor to look at: skip the system call. (A stale eventfd count this leaves
  // behind only makes a later ppoll return at once, and that one clears it.)
  int ready = 0;
  if (timeout_ns != 0 || !scratch.handlers.empty())
    ready = Platform::poll(scratch.fds.data(), scratch.fds.size(), timeout_ns);
  if (blocking) {
    impl.notify_me.fetch_sub(2);
    adapt_poll_window(impl, clock_ns(ClockType::realtime) - wait_start);
  }

  // Accept the notification before looking at the work, so that a notify() from now on is not lost.
  impl.notified.exchange(false);
  if (ready > 0 && scratch.fds[0].revents) impl.notifier.test_and_clear();

  bool progress = dispatch_fds(impl, scratch, ready);
  progress |= run_bottom_halves(impl);
  progress |= run_timers(impl);
  --impl.poll_depth;
  return progress;
}

int64_t begin_foreign_wait(AioContext::Impl &impl, PollScratch &out) {
  impl.notify_me.fetch_add(2);  // announce ...
  const bool polled = snapshot_fds(impl, out);
  return polled || impl.notified.load() ? 0 : next_timer_delay_ns(impl);  // ... then check
}

void end_foreign_wait(AioContext::Impl &impl) { impl.notify_me.fetch_sub(2); }

// --- the main context and the current one ---

namespace detail {

AioContext *bind_main_context(ThreadState &ts) {
  if (ts.ctx) return ts.ctx;
  if (!Platform::is_main_thread()) return nullptr;
  ts.ctx = main_context();
  return ts.ctx;
}

}  // namespace detail

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
AioContext *main_context() { return detail::sim_main_context(); }  // one per simulated run (platform::SimRun)
#else
AioContext *main_context() {
  // Created on first use and never destroyed: coroutines and bottom halves may still refer to it while the
  // process exits.
  static AioContext *const ctx = AioContext::create();
  return ctx;
}
#endif

AioContext *current_context() {
  detail::ThreadState &ts = detail::this_thread_after_switch();  // callers may have moved threads
  return ts.ctx ? ts.ctx : detail::bind_main_context(ts);
}

// --- bottom halves ---

BottomHalf *bh_new(AioContext *ctx, void (*cb)(void *), void *opaque) {
  return new BottomHalf{ctx, cb, opaque, {0}};
}

void bh_schedule(BottomHalf *bh) noexcept {
  // Scheduling a scheduled bottom half is a no-op: it runs once. One still in the list after a cancel is only
  // marked to run again.
  if (bh->flags.fetch_or(BottomHalf::kScheduled | BottomHalf::kQueued) & BottomHalf::kQueued) return;
  // Once it is in the list, the home thread may run it, and free it if it is a one-shot: bh is not touched
  // after the push.
  AioContext *ctx = bh->ctx;
  {
    std::lock_guard<Platform::Mutex> lock(ctx->impl()->bh_mutex);
    ctx->impl()->bh_pending.push_back(bh);
  }
  ctx->notify();
}

void bh_cancel(BottomHalf *bh) noexcept {
  // It stays in the list (if it is there) and the loop skips it.
  bh->flags.fetch_and(~BottomHalf::kScheduled);
}

void bh_delete(BottomHalf *bh) noexcept {
  // If it is in the pending list, the loop frees it when it gets there; otherwise nothing refers to it.
  if (bh->flags.fetch_or(BottomHalf::kDeleted) & BottomHalf::kQueued) return;
  delete bh;
}

void bh_schedule_oneshot(AioContext *ctx, void (*cb)(void *), void *opaque) {
  BottomHalf *bh = bh_new(ctx, cb, opaque);
  bh->flags.store(BottomHalf::kOneshot);
  bh_schedule(bh);
}

// Runs one bottom half taken from a pass: frees it if it was deleted, skips it if it was cancelled.
static bool run_bottom_half(BottomHalf *bh) {
  // Out of the list, and the mark cleared, before it runs: the callback (or another thread) may schedule it
  // again, which pushes it anew.
  const unsigned flags = bh->flags.fetch_and(~(BottomHalf::kScheduled | BottomHalf::kQueued));
  if (flags & BottomHalf::kDeleted) {
    delete bh;
    return false;
  }
  if (!(flags & BottomHalf::kScheduled)) return false;  // cancelled
  bh->cb(bh->opaque);  // may bh_delete(bh): nothing below touches bh unless it is a one-shot
  if (flags & BottomHalf::kOneshot) delete bh;
  return true;
}

bool run_bottom_halves(AioContext::Impl &impl) {
  BhBatch batch;
  {
    std::lock_guard<Platform::Mutex> lock(impl.bh_mutex);
    batch.items.swap(impl.bh_pending);  // what is scheduled from now on waits for the next iteration
  }
  // A callback that polls this context again continues the passes under way, the outermost first (their
  // bottom halves were scheduled earlier): a bottom half it waits for may sit there.
  impl.bh_batches.push_back(&batch);
  bool progress = false;
  for (std::size_t b = 0; b < impl.bh_batches.size(); ++b) {
    BhBatch &pass = *impl.bh_batches[b];
    while (pass.next < pass.items.size()) progress |= run_bottom_half(pass.items[pass.next++]);
  }
  impl.bh_batches.pop_back();
  return progress;
}

// --- clocks and timers ---

int64_t clock_ns(ClockType clock) noexcept { return Platform::now_ns(clock); }

Timer::Timer(AioContext *ctx, ClockType clock, void (*cb)(void *), void *opaque) noexcept
    : node_(new Node{ctx, clock, cb, opaque, -1, 0, false}) {}

Timer::~Timer() {
  del();
  delete node_;
}

void Timer::mod_ns(int64_t expire_ns) { node_->mod_ns(expire_ns); }
void Timer::del() { node_->del(); }
bool Timer::pending() const noexcept { return node_->pending(); }

void Timer::Node::mod_ns(int64_t deadline_ns) {
  AioContext::Impl &impl = *ctx->impl();
  bool earliest;
  {
    std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
    auto &list = impl.timers[static_cast<int>(clock)];
    if (armed) list.erase({expire_ns, seq});
    expire_ns = deadline_ns;
    seq = ++impl.timer_seq;
    armed = true;
    list.emplace(std::make_pair(expire_ns, seq), this);
    earliest = list.begin()->second == this;
  }
  if (earliest) ctx->notify();  // a sleeping poll must recompute its timeout
}

void Timer::Node::del() {
  AioContext::Impl &impl = *ctx->impl();
  std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
  if (!armed) return;
  impl.timers[static_cast<int>(clock)].erase({expire_ns, seq});
  armed = false;
}

bool Timer::Node::pending() const {
  AioContext::Impl &impl = *ctx->impl();
  std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
  return armed;
}

int64_t next_timer_delay_ns(AioContext::Impl &impl) {
  int64_t delay = -1;
  std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
  for (int clock = 0; clock < kClocks; ++clock) {
    const auto &list = impl.timers[clock];
    if (list.empty()) continue;
    int64_t d = list.begin()->first.first - clock_ns(static_cast<ClockType>(clock));
    if (d < 0) d = 0;
    if (delay < 0 || d < delay) delay = d;
  }
  return delay;
}

bool run_timers(AioContext::Impl &impl) {
  {
    // One look at every clock first: most polls find no timer due, and in the simulator each lock is a
    // scheduling point.
    std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
    bool due = false;
    for (int clock = 0; clock < kClocks && !due; ++clock) {
      const auto &list = impl.timers[clock];
      due = !list.empty() && list.begin()->first.first <= clock_ns(static_cast<ClockType>(clock));
    }
    if (!due) return false;
  }
  bool progress = false;
  for (int clock = 0; clock < kClocks; ++clock) {
    const int64_t now = clock_ns(static_cast<ClockType>(clock));
    for (;;) {
      // The callback as it was when the timer fired, copied under the lock: once the lock is released another
      // thread may delete and free the timer (a timer_del from another thread does not wait for a callback that
      // has already started).
      struct {
        void (*cb)(void *);
        void *opaque;
      } fire;
      {
        std::lock_guard<Platform::Mutex> lock(impl.timer_mutex);
        auto &list = impl.timers[clock];
        if (list.empty() || list.begin()->first.first > now) break;
        // Timers due at the same instant: which fires first is the platform's choice (arming order in the
        // real build; the simulator's strategy decides, so that every order is explored).
        auto first = list.begin();
        std::size_t ties = 1;
        for (auto it = std::next(first); it != list.end() && it->first.first == first->first.first; ++it) ++ties;
        if (ties > 1) std::advance(first, static_cast<std::ptrdiff_t>(Platform::choose(ties)));
        Timer::Node *due = first->second;
        list.erase(first);
        due->armed = false;
        fire = {due->cb, due->opaque};
      }
      fire.cb(fire.opaque);  // may re-arm or destroy its timer
      progress = true;
    }
  }
  return progress;
}

}  // namespace corosim
