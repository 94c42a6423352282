#pragma once
// The concrete strategies, one file each, reached only through make_strategy (factory.cpp). Parameters arrive
// checked (ranges in strategy.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <corosim/sim/strategy.hpp>

namespace corosim::sim::strategies {

// Alternative `index` of a thread choice, in the order DFS and the tape strategy number them: the thread that ran
// the previous step first (taking it is no preemption), then the other enabled threads ascending.
ThreadId running_first(std::span<const ThreadId> enabled, std::optional<ThreadId> running, std::uint64_t index);

// random.cpp: a uniformly random enabled thread at every step.
std::unique_ptr<Strategy> make_random();

// pct.cpp: PCT with bug depth `depth`; `first_steps_estimate` is k for the first execution (nullopt: the default
// guess, see pct.cpp).
std::unique_ptr<Strategy> make_pct(unsigned depth, std::optional<std::uint64_t> first_steps_estimate);

// dfs.cpp: every schedule with at most `preemption_bound` preemptions, each once.
std::unique_ptr<Strategy> make_dfs(unsigned preemption_bound);

// bounded.cpp: iterative bounding: every schedule of cost 0, then of cost 1, ... up to `max_bound`, each once;
// the cost counts preemptions or delays (deviations from round robin).
enum class BoundKind { preemptions, delays };
std::unique_ptr<Strategy> make_iterative_bounding(BoundKind kind, unsigned max_bound);

// pos.cpp: partial order sampling: random priorities, redrawn for the threads whose next step conflicts with the
// step just taken.
std::unique_ptr<Strategy> make_pos();

// urw.cpp: a random walk that weighs each thread by the steps it has left (estimated from the previous execution).
std::unique_ptr<Strategy> make_urw();

// replay.cpp: gives back `recorded`, reporting where a run does not fit it.
std::unique_ptr<Strategy> make_replay(std::vector<Decision> recorded);

std::unique_ptr<Strategy> make_tape(std::vector<TapeEntry> tape);

}  // namespace corosim::sim::strategies
