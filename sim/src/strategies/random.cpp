// Random walk: at every step, a uniformly random enabled thread; every number uniform below its bound.
// Memoryless across executions: an execution is reproduced by its seed alone ("random").
// Cheap and surprisingly good on small programs, but a bug that needs a long run of one thread (depth > 1 late
// in the run) becomes exponentially unlikely, which is what PCT (pct.cpp) is for.

#include <corosim/sim/random.hpp>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class RandomWalk final : public Strategy {
 public:
  StrategySpec spec() const override { return {"random", {}}; }

 private:
  void on_begin(std::uint64_t seed) override {
    rng_ = Rng(seed);
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId>) override {
    if (enabled.size() == 1) return enabled.front();  // forced: keep the stream for real choices
    return enabled[rng_.below(enabled.size())];
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : rng_.below(n); }

  void on_end() override {}

  Rng rng_{0};
};

}  // namespace

std::unique_ptr<Strategy> make_random() { return std::make_unique<RandomWalk>(); }

}  // namespace corosim::sim::strategies
