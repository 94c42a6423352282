#pragma once
// The real platform: what corosim::runtime runs on. Every hook is the plain OS facility; schedule_point is empty.
// Do not include directly; include <corosim/platform.hpp>.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

struct pollfd;

#include <corosim/clock.hpp>

namespace corosim::platform {

struct Real {
  static constexpr const char *name = "real";

  template <class T>
  using atomic = std::atomic<T>;
  template <class T>
  using quiet_atomic = std::atomic<T>;

  using Mutex = std::mutex;
  using CondVar = std::condition_variable;  // waits on a std::unique_lock<Mutex>
  using Thread = std::thread;               // constructed with a callable; join()

  // The event-loop notifier: a level-triggered flag another thread can raise to wake a poll (an eventfd).
  class EventNotifier {
   public:
    EventNotifier();
    ~EventNotifier();
    EventNotifier(const EventNotifier &) = delete;
    EventNotifier &operator=(const EventNotifier &) = delete;
    void set() noexcept;                 // raise; any thread
    bool test_and_clear() noexcept;      // lower; returns whether it was raised
    int fd() const noexcept { return fd_; }  // readable while raised (for poll)

   private:
    int fd_;
  };

  // Waits until one of fds is ready or timeout_ns passes (-1: no limit; 0: just look). Returns the number of
  // ready descriptors (revents filled in), 0 on timeout.
  static int poll(struct pollfd *fds, std::size_t count, int64_t timeout_ns);

  // The longest an event loop spins for work before it sleeps in poll (adaptive polling; aio/context.cpp).
  // 32 us: above a cross-thread wake-up on these machines (a few us), far below a scheduler time slice.
  static constexpr int64_t poll_spin_max_ns = 32'000;

  // Lets another runnable thread have this CPU for a moment (sched_yield); used while spinning.
  static void relax() noexcept;

  // Whether the caller is the process's main thread (the main event loop's home).
  static bool is_main_thread() noexcept;

  template <class T>
  class ThreadLocal {
   public:
    static T &get() noexcept { return value_; }
    static T *find() noexcept { return &value_; }  // (always there)

   private:
    // constinit + trivially destructible: accessing it needs no guard or TLS wrapper call, which keeps
    // enter/yield cheap.
    static inline thread_local constinit T value_{};
  };

  // Runs fn(arg) when the calling thread exits (in reverse order of registration).
  static void at_thread_exit(void (*fn)(void *), void *arg);

  static int64_t now_ns(ClockType clock) noexcept;

  static void schedule_point() noexcept {}
  // Readable traces are the simulator's: nothing to tell in the real build.
  static void note_wake(uint64_t) noexcept {}
  static uint64_t choose(uint64_t) noexcept { return 0; }

  // The system calls (errno as they leave it).
  static int pipe(int fds[2]) noexcept;
  static long read(int fd, void *buf, std::size_t n) noexcept;
  static long write(int fd, const void *buf, std::size_t n) noexcept;
  static int close(int fd) noexcept;
};

}  // namespace corosim::platform
