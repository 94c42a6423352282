// A user's program built on corosim::main, as cli_test.sh drives it: the `corosim` command over scenarios of the
// program's own (none of the built-in ones are linked in). Built twice: as is, and with COROSIM_TEST_DUPLICATE,
// which registers a second scenario under a name already taken, one with a tab in its name and run options for a
// scenario that does not exist (the command must refuse to start, naming both places of the first mistake and
// counting the others).

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include <corosim/platform.hpp>
#include <corosim/scenario.hpp>
#include <corosim/sim/executor.hpp>
#include <corosim/thread.hpp>

namespace {

// Two threads each add one to a counter, with a scheduling point between the read and the write. `locked`: under
// a Mutex; `extra`: with one more scheduling point before it. Returns the final count (2 unless an update was
// lost).
int two_increments(bool locked, bool extra = false) {
  corosim::Mutex m;
  int count = 0;
  auto add = [&] {
    if (extra) corosim::schedule_point();
    if (locked) m.lock();
    const int seen = count;
    corosim::schedule_point();
    count = seen + 1;
    if (locked) m.unlock();
  };
  corosim::Thread a(add), b(add);
  a.join();
  b.join();
  return count;
}

}  // namespace

COROSIM_SCENARIO("user-counter-locked", "two threads add to a counter under a Mutex") {
  corosim::sim::check(two_increments(true) == 2, "an increment was lost under the Mutex");
}

COROSIM_SCENARIO_BUG("user-counter-racy", "assertion", "the same without the Mutex: an update is lost") {
  corosim::sim::check(two_increments(false) == 2, "an increment was lost");
}

// The process dies (abort, SIGABRT: sanitizers leave that signal alone) in the executions that lose an update:
// in-process exploration would die with it, so cli_test.sh explores it in worker processes (--jobs), where a crash
// is that execution's failure.
COROSIM_SCENARIO_BUG("user-counter-crashes", "crash", "a lost update aborts the process") {
  if (two_increments(false) != 2) std::abort();
}

// A scenario whose code changes between versions of the program, as a user's does between commits (cli_test.sh,
// the ci cases): COROSIM_TEST_VERSION=buggy forgets the Mutex (the gate must fail and keep the schedule in its
// corpus); =changed has each thread pass one more scheduling point before it takes the Mutex (a corpus schedule
// from before no longer fits: its replay diverges, and passes); otherwise it is the locked counter.
COROSIM_SCENARIO("user-counter-versions", "the locked counter, as it changes between versions (cli_test.sh)") {
  const char *version = std::getenv("COROSIM_TEST_VERSION");
  const std::string_view v = version ? version : "";
  corosim::sim::check(two_increments(v != "buggy", v == "changed") == 2, "an increment was lost");
}

#ifdef COROSIM_TEST_DUPLICATE
COROSIM_SCENARIO("user-counter-locked", "the same name again") { two_increments(true); }
COROSIM_SCENARIO("a name\twith a tab", "a second mistake, counted after the first") {}
#endif

// Never reaches a scheduling point once the thread spins on a plain flag nobody sets: the exploration's execution
// timeout must stop it, in process and in worker processes, naming the thread (cli_test.sh).
COROSIM_SCENARIO_BUG("user-spins-forever", "timeout", "a thread loops on a plain variable: no scheduling point") {
  corosim::Thread spinner([] {
    volatile bool never = false;
    while (!never) {
    }
  });
  spinner.join();
}

// An exception escaping a thread: the failure `exception`, named, in process.
COROSIM_SCENARIO_BUG("user-throws", "exception", "a thread throws std::runtime_error") {
  corosim::Thread t([] { throw std::runtime_error("the thread gave up"); });
  t.join();
}

// The process dies of SIGSEGV in the executions that lose an update: a write through a wild pointer (an address
// nothing maps; not 0, which some virtual machines map).
COROSIM_SCENARIO_BUG("user-wild-write", "crash", "a lost update writes through a wild pointer") {
  int *volatile nowhere = reinterpret_cast<int *>(std::uintptr_t{0x7ead00000000});
  if (two_increments(false) != 2) *nowhere = 1;
}

// The explored code ends the process with exit(0) in the executions that lose an update: never a pass.
COROSIM_SCENARIO_BUG("user-exits", "crash", "a lost update calls exit(0)") {
  if (two_increments(false) != 2) std::exit(0);
}

// About 300 KiB of recursion on a sim thread: more than its default 256 KiB stack, less than --stack-kib 512.
int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  return depth == 0 ? frame[0] : recurse(depth - 1) + frame[0];
}
COROSIM_SCENARIO_BUG("user-deep-recursion", "stack_overflow", "a thread recurses through 300 KiB of stack") {
  corosim::Thread t([] { recurse(300); });
  t.join();
}

// Allocates and touches memory without end in the executions that lose an update: --max-rss-mb must stop it.
COROSIM_SCENARIO_BUG("user-runaway-memory", "out_of_memory", "a lost update starts allocating without end") {
  if (two_increments(false) == 2) return;
  static char *volatile last;  // keeps the allocations observable (an unused one may be elided)
  for (;;) {
    char *block = new char[64 << 20];
    for (std::size_t i = 0; i < (64u << 20); i += 4096) block[i] = 1;
    last = block;
  }
}

// The same recursion with the stack it needs, given by the scenario itself: it passes.
COROSIM_SCENARIO("user-deep-recursion-roomy", "the same recursion on a 512 KiB stack (the scenario's run options)") {
  corosim::Thread t([] { recurse(300); });
  t.join();
}
COROSIM_SCENARIO_RUN_OPTIONS("user-deep-recursion-roomy", corosim::sim::RunOptions{.stack_bytes = 512 * 1024});

#ifdef COROSIM_TEST_DUPLICATE
COROSIM_SCENARIO_RUN_OPTIONS("no-such-scenario", corosim::sim::RunOptions{.stack_bytes = 512 * 1024});
#endif
