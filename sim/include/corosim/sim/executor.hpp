#pragma once
// The executor: runs one simulated execution of a scenario body on the sim platform (corosim::runtime_sim),
// asking a Strategy (strategy.hpp) which enabled sim thread runs at every scheduling point.
//
//   auto strategy = make_strategy("pct").value();
//   RunResult r = run_once([] { ... scenario: IOThreads, coroutines, joins ... }, *strategy, seed);
//   // r.status, r.message, r.steps, r.trace_hash, r.decisions
//
// Sim threads are fibers on the calling OS thread (boost.context fcontext, each with its own stack). The body runs
// as sim thread 0 (the main thread); every Platform::Thread it starts (an IOThread, a thread-pool worker) is
// another sim thread, numbered in creation order. A scheduling point switches from whatever stack is running
// (a coroutine's, inside its sim thread) to the scheduler, which asks the strategy and resumes the chosen thread
// where it stopped; the per-sim-thread storage (Platform::ThreadLocal) is switched with it.
//
// A run ends ok when every sim thread has finished and no coroutine is left unfinished. Otherwise (RunStatus):
//   assertion    sim::fail / sim::check in the scenario (a property violation)
//   misuse       the runtime reported misuse (its message); the process does not abort
//   deadlock     no sim thread can run, no timer is pending, and coroutines wait for each other's locks: the
//                message names every coroutine, the lock it waits for, its holder, and the cycle
//   lost_wakeup  the same standstill without a lock cycle: the message names the coroutines nothing can wake
//   leak         every sim thread finished but coroutines did not (suspended forever, or never entered)
//   step_limit   more than RunOptions::max_steps scheduling steps (with StepLimitPolicy::fail; with ::stop the
//                run ends there as ok, truncated)
//   mismatch     the strategy says the run does not follow its script (replay, DFS): Strategy::mismatch()
// A failed run is torn down whole: its coroutines' stacks are unmapped and every block it allocated with operator
// new and did not free is released (the run heap, platform/sim_engine.hpp), without running its destructors.
// The body's own objects may be abandoned in any state. Objects it shares with its caller must be made by the
// caller, outside the run, and reached by reference; and whatever memory they take during the run (a caller's
// std::vector that grows) must be taken in a HostScope, or a failed run would free it under the caller:
//
//   std::vector<int> history;                       // the caller's, read after the run
//   run_once([&] { ...; { sim::HostScope host; history.push_back(x); } ... }, strategy, seed);
//
// Function-local statics first initialised inside a run are built outside the run heap automatically (the sim
// build wraps the C++ ABI's static-initialisation guards), up to a scheduling point inside their initialiser.
//
// Determinism: the trace hash covers (sim thread, operation, object id, running coroutine) of every step, plus
// virtual clock jumps; object and coroutine ids are assigned per run in order of first use (never addresses).
//
// Not reentrant: one run at a time per process. The sim build runs with the coroutine pool off by default (a
// pool carried from one run into the next would change the next run's steps).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/sim/decision.hpp>
#include <corosim/sim/granularity.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

// What reaching RunOptions::max_steps means: a failure (a livelock, or a run far longer than it should be), or
// the end of an exploration that is deliberately bounded: the run stops there and counts as passed
// (RunResult::truncated), as Shuttle's and Coyote's step bounds can be told to.
enum class StepLimitPolicy { fail, stop };

struct RunOptions {
  uint64_t max_steps = 1'000'000;
  StepLimitPolicy on_step_limit = StepLimitPolicy::fail;
  std::size_t stack_bytes = 256 * 1024;  // each sim thread's own stack (coroutines have theirs)
  bool record_trace = false;             // fill RunResult::trace (one TraceEvent per step)
  Granularity granularity = Granularity::full;
};

// How a run ended. One vocabulary everywhere: run_status_name() is what reports print, what JSON summaries carry
// and what a seeded-bug scenario names as its expected failure kind (parse_run_status reads it back).
enum class RunStatus {
  ok,           // "ok"
  assertion,    // "assertion": sim::fail / sim::check, or a GoogleTest assertion, in the body
  misuse,       // "misuse": the runtime reported misuse (message: the runtime's own)
  deadlock,     // "deadlock": nothing can run, no timer pending, threads or coroutines wait for each other's locks
  lost_wakeup,  // "lost_wakeup": nothing can run, no timer pending, and something waits for a wake-up nobody sends
  leak,         // "leak": every sim thread finished, but coroutines were left suspended (never finished)
  step_limit,   // "step_limit": more than RunOptions::max_steps scheduling steps (livelock or a run too long)
  mismatch,     // "mismatch": the strategy's script does not fit the run (a replay of another program, DFS
                //             nondeterminism)
  exhausted,    // "exhausted": the strategy had nothing left to run (DFS); nothing ran
  crash,        // "crash": the worker process running the execution died (explore with jobs); message: how
  exception,    // "exception": an exception escaped a sim thread's function; message: its type and what()
  timeout,      // "timeout": the execution ran past ExploreOptions::execution_timeout_s of wall time (a loop
                //            without a scheduling point?); nothing recorded
  stack_overflow,  // "stack_overflow": a sim thread's stack (RunOptions::stack_bytes) or a coroutine's overflowed
                   //                  into its guard page; the message names which
  out_of_memory,   // "out_of_memory": the process running the execution went past ExploreOptions::max_rss_mb;
                   //                 nothing recorded
  data_race,       // "data_race": two accesses of a corosim::var, one a write, not ordered by happens-before;
                   //              the message names both (corosim/var.hpp)
};
const char *run_status_name(RunStatus status) noexcept;                  // "lost_wakeup", "step_limit", ...
std::optional<RunStatus> parse_run_status(std::string_view name) noexcept;  // the inverse; nullopt if unknown
// The statuses a failure can have (every one but ok, mismatch and exhausted), "assertion, misuse, ...": what a
// seeded-bug scenario may name as its failure kind.
std::string failure_kinds_text();

// One event of the trace. Most are steps: sim thread `thread` was chosen to perform `op` on `object` (a per-run
// object id, 0: none) while coroutine `coroutine` ran in it (0: the sim thread's own stack, no coroutine), at
// virtual time now_ns. Two kinds are not steps (nothing is scheduled, nothing hashed; they come between steps,
// `step` numbering the step after them):
//   call   the user's code called `call` ("CoMutex::lock", "Mutex::lock") at file:line; the steps inside it are
//          the runtime's (user false) and carry the call's name and site
//   wake   the running code woke or scheduled coroutine `object` (aio_co_wake, aio_co_schedule, a queue's wake-up)
// Everything below now_ns is for people (RunOptions::record_trace): the trace hash never includes it.
struct TraceEvent {
  enum class Kind : uint8_t { step, call, wake };

  uint64_t step;
  uint32_t thread;
  uint64_t coroutine;
  platform::SimOp op;
  uint64_t object;
  int64_t now_ns;
  Kind kind = Kind::step;
  // The user's source line: a user step's own (corosim::atomic, schedule_point), or the user call's it is in.
  const char *file = nullptr;  // nullptr: none (a step of the runtime outside any user call)
  uint32_t line = 0;
  bool user = false;           // a step of the user's code, or a call event: what a folded trace shows
  const char *call = nullptr;  // the user call the step is in (a call event: the call); nullptr: none
  platform::SimAccess access = {};  // an atomic step: the value it read or wrote
};

struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string message;  // empty when ok; else what happened, several lines for deadlocks (who waits on what)
  // deadlock: the shape of what is stuck, without ids ("a cycle of 2 coroutines, each waiting for a lock the next
  // holds"): what a shrunk schedule must keep. Empty for every other status.
  std::string shape;
  uint64_t steps = 0;
  uint64_t trace_hash = 0;
  int64_t end_ns = 0;  // the virtual clock at the end of the run
  bool truncated = false;  // stopped at max_steps under StepLimitPolicy::stop (status ok, nothing checked after)
  std::vector<Decision> decisions;
  // The step where the failure showed: the step before a failed check, a misuse or an escaped exception (the
  // failing thread's last), the last step that blocked a thread of a stuck run (with a trace recorded: the last
  // step one of its stuck coroutines took), the last step at the step limit. None when ok, for a leak, and for
  // what recorded nothing.
  std::optional<uint64_t> failing_step;
  std::vector<TraceEvent> trace;  // when RunOptions::record_trace
  // When RunOptions::record_trace: the names given to objects and coroutines (corosim::trace_name), by id.
  std::map<uint64_t, std::string> object_names;
  std::map<uint64_t, std::string> coroutine_names;
  bool ok() const noexcept { return status == RunStatus::ok; }
};

// Runs main_body as sim thread 0 of one execution: strategy.begin_execution(seed) ... end_execution().
// status exhausted: the strategy had nothing left to run (DFS), and nothing ran.
RunResult run_once(std::function<void()> main_body, Strategy &strategy, uint64_t seed, RunOptions options = {});

// While one lives, operator new does not allocate from the run heap: for memory that must outlive the run.
using HostScope = platform::SimHostHeap;

// In a scenario: fails the run with `message` (status assertion). Does not return. Outside a run: aborts.
[[noreturn]] void fail(const std::string &message);
inline void check(bool condition, const char *message) {
  if (!condition) fail(message);
}

// In a scenario: fails the run with `message` (status assertion) at the calling sim thread's next scheduling point,
// or when the run ends if none comes; returns. For code that may not leave where it stands (the GoogleTest
// integration reports an assertion this way: GoogleTest holds a lock while it reports). The first one is kept.
// Outside a run: aborts.
void fail_soon(const std::string &message);

// The running sim thread's number (0 = main, then 1, 2, ... in creation order); UINT32_MAX outside a run.
uint32_t current_sim_thread();

}  // namespace corosim::sim
