#pragma once
// The two back-ends of sim::explore (explore.hpp): the loop in this process (explore.cpp) and worker processes
// (workers.cpp), which run that same loop on their shares. Internal to sim/.

#include <cstdint>
#include <functional>
#include <string>

#include <corosim/sim/explore.hpp>

namespace corosim::sim::detail {

// The failure of execution `index`, run with `seed` by the process that explored shard (shard_index, shard_count)
// of `options`; `after` is the strategy's spec after the run (PCT: with the k it used).
Failure make_failure(const ExploreOptions &options, RunResult result, std::uint64_t seed, StrategySpec after,
                     std::uint64_t index, std::uint64_t shard_index, std::uint64_t shard_count);

// What the progress callback is told: the counts, and the totals and rate that come from the options.
ExploreProgress progress_of(const ExploreOptions &options, std::uint64_t executions, std::uint64_t failures,
                            double elapsed_s);

// The SIGINT or SIGTERM that asked an exploration with stop_on_signals to stop; 0 while none has.
int stop_signal() noexcept;

// The resident memory of process `pid`, in MiB (0 if it cannot be read).
std::uint64_t resident_mib(int pid);
// What an execution past the memory limit says (both back-ends).
std::string out_of_memory_message(std::uint64_t limit_mib);

struct StepBeacon;
// What a timed-out execution's failure says (both back-ends): the limit, and the thread the beacon names.
std::string timeout_message(double limit_s, const StepBeacon &beacon);

// Writes all of `text` to `fd` (retrying short writes); gives up silently when the reader is gone.
void write_all(int fd, const std::string &text);
// How a child process that did not report ended (waitpid's status): the signal that killed it, or its exit.
std::string describe_death(int status);

// The loop, in this process, on an options.strategy that has been checked. `guarded`: with the in-process guard
// (explore.hpp, on_fatal) against timeouts, exit() and fatal signals; a worker process runs without it, since its
// explorer watches the time and reports its death.
ExploreResult explore_in_process(const std::function<void()> &body, const ExploreOptions &options,
                                 bool guarded = true);

// The same exploration in options.jobs worker processes. Error (one line): the system refused a process, pipe or
// mapping; a worker reported an exception from the body or sent something that does not parse.
Result<ExploreResult> explore_in_workers(const std::function<void()> &body, const ExploreOptions &options);

}  // namespace corosim::sim::detail
