// `ci --merge` (commands.hpp): the summaries of a sharded gate (ci --json, one per shard) merged into one verdict,
// one summary and one JUnit file, and the run's verdict rules (ci_gate.hpp) that both sides use.

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <corosim/reports/text.hpp>
#include <corosim/sim/parse.hpp>

#include "ci_gate.hpp"
#include "commands.hpp"

namespace corosim::cli {

void judge_run(reports::CiRun &run, bool partial) {
  const std::string n = reports::executions_text(run.executions);
  const bool bug = run.expected.rfind("bug: ", 0) == 0;
  const std::string seeded = bug ? run.expected.substr(5) : "";
  if (!run.failure && bug && partial) {
    run.verdict = reports::Verdict::pass;
    run.reason = "seeded bug not found in this shard's " + n + " (the merged shards are judged: ci --merge)";
  } else if (!run.failure) {
    run.verdict = bug ? reports::Verdict::fail : reports::Verdict::pass;
    run.reason = bug ? "seeded bug not found in " + n + ": scenario '" + run.scenario + "' must fail with " +
                           seeded + " within its budget (the budget is too small, or the harness lost power)"
                     : "no failure in " + n;
  } else if (!bug) {
    run.verdict = reports::Verdict::fail;
    run.reason = "REGRESSION: scenario '" + run.scenario + "' is expected to pass, and execution " +
                 std::to_string(run.failure->execution) + " fails with " + run.failure->kind;
  } else if (run.failure->kind == seeded) {
    run.verdict = reports::Verdict::pass;
    run.reason = "seeded bug found: " + seeded + " in execution " + std::to_string(run.failure->execution);
  } else {
    run.verdict = reports::Verdict::fail;
    run.reason = "scenario '" + run.scenario + "' fails with " + run.failure->kind + ", not its seeded " + seeded;
  }
}

namespace {

sim::Result<reports::CiSummary> read_summary(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Error{"--merge " + sim::excerpt(path, 200) + ": cannot read it"};
  std::stringstream text;
  text << in.rdbuf();
  auto summary = reports::ci_summary_from_json(text.str());
  if (!summary) return sim::Error{"--merge " + sim::excerpt(path, 200) + ": " + summary.error()};
  if (summary.value().merged_shards > 0)
    return sim::Error{"--merge " + sim::excerpt(path, 200) + ": already a merged summary (merge shard summaries)"};
  return summary;
}

// Every shard 0 .. N-1 once, all of the same N; else why not.
std::optional<std::string> coverage_problem(const std::vector<reports::CiSummary> &shards,
                                            const std::vector<std::string> &paths) {
  const std::uint64_t count = shards.front().shard_count;
  std::vector<int> seen(count, -1);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    if (shards[i].shard_count != count)
      return "--merge: " + paths[i] + " is a shard of " + std::to_string(shards[i].shard_count) + ", " + paths[0] +
             " one of " + std::to_string(count);
    const std::uint64_t index = shards[i].shard_index;
    if (seen[index] >= 0) return "--merge: shard " + std::to_string(index) + " given twice (" + paths[seen[index]] +
                                 ", " + paths[i] + ")";
    seen[index] = static_cast<int>(i);
  }
  for (std::uint64_t index = 0; index < count; ++index)
    if (seen[index] < 0)
      return "--merge: shard " + std::to_string(index) + "/" + std::to_string(count) + " is missing";
  return std::nullopt;
}

// The runs of every shard as one: executions added up, the smallest failing execution kept, judged again.
std::vector<reports::CiRun> merge_runs(const std::vector<reports::CiSummary> &shards) {
  std::vector<reports::CiRun> merged;
  using Key = std::tuple<std::string, std::string, std::uint64_t, std::uint64_t, double>;
  std::map<Key, std::size_t> at;
  for (const reports::CiSummary &shard : shards) {
    for (const reports::CiRun &r : shard.runs) {
      const Key key{r.scenario, r.strategy, r.first_seed, r.schedules, r.time_s};
      auto [it, fresh] = at.emplace(key, merged.size());
      if (fresh) {
        merged.push_back(r);
        continue;
      }
      reports::CiRun &m = merged[it->second];
      m.executions += r.executions;
      m.exhausted = m.exhausted || r.exhausted;
      m.out_of_time = m.out_of_time || r.out_of_time;
      m.wall_s = std::max(m.wall_s, r.wall_s);
      if (r.failure && (!m.failure || r.failure->execution < m.failure->execution)) m.failure = r.failure;
    }
  }
  for (reports::CiRun &r : merged) judge_run(r, /*partial=*/false);
  return merged;
}

}  // namespace

int ci_merge_command(const CiArgs &args) {
  if (!args.config.empty() || !args.corpus.empty() || !args.shard.empty() || args.shard_count)
    return bad_input("--merge takes summaries only (with --json and --junit for the merged ones)");
  std::vector<reports::CiSummary> shards;
  for (const std::string &path : args.merge) {
    auto summary = read_summary(path);
    if (!summary) return bad_input(summary.error());
    shards.push_back(std::move(summary.value()));
  }
  if (auto problem = coverage_problem(shards, args.merge)) return bad_input(*problem);
  reports::CiSummary merged;
  merged.shard_source = "merged";
  merged.merged_shards = shards.size();
  merged.runs = merge_runs(shards);
  for (const reports::CiSummary &shard : shards) {
    merged.wall_s = std::max(merged.wall_s, shard.wall_s);
    merged.corpus.insert(merged.corpus.end(), shard.corpus.begin(), shard.corpus.end());
  }
  std::sort(merged.corpus.begin(), merged.corpus.end(),
            [](const reports::CiCorpusEntry &a, const reports::CiCorpusEntry &b) { return a.file < b.file; });
  out("merged " + std::to_string(shards.size()) + " shards\n");
  return finish_ci(merged, args);
}

}  // namespace corosim::cli
