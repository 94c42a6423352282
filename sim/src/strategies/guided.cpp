// Guided: a decision list followed as far as it fits, another strategy from there (strategy.hpp, GuidedStrategy).
// Unlike replay, which refuses a run that departs from its schedule, this one never refuses: it notes where the
// run left the script and lets `then` choose from there.

#include <algorithm>
#include <string>

#include "strategies.hpp"

namespace corosim::sim {

GuidedStrategy::GuidedStrategy(std::vector<Decision> script, std::unique_ptr<Strategy> then)
    : script_(std::move(script)), then_(std::move(then)) {}

void GuidedStrategy::on_begin(std::uint64_t seed) {
  position_ = 0;
  left_ = false;
  steps_ = 0;
  diverged_at_.reset();
  divergence_.clear();
  if (!then_->begin_execution(seed)) left_ = true;  // (only an exhausted DFS refuses: never given here)
}

template <class Fits>
const Decision *GuidedStrategy::scripted(Decision::Kind kind, Fits fits) {
  if (left_) return nullptr;
  if (position_ == script_.size()) {  // the run asks for more than the schedule holds: the code changed
    left_ = true;
    diverged_at_ = steps_ == 0 ? 0 : steps_ - 1;
    divergence_ = "the schedule's " + std::to_string(script_.size()) + " decisions are used up, and the run asks "
                  "for more";
    return nullptr;
  }
  const Decision &d = script_[position_++];
  if (d.kind == kind && fits(d.value)) return &d;
  left_ = true;
  diverged_at_ = steps_ == 0 ? 0 : steps_ - 1;
  divergence_ = "decision " + std::to_string(position_) + " of " + std::to_string(script_.size()) + " (" +
                (d.kind == Decision::Kind::thread ? "sim thread " : "number ") + std::to_string(d.value) +
                ") does not fit: the run asks for " +
                (kind == Decision::Kind::thread ? "a thread choice" : "a number") + " there";
  return nullptr;
}

ThreadId GuidedStrategy::choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) {
  ++steps_;
  if (enabled.size() > 1) {
    auto enabled_has = [&](std::uint64_t v) { return std::binary_search(enabled.begin(), enabled.end(), v); };
    const Decision *d = scripted(Decision::Kind::thread, enabled_has);
    if (d) return static_cast<ThreadId>(d->value);
  } else if (!left_) {
    return enabled.front();  // forced, and the script still leads: nothing to ask
  }
  return then_->next_thread(enabled, running, pending_steps());  // also forced steps once it leads: PCT counts them
}

std::uint64_t GuidedStrategy::choose_number(std::uint64_t n) {
  if (n == 1) return 0;
  if (const Decision *d = scripted(Decision::Kind::number, [&](std::uint64_t v) { return v < n; })) return d->value;
  return then_->next_number(n);
}

void GuidedStrategy::on_end() {
  if (!left_ && position_ < script_.size()) {
    diverged_at_ = steps_;
    divergence_ = "the run ended after " + std::to_string(position_) + " of the schedule's " +
                  std::to_string(script_.size()) + " decisions";
  }
  then_->end_execution();
}

}  // namespace corosim::sim
