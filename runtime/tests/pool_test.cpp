// The coroutine pool: recycling, disabling, and bounded memory when coroutines are created on one thread and
// terminated on another.

#include <cstdlib>
#include <vector>

#include <corosim/co_queue.hpp>

#include "backend_fixture.hpp"
#include "test_platform.hpp"

namespace corosim {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_backend(Backend::fcontext);
    was_enabled_ = pool_enabled();
    set_pool_enabled(true);
  }
  void TearDown() override { set_pool_enabled(was_enabled_); }
  bool was_enabled_ = true;
};

TEST_F(PoolTest, TerminatedCoroutinesAreReused) {
  coroutine_enter(coroutine_create([] {}));  // warm: one coroutine now pooled
  const std::size_t mapped = coroutine_stats().stacks_mapped;
  for (int i = 0; i < 1000; ++i) coroutine_enter(coroutine_create([] {}));
  EXPECT_EQ(coroutine_stats().stacks_mapped, mapped) << "each create should take the pooled coroutine back";
  EXPECT_GE(coroutine_stats().local_pool, 1u);
}

TEST_F(PoolTest, DisabledPoolFreesEveryTerminatedCoroutine) {
  set_pool_enabled(false);
  EXPECT_FALSE(pool_enabled());
  const std::size_t mapped = coroutine_stats().stacks_mapped;
  Coroutine *co = coroutine_create([] {});
  EXPECT_EQ(coroutine_stats().stacks_mapped, mapped + 1);
  coroutine_enter(co);
  EXPECT_EQ(coroutine_stats().stacks_mapped, mapped);
  EXPECT_EQ(coroutine_stats().local_pool, 0u);
}

TEST_F(PoolTest, ThreadBackendNeverPools) {
  COROSIM_SKIP_IN_SIM("the simulator build has no thread backend (backend_fixture.hpp)");
  set_backend(Backend::thread);
  EXPECT_FALSE(pool_enabled());
  coroutine_enter(coroutine_create([] {}));
  EXPECT_EQ(coroutine_stats().local_pool, 0u);
  set_backend(Backend::fcontext);
}

TEST_F(PoolTest, CreatedOnOneThreadTerminatedOnAnotherStaysBounded) {
  // The producer creates and starts coroutines; the consumer thread finishes them. The producer's local pool
  // never gets them back, so without a bound the consumer's pool (or the global one) would grow forever.
  constexpr int kCoroutines = 20000;
  const std::size_t before = coroutine_stats().stacks_mapped;
  std::size_t peak = 0;
  {
    std::vector<Coroutine *> batch;
    for (int round = 0; round < kCoroutines / 500; ++round) {
      batch.clear();
      for (int i = 0; i < 500; ++i) {
        Coroutine *co = coroutine_create([] { yield(); });
        coroutine_enter(co);  // runs until its yield on this thread
        batch.push_back(co);
      }
      testing::TestThread([&] {
        for (Coroutine *co : batch) coroutine_enter(co);  // terminates on this other thread
      }).join();
      peak = std::max(peak, coroutine_stats().stacks_mapped);
    }
  }
  // Bound: 500 live per round, plus the two pools (local 128 per thread, global 1024).
  EXPECT_LE(peak - before, 500u + 128 + 128 + 1024);
  EXPECT_LE(coroutine_stats().stacks_mapped - before, 128u + 1024) << "after the rounds only pooled ones remain";
}

TEST_F(PoolTest, ExitingThreadHandsItsPoolBack) {
  // Start from empty pools: with batches in the global pool (as the tests before leave it), the thread would take
  // them for its creates and hand back exactly as many, and the global pool would not grow.
  set_pool_enabled(false);
  set_pool_enabled(true);
  const std::size_t global_before = coroutine_stats().global_pool;
  testing::TestThread([] {
    std::vector<Coroutine *> cos;
    for (int i = 0; i < 200; ++i) cos.push_back(coroutine_create([] {}));
    for (Coroutine *co : cos) coroutine_enter(co);
    EXPECT_GE(coroutine_stats().local_pool, 64u);
  }).join();
  EXPECT_GT(coroutine_stats().global_pool, global_before) << "the exiting thread's pool went to the global pool";
}

TEST_F(PoolTest, ChangingTheStackSizeDropsPooledCoroutines) {
  coroutine_enter(coroutine_create([] {}));
  const std::size_t old_size = default_stack_size();
  set_default_stack_size(256 * 1024);
  EXPECT_EQ(coroutine_stats().local_pool, 0u);
  bool done = false;
  coroutine_enter(coroutine_create([&] { done = true; }));
  EXPECT_TRUE(done);
  set_default_stack_size(old_size);
}

}  // namespace
}  // namespace corosim
