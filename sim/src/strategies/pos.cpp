// POS, partial order sampling (Yuan, Yang and Gu, "Partial Order Aware Concurrency Sampling", CAV 2018).
//
// A random walk picks among the enabled threads uniformly at every step, so it samples interleavings that differ
// only in the order of independent steps (two threads touching different objects) over and over, and with many
// threads a particular order of the few steps that matter becomes rare. POS gives every pending step a random
// priority and runs the highest; after a step it draws fresh priorities only for the next step of the thread
// that ran, and for the pending steps that conflict with the step just taken (the same object, one of them may
// change it: strategy.hpp, PendingStep). Steps that commute with what happened keep their place, so the orders
// of conflicting steps are sampled far more evenly than a random walk does.
//
// Without pending steps from the executor every pair of steps counts as conflicting: every priority is redrawn
// at every step, a random walk. Executions are reproduced by their seed ("pos").

#include <cassert>

#include <corosim/sim/random.hpp>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class Pos final : public Strategy {
 public:
  StrategySpec spec() const override { return {"pos", {}}; }
  bool wants_pending_steps() const noexcept override { return true; }

 private:
  void on_begin(std::uint64_t seed) override {
    rng_ = Rng(seed);
    priority_.clear();
    last_.reset();
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId>) override {
    const std::span<const PendingStep> pending = pending_steps();
    if (last_) {
      redraw(*last_);  // its next step is a new one
      for (std::size_t i = 0; i < enabled.size(); ++i)
        if (enabled[i] != *last_ && (pending.empty() || conflicts(pending[i], last_step_))) redraw(enabled[i]);
    }
    std::size_t best = 0;
    for (std::size_t i = 0; i < enabled.size(); ++i) {
      if (enabled[i] >= priority_.size() || priority_[enabled[i]] == 0) redraw(enabled[i]);
      if (priority_[enabled[i]] > priority_[enabled[best]]) best = i;
    }
    last_ = enabled[best];
    last_step_ = pending.empty() ? PendingStep{} : pending[best];
    return enabled[best];
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : rng_.below(n); }

  void on_end() override {}

  static bool conflicts(const PendingStep &a, const PendingStep &b) {
    return a.object != 0 && a.object == b.object && (a.writes || b.writes);
  }

  // A fresh priority, never 0 (0 marks a thread not seen in this execution). Ties go to the lower thread.
  void redraw(ThreadId t) {
    if (t >= priority_.size()) priority_.resize(t + 1, 0);
    priority_[t] = rng_.next() | 1;
  }

  Rng rng_{0};
  std::vector<std::uint64_t> priority_;  // of each thread's pending step, by ThreadId; 0 = not seen yet
  std::optional<ThreadId> last_;         // the thread that took the previous step
  PendingStep last_step_;                // and what that step was
};

}  // namespace

std::unique_ptr<Strategy> make_pos() { return std::make_unique<Pos>(); }

}  // namespace corosim::sim::strategies
