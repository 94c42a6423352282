#pragma once
// A scheduling decision: the unit of a replayable schedule (schedule.hpp) and what a strategy records
// (strategy.hpp). An execution is reproduced step for step by giving its decisions back in order.

#include <cstdint>

namespace corosim::sim {

// A sim thread's number: small and sequential in creation order (0, 1, 2, ...), never an address.
using ThreadId = std::uint32_t;

struct Decision {
  enum class Kind : std::uint8_t {
    thread,  // which enabled sim thread runs next; value = its ThreadId
    number,  // a number below some n (timer tie, latency, fault); value = the number
  };
  Kind kind;
  std::uint64_t value;

  friend bool operator==(const Decision &, const Decision &) = default;
};

}  // namespace corosim::sim
