// The wake-up queue (docs/semantics.md, "Wake-ups are deferred"): woken coroutines run after their waker yields or
// terminates, depth first, from the enter loop rather than nested in the waker.

#include <cstdint>
#include <string>
#include <vector>

#include <corosim/co_queue.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

class WakeupTest : public testing::OnEachBackend {};
COROSIM_ON_EACH_BACKEND(WakeupTest);

TEST_P(WakeupTest, WokenCoroutinesRunAfterTheWakerDepthFirst) {
  // A wakes B then C; A yields; B runs and wakes D; B yields: A, B, D, C.
  std::vector<std::string> order;
  CoQueue bc, d_queue;
  auto waiter = [&](const char *name, CoQueue &q, CoQueue *wake_next) {
    return [&order, &q, name, wake_next] {
      q.wait();
      order.push_back(name);
      if (wake_next) wake_next->next();
    };
  };
  coroutine_enter(coroutine_create(waiter("B", bc, &d_queue)));
  coroutine_enter(coroutine_create(waiter("C", bc, nullptr)));
  coroutine_enter(coroutine_create(waiter("D", d_queue, nullptr)));
  Coroutine *a = coroutine_create([&] {
    order.push_back("A");
    bc.next();  // B
    bc.next();  // C
    order.push_back("A still running");
    yield();
  });
  coroutine_enter(a);
  EXPECT_EQ(order, (std::vector<std::string>{"A", "A still running", "B", "D", "C"}));
  coroutine_enter(a);
}

TEST_P(WakeupTest, WakingFromOutsideACoroutineEntersAtOnce) {
  CoQueue q;
  bool ran = false;
  coroutine_enter(coroutine_create([&] {
    q.wait();
    ran = true;
  }));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(q.next());
  EXPECT_TRUE(ran) << "a wake from outside any coroutine runs the waiter before next() returns";
}

TEST_P(WakeupTest, TwoCoroutinesWakeEachOther25000TimesWithoutStackGrowth) {
  // Each waits on its own queue and wakes the other. If wake-ups nested, each round would add frames; on a
  // 32 KiB stack that would overflow within a few hundred rounds. We also check that a local's address is
  // the same in every round.
  constexpr int kRounds = 25000;
  CoQueue qa, qb;
  int rounds_a = 0, rounds_b = 0;
  uintptr_t first_a = 0, first_b = 0;
  bool a_stable = true, b_stable = true;
  auto body = [&](CoQueue &mine, CoQueue &other, int &rounds, uintptr_t &first, bool &stable) {
    return [&] {
      for (int i = 0; i < kRounds; ++i) {
        volatile int marker = i;
        auto here = reinterpret_cast<uintptr_t>(&marker);
        if (i == 0) first = here;
        stable = stable && here == first;
        ++rounds;
        other.next();
        mine.wait();
      }
      other.next();
    };
  };
  CoroutineOptions small;
  small.stack_size_bytes = 32 * 1024;
  coroutine_enter(coroutine_create(body(qb, qa, rounds_b, first_b, b_stable), small));
  coroutine_enter(coroutine_create(body(qa, qb, rounds_a, first_a, a_stable), small));
  EXPECT_EQ(rounds_a, kRounds);
  EXPECT_EQ(rounds_b, kRounds);
  EXPECT_TRUE(a_stable);
  EXPECT_TRUE(b_stable);
  EXPECT_TRUE(qa.empty());
  EXPECT_TRUE(qb.empty());
}

TEST_P(WakeupTest, TerminationRunsTheWakeUpQueueToo) {
  CoQueue q;
  std::vector<std::string> order;
  coroutine_enter(coroutine_create([&] {
    q.wait();
    order.push_back("waiter");
  }));
  coroutine_enter(coroutine_create([&] {
    q.next();
    order.push_back("waker ends");
  }));
  EXPECT_EQ(order, (std::vector<std::string>{"waker ends", "waiter"}));
}

}  // namespace
}  // namespace corosim
