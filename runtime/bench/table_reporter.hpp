#pragma once
// The skeleton shared by the benchmark programs' ratio reporters (ratio_reporter.hpp here,
// sim/bench/sim_ratio_reporter.hpp): wrap the display reporter Google Benchmark would have used (console, JSON or
// CSV, after --benchmark_format), pass everything on to it, keep the one measurement per benchmark that a table
// shows, and once everything has run print the tables: beside console output on stdout, where they read
// naturally, otherwise on stderr, so that JSON or CSV on stdout stays parseable.

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

namespace corosim::bench {

class TableReporter : public benchmark::BenchmarkReporter {
 public:
  // display: the reporter that prints the usual output (not owned).
  explicit TableReporter(benchmark::BenchmarkReporter *display) : display_(display) {}

  bool ReportContext(const Context &context) final { return display_->ReportContext(context); }

  void ReportRuns(const std::vector<Run> &runs) final {
    display_->ReportRuns(runs);
    for (const Run &run : runs)
      if (tabled(run)) collect(run);
  }

  void Finalize() final {
    display_->Finalize();
    bool console = dynamic_cast<benchmark::ConsoleReporter *>(display_) != nullptr;
    print_tables(console ? display_->GetOutputStream() : GetErrorStream());
  }

 protected:
  // A run that tabled() kept (see there).
  virtual void collect(const Run &run) = 0;
  // Called once, after every benchmark ran.
  virtual void print_tables(std::ostream &out) = 0;

  // Sorts rows (anything with family_index and instance_index) into registration order, so that the tables read
  // the same with --benchmark_enable_random_interleaving.
  template <class Row>
  static void sort_by_registration(std::vector<Row> &rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
      return std::tie(a.family_index, a.instance_index) < std::tie(b.family_index, b.instance_index);
    });
  }

  static std::string format(const char *fmt, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, value);
    return buf;
  }

 private:
  // The measurement a table shows: with repetitions the "median" aggregate (Google Benchmark aggregates the
  // counters with the times), with a single repetition the one measurement. Failed runs are left out.
  static bool tabled(const Run &run) {
    if (run.error_occurred) return false;
    if (run.run_type == Run::RT_Aggregate)
      return run.aggregate_name == "median" && run.aggregate_unit == benchmark::kTime;
    return run.run_type == Run::RT_Iteration && run.repetitions <= 1;
  }

  benchmark::BenchmarkReporter *display_;
};

}  // namespace corosim::bench
