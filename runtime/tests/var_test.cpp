// corosim/var.hpp on both platforms: a var<T> reads and writes like the T it wraps (in the simulator every access
// is also checked for data races: sim/tests/race_test.cpp), and properly synchronised code runs unchanged.

#include <corosim/thread.hpp>
#include <corosim/var.hpp>

#include "test_platform.hpp"

namespace corosim {
namespace {

TEST(Var, ReadsAndWritesLikeItsType) {
  var<int> x{5};
  EXPECT_EQ(x.load(), 5);
  x = 7;
  EXPECT_EQ(static_cast<int>(x), 7);
  x += 3;
  x -= 1;
  ++x;
  --x;
  --x;
  x.store(x.load() * 2);
  EXPECT_EQ(x.load(), 16);
  var<long> stepped{1, var_steps};
  stepped = stepped + 1;
  EXPECT_EQ(stepped.load(), 2);
}

TEST(Var, GuardedByAMutexAcrossThreads) {
  Mutex m;
  var<int> count{0};
  auto add = [&] {
    for (int i = 0; i < 200; ++i) {
      m.lock();
      count = count + 1;
      m.unlock();
    }
  };
  Thread a(add), b(add);
  a.join();
  b.join();
  EXPECT_EQ(count.load(), 400);
}

}  // namespace
}  // namespace corosim
