// check_lock, check_rwlock, replay_lock (corosim/check.hpp): the harness (harness.cpp) explored with sim::explore,
// and the failure turned into a CheckResult whose message ends with how to reproduce it.

#include <corosim/check.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include <corosim/sim/explore.hpp>
#include <corosim/sim/failure.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/shrink.hpp>

#include "harness.hpp"

namespace corosim::check_detail {
namespace {

std::string type_name(const std::type_info &type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void *)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : type.name();
}

// "check_lock<TicketLock>": the scenario name a schedule of this check carries.
std::string check_name(const LockType &lock) {
  return std::string(lock.rw ? "check_rwlock<" : "check_lock<") + type_name(*lock.type) + ">";
}

std::map<std::string, std::string> to_parameters(const HarnessParams &p) {
  return {{"contexts", std::to_string(p.contexts)},
          {"coroutines", std::to_string(p.coroutines)},
          {"iterations", std::to_string(p.iterations)},
          {"max_bypass", std::to_string(p.max_bypass.value_or(0))}};  // CheckOptions' value: 0 = not checked
}

sim::Result<HarnessParams> from_parameters(const std::map<std::string, std::string> &parameters) {
  HarnessParams p;
  unsigned max_bypass = 0;
  const std::pair<const char *, unsigned *> fields[] = {
      {"contexts", &p.contexts}, {"coroutines", &p.coroutines}, {"iterations", &p.iterations},
      {"max_bypass", &max_bypass}};
  if (parameters.size() != std::size(fields)) return sim::Error{"its harness parameters are not a lock check's"};
  for (const auto &[key, field] : fields) {
    auto it = parameters.find(key);
    if (it == parameters.end()) return sim::Error{std::string("its harness parameters lack ") + key};
    auto value = sim::parse_decimal(it->second, 0, UINT32_MAX);
    if (!value) return sim::Error{std::string("harness parameter ") + key + ": " + value.error()};
    *field = static_cast<unsigned>(value.value());
  }
  if (max_bypass != 0) p.max_bypass = max_bypass;
  return p;
}

// Bad parameters, one line; empty if they are fine.
std::string check_parameters(const HarnessParams &p) {
  if (p.contexts == 0 || p.contexts > kMaxContexts)
    return "contexts must be 1 to " + std::to_string(kMaxContexts) + ", not " + std::to_string(p.contexts);
  if (p.coroutines == 0 || p.coroutines > kMaxCoroutines)
    return "coroutines must be 1 to " + std::to_string(kMaxCoroutines) + ", not " + std::to_string(p.coroutines);
  if (p.iterations == 0) return "iterations must be at least 1";
  return "";
}

CheckResult usage(std::string line) {
  CheckResult r;
  r.failure_kind = "usage";
  r.message = std::move(line);
  return r;
}

// The failure kind of a failed run: the harness's own (the prefix of its sim::fail message) or the executor's.
std::string kind_of(const sim::RunResult &result) {
  if (result.status == sim::RunStatus::assertion)
    for (const char *kind : {"mutual_exclusion", "starvation"})
      if (result.message.rfind(std::string(kind) + ": ", 0) == 0) return kind;
  return sim::run_status_name(result.status);
}

// How to get the failure again, from the caller's own program.
std::string recipe(const std::string &name, const sim::Failure &f, const CheckOptions &options) {
  const std::string call = name.substr(0, name.find('<'));
  const std::string replay = call == "check_lock" ? "replay_lock" : "replay_rwlock";
  const std::string rerun = "corosim::" + name + " with strategy \"" + options.strategy + "\", seed " +
                            sim::format_hex64(options.seed) + ", schedules " + std::to_string(*f.execution + 1) +
                            " (the other options unchanged) runs the check again up to it";
  if (f.unrecorded()) return "reproduce: " + rerun;
  return "reproduce: corosim::" + replay + name.substr(name.find('<')) + "(result.schedule) replays it; " + rerun;
}

CheckResult failed(const std::string &name, sim::Failure &f, const HarnessParams &params,
                   const CheckOptions &options, std::uint64_t executions) {
  CheckResult r;
  r.failure_kind = kind_of(f.result);
  r.schedules_run = executions;
  if (!f.unrecorded()) {
    sim::Schedule schedule = f.schedule();
    schedule.scenario_parameters = to_parameters(params);
    r.schedule = sim::to_json(schedule);
  }
  r.message = name + ": " + r.failure_kind + " at execution " + std::to_string(*f.execution + 1) + " (seed " +
              sim::format_hex64(f.seed) + ", strategy " + f.strategy.to_string() + "):\n" + f.result.message +
              "\n" + (f.shrunk ? sim::shrink_summary(*f.shrunk) + " (result.schedule is the shrunk one)\n" : "") +
              recipe(name, f, options);
  return r;
}

}  // namespace

CheckResult check(const LockType &lock, const CheckOptions &options) {
  HarnessParams params{options.contexts, options.coroutines, options.iterations, std::nullopt};
  if (options.max_bypass != 0) params.max_bypass = options.max_bypass;
  if (std::string bad = check_parameters(params); !bad.empty()) return usage("corosim check: " + bad);
  const std::string name = check_name(lock);
  sim::ExploreOptions explore;
  explore.scenario = name;
  explore.strategy = options.strategy;
  explore.first_seed = options.seed;
  explore.schedules = options.schedules;
  explore.time_budget_s = options.time_budget_s;
  // One worker process: a lock that crashes is reported as the failure `crash` instead of taking the caller down.
  explore.jobs = 1;
  const LockType erased = lock;
  auto explored = sim::explore([erased, params] { run_harness(erased, params); }, explore);
  if (!explored) return usage("corosim check: " + explored.error());
  sim::ExploreResult &e = explored.value();
  if (e.failure && options.shrink_time_s > 0 && !e.failure->unrecorded()) {
    sim::ShrinkOptions shrink;
    shrink.time_budget_s = options.shrink_time_s;
    shrink.same_failure = [](const sim::RunResult &a, const sim::RunResult &b) {
      return kind_of(a) == kind_of(b) && a.shape == b.shape;
    };
    // (Isolated: a candidate schedule may crash the lock. If one does, the failure stays as found.)
    if (auto shrunk = sim::shrink_failure([erased, params] { run_harness(erased, params); }, *e.failure, shrink))
      *e.failure = std::move(shrunk.value());
  }
  if (e.failure) return failed(name, *e.failure, params, options, e.executions);
  CheckResult r;
  r.ok = true;
  r.schedules_run = e.executions;
  r.message = name + ": no failure in " + std::to_string(e.executions) + " schedules (strategy " + options.strategy +
              ", seed " + sim::format_hex64(options.seed) + ")" +
              (e.exhausted ? "; the search space is exhausted: every schedule within the preemption bound was run "
                             "(spin loops scheduled fairly)"
                           : "");
  return r;
}

CheckResult replay(const LockType &lock, const std::string &text, const CheckOptions &) {
  const std::string name = check_name(lock);
  auto schedule = sim::from_json(text);
  if (!schedule) return usage("corosim replay: not a schedule: " + schedule.error());
  const sim::Schedule &s = schedule.value();
  if (s.scenario != name) return usage("corosim replay: the schedule is " + s.scenario + "'s, not " + name + "'s");
  auto params = from_parameters(s.scenario_parameters);
  if (!params) return usage("corosim replay: " + params.error());
  if (std::string bad = check_parameters(params.value()); !bad.empty()) return usage("corosim replay: " + bad);
  const HarnessParams p = params.value();
  auto replayed = sim::replay([&lock, p] { run_harness(lock, p); }, s);
  if (!replayed) {  // the lock's code changed since the schedule was recorded (or it is not deterministic)
    CheckResult r;
    r.failure_kind = "mismatch";
    r.message = "corosim replay: " + replayed.error() + "; to test a changed lock, run " + name + " again";
    return r;
  }
  CheckResult r;
  r.schedules_run = 1;
  r.ok = replayed.value().ok();
  if (r.ok) return r;
  r.failure_kind = kind_of(replayed.value());
  r.schedule = text;
  r.message = name + ": " + r.failure_kind + " (replayed, seed " + sim::format_hex64(s.seed) + "):\n" +
              replayed.value().message;
  return r;
}

}  // namespace corosim::check_detail
