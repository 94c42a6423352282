// The exploration loop (explore.hpp): one strategy object, execution seeds derived from the first seed, stop at
// the first failure, at the end of the budget (executions or wall time), or when DFS has exhausted its space. With
// jobs > 0 the same loop runs in worker processes (workers.cpp).

#include <corosim/sim/explore.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <corosim/sim/random.hpp>

#include "explore_impl.hpp"

namespace corosim::sim {

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

namespace detail {

Failure make_failure(const ExploreOptions &options, RunResult result, std::uint64_t seed, StrategySpec after,
                     std::uint64_t index, std::uint64_t shard_index, std::uint64_t shard_count) {
  Failure f;
  f.scenario = options.scenario;
  f.run_options = options.run_options;
  f.strategy = std::move(after);
  f.seed = seed;
  f.execution = index;
  f.exploration = ExplorationOrigin{parse_strategy(options.strategy).value(), options.first_seed, shard_index,
                                    shard_count, options.execution_timeout_s};
  f.result = std::move(result);
  return f;
}

namespace {

// The in-process back-end's guard against an execution that never ends (explore.hpp, execution_timeout_s): a thread
// that wakes every 100 ms and looks at the execution the loop last started. It reads only the two atomics below and
// the options, which the loop does not change, so it needs no lock with the (stuck) exploring thread.
class Watchdog {
 public:
  explicit Watchdog(const ExploreOptions &options) : options_(options) {
    if (options.execution_timeout_s > 0) thread_ = std::thread([this] { watch(); });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  Watchdog(const Watchdog &) = delete;
  Watchdog &operator=(const Watchdog &) = delete;

  void started(std::uint64_t index) {
    since_.store(wall_seconds());
    index_.store(index);
  }

 private:
  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    std::uint64_t seen = kNone;
    double seen_since = 0;
    while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return done_; })) {
      const std::uint64_t index = index_.load();
      const double since = since_.load();
      if (index != seen || since != seen_since) {
        seen = index;
        seen_since = since;
      } else if (index != kNone && wall_seconds() - since > options_.execution_timeout_s) {
        overrun(index);
      }
    }
  }

  [[noreturn]] void overrun(std::uint64_t index) {
    RunResult stuck;
    stuck.status = RunStatus::timeout;
    stuck.message = timeout_message(options_.execution_timeout_s);
    const std::uint64_t seed = execution_seed(options_.first_seed, index);
    const Failure f = make_failure(options_, std::move(stuck), seed, parse_strategy(options_.strategy).value(),
                                   index, options_.shard_index, options_.shard_count);
    if (options_.on_timeout)
      options_.on_timeout(f);
    else
      std::fprintf(stderr, "corosim: %s: execution %llu (seed %s) %s\n", f.scenario.c_str(),
                   static_cast<unsigned long long>(index + 1), format_hex64(seed).c_str(), f.result.message.c_str());
    std::fflush(nullptr);
    std::_Exit(1);
  }

  static constexpr std::uint64_t kNone = UINT64_MAX;
  const ExploreOptions &options_;
  std::atomic<std::uint64_t> index_{kNone};
  std::atomic<double> since_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace

std::string timeout_message(double limit_s) {
  char text[200];
  std::snprintf(text, sizeof text,
                "the execution ran for more than %g s of wall time (code that never reaches a scheduling point: a "
                "loop on a plain variable, a std::mutex locked twice?)",
                limit_s);
  return text;
}

ExploreResult explore_in_process(const std::function<void()> &body, const ExploreOptions &options) {
  const std::unique_ptr<Strategy> made = make_strategy(options.strategy).value();  // checked by explore()
  Watchdog watchdog(options);
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
    if (options.before_execution && !options.before_execution(index)) {
      out.stopped = true;
      break;
    }
    const std::uint64_t seed = execution_seed(options.first_seed, index);
    watchdog.started(index);
    RunResult result = run_once(body, strategy, seed, options.run_options);
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
      options.progress(ExploreProgress{out.executions, 0, elapsed,
                                       elapsed > 0 ? static_cast<double>(out.executions) / elapsed : 0.0});
    }
  }
  // DFS may finish its space with the last permitted execution: say so even when `schedules` ended the loop.
  out.exhausted = !out.failure && strategy.exhausted();
  out.wall_s = clock() - start;
  return out;
}

}  // namespace detail

unsigned worker_processes(const ExploreOptions &options) {
  if (options.jobs == 0) return 0;
  const std::uint64_t share = options.schedules > options.shard_index
                                  ? (options.schedules - options.shard_index - 1) / options.shard_count + 1
                                  : 0;
  return static_cast<unsigned>(std::clamp<std::uint64_t>(share, 1, options.jobs));
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
  // DFS's executions continue each other (its space is walked in order): a shard or a worker cannot skip the
  // others'.
  if (spec.value().name == "dfs" && options.shard_count > 1)
    return Error{"dfs cannot be sharded: each of its executions depends on the ones before it"};
  if (spec.value().name == "dfs" && options.jobs > 1)
    return Error{"dfs cannot run in " + std::to_string(options.jobs) +
                 " worker processes: each of its executions depends on the ones before it (use 1)"};
  if (spec.value().name == "replay") return Error{"an exploration cannot use the replay strategy"};
  if (!std::isfinite(options.execution_timeout_s) || options.execution_timeout_s < 0)
    return Error{"the execution timeout must be a number of seconds, 0 or more"};
  if (options.jobs == 0) return detail::explore_in_process(body, options);
  ExploreOptions capped = options;
  capped.jobs = worker_processes(options);
  return detail::explore_in_workers(body, capped);
}

}  // namespace corosim::sim
