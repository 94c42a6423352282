// The parts of a trace event, named the same way by every renderer (describe.hpp).

#include "describe.hpp"

#include <string_view>

namespace corosim::reports::detail {

std::string value_text(const platform::SimValue &v) {
  using Type = platform::SimValue::Type;
  switch (v.type) {
    case Type::unsigned_: return std::to_string(v.bits);
    case Type::signed_: return std::to_string(static_cast<int64_t>(v.bits));
    case Type::boolean: return v.bits ? "true" : "false";
    case Type::pointer: return v.bits ? "non-null" : "null";
    case Type::none: break;
  }
  return "?";
}

std::string access_text(const platform::SimAccess &a) {
  using Kind = platform::SimAccess::Kind;
  switch (a.kind) {
    case Kind::load: return "-> " + value_text(a.after);
    case Kind::store: return "<- " + value_text(a.after);
    case Kind::rmw: return value_text(a.before) + " -> " + value_text(a.after);
    case Kind::cas_success: return value_text(a.before) + " -> " + value_text(a.after) + " (cas)";
    case Kind::cas_failure:
      return "expected " + value_text(a.before) + ", found " + value_text(a.after) + " (cas failed)";
    case Kind::none: break;
  }
  return "";
}

std::string site_text(const sim::TraceEvent &e) {
  if (!e.file) return "";
  std::string_view file = e.file;
  if (const std::size_t slash = file.find_last_of('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  return std::string(file) + ":" + std::to_string(e.line);
}

namespace {
std::string with_name(std::string text, uint64_t id, const std::map<uint64_t, std::string> &names) {
  if (auto it = names.find(id); it != names.end()) text += " '" + it->second + "'";
  return text;
}
}  // namespace

std::string coroutine_text(uint64_t id, const sim::RunResult &run) {
  return id == 0 ? "-" : with_name("co" + std::to_string(id), id, run.coroutine_names);
}

std::string object_text(uint64_t id, const sim::RunResult &run) {
  return with_name("#" + std::to_string(id), id, run.object_names);
}

std::string operation_text(const sim::TraceEvent &e, const sim::RunResult &run) {
  switch (e.kind) {
    case sim::TraceEvent::Kind::call: return std::string("call ") + e.call;
    case sim::TraceEvent::Kind::wake: return "wakes " + coroutine_text(e.object, run);
    case sim::TraceEvent::Kind::step: break;
  }
  std::string text = platform::sim_op_name(e.op);
  if (e.object != 0) text += " " + object_text(e.object, run);
  return text;
}

}  // namespace corosim::reports::detail
