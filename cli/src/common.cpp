// What the commands share (commands.hpp): the program's name, one-line refusals, scenario look-up, run options, and
// the failure report with its verdict.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>

#include "commands.hpp"

namespace corosim::cli {

namespace {

sim::Launcher g_launcher = sim::Launcher::cli("corosim");
int g_stdout_error = 0;  // errno of the first failed write to stdout, 0 if none

// One line on what a failure of scenario `s` means; the exit status is 1 either way.
std::string verdict(const sim::Scenario &s, sim::RunStatus status) {
  if (s.expected == sim::Expected::pass)
    return "REGRESSION: scenario '" + s.name + "' is expected to pass every schedule, and this one fails";
  const std::string expected = sim::run_status_name(s.failure_kind);
  if (status == s.failure_kind)
    return "seeded bug found: scenario '" + s.name + "' is expected to fail with " + expected + ", and does";
  return "scenario '" + s.name + "' has a seeded " + expected + " bug, but this schedule fails with " +
         sim::run_status_name(status) + " instead";
}

}  // namespace

void set_program_name(std::string name) { g_launcher.program = std::move(name); }
const sim::Launcher &launcher() { return g_launcher; }

int bad_input(std::string reason) {
  for (char &c : reason)
    if (c == '\n' || c == '\r') c = ' ';
  std::fflush(stdout);
  std::fprintf(stderr, "corosim: %s\n", reason.c_str());
  return kBadInput;
}

void out(const std::string &text) {
  if ((std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0) && g_stdout_error == 0) g_stdout_error = errno;
}

int stdout_error() { return g_stdout_error; }

std::optional<std::string> save_target_problem(const std::string &path, const std::string &option) {
  if (path.empty()) return std::nullopt;
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string what = option + " " + sim::excerpt(path, 200) + ": ";
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) return what + "no directory " + sim::excerpt(dir.string(), 200);
  if (std::filesystem::is_directory(target, error)) return what + "it is a directory (give a file name)";
  if (::access(dir.c_str(), W_OK) != 0) return what + "cannot write in " + sim::excerpt(dir.string(), 200);
  return std::nullopt;
}

std::optional<std::string> OutputFile::open(const std::string &option, const std::string &file) {
  path = file;
  if (file.empty()) return std::nullopt;
  stream.open(file, std::ios::binary | std::ios::trunc);
  if (!stream) return "cannot write " + option + " file " + sim::excerpt(file, 200) + ": " + std::strerror(errno);
  return std::nullopt;
}

std::optional<std::string> OutputFile::write(const std::string &text) {
  if (path.empty()) return std::nullopt;
  stream << text;
  stream.close();
  if (!stream) return "could not write " + sim::excerpt(path, 200) + " (the disk is full?)";
  return std::nullopt;
}

double ProgressLine::start(Progress asked) {
  tty = isatty(STDERR_FILENO) != 0;
  enabled = asked == Progress::always || (asked == Progress::automatic && tty);
  return tty ? 0.5 : 5.0;
}

void ProgressLine::show(const sim::ExploreProgress &p) {
  char line[200];
  int n = std::snprintf(line, sizeof line, "  %llu", static_cast<unsigned long long>(p.executions));
  if (p.total > 0) n += std::snprintf(line + n, sizeof line - n, "/%llu", static_cast<unsigned long long>(p.total));
  n += std::snprintf(line + n, sizeof line - n, " executions");
  if (auto f = p.fraction()) n += std::snprintf(line + n, sizeof line - n, " (%.0f%%)", 100 * *f);
  n += std::snprintf(line + n, sizeof line - n, ", %.0f/s, %llu failures, %.1f s", p.runs_per_s,
                     static_cast<unsigned long long>(p.failures), p.elapsed_s);
  if (auto left = p.seconds_left()) std::snprintf(line + n, sizeof line - n, ", about %.0f s left", *left);
  if (tty) {
    std::fprintf(stderr, "\r\033[K%s", line);
    shown = true;
  } else {
    std::fprintf(stderr, "%s\n", line);
  }
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (shown) std::fputs("\r\033[K", stderr);
  shown = false;
}

const sim::Scenario *find_scenario(const std::string &name, std::string *reason) {
  if (const sim::Scenario *s = sim::find_scenario(name)) return s;
  const std::size_t n = sim::scenarios().size();
  *reason = "unknown scenario " + sim::excerpt(name) + " (`" + sim::shell_quote(g_launcher.program) +
            " list` shows the " +
            std::to_string(n) + (n == 1 ? " scenario)" : " scenarios)");
  return nullptr;
}

std::optional<std::string> schedule_scenario_problem(const sim::Schedule &schedule, const sim::Scenario **s) {
  std::string reason;
  *s = find_scenario(schedule.scenario, &reason);
  if (!*s) return reason;
  if (!schedule.scenario_parameters.empty())
    return "unknown scenario parameter " + sim::excerpt(schedule.scenario_parameters.begin()->first) +
           " (scenarios take none)";
  return std::nullopt;
}

sim::Result<ScheduleOfScenario> load_schedule_of_scenario(const std::string &path) {
  auto loaded = sim::load_schedule(path);
  if (!loaded) return sim::Error{loaded.error()};
  ScheduleOfScenario s{std::move(loaded.value()), nullptr};
  if (auto problem = schedule_scenario_problem(s.schedule, &s.scenario))
    return sim::Error{"schedule file " + sim::excerpt(path, 200) + ": " + *problem};
  return s;
}

sim::RunOptions run_options(const RunLimits &limit, const sim::Scenario &s) {
  sim::RunOptions options = s.run_options;
  if (limit.max_steps) options.max_steps = *limit.max_steps;
  if (limit.continue_at_limit) options.on_step_limit = sim::StepLimitPolicy::stop;
  if (limit.stack_kib) options.stack_bytes = static_cast<std::size_t>(*limit.stack_kib * 1024);
  if (limit.granularity) options.granularity = *limit.granularity;
  return options;
}

std::string outcome_text(const sim::RunResult &r) {
  return std::string("status      ") + sim::run_status_name(r.status) +
         (r.truncated ? " (stopped at the step bound: --on-step-limit continue)" : "") + "\n" + "steps       " +
         std::to_string(r.steps) + "\n" + "trace hash  " + sim::format_hex64(r.trace_hash) + "\n";
}

reports::FailureReport prepare_report(sim::Failure &f, const sim::Scenario &s, const std::string &save_to) {
  if (!f.unrecorded() && f.schedule_file.empty()) {
    auto saved = f.save(save_to);
    if (!saved) std::fprintf(stderr, "corosim: warning: %s\n", saved.error().c_str());
  }
  return reports::failure_report(f, g_launcher, verdict(s, f.result.status));
}

}  // namespace corosim::cli
