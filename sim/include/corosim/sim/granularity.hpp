#pragma once
// Granularity: which operations of a simulated run are scheduling points (RunOptions::granularity, a schedule
// file's run.granularity, --granularity). Apart from executor.hpp so that the schedule files' reader, which does
// not link the simulated runtime, can name it.

#include <cstdint>
#include <optional>
#include <string_view>

namespace corosim::sim {

// Which operations are scheduling points (where another sim thread may run):
//   full  every operation of the platform: the runtime's own atomics and locks included, so that the runtime's
//         protocols (CoMutex's hand-off, the event loop's announce-then-check) are explored as well as the user's
//         code. The default.
//   api   the user's code at the granularity of the API it calls: the user's atomics (corosim::atomic), locks,
//         threads and schedule points, each coroutine lock and queue operation (one step as it starts), blocking
//         operations (a lock found held, a wait, a poll), notifiers and pipes; the runtime's own atomics and the
//         locks it finds free are not. Far fewer steps per execution; bugs that need the runtime's own steps
//         interleaved (docs/bug-corpus.md lists which) are out of its reach. Recorded in schedule files, and part
//         of the trace hash.
enum class Granularity : uint8_t { full, api };
const char *granularity_name(Granularity g) noexcept;  // "full", "api"
std::optional<Granularity> parse_granularity(std::string_view name) noexcept;

}  // namespace corosim::sim
