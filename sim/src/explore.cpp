// The exploration loop (explore.hpp): one strategy object, execution seeds derived from the first seed, stop at
// the first failure, at the end of the budget (executions or wall time), or when DFS has exhausted its space.

#include <corosim/sim/explore.hpp>

#include <chrono>
#include <string>
#include <utility>

#include <corosim/sim/random.hpp>

namespace corosim::sim {

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Result<ExploreResult> explore(const std::function<void()> &body, const ExploreOptions &options) {
  auto made = make_strategy(options.strategy);
  if (!made) return Error{made.error()};
  Strategy &strategy = *made.value();
  if (options.shard_count == 0 || options.shard_index >= options.shard_count)
    return Error{"shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
                 " does not exist (shards are I/N with 0 <= I < N)"};
  // DFS's executions continue each other (its space is walked in order): a shard cannot skip the others'.
  if (options.shard_count > 1 && strategy.spec().name == "dfs")
    return Error{"dfs cannot be sharded: each of its executions depends on the ones before it"};

  const std::function<double()> clock = options.wall_clock ? options.wall_clock : wall_seconds;
  const double start = clock();
  double last_report = start;

  ExploreResult out;
  bool first = true;
  // index += shard_count below never wraps: the loop ends first when fewer than shard_count indices are left.
  for (std::uint64_t index = options.shard_index; index < options.schedules;
       index = options.schedules - index > options.shard_count ? index + options.shard_count : options.schedules) {
    if (strategy.exhausted()) {
      out.exhausted = true;
      break;
    }
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
    RunResult result = run_once(body, strategy, seed, options.run_options);
    if (result.status == RunStatus::exhausted) {  // begin_execution refused: nothing ran
      out.exhausted = true;
      break;
    }
    ++out.executions;
    if (!result.ok()) {
      // spec() after end_execution describes the execution that just ended (strategy.hpp): PCT's k is the one
      // this run used, not the estimate the next one would use.
      out.failure = ExploreFailure{std::move(result), seed, strategy.spec(), index};
      break;
    }
    if (options.progress) {
      const double now = clock();
      if (now - last_report >= options.progress_interval_s) {
        last_report = now;
        const double elapsed = now - start;
        options.progress(ExploreProgress{out.executions, 0, elapsed,
                                         elapsed > 0 ? static_cast<double>(out.executions) / elapsed : 0.0});
      }
    }
  }
  // DFS may finish its space with the last permitted execution: say so even when `schedules` ended the loop.
  if (!out.failure && strategy.exhausted()) out.exhausted = true;
  out.wall_s = clock() - start;
  return out;
}

}  // namespace corosim::sim
