// The schedule file: writing, reading and checking it (schedule.hpp). nlohmann::json parses and escapes; every
// check of shape and type is explicit here, so no JSON exception escapes and every defect is one line.

#include <corosim/sim/schedule.hpp>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include <corosim/sim/parse.hpp>
#include <corosim/sim/random.hpp>

namespace corosim::sim {

namespace {

using Json = nlohmann::json;

constexpr const char *kFormatName = "corosim-schedule";
// Decisions per line in the file: keeps long schedules readable and diffable.
constexpr std::size_t kDecisionsPerLine = 16;

// Compact JSON text of a value; invalid UTF-8 in a name is replaced rather than thrown on.
std::string dump(const Json &value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// The parser's own messages are cut at kMessageChars, so a refusal stays one readable line.
constexpr std::size_t kMessageChars = 160;
// Limits checked before anything is built: a schedule file is a few kilobytes to a few megabytes (a decision is a
// few bytes); nothing in its format nests deeper than three levels. A file beyond them is refused, not read.
constexpr std::uintmax_t kMaxFileBytes = 64u << 20;
constexpr int kMaxDepth = 16;
// A value quoted in an error line: its JSON text (escaped, so one line), cut at kExcerptChars. A structure of
// more than kDumpItems items is described instead, so that quoting it costs nothing; it cannot nest deeply (see
// kMaxDepth), so dumping one never recurses far.
constexpr std::size_t kExcerptChars = 60;
constexpr std::size_t kDumpItems = 1000;
std::string excerpt(const Json &value) {
  if (value.is_structured() && value.size() > kDumpItems)
    return (value.is_array() ? "an array of " : "an object of ") + std::to_string(value.size()) + " items";
  if (value.is_string() && value.get_ref<const std::string &>().size() > kExcerptChars)
    return dump(Json(value.get_ref<const std::string &>().substr(0, kExcerptChars))) + "...";
  std::string text = dump(value);
  if (text.size() > kExcerptChars) text = text.substr(0, kExcerptChars) + "...";
  return text;
}

enum class Want { string, object, array, unsigned_integer };

const char *describe(Want want) {
  switch (want) {
    case Want::string: return "a string";
    case Want::object: return "an object";
    case Want::array: return "an array";
    case Want::unsigned_integer: return "a non-negative integer";
  }
  return "?";
}

bool is(const Json &value, Want want) {
  switch (want) {
    case Want::string: return value.is_string();
    case Want::object: return value.is_object();
    case Want::array: return value.is_array();
    case Want::unsigned_integer: return value.is_number_unsigned();
  }
  return false;
}

// Member `key` of `object`, of the wanted type. `path` names `object` in messages ("" for the top level).
Result<const Json *> member(const Json &object, const std::string &path, const char *key, Want want) {
  const std::string name = path.empty() ? key : path + "." + key;
  const auto found = object.find(key);
  if (found == object.end()) return Error{"missing member '" + name + "'"};
  if (!is(*found, want))
    return Error{"member '" + name + "' must be " + describe(want) + ", not " + excerpt(*found)};
  return &*found;
}

// A JSON object whose values are all strings, as a map.
Result<std::map<std::string, std::string>> string_map(const Json &object, const std::string &path) {
  std::map<std::string, std::string> map;
  for (const auto &[key, value] : object.items()) {
    if (!value.is_string())
      return Error{"member '" + path + "." + key + "' must be a string, not " + excerpt(value)};
    map.emplace(key, value.get<std::string>());
  }
  return map;
}

// A member {"name": string, "parameters": {string: string}}.
Result<std::pair<std::string, std::map<std::string, std::string>>> named_parameters(const Json &root,
                                                                                    const char *key) {
  auto object = member(root, "", key, Want::object);
  if (!object) return Error{object.error()};
  auto name = member(*object.value(), key, "name", Want::string);
  if (!name) return Error{name.error()};
  auto parameters = member(*object.value(), key, "parameters", Want::object);
  if (!parameters) return Error{parameters.error()};
  auto map = string_map(*parameters.value(), std::string(key) + ".parameters");
  if (!map) return Error{map.error()};
  return std::pair{name.value()->get<std::string>(), std::move(map).value()};
}

Result<std::uint64_t> hex64(const Json &root, const char *key) {
  auto text = member(root, "", key, Want::string);
  if (!text) return Error{text.error()};
  const std::string &value = text.value()->get_ref<const std::string &>();
  auto parsed = parse_seed(value);
  if (!parsed) return Error{"member '" + std::string(key) + "': " + parsed.error()};
  return parsed.value();
}

Result<Decision> decision(const Json &item, std::size_t index) {
  const auto bad = [&] {
    return Error{"decision " + std::to_string(index + 1) + " must be [\"t\", thread id] or [\"n\", number], not " +
                 excerpt(item)};
  };
  if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_number_unsigned()) return bad();
  const std::string &kind = item[0].get_ref<const std::string &>();
  const auto value = item[1].get<std::uint64_t>();
  if (kind == "t" && value <= UINT32_MAX) return Decision{Decision::Kind::thread, value};
  if (kind == "n") return Decision{Decision::Kind::number, value};
  return bad();
}

// One optional decimal member of "run", within [min, max].
Result<std::optional<std::uint64_t>> run_member(const Json &run, const char *name, std::uint64_t min,
                                                std::uint64_t max) {
  if (!run.contains(name)) return std::optional<std::uint64_t>();
  auto text = member(run, "run", name, Want::string);
  if (!text) return Error{text.error()};
  auto parsed = parse_decimal(text.value()->get_ref<const std::string &>(), min, max);
  if (!parsed) return Error{"member 'run." + std::string(name) + "': " + parsed.error()};
  return std::optional<std::uint64_t>(parsed.value());
}

// The optional member {"run": {"max_steps": "N", "stack_bytes": "M", "granularity": "G"}} into `schedule`.
Result<Done> read_run(const Json &root, Schedule &schedule) {
  if (!root.contains("run")) return Done{};
  auto run = member(root, "", "run", Want::object);
  if (!run) return Error{run.error()};
  auto steps = run_member(*run.value(), "max_steps", 1, UINT64_MAX);
  if (!steps) return Error{steps.error()};
  auto stack = run_member(*run.value(), "stack_bytes", kMinStackBytes, kMaxStackBytes);
  if (!stack) return Error{stack.error()};
  schedule.max_steps = steps.value();
  schedule.stack_bytes = stack.value();
  if (run.value()->contains("granularity")) {
    auto text = member(*run.value(), "run", "granularity", Want::string);
    if (!text) return Error{text.error()};
    schedule.granularity = parse_granularity(text.value()->get_ref<const std::string &>());
    if (!schedule.granularity)
      return Error{"member 'run.granularity': " + excerpt(text.value()->get_ref<const std::string &>()) +
                   " is neither \"full\" nor \"api\""};
  }
  return Done{};
}

// The decisions, read while the text is parsed: each one is converted as soon as it is complete and then dropped
// from the document (as a JSON value a decision takes about 80 bytes, as a Decision 16: an 8-million-decision file
// took 1.5 GB and 12 s before). Filled by the parser callback of from_json; `decisions` is what read() uses.
struct DecisionStream {
  bool in_member = false;  // the top-level member being read is "decisions"
  bool in_array = false;   // ... and it is an array, whose elements are being read
  std::vector<Decision> decisions;
  std::optional<std::string> error;  // the first malformed decision

  // The parser callback's part (depth, event and value as nlohmann gives them); false: drop the value.
  bool take(int depth, Json::parse_event_t event, const Json &value) {
    using E = Json::parse_event_t;
    if (depth == 1 && event == E::key) in_member = value == "decisions";
    if (depth == 1 && in_member && event == E::array_start) {
      in_array = true;
      decisions.clear();  // a repeated member: the last one counts, as for every other member
      error.reset();
    } else if (depth == 1 && event == E::array_end) {
      in_array = false;
    } else if (depth == 2 && in_array && (event == E::value || event == E::array_end || event == E::object_end)) {
      auto parsed = decision(value, decisions.size());
      if (!parsed && !error) error = parsed.error();
      if (parsed) decisions.push_back(parsed.value());
      return false;
    }
    return true;
  }
};

Result<Schedule> read(const Json &root, DecisionStream &stream) {
  if (!root.is_object()) return Error{"not a corosim schedule: the top level is not a JSON object"};
  const auto format = root.find("format");
  if (format == root.end() || *format != kFormatName)
    return Error{std::string("not a corosim schedule (no \"format\": \"") + kFormatName + "\")"};
  auto version = member(root, "", "version", Want::unsigned_integer);
  if (!version) return Error{version.error()};
  if (*version.value() != Schedule::kFormatVersion)
    return Error{"format version " + excerpt(*version.value()) + " is not supported (this corosim reads version " +
                 std::to_string(Schedule::kFormatVersion) + ")"};

  Schedule schedule;
  auto scenario = named_parameters(root, "scenario");
  if (!scenario) return Error{scenario.error()};
  if (scenario.value().first.empty()) return Error{"member 'scenario.name' is empty"};
  schedule.scenario = std::move(scenario.value().first);
  schedule.scenario_parameters = std::move(scenario.value().second);

  auto strategy = named_parameters(root, "strategy");
  if (!strategy) return Error{strategy.error()};
  auto checked = check_strategy({std::move(strategy.value().first), std::move(strategy.value().second)});
  if (!checked) return Error{"member 'strategy': " + checked.error()};
  schedule.strategy = std::move(checked).value();

  auto seed = hex64(root, "seed");
  if (!seed) return Error{seed.error()};
  schedule.seed = seed.value();

  if (root.contains("trace_hash")) {
    auto hash = hex64(root, "trace_hash");
    if (!hash) return Error{hash.error()};
    schedule.trace_hash = hash.value();
  }

  if (auto run = read_run(root, schedule); !run) return Error{run.error()};

  auto decisions = member(root, "", "decisions", Want::array);
  if (!decisions) return Error{decisions.error()};
  if (stream.error) return Error{*stream.error};
  schedule.decisions = std::move(stream.decisions);
  return schedule;
}

Error file_error(const std::filesystem::path &path, const std::string &why) {
  return Error{"schedule file " + sim::excerpt(path.string(), 200) + ": " + why};
}

std::string system_reason(int error) { return std::generic_category().message(error); }

struct FileCloser {
  void operator()(std::FILE *file) const noexcept { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

std::string to_json(const Schedule &schedule) {
  const auto named = [](const std::string &name, const std::map<std::string, std::string> &parameters) {
    return dump(Json{{"name", name}, {"parameters", parameters}});
  };
  std::string text = "{\n";
  text += "  \"format\": \"" + std::string(kFormatName) + "\",\n";
  text += "  \"version\": " + std::to_string(Schedule::kFormatVersion) + ",\n";
  text += "  \"scenario\": " + named(schedule.scenario, schedule.scenario_parameters) + ",\n";
  text += "  \"strategy\": " + named(schedule.strategy.name, schedule.strategy.parameters) + ",\n";
  text += "  \"seed\": \"" + format_hex64(schedule.seed) + "\",\n";
  if (schedule.trace_hash) text += "  \"trace_hash\": \"" + format_hex64(*schedule.trace_hash) + "\",\n";
  std::string run;
  const auto add_run = [&run](const char *name, const std::string &value) {
    run += std::string(run.empty() ? "" : ", ") + "\"" + name + "\": \"" + value + "\"";
  };
  if (schedule.max_steps) add_run("max_steps", std::to_string(*schedule.max_steps));
  if (schedule.stack_bytes) add_run("stack_bytes", std::to_string(*schedule.stack_bytes));
  if (schedule.granularity) add_run("granularity", granularity_name(*schedule.granularity));
  if (!run.empty()) text += "  \"run\": {" + run + "},\n";
  text += "  \"decisions\": [";
  for (std::size_t i = 0; i < schedule.decisions.size(); ++i) {
    const Decision &d = schedule.decisions[i];
    text += i == 0 ? "\n    " : i % kDecisionsPerLine == 0 ? ",\n    " : ",";
    text += d.kind == Decision::Kind::thread ? "[\"t\"," : "[\"n\",";
    text += std::to_string(d.value) + "]";
  }
  text += schedule.decisions.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return text;
}

Result<Schedule> from_json(std::string_view text) {
  try {
    Json root;
    DecisionStream stream;
    try {
      // Nesting is refused while parsing, before a deep value exists (whose every later use would recurse).
      root = Json::parse(text.begin(), text.end(), [&stream](int depth, Json::parse_event_t event, Json &value) {
        if (depth > kMaxDepth) throw std::length_error("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        return stream.take(depth, event, value);
      });
    } catch (const std::length_error &e) {
      return Error{std::string("not a schedule: ") + e.what()};
    } catch (const Json::exception &e) {  // parse_error, or out_of_range for a number beyond double
      // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."; keep the part after
      // the bracket, cut to a readable line (an overflowing number is quoted whole).
      std::string what = e.what();
      const std::size_t start = what.find("] ");
      if (start != std::string::npos) what.erase(0, start + 2);
      if (what.size() > kMessageChars) what = what.substr(0, kMessageChars) + "...";
      return Error{"not JSON: " + what};
    }
    return read(root, stream);
  } catch (const std::exception &e) {  // not expected after the checks above; refuse rather than escape
    return Error{std::string("unreadable schedule: ") + e.what()};
  }
}

Result<Schedule> load_schedule(const std::filesystem::path &path) {
  try {
    // Looked at before it is opened: opening a FIFO would block, and a device or a huge file would be read
    // until memory runs out.
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error) return file_error(path, "cannot open: " + error.message());
    if (!std::filesystem::is_regular_file(status)) return file_error(path, "not a regular file");
    if (std::filesystem::file_size(path, error) > kMaxFileBytes || error)
      return file_error(path, "larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB: not a schedule file");
    File file(std::fopen(path.c_str(), "rb"));
    if (!file) return file_error(path, "cannot open: " + system_reason(errno));
    std::string text;
    char buffer[1 << 16];
    std::size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0 && text.size() <= kMaxFileBytes)
      text.append(buffer, got);
    if (std::ferror(file.get())) return file_error(path, "cannot read: " + system_reason(errno));
    if (text.size() > kMaxFileBytes) return file_error(path, "it grew past the size limit while being read");
    auto schedule = from_json(text);
    if (!schedule) return file_error(path, schedule.error());
    return schedule;
  } catch (const std::exception &e) {  // allocation failure
    return file_error(path, e.what());
  }
}

Result<Done> save_schedule(const std::filesystem::path &path, const Schedule &schedule) {
  try {
    const std::string text = to_json(schedule);
    File file(std::fopen(path.c_str(), "wb"));
    if (!file) return file_error(path, "cannot create: " + system_reason(errno));
    if (std::fwrite(text.data(), 1, text.size(), file.get()) != text.size())
      return file_error(path, "cannot write: " + system_reason(errno));
    if (std::fclose(file.release()) != 0) return file_error(path, "cannot write: " + system_reason(errno));
    return Done{};
  } catch (const std::exception &e) {  // allocation failure
    return file_error(path, e.what());
  }
}

}  // namespace corosim::sim
