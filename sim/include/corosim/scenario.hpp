#pragma once
// Scenarios: named programs for the simulator, registered from any translation unit of the program. The `corosim`
// command (corosim::main, corosim/cli.hpp) lists, runs, explores and replays the scenarios linked into it: the
// built-in ones in the `corosim` program, yours in a program of your own.
//
//   #include <corosim/scenario.hpp>
//   #include <corosim/thread.hpp>
//
//   COROSIM_SCENARIO("counter-with-mutex", "two threads add to a counter under a Mutex; it must end at 2") {
//     corosim::Mutex m;
//     int count = 0;
//     auto add = [&] { m.lock(); int seen = count; corosim::schedule_point(); count = seen + 1; m.unlock(); };
//     corosim::Thread a(add), b(add);
//     a.join();
//     b.join();
//     corosim::sim::check(count == 2, "an increment was lost");
//   }
//
//   COROSIM_SCENARIO_BUG("counter-racy", "assertion", "the same without the Mutex: an increment is lost") { ... }
//
// The body is the run's main sim thread (sim thread 0): it starts threads, IOThreads and coroutines, waits for
// them, and checks what must hold (sim::check, sim::fail). A scenario declared with COROSIM_SCENARIO is expected to
// pass every schedule; one declared with COROSIM_SCENARIO_BUG carries a seeded bug that some schedule must expose
// as `failure_kind`, one of the run status names of sim/executor.hpp (failure_kinds_text(): "assertion",
// "deadlock", "lost_wakeup", "misuse", "leak", "step_limit", "crash", "exception", "timeout", "stack_overflow"). The
// `corosim` command says "REGRESSION" when an expected-pass scenario fails and "seeded bug found" when a bug
// scenario fails as it should.
//
// Names: any text without white space or control characters, at most 200 bytes; unique in the program. A
// duplicate name or an unknown failure kind is reported, with both places, as the first thing the command says (exit
// status 2), so a mistake never hides one scenario behind another.
//
// Determinism: the body is run many times in one process, once per execution. It must start from the same state
// each time: no state carried in globals from one execution to the next, no real clocks, no randomness of its own
// (docs/determinism.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/executor.hpp>

namespace corosim::sim {

enum class Expected { pass, bug };

struct Scenario {
  std::string name;
  std::string description;            // one line, for `corosim list`
  Expected expected = Expected::pass;
  RunStatus failure_kind = RunStatus::ok;  // for a bug: the status some schedule must fail with
  void (*body)() = nullptr;           // the run's main sim thread
  RunOptions run_options;             // what its executions run with unless the command says otherwise
  const char *run_options_file = nullptr;  // where COROSIM_SCENARIO_RUN_OPTIONS gave them; null: the defaults
  const char *file = "";              // where it is declared
  int line = 0;

  // "pass", or "bug: <failure kind>": what `corosim list` prints in its second column.
  std::string expected_text() const;
};

// Every registered scenario, ordered by name.
const std::vector<Scenario> &scenarios();

// The scenario called `name`, or nullptr.
const Scenario *find_scenario(std::string_view name);

// The first registration mistake (a duplicate name, an empty or malformed name, an unknown failure kind, no body),
// as one line naming the place(s) and how many more there are; nullopt when the registry is sound.
std::optional<std::string> scenario_registry_problem();

namespace detail {
// What the macros below expand to: a static object whose constructor adds the scenario (never fails; a mistake is
// kept for scenario_registry_problem).
struct ScenarioRegistration {
  ScenarioRegistration(const char *name, const char *failure_kind, const char *description, void (*body)(),
                       const char *file, int line) noexcept;
};
struct ScenarioRunOptions {
  ScenarioRunOptions(const char *name, const RunOptions &options, const char *file, int line) noexcept;
};
}  // namespace detail

}  // namespace corosim::sim

#define COROSIM_SCENARIO_CAT_(a, b) a##b
#define COROSIM_SCENARIO_CAT(a, b) COROSIM_SCENARIO_CAT_(a, b)
#define COROSIM_SCENARIO_IMPL_(name, failure_kind, description, id)                                           \
  static void COROSIM_SCENARIO_CAT(corosim_scenario_body_, id)();                                              \
  static const ::corosim::sim::detail::ScenarioRegistration COROSIM_SCENARIO_CAT(corosim_scenario_, id){       \
      name, failure_kind, description, &COROSIM_SCENARIO_CAT(corosim_scenario_body_, id), __FILE__, __LINE__}; \
  static void COROSIM_SCENARIO_CAT(corosim_scenario_body_, id)()

// A scenario expected to pass every schedule. Followed by the body in braces.
#define COROSIM_SCENARIO(name, description) COROSIM_SCENARIO_IMPL_(name, nullptr, description, __COUNTER__)

// A scenario with a seeded bug that some schedule must expose as `failure_kind`. Followed by the body in braces.
#define COROSIM_SCENARIO_BUG(name, failure_kind, description) \
  COROSIM_SCENARIO_IMPL_(name, failure_kind, description, __COUNTER__)

// Run options other than the defaults for the scenario called `name` (registered anywhere in the program): the
// command's options (--max-steps, --stack-kib, ...) still override them. For example a body that needs a deep stack:
//   COROSIM_SCENARIO_RUN_OPTIONS("deep-parser", corosim::sim::RunOptions{.stack_bytes = 1 << 20});
// A name no scenario has, options given twice, a stack outside 64 KiB .. 1 GiB: a registration problem.
#define COROSIM_SCENARIO_RUN_OPTIONS(name, ...)                                                               \
  static const ::corosim::sim::detail::ScenarioRunOptions COROSIM_SCENARIO_CAT(corosim_scenario_options_,    \
                                                                               __COUNTER__){name, __VA_ARGS__, \
                                                                                            __FILE__, __LINE__}
