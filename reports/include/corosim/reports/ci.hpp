#pragma once
// The regression gate's outcome (`corosim ci`): what each run and each corpus schedule gave, judged, as plain
// values; its JSON form (`ci --json FILE`), which `ci --merge` reads back to merge shards, and its JUnit XML
// (`ci --junit FILE`), where a seeded bug found as expected is a passing testcase.
//
// JSON (format "corosim-ci", version 1), one object, two-space indented, ending in a newline; seeds and hashes as
// "0x" + 16 hex digits:
//
//   {
//     "format": "corosim-ci", "version": 1,
//     "shard": {"index": 0, "count": 4, "source": "JOB_COMPLETION_INDEX"},   (count 1: not sharded, or merged)
//     "merged_shards": 0,                       (ci --merge: how many shard summaries this one is made of)
//     "gate": "holds" | "fails", "wall_s": 12.5,
//     "runs": [{"scenario": "...", "expected": "pass" | "bug: deadlock", "strategy": "pct", "first_seed": "0x...",
//               "schedules": 20000, "time_s": 60, "executions": 5000, "exhausted": false, "out_of_time": false,
//               "wall_s": 1.2, "verdict": "pass" | "fail", "reason": "one line",
//               "failure": null | {"kind": "deadlock", "execution": 17, "seed": "0x...", "strategy": "pct:d=3,k=57",
//                                  "steps": 81, "trace_hash": "0x...", "schedule_file": "corpus/....json" | null,
//                                  "report": "FAILED: ... (the text report)", "reproduce": "corosim replay ..."}}],
//     "corpus": [{"file": "corpus/x.schedule.json", "scenario": "...", "expected": "pass", "status": "ok",
//                 "steps": 60, "trace_hash": "0x...", "diverged_at_step": null | 41, "divergence": "",
//                 "verdict": "pass" | "fail", "reason": "one line"}]
//   }
//
//   execution counts from 1 (as the text report says it); the smallest failing execution of a run is the one kept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/result.hpp>

namespace corosim::reports {

enum class Verdict { pass, fail };

// The failure a run found (the one with the smallest execution index).
struct CiFailure {
  std::string kind;               // sim::run_status_name
  std::uint64_t execution = 0;    // from 1
  std::uint64_t seed = 0;
  std::string strategy;           // the spec that reproduces it with the seed
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
  std::string schedule_file;      // where its schedule was saved (the corpus); empty: not saved
  std::string report;             // the text failure report (reports/text.hpp)
  std::string reproduce;          // its last line: the command that reproduces it
};

// One entry of the config's runs, as this shard (or, merged, every shard) ran it.
struct CiRun {
  std::string scenario;
  std::string expected;           // "pass" or "bug: KIND", as `corosim list` prints it
  std::string strategy;
  std::uint64_t first_seed = 1;
  std::uint64_t schedules = 0;    // asked for, over all shards
  double time_s = 0;              // wall-time budget; 0: none
  std::uint64_t executions = 0;   // that ran
  bool exhausted = false;
  bool out_of_time = false;
  double wall_s = 0;
  Verdict verdict = Verdict::pass;
  std::string reason;             // one line on the verdict
  std::optional<CiFailure> failure;
};

// One schedule of the corpus, replayed.
struct CiCorpusEntry {
  std::string file;
  std::string scenario;
  std::string expected;
  std::string status;             // how the replay ended (sim::run_status_name)
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
  std::optional<std::uint64_t> diverged_at_step;  // where the replay left the schedule (the code changed)
  std::string divergence;         // why, one line; empty when it did not
  Verdict verdict = Verdict::pass;
  std::string reason;
};

struct CiSummary {
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  std::string shard_source;
  std::uint64_t merged_shards = 0;
  double wall_s = 0;
  std::vector<CiRun> runs;
  std::vector<CiCorpusEntry> corpus;

  // The gate holds when every run and every corpus schedule passes.
  bool holds() const;
};

std::string ci_summary_json(const CiSummary &summary);

// Reads a summary written by ci_summary_json. Error (one line): not JSON, not a corosim-ci summary, another
// version, a missing or mistyped member.
sim::Result<CiSummary> ci_summary_from_json(std::string_view text);

// JUnit XML: one <testsuite name="corosim ci"> with a testcase per run ("explore SCENARIO", classname
// corosim.ci.run) and per corpus schedule ("replay FILE", classname corosim.ci.corpus); a failing verdict is a
// <failure> whose message is the reason and whose body is the failure report; a divergence is said in the
// testcase's <system-out>.
std::string ci_junit_xml(const CiSummary &summary);

}  // namespace corosim::reports
