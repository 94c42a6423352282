// Iterative schedule bounding: preemption bounding ("ipb", iterative context bounding as CHESS does it, Musuvathi
// and Qadeer, PLDI 2007) and delay bounding ("idb", Emmi, Qadeer and Rakamaric, POPL 2011). Both give each
// schedule a cost and run every schedule of cost 0, then every one of cost exactly 1, then exactly 2, ..., each
// once, so a bug is found at the smallest bound that has it, and spec() names that bound.
//
// Costs. At a thread choice the alternatives are ordered and alternative i has a cost:
//   preemptions: the running thread first (cost 0), then the other enabled threads ascending (cost 1 each, a
//                preemption); when the previous thread blocked or finished every alternative is free (cost 0).
//   delays:      round robin from the running thread, or, when it blocked or finished, from the first enabled
//                thread after it in cyclic order (the deterministic scheduler's pick); alternative i skips i
//                threads of that order and costs i delays.
// Numbers (next_number) are free: every value is explored at every bound.
//
// The search. Iteration c owns a list of prefixes, each a path of alternatives that costs exactly c and ends with
// the alternative that made it so (iteration 0: the empty prefix). For each prefix it runs a depth-first search of
// everything below it that costs nothing more (the stack of choice points, as dfs.cpp walks its tree). On the
// way, where an alternative would cost k > 0 more, it stores the path to it as a prefix of iteration c + k (once:
// only at choice points this execution reached first, below the last branch it moved). When iteration c's
// prefixes are used up the search moves to the next bound that has any; when none has, it is exhausted. The sum
// over the bounds 0..b of the schedules run equals what dfs:preemptions=b runs, without running any schedule
// twice.
//
// Memory: the stored prefixes. Consecutive prefixes of one iteration share most of their path, so each is kept
// as the length it shares with the previous one plus its own tail (Frontier below).

#include <algorithm>
#include <cassert>
#include <map>

#include "strategies.hpp"

namespace corosim::sim::strategies {

namespace {

// The prefixes of one future iteration, delta-encoded in the order they were found.
class Frontier {
 public:
  void push(const std::vector<std::uint32_t> &prefix) {
    const auto shared = static_cast<std::size_t>(
        std::mismatch(last_.begin(), last_.end(), prefix.begin(), prefix.end()).first - last_.begin());
    items_.push_back({static_cast<std::uint32_t>(shared), static_cast<std::uint32_t>(prefix.size() - shared)});
    tails_.insert(tails_.end(), prefix.begin() + static_cast<std::ptrdiff_t>(shared), prefix.end());
    last_ = prefix;
  }
  bool empty() const noexcept { return next_item_ == items_.size(); }
  // Turns `prefix` (the one read before, or empty at the first) into the next stored one.
  void pop(std::vector<std::uint32_t> &prefix) {
    assert(!empty());
    const Item item = items_[next_item_++];
    prefix.resize(item.shared);
    prefix.insert(prefix.end(), tails_.begin() + static_cast<std::ptrdiff_t>(next_tail_),
                  tails_.begin() + static_cast<std::ptrdiff_t>(next_tail_ + item.tail));
    next_tail_ += item.tail;
  }

 private:
  struct Item {
    std::uint32_t shared;  // leading alternatives equal to the previous prefix's
    std::uint32_t tail;    // alternatives of its own, in tails_
  };
  std::vector<Item> items_;
  std::vector<std::uint32_t> tails_;
  std::vector<std::uint32_t> last_;  // the last prefix pushed
  std::size_t next_item_ = 0, next_tail_ = 0;
};

class IterativeBounding final : public Strategy {
 public:
  IterativeBounding(BoundKind kind, unsigned max_bound) : kind_(kind), max_(max_bound) {
    frontiers_[0].push({});  // iteration 0: the empty prefix
    frontiers_[0].pop(prefix_);
  }

  StrategySpec spec() const override {
    return kind_ == BoundKind::preemptions ? StrategySpec{"ipb", {{"preemptions", std::to_string(bound_)}}}
                                           : StrategySpec{"idb", {{"delays", std::to_string(bound_)}}};
  }
  bool exhausted() const noexcept override { return exhausted_; }

 private:
  struct ChoicePoint {
    Decision::Kind kind;
    std::uint64_t count;   // alternatives that cost nothing
    std::uint64_t chosen;  // invariant: chosen < count
    std::size_t position;  // its index in path_
  };

  void on_begin(std::uint64_t) override {
    if (prefix_done_) next_prefix();
    prefix_done_ = false;
    path_.clear();
    depth_ = 0;
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) override {
    const ThreadId chosen = enabled.size() == 1 ? enabled.front() : alternative(enabled, running, choose(
        Decision::Kind::thread, enabled.size(), [&](std::uint64_t i) { return cost(running, i); }));
    last_ = chosen;
    return chosen;
  }

  std::uint64_t choose_number(std::uint64_t n) override {
    return n == 1 ? 0 : choose(Decision::Kind::number, n, [](std::uint64_t) { return 0u; });
  }

  void on_end() override {
    last_.reset();
    if ((depth_ < stack_.size() || path_.size() < prefix_.size()) && mismatch().empty())
      set_mismatch(name() + ": the program is not deterministic: the run ended before a choice point that the "
                   "same choices reached before");
    stack_.resize(depth_);
    while (!stack_.empty() && stack_.back().chosen + 1 == stack_.back().count) stack_.pop_back();
    if (!stack_.empty()) {
      ++stack_.back().chosen;
      fresh_from_ = stack_.back().position + 1;
      return;
    }
    // Below this prefix everything ran; the next execution takes the next one (so that spec() still names the
    // bound of the execution that just ended), if any is left.
    prefix_done_ = true;
    std::erase_if(frontiers_, [](const auto &entry) { return entry.second.empty(); });
    exhausted_ = frontiers_.empty();
  }

  // The next prefix to search below: the current iteration's next, else the lowest later iteration's first.
  void next_prefix() {
    assert(!frontiers_.empty() && !frontiers_.begin()->second.empty());  // on_end erased the empty ones
    bound_ = frontiers_.begin()->first;
    frontiers_.begin()->second.pop(prefix_);
    fresh_from_ = prefix_.size();
  }

  // The alternative taken at a choice point with `count` alternatives: the prefix's while following it, else the
  // search's among those that cost nothing (storing the others as prefixes of later iterations).
  template <class Cost>
  std::uint64_t choose(Decision::Kind kind, std::uint64_t count, Cost cost) {
    const std::size_t position = path_.size();
    std::uint64_t chosen = 0;
    if (position < prefix_.size()) {
      chosen = prefix_[position] & ~kNumberBit;
      if (chosen >= count || (prefix_[position] & kNumberBit) != bit(kind)) return misfit(position, kind, count);
    } else {
      std::uint64_t free = 0;
      while (free < count && cost(free) == 0) ++free;
      assert(free >= 1);  // alternative 0 is always free
      if (position >= fresh_from_) store_costly(kind, count, free, cost);
      if (free > 1) chosen = visit(kind, free, position);
    }
    path_.push_back(static_cast<std::uint32_t>(chosen) | bit(kind));
    return chosen;
  }

  template <class Cost>
  void store_costly(Decision::Kind kind, std::uint64_t count, std::uint64_t free, Cost cost) {
    for (std::uint64_t i = free; i < count; ++i) {
      const std::uint64_t target = bound_ + cost(i);
      if (target > max_) break;  // costs grow with i
      path_.push_back(static_cast<std::uint32_t>(i) | bit(kind));
      frontiers_[static_cast<unsigned>(target)].push(path_);
      path_.pop_back();
    }
  }

  // A path entry: the alternative taken, with kNumberBit set at a number (choose checks the kind on replay).
  static constexpr std::uint32_t kNumberBit = std::uint32_t{1} << 31;
  static std::uint32_t bit(Decision::Kind kind) { return kind == Decision::Kind::number ? kNumberBit : 0; }

  // Depth-first search below the prefix, over the free alternatives.
  std::uint64_t visit(Decision::Kind kind, std::uint64_t count, std::size_t position) {
    if (depth_ == stack_.size()) {
      stack_.push_back({kind, count, 0, position});
      ++depth_;
      return 0;
    }
    const ChoicePoint &point = stack_[depth_];
    if (point.kind != kind || point.count != count || point.position != position)
      return misfit(position, kind, count);
    ++depth_;
    return point.chosen;
  }

  std::uint64_t misfit(std::size_t position, Decision::Kind kind, std::uint64_t count) {
    set_mismatch(name() + ": the program is not deterministic: choice point " + std::to_string(position + 1) +
                 " is now " + (kind == Decision::Kind::thread ? "a choice among " : "a number below ") +
                 std::to_string(count) + ", not what the same choices gave before");
    return 0;
  }

  std::uint64_t cost(std::optional<ThreadId> running, std::uint64_t i) const {
    if (kind_ == BoundKind::delays) return i;
    return running && i > 0 ? 1 : 0;
  }

  ThreadId alternative(std::span<const ThreadId> enabled, std::optional<ThreadId> running, std::uint64_t i) const {
    if (kind_ == BoundKind::preemptions) return running_first(enabled, running, i);
    // Round robin: from the running thread, or from the first enabled one after the last that ran.
    std::size_t start = 0;
    if (const std::optional<ThreadId> from = running ? running : last_) {
      start = static_cast<std::size_t>(std::lower_bound(enabled.begin(), enabled.end(), *from) - enabled.begin());
      if (!running && start < enabled.size() && enabled[start] == *from) ++start;
    }
    return enabled[(start + i) % enabled.size()];
  }

  std::string name() const { return kind_ == BoundKind::preemptions ? "ipb" : "idb"; }

  const BoundKind kind_;
  const unsigned max_;
  unsigned bound_ = 0;  // the iteration: every schedule run now costs exactly this
  std::map<unsigned, Frontier> frontiers_;  // prefixes of later iterations, by their cost
  std::vector<std::uint32_t> prefix_;       // the prefix the current search runs below
  std::size_t fresh_from_ = 0;              // path positions from here on are new to this execution
  std::vector<std::uint32_t> path_;         // alternatives taken at this execution's choice points (kNumberBit)
  std::vector<ChoicePoint> stack_;          // the search below the prefix: its choice points on the current path
  std::size_t depth_ = 0;                   // invariant: <= stack_.size()
  std::optional<ThreadId> last_;            // the thread that ran the previous step (delay order)
  bool prefix_done_ = false;                // the next execution moves to the next prefix
  bool exhausted_ = false;
};

}  // namespace

std::unique_ptr<Strategy> make_iterative_bounding(BoundKind kind, unsigned max_bound) {
  return std::make_unique<IterativeBounding>(kind, max_bound);
}

}  // namespace corosim::sim::strategies
