#pragma once
// The interface between the sim platform (runtime/, platform/sim.hpp) and the scheduler that drives it (sim/,
// corosim::sim::Executor). runtime/ declares it and never includes a sim/ header; sim/ implements it and installs
// it with set_sim_engine (docs/design.md, "The seam"). A test may install a mock.
//
// Everything runs on one OS thread. A sim thread is a fiber; the platform's primitives call the engine at each
// scheduling point (before the operation) and to park the calling sim thread until a condition holds.
//
// Blocking is a predicate, not a wait list: park(ready, arg, deadline) makes the sim thread disabled until
// ready(arg) is true (the engine evaluates it whenever it picks a thread) or the virtual clock reaches
// deadline_ns (-1: no deadline). A wake-up is therefore never lost, and an unlock or notify needs no call into
// the engine: it changes the state the predicate reads. When no sim thread is enabled and some park has a
// deadline, the engine moves the virtual clock to the earliest one; when none has, the run is a deadlock.

#include <cstddef>
#include <cstdint>

namespace corosim::platform {

// The operation a scheduling point stands before: the trace records (sim thread, op, object) per step. The
// executor's trace hash packs it into 5 bits: var_write stays the last, below 32.
enum class SimOp : uint8_t {
  atomic_load = 1,
  atomic_store,
  atomic_rmw,  // exchange, compare-exchange, fetch_*
  mutex_lock,
  mutex_unlock,
  cv_wait,
  cv_notify,
  thread_spawn,
  thread_join,
  thread_start,  // the first step of a new sim thread
  notifier_set,
  notifier_clear,
  poll,
  user_point,  // corosim::schedule_point()
  pipe_read,   // simulated pipes (platform/sim.hpp)
  pipe_write,
  pipe_close,
  var_read,   // corosim::var accesses made scheduling points (var_steps, corosim/var.hpp)
  var_write,
  api_call,   // the start of a coroutine lock or queue operation, under the api granularity (set_sim_api_granularity)
};
const char *sim_op_name(SimOp op) noexcept;

// What a step or a call was in the user's source (std::source_location of the user's call, taken by default
// arguments on corosim::atomic, schedule_point, and the calls of thread.hpp, co_mutex.hpp, co_queue.hpp,
// co_rwlock.hpp and coroutine.hpp in the sim build), for readable traces only: never hashed, never decided on.
struct SimSite {
  const char *file = nullptr;  // static storage (a source_location's file_name()); nullptr: unknown
  uint32_t line = 0;
  bool user = false;           // a step of the user's own code (corosim::atomic, schedule_point), not the runtime's
};

// A value an atomic operation read or wrote, for readable traces (never hashed). Values of integral, enum and bool
// type are kept; pointers as null or not (an address would differ between runs); other types not at all.
struct SimValue {
  enum class Type : uint8_t { none, unsigned_, signed_, boolean, pointer };
  Type type = Type::none;
  uint64_t bits = 0;  // the value (signed: two's complement); pointer: 0 null, 1 not null
};

// What one atomic step did with its value: load (after: the value read), store (after: written), rmw (before ->
// after), a compare-exchange that succeeded (before: expected, after: desired) or failed (before: expected, after:
// the value found).
struct SimAccess {
  enum class Kind : uint8_t { none, load, store, rmw, cas_success, cas_failure };
  Kind kind = Kind::none;
  SimValue before;
  SimValue after;
};

// Who holds a platform lock (Sim::Mutex), for deadlock reports: the sim thread that took it and the coroutine that
// ran there when it did (0: the thread's own stack). Meaningful while the lock is held.
struct SimHolder {
  uint32_t thread = 0;
  uint64_t coroutine = 0;
};

class SimEngine {
 public:
  virtual ~SimEngine() = default;

  // True while a run is executing on a sim thread (the platform's operations are scheduling points then);
  // false on the host (before/after a run, in the scheduler itself): operations are then plain.
  virtual bool in_sim_thread() const noexcept = 0;

  // A scheduling point before `op` on `object` (an id from sim_object_id), from `site` (SimSite): the engine may run
  // other sim threads before returning.
  virtual void schedule_point(SimOp op, uint64_t object, const SimSite &site) = 0;
  // The same before an operation that blocks unless ready(arg) (a lock, which needs it free): the calling sim thread
  // is enabled only while ready(arg) holds, so that no step goes to an attempt that could only find it taken and
  // wait. `holder` as for park. When the call returns, ready(arg) held at the step (nothing ran since).
  virtual void gated_point(SimOp op, uint64_t object, bool (*ready)(void *), void *arg, const SimHolder *holder) = 0;

  // --- readable traces: called only while tracing() (set_sim_tracing), never a scheduling point ---
  // The step the calling sim thread has just been chosen for, an atomic operation, did this with its value.
  virtual void note_access(const SimAccess &access) = 0;
  // The calling sim thread (in its running coroutine) enters a call of the user's, `name` at `site`
  // ("CoMutex::lock"), until leave_call: a trace event, and the steps inside it belong to it. Nested calls (the
  // runtime's own, inside the user's) are counted, not recorded.
  virtual void enter_call(const char *name, const SimSite &site) = 0;
  virtual void leave_call() = 0;
  // The running code wakes or schedules coroutine `coroutine` (aio_co_wake, aio_co_schedule, a queue's wake-up).
  virtual void note_wake(uint64_t coroutine) = 0;
  // A name for object `object` or coroutine `coroutine` of this run, for traces (copied).
  virtual void name_object(uint64_t object, const char *name) = 0;
  virtual void name_coroutine(uint64_t coroutine, const char *name) = 0;

  // An access of corosim::var `object` (corosim/var.hpp) by the calling sim thread, from `site`: the engine checks
  // it for a data race with the accesses before it (happens-before) and fails the run if it finds one. Not a
  // scheduling point (var_steps adds one before it).
  virtual void var_access(uint64_t object, bool write, const SimSite &site) = 0;
  // The calling sim thread acquired or released `object` (a lock taken, a lock given back, an atomic
  // read-modify-write that wrote), for the race detection's happens-before: the points where the outcome of the
  // operation is known, which the scheduling point before it cannot know (a try_lock or compare-exchange that
  // fails synchronises with nothing). Called only while set_sim_race_tracking is on.
  virtual void acquired(uint64_t object) = 0;
  virtual void released(uint64_t object) = 0;
  // An operation of the runtime's own that is not a scheduling point under the api granularity (an atomic, an
  // uncontended lock), for the race detection's happens-before as schedule_point would have had it. Called only
  // while set_sim_race_tracking is on.
  virtual void quiet_step(SimOp op, uint64_t object) = 0;

  // The calling sim thread's number: 0 for the run's main thread, then 1, 2, ... in creation order.
  virtual uint32_t current_thread() const noexcept = 0;

  // Starts a sim thread running fn(arg); returns its number. It first runs when the scheduler picks it.
  virtual uint32_t spawn(void (*fn)(void *), void *arg) = 0;
  // Parks the caller until sim thread `thread` has finished.
  virtual void join(uint32_t thread) = 0;

  // Parks the calling sim thread until ready(arg) or the virtual clock reaches deadline_ns (-1: never). `op` and
  // `object` name what it waits on (trace, deadlock report); for a lock, `holder` is the lock's record of who holds
  // it, read if the run gets stuck (it must stay valid while the thread is parked). Parking is itself a step: the
  // scheduler chooses the next thread even if ready(arg) already holds. The caller re-checks its condition after
  // it returns.
  virtual void park(bool (*ready)(void *), void *arg, int64_t deadline_ns, SimOp op, uint64_t object,
                    const SimHolder *holder = nullptr) = 0;

  // A number in [0, n) for a choice that is not a thread (which of several timers due at the same instant fires
  // first): the strategy's (Strategy::next_number), recorded in the run's decisions and trace hash. n > 1.
  virtual uint64_t choose(uint64_t n) = 0;

  // The virtual clock, in nanoseconds (all clocks are this one clock in the simulator).
  virtual int64_t now_ns() const noexcept = 0;

  // Registers fn(arg) to run when the calling sim thread ends (in reverse order of registration).
  virtual void at_thread_exit(void (*fn)(void *), void *arg) = 0;

  // Runtime misuse (detail::misuse) inside a run: the engine fails the run with `message` and does not return.
  [[noreturn]] virtual void misuse(const char *message) = 0;

  // A SIGSEGV at `address`, from the runtime's fault handler (on the alternate signal stack), in a sim thread. If
  // the address is in the guard page of a stack the engine made (a sim thread's own), or `coroutine` is not 0 (the
  // runtime found it in that coroutine's guard page), the engine fails the run as a stack overflow and does not
  // return; otherwise the engine may end the process after reporting it (an exploration in this process does), or
  // return, and the runtime's handler hands the fault on.
  virtual void stack_fault(uintptr_t address, uint64_t coroutine) = 0;
};

// Installs the engine (nullptr: none). Also routes the runtime's misuse reports to it while it runs a sim thread.
void set_sim_engine(SimEngine *engine) noexcept;
SimEngine *sim_engine() noexcept;

// Whether the engine records a readable trace (values, sites, calls, wake-ups): the platform calls the engine's
// note_* functions only then, so that a run without a trace pays one test of a flag for them.
void set_sim_tracing(bool on) noexcept;

// The api granularity (sim/executor.hpp, Granularity::api): the runtime's own atomics and its uncontended locks
// are not scheduling points; the user's atomics, locks and threads, the coroutine lock and queue operations
// (SimOp::api_call), blocking operations, notifiers and polls are. Off: every platform operation is one.
void set_sim_api_granularity(bool on) noexcept;

// Whether the engine tracks happens-before for corosim::var (from a run's first var access): the platform then
// reports the synchronising operations that are not scheduling points (SimEngine::acquired, released).
void set_sim_race_tracking(bool on) noexcept;

// --- per-sim-thread storage (used by the engine and by platform/sim.hpp) ---

// A sim thread's ThreadLocal values: one slot per ThreadLocal<T> type, made on first use in that thread. A value's
// memory stays with the storage when the value is destroyed (clear()), and the next value of that type is made in
// it: a sim thread record the engine reuses run after run allocates nothing for its values.
class SimThreadStorage {
 public:
  SimThreadStorage() = default;
  SimThreadStorage(const SimThreadStorage &) = delete;
  SimThreadStorage &operator=(const SimThreadStorage &) = delete;
  ~SimThreadStorage();

  void *slot(std::size_t index) {
    if (index < size_ && slots_[index].value) return slots_[index].value;
    return make_slot(index);
  }
  // The value in slot `index`, or nullptr if none was made since the last clear().
  void *find(std::size_t index) const noexcept { return index < size_ ? slots_[index].value : nullptr; }
  // Destroys every value, keeping the table and the values' memory.
  void clear() noexcept;

 private:
  struct Slot {
    void *memory = nullptr;  // the type's block, kept across clear()
    void *value = nullptr;   // invariant: nullptr or memory (a value lives in it)
  };
  void *make_slot(std::size_t index);
  Slot *slots_ = nullptr;
  std::size_t size_ = 0;
};

// The storage ThreadLocal reads: the running sim thread's. The engine sets it whenever it switches sim threads
// (nullptr: the host's own storage, used outside runs).
void set_sim_thread_storage(SimThreadStorage *storage) noexcept;

// --- the run heap (platform/sim_heap.cpp): how an abandoned run is torn down without leaking ---
//
// A failed run is abandoned where it stands (a sim thread blocked forever, a misuse in the middle of a lock):
// the frames on its sim threads' and coroutines' stacks never run again, so nothing they own would ever be
// freed. The sim build therefore replaces the global operator new/delete (plain malloc/free underneath, so blocks
// may cross to and from other allocators built on malloc): while recording is on (the engine turns it on while
// a sim thread runs, on the OS thread that runs the simulation), every block allocated is remembered as the
// run's, and deleting it forgets it. When a run is abandoned, sim_heap_release_run() frees what is still
// remembered (without running destructors: the objects are garbage of a run that will never continue). After a
// run that ended normally, what is left (function-local statics first used in the run, or the scenario's own
// leaks) is adopted: it becomes ordinary memory (sim_heap_adopt_run).
//
// What the engine and the platform allocate for themselves while a sim thread runs (sim thread records, the
// notifier table) must outlive any run: they allocate inside a SimHostHeap scope, which turns recording off.
// Memory from malloc (not operator new) and mapped coroutine stacks are not recorded: the runtime reaps the
// stacks itself (sim_runtime.hpp).
void sim_heap_record(bool on) noexcept;
bool sim_heap_recording() noexcept;
std::size_t sim_heap_release_run() noexcept;  // frees every block of the run; returns how many
std::size_t sim_heap_adopt_run() noexcept;    // forgets them, keeping the blocks; returns how many

class SimHostHeap {
 public:
  SimHostHeap() noexcept : was_(sim_heap_recording()) { sim_heap_record(false); }
  ~SimHostHeap() { sim_heap_record(was_); }
  SimHostHeap(const SimHostHeap &) = delete;
  SimHostHeap &operator=(const SimHostHeap &) = delete;

 private:
  bool was_;
};

}  // namespace corosim::platform
