// URW, a uniform random walk over interleavings (as Shuttle's URW scheduler): at every step, each enabled thread
// is chosen with probability proportional to the number of steps it has left, so that every interleaving of the
// threads' steps is about equally likely. A random walk (random.cpp) instead picks threads uniformly: a thread
// with many steps left (a main thread starting twenty workers) then advances no faster than one about to finish,
// and the interleavings where it runs ahead (all workers started before any gets far) become exponentially rare.
//
// The steps a thread has left are not known before the run: they are estimated from the previous execution of
// the same strategy object (how many steps each thread, by number, took there), less the steps it has taken in this
// one, and at least 1. The first execution, with nothing to go on, counts 1 for every thread: a random walk.
// Because an execution depends on the ones before it, it is reproduced from its decisions (its schedule file), not
// from its seed alone; an exploration is reproduced from its first seed.

#include <corosim/sim/random.hpp>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

class UniformRandomWalk final : public Strategy {
 public:
  StrategySpec spec() const override { return {"urw", {}}; }

 private:
  void on_begin(std::uint64_t seed) override {
    rng_ = Rng(seed);
    taken_.assign(estimate_.size(), 0);
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId>) override {
    ThreadId chosen = enabled.front();
    if (enabled.size() > 1) {
      std::uint64_t total = 0;
      for (ThreadId t : enabled) total += left(t);
      std::uint64_t pick = rng_.below(total);
      for (ThreadId t : enabled) {
        if (pick < left(t)) {
          chosen = t;
          break;
        }
        pick -= left(t);
      }
    }
    if (chosen >= taken_.size()) taken_.resize(chosen + 1, 0);
    ++taken_[chosen];
    return chosen;
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : rng_.below(n); }

  void on_end() override { estimate_ = taken_; }

  // The steps thread t has left, as far as the previous execution tells: at least 1.
  std::uint64_t left(ThreadId t) const {
    const std::uint64_t expected = t < estimate_.size() ? estimate_[t] : 0;
    const std::uint64_t done = t < taken_.size() ? taken_[t] : 0;
    return expected > done ? expected - done : 1;
  }

  Rng rng_{0};
  std::vector<std::uint64_t> estimate_;  // steps per thread in the previous execution, by ThreadId
  std::vector<std::uint64_t> taken_;     // steps per thread in this execution so far
};

}  // namespace

std::unique_ptr<Strategy> make_urw() { return std::make_unique<UniformRandomWalk>(); }

}  // namespace corosim::sim::strategies
