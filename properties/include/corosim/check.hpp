#pragma once
// Checking a lock: explore many schedules of a fixed contention harness around YOUR lock, and report the first
// one where it lets two holders in at once, deadlocks, loses a wake-up, crashes, misuses the runtime or (when asked)
// lets a waiter be overtaken too often. Link corosim::properties (which brings the simulator).
//
//   struct TicketLock {
//     corosim::atomic<unsigned> next{0}, serving{0};
//     void lock() {                                    // coroutine context
//       const unsigned ticket = next.fetch_add(1);
//       while (serving.load() != ticket) {             // wait our turn, letting the event loop run
//         corosim::aio_co_schedule(corosim::current_context(), corosim::self());
//         corosim::yield();
//       }
//     }
//     void unlock() { serving.fetch_add(1); }
//   };
//
//   corosim::CheckOptions options;
//   options.max_bypass = 4;                                   // check fairness too
//   corosim::CheckResult r = corosim::check_lock<TicketLock>(options);
//   if (!r.ok) {
//     std::puts(r.message.c_str());                           // ends with how to replay it
//     corosim::CheckResult again = corosim::replay_lock<TicketLock>(r.schedule);   // the same failure, again
//   }
//
// The harness (one simulated execution). `contexts` IOThreads (event-loop threads) and `coroutines` contenders,
// contender i living in context i % contexts. Each contender does `iterations` rounds of
//   lock();  [enter: check occupancy]  schedule point  [leave: check occupancy]  unlock();
// so another contender may run while one is inside. For an rwlock each contender is a reader (rdlock) or a writer
// (wrlock) for the whole execution, a mix the execution draws at its start (at least one writer; recorded with its
// other choices, so a replay has the same mix). The main thread waits for every contender to finish. Messages name
// a contender by its coroutine number, as the simulator's deadlock and lost wake-up reports do, with its index
// (0 .. coroutines-1), its role and its context: "coroutine 3 (contender 2, a reader, in context 0)".
//
// Failure kinds (CheckResult::failure_kind) and what the message says:
//   mutual_exclusion  a contender entered while another writer was inside, or a writer while readers were: names
//                     both (and the contexts they run in)
//   starvation        max_bypass > 0 and a waiter was overtaken more than max_bypass times (below): names the
//                     waiter, the contenders that overtook it, and the count
//   deadlock,         nothing can run and contenders wait for each other (deadlock) or for a wake-up nobody will
//   lost_wakeup       send (lost_wakeup): who waits on what
//   misuse            the lock used the runtime wrongly (the runtime's diagnostic)
//   crash, timeout,   the lock crashed the worker process running the execution, ran 60 s of wall time without a
//   stack_overflow    scheduling point, or overflowed a stack; crash and timeout record no schedule
//                     (CheckResult::schedule is empty; the message says how to run the check again up to it)
//   step_limit        the execution ran past its step bound (a livelock)
//   assertion         a sim::fail or sim::check in the lock itself; "exception": an exception escaped it
//   data_race         two accesses of a corosim::var in the lock (corosim/var.hpp), one a write, that nothing
//                     orders: names both
//
// Fairness as bounded bypass. A contender arrives when it calls lock(). It is in line once it has been seen
// suspended inside that lock() call (it yielded to wait: it has taken its place, whatever the lock's queue is).
// Contender C overtakes waiter W when C arrives while W is in line and C acquires the lock before W does. More than
// max_bypass overtakes of one waiter in one lock() call fail the check as `starvation`.
// Why a fair lock never fails: a FIFO lock (a ticket lock, CoMutex) serves waiters in the order in which they took
// their place in line (a ticket lock's fetch_add, CoMutex's push on its waiter list), and a waiter suspends only
// after taking it. So once W counts as in line, any contender C arriving later takes its place after W's and is
// served after W: C cannot overtake W. Overtaking happens only in the arrival race (C arrived after W's call but
// took its place first), and then W was not yet in line when C arrived: not counted. A FIFO lock's counted
// overtakes are 0, so any max_bypass >= 1 passes it; in general, a lock that lets each other contender pass a
// waiter at most once per lock() call (coroutines - 1 overtakes) passes max_bypass >= coroutines - 1. An unfair lock
// (barging, back-off spinning, reader preference) lets the same contender overtake the same waiter again and again.
// The measure assumes what every FIFO lock does: a waiter suspends only after taking its place. A lock whose waiter
// suspends first (hops to another context, sleeps) and takes its place afterwards can be overtaken while it is
// already counted as in line, and may fail a tight bound although it is fair.
// Writer starvation in an rwlock is the same measure: readers that arrive while a writer waits and get in before it
// overtake it (as does a writer that gets in before a waiting reader; a reader getting in beside a waiting reader
// does not: they would not exclude each other, and the waiting one may have been admitted already, its coroutine
// not yet resumed).
//
// Determinism: the same options give the same executions, the same result and the same schedule, in any process.
// CheckResult::schedule is schedule-file text (corosim/sim/schedule.hpp): save it to a file to keep it; it names
// the lock type and the harness parameters, and replay_lock refuses a schedule of another lock or of another kind
// of check with ok = false and one line in `message` (never a crash).
//
// The lock under test may use corosim::atomic, CoQueue, CoMutex, yield, self, aio_co_wake, aio_co_schedule,
// current_context and sleep_ns: everything that is a scheduling point in the simulator. It is default-constructed
// once per execution, inside it.

#include <cstdint>
#include <string>
#include <typeinfo>

namespace corosim {

struct CheckOptions {
  std::string strategy = "pct";  // "random", "pct", "pct:d=N", "pos", "dfs", "dfs:preemptions=N", "ipb", "idb"
  uint64_t seed = 1;             // first seed; executions use seeds derived from it
  uint64_t schedules = 10000;    // executions to try (exhaustive search may finish earlier)
  unsigned contexts = 2;         // event-loop threads the contenders are spread over
  unsigned coroutines = 4;       // contending coroutines
  unsigned iterations = 3;       // lock/unlock rounds per coroutine
  unsigned max_bypass = 0;       // fairness: a waiter overtaken more than this fails; 0 = not checked
  double time_budget_s = 0;      // stop after this much wall time; 0 = no limit
  double shrink_time_s = 10;     // a failure's schedule is shrunk (fewer preemptions and steps, the same failure
                                 // kind) for up to this long before it is returned; 0 = not shrunk
};

struct CheckResult {
  bool ok = false;
  std::string failure_kind;  // "mutual_exclusion", "deadlock", "lost_wakeup", "starvation",
                             // "misuse", "crash", "step_limit", "assertion", "timeout",
                             // "stack_overflow", "leak", "exception", "data_race", "mismatch", "usage"
                             // (see above); empty when ok
  std::string message;       // human-readable: what happened, who waits on what, how to reproduce (when ok: the
                             // schedules run, and whether DFS exhausted its space)
  uint64_t schedules_run = 0;
  std::string schedule;  // a replayable schedule of the failing run (empty when ok)
};

namespace check_detail {

// The lock under test with its type erased: how to make one in place and what its operations are.
struct LockType {
  const std::type_info *type;  // named in schedules (demangled)
  bool rw;                     // rdlock/wrlock/unlock, or lock/unlock
  std::size_t size, align;
  void (*construct)(void *);
  void (*destroy)(void *);
  void (*lock)(void *);    // lock, or wrlock
  void (*rdlock)(void *);  // rwlocks only
  void (*unlock)(void *);
};

template <class L, bool RW>
LockType lock_type() {
  LockType t{&typeid(L),
             RW,
             sizeof(L),
             alignof(L),
             [](void *p) { new (p) L(); },
             [](void *p) { static_cast<L *>(p)->~L(); },
             nullptr,
             nullptr,
             [](void *p) { static_cast<L *>(p)->unlock(); }};
  if constexpr (RW) {
    t.lock = [](void *p) { static_cast<L *>(p)->wrlock(); };
    t.rdlock = [](void *p) { static_cast<L *>(p)->rdlock(); };
  } else {
    t.lock = [](void *p) { static_cast<L *>(p)->lock(); };
  }
  return t;
}

CheckResult check(const LockType &lock, const CheckOptions &options);
CheckResult replay(const LockType &lock, const std::string &schedule, const CheckOptions &options);

}  // namespace check_detail

// Explores options.schedules executions of the harness around a Lock (default-constructible, with coroutine-context
// void lock() and void unlock()). ok: none failed; schedules_run says how many ran, and the message says so and
// whether an exhaustive strategy (dfs) covered its whole space in fewer. Bad options (an unknown
// strategy, zero contexts, coroutines or iterations): ok = false, failure_kind "usage", one line.
template <class Lock>
CheckResult check_lock(const CheckOptions &options = {}) {
  return check_detail::check(check_detail::lock_type<Lock, false>(), options);
}

// The same for a reader-writer lock: rdlock(), wrlock(), unlock().
template <class RwLock>
CheckResult check_rwlock(const CheckOptions &options = {}) {
  return check_detail::check(check_detail::lock_type<RwLock, true>(), options);
}

// Runs the one execution `schedule` (CheckResult::schedule, or a schedule file's text) records, with the harness
// parameters it records; options.max_bypass and the rest are ignored. The result is the same failure again (ok =
// false, the same kind), to debug it. A lock whose code changed since no longer fits the recorded steps: ok =
// false, failure_kind "mismatch", one line (test a fix with check_lock). A schedule that is not one, or that
// belongs to another lock type or check: ok = false, failure_kind "usage", one line.
template <class Lock>
CheckResult replay_lock(const std::string &schedule, const CheckOptions &options = {}) {
  return check_detail::replay(check_detail::lock_type<Lock, false>(), schedule, options);
}
template <class RwLock>
CheckResult replay_rwlock(const std::string &schedule, const CheckOptions &options = {}) {
  return check_detail::replay(check_detail::lock_type<RwLock, true>(), schedule, options);
}

}  // namespace corosim
