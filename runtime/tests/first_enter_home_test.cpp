// A process whose main thread's FIRST use of coroutines is coroutine_enter(), with the pool off: the coroutine it
// enters must get the main context as its home, like any other coroutine entered on the main thread. The runtime
// once read the thread's context before setting the thread up, so that coroutine had no home; a CoMutex hand-off
// from an IOThread then resumed it on the IOThread (every time, in this program).
//
// A program of its own, not a GoogleTest case: the main thread must not have run a coroutine before (a test
// binary's earlier tests would have). Exit status 0: resumed in the main context; 1: elsewhere. Run on every backend
// by CMake. "Where it resumed" is asked of current_context(), not of the OS thread id: the thread backend runs every
// coroutine on an OS thread of its own, which stands in for the thread that resumed it.
//
//   main thread                          IOThread
//   -----------                          --------
//                                        D: m.lock(), stage = 1, sleeps until stage 2
//   wait for stage 1
//   coroutine_enter(C): m.lock() queues
//   stage = 2                            D: m.unlock() hands m to C: aio_co_wake(C) -> C's home context
//   poll the main context                (must be the main context, so C runs on the main thread's side)

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>

int main() {
  using namespace corosim;
  set_pool_enabled(false);
  CoMutex m;
  std::atomic<int> stage{0};
  std::atomic<bool> done{false};
  bool resumed_at_home = false;
  {
    IOThread io;
    aio_co_schedule(io.context(), coroutine_create([&] {
                      m.lock();
                      stage = 1;
                      while (stage.load() < 2) sleep_ns(ClockType::realtime, 1'000'000);
                      m.unlock();
                    }));
    while (stage.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    coroutine_enter(coroutine_create([&] {
      m.lock();
      resumed_at_home = current_context() == main_context();
      m.unlock();
      done = true;
    }));
    stage = 2;
    while (!done.load()) {
      main_context()->poll(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (!resumed_at_home) {
    std::fprintf(stderr, "FAIL: the first coroutine entered on the main thread was resumed outside the main "
                         "context after a CoMutex hand-off (it had no home context)\n");
    return 1;
  }
  std::printf("ok: resumed in its home context, the main context\n");
  return 0;
}
