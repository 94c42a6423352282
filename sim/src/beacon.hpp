#pragma once
// Where the executor says, step by step, which sim thread it let run: read from another thread (the in-process
// watchdog) or another process (the explorer of a worker, through shared memory) when an execution overruns its
// time, to name the thread that stopped reaching scheduling points. Internal to sim/.

#include <atomic>
#include <cstdint>

namespace corosim::sim::detail {

// Written by the executor's thread only, read by anyone: lock-free atomics (so they also work in a MAP_SHARED
// mapping between processes), relaxed (a stale read names an earlier step of the same stuck run, still true).
struct StepBeacon {
  std::atomic<std::uint64_t> step{0};    // the number of the last step taken (from 0, as in the trace)
  std::atomic<std::uint32_t> thread{0};  // the sim thread it let run
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free);

// The beacon the executor writes to from now on (nullptr: none). Set on the exploring thread, between runs.
void set_step_beacon(StepBeacon *beacon) noexcept;

}  // namespace corosim::sim::detail
