#pragma once
// The two locks of the tutorial (docs/tutorial.md): a spin lock done right and the same lock with its classic bug.
// Both are built from corosim::atomic, which is std::atomic in the real build and, in the simulator, an atomic whose
// every operation is a scheduling point: the place where the simulator may let another thread run.

#include <corosim/platform.hpp>

namespace tutorial {

// A test-and-set spin lock: exchange() reads the flag and sets it in one step, so only one thread can see it go
// from false to true.
class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true)) corosim::schedule_point();  // taken: let the holder run, then try again
  }
  void unlock() { locked_.store(false); }

 private:
  corosim::atomic<bool> locked_{false};
};

// The bug: the test and the set are two steps. Two threads can both load `false` before either stores `true`, and
// both enter the critical section.
class RacySpinLock {
 public:
  void lock() {
    while (locked_.load()) corosim::schedule_point();
    locked_.store(true);  // BUG: another thread may have taken the lock since our load
  }
  void unlock() { locked_.store(false); }

 private:
  corosim::atomic<bool> locked_{false};
};

}  // namespace tutorial
