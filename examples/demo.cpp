// A short tour of the runtime: coroutines that yield, a CoQueue handing work from a producer to consumers
// (wake-ups are deferred until the waker yields), and a CoMutex passed along in FIFO order.
// Run: build/default/examples/corosim_demo

#include <cstdio>
#include <deque>
#include <string>

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/coroutine.hpp>

using namespace corosim;

static std::string trace;
static void say(const char *who, const char *what) {
  std::printf("  %-10s %s\n", who, what);
  trace += who;
  trace += ' ';
}

int main() {
  std::printf("corosim demo (backend %s, pool %s)\n\n", backend_name(backend()), pool_enabled() ? "on" : "off");

  std::printf("1. enter and yield: the caller and the coroutine take turns\n");
  Coroutine *co = coroutine_create([] {
    say("coroutine", "first entry, yielding");
    yield();
    say("coroutine", "second entry, returning (terminates)");
  });
  say("main", "entering");
  coroutine_enter(co);
  say("main", "back; entering again");
  coroutine_enter(co);
  say("main", "back; the coroutine is gone");

  std::printf("\n2. CoQueue: consumers wait, the producer wakes them; they run after it yields\n");
  CoQueue ready;
  std::deque<int> items;
  auto consumer = [&](const char *name) {
    return [&, name] {
      while (items.empty()) {
        say(name, "waits on the queue");
        ready.wait();
      }
      char line[64];
      std::snprintf(line, sizeof line, "took item %d", items.front());
      items.pop_front();
      say(name, line);
    };
  };
  coroutine_enter(coroutine_create(consumer("consumer1")));
  coroutine_enter(coroutine_create(consumer("consumer2")));
  coroutine_enter(coroutine_create([&] {
    items = {1, 2};
    say("producer", "adds 2 items, wakes all, still running");
    ready.restart_all();
    say("producer", "returns; now the woken consumers run");
  }));

  std::printf("\n3. CoMutex: three coroutines want the lock while the first holds it across a yield\n");
  CoMutex mutex;
  Coroutine *holders[3];
  const char *names[3] = {"worker1", "worker2", "worker3"};
  for (int i = 0; i < 3; ++i) {
    holders[i] = coroutine_create([&, i] {
      say(names[i], "lock()");
      mutex.lock();
      say(names[i], "holds the lock, yields");
      yield();
      say(names[i], "unlock()");
      mutex.unlock();
    });
    coroutine_enter(holders[i]);
  }
  say("main", "re-enters worker1 (it unlocks; worker2 gets the lock in FIFO order)");
  coroutine_enter(holders[0]);
  say("main", "re-enters worker2");
  coroutine_enter(holders[1]);
  say("main", "re-enters worker3");
  coroutine_enter(holders[2]);

  std::printf("\nstacks still mapped (pooled for reuse): %zu\n", coroutine_stats().stacks_mapped);
  return 0;
}
