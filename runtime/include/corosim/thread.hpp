#pragma once
// Plain threads, mutexes and condition variables for your own code: the same source runs for real (linked with
// corosim::runtime: std::thread, std::mutex, std::condition_variable underneath) and in the simulator (linked with
// corosim::sim: a Thread is a sim thread, whose first step is a scheduling point (its creation is not one: no
// other thread can tell when it happened), and every operation below is a scheduling point where another thread may
// run, except Mutex::unlock: a release can be moved earlier without changing any outcome, so it is a scheduling point
// only on a Mutex that try_lock was used on, the one way to observe when it happened). A lock's step is the one that
// takes the mutex: while another thread holds it, the thread waiting for it is simply not among those that can run,
// so no step goes to an attempt that could only find it taken. A pthread-style program
// written with these, corosim::atomic and corosim::schedule_point (platform.hpp) is explored at the granularity of
// those operations, sequentially consistent.
//
//   corosim::Mutex m;
//   corosim::CondVar cv;
//   bool ready = false;
//   corosim::Thread producer([&] { m.lock(); ready = true; m.unlock(); cv.notify_one(); });
//   m.lock();
//   cv.wait(m, [&] { return ready; });
//   m.unlock();
//   producer.join();
//
// What the simulator reports (sim/executor.hpp, RunStatus):
//   - threads (and coroutines) each waiting for a Mutex (or CoMutex) another of them holds: deadlock, with the
//     cycle named ("thread 1 waits for Mutex #1, held by thread 2 ...");
//   - a thread waiting on a CondVar that nothing left can notify: lost_wakeup;
//   - a thread waiting for a Mutex whose holder finished without unlocking it: deadlock;
//   - unlock of a Mutex that is not locked, join of a thread that is not joinable: misuse.
//
// Memory ordering: unlock() makes the holder's writes visible to the next thread that locks the Mutex; a notify
// makes what the notifier wrote before it, under the Mutex, visible to the waiter when wait() returns (it re-locks
// the Mutex). In the simulator every operation is sequentially consistent.

#include <condition_variable>
#include <mutex>
#include <type_traits>
#include <utility>

#include <corosim/platform.hpp>

namespace corosim {

// A thread running fn. Must be joined before it is destroyed (as std::thread, whose destructor then terminates
// the program; in the simulator an unjoined thread keeps running and the run does not end before it does).
class Thread {
 public:
  Thread() noexcept = default;
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Thread>)
  explicit Thread(F &&fn) : thread_(std::forward<F>(fn)) {}
  Thread(Thread &&) noexcept = default;
  Thread &operator=(Thread &&) noexcept = default;

  // Blocks until the thread has finished. Misuse: it is not joinable (default-constructed, or joined already).
  void join(COROSIM_SITE) {
    COROSIM_CALL("Thread::join");
    thread_.join();
  }
  bool joinable() const noexcept { return thread_.joinable(); }

 private:
  platform::Current::Thread thread_;
};

// Mutual exclusion between threads (and coroutines, which block their thread while they wait: in a coroutine,
// prefer CoMutex). Not recursive: locking it again from its holder deadlocks (the simulator reports the cycle of
// one). No fairness is promised; in the simulator the strategy decides who gets it.
class Mutex {
 public:
  Mutex() {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
    mutex_.set_user();  // a lock of the user's: a scheduling point under every granularity
#endif
  }
  Mutex(const Mutex &) = delete;
  Mutex &operator=(const Mutex &) = delete;

  // Blocks until the mutex is free, then holds it.
  void lock(COROSIM_SITE) {
    COROSIM_CALL("Mutex::lock");
    mutex_.lock();
  }
  // Holds it if it is free; never blocks.
  bool try_lock(COROSIM_SITE) {
    COROSIM_CALL("Mutex::try_lock");
    return mutex_.try_lock();
  }
  // Precondition: the caller holds it (misuse otherwise, in the simulator).
  void unlock(COROSIM_SITE) {
    COROSIM_CALL("Mutex::unlock");
    mutex_.unlock();
  }

  platform::Current::Mutex &native() noexcept { return mutex_; }

  // Its name in the simulator's traces (which otherwise number it); nothing in the real build.
  friend void trace_name(Mutex &m, const char *name) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
    m.mutex_.trace_name(name);
#else
    static_cast<void>(m);
    static_cast<void>(name);
#endif
  }

 private:
  platform::Current::Mutex mutex_;
};

// A condition variable over a Mutex. wait() releases the mutex, blocks until notified, and takes the mutex back
// before it returns. In the real build a wait may also end spuriously (as std::condition_variable); the simulator
// never wakes one spuriously, so use the predicate form, or a loop, for code that must be right in both.
// Notified waiters are woken in the order they started waiting (in the simulator; the OS decides otherwise).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar &) = delete;
  CondVar &operator=(const CondVar &) = delete;

  // Precondition: the caller holds `mutex`.
  void wait(Mutex &mutex COROSIM_SITE_NEXT) {
    COROSIM_CALL("CondVar::wait");
    std::unique_lock<platform::Current::Mutex> lock(mutex.native(), std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // held again; the caller's hold, as before the call
  }
  template <class Predicate>
  void wait(Mutex &mutex, Predicate ready COROSIM_SITE_NEXT) {
    COROSIM_CALL("CondVar::wait");
    while (!ready()) wait(mutex);
  }
  void notify_one(COROSIM_SITE) {
    COROSIM_CALL("CondVar::notify_one");
    cv_.notify_one();
  }
  void notify_all(COROSIM_SITE) {
    COROSIM_CALL("CondVar::notify_all");
    cv_.notify_all();
  }

  // Its name in the simulator's traces (which otherwise number it); nothing in the real build.
  friend void trace_name(CondVar &cv, const char *name) {
#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
    cv.cv_.trace_name(name);
#else
    static_cast<void>(cv);
    static_cast<void>(name);
#endif
  }

 private:
  platform::Current::CondVar cv_;
};

}  // namespace corosim
