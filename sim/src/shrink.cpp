// Shrinking a failing schedule (shrink.hpp): candidate choices run, kept while they fail the same way and are
// smaller.

#include <corosim/sim/shrink.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <optional>
#include <tuple>
#include <utility>

#include <corosim/sim/explore.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/strategy.hpp>

#include "explore_impl.hpp"
#include "strategies/strategies.hpp"

namespace corosim::sim {

namespace {

// The choices of a run as alternatives, numbered as DFS numbers them (strategies::running_first): 0 is "the thread
// that ran the step before goes on" (or, where it cannot, the lowest-numbered thread), 1, 2, ... the other enabled
// threads ascending; for a number, the number itself. Choice points are numbered as the run's decisions are (one
// per recorded decision), so a candidate is a sparse map from choice point to a non-zero alternative, and taking
// an entry out leaves the others where they were.
using Alternatives = std::map<std::uint64_t, std::uint64_t>;

// Makes the choices of `follow` where they fit (the first run: the schedule as found), else those of `alternatives`
// (0 where it has none); records what it chose as alternatives.
class Steer final : public Strategy {
 public:
  Steer(std::vector<Decision> follow, Alternatives alternatives)
      : follow_(std::move(follow)), alternatives_(std::move(alternatives)) {}

  StrategySpec spec() const override { return {"replay", {}}; }
  const Alternatives &chosen() const { return chosen_; }
  // How many alternatives each choice point offered, in order.
  const std::vector<std::uint64_t> &offered() const { return offered_; }
  std::uint64_t preemptions() const { return preemptions_; }

 private:
  void on_begin(std::uint64_t) override {
    point_ = 0;
    preemptions_ = 0;
    chosen_.clear();
    offered_.clear();
  }

  ThreadId choose_thread(std::span<const ThreadId> enabled, std::optional<ThreadId> running) override {
    if (enabled.size() == 1) return enabled.front();
    std::uint64_t alternative = alternatives_.count(point_) ? alternatives_.at(point_) % enabled.size() : 0;
    if (point_ < follow_.size() && follow_[point_].kind == Decision::Kind::thread &&
        std::binary_search(enabled.begin(), enabled.end(), follow_[point_].value))
      alternative = alternative_of(static_cast<ThreadId>(follow_[point_].value), enabled, running);
    if (running && alternative != 0) ++preemptions_;
    note(alternative, enabled.size());
    return strategies::running_first(enabled, running, alternative);
  }

  std::uint64_t choose_number(std::uint64_t n) override {
    if (n == 1) return 0;
    std::uint64_t value = alternatives_.count(point_) ? alternatives_.at(point_) % n : 0;
    if (point_ < follow_.size() && follow_[point_].kind == Decision::Kind::number && follow_[point_].value < n)
      value = follow_[point_].value;
    note(value, n);
    return value;
  }

  void on_end() override {}

  void note(std::uint64_t alternative, std::uint64_t offered) {
    if (alternative != 0) chosen_[point_] = alternative;
    offered_.push_back(offered);
    ++point_;
  }

  static std::uint64_t alternative_of(ThreadId t, std::span<const ThreadId> enabled, std::optional<ThreadId> running) {
    if (running && t == *running) return 0;
    const auto below =
        static_cast<std::uint64_t>(std::lower_bound(enabled.begin(), enabled.end(), t) - enabled.begin());
    return running && *running < t ? below : below + (running ? 1 : 0);
  }

  const std::vector<Decision> follow_;
  const Alternatives alternatives_;
  std::uint64_t point_ = 0;
  std::uint64_t preemptions_ = 0;
  Alternatives chosen_;
  std::vector<std::uint64_t> offered_;
};

bool same_status_and_shape(const RunResult &original, const RunResult &candidate) {
  return candidate.status == original.status && candidate.shape == original.shape;
}

// A schedule that fails the same way, with what shrinking measures of it.
struct Candidate {
  RunResult result;           // result.decisions: the schedule
  Alternatives alternatives;  // the same choices, as alternatives
  std::vector<std::uint64_t> offered;  // alternatives each choice point offered
  ScheduleSize size;

  std::uint64_t alternative_sum() const {
    std::uint64_t sum = 0;
    for (const auto &[point, alternative] : alternatives) sum += alternative;
    return sum;
  }
  bool smaller_than(const Candidate &other) const {
    return std::tuple(size.preemptions, size.decisions, size.steps, alternative_sum()) <
           std::tuple(other.size.preemptions, other.size.decisions, other.size.steps, other.alternative_sum());
  }
};

class Shrinker {
 public:
  Shrinker(const std::function<void()> &body, std::uint64_t seed, RunOptions options, const ShrinkOptions &shrink)
      : body_(body), seed_(seed), options_(options), clock_(shrink.wall_clock ? shrink.wall_clock : wall_seconds),
        deadline_(shrink.time_budget_s > 0 ? clock_() + shrink.time_budget_s : -1),
        same_(shrink.same_failure ? shrink.same_failure : same_status_and_shape) {}

  // Runs the schedule as found; false if it does not fail.
  bool start(const std::vector<Decision> &decisions) {
    best_ = run(decisions, {});
    original_ = best_.result;
    const RunStatus s = original_.status;
    return s != RunStatus::ok && s != RunStatus::mismatch && s != RunStatus::exhausted;
  }

  void shrink_all() {
    for (bool improved = true; improved && !out_of_time();) {
      improved = search_fewer();
      improved |= truncate();
      improved |= remove_alternatives();
      improved |= lower_alternatives();
    }
  }

  const Candidate &best() const { return best_; }
  std::uint64_t runs() const { return runs_; }
  bool out_of_time() {
    if (deadline_ >= 0 && clock_() >= deadline_) timed_out_ = true;
    return timed_out_;
  }

 private:
  Candidate run(const std::vector<Decision> &follow, const Alternatives &alternatives) {
    ++runs_;
    Steer steer(follow, alternatives);
    Candidate c;
    c.result = run_once(body_, steer, seed_, options_);
    c.alternatives = steer.chosen();
    c.offered = steer.offered();
    c.size = {steer.preemptions(), c.result.decisions.size(), c.result.steps};
    return c;
  }

  // Runs `alternatives`; keeps them if the run fails the same way and is smaller. Returns whether it was kept.
  bool attempt(const Alternatives &alternatives) {
    if (out_of_time()) return false;
    Candidate c = run({}, alternatives);
    if (!c.smaller_than(best_) || !same_(original_, c.result)) return false;
    best_ = std::move(c);
    return true;
  }

  // Schedules of one, then two, alternatives anywhere among the choice points of the best run so far, while that
  // is fewer than its preemptions: a failure that needs few preemptions, reached from a schedule full of
  // incidental ones, is found this way where taking them out one chunk at a time would shift what the rest mean.
  // (At most (choices x alternatives)^2 / 2 runs; the time budget bounds it on long schedules.)
  bool search_fewer() {
    const std::vector<std::uint64_t> offered = best_.offered;
    for (std::uint64_t i = 0; i < offered.size() && 1 < best_.size.preemptions; ++i)
      for (std::uint64_t a = 1; a < offered[i]; ++a)
        if (attempt({{i, a}})) return true;
    for (std::uint64_t i = 0; i < offered.size() && 2 < best_.size.preemptions; ++i)
      for (std::uint64_t j = i + 1; j < offered.size(); ++j)
        for (std::uint64_t a = 1; a < offered[i] && !out_of_time(); ++a)
          for (std::uint64_t b = 1; b < offered[j]; ++b)
            if (attempt({{i, a}, {j, b}})) return true;
    return false;
  }

  // The alternatives before choice point `cut` only: the shortest failing prefix, by bisection.
  bool truncate() {
    bool kept = false;
    std::uint64_t low = 0, high = best_.alternatives.empty() ? 0 : best_.alternatives.rbegin()->first;
    while (low < high && !out_of_time()) {
      const std::uint64_t cut = low + (high - low) / 2;
      if (attempt(Alternatives(best_.alternatives.begin(), best_.alternatives.lower_bound(cut)))) {
        kept = true;
        high = std::min(cut, best_.alternatives.empty() ? 0 : best_.alternatives.rbegin()->first);
      } else {
        low = cut + 1;
      }
    }
    return kept;
  }

  // Delta debugging over the alternatives: chunks of halving size taken out (those choice points go back to 0).
  bool remove_alternatives() {
    bool kept = false;
    for (std::size_t chunk = std::max<std::size_t>(1, best_.alternatives.size() / 2);; chunk /= 2) {
      for (std::size_t start = 0; start < best_.alternatives.size() && !out_of_time();) {
        Alternatives fewer = best_.alternatives;
        auto first = std::next(fewer.begin(), static_cast<std::ptrdiff_t>(start));
        fewer.erase(first, std::next(first, static_cast<std::ptrdiff_t>(std::min(chunk, fewer.size() - start))));
        if (attempt(fewer))
          kept = true;  // the chunk at `start` now holds later alternatives: try it again
        else
          start += chunk;
      }
      if (chunk <= 1 || out_of_time()) return kept;
    }
  }

  // Each alternative above 1 lowered to the smallest that still fails: lower-numbered threads.
  bool lower_alternatives() {
    bool kept = false;
    for (std::uint64_t point = 0; !out_of_time();) {
      auto it = best_.alternatives.lower_bound(point);
      if (it == best_.alternatives.end()) return kept;
      point = it->first + 1;
      for (std::uint64_t lower = 1; lower < it->second && !out_of_time(); ++lower) {
        Alternatives changed = best_.alternatives;
        changed[it->first] = lower;
        if (attempt(changed)) {
          kept = true;
          break;
        }
      }
    }
    return kept;
  }

  const std::function<void()> &body_;
  const std::uint64_t seed_;
  const RunOptions options_;
  const std::function<double()> clock_;
  const double deadline_;  // on clock_; -1: none
  bool timed_out_ = false;
  const std::function<bool(const RunResult &, const RunResult &)> same_;
  Candidate best_;
  RunResult original_;  // the run of the schedule as found (decisions and trace aside, what candidates must match)
  std::uint64_t runs_ = 0;
};

}  // namespace

namespace {

// Shrinks in this process (shrink.hpp, `isolated` off).
Result<ShrinkResult> shrink_here(const std::function<void()> &body, const Schedule &failing, RunOptions options,
                                 const ShrinkOptions &shrink_options) {
  const RunOptions run_options = run_options_of(failing, options);
  Shrinker shrinker(body, failing.seed, run_options, shrink_options);
  if (!shrinker.start(failing.decisions))
    return Error{"schedule of scenario '" + failing.scenario + "' does not fail when run (status " +
                 run_status_name(shrinker.best().result.status) + "): there is nothing to shrink"};
  const ScheduleSize before = shrinker.best().size;
  shrinker.shrink_all();
  const Candidate &best = shrinker.best();
  ShrinkResult r;
  r.result = best.result;
  r.shrinking = {before, best.size, shrinker.runs(), shrinker.out_of_time()};
  r.schedule = failing;
  r.schedule.strategy = {"replay", {}};
  r.schedule.trace_hash = best.result.trace_hash;
  r.schedule.max_steps = run_options.max_steps;
  r.schedule.decisions = best.result.decisions;
  return r;
}

// What a shrinking child process sends back: its sizes and runs on the first line, then the schedule file text;
// or "error" and the one line.
std::string child_message(const Result<ShrinkResult> &r) {
  if (!r) return "error " + r.error();
  const Shrinking &s = r.value().shrinking;
  std::string line;
  for (std::uint64_t n : {s.before.preemptions, s.before.decisions, s.before.steps, s.after.preemptions,
                          s.after.decisions, s.after.steps, s.runs, std::uint64_t{s.out_of_time}})
    line += std::to_string(n) + " ";
  return line + "\n" + to_json(r.value().schedule);
}

// The child's message read back; the run is replayed here (it is the child's, step for step).
Result<ShrinkResult> from_child(const std::function<void()> &body, const std::string &message, RunOptions options) {
  if (message.rfind("error ", 0) == 0) return Error{message.substr(6)};
  std::istringstream head(message.substr(0, message.find('\n')));
  ShrinkResult r;
  Shrinking &s = r.shrinking;
  std::uint64_t out_of_time = 0;
  head >> s.before.preemptions >> s.before.decisions >> s.before.steps >> s.after.preemptions >> s.after.decisions >>
      s.after.steps >> s.runs >> out_of_time;
  s.out_of_time = out_of_time != 0;
  auto schedule = from_json(std::string_view(message).substr(std::min(message.size(), message.find('\n') + 1)));
  if (!head || !schedule) return Error{"shrinking: the child process sent something that does not parse"};
  r.schedule = std::move(schedule.value());
  auto replayed = replay(body, r.schedule, options);
  if (!replayed) return Error{"shrinking: the shrunk schedule does not replay here: " + replayed.error()};
  r.result = std::move(replayed.value());
  return r;
}

// Shrinks in a forked child process: a candidate that crashes the process ends the child, not the caller.
Result<ShrinkResult> shrink_in_child(const std::function<void()> &body, const Schedule &failing, RunOptions options,
                                     const ShrinkOptions &shrink_options) {
  int fds[2];
  if (::pipe(fds) != 0) return Error{std::string("shrinking: cannot create a pipe: ") + std::strerror(errno)};
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Error{std::string("shrinking: cannot start a process: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string message;
    try {
      message = child_message(shrink_here(body, failing, options, shrink_options));
    } catch (const std::exception &e) {
      message = std::string("error shrinking: an exception from the explored code: ") + e.what();
    }
    detail::write_all(fds[1], message);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[65536];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    message.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || message.empty())
    return Error{"shrinking stopped: " + detail::describe_death(status) + " (a candidate schedule crashed it?)"};
  return from_child(body, message, run_options_of(failing, options));
}

}  // namespace

Result<ShrinkResult> shrink(const std::function<void()> &body, const Schedule &failing, RunOptions options,
                            const ShrinkOptions &shrink_options) {
  return shrink_options.isolated ? shrink_in_child(body, failing, options, shrink_options)
                                 : shrink_here(body, failing, options, shrink_options);
}

Result<Failure> shrink_failure(const std::function<void()> &body, const Failure &failure,
                               const ShrinkOptions &shrink_options) {
  if (failure.unrecorded())
    return Error{std::string("a failure of kind ") + failure.kind() +
                 " recorded no schedule: there is nothing to shrink"};
  auto shrunk = shrink(body, failure.schedule(), failure.run_options, shrink_options);
  if (!shrunk) return Error{shrunk.error()};
  Failure f = failure;
  f.result = std::move(shrunk.value().result);
  f.shrunk = shrunk.value().shrinking;
  f.schedule_file.clear();
  return f;
}

std::string shrink_summary(const Shrinking &s) {
  auto arrow = [](std::uint64_t a, std::uint64_t b) { return std::to_string(a) + " -> " + std::to_string(b); };
  return "shrunk: preemptions " + arrow(s.before.preemptions, s.after.preemptions) + ", decisions " +
         arrow(s.before.decisions, s.after.decisions) + ", steps " + arrow(s.before.steps, s.after.steps) +
         (s.out_of_time ? " (time budget used)" : "");
}

}  // namespace corosim::sim
