#pragma once
// A reporter (table_reporter.hpp) that, once everything has run, prints a table: each benchmark's median real
// time per iteration and its ratio to one baseline benchmark's median from the same run. Absolute nanoseconds vary with
// the machine and its load; the ratio to a raw context switch measured seconds apart does much less, which is
// what the performance targets are stated in.
//
// With repetitions the table uses the "median" aggregate; with a single repetition (--benchmark_repetitions=1)
// it falls back to the one measurement. Benchmarks that do several items per iteration (say so in the counter
// kItemsPerIteration) also get a time per item, e.g. per nesting level.
//
// Some figures mean little in units of a context switch: a hand-off between two threads costs microseconds of
// system calls and wake-ups. Such a benchmark names a baseline of its own (compare_with_own_baseline, next to
// its registration), say a condition-variable ping-pong for a cross-context schedule, and a second table lists
// it with that baseline's median from the same run and the ratio of the two, per operation (per item when the
// counter is set). The first table still lists every benchmark.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "table_reporter.hpp"

namespace corosim::bench {

// A user counter: how many items (e.g. nesting levels) one iteration performs. A plain counter rather than
// SetItemsProcessed, whose rate Google Benchmark derives from CPU time while the table uses real time.
inline constexpr const char *kItemsPerIteration = "items_per_iteration";

// (benchmark, its own baseline) pairs, by table name (function name and arguments), in registration order.
inline std::vector<std::pair<std::string, std::string>> &own_baselines() {
  static std::vector<std::pair<std::string, std::string>> pairs;
  return pairs;
}

// Lists `benchmark` in the second table with its ratio to `baseline`: both by name and arguments as registered,
// without the "min_time:", "iterations:" or "real_time" parts. Call it before RunSpecifiedBenchmarks, e.g.
// where the benchmark is registered.
inline void compare_with_own_baseline(std::string benchmark, std::string baseline) {
  own_baselines().emplace_back(std::move(benchmark), std::move(baseline));
}

class RatioReporter final : public TableReporter {
 public:
  // display: the reporter that prints the usual output (not owned). baseline_name: the name the baseline
  // benchmark was registered under (function name and arguments, no "min_time:" part).
  RatioReporter(benchmark::BenchmarkReporter *display, std::string baseline_name)
      : TableReporter(display), baseline_name_(std::move(baseline_name)) {}

 private:
  struct Row {
    std::string name;
    double time_ns = 0;        // median real time per iteration
    double item_ns = 0;        // median real time per item; 0 when the benchmark sets no kItemsPerIteration
    int64_t repetitions = 1;
    // Registration order, so that the table reads the same with --benchmark_enable_random_interleaving.
    int64_t family_index = 0;
    int64_t instance_index = 0;
  };

  void collect(const Run &run) override {
    Row row;
    row.name = table_name(run.run_name);
    row.time_ns = run.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
    if (auto it = run.counters.find(kItemsPerIteration); it != run.counters.end() && it->second.value > 0)
      row.item_ns = row.time_ns / it->second.value;
    row.repetitions = run.repetitions;
    row.family_index = run.family_index;
    row.instance_index = run.per_family_instance_index;
    rows_.push_back(std::move(row));
  }

  void print_tables(std::ostream &out) override {
    sort_by_registration(rows_);
    print_table(out);
    print_own_baseline_table(out);
  }

  void print_table(std::ostream &out) {
    const Row *baseline = nullptr;
    for (const Row &row : rows_)
      if (row.name == baseline_name_) baseline = &row;
    std::size_t name_width = 9;  // "benchmark"
    for (const Row &row : rows_) name_width = std::max(name_width, row.name.size());

    char line[512];
    out << '\n';
    if (!baseline) {
      out << "ratio table: the baseline " << baseline_name_
          << " did not run (filtered out or failed); ratios are not available\n";
    } else {
      std::string measured = baseline->repetitions > 1
                                 ? format("median of %.0f repetitions", static_cast<double>(baseline->repetitions))
                                 : "one repetition, no median";
      std::snprintf(line, sizeof line, "Ratio to the raw jump_fcontext round trip (%s, %.2f ns); %s, real time:\n",
                    baseline_name_.c_str(), baseline->time_ns, measured.c_str());
      out << line;
    }
    int w = static_cast<int>(name_width);
    std::snprintf(line, sizeof line, "%-*s %14s %10s %12s %10s\n", w, "benchmark", "median_ns", "x_raw",
                  "ns_per_item", "item_x_raw");
    out << line << std::string(name_width + 60, '-') << '\n';
    for (const Row &row : rows_) {
      std::string ratio = baseline ? format("%.2f", row.time_ns / baseline->time_ns) : "-";
      std::string item = row.item_ns > 0 ? format("%.2f", row.item_ns) : "";
      std::string item_ratio = row.item_ns > 0 && baseline ? format("%.2f", row.item_ns / baseline->time_ns) : "";
      std::snprintf(line, sizeof line, "%-*s %14.2f %10s %12s %10s\n", w, row.name.c_str(), row.time_ns,
                    ratio.c_str(), item.c_str(), item_ratio.c_str());
      out << line;
    }
    out.flush();
  }

  const Row *find_row(const std::string &name) const {
    for (const Row &row : rows_)
      if (row.name == name) return &row;
    return nullptr;
  }

  // Per operation: per item when the benchmark says how many one iteration does, else per iteration.
  static double ns_per_op(const Row &row) { return row.item_ns > 0 ? row.item_ns : row.time_ns; }

  // The second table: benchmarks registered with compare_with_own_baseline, each divided by its own baseline.
  // Rows come in the first table's order (rows_ is sorted by then); pairs whose benchmark did not run are left
  // out, a baseline that did not run shows "-".
  void print_own_baseline_table(std::ostream &out) const {
    struct Line {
      const Row *row;
      const std::string *baseline_name;
      const Row *baseline;
    };
    std::vector<Line> lines;
    for (const Row &row : rows_)
      for (const auto &[benchmark, baseline] : own_baselines())
        if (benchmark == row.name) lines.push_back({&row, &baseline, find_row(baseline)});
    if (lines.empty()) return;

    std::size_t name_width = 9;      // "benchmark"
    std::size_t baseline_width = 8;  // "baseline"
    int64_t repetitions = 0;
    for (const Line &l : lines) {
      name_width = std::max(name_width, l.row->name.size());
      baseline_width = std::max(baseline_width, l.baseline_name->size());
      repetitions = std::max(repetitions, l.row->repetitions);
    }
    int w = static_cast<int>(name_width);
    int bw = static_cast<int>(baseline_width);
    char line[1024];
    std::string measured = repetitions > 1
                               ? format("medians of %.0f repetitions", static_cast<double>(repetitions))
                               : "one repetition, no median";
    out << "\nRatio to each benchmark's own baseline, measured in the same run (" << measured
        << ", real time per operation):\n";
    std::snprintf(line, sizeof line, "%-*s %14s  %-*s %14s %10s\n", w, "benchmark", "ns_per_op", bw, "baseline",
                  "baseline_ns", "ratio");
    out << line << std::string(name_width + baseline_width + 44, '-') << '\n';
    for (const Line &l : lines) {
      std::string baseline_ns = l.baseline ? format("%.2f", ns_per_op(*l.baseline)) : "-";
      std::string ratio = l.baseline ? format("%.3f", ns_per_op(*l.row) / ns_per_op(*l.baseline)) : "-";
      std::snprintf(line, sizeof line, "%-*s %14.2f  %-*s %14s %10s\n", w, l.row->name.c_str(), ns_per_op(*l.row),
                    bw, l.baseline_name->c_str(), baseline_ns.c_str(), ratio.c_str());
      out << line;
    }
    out << "(ratio < 1: faster than its baseline; a baseline shown as \"-\" did not run: filtered out or failed)\n";
    out.flush();
  }

  // The function name and arguments: what identifies the benchmark. Leaves out the "min_time:", "repeats:" and
  // similar parts, which describe how it was measured and only widen the table.
  static std::string table_name(const benchmark::BenchmarkName &name) {
    std::string s = name.function_name;
    if (!name.args.empty()) s += "/" + name.args;
    if (!name.threads.empty()) s += "/" + name.threads;
    return s;
  }

  std::string baseline_name_;
  std::vector<Row> rows_;
};

}  // namespace corosim::bench
