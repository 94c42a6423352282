// Granularity's names (granularity.hpp).

#include <corosim/sim/granularity.hpp>

namespace corosim::sim {

const char *granularity_name(Granularity g) noexcept { return g == Granularity::api ? "api" : "full"; }

std::optional<Granularity> parse_granularity(std::string_view name) noexcept {
  if (name == "full") return Granularity::full;
  if (name == "api") return Granularity::api;
  return std::nullopt;
}

}  // namespace corosim::sim
