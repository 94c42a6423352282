#pragma once
// What the simulator's engine asks of the runtime compiled for the sim platform (corosim::runtime_sim): run
// boundaries, the coroutine running in the current sim thread, and a description of every coroutine of the run
// for deadlock reports and leak checks. Sim build only. Like sim_engine.hpp, this is the runtime's side of the
// seam: runtime/ declares and implements it, sim/ calls it.

#include <cstdint>
#include <string>
#include <vector>

namespace corosim::platform {

// Starts a run's runtime state: coroutine ids restart at 1, the main context is created afresh on first use.
void sim_runtime_begin_run() noexcept;

// The run's main body returned (called on the main sim thread): threads the runtime started on demand (the
// thread pool's workers) are stopped, so that the run can end.
void sim_runtime_main_done();

// Ends it. After a normal end the run's main context is destroyed. After an abandoned run (its frames will never
// run again) nothing of the run is run or destroyed: its coroutines' stacks are unmapped and its objects forgotten
// (their memory is the run heap's, which the engine releases afterwards: sim_engine.hpp).
void sim_runtime_end_run(bool abandoned) noexcept;

// In a sim thread: the id of the coroutine running there, 0 when the sim thread runs on its own stack.
uint64_t sim_running_coroutine() noexcept;

// A coroutine of the run that has not finished.
struct SimCoroutine {
  enum class State {
    created,    // never entered
    running,    // on a sim thread's enter chain (that sim thread is blocked or preempted)
    suspended,  // yielded; `waits_for` says what for
  };
  uint64_t id = 0;
  State state = State::created;
  std::string waits_for;     // "CoMutex", "CoQueue", "CoRwlock (read)", "CoRwlock (write)", "sleep",
                             // "aio_co_reschedule_self", "thread pool", or "" (a plain yield: nothing recorded)
  const void *object = nullptr;         // the lock/queue/context it waits on (identity within the report only)
  std::vector<uint64_t> holders;        // for a lock: the coroutines holding it (a handed-over CoMutex: none)
  const char *scheduled_by = nullptr;   // in a context's scheduled list or sleeping: who put it there
};

// Every unfinished coroutine of the run, in ascending id order. With look_up_holders, the locks they wait for are read to find
// their holders: only while those locks still exist (a stuck run; not after the sim threads that made them ended).
std::vector<SimCoroutine> sim_live_coroutines(bool look_up_holders);

}  // namespace corosim::platform
