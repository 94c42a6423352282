// The schedule file (schedule.hpp): round trips, a version-1 file that must load forever, and one clear line for
// every kind of defect.

#include <corosim/sim/schedule.hpp>

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <corosim/sim/random.hpp>

namespace corosim::sim {
namespace {

using Kind = Decision::Kind;

Schedule sample() {
  Schedule s;
  s.scenario = "lost-wakeup-handoff";
  s.scenario_parameters = {{"contexts", "2"}, {"coroutines", "3"}};
  s.strategy = parse_strategy("pct:d=3,k=57").value();
  s.seed = execution_seed(1, 0);
  s.trace_hash = 0xb83444749eb44332ULL;
  for (ThreadId t : {1, 0}) s.decisions.push_back({Kind::thread, t});
  s.decisions.push_back({Kind::number, 2});
  for (ThreadId t : {2, 1, 0, 1, 0, 1, 2, 2, 0, 1, 1, 0, 2}) s.decisions.push_back({Kind::thread, t});
  s.decisions.push_back({Kind::number, UINT64_MAX});
  s.decisions.push_back({Kind::thread, UINT32_MAX});
  return s;
}

// A fresh path in the test's temporary directory.
std::filesystem::path temp_path(const std::string &name) {
  return std::filesystem::path(::testing::TempDir()) / ("corosim_schedule_test_" + name);
}

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::filesystem::path &path, const std::string &text) { std::ofstream(path) << text; }

TEST(Schedule, RoundTripsThroughText) {
  const Schedule s = sample();
  EXPECT_EQ(from_json(to_json(s)).value(), s);
  Schedule minimal;
  minimal.scenario = "x";
  minimal.strategy = parse_strategy("random").value();
  EXPECT_EQ(from_json(to_json(minimal)).value(), minimal);  // no trace hash, no decisions, no parameters
}

TEST(Schedule, KeepsUtf8Names) {
  Schedule s = sample();
  s.scenario = "z\u00fcrich-\u2713";
  s.scenario_parameters["quote\"back\\slash"] = "tab\there";
  EXPECT_EQ(from_json(to_json(s)).value(), s);
}

RC_GTEST_PROP(Schedule, RoundTripsAnySchedule, ()) {
  const auto text = rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~' + 1));
  Schedule s;
  s.scenario = *rc::gen::nonEmpty(text);
  s.scenario_parameters = *rc::gen::container<std::map<std::string, std::string>>(text, text);
  s.strategy = parse_strategy(*rc::gen::element<std::string>("random", "pct:d=4,k=12", "dfs", "replay")).value();
  s.seed = *rc::gen::arbitrary<std::uint64_t>();
  if (*rc::gen::arbitrary<bool>()) s.trace_hash = *rc::gen::arbitrary<std::uint64_t>();
  s.decisions = *rc::gen::container<std::vector<Decision>>(rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<ThreadId>(), [](ThreadId t) { return Decision{Kind::thread, t}; }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return Decision{Kind::number, v}; })));
  RC_ASSERT(from_json(to_json(s)).value() == s);
}

TEST(Schedule, RoundTripsThroughAFile) {
  const auto path = temp_path("roundtrip.json");
  ASSERT_TRUE(save_schedule(path, sample()).ok());
  EXPECT_EQ(load_schedule(path).value(), sample());
  std::filesystem::remove(path);
}

TEST(Schedule, WritesTheDocumentedFormat) {
  // Byte for byte the version-1 file kept in tests/data, so the writer's format is pinned too.
  EXPECT_EQ(to_json(sample()), read_file(std::filesystem::path(COROSIM_SIM_TEST_DATA) / "v1.schedule.json"));
  Schedule minimal;
  minimal.scenario = "x";
  minimal.strategy = parse_strategy("random").value();
  EXPECT_EQ(to_json(minimal),
            "{\n"
            "  \"format\": \"corosim-schedule\",\n"
            "  \"version\": 1,\n"
            "  \"scenario\": {\"name\":\"x\",\"parameters\":{}},\n"
            "  \"strategy\": {\"name\":\"random\",\"parameters\":{}},\n"
            "  \"seed\": \"0x0000000000000000\",\n"
            "  \"decisions\": []\n"
            "}\n");
}

TEST(Schedule, LoadsAVersionOneFile) {
  const auto loaded = load_schedule(std::filesystem::path(COROSIM_SIM_TEST_DATA) / "v1.schedule.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value(), sample());
}

TEST(Schedule, AcceptsUnknownMembersAndAnyKeyOrder) {
  const auto loaded = from_json(R"({"decisions": [["t", 3]], "seed": "12", "extra": [1, 2],
      "strategy": {"parameters": {}, "name": "dfs"}, "scenario": {"parameters": {}, "name": "s"},
      "version": 1, "format": "corosim-schedule"})");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value().seed, 12u);
  EXPECT_EQ(loaded.value().strategy.to_string(), "dfs:preemptions=2");  // defaults filled in
  EXPECT_FALSE(loaded.value().trace_hash.has_value());
}

// The sample's text with `from` replaced by `to` (which must occur).
std::string edited(const std::string &from, const std::string &to) {
  std::string text = to_json(sample());
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

std::string error_of(const std::string &text) {
  const auto loaded = from_json(text);
  EXPECT_FALSE(loaded.ok()) << text;
  if (loaded.ok()) return "";
  EXPECT_EQ(loaded.error().find('\n'), std::string::npos) << loaded.error();
  return loaded.error();
}

// Decisions are converted while the text is parsed (not kept as a JSON document): a long schedule reads back
// exactly, and a repeated "decisions" member counts once, the last one, as any other repeated member does.
TEST(Schedule, LongSchedulesAndRepeatedDecisionsReadBackExactly) {
  Schedule s = sample();
  for (std::uint64_t i = 0; i < 300'000; ++i)
    s.decisions.push_back(i % 7 ? Decision{Kind::thread, i % 5} : Decision{Kind::number, i});
  const auto back = from_json(to_json(s));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back.value().decisions == s.decisions);

  std::string twice = to_json(sample());
  twice.insert(twice.rfind('}'), R"(, "decisions": [["n", 9]])");
  const auto last = from_json(twice);
  ASSERT_TRUE(last.ok()) << last.error();
  ASSERT_EQ(last.value().decisions.size(), 1u);
  EXPECT_EQ(last.value().decisions[0].value, 9u);
}

TEST(ScheduleErrors, WrongVersion) {
  EXPECT_EQ(error_of(edited("\"version\": 1", "\"version\": 2")),
            "format version 2 is not supported (this corosim reads version 1)");
  EXPECT_EQ(error_of(edited("\"version\": 1", "\"version\": \"1\"")),
            "member 'version' must be a non-negative integer, not \"1\"");
}

TEST(ScheduleErrors, MissingMembers) {
  EXPECT_EQ(error_of(edited("\"version\": 1,", "")), "missing member 'version'");
  EXPECT_EQ(error_of(edited("\"seed\": \"0x910a2dec89025cc1\",", "")), "missing member 'seed'");
  EXPECT_EQ(error_of(edited("\"name\":\"lost-wakeup-handoff\",", "")), "missing member 'scenario.name'");
  EXPECT_EQ(error_of(edited(",\"parameters\":{\"d\":\"3\",\"k\":\"57\"}", "")),
            "missing member 'strategy.parameters'");
  EXPECT_EQ(error_of(R"({"format": "corosim-schedule", "version": 1})"), "missing member 'scenario'");
  const std::string no_decisions = to_json(sample()).substr(0, to_json(sample()).find(",\n  \"decisions\"")) + "}";
  EXPECT_EQ(error_of(no_decisions), "missing member 'decisions'");
}

TEST(ScheduleErrors, WrongTypes) {
  EXPECT_EQ(error_of(edited("\"0x910a2dec89025cc1\"", "10460353203")),
            "member 'seed' must be a string, not 10460353203");
  std::string long_array = "[1";
  for (int i = 0; i < 300; ++i) long_array += ",1";
  EXPECT_EQ(error_of(edited("\"0x910a2dec89025cc1\"", long_array + "]")),
            "member 'seed' must be a string, not " + long_array.substr(0, 60) + "...");  // a long value is cut
  EXPECT_EQ(error_of(edited("\"coroutines\":\"3\"", "\"coroutines\":3")),
            "member 'scenario.parameters.coroutines' must be a string, not 3");
  EXPECT_EQ(error_of(edited("\"scenario\": {\"name\":\"lost-wakeup-handoff\",", "\"scenario\": [\"x\"], \"z\": {")),
            "member 'scenario' must be an object, not [\"x\"]");
  EXPECT_EQ(error_of(edited("\"name\":\"pct\"", "\"name\":7")), "member 'strategy.name' must be a string, not 7");
  EXPECT_EQ(error_of(R"({"format": "corosim-schedule", "version": 1, "scenario": {"name": "s", "parameters": {}},
      "strategy": {"name": "random", "parameters": {}}, "seed": "1", "decisions": {}})"),
            "member 'decisions' must be an array, not {}");
}

TEST(ScheduleErrors, BadValues) {
  EXPECT_EQ(error_of(edited("\"0x910a2dec89025cc1\"", "\"seven\"")),
            "member 'seed': bad seed 'seven': not a number (a seed is a decimal number, 0x and up to 16 hex "
            "digits, or a 40-hex-digit git commit id)");
  EXPECT_EQ(error_of(edited("\"d\":\"3\"", "\"d\":\"0\"")),
            "member 'strategy': strategy 'pct': d='0' is not an integer from 1 to 64");
  EXPECT_EQ(error_of(edited("\"name\":\"pct\"", "\"name\":\"bfs\"")).substr(0, 40),
            "member 'strategy': unknown strategy 'bfs");
  EXPECT_EQ(error_of(edited("\"lost-wakeup-handoff\"", "\"\"")), "member 'scenario.name' is empty");
  EXPECT_EQ(error_of(edited("[\"t\",1],[\"t\",0],[\"n\",2]", "[\"t\",1],[\"x\",0],[\"n\",2]")),
            "decision 2 must be [\"t\", thread id] or [\"n\", number], not [\"x\",0]");
  EXPECT_EQ(error_of(edited("[\"n\",2]", "[\"n\",-2]")),
            "decision 3 must be [\"t\", thread id] or [\"n\", number], not [\"n\",-2]");
  EXPECT_EQ(error_of(edited("[\"n\",2]", "[\"n\",2,0]")),
            "decision 3 must be [\"t\", thread id] or [\"n\", number], not [\"n\",2,0]");
  EXPECT_EQ(error_of(edited("[\"t\",4294967295]", "[\"t\",4294967296]")),
            "decision 18 must be [\"t\", thread id] or [\"n\", number], not [\"t\",4294967296]");
  EXPECT_EQ(error_of(edited("[\"n\",2]", "[\"n\",2.5]")),
            "decision 3 must be [\"t\", thread id] or [\"n\", number], not [\"n\",2.5]");
}

TEST(ScheduleErrors, NotJsonOrNotASchedule) {
  EXPECT_EQ(error_of(""), "not JSON: parse error at line 1, column 1: syntax error while parsing value - "
                          "unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(error_of("garbage"), "not JSON: parse error at line 1, column 1: syntax error while parsing value - "
                                 "invalid literal; last read: 'g'");
  EXPECT_EQ(error_of(to_json(sample()).substr(0, 100)).substr(0, 22), "not JSON: parse error ");
  EXPECT_EQ(error_of("[1" + std::string(400, '0') + "]"),  // beyond double: nlohmann throws out_of_range
            "not JSON: number overflow parsing '1" + std::string(134, '0') + "...");
  EXPECT_EQ(error_of("[1, 2]"), "not a corosim schedule: the top level is not a JSON object");
  EXPECT_EQ(error_of(R"({"version": 1})"), "not a corosim schedule (no \"format\": \"corosim-schedule\")");
  EXPECT_EQ(error_of(edited("corosim-schedule", "corosim-trace")),
            "not a corosim schedule (no \"format\": \"corosim-schedule\")");
}

// What could hang, exhaust memory or overflow the stack is refused before it is read or built: a FIFO (opening it
// would block), a device, a file over the size limit, nesting deeper than a schedule has.
TEST(ScheduleErrors, SpecialFilesHugeFilesAndDeepNestingAreRefused) {
  const auto fifo = temp_path("a-fifo");
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_schedule(fifo).error(), "schedule file '" + fifo.string() + "': not a regular file");
  std::filesystem::remove(fifo);
  EXPECT_EQ(load_schedule("/dev/zero").error(), "schedule file '/dev/zero': not a regular file");

  const auto huge = temp_path("huge.json");
  write_file(huge, "");
  std::filesystem::resize_file(huge, (64u << 20) + 1);  // sparse: nothing is written
  EXPECT_EQ(load_schedule(huge).error(),
            "schedule file '" + huge.string() + "': larger than 64 MiB: not a schedule file");
  std::filesystem::remove(huge);

  const int levels = 100000;  // deep enough to overflow the stack of a recursive reader or printer
  const std::string deep = std::string(levels, '[') + std::string(levels, ']');
  EXPECT_EQ(error_of(deep), "not a schedule: nested deeper than 16 levels");
  EXPECT_EQ(error_of(edited("\"0x910a2dec89025cc1\"", deep)),
            "not a schedule: nested deeper than 16 levels");
}

TEST(ScheduleErrors, FileErrorsNameTheFile) {
  const auto missing = temp_path("does-not-exist.json");
  std::filesystem::remove(missing);
  const auto loaded = load_schedule(missing);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), "schedule file '" + missing.string() + "': cannot open: No such file or directory");

  const auto directory = temp_path("a-directory");
  std::filesystem::create_directories(directory);
  const auto from_directory = load_schedule(directory);
  ASSERT_FALSE(from_directory.ok());
  EXPECT_EQ(from_directory.error(), "schedule file '" + directory.string() + "': not a regular file");

  const auto corrupted = temp_path("corrupted.json");
  write_file(corrupted, edited("\"version\": 1", "\"version\": 9"));
  const auto from_corrupted = load_schedule(corrupted);
  ASSERT_FALSE(from_corrupted.ok());
  EXPECT_EQ(from_corrupted.error(), "schedule file '" + corrupted.string() +
                                        "': format version 9 is not supported (this corosim reads version 1)");
  std::filesystem::remove(corrupted);

  const auto unwritable = directory / "no" / "such" / "dir.json";
  const auto saved = save_schedule(unwritable, sample());
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error(), "schedule file '" + unwritable.string() + "': cannot create: No such file or directory");
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace corosim::sim
