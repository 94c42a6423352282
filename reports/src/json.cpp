// JSON renderings (json.hpp), built with nlohmann::ordered_json so members come out in the documented order.
// Text that is not valid UTF-8 (a scenario's message could hold any bytes) is written with U+FFFD in its place
// rather than failing the whole report.

#include <corosim/reports/json.hpp>

#include <map>

#include <nlohmann/json.hpp>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/reports/text.hpp>
#include <corosim/sim/random.hpp>

#include "describe.hpp"

namespace corosim::reports {

namespace {

using Json = nlohmann::ordered_json;

Json optional_text(const std::string &text) { return text.empty() ? Json(nullptr) : Json(text); }

std::string dump(const Json &document) {
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Json failure_json(const FailureReport &report) {
  const sim::Failure &f = *report.failure;
  Json out;
  out["kind"] = f.kind();
  out["message"] = f.result.message;
  out["execution"] = f.execution ? Json(*f.execution + 1) : Json(nullptr);
  out["seed"] = sim::format_hex64(f.seed);
  out["strategy"] = f.strategy.to_string();
  out["steps"] = f.unrecorded() ? Json(nullptr) : Json(f.result.steps);
  out["trace_hash"] = f.unrecorded() ? Json(nullptr) : Json(sim::format_hex64(f.result.trace_hash));
  out["schedule_file"] = optional_text(f.schedule_file);
  out["verdict"] = optional_text(report.verdict);
  out["commands"] = report.commands;
  out["reproduce"] = report.commands.empty() ? Json(nullptr) : Json(report.commands.back());
  return out;
}

Json names_json(const std::map<uint64_t, std::string> &names) {
  Json out = Json::object();
  for (const auto &[id, name] : names) out[std::to_string(id)] = name;
  return out;
}

const char *kind_name(sim::TraceEvent::Kind kind) {
  switch (kind) {
    case sim::TraceEvent::Kind::call: return "call";
    case sim::TraceEvent::Kind::wake: return "wake";
    case sim::TraceEvent::Kind::step: break;
  }
  return "step";
}

Json event_json(const sim::TraceEvent &e, const sim::RunResult &r) {
  const bool step = e.kind == sim::TraceEvent::Kind::step;
  Json out{{"kind", kind_name(e.kind)}, {"step", e.step}, {"thread", e.thread}, {"coroutine", e.coroutine}};
  out["op"] = step ? Json(platform::sim_op_name(e.op)) : Json(nullptr);
  out["object"] = e.object;
  out["now_ns"] = e.now_ns;
  out["text"] = detail::operation_text(e, r);
  out["value"] = optional_text(detail::access_text(e.access));
  out["site"] = optional_text(detail::site_text(e));
  out["call"] = e.call ? Json(e.call) : Json(nullptr);
  out["user"] = e.user;
  return out;
}

}  // namespace

std::string explore_summary_json(const ExploreSummary &s) {
  Json out;
  out["format"] = "corosim-explore";
  out["version"] = 1;
  out["scenario"] = s.scenario;
  out["expected"] = s.expected;
  out["strategy"] = s.strategy;
  out["first_seed"] = sim::format_hex64(s.first_seed);
  out["schedules"] = s.schedules;
  out["shard"] = Json{{"index", s.shard_index}, {"count", s.shard_count}};
  out["jobs"] = s.jobs;
  out["executions"] = s.executions;
  out["exhausted"] = s.exhausted;
  out["out_of_time"] = s.out_of_time;
  out["interrupted"] = s.interrupted ? Json(signal_name(s.interrupted)) : Json(nullptr);
  out["wall_s"] = s.wall_s;
  out["failure"] = s.failure ? failure_json(*s.failure) : Json(nullptr);
  return dump(out);
}

std::string trace_json(const RunTrace &run) {
  const sim::RunResult &r = *run.result;
  Json out;
  out["format"] = "corosim-trace";
  out["version"] = 1;
  out["scenario"] = run.scenario;
  out["strategy"] = run.strategy;
  out["seed"] = sim::format_hex64(run.seed);
  out["schedule_file"] = optional_text(run.schedule_file);
  out["status"] = sim::run_status_name(r.status);
  out["message"] = r.message;
  out["steps"] = r.steps;
  out["trace_hash"] = sim::format_hex64(r.trace_hash);
  out["end_ns"] = r.end_ns;
  out["truncated"] = r.truncated;
  out["failing_step"] = r.failing_step ? Json(*r.failing_step) : Json(nullptr);
  out["reproduce"] = optional_text(run.reproduce);
  out["object_names"] = names_json(r.object_names);
  out["coroutine_names"] = names_json(r.coroutine_names);
  Json events = Json::array();
  for (const sim::TraceEvent &e : r.trace) events.push_back(event_json(e, r));
  out["events"] = std::move(events);
  return dump(out);
}

}  // namespace corosim::reports
