#pragma once
// Checks for misuse of the simulator's own interfaces by its caller (the executor, the CLI): a broken contract is
// a bug in corosim, not in the program under test, so it aborts with a diagnostic in every build type (exit code 3
// territory for the CLI). Bad *input* never gets here: it is an Error value (result.hpp).
// Invariants internal to a file use assert() next to their `// invariant:` comment (debug builds only).

namespace corosim::sim::detail {

// Prints "corosim: internal error: <what> (<file>:<line>)" to stderr and aborts.
[[noreturn]] void contract_failed(const char *what, const char *file, int line) noexcept;

}  // namespace corosim::sim::detail

// Aborts with `what` (a string literal naming the broken contract) unless `cond` holds.
#define COROSIM_SIM_CHECK(cond, what)                                          \
  do {                                                                         \
    if (!(cond)) [[unlikely]]                                                  \
      ::corosim::sim::detail::contract_failed((what), __FILE__, __LINE__);     \
  } while (0)
