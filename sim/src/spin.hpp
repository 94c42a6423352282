#pragma once
// Spin detection: does a sim thread keep repeating the same loop of steps? (executor.cpp, "Fair scheduling".)
//
// A step is summed up as a key: its operation, object and running coroutine. A thread spins when its last steps
// are periodic: each of its last `matched` keys equals the key `period` steps before it, with
//   matched >= max(kMinMatched, 2 * period)   (at least three rounds of the loop, and at least 16 steps),
// for some period of 1 to kMaxPeriod steps. A spin lock's test (period 1), a retry loop that yields
// (`while (!ready) schedule_point();`, period 2), a coroutine that re-schedules itself until a ticket comes up (an
// event loop's handful of steps, or more when several coroutines wait on the same thread): all are periods.
//
// How a candidate period is found without scanning the window at every step: the detector remembers the last two
// places it saw each key (a small direct-mapped table; a collision only forgets them, and then a look at the last
// few steps still finds a short loop whose keys share a slot). When a step does not match
// the step one period back, the new candidate is the distance to one of those places, the nearer one unless only
// the farther one also fits the step before (so a loop whose keys recur inside it, A B B A, is found too). A loop
// is thus recognised within about two of its rounds once it starts repeating. A thread that blocks (parks) is not
// spinning: the executor interrupts the detection then. Everything is a pure function of the keys, so replay sees
// the same verdicts.
//
// What it does not see: values. A loop that repeats the same operations on the same objects while making progress
// (a producer pushing into the same queue, never blocking) looks like a spin too. Being taken for a spinner makes a
// thread let the others run first (executor.cpp), so schedules where it runs many rounds in a row while others
// could run are not explored; and when every runnable thread is taken for one, time passes to the next timer (as
// it may at any moment on a real machine).

#include <array>
#include <cstdint>
#include <span>

namespace corosim::sim {

class SpinDetector {
 public:
  static constexpr unsigned kMaxPeriod = 63;   // the longest loop recognised, in steps
  static constexpr unsigned kMinMatched = 16;  // steps that must repeat before a period-1 or -2 loop is a spin

  // Notes the thread's next step; returns whether the thread is now spinning (its last steps are periodic).
  bool note(std::uint64_t key) noexcept {
    const std::uint64_t at = count_++;
    if (period_ != 0 && recent_[(at - period_) % kWindow] == key) {
      ++matched_;
    } else {
      period_ = candidate(key, at);
      matched_ = 0;
    }
    recent_[at % kWindow] = key;
    Seen &seen = seen_[mix(key) % kSeenSlots];
    seen = {key, seen.key == key ? seen.last : 0, at + 1};
    return spinning();
  }

  // As new (a sim thread record reused by the next run). Nothing is cleared: positions go on counting, and what
  // was noted before start_ is never read again (recent_ is read only within the last period, candidate() takes a
  // slot last written before start_ for an empty one).
  void reset() noexcept {
    start_ = count_;
    interrupt();
  }

  // The thread blocked: whatever it repeated, it is not spinning now.
  void interrupt() noexcept {
    period_ = 0;
    matched_ = 0;
  }

  bool spinning() const noexcept { return period_ != 0 && matched_ >= kMinMatched && matched_ >= 2 * period_; }

  // The loop's keys, oldest first (when spinning()); `out` must hold kMaxPeriod keys. Returns how many.
  unsigned loop(std::span<std::uint64_t, kMaxPeriod> out) const noexcept {
    for (unsigned i = 0; i < period_; ++i) out[i] = recent_[(count_ - period_ + i) % kWindow];
    return period_;
  }

 private:
  static constexpr unsigned kWindow = 64;  // > kMaxPeriod: the key one period back is still in the ring
  static constexpr unsigned kSeenSlots = 32;
  static constexpr unsigned kShortScan = 4;  // periods short_period finds without the table
  static_assert(kWindow > kMaxPeriod);

  struct Seen {
    std::uint64_t key = 0;
    std::uint64_t before = 0;  // the position + 1 where key was seen before `last`; 0: none
    std::uint64_t last = 0;    // the position + 1 where key was last seen; 0: empty slot
  };

  // A period for the key at position `at`: the distance to where it was last seen, or to where it was seen before
  // that when only that one also fits the previous step; 0 when neither is within kMaxPeriod.
  unsigned candidate(std::uint64_t key, std::uint64_t at) const noexcept {
    const Seen &seen = seen_[mix(key) % kSeenSlots];
    if (seen.key != key || seen.last <= start_) return short_period(key, at);
    auto distance = [&](std::uint64_t position) { return position <= start_ ? kWindow : at - (position - 1); };
    const std::uint64_t nearer = distance(seen.last), farther = distance(seen.before);
    if (nearer > kMaxPeriod) return 0;
    auto fits_previous = [&](std::uint64_t period) {
      return at - start_ > period && recent_[(at - 1) % kWindow] == recent_[(at - 1 - period) % kWindow];
    };
    if (farther <= kMaxPeriod && !fits_previous(nearer) && fits_previous(farther))
      return static_cast<unsigned>(farther);
    return static_cast<unsigned>(nearer);
  }
  // The table forgot the key (another key of the loop shares its slot, which would hide that loop for good): the
  // nearest equal key among the last kShortScan steps, found by looking, or 0.
  unsigned short_period(std::uint64_t key, std::uint64_t at) const noexcept {
    for (unsigned period = 1; period <= kShortScan && period <= at - start_; ++period)
      if (recent_[(at - period) % kWindow] == key) return period;
    return 0;
  }
  static std::uint64_t mix(std::uint64_t key) noexcept { return (key * 0x9e3779b97f4a7c15ULL) >> 40; }

  std::array<std::uint64_t, kWindow> recent_{};  // the last kWindow keys, by position % kWindow
  std::array<Seen, kSeenSlots> seen_{};          // where each key was last seen (collisions forget)
  std::uint64_t count_ = 0;                      // steps noted, past runs' included
  std::uint64_t start_ = 0;                      // count_ at the last reset(): this run's first position
  unsigned period_ = 0;                          // the candidate period; 0: none
  unsigned matched_ = 0;  // invariant: the last matched_ keys each equal the key period_ steps before them
};

}  // namespace corosim::sim
