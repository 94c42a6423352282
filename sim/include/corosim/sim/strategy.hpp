#pragma once
// Strategies: the one narrow interface through which an execution's choices are made (after Shuttle's Scheduler
// trait and Coyote's strategies). A strategy owns all randomness of a simulated run; the executor asks it two
// questions, "which of these enabled sim threads next?" and "give me a number below n", and every execution
// leaves a list of decisions that replays it exactly.
//
//   strategy string         what it does                                                  file
//   ----------------------  ------------------------------------------------------------  ----------------------
//   random                  uniform choice among the enabled threads at every step        strategies/random.cpp
//   pct[:d=N][,k=N]         PCT, bug depth d (default 3): random priorities, d-1 change    strategies/pct.cpp
//                           points among k estimated steps (Burckhardt et al. 2010)
//   dfs[:preemptions=N]     exhaustive search of all schedules with at most N (default 2)  strategies/dfs.cpp
//                           preemptions; says when the space is exhausted
//   ipb[:preemptions=N]     iterative preemption bounding: every schedule with 0 preemptions, strategies/bounded.cpp
//                           then every one with exactly 1, 2, ... up to N, each once; spec()
//                           names the bound being searched (CHESS)
//   idb[:delays=N]          iterative delay bounding: the same, counting deviations from a     strategies/bounded.cpp
//                           round-robin order (Emmi, Qadeer, Rakamaric 2011)
//   pos                     partial order sampling: random priorities, redrawn only for the    strategies/pos.cpp
//                           threads whose next step conflicts with the one just taken (Yuan,
//                           Yang, Gu 2018); needs the pending steps (next_thread's third
//                           argument)
//   urw                     uniform random walk over interleavings: each thread weighed by   strategies/urw.cpp
//                           the steps it has left, estimated from the previous execution
//                           (as Shuttle's URW); reproduced from its decisions
//   replay                  gives back a recorded decision list, refusing runs that differ strategies/replay.cpp
//   (make_tape_strategy)    follows a generated tape of preemptions (property testing)      strategies/tape.cpp
//   (GuidedStrategy)        follows a decision list as far as it fits, then another          strategies/guided.cpp
//                           strategy (corpus replays that survive code changes)
//
// How the executor drives one (one execution, all on one thread; a Strategy is not thread-safe):
//
//   auto strategy = make_strategy("pct:d=3").value();
//   for (uint64_t i = 0; i < schedules && strategy->begin_execution(execution_seed(first, i)); ++i) {
//     // at every scheduling point, also when one thread is enabled:
//     ThreadId next = strategy->next_thread(enabled_ascending, running_if_still_enabled);
//     // wherever the run needs a choice that is not a thread (equal timer deadlines, latency, a fault):
//     uint64_t k = strategy->next_number(n);
//     // after each call: if (!strategy->mismatch().empty()) stop the run and report the line
//     strategy->end_execution();
//     // the seed + strategy->spec() + strategy->decisions() = the replayable Schedule of that run
//   }
//   // strategy->exhausted(): DFS covered its whole space in strategy->executions() runs
//
// Execution lifecycle (misuse aborts with "corosim: internal error: ..."; it is a bug in the caller):
//
//   | state | begin_execution                     | next_thread / next_number | end_execution |
//   |-------|-------------------------------------|---------------------------|---------------|
//   | idle  | -> open (or false if exhausted)     | misuse                    | misuse        |
//   | open  | misuse                              | a choice (recorded)       | -> idle       |

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/decision.hpp>
#include <corosim/sim/result.hpp>

namespace corosim::sim {

// A strategy by name and parameters, as text: what the CLI takes and what a schedule file stores.
struct StrategySpec {
  std::string name;                               // "random" | "pct" | "dfs" | "ipb" | "idb" | "pos" | "urw" | "replay"
  std::map<std::string, std::string> parameters;  // complete after parse_strategy (defaults filled in)

  // "name" or "name:key=value,key=value" with keys in ascending order; parse_strategy reads it back.
  std::string to_string() const;

  friend bool operator==(const StrategySpec &, const StrategySpec &) = default;
};

// Parses and checks a strategy string (the table above) and fills in defaults: "pct" gives {d: "3"}, "dfs" gives
// {preemptions: "2"}. Bad input (unknown strategy, unknown or repeated parameter, a value that is not an integer
// in range, stray ':' or ',') is an Error with one line naming the strategy and what it accepts.
// Ranges: d in [1, 64] (d = 1: priorities only, no change point); k in [1, 2^32]; preemptions in [0, 1000].
Result<StrategySpec> parse_strategy(std::string_view text);

// The same checks on a spec that arrived as parts (a schedule file). parse_strategy(s) == check_strategy(parts of s).
Result<StrategySpec> check_strategy(StrategySpec spec);

// What an enabled sim thread's next step does, for a strategy that looks at conflicts (pos): the object it touches
// (0: nothing another thread touches) and whether it may change it. Two steps conflict when they touch the same
// object and one of them may change it.
struct PendingStep {
  std::uint64_t object = 0;
  bool writes = true;
};

// Whether a strategy's executions continue the ones before it (dfs, ipb, idb walk one space in order), so that an
// exploration with it cannot be split across worker processes or shards.
bool is_systematic(const StrategySpec &spec);

class Strategy {
 public:
  Strategy(const Strategy &) = delete;
  Strategy &operator=(const Strategy &) = delete;
  virtual ~Strategy() = default;

  // Opens execution number executions() with its seed (in an exploration: execution_seed(first, i), random.hpp;
  // DFS and replay ignore it). Returns false and opens nothing (decisions() keeps the last execution's) when there
  // is nothing left to run (exhausted()). Otherwise clears decisions() and mismatch(). Misuse: an execution is
  // already open.
  bool begin_execution(std::uint64_t seed);

  // Which sim thread runs the next step? Ask at every scheduling point of the execution, also when only one
  // thread is enabled: PCT counts steps and DFS counts preemptions.
  //   enabled: the enabled sim threads, ascending, without duplicates, not empty.
  //   running: the thread that ran the previous step if it is still enabled (it is then in `enabled`); nullopt at
  //            the first step and after the previous thread blocked or finished. Choosing another thread while
  //            `running` is set is a preemption.
  // Returns a member of `enabled`. When `enabled` has more than one thread the choice is appended to decisions()
  // as Decision::thread; a forced choice is not recorded (replay knows it too).
  // Misuse: no execution open, `enabled` empty (checked always) or not ascending (debug builds), `running` not in
  // `enabled`.
  //   pending: empty, or the next step of each thread of `enabled`, in the same order (see wants_pending_steps).
  ThreadId next_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running,
                       std::span<const PendingStep> pending = {});

  // Whether this strategy chooses better knowing each enabled thread's next step (next_thread's `pending`). The
  // executor only builds that list for a strategy that asks.
  virtual bool wants_pending_steps() const noexcept { return false; }

  // A number in [0, n) for a choice that is not a thread: which of several timers with equal deadlines fires
  // first, a simulated latency, whether to inject a fault. Recorded as Decision::number when n > 1.
  // DFS explores every value, so keep n small where DFS may run. Misuse: no execution open, n == 0.
  std::uint64_t next_number(std::uint64_t n);

  // Closes the execution: PCT notes its step count for the next estimate, DFS moves to the next unexplored
  // branch, replay checks that no decisions are left over (mismatch()). Misuse: no execution open.
  void end_execution();

  // The decisions of the open execution so far, or of the last one once it ended. Together with the seed and
  // spec() this is the replayable Schedule of the run.
  const std::vector<Decision> &decisions() const noexcept { return decisions_; }

  // Empty, or one line saying why the run stopped fitting what the strategy follows: a replayed schedule that the
  // program does not match, or a DFS prefix the program did not repeat (a nondeterministic program). Once it is
  // set, the execution's remaining next_thread calls return the lowest enabled thread, next_number returns 0 and
  // nothing more is recorded: the executor should stop the run and report the line (`corosim replay`: status 2).
  // The first mismatch of an execution is kept; begin_execution clears it.
  const std::string &mismatch() const noexcept { return mismatch_; }

  // A hint from the executor: thread t has started spinning (its last steps repeat one loop of operations on the
  // same objects: a spin lock, a retry loop that yields). The executor already keeps a spinner out of the choice
  // until the threads it waits for have had a step (executor.cpp, "Fair scheduling"); PCT also drops its priority
  // below every other thread's, as at a change point, so that the thread it waits for runs on instead of sharing
  // steps with it. A pure function of the run so far, so replaying the decisions needs nothing more. Random walk,
  // DFS and replay ignore it.
  virtual void thread_spins(ThreadId) {}

  // True once a systematic strategy has run everything it will (DFS); begin_execution then returns false.
  // Random walk and PCT never exhaust, and neither does replay (it can replay again).
  virtual bool exhausted() const noexcept { return false; }

  // Executions begun so far. After DFS exhausted: the number of executions its space took.
  std::uint64_t executions() const noexcept { return executions_; }

  // The strategy and parameters that, with its seed, reproduce the open execution, or after end_execution the one
  // that just ended (before the first: the first). PCT adds the step estimate k the execution used. DFS executions
  // depend on the executions before them and are reproduced from their decisions only.
  virtual StrategySpec spec() const = 0;

 protected:
  Strategy() = default;

  // The hooks behind the public calls, which have already checked the caller's contract.
  virtual void on_begin(std::uint64_t seed) = 0;
  virtual ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) = 0;
  virtual std::uint64_t choose_number(std::uint64_t n) = 0;
  virtual void on_end() = 0;

  // For a strategy that follows a script: the run no longer fits it. The first line of an execution is kept.
  void set_mismatch(std::string line);

  // Inside choose_thread: next_thread's `pending` (empty when the caller did not give it).
  std::span<const PendingStep> pending_steps() const noexcept { return pending_; }

 private:
  std::vector<Decision> decisions_;
  std::string mismatch_;
  std::span<const PendingStep> pending_;  // valid during choose_thread only
  std::uint64_t executions_ = 0;
  bool open_ = false;
};

// Makes a strategy from its string (parse_strategy). `recorded` is the decision list that "replay" gives back
// (usually Schedule::decisions); any other strategy refuses a non-empty one. Bad input is one line of Error.
Result<std::unique_ptr<Strategy>> make_strategy(std::string_view text, std::vector<Decision> recorded = {});

// One preemption of a tape (make_tape_strategy): let `gap` choice points go by without one, then take alternative
// `choice` (modulo the alternatives there) at the next.
struct TapeEntry {
  std::uint8_t gap = 0;
  std::uint8_t choice = 0;
  friend bool operator==(const TapeEntry &, const TapeEntry &) = default;
};

// A strategy whose choices come from `tape`, for a property-testing library that generates the schedule and
// shrinks it (corosim/rapidcheck.hpp): alternative 0 at a thread choice is the thread that ran the previous step
// (no preemption), then the other enabled threads ascending; past the end of the tape every choice is 0. Every
// execution follows the same tape. Its runs are reproduced from their decisions (spec() is "replay").
std::unique_ptr<Strategy> make_tape_strategy(std::vector<TapeEntry> tape);

// A decision list followed as far as it fits the run, then another strategy (`then`): what `corosim ci` replays
// its corpus with, so that a schedule recorded before the code changed still steers the run as far as it can and
// is never refused. A scripted decision fits a choice point when it is of the kind asked (thread or number) and its
// value is enabled there (a thread) or in range (a number). From the first that does not (a misfit), or the first
// choice past the end of the script, `then` makes every choice. diverged_at_step() says where the run left the
// script: there, or at its end if it ended with scripted decisions left over. Every choice made is recorded
// (decisions()), whoever made it, so the run replays exactly with make_strategy("replay", decisions()); spec()
// is "replay".
class GuidedStrategy final : public Strategy {
 public:
  GuidedStrategy(std::vector<Decision> script, std::unique_ptr<Strategy> then);

  StrategySpec spec() const override { return {"replay", {}}; }
  bool wants_pending_steps() const noexcept override { return then_->wants_pending_steps(); }

  // The step (0-based, counting every scheduling point as the trace numbers them) where the open or last execution
  // left the script; nullopt while it follows it. A run that ended with scripted decisions left: its step count.
  std::optional<std::uint64_t> diverged_at_step() const noexcept { return diverged_at_; }
  // Why it left (one line); empty while it follows the script.
  const std::string &divergence() const noexcept { return divergence_; }

 private:
  void on_begin(std::uint64_t seed) override;
  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) override;
  std::uint64_t choose_number(std::uint64_t n) override;
  void on_end() override;
  // The next scripted decision if it fits (its kind, and a value `fits` accepts); else nullptr, and the script is
  // left for good if it was a misfit.
  template <class Fits>
  const Decision *scripted(Decision::Kind kind, Fits fits);

  const std::vector<Decision> script_;
  const std::unique_ptr<Strategy> then_;
  std::size_t position_ = 0;  // scripted decisions consumed; invariant: <= script_.size()
  bool left_ = false;         // a misfit happened: the script is no longer read
  std::uint64_t steps_ = 0;   // next_thread calls of this execution: the step being decided is steps_ - 1
  std::optional<std::uint64_t> diverged_at_;
  std::string divergence_;
};

}  // namespace corosim::sim
