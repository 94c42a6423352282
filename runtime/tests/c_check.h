/* CHECK for the C test programs: prints the failed condition and counts it; main() returns
 * c_check_result(name) at the end. Thread-safe (the event-loop test checks on IOThreads too). */
#ifndef COROSIM_TESTS_C_CHECK_H
#define COROSIM_TESTS_C_CHECK_H

#include <stdatomic.h>
#include <stdio.h>

/* C_TEST_SIM_BUILD: 1 when built against the simulator's runtime (corosim::runtime_sim), whose COROSIM_PLATFORM
 * names corosim/platform.hpp's COROSIM_PLATFORM_SIM (2; that header is C++). */
#ifndef COROSIM_PLATFORM_SIM
#define COROSIM_PLATFORM_SIM 2
#endif
#if defined(COROSIM_PLATFORM) && COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
#define C_TEST_SIM_BUILD 1
#else
#define C_TEST_SIM_BUILD 0
#endif

static atomic_int c_check_failures;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      c_check_failures++;                                                       \
    }                                                                           \
  } while (0)

/* Prints the verdict for the program `name`; 0 when every check held, 1 otherwise. */
static inline int c_check_result(const char *name) {
  int failed = atomic_load(&c_check_failures);
  if (failed) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, failed);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif
