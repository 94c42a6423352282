#pragma once
// The table at the end of corosim_sim_bench: every benchmark's executions per second next to the Relacy
// baseline's from the same run (x_relacy = corosim exec/s / Relacy exec/s, higher is better), with the
// simulator's scheduling steps per execution and scheduling decisions per second.
//
// The rates are Google Benchmark's items_per_second and a rate counter: per second of CPU time (the default;
// the simulator and Relacy are single-threaded, and CPU time is steadier than real time on a shared machine), except
// for benchmarks that run their executions in another process (check_lock's worker): those use real time.
// Which measurement, and where the table goes: table_reporter.hpp.

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "table_reporter.hpp"  // runtime/bench

namespace corosim::sim_bench {

inline constexpr const char *kExecutionsPerIteration = "executions_per_iteration";
inline constexpr const char *kStepsPerExecution = "steps_per_execution";
inline constexpr const char *kDecisionsPerSecond = "decisions_per_second";

// Call after the benchmark loop. steps_per_execution 0: not known (Relacy), left out.
inline void set_counters(benchmark::State &state, double executions_per_iteration, double steps_per_execution,
                         double total_steps) {
  state.counters[kExecutionsPerIteration] = executions_per_iteration;
  if (steps_per_execution > 0) {
    state.counters[kStepsPerExecution] = steps_per_execution;
    state.counters[kDecisionsPerSecond] = benchmark::Counter(total_steps, benchmark::Counter::kIsRate);
  }
}

class SimRatioReporter final : public bench::TableReporter {
 public:
  // display: the usual reporter (not owned). baseline_name: the baseline's registered name (Relacy's).
  SimRatioReporter(benchmark::BenchmarkReporter *display, std::string baseline_name)
      : TableReporter(display), baseline_name_(std::move(baseline_name)) {}

 private:
  struct Row {
    std::string name;
    double exec_per_s = 0;
    double steps_per_exec = 0;  // 0: not known
    double decisions_per_s = 0;
    int64_t repetitions = 1;
    int64_t family_index = 0;
    int64_t instance_index = 0;
  };

  static double counter(const Run &run, const char *name) {
    auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : it->second.value;
  }

  void collect(const Run &run) override {
    Row row;
    row.name = run.run_name.function_name;
    if (!run.run_name.args.empty()) row.name += "/" + run.run_name.args;
    row.exec_per_s = counter(run, "items_per_second");
    row.steps_per_exec = counter(run, kStepsPerExecution);
    row.decisions_per_s = counter(run, kDecisionsPerSecond);
    row.repetitions = run.repetitions;
    row.family_index = run.family_index;
    row.instance_index = run.per_family_instance_index;
    rows_.push_back(std::move(row));
  }

  void print_tables(std::ostream &out) override {
    sort_by_registration(rows_);
    const Row *baseline = nullptr;
    for (const Row &row : rows_)
      if (row.name == baseline_name_) baseline = &row;
    std::size_t w = 9;
    for (const Row &row : rows_) w = std::max(w, row.name.size());
    int width = static_cast<int>(w);

    char line[512];
    out << '\n';
    if (!baseline || baseline->exec_per_s <= 0) {
      out << "ratio table: the baseline " << baseline_name_ << " did not run (filtered out or failed)\n";
      baseline = nullptr;
    } else {
      std::snprintf(line, sizeof line,
                    "Executions per second (CPU time), ratio to Relacy (%s, %.0f exec/s) in the same run; %s:\n",
                    baseline_name_.c_str(), baseline->exec_per_s,
                    baseline->repetitions > 1 ? "medians of the repetitions" : "one repetition, no median");
      out << line;
    }
    std::snprintf(line, sizeof line, "%-*s %14s %10s %12s %14s\n", width, "benchmark", "exec_per_s", "x_relacy",
                  "steps_exec", "decisions_s");
    out << line << std::string(w + 54, '-') << '\n';
    for (const Row &row : rows_) {
      std::string ratio = baseline ? format("%.3f", row.exec_per_s / baseline->exec_per_s) : "-";
      std::string steps = row.steps_per_exec > 0 ? format("%.1f", row.steps_per_exec) : "-";
      std::string decisions = row.decisions_per_s > 0 ? format("%.0f", row.decisions_per_s) : "-";
      std::snprintf(line, sizeof line, "%-*s %14.0f %10s %12s %14s\n", width, row.name.c_str(), row.exec_per_s,
                    ratio.c_str(), steps.c_str(), decisions.c_str());
      out << line;
    }
    print_jobs_speedup(out);
    out << "(x_relacy > 1: more executions per second than Relacy; steps_exec: the simulator's scheduling steps\n"
           " per execution, Relacy's are not reported; the check_lock and explore rows are executions per second\n"
           " of wall time, the whole call as a user makes it: their executions run in worker processes)\n";
    out.flush();
  }

  // For each benchmark run with jobs:1 and jobs:2 (worker processes), the second's rate over the first's.
  void print_jobs_speedup(std::ostream &out) const {
    for (const Row &two : rows_) {
      const std::size_t at = two.name.find("/jobs:2");
      if (at == std::string::npos) continue;
      const std::string one_name = two.name.substr(0, at) + "/jobs:1";
      for (const Row &one : rows_)
        if (one.name == one_name && one.exec_per_s > 0)
          out << two.name.substr(0, at) << ": jobs:2 runs " << format("%.2f", two.exec_per_s / one.exec_per_s)
              << "x the executions per second of jobs:1\n";
    }
  }

  std::string baseline_name_;
  std::vector<Row> rows_;
};

}  // namespace corosim::sim_bench
