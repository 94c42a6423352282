// Which shard of the work this process runs (commands.hpp, resolve_shard): from --shard, or from the variables the
// engine that started the process sets. Each engine's mapping is one row of kEngines; docs/ci.md shows a job for
// each.

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <corosim/sim/parse.hpp>

#include "commands.hpp"

namespace corosim::cli {

namespace {

// An engine's variables: the shard index and the shard count, and how its index counts.
struct Engine {
  const char *index;      // the variable holding this process's index
  const char *count;      // the variable holding the number of shards; nullptr: --shard-count or COROSIM_SHARD_COUNT
  const char *first;      // a variable holding the first index (Slurm's array may start anywhere); nullptr: none
  std::uint64_t base;     // the index of the first shard when `first` is absent (0, or 1 for GitLab)
};

// In order of precedence: the first engine whose index variable is set decides.
constexpr Engine kEngines[] = {
    {"GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", nullptr, 0},              // GoogleTest, Bazel, gtest-parallel
    {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", 0},  // Slurm job arrays
    {"JOB_COMPLETION_INDEX", nullptr, nullptr, 0},                       // Kubernetes indexed Jobs
    {"CI_NODE_INDEX", "CI_NODE_TOTAL", nullptr, 1},                       // GitLab CI `parallel:` (1-based)
    {"CIRCLE_NODE_INDEX", "CIRCLE_NODE_TOTAL", nullptr, 0},               // CircleCI parallelism
    {"BUILDKITE_PARALLEL_JOB", "BUILDKITE_PARALLEL_JOB_COUNT", nullptr, 0},  // Buildkite parallelism
};

const char *variable(const char *name) {
  const char *value = name ? std::getenv(name) : nullptr;
  return value && *value ? value : nullptr;
}

sim::Result<std::uint64_t> number(const char *name, const char *text) {
  auto n = sim::parse_decimal(text, 0, uint64_t{1} << 32);
  if (!n) return sim::Error{std::string(name) + "=" + sim::excerpt(text) + ": " + n.error()};
  return n.value();
}

// The shard an engine's variables give, or why they give none.
// --shard-count stands in for a count variable only where the engine has none (Kubernetes).
sim::Result<Shard> from_engine(const Engine &e, const std::optional<std::uint64_t> &shard_count) {
  const std::string source = e.count ? std::string(e.index) + "/" + e.count : e.index;
  auto index = number(e.index, variable(e.index));
  if (!index) return sim::Error{index.error()};
  std::uint64_t first = e.base;
  if (const char *text = variable(e.first)) {
    auto min = number(e.first, text);
    if (!min) return sim::Error{min.error()};
    first = min.value();
  }
  std::optional<std::uint64_t> count;
  const char *count_name = e.count ? e.count : "COROSIM_SHARD_COUNT";
  if (!e.count && shard_count) {
    count = shard_count;
  } else if (const char *text = variable(count_name)) {
    auto n = number(count_name, text);
    if (!n) return sim::Error{n.error()};
    count = n.value();
  } else {
    return sim::Error{std::string(e.index) + " is set but " + count_name + " is not" +
                      (e.count ? "" : ": give the number of shards with --shard-count N or COROSIM_SHARD_COUNT")};
  }
  if (index.value() < first)
    return sim::Error{std::string(e.index) + "=" + std::to_string(index.value()) + " is below the first index " +
                      std::to_string(first)};
  auto shard = parse_shard(std::to_string(index.value() - first) + "/" + std::to_string(*count), source);
  if (!shard) return sim::Error{source + ": " + shard.error()};
  return shard;
}

}  // namespace

sim::Result<Shard> parse_shard(const std::string &text, const std::string &source) {
  const std::string what = source + " " + sim::excerpt(text) + ": ";
  const std::size_t slash = text.find('/');
  Shard shard;
  shard.source = source;
  auto index = sim::parse_decimal(std::string_view(text).substr(0, slash));  // (npos: the whole text)
  auto count = sim::parse_decimal(std::string_view(text).substr(slash + 1));  // (npos + 1 == 0: likewise)
  if (slash == std::string::npos || !index || !count)
    return sim::Error{what + "expected I/N, two decimal numbers with 0 <= I < N (e.g. 0/4 ... 3/4)"};
  shard.index = index.value();
  shard.count = count.value();
  if (shard.count == 0 || shard.count > (uint64_t{1} << 32))
    return sim::Error{what + "the shard count N must be between 1 and 2^32"};
  if (shard.index >= shard.count)
    return sim::Error{what + "the shard index must be below the count (shards are 0-based: 0/" +
                      std::to_string(shard.count) + " ... " + std::to_string(shard.count - 1) + "/" +
                      std::to_string(shard.count) + ")"};
  return shard;
}

sim::Result<Shard> resolve_shard(const std::string &option, std::optional<std::uint64_t> shard_count) {
  if (!option.empty()) {
    if (shard_count) return sim::Error{"--shard-count is for an index from the environment: --shard I/N has both"};
    return parse_shard(option, "--shard");
  }
  if (const char *text = variable("COROSIM_SHARD")) return parse_shard(text, "COROSIM_SHARD");
  for (const Engine &e : kEngines) {
    if (!variable(e.index)) continue;
    auto shard = from_engine(e, shard_count);
    // GoogleTest's protocol: a file created to say the sharding is understood.
    const char *status = variable("GTEST_SHARD_STATUS_FILE");
    if (shard && status && e.index == kEngines[0].index && !std::ofstream(status))
      return sim::Error{"GTEST_SHARD_STATUS_FILE " + sim::excerpt(status, 200) + ": cannot create it: " +
                        std::strerror(errno)};
    return shard;
  }
  if (shard_count)
    return sim::Error{"--shard-count " + std::to_string(*shard_count) +
                      " needs a shard index from the environment (JOB_COMPLETION_INDEX), and none is set"};
  return Shard{};
}

}  // namespace corosim::cli
