#pragma once
// The check harness: one simulated execution of contenders around the lock under test (corosim/check.hpp, "The
// harness" and "Fairness as bounded bypass"). Private to properties/.

#include <optional>

#include <corosim/check.hpp>

namespace corosim::check_detail {

struct HarnessParams {
  unsigned contexts = 2;
  unsigned coroutines = 4;
  unsigned iterations = 3;
  std::optional<unsigned> max_bypass;  // none: fairness not checked; 0: no overtake at all (FIFO once in line)
};

// The most contenders an rwlock check draws a reader/writer mix for (one bit each in one choice).
constexpr unsigned kMaxCoroutines = 63;
constexpr unsigned kMaxContexts = 64;

// Runs the harness as the body of one simulated execution: fails it (sim::fail) with a message starting with
// "mutual_exclusion: " or "starvation: " when the lock breaks the property; other failures come from the lock
// itself or from the executor (deadlock, lost wake-up, misuse, ...).
void run_harness(const LockType &lock, const HarnessParams &params);

}  // namespace corosim::check_detail
