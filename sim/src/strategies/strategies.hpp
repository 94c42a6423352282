#pragma once
// The concrete strategies, one file each, reached only through make_strategy (factory.cpp). Parameters arrive
// checked (ranges in strategy.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <corosim/sim/strategy.hpp>

namespace corosim::sim::strategies {

// random.cpp: a uniformly random enabled thread at every step.
std::unique_ptr<Strategy> make_random();

// pct.cpp: PCT with bug depth `depth`; `first_steps_estimate` is k for the first execution (nullopt: the default
// guess, see pct.cpp).
std::unique_ptr<Strategy> make_pct(unsigned depth, std::optional<std::uint64_t> first_steps_estimate);

// dfs.cpp: every schedule with at most `preemption_bound` preemptions, each once.
std::unique_ptr<Strategy> make_dfs(unsigned preemption_bound);

// replay.cpp: gives back `recorded`, reporting where a run does not fit it.
std::unique_ptr<Strategy> make_replay(std::vector<Decision> recorded);

}  // namespace corosim::sim::strategies
