#pragma once
// IOThread: a thread that runs one AioContext's loop until joined (QEMU's IOThread).

#include <corosim/aio.hpp>

namespace corosim {

class IOThread {
 public:
  IOThread();                // starts the thread and its context
  ~IOThread();               // joins if join() was not called
  IOThread(const IOThread &) = delete;
  IOThread &operator=(const IOThread &) = delete;

  AioContext *context() const noexcept { return ctx_; }

  // Stops the loop once pending work (bottom halves, scheduled coroutines, ready timers) is done, and joins
  // the thread. Not from the IOThread itself.
  void join();

  struct Impl;

 private:
  AioContext *ctx_;
  Impl *impl_;
};

}  // namespace corosim
