#pragma once
// Internal: the inside of AioContext, bottom halves and timers, shared by the files of runtime/src/aio.

#include <poll.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <corosim/aio.hpp>

#include "../coroutine_impl.hpp"

namespace corosim {

constexpr int kClocks = 3;  // ClockType::realtime, virtual_, host

// A bottom half's flags (context.cpp). kQueued and kScheduled differ once a bottom half is cancelled: it stays in
// the pending list (kQueued) but the loop skips it (kScheduled clear). Only the thread that pushes it (the one whose
// fetch_or found kQueued clear) puts it in the list, and only the loop clears kQueued, as it takes it out: so a
// bottom half is in the list at most once, and kQueued is set exactly while it is there.
class BottomHalf {
 public:
  static constexpr unsigned kScheduled = 1;  // should run on the loop's next pass over the pending list
  static constexpr unsigned kDeleted = 2;    // free it instead of running it
  static constexpr unsigned kOneshot = 4;    // free it after it ran
  static constexpr unsigned kQueued = 8;     // in its context's pending list
  AioContext *ctx;
  void (*cb)(void *);
  void *opaque;
  detail::Platform::atomic<unsigned> flags;
};

// A timer's state. Timer owns one; the C API's QEMUTimer embeds one (qemu/aio.cpp).
struct Timer::Node {
  void mod_ns(int64_t deadline_ns);  // see Timer
  void del();
  bool pending() const;

  AioContext *ctx;
  ClockType clock;
  void (*cb)(void *);
  void *opaque;
  int64_t expire_ns;
  uint64_t seq;  // orders equal deadlines by arming order
  bool armed;    // guarded by the context's timer_mutex
};

struct FdHandler {
  int fd;
  AioContext::FdCallbacks cb;
};

// What one poll() looks at: a snapshot of the fd handlers (a callback may change the set while we run it), the
// descriptors for the system call (the notifier first), and which handlers' poll callbacks said ready.
struct PollScratch {
  std::vector<FdHandler> handlers;
  std::vector<pollfd> fds;
  std::vector<char> polled_ready;
};

// The bottom halves one run_bottom_halves pass took from the pending list, and how far it got. A callback that polls
// its own context again (QEMU's AIO_WAIT_WHILE) goes on with the passes under way, outermost first.
struct BhBatch {
  std::vector<BottomHalf *> items;
  std::size_t next = 0;
};

struct AioContext::Impl {
  detail::Platform::atomic<int> refcount{1};

  // The announce-then-check protocol (context.cpp): notify_me counts pollers about to block (by 2, as QEMU);
  // notified says work was published since the last poll.
  detail::Platform::atomic<unsigned> notify_me{0};
  detail::Platform::atomic<bool> notified{false};
  detail::Platform::EventNotifier notifier;

  // Scheduled bottom halves, in scheduling order.
  detail::Platform::Mutex bh_mutex;
  std::vector<BottomHalf *> bh_pending;  // guarded by bh_mutex

  // Armed timers per clock, by (deadline, arming order).
  detail::Platform::Mutex timer_mutex;
  std::map<std::pair<int64_t, uint64_t>, Timer::Node *> timers[kClocks];  // guarded by timer_mutex
  uint64_t timer_seq = 0;                                                 // guarded by timer_mutex

  // Coroutines scheduled here (aio_co_schedule): a lock-free LIFO through Coroutine::scheduled_next, pushed
  // by any thread, taken whole by co_schedule_bh on the home thread.
  detail::Platform::atomic<Coroutine *> scheduled_head{nullptr};
  BottomHalf *co_schedule_bh = nullptr;

  std::vector<FdHandler> fd_handlers;  // home thread only
  // How many disable_external() calls are in force (any thread). Read by poll() only while an external handler
  // is registered, so that a loop without one takes no extra scheduling point in the simulator.
  detail::Platform::atomic<int> external_disabled{0};

  // The context's recursive lock: `owner` is the holder's ThreadState (a quiet atomic: a thread only ever
  // finds its own pointer there, or another that is not its own), depth how often it holds it.
  detail::Platform::Mutex lock;
  detail::Platform::quiet_atomic<void *> lock_owner{nullptr};
  int lock_depth = 0;  // guarded by lock

  // Home thread only: the adaptive spin window of a blocking poll (context.cpp); poll()'s scratch space (the
  // outermost poll's: a nested one, from a callback, uses its own), how deep poll() calls are nested, and the bottom-
  // half passes under way, outermost first.
  int64_t poll_ns = 0;
  PollScratch scratch;
  int poll_depth = 0;
  std::vector<BhBatch *> bh_batches;
};

// For an event loop of another library (GLib's: qemu/main_loop.cpp) that waits on the context's behalf, with the
// announce-then-check protocol of context.cpp. begin_foreign_wait announces the waiter, leaves in out.fds the
// descriptors to wait for (the notifier first), and returns the timeout (-1: none; 0: something is ready);
// end_foreign_wait withdraws the announcement. poll(false) then runs what is ready. Home thread only.
int64_t begin_foreign_wait(AioContext::Impl &impl, PollScratch &out);
void end_foreign_wait(AioContext::Impl &impl);

bool run_bottom_halves(AioContext::Impl &impl);
bool run_timers(AioContext::Impl &impl);
// Until the earliest armed timer is due: 0 if one is, -1 if none is armed.
int64_t next_timer_delay_ns(AioContext::Impl &impl);

namespace detail {
// co_schedule_bh's callback (schedule.cpp).
void run_scheduled_coroutines(void *ctx);
}  // namespace detail

}  // namespace corosim
