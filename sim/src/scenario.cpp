// The scenario registry (corosim/scenario.hpp). Registrations run during static initialisation, in an order the
// linker chooses: the registry keeps them in a function-local static (built on first use, so no initialisation-
// order dependence) and hands them out sorted by name, so `corosim list` prints the same lines in every build.

#include <corosim/scenario.hpp>

#include <algorithm>

#include <corosim/sim/parse.hpp>

namespace corosim::sim {

namespace {

struct Registry {
  std::vector<Scenario> list;
  std::vector<std::string> problems;  // registration mistakes, in registration order
  bool sorted = false;
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
  r.sorted = false;
}

}  // namespace detail

const std::vector<Scenario> &scenarios() {
  Registry &r = registry();
  if (!r.sorted) {
    std::sort(r.list.begin(), r.list.end(), [](const Scenario &a, const Scenario &b) { return a.name < b.name; });
    r.sorted = true;
  }
  return r.list;
}

const Scenario *find_scenario(std::string_view name) {
  for (const Scenario &s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::string> scenario_registry_problem() {
  const std::vector<std::string> &problems = registry().problems;
  if (problems.empty()) return std::nullopt;
  if (problems.size() == 1) return problems.front();
  return problems.front() + " (and " + std::to_string(problems.size() - 1) + " more registration problem" +
         (problems.size() == 2 ? ")" : "s)");
}

}  // namespace corosim::sim
