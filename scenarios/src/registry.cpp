// The registry: the explicit, ordered list of built-in scenarios (no static registration: the order, and so the
// output of `corosim list`, is this file's, not the linker's).

#include <corosim/scenarios/registry.hpp>

#include "scenarios.hpp"

namespace corosim::scenarios {

std::span<const Scenario> all() noexcept {
  // Built on first use (a function-local static: no initialisation-order dependence between the scenario files).
  static const Scenario list[] = {
      detail::comutex_contention(),  detail::rwlock_readers_writers(), detail::virtual_hour(),
      detail::lost_wakeup_handoff(), detail::lock_order_deadlock(),    detail::reschedule_self_race(),
  };
  return list;
}

const Scenario *find(std::string_view name) noexcept {
  for (const Scenario &s : all())
    if (s.name == name) return &s;
  return nullptr;
}

const char *expected_name(Expected expected) noexcept {
  switch (expected) {
    case Expected::pass: return "pass";
    case Expected::bug: return "bug";
  }
  return "?";
}

}  // namespace corosim::scenarios
