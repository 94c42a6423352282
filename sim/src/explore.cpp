// The exploration loop (explore.hpp): one strategy object, execution seeds derived from the first seed, stop at
// the first failure, at the end of the budget (executions or wall time), or when DFS has exhausted its space. With
// jobs > 0 the same loop runs in worker processes (workers.cpp).

#include <corosim/sim/explore.hpp>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <corosim/sim/random.hpp>

#include "hooks.hpp"
#include "explore_impl.hpp"

namespace corosim::sim {

std::optional<double> ExploreProgress::fraction() const {
  std::optional<double> f;
  if (total > 0) f = std::min(1.0, static_cast<double>(executions) / static_cast<double>(total));
  if (budget_s > 0) f = std::max(f.value_or(0.0), std::min(1.0, elapsed_s / budget_s));
  return f;
}

std::optional<double> ExploreProgress::seconds_left() const {
  std::optional<double> left;
  if (total > 0 && runs_per_s > 0)
    left = static_cast<double>(total > executions ? total - executions : 0) / runs_per_s;
  if (budget_s > 0) left = std::min(left.value_or(budget_s), std::max(0.0, budget_s - elapsed_s));
  return left;
}

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

namespace detail {

ExploreProgress progress_of(const ExploreOptions &options, std::uint64_t executions, std::uint64_t failures,
                            double elapsed_s) {
  ExploreProgress p{executions, failures, elapsed_s, elapsed_s > 0 ? static_cast<double>(executions) / elapsed_s : 0};
  p.total = options.schedules == UINT64_MAX ? 0 : share_executions(options);
  p.budget_s = options.time_budget_s;
  return p;
}

Failure make_failure(const ExploreOptions &options, RunResult result, std::uint64_t seed, StrategySpec after,
                     std::uint64_t index, std::uint64_t shard_index, std::uint64_t shard_count) {
  Failure f;
  f.scenario = options.scenario;
  f.run_options = options.run_options;
  f.strategy = std::move(after);
  f.seed = seed;
  f.execution = index;
  f.exploration = ExplorationOrigin{parse_strategy(options.strategy).value(), options.first_seed, shard_index,
                                    shard_count, options.execution_timeout_s, options.max_rss_mb};
  f.result = std::move(result);
  return f;
}

namespace {

// The in-process back-end's guard against what would end the process in the middle of an execution (explore.hpp,
// on_fatal): a watchdog thread for an execution that overruns the timeout, an exit handler for exit() called by
// the explored code, and handlers for the fatal signals (SIGSEGV through the executor's hook, hooks.hpp; the others
// directly). Each reports the execution the loop last started, from the atomics below and the options, which the
// loop does not change: no lock with the exploring thread is needed.
// One guard at a time (explorations are not reentrant): the exit and signal handlers find it through g_guard.
class InProcessGuard {
 public:
  explicit InProcessGuard(const ExploreOptions &options) : options_(options) {
    g_guard.store(this);
    set_step_beacon(&beacon_);
    static const bool exit_hook = std::atexit([] { at_exit(); }) == 0;
    (void)exit_hook;
    set_fatal_fault_hook([](int sig) { on_signal(sig, nullptr, nullptr); });
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (std::size_t k = 0; k < std::size(kFatalSignals); ++k) sigaction(kFatalSignals[k], &sa, &previous_[k]);
    if (options.execution_timeout_s > 0 || options.max_rss_mb > 0) thread_ = std::thread([this] { watch(); });
  }
  ~InProcessGuard() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    for (std::size_t k = 0; k < std::size(kFatalSignals); ++k) sigaction(kFatalSignals[k], &previous_[k], nullptr);
    set_step_beacon(nullptr);
    set_fatal_fault_hook(nullptr);
    g_guard.store(nullptr);
  }
  InProcessGuard(const InProcessGuard &) = delete;
  InProcessGuard &operator=(const InProcessGuard &) = delete;

  void started(std::uint64_t index) {
    since_.store(wall_seconds());
    index_.store(index);
  }
  void finished() { index_.store(kNone); }

 private:
  // Not SIGSEGV: the runtime's handler owns it (hooks.hpp) and hands a fatal one to the hook set above.
  static constexpr int kFatalSignals[] = {SIGBUS, SIGFPE, SIGILL, SIGABRT};

  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    std::uint64_t seen = kNone;
    double seen_since = 0;
    while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return done_; })) {
      const std::uint64_t index = index_.load();
      const double since = since_.load();
      if (index != kNone && options_.max_rss_mb > 0 && resident_mib(::getpid()) > options_.max_rss_mb)
        end_process(RunStatus::out_of_memory, out_of_memory_message(options_.max_rss_mb));
      if (index != seen || since != seen_since) {
        seen = index;
        seen_since = since;
      } else if (index != kNone && options_.execution_timeout_s > 0 &&
                 wall_seconds() - since > options_.execution_timeout_s) {
        end_process(RunStatus::timeout, timeout_message(options_.execution_timeout_s, beacon_));
      }
    }
  }

  static void at_exit() {
    InProcessGuard *guard = g_guard.load();
    if (guard && guard->index_.load() != kNone)
      guard->end_process(RunStatus::crash, "the execution called exit(): the process ended in the middle of it");
  }

  static void on_signal(int sig, siginfo_t *, void *) {
    InProcessGuard *guard = g_guard.exchange(nullptr);  // a second fault, in the report itself, dies plainly
    if (!guard || guard->index_.load() == kNone) {
      signal(sig, SIG_DFL);
      raise(sig);
      return;
    }
    alarm(10);  // the report allocates and writes: if the crash left the heap locked, SIGALRM ends it
    const char *name = strsignal(sig);
    guard->end_process(RunStatus::crash, "killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") +
                                             ") in this process (--jobs isolates a crash in a worker process)");
  }

  // Reports the execution being run as failed with `status` (on_fatal, or one line), then ends the process.
  [[noreturn]] void end_process(RunStatus status, std::string message) {
    const std::uint64_t index = index_.load();
    RunResult ended;
    ended.status = status;
    ended.message = std::move(message);
    const std::uint64_t seed = execution_seed(options_.first_seed, index);
    const Failure f = make_failure(options_, std::move(ended), seed, parse_strategy(options_.strategy).value(),
                                   index, options_.shard_index, options_.shard_count);
    if (options_.on_fatal)
      options_.on_fatal(f);
    else
      std::fprintf(stderr, "corosim: %s: execution %llu (seed %s): %s\n", f.scenario.c_str(),
                   static_cast<unsigned long long>(index + 1), format_hex64(seed).c_str(), f.result.message.c_str());
    std::fflush(nullptr);
    std::_Exit(1);
  }

  static constexpr std::uint64_t kNone = UINT64_MAX;
  static inline std::atomic<InProcessGuard *> g_guard{nullptr};
  const ExploreOptions &options_;
  StepBeacon beacon_;
  std::atomic<std::uint64_t> index_{kNone};
  std::atomic<double> since_{0};
  struct sigaction previous_[std::size(kFatalSignals)] {};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;  // guarded by mutex_
  std::thread thread_;
};

// SIGINT and SIGTERM recorded for the exploration (ExploreOptions::stop_on_signals), their earlier dispositions put
// back when it ends. The handler only stores the signal (async-signal-safe); a second one is taken as "now".
volatile std::sig_atomic_t g_stop_signal = 0;

}  // namespace

class SignalStop {
 public:
  explicit SignalStop(bool active) : active_(active) {
    if (!active_) return;
    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = [](int sig) {
      if (g_stop_signal == 0) {
        g_stop_signal = sig;
        return;
      }
      signal(sig, SIG_DFL);
      raise(sig);
    };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_int_);
    sigaction(SIGTERM, &sa, &previous_term_);
  }
  ~SignalStop() {
    if (!active_) return;
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  SignalStop(const SignalStop &) = delete;
  SignalStop &operator=(const SignalStop &) = delete;

 private:
  bool active_;
  struct sigaction previous_int_ {}, previous_term_ {};
};

int stop_signal() noexcept { return g_stop_signal; }

std::uint64_t resident_mib(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", pid);
  std::FILE *file = std::fopen(path, "r");
  if (!file) return 0;
  unsigned long long size = 0, resident = 0;
  const bool read = std::fscanf(file, "%llu %llu", &size, &resident) == 2;
  std::fclose(file);
  static const auto page = static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
  return read ? resident * page / (1024 * 1024) : 0;
}

std::string out_of_memory_message(std::uint64_t limit_mib) {
  return "the process running the execution went past " + std::to_string(limit_mib) +
         " MiB of resident memory (--max-rss-mb)";
}

std::string timeout_message(double limit_s, const StepBeacon &beacon) {
  char text[300];
  std::snprintf(text, sizeof text,
                "the execution ran for more than %g s of wall time: sim thread %u, let run at step %llu, never reached "
                "another scheduling point (a loop on a plain variable, a std::mutex locked twice?)",
                limit_s, beacon.thread.load(std::memory_order_relaxed),
                static_cast<unsigned long long>(beacon.step.load(std::memory_order_relaxed)));
  return text;
}

ExploreResult explore_in_process(const std::function<void()> &body, const ExploreOptions &options, bool guarded) {
  const std::unique_ptr<Strategy> made = make_strategy(options.strategy).value();  // checked by explore()
  std::optional<InProcessGuard> guard;
  if (guarded) guard.emplace(options);
  Strategy &strategy = *made;
  const std::function<double()> clock = options.wall_clock ? options.wall_clock : wall_seconds;
  const double start = clock();
  double last_report = start;

  ExploreResult out;
  bool first = true;
  // index += shard_count below never wraps: the loop ends first when fewer than shard_count indices are left.
  for (std::uint64_t index = options.shard_index; index < options.schedules;
       index = options.schedules - index > options.shard_count ? index + options.shard_count : options.schedules) {
    if (strategy.exhausted()) break;
    // The budget is checked before every execution but the first: an exploration always runs at least one.
    if (!first && options.time_budget_s > 0 && clock() - start >= options.time_budget_s) {
      out.out_of_time = true;
      break;
    }
    first = false;
    if (options.stop_on_signals && stop_signal() != 0) {
      out.interrupted = stop_signal();
      break;
    }
    if (options.before_execution && !options.before_execution(index)) {
      out.stopped = true;
      break;
    }
    const std::uint64_t seed = execution_seed(options.first_seed, index);
    if (guard) guard->started(index);
    RunResult result = run_once(body, strategy, seed, options.run_options);
    if (guard) guard->finished();
    if (result.status == RunStatus::exhausted) break;  // begin_execution refused: nothing ran
    ++out.executions;
    if (!result.ok()) {
      // spec() after end_execution describes the execution that just ended (strategy.hpp): PCT's k is the one
      // this run used, not the estimate the next one would use.
      out.failure = make_failure(options, std::move(result), seed, strategy.spec(), index, options.shard_index,
                                 options.shard_count);
      break;
    }
    const double now = options.progress ? clock() : 0;
    if (options.progress && now - last_report >= options.progress_interval_s) {
      last_report = now;
      const double elapsed = now - start;
      options.progress(progress_of(options, out.executions, 0, elapsed));
    }
  }
  // DFS may finish its space with the last permitted execution: say so even when `schedules` ended the loop.
  out.exhausted = !out.failure && strategy.exhausted();
  out.wall_s = clock() - start;
  return out;
}

}  // namespace detail

std::uint64_t share_executions(const ExploreOptions &options) {
  return options.schedules > options.shard_index
             ? (options.schedules - options.shard_index - 1) / options.shard_count + 1
             : 0;
}

std::uint64_t share_executions_through(const ExploreOptions &options, std::uint64_t index) {
  return (index - options.shard_index) / options.shard_count + 1;
}

unsigned worker_processes(const ExploreOptions &options) {
  if (options.jobs == 0) return 0;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(share_executions(options), 1, options.jobs));
}

Result<ExploreResult> explore(const std::function<void()> &body, const ExploreOptions &options) {
  auto spec = parse_strategy(options.strategy);
  if (!spec) return Error{spec.error()};
  if (options.shard_count == 0 || options.shard_index >= options.shard_count)
    return Error{"shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
                 " does not exist (shards are I/N with 0 <= I < N)"};
  if (options.jobs > ExploreOptions::kMaxJobs)
    return Error{std::to_string(options.jobs) + " worker processes: at most " +
                 std::to_string(ExploreOptions::kMaxJobs)};
  // A systematic strategy's executions continue each other (its space is walked in order): a shard or a worker
  // cannot skip the others'.
  const std::string &name = spec.value().name;
  if (is_systematic(spec.value()) && options.shard_count > 1)
    return Error{name + " cannot be sharded: each of its executions depends on the ones before it"};
  if (is_systematic(spec.value()) && options.jobs > 1)
    return Error{name + " cannot run in " + std::to_string(options.jobs) +
                 " worker processes: each of its executions depends on the ones before it (use 1)"};
  if (spec.value().name == "replay") return Error{"an exploration cannot use the replay strategy"};
  if (!std::isfinite(options.execution_timeout_s) || options.execution_timeout_s < 0)
    return Error{"the execution timeout must be a number of seconds, 0 or more"};
  const detail::SignalStop signals(options.stop_on_signals);
  if (options.jobs == 0) return detail::explore_in_process(body, options);
  ExploreOptions capped = options;
  capped.jobs = worker_processes(options);
  return detail::explore_in_workers(body, capped);
}

}  // namespace corosim::sim
