// The scenario registry (corosim/scenario.hpp). Registrations run during static initialisation, in an order the
// linker chooses: the registry keeps them in a function-local static (built on first use, so no initialisation-
// order dependence) and hands them out sorted by name, so `corosim list` prints the same lines in every build.

#include <corosim/scenario.hpp>

#include <algorithm>

#include <corosim/sim/parse.hpp>
#include <corosim/sim/schedule.hpp>

namespace corosim::sim {

namespace {

// Run options given to a scenario by name (COROSIM_SCENARIO_RUN_OPTIONS), applied once every registration is in.
struct NamedRunOptions {
  std::string name;
  RunOptions options;
  const char *file;
  int line;
};

struct Registry {
  std::vector<Scenario> list;
  std::vector<NamedRunOptions> run_options;
  std::vector<std::string> problems;  // registration mistakes, in registration order
  bool settled = false;               // list sorted, run options applied (and their mistakes added to problems)
};

Registry &registry() {
  static Registry r;
  return r;
}

std::string place(const char *file, int line) { return std::string(file) + ":" + std::to_string(line); }

// Why `name` cannot be a scenario's name, or nullopt.
std::optional<std::string> bad_name(std::string_view name) {
  constexpr std::size_t kMaxNameBytes = 200;
  if (name.empty()) return "an empty scenario name";
  if (name.size() > kMaxNameBytes) return "scenario name " + excerpt(name, 40) + " is longer than 200 bytes";
  for (unsigned char c : name)
    if (c <= ' ' || c == 0x7f) return "scenario name " + excerpt(name, 40) + " has white space or a control character";
  return std::nullopt;
}

// Checks a new registration against the rule of the header.
std::optional<std::string> check(const Scenario &s, const char *failure_kind) {
  const std::string where = " (" + place(s.file, s.line) + ")";
  if (auto bad = bad_name(s.name)) return *bad + where;
  if (!s.body) return "scenario '" + s.name + "' has no body" + where;
  if (failure_kind && (s.failure_kind == RunStatus::ok || s.failure_kind == RunStatus::exhausted ||
                       s.failure_kind == RunStatus::mismatch))
    return "scenario '" + s.name + "': unknown failure kind " + excerpt(failure_kind) +
           " (kinds: " + failure_kinds_text() + ")" + where;
  for (const Scenario &other : registry().list)
    if (other.name == s.name)
      return "scenario '" + s.name + "' is registered twice: " + place(other.file, other.line) + " and " +
             place(s.file, s.line);
  return std::nullopt;
}

}  // namespace

std::string Scenario::expected_text() const {
  return expected == Expected::pass ? "pass" : std::string("bug: ") + run_status_name(failure_kind);
}

namespace detail {

ScenarioRegistration::ScenarioRegistration(const char *name, const char *failure_kind, const char *description,
                                           void (*body)(), const char *file, int line) noexcept {
  Scenario s;
  s.name = name ? name : "";
  s.description = description ? description : "";
  s.expected = failure_kind ? Expected::bug : Expected::pass;
  if (failure_kind) s.failure_kind = parse_run_status(failure_kind).value_or(RunStatus::ok);
  s.body = body;
  s.file = file;
  s.line = line;
  Registry &r = registry();
  if (auto mistake = check(s, failure_kind)) {
    r.problems.push_back(std::move(*mistake));
    return;
  }
  r.list.push_back(std::move(s));
  r.settled = false;
}

ScenarioRunOptions::ScenarioRunOptions(const char *name, const RunOptions &options, const char *file,
                                       int line) noexcept {
  Registry &r = registry();
  r.run_options.push_back(NamedRunOptions{name ? name : "", options, file, line});
  r.settled = false;
}

}  // namespace detail

namespace {

// Why `o` cannot be applied, or nullopt after applying it to its scenario.
std::optional<std::string> apply(const NamedRunOptions &o, std::vector<Scenario> &list) {
  const std::string where = " (" + place(o.file, o.line) + ")";
  auto s = std::find_if(list.begin(), list.end(), [&](const Scenario &c) { return c.name == o.name; });
  if (s == list.end()) return "run options for an unknown scenario " + excerpt(o.name, 40) + where;
  if (o.options.stack_bytes < kMinStackBytes || o.options.stack_bytes > kMaxStackBytes || o.options.max_steps == 0)
    return "run options for scenario '" + s->name + "': a stack of " + std::to_string(o.options.stack_bytes) +
           " bytes or a step bound of 0 (stacks: 64 KiB to 1 GiB)" + where;
  if (s->run_options_file) return "scenario '" + s->name + "' is given run options twice" + where;
  s->run_options = o.options;
  s->run_options_file = o.file;
  return std::nullopt;
}

// Sorts the scenarios and applies the run options given by name, once every registration is in.
Registry &settled() {
  Registry &r = registry();
  if (!r.settled) {
    std::sort(r.list.begin(), r.list.end(), [](const Scenario &a, const Scenario &b) { return a.name < b.name; });
    for (const NamedRunOptions &o : r.run_options)
      if (auto mistake = apply(o, r.list)) r.problems.push_back(std::move(*mistake));
    r.run_options.clear();
    r.settled = true;
  }
  return r;
}

}  // namespace

const std::vector<Scenario> &scenarios() { return settled().list; }

const Scenario *find_scenario(std::string_view name) {
  for (const Scenario &s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::string> scenario_registry_problem() {
  const std::vector<std::string> &problems = settled().problems;
  if (problems.empty()) return std::nullopt;
  if (problems.size() == 1) return problems.front();
  return problems.front() + " (and " + std::to_string(problems.size() - 1) + " more registration problem" +
         (problems.size() == 2 ? ")" : "s)");
}

}  // namespace corosim::sim
