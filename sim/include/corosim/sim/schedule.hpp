#pragma once
// The schedule: the replay artifact of one execution. Replaying it (make_strategy("replay", decisions)) reproduces
// the run step for step; a schedule that does not fit is refused with one line, never followed blindly.
//
// File format (JSON, UTF-8), version 1:
//
//   {
//     "format": "corosim-schedule",
//     "version": 1,
//     "scenario": {"name": "lost-wakeup-handoff", "parameters": {"coroutines": "2"}},
//     "strategy": {"name": "pct", "parameters": {"d": "3", "k": "57"}},
//     "seed": "0x00000000000004d2",
//     "trace_hash": "0x9d1c0b5e3a7f2c44",
//     "run": {"max_steps": "20000", "stack_bytes": "524288", "granularity": "api"},
//     "decisions": [
//       ["t",1],["t",0],["n",2],["t",1]
//     ]
//   }
//
//   format, version   required; a reader refuses every version but its own (kFormatVersion)
//   scenario          required; name (string, non-empty) and parameters (object of string values)
//   strategy          required; what produced the run: a strategy name and parameters that check_strategy accepts
//   seed              required; the execution's seed as a string (parse_seed syntax; written as 0x + 16 hex digits
//                     because JSON readers other than ours lose integers above 2^53)
//   trace_hash        optional; the run's trace hash (same syntax as seed), which a replay should reproduce
//   run               optional; the run options a replay must use, as decimal strings: max_steps, the step bound
//                     the run had, so that a replay stops where the run did; stack_bytes (optional), the size of
//                     each sim thread's stack, so that an overflow happens where it did; granularity (optional,
//                     "full" or "api"; none: full), which operations were scheduling points
//   decisions         required; in order, ["t", thread id] for a thread choice and ["n", value] for a number
//                     (Decision); thread ids fit in 32 bits, values in 64
// Other members are ignored, so a later version may add optional ones without a version bump.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <corosim/sim/granularity.hpp>

#include <corosim/sim/decision.hpp>
#include <corosim/sim/result.hpp>
#include <corosim/sim/strategy.hpp>

namespace corosim::sim {

// The sizes a sim thread's stack may have (RunOptions::stack_bytes, a schedule's run.stack_bytes, --stack-kib).
constexpr std::uint64_t kMinStackBytes = 64 * 1024;
constexpr std::uint64_t kMaxStackBytes = std::uint64_t{1} << 30;

struct Schedule {
  static constexpr int kFormatVersion = 1;

  std::string scenario;
  std::map<std::string, std::string> scenario_parameters;
  StrategySpec strategy;
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> trace_hash;
  std::optional<std::uint64_t> max_steps;    // RunOptions::max_steps of the run; none: the reader's default
  std::optional<std::uint64_t> stack_bytes;  // RunOptions::stack_bytes of the run; none: the reader's default
  std::optional<Granularity> granularity;    // RunOptions::granularity of the run; none: full
  std::vector<Decision> decisions;

  friend bool operator==(const Schedule &, const Schedule &) = default;
};

// The file text for `schedule` (format above, ending in a newline). Deterministic: the same schedule gives the
// same bytes. Precondition: the schedule is valid (non-empty scenario name, a checked strategy, thread ids below
// 2^32); the output of to_json is accepted by from_json.
std::string to_json(const Schedule &schedule);

// Reads schedule text. Any defect is an Error with one line: not JSON (with the parser's position), nested deeper
// than a schedule can be, not an object, not a corosim schedule, another format version, a missing member, a member
// of the wrong type, a bad seed or strategy, or a malformed decision (naming its index). Values are quoted as short
// excerpts. Never throws.
Result<Schedule> from_json(std::string_view text);

// Reads and checks a schedule file. Errors are one line starting with "schedule file '<path>': ", including an
// unreadable file (with the system's reason), one that is not a regular file (a FIFO, a device: refused before it
// is opened) and one over 64 MiB. Never throws.
Result<Schedule> load_schedule(const std::filesystem::path &path);

// Writes to_json(schedule) to `path`, replacing the file. An error (cannot create or write it) is one line
// starting with "schedule file '<path>': ". Never throws.
Result<Done> save_schedule(const std::filesystem::path &path, const Schedule &schedule);

}  // namespace corosim::sim
