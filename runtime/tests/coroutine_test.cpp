// Coroutine lifecycle, yield, nesting, self/entered/in_coroutine, ordering and dangling access: each case of
// QEMU's tests/unit/test-coroutine.c for the basics, in our own words, on every backend.

#include <cfenv>
#include <cstring>
#include <utility>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <memory>
#include <string>
#include <vector>

#include "backend_fixture.hpp"
#include "coroutine_impl.hpp"  // white-box: sizeof(Coroutine), to poison a terminated one

namespace corosim {
namespace {

class CoroutineTest : public testing::OnEachBackend {};
COROSIM_ON_EACH_BACKEND(CoroutineTest);

TEST_P(CoroutineTest, NothingRunsUntilEnteredThenItRunsToCompletion) {
  bool done = false;
  Coroutine *co = coroutine_create([&] { done = true; });
  EXPECT_FALSE(done);
  EXPECT_FALSE(entered(co));
  coroutine_enter(co);
  EXPECT_TRUE(done);
}

TEST_P(CoroutineTest, LifecycleCanBeRepeatedWithRecycledCoroutines) {
  // QEMU's test_lifecycle: the second create may reuse the first one's object (pool).
  for (int i = 0; i < 3; ++i) {
    bool done = false;
    coroutine_enter(coroutine_create([&] { done = true; }));
    EXPECT_TRUE(done) << "round " << i;
  }
}

TEST_P(CoroutineTest, FiveYieldsMeanSixEntries) {
  // QEMU's test_yield: count entries until the coroutine finishes.
  bool done = false;
  int yields = 0;
  Coroutine *co = coroutine_create([&] {
    for (int i = 0; i < 5; ++i) {
      ++yields;
      yield();
    }
    done = true;
  });
  int entries = 0;
  while (!done) {
    coroutine_enter(co);
    ++entries;
  }
  EXPECT_EQ(yields, 5);
  EXPECT_EQ(entries, 6);
}

// QEMU's test_nesting: each level creates and enters the next, to depth 1000.
struct Nesting {
  int depth = 0;
  int max_depth = 0;
  int limit = 0;
  void run() {
    ++depth;
    if (depth > max_depth) max_depth = depth;
    if (depth < limit) coroutine_enter(coroutine_create([this] { run(); }));
    --depth;
  }
};

TEST_P(CoroutineTest, NestsToDepthOneThousand) {
  Nesting n;
  n.limit = 1000;
  coroutine_enter(coroutine_create([&] { n.run(); }));
  EXPECT_EQ(n.max_depth, 1000);
  EXPECT_EQ(n.depth, 0);
}

TEST_P(CoroutineTest, SelfIsTheRunningCoroutineAndNullOutside) {
  Coroutine *seen = nullptr;
  Coroutine *co = coroutine_create([&] { seen = self(); });
  EXPECT_EQ(self(), nullptr);
  coroutine_enter(co);
  EXPECT_EQ(seen, co);
}

TEST_P(CoroutineTest, EnteredIsTrueForTheWholeActiveChain) {
  // QEMU's test_entered: c1 enters c2; inside c2 both are entered; after c2 yields back, c2 is not.
  Coroutine *c1 = nullptr, *c2 = nullptr;
  bool c1_in_c2 = false, c2_in_c2 = false, c2_after = true;
  c2 = coroutine_create([&] {
    c1_in_c2 = entered(c1);
    c2_in_c2 = entered(c2);
    yield();
  });
  c1 = coroutine_create([&] {
    EXPECT_TRUE(entered(c1));
    coroutine_enter(c2);
    c2_after = entered(c2);
  });
  coroutine_enter(c1);
  EXPECT_TRUE(c1_in_c2);
  EXPECT_TRUE(c2_in_c2);
  EXPECT_FALSE(c2_after);
  coroutine_enter(c2);  // let it finish
}

TEST_P(CoroutineTest, InCoroutineTellsInsideFromOutside) {
  bool inside = false;
  EXPECT_FALSE(in_coroutine());
  coroutine_enter(coroutine_create([&] { inside = in_coroutine(); }));
  EXPECT_TRUE(inside);
  EXPECT_FALSE(in_coroutine());
}

TEST_P(CoroutineTest, CallerAndCoroutineInterleaveInOrder) {
  // QEMU's test_order: main1 co1 main2 co2 main3.
  std::vector<std::string> order;
  Coroutine *co = coroutine_create([&] {
    order.push_back("co1");
    EXPECT_TRUE(in_coroutine());
    yield();
    order.push_back("co2");
  });
  order.push_back("main1");
  coroutine_enter(co);
  order.push_back("main2");
  EXPECT_FALSE(in_coroutine());
  coroutine_enter(co);
  order.push_back("main3");
  EXPECT_EQ(order, (std::vector<std::string>{"main1", "co1", "main2", "co2", "main3"}));
}

TEST_P(CoroutineTest, ResumedCoroutineDoesNotTouchItsTerminatedFormerCaller) {
  // QEMU's test_no_dangling_access: c1 enters c2 and terminates while c2 is suspended. When c2 is resumed
  // and terminates, nothing may read c1, which we poison to make any access visible.
  Coroutine *c2 = coroutine_create([] { yield(); });
  Coroutine *c1 = coroutine_create([&] { coroutine_enter(c2); });
  coroutine_enter(c1);
  if (is_thread_backend() || !pool_enabled()) {
    // c1's object is freed at once here (the thread backend never pools; the pool may be off, as it is in the
    // simulator build or with COROSIM_POOL=0): poisoning it would be a use-after-free.
    coroutine_enter(c2);
    return;
  }
  // c1 sits in the pool now; keep its bytes to restore the pool afterwards.
  alignas(Coroutine) unsigned char saved[sizeof(Coroutine)];
  std::memcpy(saved, static_cast<void *>(c1), sizeof saved);
  std::memset(static_cast<void *>(c1), 0xff, sizeof saved);
  coroutine_enter(c2);
  std::memcpy(static_cast<void *>(c1), saved, sizeof saved);
  // The pool is sane again: create and run another pair.
  c2 = coroutine_create([] { yield(); });
  coroutine_enter(coroutine_create([&] { coroutine_enter(c2); }));
  coroutine_enter(c2);
}

TEST_P(CoroutineTest, LargeCallablesAndTheirDestructorsWork) {
  struct Big {
    char payload[512];
    std::shared_ptr<int> token;
    int *out;
    void operator()() const { *out = payload[0] + payload[511]; }
  };
  auto token = std::make_shared<int>(7);
  int out = 0;
  Big big{};
  big.payload[0] = 1;
  big.payload[511] = 2;
  big.token = token;
  big.out = &out;
  coroutine_enter(coroutine_create(big));
  EXPECT_EQ(out, 3);
  EXPECT_EQ(token.use_count(), 2) << "our copy and `big`; the coroutine's copy must have been destroyed";
}

TEST_P(CoroutineTest, PerCoroutineStackSizeIsHonoured) {
  if (is_thread_backend()) GTEST_SKIP() << "the thread backend runs on OS thread stacks";
  // 4 MiB of locals would overflow the 1 MiB default; with an 8 MiB stack it fits.
  bool done = false;
  CoroutineOptions options;
  options.stack_size_bytes = 8u << 20;
  coroutine_enter(coroutine_create(
      [&] {
        volatile char big[4u << 20];
        big[0] = 1;
        big[sizeof big - 1] = 2;
        done = big[0] + big[sizeof big - 1] == 3;
      },
      options));
  EXPECT_TRUE(done);
}

// The rounding mode as both units see it: x87 control word (what fegetround reads on x86-64) and MXCSR (what
// double arithmetic uses).
std::pair<int, unsigned> rounding_modes() {
#if defined(__x86_64__)
  return {std::fegetround(), _mm_getcsr() & 0x6000u};
#else
  return {std::fegetround(), 0u};
#endif
}

TEST_P(CoroutineTest, EachSideKeepsItsFloatingPointRoundingMode) {
  // The rounding mode (MXCSR and x87 control bits) is callee-saved in the SysV ABI, so a switch must hand each
  // side its own back. Sticky exception flags are not, and the fast switch deliberately leaves them alone.
  if (GetParam() == Backend::ucontext)
    GTEST_SKIP() << "ucontext switches with sigsetjmp/siglongjmp, which (as in QEMU) keep no floating-point state";
  const auto outside = rounding_modes();
  std::pair<int, unsigned> inside_before{}, inside_after{};
  Coroutine *co = coroutine_create([&] {
    std::fesetround(FE_UPWARD);
    inside_before = rounding_modes();
    yield();
    inside_after = rounding_modes();
    std::fesetround(FE_TONEAREST);
  });
  coroutine_enter(co);
  EXPECT_EQ(rounding_modes(), outside) << "the coroutine's rounding mode leaked into its caller";
  volatile double x = 1.0;
  x = x / 3.0;  // raise the inexact flag on this side only
  coroutine_enter(co);
  EXPECT_NE(inside_before, outside);
  EXPECT_EQ(inside_after, inside_before) << "the coroutine lost its rounding mode across the switch";
  EXPECT_EQ(rounding_modes(), outside);
}

TEST_P(CoroutineTest, IdsAreSequentialInCreationOrder) {
  Coroutine *a = coroutine_create([] {});
  Coroutine *b = coroutine_create([] {});
  EXPECT_EQ(coroutine_id(b), coroutine_id(a) + 1);
  coroutine_enter(a);
  coroutine_enter(b);
}

using StackOverflowDeathTest = CoroutineTest;
COROSIM_ON_EACH_BACKEND(StackOverflowDeathTest);

[[gnu::noinline]] int recurse(volatile char *previous) {
  volatile char frame[1024];
  frame[0] = previous ? previous[0] : 1;
  return recurse(frame) + frame[0];  // not a tail call: every level keeps its frame
}

TEST_P(StackOverflowDeathTest, OverflowIsReportedWithTheCoroutineNumber) {
  if (is_thread_backend()) GTEST_SKIP() << "the thread backend runs on OS thread stacks";
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reports the overflow itself";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        CoroutineOptions options;
        options.stack_size_bytes = 64 * 1024;
        coroutine_enter(coroutine_create([] { recurse(nullptr); }, options));
      },
      "stack overflow in coroutine [0-9]+");
}

}  // namespace
}  // namespace corosim
