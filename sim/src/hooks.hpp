#pragma once
// What an exploration sets in the executor for the failures that end a process (explore.hpp, on_fatal). Internal
// to sim/.
//
// The step beacon: where the executor says, step by step, which sim thread it let run; read from another thread
// (the in-process watchdog) or another process (the explorer of a worker, through shared memory) when an execution
// overruns its time, to name the thread that stopped reaching scheduling points.
//
// The fatal-fault hook: what a SIGSEGV in a sim thread that is not a stack overflow ends with. The runtime's fault
// handler hands every SIGSEGV in a run to the executor (SimEngine::stack_fault); an overflow fails the run, and
// anything else goes to this hook (the in-process guard reports the execution and ends the process) or, with none,
// back to the runtime's handler and the default action. The exploration must not install a SIGSEGV handler of its
// own: it would sit above the runtime's and take its overflows, or, put back, remove it.

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

// The hook a fatal SIGSEGV in a sim thread goes to (nullptr: none); it does not return. Called in the signal
// handler, on the alternate signal stack. Set on the exploring thread, between runs.
using FatalFaultHook = void (*)(int sig);
void set_fatal_fault_hook(FatalFaultHook hook) noexcept;

}  // namespace corosim::sim::detail
