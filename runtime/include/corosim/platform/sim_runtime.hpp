#pragma once
// What the simulator's engine asks of the runtime compiled for the sim platform (corosim::runtime_sim): one object
// that owns a run's lifecycle, the coroutine running in the current sim thread, and a description of every
// coroutine of the run for deadlock reports and leak checks. Sim build only. Like sim_engine.hpp, this is the
// runtime's side of the seam: runtime/ declares and implements it, sim/ calls it. What it tells about a wait crosses
// as values (enums, ids), never as text to be parsed back.

#include <cstdint>
#include <string>
#include <vector>

#include <corosim/platform/sim_engine.hpp>

namespace corosim::platform {

// One simulated run, from its first step to its tear-down: the only code that starts and ends the state a run
// touches in the runtime and the sim platform. Everything below is per run and starts afresh with each SimRun:
//
//   object ids (the trace's #N) and coroutine ids     restart at 1
//   the engine                                        installed for the run (misuse reports go to it)
//   the coroutine pool                                drained: a run only ever takes coroutines it made itself
//   the run's main context                            made on first use, destroyed at the end
//   the thread pool's workers                         stopped when the main body returns (main_done)
//   notifiers and pipes, the run's coroutine stacks   forgotten / unmapped when the run is abandoned
//   the run heap (sim_engine.hpp)                     released when the run failed, adopted when it ended well
//
// Lifecycle: construct (before the first step), main_done() on the main sim thread when its body returns, then
// end(failed) on the host after the engine has deleted its sim threads' storage (their ThreadLocal values are run
// heap blocks: they must be deleted before the heap is released). Not reentrant: one run at a time per process.
class SimRun {
 public:
  explicit SimRun(SimEngine &engine) noexcept;
  SimRun(const SimRun &) = delete;
  SimRun &operator=(const SimRun &) = delete;
  ~SimRun();  // precondition: end() was called

  // The run's main body returned (on the main sim thread): threads the runtime started on demand (the thread
  // pool's workers) are stopped, so that the run can end.
  void main_done();

  // Ends the run, on the host. failed: the run was abandoned where it stood (its frames never run again), so
  // nothing of it is run or destroyed: its coroutines' stacks are unmapped, its notifiers and pipes forgotten, the
  // coroutine pool's run-made entries dropped, and every block it allocated released. Otherwise its main context is
  // destroyed and what it left allocated is adopted as ordinary memory.
  void end(bool failed) noexcept;

 private:
  bool ended_ = false;
};

// In a sim thread: the id of the coroutine running there, 0 when the sim thread runs on its own stack.
uint64_t sim_running_coroutine() noexcept;

// The exception being handled, as the runtime's own reports name it ("std::runtime_error: boom"). In a catch block.
std::string sim_exception_text();

// What a suspended coroutine waits for (the runtime records it where it yields inside a primitive).
enum class SimWait : uint8_t {
  none,            // a plain yield(): nothing recorded
  co_mutex,        // a CoMutex (holders: its holder)
  co_queue,        // a CoQueue
  co_rwlock_read,  // a CoRwlock, to read (holders: its holders)
  co_rwlock_write, // a CoRwlock, to write
  sleep,           // a timer of its context
  reschedule,      // aio_co_reschedule_self: its new context's bottom half
  thread_pool,     // a thread-pool job's completion
  waker,           // woken, in its waker's wake-up queue: runs when the waker yields or terminates
};

// A coroutine of the run that has not finished.
struct SimCoroutine {
  enum class State {
    created,    // never entered
    running,    // on a sim thread's enter chain (that sim thread is blocked or preempted)
    suspended,  // yielded; `waits_for` says what for
  };
  uint64_t id = 0;
  State state = State::created;
  SimWait waits_for = SimWait::none;
  const void *object = nullptr;         // the lock/queue/context it waits on (identity within the report only)
  std::vector<uint64_t> holders;        // for a lock: the coroutines holding it (a handed-over CoMutex: none)
  const char *scheduled_by = nullptr;   // in a context's scheduled list or sleeping: who put it there (an API name)
};

// Every unfinished coroutine of the run, in ascending id order. With look_up_holders, the locks they wait for are read
// to find their holders: only while those locks still exist (a stuck run; not after the sim threads that made them
// ended).
std::vector<SimCoroutine> sim_live_coroutines(bool look_up_holders);

}  // namespace corosim::platform
