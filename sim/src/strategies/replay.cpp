// Replay: gives back a recorded decision list, one decision per recorded choice, in order. Forced choices (one
// enabled thread, a number below 1) were not recorded and are not consumed here either, so the same program
// reproduces the run step for step. A run that asks for something the list does not hold is refused through
// mismatch() with one line, never followed blindly: the code changed, or the schedule belongs to another
// scenario or parameters. The lines say what differs; the caller adds which schedule it was.

#include <algorithm>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class Replay final : public Strategy {
 public:
  explicit Replay(std::vector<Decision> recorded) : recorded_(std::move(recorded)) {}

  StrategySpec spec() const override { return {"replay", {}}; }

 private:
  void on_begin(std::uint64_t) override {
    position_ = 0;
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId>) override {
    if (enabled.size() == 1) return enabled.front();
    const Decision *decision =
        take(Decision::Kind::thread, [&] { return "a thread choice (enabled: " + list(enabled) + ")"; });
    if (!decision) return enabled.front();
    if (!std::binary_search(enabled.begin(), enabled.end(), decision->value)) {
      set_mismatch(where() + " chooses sim thread " + std::to_string(decision->value) +
                   ", which is not enabled in this run (enabled: " + list(enabled) + ")");
      return enabled.front();
    }
    return static_cast<ThreadId>(decision->value);
  }

  std::uint64_t choose_number(std::uint64_t n) override {
    if (n == 1) return 0;
    const Decision *decision = take(Decision::Kind::number, [&] { return "a number below " + std::to_string(n); });
    if (!decision) return 0;
    if (decision->value >= n) {
      set_mismatch(where() + " is the number " + std::to_string(decision->value) +
                   ", but this run asks for a number below " + std::to_string(n));
      return 0;
    }
    return decision->value;
  }

  void on_end() override {
    if (position_ < recorded_.size() && mismatch().empty())
      set_mismatch("the run ended after " + std::to_string(position_) + " of the schedule's " +
                   std::to_string(recorded_.size()) + " decisions");
  }

  // The next recorded decision if it has the kind the run asks for, else nullptr with the mismatch set; `asked()`
  // describes what the run asked for (built only for the message).
  template <class Asked>
  const Decision *take(Decision::Kind kind, Asked asked) {
    if (position_ == recorded_.size()) {
      set_mismatch("the schedule's " + std::to_string(recorded_.size()) +
                   " decisions are used up, but the run asks for " + asked());
      return nullptr;
    }
    const Decision &decision = recorded_[position_++];
    if (decision.kind != kind) {
      set_mismatch(where() + " is " +
                   (decision.kind == Decision::Kind::thread ? "a thread choice" : "a number") +
                   ", but the run asks for " + asked());
      return nullptr;
    }
    return &decision;
  }

  // "decision 5 of 12", naming the decision last taken.
  std::string where() const {
    return "decision " + std::to_string(position_) + " of " + std::to_string(recorded_.size());
  }

  static std::string list(std::span<const ThreadId> enabled) {
    std::string text;
    for (ThreadId t : enabled) text += (text.empty() ? "" : ", ") + std::to_string(t);
    return text;
  }

  const std::vector<Decision> recorded_;
  std::size_t position_ = 0;  // decisions consumed; invariant: <= recorded_.size()
};

}  // namespace

std::unique_ptr<Strategy> make_replay(std::vector<Decision> recorded) {
  return std::make_unique<Replay>(std::move(recorded));
}

}  // namespace corosim::sim::strategies
