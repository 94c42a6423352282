// Tape: the choices of an execution read from a tape that a property-testing library generated, so that the
// library's shrinking shrinks the schedule too (corosim/rapidcheck.hpp). The tape is a list of preemptions:
// entry {gap, choice} lets `gap` choice points go by taking alternative 0, then takes alternative choice % count at
// the next one. Alternatives are ordered as DFS orders them: the thread that ran the previous step first (taking
// it is no preemption), then the other enabled threads ascending; numbers 0 .. n-1. Past the end of the tape every
// choice is alternative 0. So a shorter tape, smaller choices and smaller gaps mean fewer and earlier preemptions:
// what a shrinker moving toward empty and zero produces. The executions are reproduced from their decisions, like
// a replay's (spec "replay").

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class Tape final : public Strategy {
 public:
  explicit Tape(std::vector<TapeEntry> tape) : tape_(std::move(tape)) {}

  StrategySpec spec() const override { return {"replay", {}}; }

 private:
  void on_begin(std::uint64_t) override {
    position_ = 0;
    gone_by_ = 0;
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) override {
    if (enabled.size() == 1) return enabled.front();
    return running_first(enabled, running, next_alternative(enabled.size()));
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : next_alternative(n); }

  void on_end() override {}

  std::uint64_t next_alternative(std::uint64_t count) {
    if (position_ == tape_.size()) return 0;
    const TapeEntry &entry = tape_[position_];
    if (gone_by_ < entry.gap) {
      ++gone_by_;
      return 0;
    }
    ++position_;
    gone_by_ = 0;
    return entry.choice % count;
  }

  const std::vector<TapeEntry> tape_;
  std::size_t position_ = 0;  // the entry in use; invariant: <= tape_.size()
  unsigned gone_by_ = 0;      // choice points let go by under it; invariant: <= its gap
};

}  // namespace

std::unique_ptr<Strategy> make_tape(std::vector<TapeEntry> tape) { return std::make_unique<Tape>(std::move(tape)); }

}  // namespace corosim::sim::strategies

namespace corosim::sim {
std::unique_ptr<Strategy> make_tape_strategy(std::vector<TapeEntry> tape) {
  return strategies::make_tape(std::move(tape));
}
}  // namespace corosim::sim
