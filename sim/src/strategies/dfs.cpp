// Bounded exhaustive search: depth-first over the tree of choices, each execution one path, with a preemption
// bound (iterative context bounding, Musuvathi and Qadeer, PLDI 2007: most concurrency bugs need few
// preemptions, and the number of schedules with at most b preemptions grows polynomially in the run length,
// not exponentially).
//
// A preemption is choosing another thread while the thread that ran the previous step is still enabled.
// Switching after it blocked or finished is free. Once an execution has used up the bound, the running thread
// keeps running while it is enabled; every other alternative is pruned.
//
// The tree: a choice point is a next_thread call with more than one permitted thread, or a next_number call with
// n > 1. The stack holds the choice points of the current path, each with the alternative taken. Alternatives are
// ordered running-thread-first (no preemption), then the other enabled threads ascending; numbers 0, 1, ..., n-1.
// An execution follows the stack as a prefix, then always takes alternative 0 and pushes new choice points.
// After it, the deepest choice point with alternatives left moves to its next one; everything below it is
// dropped; when none is left the space is exhausted. Each permitted schedule thus runs exactly once, provided the
// program is deterministic: the same choices must lead to the same choice points. When a prefix does not repeat,
// mismatch() says so (a nondeterministic program, or one that reads state left by the previous execution).

#include <algorithm>
#include <cassert>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class Dfs final : public Strategy {
 public:
  explicit Dfs(unsigned preemption_bound) : bound_(preemption_bound) {}

  StrategySpec spec() const override { return {"dfs", {{"preemptions", std::to_string(bound_)}}}; }
  bool exhausted() const noexcept override { return exhausted_; }

 private:
  struct ChoicePoint {
    Decision::Kind kind;
    std::uint64_t count;   // alternatives: permitted threads, or n for a number
    std::uint64_t chosen;  // invariant: chosen < count
  };

  void on_begin(std::uint64_t) override {
    depth_ = 0;
    preemptions_ = 0;
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) override {
    // Forced: one enabled thread, or the bound is used up and the running thread goes on. Not a choice point.
    if (enabled.size() == 1) return enabled.front();
    if (running && preemptions_ == bound_) return *running;
    // invariant: the bound is never exceeded.
    assert(preemptions_ < bound_ || !running);
    const std::uint64_t index = visit(Decision::Kind::thread, enabled.size());  // 0 after a mismatch
    const ThreadId chosen = running_first(enabled, running, index);
    if (running && chosen != *running) ++preemptions_;
    return chosen;
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : visit(Decision::Kind::number, n); }

  void on_end() override {
    if (depth_ < stack_.size() && mismatch().empty())
      set_mismatch("dfs: the program is not deterministic: the run ended before choice point " +
                   std::to_string(depth_ + 1) + ", which the same choices reached before");
    stack_.resize(depth_);  // after a mismatch: forget what this execution did not confirm
    while (!stack_.empty() && stack_.back().chosen + 1 == stack_.back().count) stack_.pop_back();
    if (stack_.empty())
      exhausted_ = true;
    else
      ++stack_.back().chosen;
  }

  // The alternative to take at the next choice point, which has `count` alternatives of `kind`: the stack's
  // while following the prefix, else 0 on a new choice point.
  std::uint64_t visit(Decision::Kind kind, std::uint64_t count) {
    assert(depth_ <= stack_.size());
    if (depth_ == stack_.size()) {
      stack_.push_back({kind, count, 0});
      ++depth_;
      return 0;
    }
    const ChoicePoint &point = stack_[depth_];
    if (point.kind != kind || point.count != count) {
      set_mismatch("dfs: the program is not deterministic: choice point " + std::to_string(depth_ + 1) + " was " +
                   describe(point.kind, point.count) + " and is now " + describe(kind, count));
      return 0;
    }
    assert(point.chosen < point.count);
    ++depth_;
    return point.chosen;
  }

  static std::string describe(Decision::Kind kind, std::uint64_t count) {
    return kind == Decision::Kind::thread ? "a choice among " + std::to_string(count) + " threads"
                                          : "a number below " + std::to_string(count);
  }

  const unsigned bound_;
  std::vector<ChoicePoint> stack_;  // the current path's choice points, root first
  std::size_t depth_ = 0;           // choice points visited by the open execution; invariant: <= stack_.size()
  unsigned preemptions_ = 0;        // preemptions taken by the open execution; invariant: <= bound_
  bool exhausted_ = false;
};

}  // namespace

ThreadId running_first(std::span<const ThreadId> enabled, std::optional<ThreadId> running, std::uint64_t index) {
  if (!running) return enabled[index];
  if (index == 0) return *running;
  const auto running_at =
      static_cast<std::uint64_t>(std::lower_bound(enabled.begin(), enabled.end(), *running) - enabled.begin());
  return enabled[index - 1 < running_at ? index - 1 : index];
}

std::unique_ptr<Strategy> make_dfs(unsigned preemption_bound) { return std::make_unique<Dfs>(preemption_bound); }

}  // namespace corosim::sim::strategies
