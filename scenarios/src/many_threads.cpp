// Seeded bugs among many plain threads, in the shape of a pthread benchmark systematic testers are compared on
// (SCTBench's "reorder"): few steps matter, and the threads around them are noise that a random
// walk spends its choices on. They are what the partial-order-aware strategy (pos) is for, and the bug-finding
// table (docs/bug-corpus.md) compares the strategies on them.
//
// reorder-N (seeded bug: assertion). N-1 setters each write a = 1, then b = -1; one checker reads a, then b, and
// insists that it saw both writes or neither. It fails when both of its reads fall between the first a = 1 and the
// first b = -1:
//
//   step  setter k              checker
//   ----  --------------------  ------------------------------
//    1    a = 1
//    2                          a -> 1
//    3                          b -> 0   : saw half a setter's update -> FAIL
//    4    b = -1
//
// Every other setter that writes b = -1 first closes the window, so a random walk's chance to hit it falls as N
// grows; the steps that matter are the few on a and b, which is what POS's priorities keep in order. With 19 setters
// the window has usually closed before the main thread has even started the checker: only PCT, which can give the
// main thread the top priority, finds it within the bug-finding table's budget.

#include <memory>
#include <vector>

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

void join_all(std::vector<std::unique_ptr<Thread>> &threads) {
  for (auto &t : threads) t->join();
}

void reorder(int threads) {
  corosim::atomic<int> a{0}, b{0};
  std::vector<std::unique_ptr<Thread>> all;
  for (int i = 0; i + 1 < threads; ++i)
    all.push_back(std::make_unique<Thread>([&] {
      a.store(1);
      b.store(-1);
    }));
  all.push_back(std::make_unique<Thread>([&] {
    const int seen_a = a.load(), seen_b = b.load();
    sim::check(!(seen_a == 1 && seen_b == 0), "reorder: the checker saw a = 1 without b = -1");
  }));
  join_all(all);
}

COROSIM_SCENARIO_BUG("reorder-4", "assertion", "seeded bug: 3 setters write a then b; a checker reads between") {
  reorder(4);
}
COROSIM_SCENARIO_BUG("reorder-10", "assertion", "seeded bug: 9 setters write a then b; a checker reads between") {
  reorder(10);
}
COROSIM_SCENARIO_BUG("reorder-20", "assertion", "seeded bug: 19 setters write a then b; a checker reads between") {
  reorder(20);
}

}  // namespace
}  // namespace corosim::scenarios::detail
