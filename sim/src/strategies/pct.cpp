// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
//
// A bug has depth d when d ordering constraints between steps of different threads must hold for it to show (an
// ordering bug has depth 1, most atomicity violations depth 2). With n threads and k steps, one PCT execution
// hits a given depth-d bug with probability at least 1 / (n k^(d-1)), however unlikely the interleaving is under a
// random walk. An execution:
//   1. each thread gets a random priority when it first shows up enabled (together: a uniformly random order);
//   2. d-1 distinct change points are drawn uniformly from the steps 1..k;
//   3. every step runs the highest-priority enabled thread;
//   4. after step c, for each change point c, the thread that ran step c drops below every other thread (later
//      drops go below earlier ones).
// And one addition to the paper's algorithm: a thread the executor sees spinning (Strategy::thread_spins) drops
// the same way, so that a spin loop of the highest-priority thread does not starve the thread it waits for.
// k is not known before the run: the first execution uses an estimate (parameter k, else kFirstStepsGuess) and
// every later one the 95th percentile of the step counts seen so far (the nearest rank: with fewer than 20
// executions, the longest). Not the longest of all: one very long run (a rare livelock, a loop that ran long
// before the step limit) would push the change points past the end of every normal run, and PCT would find
// nothing afterwards. The guarantee above holds for the runs no longer than k, which are 95% of them; the rare
// longer run still gets its d-1 change points, only within its first k steps.
// Reproduction from a seed needs the k an execution used, so spec() reports it ("pct:d=3,k=57").

#include <algorithm>
#include <cassert>
#include <map>

#include <corosim/sim/random.hpp>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

// The step estimate for the first execution when none is given: runs of the built-in scenarios take tens to
// hundreds of steps; a guess that is too large only wastes change points of that one execution.
constexpr std::uint64_t kFirstStepsGuess = 100;

// Priority values, higher runs first. 0 marks a thread not seen yet. Initial priorities have the top bit set;
// dropped threads get kDroppedTop, kDroppedTop - 1, ... so they sit below every initial one and below the
// threads dropped before them.
constexpr std::uint64_t kInitialBit = std::uint64_t{1} << 63;
constexpr std::uint64_t kDroppedTop = kInitialBit - 1;

class Pct final : public Strategy {
 public:
  Pct(unsigned depth, std::uint64_t first_steps_estimate) : depth_(depth), steps_estimate_(first_steps_estimate) {}

  StrategySpec spec() const override {
    return {"pct", {{"d", std::to_string(depth_)}, {"k", std::to_string(steps_estimate_)}}};
  }

 private:
  void on_begin(std::uint64_t seed) override {
    if (executions() > 0) steps_estimate_ = std::max<std::uint64_t>(percentile_steps(), 1);
    rng_ = Rng(seed);
    priority_.clear();
    dropped_ = 0;
    steps_ = 0;
    last_.reset();
    change_points_.clear();
    next_change_ = 0;
    const std::uint64_t count = std::min<std::uint64_t>(depth_ - 1, steps_estimate_);
    while (change_points_.size() < count) {
      const std::uint64_t step = 1 + rng_.below(steps_estimate_);
      if (std::find(change_points_.begin(), change_points_.end(), step) == change_points_.end())
        change_points_.push_back(step);
    }
    std::sort(change_points_.begin(), change_points_.end());
    assert(std::adjacent_find(change_points_.begin(), change_points_.end()) == change_points_.end());
    assert(change_points_.empty() || (change_points_.front() >= 1 && change_points_.back() <= steps_estimate_));
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId>) override {
    ++steps_;
    // invariant: change points not yet applied all lie at or after the previous step.
    assert(next_change_ == change_points_.size() || change_points_[next_change_] + 1 >= steps_);
    if (next_change_ < change_points_.size() && change_points_[next_change_] + 1 == steps_) {
      ++next_change_;
      if (last_) priority_[*last_] = kDroppedTop - dropped_++;
    }
    for (ThreadId t : enabled)
      if (t >= priority_.size() || priority_[t] == 0) assign_priority(t);
    ThreadId best = enabled.front();
    for (ThreadId t : enabled)
      if (priority_[t] > priority_[best]) best = t;
    last_ = best;
    return best;
  }

  std::uint64_t choose_number(std::uint64_t n) override { return n == 1 ? 0 : rng_.below(n); }

  void thread_spins(ThreadId t) override {
    if (t < priority_.size() && priority_[t] != 0) priority_[t] = kDroppedTop - dropped_++;
  }

  void on_end() override {
    ++steps_seen_[steps_];
    ++runs_seen_;
  }

  // The smallest step count s such that at least 95% of the executions so far took s steps or fewer.
  std::uint64_t percentile_steps() const {
    const std::uint64_t rank = (runs_seen_ * 95 + 99) / 100;  // ceil(0.95 n), at least 1
    std::uint64_t below = 0;
    for (const auto &[steps, count] : steps_seen_) {
      below += count;
      if (below >= rank) return steps;
    }
    assert(false && "percentile_steps: no execution seen");
    return kFirstStepsGuess;
  }

  // A random initial priority distinct from every other thread's (redrawn on the rare collision), so the order
  // of the threads is uniformly random whatever the order in which they show up.
  void assign_priority(ThreadId t) {
    if (t >= priority_.size()) priority_.resize(t + 1, 0);
    std::uint64_t value;
    do value = rng_.next() | kInitialBit;
    while (std::find(priority_.begin(), priority_.end(), value) != priority_.end());
    // invariant: the priorities of seen threads are pairwise distinct, so "highest" is never a tie.
    priority_[t] = value;
  }

  const unsigned depth_;
  std::uint64_t steps_estimate_;  // k of the open or last execution (before the first: of the first)
  std::map<std::uint64_t, std::uint64_t> steps_seen_;  // step count -> executions that took it
  std::uint64_t runs_seen_ = 0;                        // executions ended; invariant: the sum of steps_seen_

  Rng rng_{0};
  std::vector<std::uint64_t> priority_;       // by ThreadId; 0 = not seen in this execution
  std::uint64_t dropped_ = 0;                 // change points applied to a thread so far
  std::vector<std::uint64_t> change_points_;  // invariant: ascending, distinct, each in [1, k]
  std::size_t next_change_ = 0;               // the first change point not yet reached
  std::uint64_t steps_ = 0;                   // next_thread calls in this execution
  std::optional<ThreadId> last_;              // the thread that ran the previous step
};

}  // namespace

std::unique_ptr<Strategy> make_pct(unsigned depth, std::optional<std::uint64_t> first_steps_estimate) {
  return std::make_unique<Pct>(depth, first_steps_estimate.value_or(kFirstStepsGuess));
}

}  // namespace corosim::sim::strategies
