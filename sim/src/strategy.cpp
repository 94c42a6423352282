// The Strategy base: checks the caller's contract around the strategy hooks and records decisions (strategy.hpp).

#include <corosim/sim/strategy.hpp>

#include <algorithm>
#include <cassert>
#include <functional>

#include "check.hpp"

namespace corosim::sim {

bool Strategy::begin_execution(std::uint64_t seed) {
  COROSIM_SIM_CHECK(!open_, "Strategy::begin_execution: an execution is already open");
  if (exhausted()) return false;
  decisions_.clear();
  mismatch_.clear();
  on_begin(seed);
  open_ = true;
  ++executions_;
  return true;
}

ThreadId Strategy::next_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running,
                               std::span<const PendingStep> pending) {
  COROSIM_SIM_CHECK(open_, "Strategy::next_thread: no execution is open");
  COROSIM_SIM_CHECK(!enabled.empty(), "Strategy::next_thread: no sim thread is enabled");
  assert(std::adjacent_find(enabled.begin(), enabled.end(), std::greater_equal<>()) == enabled.end() &&
         "Strategy::next_thread: enabled threads not strictly ascending");
  COROSIM_SIM_CHECK(!running || std::binary_search(enabled.begin(), enabled.end(), *running),
                    "Strategy::next_thread: the running sim thread is not among the enabled ones");
  COROSIM_SIM_CHECK(pending.empty() || pending.size() == enabled.size(),
                    "Strategy::next_thread: pending steps given for some of the enabled threads only");
  if (!mismatch_.empty()) return enabled.front();
  pending_ = pending;
  const ThreadId chosen = choose_thread(enabled, running);
  pending_ = {};
  if (!mismatch_.empty()) return enabled.front();
  // invariant: a strategy only ever runs an enabled thread.
  assert(std::binary_search(enabled.begin(), enabled.end(), chosen));
  if (enabled.size() > 1) decisions_.push_back({Decision::Kind::thread, chosen});
  return chosen;
}

std::uint64_t Strategy::next_number(std::uint64_t n) {
  COROSIM_SIM_CHECK(open_, "Strategy::next_number: no execution is open");
  COROSIM_SIM_CHECK(n > 0, "Strategy::next_number(0): the range is empty");
  if (!mismatch_.empty()) return 0;
  const std::uint64_t chosen = choose_number(n);
  if (!mismatch_.empty()) return 0;
  // invariant: numbers stay in range.
  assert(chosen < n);
  if (n > 1) decisions_.push_back({Decision::Kind::number, chosen});
  return chosen;
}

void Strategy::end_execution() {
  COROSIM_SIM_CHECK(open_, "Strategy::end_execution: no execution is open");
  open_ = false;
  on_end();
}

void Strategy::set_mismatch(std::string line) {
  if (mismatch_.empty()) mismatch_ = std::move(line);
}

}  // namespace corosim::sim
