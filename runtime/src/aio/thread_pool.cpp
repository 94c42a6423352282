// The thread pool for blocking calls (see thread_pool.hpp).
//
// Completion does not wake the coroutine from the worker: the worker schedules a one-shot bottom half in the
// coroutine's home context, whose loop can run it only after the coroutine has yielded there (QEMU's "wake
// before yield" bug class cannot happen), and the bottom half wakes it.

#include <deque>
#include <mutex>
#include <vector>

#include <corosim/aio.hpp>
#include <corosim/thread_pool.hpp>

#include "../coroutine_impl.hpp"

namespace corosim {
namespace {

using detail::Platform;

struct Job {
  void (*fn)(void *);
  void *arg;
  Coroutine *co;
  AioContext *home;
};

class Pool {
 public:
  // At most 4 workers: enough to overlap a few blocking calls on 2 cores without oversubscribing.
  static constexpr unsigned kMaxWorkers = 4;

  void submit(Job *job) {
    std::unique_lock<Platform::Mutex> lock(mutex_);
    jobs_.push_back(job);
    if (idle_ == 0 && workers_.size() < kMaxWorkers) workers_.emplace_back([this] { work(); });
    lock.unlock();
    cv_.notify_one();
  }

  unsigned workers() {
    std::lock_guard<Platform::Mutex> lock(mutex_);
    return static_cast<unsigned>(workers_.size());
  }

  ~Pool() {
    {
      std::lock_guard<Platform::Mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto &w : workers_) w.join();
  }

 private:
  void work() {
    std::unique_lock<Platform::Mutex> lock(mutex_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left
      Job *job = jobs_.front();
      jobs_.pop_front();
      lock.unlock();
      job->fn(job->arg);
      bh_schedule_oneshot(job->home, [](void *j) { aio_co_wake(static_cast<Job *>(j)->co); }, job);
      lock.lock();
    }
  }

  Platform::Mutex mutex_;
  Platform::CondVar cv_;
  std::deque<Job *> jobs_;                   // guarded by mutex_
  std::vector<Platform::Thread> workers_;    // guarded by mutex_
  unsigned idle_ = 0;                        // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
};

Pool &pool() {
  static Pool instance;
  return instance;
}

}  // namespace

void detail::thread_pool_run(void (*fn)(void *), void *arg) {
  Coroutine *me = self_or_misuse("run_in_thread_pool");
  AioContext *home = current_context();
  if (COROSIM_UNLIKELY(!home)) misuse("run_in_thread_pool called on a thread without an event loop");
  Job job{fn, arg, me, home};
  pool().submit(&job);
  detail::yield_waiting(me, detail::Wait::thread_pool, home);
}

unsigned thread_pool_workers() noexcept { return pool().workers(); }

}  // namespace corosim
