// `ci` (commands.hpp): the regression gate. Its inputs (config, corpus, shard, output files) are resolved and
// refused with exit 2 before anything runs; then every corpus schedule of this shard is replayed, every run of the
// config explored, new failures shrunk and saved into the corpus, and the whole judged (ci_gate.hpp).

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <corosim/sim/explore.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>
#include <corosim/sim/schedule.hpp>
#include <corosim/sim/shrink.hpp>
#include <corosim/sim/strategy.hpp>

#include "ci_gate.hpp"
#include "commands.hpp"

namespace corosim::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr double kShrinkSeconds = 10;           // for a failure saved into the corpus

struct GateRun {
  const sim::Scenario *scenario = nullptr;
  std::string strategy = "pct";
  uint64_t seed = 1;
  uint64_t schedules = kDefaultSchedules;
  double time_s = 0;
};

struct CorpusSchedule {
  std::string file;
  sim::Schedule schedule;
};

struct Gate {
  std::vector<GateRun> runs;
  std::string corpus_dir;  // empty: no corpus (new failures go to the current directory)
  std::vector<CorpusSchedule> corpus;
  Shard shard;
  OutputFile json, junit;
};

// --- the config ---

sim::Result<GateRun> gate_run(const Json &j, std::size_t index) {
  const std::string where = "runs[" + std::to_string(index) + "]: ";
  if (!j.is_object()) return sim::Error{where + "expected an object"};
  GateRun run;
  for (const auto &[key, value] : j.items()) {
    if (key == "scenario" && value.is_string()) {
      std::string reason;
      run.scenario = find_scenario(value.get<std::string>(), &reason);
      if (!run.scenario) return sim::Error{where + reason};
    } else if (key == "strategy" && value.is_string()) {
      auto spec = sim::parse_strategy(value.get<std::string>());
      if (!spec || spec.value().name == "replay")
        return sim::Error{where + (spec ? "the replay strategy needs a schedule" : spec.error())};
      run.strategy = spec.value().to_string();
    } else if (key == "seed" && (value.is_string() || value.is_number_unsigned())) {
      auto seed = sim::parse_seed(value.is_string() ? value.get<std::string>() : value.dump());
      if (!seed) return sim::Error{where + seed.error()};
      run.seed = seed.value();
    } else if (key == "schedules" && value.is_number_unsigned() && value.get<uint64_t>() > 0) {
      run.schedules = value.get<uint64_t>();
    } else if (key == "time" && value.is_number() && value.get<double>() >= 0) {
      run.time_s = value.get<double>();
      if (!j.contains("schedules")) run.schedules = UINT64_MAX;  // as explore: --time alone is the budget
    } else {
      return sim::Error{where + "unknown member or bad value \"" + sim::excerpt(key) +
                        "\" (runs take scenario, strategy, seed, schedules > 0, time >= 0)"};
    }
  }
  if (!run.scenario) return sim::Error{where + "no \"scenario\""};
  return run;
}

// Reads the config into gate.runs and gate.corpus_dir (relative to the config's directory).
std::optional<std::string> read_config(const std::string &path, Gate &gate) {
  const std::string where = "--config " + sim::excerpt(path, 200) + ": ";
  std::ifstream in(path, std::ios::binary);
  if (!in) return where + "cannot read it";
  std::stringstream text;
  text << in.rdbuf();
  const Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return where + "not a JSON object";
  for (const auto &[key, value] : j.items())
    if (!((key == "corpus" && value.is_string()) || (key == "runs" && value.is_array())))
      return where + "unknown member or bad value \"" + sim::excerpt(key) + "\" (a config has corpus and runs)";
  if (j.contains("corpus"))
    gate.corpus_dir = (fs::path(path).parent_path() / j["corpus"].get<std::string>()).lexically_normal().string();
  if (j.contains("runs"))
    for (std::size_t i = 0; i < j["runs"].size(); ++i) {
      auto run = gate_run(j["runs"][i], i);
      if (!run) return where + run.error();
      gate.runs.push_back(run.value());
    }
  return std::nullopt;
}

// Every *.schedule.json of the corpus directory, by name; the directory is made if it is missing.
std::optional<std::string> read_corpus(Gate &gate) {
  if (gate.corpus_dir.empty()) return std::nullopt;
  std::error_code error;
  fs::create_directories(gate.corpus_dir, error);
  if (error || ::access(gate.corpus_dir.c_str(), W_OK) != 0)
    return "corpus " + sim::excerpt(gate.corpus_dir, 200) + ": not a directory that can be written";
  std::vector<std::string> files;
  for (const fs::directory_entry &e : fs::directory_iterator(gate.corpus_dir, error))
    if (e.path().filename().string().ends_with(".schedule.json")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string &file : files) {
    auto schedule = sim::load_schedule(file);
    if (!schedule) return "corpus: " + schedule.error();
    gate.corpus.push_back({file, std::move(schedule.value())});
  }
  return std::nullopt;
}

std::optional<std::string> resolve(const CiArgs &args, Gate &gate) {
  auto shard = resolve_shard(args.shard, args.shard_count);
  if (!shard) return shard.error();
  gate.shard = shard.value();
  if (!args.config.empty()) {
    if (auto problem = read_config(args.config, gate)) return problem;
  } else {
    for (const sim::Scenario &s : sim::scenarios()) gate.runs.push_back({&s});
  }
  if (!args.corpus.empty()) gate.corpus_dir = args.corpus;
  if (auto problem = read_corpus(gate)) return problem;
  if (auto problem = gate.json.open("--json", args.json_file)) return problem;
  return gate.junit.open("--junit", args.junit_file);
}

// --- the corpus ---

// The strategy a corpus schedule is continued with where it no longer fits: the one that recorded it when its seed
// reproduces it (random, PCT), else "the running thread goes on" (a shrunk or DFS schedule).
std::unique_ptr<sim::Strategy> continuation(const sim::Schedule &schedule) {
  const std::string &name = schedule.strategy.name;
  if (name == "random" || name == "pct") return sim::make_strategy(schedule.strategy.to_string()).value();
  return sim::make_tape_strategy({});
}

reports::CiCorpusEntry replay_corpus(const CorpusSchedule &c) {
  reports::CiCorpusEntry entry;
  entry.file = c.file;
  entry.scenario = c.schedule.scenario;
  const sim::Scenario *s = nullptr;
  if (auto problem = schedule_scenario_problem(c.schedule, &s)) {
    entry.verdict = reports::Verdict::fail;
    entry.reason = *problem + " (restore the scenario, or remove the schedule from the corpus)";
    return entry;
  }
  entry.expected = s->expected_text();
  sim::GuidedStrategy guided(c.schedule.decisions, continuation(c.schedule));
  const sim::RunResult r = sim::run_once(s->body, guided, c.schedule.seed, sim::run_options_of(c.schedule));
  entry.status = sim::run_status_name(r.status);
  entry.steps = r.steps;
  entry.trace_hash = r.trace_hash;
  entry.diverged_at_step = guided.diverged_at_step();
  entry.divergence = guided.divergence();
  if (!entry.diverged_at_step && c.schedule.trace_hash && *c.schedule.trace_hash != r.trace_hash)
    entry.divergence = "every decision fitted, but the run's trace differs from the recorded one";
  const bool bug = s->expected == sim::Expected::bug;
  const bool seeded = bug && r.status == s->failure_kind;
  entry.verdict = r.ok() || seeded ? reports::Verdict::pass : reports::Verdict::fail;
  entry.reason = r.ok()     ? (bug ? "passes: the seeded bug no longer shows on this schedule" : "passes")
                 : seeded   ? std::string("seeded bug found again: ") + entry.status
                 : bug      ? "fails with " + entry.status + ", not its seeded " + sim::run_status_name(s->failure_kind)
                            : "REGRESSION: fails again with " + entry.status;
  return entry;
}

// --- the runs ---

// A failure that fails the gate: shrunk, saved into the corpus (or the current directory), reported.
reports::CiFailure keep_failure(sim::Failure f, const sim::Scenario &s, const Gate &gate, bool save) {
  if (save && !f.unrecorded()) {
    sim::ShrinkOptions options;
    options.time_budget_s = kShrinkSeconds;
    if (auto shrunk = sim::shrink_failure(s.body, f, options)) f = std::move(shrunk.value());
    const std::string file = f.default_schedule_file();
    if (auto saved = f.save(gate.corpus_dir.empty() ? fs::path(file) : fs::path(gate.corpus_dir) / file); !saved)
      std::fprintf(stderr, "corosim: warning: %s\n", saved.error().c_str());
  }
  const reports::FailureReport report = reports::failure_report(f, launcher());
  reports::CiFailure c;
  c.kind = f.kind();
  c.execution = *f.execution + 1;
  c.seed = f.seed;
  c.strategy = f.strategy.to_string();
  c.steps = f.result.steps;
  c.trace_hash = f.result.trace_hash;
  c.schedule_file = f.schedule_file;
  c.report = reports::failure_report_text(report);
  c.reproduce = report.commands.back();
  return c;
}

// One run of the config, in this shard. Error: the exploration could not run (a worker process refused), or it was
// interrupted (*interrupted: the signal).
sim::Result<reports::CiRun> explore_run(const GateRun &g, const Gate &gate, const CiArgs &args, int *interrupted) {
  const sim::Scenario &s = *g.scenario;
  reports::CiRun run;
  run.scenario = s.name;
  run.expected = s.expected_text();
  run.strategy = g.strategy;
  run.first_seed = g.seed;
  run.schedules = g.schedules;
  run.time_s = g.time_s;
  sim::ExploreOptions o;
  o.scenario = s.name;
  o.strategy = g.strategy;
  o.first_seed = g.seed;
  o.schedules = g.schedules;
  o.time_budget_s = g.time_s;
  o.run_options = s.run_options;
  const auto spec = sim::parse_strategy(g.strategy);  // checked with the configuration
  const bool dfs = spec && sim::is_systematic(spec.value());  // not sharded: shard 0 runs it whole, in one worker
  if (dfs && gate.shard.index != 0) return run;
  o.shard_index = dfs ? 0 : gate.shard.index;
  o.shard_count = dfs ? 1 : gate.shard.count;
  o.jobs = dfs ? std::min(args.jobs, 1u) : args.jobs;
  o.max_rss_mb = o.jobs > 0 ? kDefaultMaxRssMb : 0;
  o.stop_on_signals = true;
  ProgressLine progress;
  o.progress_interval_s = progress.start(args.progress);
  if (progress.enabled) {
    std::fprintf(stderr, "ci: exploring %s (%s)\n", s.name.c_str(), g.strategy.c_str());
    o.progress = [&](const sim::ExploreProgress &p) { progress.show(p); };
  }
  auto explored = sim::explore(s.body, o);
  progress.clear();
  if (!explored) return sim::Error{explored.error()};
  const sim::ExploreResult &e = explored.value();
  *interrupted = e.interrupted;
  if (e.interrupted) return sim::Error{"interrupted by " + reports::signal_name(e.interrupted)};
  run.executions = e.executions;
  run.exhausted = e.exhausted;
  run.out_of_time = e.out_of_time;
  run.wall_s = e.wall_s;
  if (e.failure) {
    const bool expected = s.expected == sim::Expected::bug && e.failure->result.status == s.failure_kind;
    run.failure = keep_failure(*e.failure, s, gate, !expected);
  }
  judge_run(run, /*partial=*/gate.shard.count > 1);
  return run;
}

}  // namespace

int finish_ci(const reports::CiSummary &summary, const CiArgs &args) {
  for (const reports::CiCorpusEntry &c : summary.corpus) {
    std::string line = std::string(c.verdict == reports::Verdict::pass ? "ok    " : "FAIL  ") + "corpus " + c.file +
                       ": " + c.reason;
    if (c.diverged_at_step) line += " (diverged at step " + std::to_string(*c.diverged_at_step) + ")";
    else if (!c.divergence.empty()) line += " (" + c.divergence + ")";
    out(line + "\n");
  }
  for (const reports::CiRun &r : summary.runs) {
    out(std::string(r.verdict == reports::Verdict::pass ? "ok    " : "FAIL  ") + r.scenario + " (" + r.strategy +
        ", " + reports::executions_text(r.executions) + "): " + r.reason + "\n");
    if (r.verdict == reports::Verdict::fail && r.failure) out(r.failure->report);
  }
  const bool holds = summary.holds();
  out(std::string(holds ? "gate holds" : "gate FAILS") + ": " + std::to_string(summary.runs.size()) + " runs, " +
      std::to_string(summary.corpus.size()) + " corpus schedules\n");
  OutputFile json, junit;
  for (auto [file, option, path, text] :
       {std::tuple{&json, "--json", &args.json_file, reports::ci_summary_json(summary)},
        std::tuple{&junit, "--junit", &args.junit_file, reports::ci_junit_xml(summary)}}) {
    if (auto problem = file->open(option, *path)) return bad_input(*problem);
    if (auto problem = file->write(text)) return bad_input(*problem);
  }
  return holds ? kNoFailure : kFailureFound;
}

int ci_command(const CiArgs &args) {
  if (!args.merge.empty()) return ci_merge_command(args);
  Gate gate;
  if (auto problem = resolve(args, gate)) return bad_input(*problem);
  out("ci: " + std::to_string(gate.runs.size()) + " runs, " + std::to_string(gate.corpus.size()) +
      " corpus schedules" + (gate.corpus_dir.empty() ? "" : " in " + gate.corpus_dir) +
      (gate.shard.count > 1 ? ", shard " + std::to_string(gate.shard.index) + "/" + std::to_string(gate.shard.count) +
                                  " (from " + gate.shard.source + ")"
                            : "") +
      "\n");
  const double began = sim::wall_seconds();
  reports::CiSummary summary;
  summary.shard_index = gate.shard.index;
  summary.shard_count = gate.shard.count;
  summary.shard_source = gate.shard.source;
  for (std::size_t i = 0; i < gate.corpus.size(); ++i)
    if (i % gate.shard.count == gate.shard.index) summary.corpus.push_back(replay_corpus(gate.corpus[i]));
  for (const GateRun &g : gate.runs) {
    int interrupted = 0;
    auto run = explore_run(g, gate, args, &interrupted);
    if (!run) {
      std::fflush(stdout);
      std::fprintf(stderr, "corosim: %s%s\n", interrupted ? "ci " : "internal error: ", run.error().c_str());
      return interrupted ? 128 + interrupted : kInternalError;  // as a shell reports a process the signal ended
    }
    if (run.value().executions > 0 || run.value().failure) summary.runs.push_back(std::move(run.value()));
  }
  summary.wall_s = sim::wall_seconds() - began;
  return finish_ci(summary, args);
}

}  // namespace corosim::cli
