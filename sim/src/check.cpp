#include "check.hpp"

#include <cstdio>
#include <cstdlib>

namespace corosim::sim::detail {

void contract_failed(const char *what, const char *file, int line) noexcept {
  std::fprintf(stderr, "corosim: internal error: %s (%s:%d)\n", what, file, line);
  std::abort();
}

}  // namespace corosim::sim::detail
