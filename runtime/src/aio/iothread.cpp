// IOThread: a thread running one context's loop (see iothread.hpp).

#include <corosim/iothread.hpp>

#include "../coroutine_impl.hpp"

namespace corosim {

struct IOThread::Impl {
  detail::Platform::atomic<bool> stopping{false};
  detail::Platform::Thread thread;
  bool joined = false;
};

IOThread::IOThread() : ctx_(AioContext::create()), impl_(new Impl) {
  impl_->thread = detail::Platform::Thread([ctx = ctx_, impl = impl_] {
    detail::this_thread().ctx = ctx;
    while (!impl->stopping.load()) ctx->poll(true);
    // Finish what is pending (bottom halves, scheduled coroutines, due timers) before leaving.
    while (ctx->poll(false)) {
    }
  });
}

IOThread::~IOThread() {
  join();
  ctx_->unref();
  delete impl_;
}

void IOThread::join() {
  if (impl_->joined) return;
  impl_->joined = true;
  impl_->stopping.store(true);
  ctx_->notify();  // a blocking poll returns and sees `stopping`
  impl_->thread.join();
}

}  // namespace corosim
