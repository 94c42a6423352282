// Strategy strings: parsing, checking, and making the strategy they name (strategy.hpp).

#include <cstdint>
#include <string>

#include "strategies.hpp"

namespace corosim::sim {

namespace {

struct ParameterRule {
  const char *key;
  std::uint64_t min;
  std::uint64_t max;
  const char *default_value;  // nullptr: optional, no default
};

struct StrategyRule {
  const char *name;
  const char *usage;  // what the strategy accepts, for error lines
  std::vector<ParameterRule> parameters;
};

// d is at most 64: PCT's guarantee 1/(n k^(d-1)) is already meaningless far below that. k is capped at 2^32 steps
// (a run that long hits any step limit first). The preemption bound is capped at 1000 because DFS's cost grows
// exponentially in it; 1000 means "in practice unbounded".
const std::vector<StrategyRule> &rules() {
  static const std::vector<StrategyRule> table = {
      {"random", "random", {}},
      {"pct", "pct, pct:d=N (1..64, default 3), optionally ,k=N (first step estimate)",
       {{"d", 1, 64, "3"}, {"k", 1, std::uint64_t{1} << 32, nullptr}}},
      {"dfs", "dfs, dfs:preemptions=N (0..1000, default 2)", {{"preemptions", 0, 1000, "2"}}},
      {"ipb", "ipb, ipb:preemptions=N (the last bound, 0..1000, default 1000: until the budget ends)",
       {{"preemptions", 0, 1000, "1000"}}},
      {"idb", "idb, idb:delays=N (the last bound, 0..1000, default 1000: until the budget ends)",
       {{"delays", 0, 1000, "1000"}}},
      {"pos", "pos", {}},
      {"urw", "urw", {}},
      {"replay", "replay", {}},
  };
  return table;
}

const char *kKnownStrategies =
    "random, pct, pct:d=N, dfs, dfs:preemptions=N, ipb, ipb:preemptions=N, idb, idb:delays=N, pos, urw, replay";

// A decimal integer in [min, max], or nullopt.
std::optional<std::uint64_t> parse_integer(const std::string &text, std::uint64_t min, std::uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;  // 19 digits always fit in 64 bits
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::uint64_t parameter(const StrategySpec &spec, const char *key) {
  return std::stoull(spec.parameters.at(key));
}

}  // namespace

std::string StrategySpec::to_string() const {
  std::string text = name;
  char separator = ':';
  for (const auto &[key, value] : parameters) {
    text += separator;
    text += key + "=" + value;
    separator = ',';
  }
  return text;
}

Result<StrategySpec> check_strategy(StrategySpec spec) {
  const StrategyRule *rule = nullptr;
  for (const StrategyRule &candidate : rules())
    if (spec.name == candidate.name) rule = &candidate;
  if (!rule) return Error{"unknown strategy '" + spec.name + "' (known: " + kKnownStrategies + ")"};
  for (const auto &[key, value] : spec.parameters) {
    const ParameterRule *known = nullptr;
    for (const ParameterRule &candidate : rule->parameters)
      if (key == candidate.key) known = &candidate;
    if (!known)
      return Error{"strategy '" + spec.name + "' has no parameter '" + key + "' (accepted: " + rule->usage + ")"};
    const std::optional<std::uint64_t> number = parse_integer(value, known->min, known->max);
    if (!number)
      return Error{"strategy '" + spec.name + "': " + key + "='" + value + "' is not an integer from " +
                   std::to_string(known->min) + " to " + std::to_string(known->max)};
  }
  for (const ParameterRule &known : rule->parameters) {
    auto found = spec.parameters.find(known.key);
    if (found != spec.parameters.end())
      found->second = std::to_string(*parse_integer(found->second, known.min, known.max));  // canonical: no zeros
    else if (known.default_value)
      spec.parameters.emplace(known.key, known.default_value);
  }
  return spec;
}

bool is_systematic(const StrategySpec &spec) {
  return spec.name == "dfs" || spec.name == "ipb" || spec.name == "idb";
}

Result<StrategySpec> parse_strategy(std::string_view text) {
  const std::size_t colon = text.find(':');
  StrategySpec spec{std::string(text.substr(0, colon)), {}};
  if (colon == std::string_view::npos) return check_strategy(std::move(spec));
  std::string_view rest = text.substr(colon + 1);
  const auto bad = [&](const std::string &why) {
    return Error{"bad strategy '" + std::string(text) + "': " + why + " (known: " + kKnownStrategies + ")"};
  };
  if (rest.empty()) return bad("nothing after ':'");
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0)
      return bad("'" + std::string(item) + "' is not key=value");
    const std::string key(item.substr(0, equals));
    if (!spec.parameters.emplace(key, std::string(item.substr(equals + 1))).second)
      return bad("parameter '" + key + "' given twice");
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return check_strategy(std::move(spec));
}

Result<std::unique_ptr<Strategy>> make_strategy(std::string_view text, std::vector<Decision> recorded) {
  Result<StrategySpec> parsed = parse_strategy(text);
  if (!parsed) return Error{parsed.error()};
  const StrategySpec &spec = parsed.value();
  if (spec.name == "replay") return strategies::make_replay(std::move(recorded));
  if (!recorded.empty())
    return Error{"strategy '" + spec.name + "' does not replay decisions; use 'replay' to follow a schedule"};
  if (spec.name == "random") return strategies::make_random();
  if (spec.name == "pos") return strategies::make_pos();
  if (spec.name == "urw") return strategies::make_urw();
  if (spec.name == "ipb")
    return strategies::make_iterative_bounding(strategies::BoundKind::preemptions,
                                               static_cast<unsigned>(parameter(spec, "preemptions")));
  if (spec.name == "idb")
    return strategies::make_iterative_bounding(strategies::BoundKind::delays,
                                               static_cast<unsigned>(parameter(spec, "delays")));
  if (spec.name == "dfs") return strategies::make_dfs(static_cast<unsigned>(parameter(spec, "preemptions")));
  std::optional<std::uint64_t> k;
  if (spec.parameters.count("k")) k = parameter(spec, "k");
  return strategies::make_pct(static_cast<unsigned>(parameter(spec, "d")), k);
}

}  // namespace corosim::sim
