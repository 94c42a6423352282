// The regression gate's summary (ci.hpp): JSON out and back in (for `ci --merge`), and JUnit XML.

#include <corosim/reports/ci.hpp>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <corosim/reports/junit.hpp>
#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>

namespace corosim::reports {

bool CiSummary::holds() const {
  auto passes = [](const auto &item) { return item.verdict == Verdict::pass; };
  return std::all_of(runs.begin(), runs.end(), passes) && std::all_of(corpus.begin(), corpus.end(), passes);
}

namespace {

using Json = nlohmann::ordered_json;

const char *verdict_name(Verdict v) { return v == Verdict::pass ? "pass" : "fail"; }

Json failure_json(const CiFailure &f) {
  return Json{{"kind", f.kind},
              {"execution", f.execution},
              {"seed", sim::format_hex64(f.seed)},
              {"strategy", f.strategy},
              {"steps", f.steps},
              {"trace_hash", sim::format_hex64(f.trace_hash)},
              {"schedule_file", f.schedule_file.empty() ? Json(nullptr) : Json(f.schedule_file)},
              {"report", f.report},
              {"reproduce", f.reproduce}};
}

Json run_json(const CiRun &r) {
  return Json{{"scenario", r.scenario},       {"expected", r.expected},
              {"strategy", r.strategy},       {"first_seed", sim::format_hex64(r.first_seed)},
              {"schedules", r.schedules},     {"time_s", r.time_s},
              {"executions", r.executions},   {"exhausted", r.exhausted},
              {"out_of_time", r.out_of_time}, {"wall_s", r.wall_s},
              {"verdict", verdict_name(r.verdict)}, {"reason", r.reason},
              {"failure", r.failure ? failure_json(*r.failure) : Json(nullptr)}};
}

Json corpus_json(const CiCorpusEntry &c) {
  return Json{{"file", c.file},
              {"scenario", c.scenario},
              {"expected", c.expected},
              {"status", c.status},
              {"steps", c.steps},
              {"trace_hash", sim::format_hex64(c.trace_hash)},
              {"diverged_at_step", c.diverged_at_step ? Json(*c.diverged_at_step) : Json(nullptr)},
              {"divergence", c.divergence},
              {"verdict", verdict_name(c.verdict)},
              {"reason", c.reason}};
}

// --- reading back: nlohmann's exceptions (a missing member, a wrong type) become the caller's one-line Error ---

std::uint64_t hex(const Json &j, const char *name) {
  auto value = sim::parse_seed(j.at(name).get<std::string>());
  if (!value) throw std::runtime_error(std::string(name) + ": " + value.error());
  return value.value();
}

Verdict verdict_of(const Json &j) {
  const std::string v = j.at("verdict").get<std::string>();
  if (v != "pass" && v != "fail") throw std::runtime_error("verdict: expected \"pass\" or \"fail\"");
  return v == "pass" ? Verdict::pass : Verdict::fail;
}

CiFailure failure_from(const Json &j) {
  CiFailure f;
  f.kind = j.at("kind").get<std::string>();
  f.execution = j.at("execution").get<std::uint64_t>();
  f.seed = hex(j, "seed");
  f.strategy = j.at("strategy").get<std::string>();
  f.steps = j.at("steps").get<std::uint64_t>();
  f.trace_hash = hex(j, "trace_hash");
  if (!j.at("schedule_file").is_null()) f.schedule_file = j.at("schedule_file").get<std::string>();
  f.report = j.at("report").get<std::string>();
  f.reproduce = j.at("reproduce").get<std::string>();
  return f;
}

CiRun run_from(const Json &j) {
  CiRun r;
  r.scenario = j.at("scenario").get<std::string>();
  r.expected = j.at("expected").get<std::string>();
  r.strategy = j.at("strategy").get<std::string>();
  r.first_seed = hex(j, "first_seed");
  r.schedules = j.at("schedules").get<std::uint64_t>();
  r.time_s = j.at("time_s").get<double>();
  r.executions = j.at("executions").get<std::uint64_t>();
  r.exhausted = j.at("exhausted").get<bool>();
  r.out_of_time = j.at("out_of_time").get<bool>();
  r.wall_s = j.at("wall_s").get<double>();
  r.verdict = verdict_of(j);
  r.reason = j.at("reason").get<std::string>();
  if (!j.at("failure").is_null()) r.failure = failure_from(j.at("failure"));
  return r;
}

CiCorpusEntry corpus_from(const Json &j) {
  CiCorpusEntry c;
  c.file = j.at("file").get<std::string>();
  c.scenario = j.at("scenario").get<std::string>();
  c.expected = j.at("expected").get<std::string>();
  c.status = j.at("status").get<std::string>();
  c.steps = j.at("steps").get<std::uint64_t>();
  c.trace_hash = hex(j, "trace_hash");
  if (!j.at("diverged_at_step").is_null()) c.diverged_at_step = j.at("diverged_at_step").get<std::uint64_t>();
  c.divergence = j.at("divergence").get<std::string>();
  c.verdict = verdict_of(j);
  c.reason = j.at("reason").get<std::string>();
  return c;
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", s < 0 ? 0.0 : s);
  return text;
}

void testcase(std::string &out, const std::string &name, const char *classname, double wall_s, Verdict verdict,
              const std::string &reason, const std::string &body, const std::string &said) {
  out += "    <testcase name=\"" + xml_escape(name) + "\" classname=\"" + classname + "\" time=\"" + seconds(wall_s) +
         "\">\n";
  if (verdict == Verdict::fail)
    out += "      <failure type=\"regression\" message=\"" + xml_escape(reason) + "\">" + xml_escape(body) +
           "</failure>\n";
  out += "      <system-out>" + xml_escape(said) + "</system-out>\n";
  out += "    </testcase>\n";
}

}  // namespace

std::string ci_summary_json(const CiSummary &s) {
  Json out;
  out["format"] = "corosim-ci";
  out["version"] = 1;
  out["shard"] = Json{{"index", s.shard_index}, {"count", s.shard_count}, {"source", s.shard_source}};
  out["merged_shards"] = s.merged_shards;
  out["gate"] = s.holds() ? "holds" : "fails";
  out["wall_s"] = s.wall_s;
  out["runs"] = Json::array();
  for (const CiRun &r : s.runs) out["runs"].push_back(run_json(r));
  out["corpus"] = Json::array();
  for (const CiCorpusEntry &c : s.corpus) out["corpus"].push_back(corpus_json(c));
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

sim::Result<CiSummary> ci_summary_from_json(std::string_view text) {
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return sim::Error{"not JSON"};
  try {
    if (!j.is_object() || !j.contains("format") || j.at("format") != "corosim-ci")
      return sim::Error{"not a corosim ci summary (no \"format\": \"corosim-ci\")"};
    if (j.at("version") != 1) return sim::Error{"ci summary version " + j.at("version").dump() + " (this reads 1)"};
    CiSummary s;
    s.shard_index = j.at("shard").at("index").get<std::uint64_t>();
    s.shard_count = j.at("shard").at("count").get<std::uint64_t>();
    s.shard_source = j.at("shard").at("source").get<std::string>();
    s.merged_shards = j.at("merged_shards").get<std::uint64_t>();
    s.wall_s = j.at("wall_s").get<double>();
    for (const Json &r : j.at("runs")) s.runs.push_back(run_from(r));
    for (const Json &c : j.at("corpus")) s.corpus.push_back(corpus_from(c));
    return s;
  } catch (const std::exception &e) {
    return sim::Error{std::string("malformed ci summary: ") + sim::excerpt(e.what(), 200)};
  }
}

std::string ci_junit_xml(const CiSummary &s) {
  std::size_t failures = 0;
  for (const CiRun &r : s.runs) failures += r.verdict == Verdict::fail;
  for (const CiCorpusEntry &c : s.corpus) failures += c.verdict == Verdict::fail;
  const std::string tests = std::to_string(s.runs.size() + s.corpus.size());
  const std::string counts = "tests=\"" + tests + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" time=\"" + seconds(s.wall_s) + "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"corosim\" " + counts + ">\n";
  out += "  <testsuite name=\"corosim ci\" " + counts + " skipped=\"0\">\n";
  for (const CiRun &r : s.runs) {
    const std::string name = "explore " + r.scenario + " (" + r.strategy + ", seed " + sim::format_hex64(r.first_seed) +
                             ")";
    const std::string said = std::to_string(r.executions) + " executions: " + r.reason;
    testcase(out, name, "corosim.ci.run", r.wall_s, r.verdict, r.reason, r.failure ? r.failure->report : r.reason,
             said);
  }
  for (const CiCorpusEntry &c : s.corpus) {
    std::string said = c.reason;
    if (c.diverged_at_step) said += "; diverged at step " + std::to_string(*c.diverged_at_step) + ": " + c.divergence;
    testcase(out, "replay " + c.file, "corosim.ci.corpus", 0, c.verdict, c.reason, said, said);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace corosim::reports
