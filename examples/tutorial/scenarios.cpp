// The tutorial's scenarios (docs/tutorial.md): two programs with a bug each, and the same two done right. Linked with
// corosim::main, this file is a complete program: the `corosim` command (list, run, explore, replay) over these four
// scenarios.
//
//   ./tutorial_scenarios list
//   ./tutorial_scenarios explore counter-racy
//   ./tutorial_scenarios explore counter-locked --strategy dfs

#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/thread.hpp>

namespace {

// Two threads add one to a shared counter: read it, (the simulator may switch threads here), write it back plus one.
// With `m`, each increment is under the Mutex; without, an increment can be lost.
int add_twice(corosim::Mutex *m) {
  int count = 0;
  auto add = [&] {
    if (m) m->lock();
    const int seen = count;
    corosim::schedule_point();
    count = seen + 1;
    if (m) m->unlock();
  };
  corosim::Thread a(add), b(add);
  a.join();
  b.join();
  return count;
}

}  // namespace

COROSIM_SCENARIO_BUG("counter-racy", "assertion", "two threads increment a counter with no lock: one update is lost") {
  corosim::sim::check(add_twice(nullptr) == 2, "an increment was lost: the counter ended below 2");
}

COROSIM_SCENARIO("counter-locked", "two threads increment a counter under a Mutex") {
  corosim::Mutex m;
  corosim::sim::check(add_twice(&m) == 2, "an increment was lost under the Mutex");
}

// A producer signals a consumer through a CondVar. The bug: the consumer waits without checking whether the signal
// was already sent. If the producer notifies first, nobody is waiting, the notification is lost, and the consumer
// then waits forever: the simulator reports a lost wake-up (nothing left can notify the CondVar).
COROSIM_SCENARIO_BUG("signal-lost", "lost_wakeup", "a consumer waits on a CondVar after the only notify was sent") {
  corosim::Mutex m;
  corosim::CondVar cv;
  corosim::Thread producer([&] { cv.notify_one(); });
  m.lock();
  cv.wait(m);  // BUG: no condition checked; the notify may be over already
  m.unlock();
  producer.join();
}

// Done right: the signal is a state (`sent`), set under the Mutex, and the consumer waits only while it is unset.
COROSIM_SCENARIO("signal-guarded", "the same with a flag under the Mutex: the consumer never misses the signal") {
  corosim::Mutex m;
  corosim::CondVar cv;
  bool sent = false;
  corosim::Thread producer([&] {
    m.lock();
    sent = true;
    m.unlock();
    cv.notify_one();
  });
  m.lock();
  cv.wait(m, [&] { return sent; });
  m.unlock();
  producer.join();
}
