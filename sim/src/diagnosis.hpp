#pragma once
// Why a run is stuck (executor.cpp calls this when no sim thread can run and no timer is pending): a cycle of
// threads and coroutines waiting for each other's locks (deadlock), a lock whose holder is gone, or something
// waiting for a wake-up that nothing left can send (lost wake-up). Internal to sim/.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/platform/sim_runtime.hpp>
#include <corosim/sim/executor.hpp>

namespace corosim::sim {

// A sim thread that has not finished, as it stands.
struct StuckThread {
  uint32_t id;
  platform::SimOp op;  // what it is parked in (poll, mutex lock, condition wait, thread join)
  uint64_t object;     // the trace's id of what it waits on (for a join: the joined thread's number)
  uint64_t coroutine;  // the coroutine running in it, 0: its own stack
  std::optional<platform::SimHolder> holder;  // parked on a platform Mutex: who holds it
};

struct Diagnosis {
  RunStatus status;     // deadlock or lost_wakeup
  std::string message;  // first line: the verdict; then who waits on what, the cycle, the sim threads
  std::string shape;    // deadlock: what RunResult::shape says (no ids); empty for a lost wake-up
};

// coroutines: every unfinished coroutine of the run, in ascending id order (platform::sim_live_coroutines()).
Diagnosis diagnose_stuck(const std::vector<platform::SimCoroutine> &coroutines, const std::vector<StuckThread> &threads);

// The leak report of a run whose sim threads all finished while `coroutines` did not.
std::string describe_leak(const std::vector<platform::SimCoroutine> &coroutines);

}  // namespace corosim::sim
