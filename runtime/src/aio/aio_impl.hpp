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

class BottomHalf {
 public:
  static constexpr unsigned kScheduled = 1;  // in its context's pending list
  static constexpr unsigned kDeleted = 2;    // free it instead of running it
  static constexpr unsigned kOneshot = 4;    // free it after it ran
  AioContext *ctx;
  void (*cb)(void *);
  void *opaque;
  detail::Platform::atomic<unsigned> flags;
};

struct Timer::Node {
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
  void (*on_read)(void *);
  void (*on_write)(void *);
  void *opaque;
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

  // Home thread only: the adaptive spin window of a blocking poll (context.cpp), and poll()'s scratch space.
  int64_t poll_ns = 0;
  std::vector<FdHandler> poll_handlers;
  std::vector<pollfd> poll_fds;
};

bool run_bottom_halves(AioContext::Impl &impl);
bool run_timers(AioContext::Impl &impl);
// Until the earliest armed timer is due: 0 if one is, -1 if none is armed.
int64_t next_timer_delay_ns(AioContext::Impl &impl);

namespace detail {
// co_schedule_bh's callback (schedule.cpp).
void run_scheduled_coroutines(void *ctx);
}  // namespace detail

}  // namespace corosim
