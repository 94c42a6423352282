// qemu-b16-pool-hoarding (seeded bug: assertion). A coroutine pool that keeps released coroutines in the
// releasing thread's cache: when one thread creates coroutines and another ends them, the second hoards stacks
// without bound while the first keeps mapping new ones.
//
// QEMU recycles terminated coroutines (each one a mapped stack) through per-thread caches, for speed. A cache
// filled by releases and drained only by allocations of the same thread works while coroutines end where they
// began. But a request coroutine is often created by one thread (a vCPU or the main loop submitting I/O) and ends
// in another (the IOThread completing it): the ending thread's cache only grows, the creating thread's is always
// empty, and every creation maps a new stack. Processes ran into the kernel's limit on memory mappings
// (vm.max_map_count) this way. The fix bounds each thread's cache and passes the surplus to a shared, bounded
// pool from which any thread refills; past the bound, stacks are freed. The runtime's pool is built that way
// (runtime/src/pool.cpp: local pools of at most 128, a global pool of at most 16 batches); this scenario models
// the two pools, so that the simulator runs the protocol and checks the number of mapped stacks.
//
// Thread A creates 24 request coroutines and hands each to thread B through a channel of two slots; B runs each
// to its end and releases it:
//
//   request  sim thread 1 (A: creates)                sim thread 2 (B: ends)                 mapped  B's cache
//   -------  ---------------------------------------  -------------------------------------  ------  ---------
//    1       A's cache empty: map a new stack -> co1                                         1       0
//    1                                                co1 ends: into B's cache               1       1
//    2       A's cache empty: map co2                                                        2       1
//    2                                                co2 ends: into B's cache               2       2
//    ...     ...                                      ...                                    ...     ...
//    17      A's cache empty: map co17: 17 stacks for at most 4 in use -> assertion
//   (Every interleaving does this; only the moment of the check varies.)
//
// The fix: B's cache holds at most 4; B gives the surplus to the global pool (at most 4, beyond that it frees
// stacks), and A refills its empty cache from the global pool before mapping a new stack: at most 16 are mapped.

#include <utility>

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/thread.hpp>

#include "../common.hpp"

namespace corosim::scenarios::detail {
namespace {

constexpr int kRequests = 24;
constexpr int kLocalMax = 4;
constexpr int kGlobalMax = 4;
constexpr int kChannel = 2;
constexpr int kBound = 2 * kLocalMax + kGlobalMax + kChannel + 2;  // caches, global pool, in flight

struct StackPool {
  bool buggy = false;
  int local[2] = {};           // each thread's cache (only that thread touches it)
  corosim::Mutex global_m;
  int global = 0;              // guarded by global_m
  corosim::atomic<int> mapped{0};

  void alloc(int thread) {
    if (local[thread] > 0) {
      --local[thread];
      return;
    }
    if (!buggy) {
      global_m.lock();
      local[thread] = std::exchange(global, 0);  // refill from the shared pool
      global_m.unlock();
      if (local[thread] > 0) {
        --local[thread];
        return;
      }
    }
    const int now = mapped.fetch_add(1) + 1;  // map a new stack
    sim::check(now <= kBound, "qemu-b16: the pool hoards stacks: more mapped than can ever be in use or cached");
  }

  void release(int thread) {
    if (buggy || local[thread] < kLocalMax) {
      ++local[thread];  // BUG (when buggy): no bound, and nobody else can take them
      return;
    }
    global_m.lock();
    const bool keep = global < kGlobalMax;
    if (keep) ++global;
    global_m.unlock();
    if (!keep) mapped.fetch_sub(1);  // free the stack
  }
};

// A channel of kChannel slots between the creating and the ending thread.
struct Channel {
  corosim::Mutex m;
  corosim::CondVar cv;
  int queued = 0;
  void put() {
    m.lock();
    cv.wait(m, [&] { return queued < kChannel; });
    ++queued;
    m.unlock();
    cv.notify_all();
  }
  void get() {
    m.lock();
    cv.wait(m, [&] { return queued > 0; });
    --queued;
    m.unlock();
    cv.notify_all();
  }
};

void create_here_end_there(bool buggy) {
  StackPool pool;
  pool.buggy = buggy;
  Channel channel;
  corosim::Thread creator([&] {
    for (int i = 0; i < kRequests; ++i) {
      pool.alloc(0);
      channel.put();
    }
  });
  corosim::Thread ender([&] {
    for (int i = 0; i < kRequests; ++i) {
      channel.get();
      pool.release(1);
    }
  });
  creator.join();
  ender.join();
}

COROSIM_SCENARIO_BUG("qemu-b16-pool-hoarding", "assertion",
                     "seeded bug: coroutines created in one thread, ended in another: an unbounded pool per thread") {
  create_here_end_there(true);
}

COROSIM_SCENARIO("qemu-b16-pool-hoarding-fixed",
                 "the same traffic with bounded thread caches and a bounded shared pool to refill from") {
  create_here_end_there(false);
}

}  // namespace
}  // namespace corosim::scenarios::detail
