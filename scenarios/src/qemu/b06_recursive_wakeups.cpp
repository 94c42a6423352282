// qemu-b06-recursive-wakeups (seeded bug: stack_overflow). Each woken coroutine is entered from inside the code
// that ran the coroutine that woke it: a chain of hand-offs nests one frame deeper per link.
//
// In early QEMU, waking a coroutine (qemu_co_queue_next, a CoMutex unlock) entered it more or less directly, and
// the wake-ups a coroutine made were run by the code that had entered it, when it came back: enter(A) runs A, then
// enters the coroutine A woke, B, from within that call; when B comes back, it enters the one B woke, C, still
// nested; and so on. A lock with many queued waiters hands itself down the queue this way, one waiter waking the
// next, and the stack of whoever entered the first one grows with the length of the queue, without bound: a
// burst of requests overflows it. QEMU replaced the nesting with a loop over a pending list (the enter loop takes
// over each finished coroutine's wake-ups, depth first), which corosim's runtime does (runtime/src/wakeup.cpp).
// The scenario models the two enter protocols on top of real coroutines: a dispatcher coroutine with a 64 KiB
// stack enters a queue of 32 waiters, each of which, once it has the lock, passes it on to the next; each nested
// level takes three fifths of the stack, so the second level overflows.
//
//   depth  dispatcher's stack (buggy: nested)                       (fixed: a loop)
//   -----  -------------------------------------------------------  ------------------------------------------
//    1     enter(w0): w0 runs, wakes w1 (on w0's wake-up list)       enter(w0); pending = [w1]
//    2       enter(w1): w1 runs, wakes w2                            enter(w1); pending = [w2]    (depth 1)
//    3         enter(w2): w2 runs, wakes w3                          enter(w2); pending = [w3]    (depth 1)
//    ...         ...                                                 ...
//    2     the second frame runs into the stack's guard page -> STACK OVERFLOW
//          (three fifths of the stack per level here; with small frames, a longer queue gets there)
//
// Every execution of the buggy protocol fails the same way (the burst is already queued when the hand-off
// starts): the class is about depth, not about an interleaving.
//
// The fix: never enter a woken coroutine from the frame of the one that woke it; keep a pending list and enter
// its members one after the other from one frame.

#include <cstdint>
#include <vector>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

constexpr int kWaiters = 32;

// The model's wake-up lists: wakeups[i] are the waiters that waiter i woke while it ran.
struct Chain {
  std::vector<Coroutine *> waiters;
  std::vector<std::vector<int>> wakeups;
  int passed = 0;  // how many waiters had the lock
};

// The old protocol: enter a coroutine, then (still in this frame) enter everything it woke. Each level keeps a
// request's worth of state on the stack, modelled by calls of small frames (below a page each, so that the first
// one past the end lands in the guard page) that go on until the dispatcher has used `level` times kLevelBytes.
// Measured, not counted in frames: then the overflow happens in the second level's padding, before its enter, in
// every build, whatever the build adds to each frame (sanitizers do). Had it depended on frame sizes, the run's
// steps, and so its trace hash, would depend on the build. The addresses only decide how deep the padding goes;
// nothing the simulator records depends on them.
constexpr std::size_t kStackBytes = 64 * 1024;
constexpr std::size_t kLevelBytes = kStackBytes * 3 / 5;  // one level fits, two never do

void enter_nested(Chain &chain, int i, std::uintptr_t top, std::size_t level);

// Pads the stack down to `used` bytes below `top`, then enters waiter i from there.
[[gnu::noinline]] void pad_then_enter(Chain &chain, int i, std::uintptr_t top, std::size_t level) {
  volatile char pad[1024];
  pad[sizeof pad - 1] = 0;
  if (top - reinterpret_cast<std::uintptr_t>(&pad[0]) < level * kLevelBytes) {
    pad_then_enter(chain, i, top, level);
  } else {
    coroutine_enter(chain.waiters[i]);
    for (int woken : chain.wakeups[i]) enter_nested(chain, woken, top, level + 1);
  }
  static_cast<void>(pad[0]);  // (no tail call: the pad stays on the stack)
}

void enter_nested(Chain &chain, int i, std::uintptr_t top, std::size_t level) {
  pad_then_enter(chain, i, top, level);
}

// The fixed protocol: one frame, a pending list.
void enter_looping(Chain &chain, int first) {
  std::vector<int> pending{first};
  while (!pending.empty()) {
    const int i = pending.back();
    pending.pop_back();
    coroutine_enter(chain.waiters[i]);
    for (auto it = chain.wakeups[i].rbegin(); it != chain.wakeups[i].rend(); ++it) pending.push_back(*it);
  }
}

void hand_off_down_the_queue(bool buggy) {
  MainWait wait;
  Chain chain;
  chain.wakeups.resize(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    chain.waiters.push_back(coroutine_create(
        [&chain, i] {
          yield();  // queued for the lock
          ++chain.passed;
          if (i + 1 < kWaiters) chain.wakeups[i].push_back(i + 1);  // unlock: wake the next waiter
        },
        CoroutineOptions{.stack_size_bytes = 16 * 1024}));
  }
  {
    IOThread a;
    aio_co_schedule(a.context(), coroutine_create(
                                     [&] {
                                       volatile char top = 0;  // where the dispatcher's stack use is measured from
                                       for (Coroutine *w : chain.waiters) coroutine_enter(w);  // they queue up
                                       if (buggy)
                                         enter_nested(chain, 0, reinterpret_cast<std::uintptr_t>(&top), 1);
                                       else
                                         enter_looping(chain, 0);
                                       wait.done();
                                     },
                                     CoroutineOptions{.stack_size_bytes = kStackBytes}));
    wait.wait_for(1);
  }
  check_equal("qemu-b06: waiters that had the lock", kWaiters, chain.passed);
}

COROSIM_SCENARIO_BUG("qemu-b06-recursive-wakeups", "stack_overflow",
                     "seeded bug: each woken coroutine is entered nested in its waker's enter: the stack grows") {
  hand_off_down_the_queue(true);
}

COROSIM_SCENARIO("qemu-b06-recursive-wakeups-fixed",
                 "the same hand-off chain, entered from a loop over a pending list: constant depth") {
  hand_off_down_the_queue(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
