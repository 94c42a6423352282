// The real platform's out-of-line parts: thread-exit hooks and clocks.

#include <time.h>

#include <vector>

#include <corosim/platform.hpp>

namespace corosim::platform {
namespace {

// Runs the registered hooks when the thread's thread-local objects are destroyed.
struct ExitHooks {
  std::vector<std::pair<void (*)(void *), void *>> hooks;
  ~ExitHooks() {
    while (!hooks.empty()) {
      auto [fn, arg] = hooks.back();
      hooks.pop_back();
      fn(arg);
    }
  }
};

// The one thread_local with a destructor: kept out of the hot per-thread state (see Real::ThreadLocal).
thread_local ExitHooks t_exit_hooks;

}  // namespace

void Real::at_thread_exit(void (*fn)(void *), void *arg) { t_exit_hooks.hooks.emplace_back(fn, arg); }

int64_t Real::now_ns(ClockType clock) noexcept {
  timespec ts;
  clock_gettime(clock == ClockType::host ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace corosim::platform

// ---- event notifier and poll ----

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace corosim::platform {

Real::EventNotifier::EventNotifier() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) {
    std::perror("corosim: eventfd");
    std::abort();
  }
}

Real::EventNotifier::~EventNotifier() { close(fd_); }

void Real::EventNotifier::set() noexcept {
  uint64_t one = 1;
  // EAGAIN means the counter is saturated: it is raised anyway.
  while (write(fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

bool Real::EventNotifier::test_and_clear() noexcept {
  uint64_t value = 0;
  ssize_t n;
  while ((n = read(fd_, &value, sizeof value)) < 0 && errno == EINTR) {
  }
  return n == sizeof value && value != 0;
}

int Real::poll(struct pollfd *fds, std::size_t count, int64_t timeout_ns) {
  timespec ts;
  timespec *timeout = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1'000'000'000;
    ts.tv_nsec = timeout_ns % 1'000'000'000;
    timeout = &ts;
  }
  int n;
  while ((n = ppoll(fds, count, timeout, nullptr)) < 0 && errno == EINTR) {
  }
  return n < 0 ? 0 : n;
}

bool Real::is_main_thread() noexcept { return gettid() == getpid(); }

void Real::relax() noexcept { sched_yield(); }

// ---- pipes ----

int Real::pipe(int fds[2]) noexcept { return ::pipe(fds); }
long Real::read(int fd, void *buf, std::size_t n) noexcept { return ::read(fd, buf, n); }
long Real::write(int fd, const void *buf, std::size_t n) noexcept { return ::write(fd, buf, n); }
int Real::close(int fd) noexcept { return ::close(fd); }

}  // namespace corosim::platform
