// The Trace Event format (perfetto.hpp), built with nlohmann::ordered_json.

#include <corosim/reports/perfetto.hpp>

#include <map>

#include <nlohmann/json.hpp>

#include <corosim/sim/random.hpp>

#include "describe.hpp"

namespace corosim::reports {

namespace {

using Json = nlohmann::ordered_json;

Json metadata(const char *what, uint32_t tid, const std::string &name) {
  Json e{{"name", what}, {"ph", "M"}, {"pid", 1}};
  if (std::string_view(what) == "thread_name") e["tid"] = tid;
  e["args"] = Json{{"name", name}};
  return e;
}

Json instant(const sim::TraceEvent &e, const sim::RunResult &run) {
  Json args{{"step", e.step}, {"coroutine", detail::coroutine_text(e.coroutine, run)}, {"now_ns", e.now_ns}};
  if (std::string value = detail::access_text(e.access); !value.empty()) args["value"] = value;
  if (std::string site = detail::site_text(e); !site.empty()) args["site"] = site;
  if (e.call) args["call"] = e.call;
  args["user"] = e.user;
  return Json{{"name", detail::operation_text(e, run)}, {"ph", "i"}, {"s", "t"}, {"pid", 1}, {"tid", e.thread},
              {"ts", e.step}, {"args", std::move(args)}};
}

// A coroutine's run on a thread, open until another coroutine (or the thread's own stack) takes a step there.
struct Slice {
  uint64_t coroutine = 0;
  uint64_t first = 0;
  uint64_t last = 0;
};

Json slice(uint32_t thread, const Slice &s, const sim::RunResult &run) {
  return Json{{"name", detail::coroutine_text(s.coroutine, run)}, {"ph", "X"}, {"pid", 1}, {"tid", thread},
              {"ts", s.first}, {"dur", s.last - s.first + 1}};
}

}  // namespace

std::string trace_perfetto(const RunTrace &run) {
  const sim::RunResult &r = *run.result;
  Json events = Json::array();
  events.push_back(metadata("process_name", 0,
                            "corosim " + run.scenario + " (seed " + sim::format_hex64(run.seed) + ")"));
  std::map<uint32_t, Slice> open;  // by thread: the coroutine running there
  for (const sim::TraceEvent &e : r.trace) {
    if (!open.count(e.thread)) events.push_back(metadata("thread_name", e.thread, "t" + std::to_string(e.thread)));
    Slice &s = open[e.thread];
    if (e.kind == sim::TraceEvent::Kind::step && e.coroutine != s.coroutine) {
      if (s.coroutine != 0) events.push_back(slice(e.thread, s, r));
      s = Slice{e.coroutine, e.step, e.step};
    } else if (e.kind == sim::TraceEvent::Kind::step) {
      s.last = e.step;
    }
    events.push_back(instant(e, r));
  }
  for (const auto &[thread, s] : open)
    if (s.coroutine != 0) events.push_back(slice(thread, s, r));
  if (r.failing_step)
    events.push_back(Json{{"name", std::string("FAILED: ") + sim::run_status_name(r.status)},
                          {"ph", "i"},
                          {"s", "g"},
                          {"pid", 1},
                          {"tid", 0},
                          {"ts", *r.failing_step},
                          {"args", Json{{"message", r.message}}}});
  Json out{{"displayTimeUnit", "ns"}, {"traceEvents", std::move(events)}};
  return out.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace corosim::reports
