// Plain-text rendering (text.hpp). Output depends only on the values given: no addresses, no host clocks, so the
// same run renders to the same bytes everywhere.

#include <corosim/reports/text.hpp>

#include <algorithm>
#include <cinttypes>
#include <csignal>
#include <cstdio>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/shrink.hpp>

#include "describe.hpp"

namespace corosim::reports {

std::string signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(sig);
}

std::string executions_text(uint64_t n) { return std::to_string(n) + (n == 1 ? " execution" : " executions"); }

std::string format_virtual_time(int64_t ns) {
  // Work in unsigned magnitude: -INT64_MIN does not fit in int64_t.
  const bool negative = ns < 0;
  const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%s%" PRIu64 ".%09" PRIu64 "s", negative ? "-" : "",
                magnitude / 1'000'000'000, magnitude % 1'000'000'000);
  return buffer;
}

std::string trace_text(const sim::RunResult &run) {
  std::string out;
  int64_t clock_ns = 0;  // a run starts at virtual time 0; a line is printed when it moves
  char head[64];
  for (const sim::TraceEvent &e : run.trace) {
    if (e.now_ns != clock_ns) {
      clock_ns = e.now_ns;
      out += "@ " + format_virtual_time(clock_ns) + "\n";
    }
    const bool step = e.kind == sim::TraceEvent::Kind::step;
    const bool failing = step && run.failing_step == e.step;
    std::snprintf(head, sizeof head, "%2s%5s  t%-3" PRIu32 " ", failing ? ">>" : "",
                  step ? std::to_string(e.step).c_str() : "", e.thread);
    std::string line = head + detail::coroutine_text(e.coroutine, run);
    line.resize(std::max<std::size_t>(line.size() + 1, 20), ' ');
    line += detail::operation_text(e, run);
    const std::string value = detail::access_text(e.access);
    std::string site = detail::site_text(e);
    if (e.call && e.kind == sim::TraceEvent::Kind::step && !e.user) site += std::string(" in ") + e.call;
    if (!value.empty() || !site.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 2, 52), ' ');
      line += value;
    }
    if (!site.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 2, 72), ' ');
      line += site;
    }
    if (failing) line += "   <== the failing step";
    out += line + "\n";
  }
  return out;
}

namespace {

void field(std::string &out, const char *name, const std::string &value) {
  char head[32];
  std::snprintf(head, sizeof head, "  %-12s", name);
  out += head;
  out += value;
  out += '\n';
}

}  // namespace

FailureReport failure_report(const sim::Failure &failure, const sim::Launcher &launcher, std::string verdict) {
  return FailureReport{&failure, std::move(verdict), failure.commands(launcher)};
}

std::string failure_report_text(const FailureReport &report) {
  const sim::Failure &f = *report.failure;
  std::string out = "FAILED: " + std::string(f.kind()) + " in scenario '" + f.scenario + "'\n";
  std::string run = "seed " + sim::format_hex64(f.seed) + ", strategy " + f.strategy.to_string();
  if (f.execution) run = std::to_string(*f.execution + 1) + " (" + run + ")";
  field(out, f.execution ? "execution" : "run", run);
  if (!f.unrecorded()) {
    field(out, "steps", std::to_string(f.result.steps));
    field(out, "trace hash", sim::format_hex64(f.result.trace_hash));
  }
  if (f.shrunk) field(out, "shrunk", sim::shrink_summary(*f.shrunk).substr(sizeof "shrunk: " - 1));
  if (!f.schedule_file.empty()) field(out, "schedule", f.schedule_file);
  if (!f.result.message.empty()) {
    out += "  message:\n";
    std::string_view rest = f.result.message;
    while (!rest.empty()) {
      const std::size_t newline = rest.find('\n');
      out += "    ";
      out += rest.substr(0, newline);
      out += '\n';
      if (newline == std::string_view::npos) break;
      rest.remove_prefix(newline + 1);
    }
  }
  if (!report.verdict.empty()) out += report.verdict + "\n";
  out += "reproduce with:\n";
  for (std::size_t i = 0; i + 1 < report.commands.size(); ++i) out += "  " + report.commands[i] + "\n";
  if (!report.commands.empty()) out += report.commands.back() + "\n";
  return out;
}

}  // namespace corosim::reports
