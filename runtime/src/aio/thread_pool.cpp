// The thread pool for blocking calls (see thread_pool.hpp).
//
// Completion does not wake the coroutine from the worker: the worker schedules a one-shot bottom half in the
// coroutine's home context, whose loop can run it only after the coroutine has yielded there (QEMU's "wake
// before yield" bug class cannot happen), and the bottom half wakes it.

#include <deque>
#include <mutex>
#include <new>
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

  ~Pool() { shutdown(); }

  // Stops and joins every worker once the queued jobs have run; the next submit starts new ones.
  void shutdown() {
    std::vector<Platform::Thread> workers;
    {
      std::lock_guard<Platform::Mutex> lock(mutex_);
      stopping_ = true;
      workers.swap(workers_);
    }
    cv_.notify_all();
    for (auto &w : workers) w.join();
    std::lock_guard<Platform::Mutex> lock(mutex_);
    stopping_ = false;
  }

  // Whether a worker was ever started and not shut down. Unlocked: for the simulator's single OS thread only.
  bool started_unlocked() const noexcept { return !workers_.empty(); }

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
      // After the push the home loop may wake the coroutine, which may finish and let its context go while we
      // still notify it: hold a reference (as aio_co_schedule does). The job lives on the coroutine's stack, so
      // it is not touched after the push either.
      AioContext *home = job->home;
      home->ref();
      bh_schedule_oneshot(home, [](void *j) { aio_co_wake(static_cast<Job *>(j)->co); }, job);
      home->unref();
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

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
// One pool per simulated run: its state (queued jobs, workers of sim threads) must not reach the next run. An
// abandoned run's pool is replaced without running anything (its memory is the run heap's).
alignas(Pool) unsigned char g_pool_storage[sizeof(Pool)];
Pool *g_pool = nullptr;
Pool &pool() {
  if (!g_pool) g_pool = new (g_pool_storage) Pool;
  return *g_pool;
}
#else
Pool &pool() {
  static Pool instance;
  return instance;
}
#endif

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

void thread_pool_shutdown() { pool().shutdown(); }

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
void detail::thread_pool_sim_main_done() {
  if (g_pool && g_pool->started_unlocked()) g_pool->shutdown();
}
void detail::thread_pool_sim_end_run(bool abandoned) noexcept {
  if (g_pool && !abandoned) g_pool->~Pool();  // on the host, no workers left: plain and quick
  g_pool = nullptr;
}
#endif

}  // namespace corosim
