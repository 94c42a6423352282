// The failure value (failure.hpp): its schedule, its file, its reproduction commands and its JSON form.

#include <corosim/sim/failure.hpp>

#include <nlohmann/json.hpp>

#include <corosim/sim/random.hpp>
#include <corosim/sim/replay.hpp>

namespace corosim::sim {

namespace {

using Json = nlohmann::json;

// The run options a command line must repeat: those that differ from the defaults.
std::string run_option_args(const RunOptions &options) {
  std::string args;
  if (options.max_steps != RunOptions{}.max_steps) args += " --max-steps " + std::to_string(options.max_steps);
  if (options.on_step_limit == StepLimitPolicy::stop) args += " --on-step-limit continue";
  if (options.stack_bytes != RunOptions{}.stack_bytes)
    args += " --stack-kib " + std::to_string(options.stack_bytes / 1024);
  if (options.granularity != Granularity::full)
    args += std::string(" --granularity ") + granularity_name(options.granularity);
  return args;
}

// Whether `PROGRAM run SCENARIO --strategy SPEC --seed SEED` reproduces the failure. Random walk, POS and PCT runs
// are reproduced by their seed and spec (PCT's spec carries its k, which a crashed worker took with it); any other
// strategy only when the run was the first of a fresh strategy (a single `run`, not an exploration's n-th).
bool seed_reproduces(const Failure &f) {
  const bool memoryless = f.strategy.name == "random" || f.strategy.name == "pos";
  if (f.strategy.name == "replay") return false;
  if (f.unrecorded()) return memoryless;
  return memoryless || f.strategy.name == "pct" || f.single_run;
}

// The exploration again, from its first execution up to the failing one, in one process.
std::string explore_again(const Failure &f, const std::string &program) {
  const ExplorationOrigin &o = *f.exploration;
  std::string line = program + " explore " + shell_quote(f.scenario) + " --strategy " +
                     shell_quote(o.strategy.to_string()) + " --seed " + format_hex64(o.first_seed) + " --schedules " +
                     std::to_string(*f.execution + 1);
  if (o.shard_count > 1) line += " --shard " + std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count);
  if (f.unrecorded()) line += " --jobs 1";  // a crash again, isolated and reported as this one was
  if (f.result.status == RunStatus::timeout && o.execution_timeout_s != ExplorationOrigin{}.execution_timeout_s) {
    char limit[48];
    std::snprintf(limit, sizeof limit, " --execution-timeout %g", o.execution_timeout_s);
    line += limit;
  }
  if (f.result.status == RunStatus::out_of_memory) line += " --max-rss-mb " + std::to_string(o.max_rss_mb);
  return line + run_option_args(f.run_options);
}

std::vector<std::string> cli_commands(const Failure &f, const std::string &program) {
  std::vector<std::string> commands;
  const bool shrunk_and_saved = f.shrunk && !f.schedule_file.empty();  // the seed would give the unshrunk run
  if (seed_reproduces(f) && !shrunk_and_saved)
    commands.push_back(program + " run " + shell_quote(f.scenario) + " --strategy " +
                       shell_quote(f.strategy.to_string()) + " --seed " + format_hex64(f.seed) +
                       run_option_args(f.run_options));
  if (!f.unrecorded() && !f.schedule_file.empty())
    commands.push_back(program + " replay " + shell_quote(f.schedule_file));
  else if (f.execution && f.exploration && (f.unrecorded() || commands.empty()))
    commands.push_back(explore_again(f, program));
  return commands;
}

std::vector<std::string> gtest_commands(const Failure &f, const std::string &program, const std::string &test) {
  const std::string run = program + " --gtest_filter=" + shell_quote(test);
  std::vector<std::string> commands;
  if (f.execution && f.exploration)
    commands.push_back("COROSIM_SEED=" + format_hex64(f.exploration->first_seed) +
                       " COROSIM_SCHEDULES=" + std::to_string(*f.execution + 1) + " " + run);
  if (!f.unrecorded() && !f.schedule_file.empty())
    commands.push_back("COROSIM_REPLAY=" + shell_quote(f.schedule_file) + " " + run);
  return commands;
}

Json exploration_json(const std::optional<ExplorationOrigin> &o) {
  if (!o) return nullptr;
  return Json{{"strategy", o->strategy.to_string()},
              {"first_seed", format_hex64(o->first_seed)},
              {"shard_index", o->shard_index},
              {"shard_count", o->shard_count},
              {"execution_timeout_s", o->execution_timeout_s},
              {"max_rss_mb", o->max_rss_mb}};
}

Result<std::optional<ExplorationOrigin>> exploration_of(const Json &j) {
  if (j.is_null()) return std::optional<ExplorationOrigin>();
  auto strategy = parse_strategy(j.at("strategy").get<std::string>());
  if (!strategy) return Error{strategy.error()};
  auto first = parse_seed(j.at("first_seed").get<std::string>());
  if (!first) return Error{first.error()};
  return std::optional<ExplorationOrigin>(ExplorationOrigin{
      std::move(strategy).value(), first.value(), j.at("shard_index").get<std::uint64_t>(),
      j.at("shard_count").get<std::uint64_t>(), j.at("execution_timeout_s").get<double>(),
      j.at("max_rss_mb").get<std::uint64_t>()});
}

// The members of the JSON object other than the schedule; throws nlohmann's exceptions on a wrong shape.
Result<Failure> read_failure(const Json &root) {
  auto schedule = from_json(root.at("schedule").dump());
  if (!schedule) return Error{"its schedule: " + schedule.error()};
  const Schedule &s = schedule.value();
  Failure f;
  f.scenario = s.scenario;
  f.strategy = s.strategy;
  f.seed = s.seed;
  f.run_options = run_options_of(s);
  if (root.at("on_step_limit").get<std::string>() == "continue") f.run_options.on_step_limit = StepLimitPolicy::stop;
  auto status = parse_run_status(root.at("status").get<std::string>());
  if (!status) return Error{"unknown status " + root.at("status").dump()};
  f.result.status = *status;
  f.result.message = root.at("message").get<std::string>();
  f.result.steps = root.at("steps").get<std::uint64_t>();
  f.result.trace_hash = s.trace_hash.value_or(0);
  f.result.end_ns = root.at("end_ns").get<std::int64_t>();
  f.result.truncated = root.at("truncated").get<bool>();
  f.result.decisions = s.decisions;
  if (!root.at("execution").is_null()) f.execution = root.at("execution").get<std::uint64_t>();
  auto origin = exploration_of(root.at("exploration"));
  if (!origin) return Error{origin.error()};
  f.exploration = std::move(origin).value();
  f.single_run = root.at("single_run").get<bool>();
  f.schedule_file = root.at("schedule_file").get<std::string>();
  return f;
}

}  // namespace

Schedule Failure::schedule() const {
  Schedule s;
  s.scenario = scenario;
  s.strategy = shrunk ? StrategySpec{"replay", {}} : strategy;  // a shrunk run is its decisions alone
  s.seed = seed;
  if (!unrecorded()) s.trace_hash = result.trace_hash;
  s.max_steps = run_options.max_steps;
  if (run_options.stack_bytes != RunOptions{}.stack_bytes) s.stack_bytes = run_options.stack_bytes;
  if (run_options.granularity != Granularity::full) s.granularity = run_options.granularity;
  s.decisions = result.decisions;
  return s;
}

std::string Failure::default_schedule_file() const {
  std::string name = scenario;
  for (char &c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.';
    if (!plain) c = '_';
  }
  return "corosim-" + name + "-" + format_hex64(seed) + ".schedule.json";
}

Result<Done> Failure::save(std::filesystem::path path) {
  if (unrecorded()) return Error{"a crashed execution recorded no schedule"};
  if (path.empty()) path = default_schedule_file();
  auto saved = save_schedule(path, schedule());
  if (saved) schedule_file = path.string();
  return saved;
}

std::vector<std::string> Failure::commands(const Launcher &launcher) const {
  const std::string program = shell_quote(launcher.program);
  std::vector<std::string> commands = launcher.kind == Launcher::Kind::gtest
                                          ? gtest_commands(*this, program, launcher.test)
                                          : cli_commands(*this, program);
  if (commands.empty())  // nothing reproduces it but running the program as it was: say so, with what ran
    commands.push_back(launcher.kind == Launcher::Kind::gtest
                           ? program + " --gtest_filter=" + shell_quote(launcher.test)
                           : program + " run " + shell_quote(scenario) + " --seed " + format_hex64(seed));
  return commands;
}

std::string to_json(const Failure &f) {
  Json root{{"schedule", Json::parse(to_json(f.schedule()))},
            {"status", run_status_name(f.result.status)},
            {"message", f.result.message},
            {"steps", f.result.steps},
            {"end_ns", f.result.end_ns},
            {"truncated", f.result.truncated},
            {"on_step_limit", f.run_options.on_step_limit == StepLimitPolicy::stop ? "continue" : "fail"},
            {"execution", f.execution ? Json(*f.execution) : Json(nullptr)},
            {"exploration", exploration_json(f.exploration)},
            {"single_run", f.single_run},
            {"schedule_file", f.schedule_file}};
  return root.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Failure> failure_from_json(std::string_view text) {
  const Json root = Json::parse(text.begin(), text.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) return Error{"a failure must be a JSON object"};
  try {
    return read_failure(root);
  } catch (const Json::exception &e) {
    return Error{std::string("a malformed failure: ") + e.what()};
  }
}

std::string shell_quote(std::string_view word) {
  if (word.empty()) return "''";
  bool plain = true;
  for (char c : word) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '/' || c == ':' || c == ',' || c == '=' || c == '+' || c == '@';
    if (!safe) plain = false;
  }
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace corosim::sim
