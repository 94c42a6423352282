#pragma once
// Runs a test suite once per switch backend (fcontext, ucontext, thread), as Boost.Fiber runs its mutex tests
// under several launch policies. The backend is process-wide, so each test sets it and restores the default.
//
// The simulator build (corosim_runtime_tests_sim) has no thread backend: it switches coroutines on OS threads,
// and every simulated thread is a fiber on one OS thread (runtime_sim leaves src/backends/thread.cpp out and
// refuses Backend::thread). There the suites run on fcontext and ucontext only.

#include <gtest/gtest.h>

#include <corosim/coroutine.hpp>

#include "test_platform.hpp"

namespace corosim::testing {

class OnEachBackend : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { set_backend(GetParam()); }
  void TearDown() override { set_backend(Backend::fcontext); }
  // The thread backend cannot recycle coroutines and has no guard-page stacks of its own.
  bool is_thread_backend() const { return GetParam() == Backend::thread; }
};

struct BackendName {
  std::string operator()(const ::testing::TestParamInfo<Backend> &info) const { return backend_name(info.param); }
};

}  // namespace corosim::testing

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
#define COROSIM_TEST_BACKENDS ::corosim::Backend::fcontext, ::corosim::Backend::ucontext
#define COROSIM_TEST_BACKEND_NAMES "fcontext", "ucontext"
#else
#define COROSIM_TEST_BACKENDS ::corosim::Backend::fcontext, ::corosim::Backend::ucontext, ::corosim::Backend::thread
#define COROSIM_TEST_BACKEND_NAMES "fcontext", "ucontext", "thread"
#endif

#define COROSIM_ON_EACH_BACKEND(Suite) \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::Values(COROSIM_TEST_BACKENDS), ::corosim::testing::BackendName())
