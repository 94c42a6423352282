#pragma once
// How every renderer names the parts of a trace event (text.cpp, json.cpp, html.cpp, perfetto.cpp): values,
// accesses, source sites, coroutines and objects with their names, and the operation as a whole. Internal to
// reports/. Output depends only on the values given (a site shows its file's base name, which does not depend on
// where the sources were built).

#include <cstdint>
#include <string>

#include <corosim/platform/sim_engine.hpp>
#include <corosim/sim/executor.hpp>

namespace corosim::reports::detail {

// "1", "-3", "true", "null", "non-null"; "?" for a value of another type.
std::string value_text(const platform::SimValue &v);

// What an atomic step did with its value: "-> 1" (read 1), "<- 0" (wrote 0), "0 -> 1" (read-modify-write),
// "0 -> 1 (cas)" (a compare-exchange that succeeded), "expected 0, found 1 (cas failed)"; "" for none.
std::string access_text(const platform::SimAccess &a);

// "locks.hpp:79", or "" when the event has no site.
std::string site_text(const sim::TraceEvent &e);

// "co3", or "co3 'waiter'" when it was named; "-" for 0 (a sim thread's own stack).
std::string coroutine_text(uint64_t id, const sim::RunResult &run);

// "#7", or "#7 'lockers'" when it was named.
std::string object_text(uint64_t id, const sim::RunResult &run);

// The event's operation: "atomic rmw #7 'lockers'", "call CoMutex::lock", "wakes co5".
std::string operation_text(const sim::TraceEvent &e, const sim::RunResult &run);

}  // namespace corosim::reports::detail
