#pragma once
// Data-race detection for corosim::var (corosim/var.hpp): happens-before by vector clocks over sim threads
// (Lamport 1978; Mattern 1989; the read and write records are FastTrack's epochs, Flanagan and Freund, PLDI 2009).
//
// Every sim thread has a vector clock, every synchronising object (an atomic, a lock, a notifier, a pipe) one too.
// Operations synchronise as in C++, every atomic taken as sequentially consistent:
//   acquire (the thread's clock takes in the object's): an atomic load or read-modify-write (also a failed
//                                                      compare-exchange), a lock taken (lock, a try_lock that
//                                                      succeeds), poll, notifier clear, pipe read
//   release (the object's clock takes in the thread's; then the thread's own entry ticks): an atomic store (the
//                                                      object's clock becomes the thread's: a new release
//                                                      sequence), a read-modify-write that wrote, an unlock,
//                                                      notifier set, pipe write and close
// Most are known at the step before the operation (on_step); where the outcome decides (a try_lock, a
// compare-exchange, an unlock that is no scheduling point), the platform reports it afterwards (on_acquire,
// on_release). A condition variable orders nothing by itself, as in C++: the mutex around the wait does.
// A new thread starts from its parent's clock; a join takes in the joined thread's final clock. The runtime's
// edges (bottom halves, aio_co_schedule and aio_co_wake, coroutine entry in another thread, the runtime's locks)
// are its own atomics, locks and notifiers, so they come with them; coroutines in one sim thread are ordered by
// that thread's clock. Memory orders weaker than seq_cst are treated as seq_cst: a race that only a relaxed order
// allows goes unseen (TSan on the real build covers those).
//
// A var access by thread t is ordered after an earlier access by thread u when u's epoch of it (u's own clock entry
// then) is at most t's entry for u. Two accesses, one of them a write, not ordered either way: a data race.
//
// Tracking starts at the first var access of a run (active()): a race pair's happens-before path lies between its
// two accesses, so nothing before the first access matters, and a run without vars pays one test per step.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <corosim/platform/sim_engine.hpp>

namespace corosim::sim::detail {

class RaceDetector {
 public:
  bool active() const noexcept { return active_; }
  void activate() noexcept { active_ = true; }

  // The step thread `t` was chosen for: `op` on `object` (executor.cpp, take_step) synchronises.
  void on_step(std::uint32_t t, platform::SimOp op, std::uint64_t object);
  // Thread `t` took or gave back `object` (SimEngine::acquired, released).
  void on_acquire(std::uint32_t t, std::uint64_t object);
  void on_release(std::uint32_t t, std::uint64_t object);
  // Thread `child` was started by `parent`; `joiner` has seen `joined` finish.
  void on_spawn(std::uint32_t parent, std::uint32_t child);
  void on_join(std::uint32_t joiner, std::uint32_t joined);

  // One access of var `object` by thread `t` running `coroutine`, from `site`. Returns the race it makes with an
  // earlier access, as one line naming both accesses (the caller names the variable), or nullopt.
  std::optional<std::string> on_access(std::uint32_t t, std::uint64_t coroutine, std::uint64_t object, bool write,
                                       const platform::SimSite &site);

 private:
  using Clock = std::vector<std::uint32_t>;  // by ThreadId; a missing entry is 0

  struct Access {
    std::uint32_t thread = 0;
    std::uint32_t epoch = 0;  // the thread's own clock entry at the access
    std::uint64_t coroutine = 0;
    platform::SimSite site;
    bool write = false;
  };
  struct Shadow {
    std::optional<Access> write;  // the last write
    std::vector<Access> reads;    // the reads since it, at most one (the last) per thread
  };

  Clock &thread_clock(std::uint32_t t);
  Clock &object_clock(std::uint64_t object);
  bool ordered_before(const Access &earlier, std::uint32_t t);
  static void join(Clock &into, const Clock &from);
  static std::string describe(const Access &a);

  bool active_ = false;
  std::vector<Clock> threads_;  // by ThreadId
  // By object id. Hash maps, not vectors: ids number every object of the run (a long run has many), and only the
  // synchronising ones and the vars need an entry. Looked up only, never iterated: no order can leak out.
  std::unordered_map<std::uint64_t, Clock> objects_;
  std::unordered_map<std::uint64_t, Shadow> vars_;
};

}  // namespace corosim::sim::detail
