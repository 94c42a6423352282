#pragma once
// Runs a test suite once per switch backend (fcontext, ucontext, thread), as Boost.Fiber runs its mutex tests
// under several launch policies. The backend is process-wide, so each test sets it and restores the default.

#include <gtest/gtest.h>

#include <corosim/coroutine.hpp>

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

#define COROSIM_ON_EACH_BACKEND(Suite)                                                                      \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                                 \
                           ::testing::Values(::corosim::Backend::fcontext, ::corosim::Backend::ucontext,     \
                                             ::corosim::Backend::thread),                                    \
                           ::corosim::testing::BackendName())
