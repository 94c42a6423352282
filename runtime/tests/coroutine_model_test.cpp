// Model-based test of coroutines, the wake-up queue, CoQueue, CoMutex and CoRwlock in one context
// (docs/semantics.md: "Coroutines", "Wake-ups are deferred", "CoQueue", "CoMutex", "CoRwlock").
//
// RapidCheck generates random sequences of immutable commands (rc::state) against a small sequential model:
//
//   create A<i>                  coroutine_create for actor i (never created, or terminated before)
//   enter A<i> [op, op, ...]     put the ops in actor i's mailbox and coroutine_enter it from outside any coroutine
//   enter_next from outside      CoQueue::enter_next (the waiter and what it wakes run before the call returns)
//   enter_all from outside       CoQueue::enter_all
//
// The system under test is a fixed set of kActors "actor" coroutines sharing one CoQueue, one CoMutex and one
// CoRwlock. An actor runs the ops in its mailbox in order (yield, wait, wait_head, wait_unlocking = wait(mutex),
// next, restart_all, lock, unlock, rdlock, wrlock, rw_unlock, upgrade, downgrade, finish); when the mailbox is
// empty it notes "idle" and yields. An op that blocks (wait, a contended lock) leaves the rest of the mailbox for
// when the actor is woken, so woken actors go on to wake others: that is what makes the depth-first order of
// the wake-up queue observable. Every actor writes what it does into an event log ("A2 lock", "A2 got mutex").
//
// For every command the model predicts the exact event log, including the cascade of deferred wake-ups:
//
//   | test         | A0 (holds mutex, mailbox [unlock]) | A1 (waits for mutex, then [next]) | A2 (queued) |
//   |--------------|------------------------------------|-----------------------------------|-------------|
//   | enter A0     | unlock (hands over to A1), idle    |                                   |             |
//   |              |                                    | got mutex, next (wakes A2), idle  |             |
//   |              |                                    |                                   | woken, idle |
//
// and after every command the test checks the log, who waits on what (each actor records where it blocks), who
// holds what (each actor's own view, CoMutex::holder()), CoQueue::empty(), the mailboxes, and that no actor is
// still entered. When something differs, RapidCheck shrinks the command sequence and prints it (show()),
// followed by the expected and actual event logs and the model's state before and after the failing command.
// The teardown that ends every sequence runs as checked commands too ("teardown step N: ..." in a report).
// The run prints the share of sequences in which the depth-first order of wake-ups was observable (some
// coroutine woke others while earlier wake-ups were still pending), the case breadth-first code would fail.
//
// Preconditions keep every sequence legal (misuse aborts the process, which would lose the counterexample):
// only enterable actors (fresh, idle or after a yield op) are entered; per actor, the ops are checked against
// what it will hold when each one runs (no recursive lock, unlock only by a holder, finish only with nothing
// held). Lock order: the CoMutex may not be requested while holding the CoRwlock. With that order, every
// blocked actor waits (transitively) for one that can be entered or woken from outside, so the teardown after
// each sequence can always drive every actor to termination and no coroutine leaks into the next run.

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <corosim/co_mutex.hpp>
#include <corosim/co_queue.hpp>
#include <corosim/co_rwlock.hpp>
#include <corosim/coroutine.hpp>

#include "backend_fixture.hpp"  // COROSIM_TEST_BACKEND_NAMES: no thread backend in the simulator build

namespace {

using corosim::Backend;
using corosim::Coroutine;

// A handful: enough for a queue of waiters, a reader run and a writer behind it, small enough to shrink well.
constexpr int kActors = 4;
// Ops per enter command: 0 (just resume) to this; several, so that woken actors go on to wake others.
constexpr int kMaxOpsPerEnter = 4;
// Teardown bound: each step makes one actor run at least one op, and no actor has more than a few left.
constexpr int kMaxTeardownSteps = 200;
// RapidCheck's size (0..100 by default) times this is the longest command sequence. Long sequences are what
// reach the interesting states (several waiters with work left to do when woken): at 1.0 the depth-first order
// was observable in ~3% of the sequences, at 3.0 in ~15%, for ~0.8 s per 100 sequences in Debug.
constexpr double kSequenceScale = 3.0;

// --- instructions ---------------------------------------------------------------------------------------------

enum class Op : uint8_t {
  yield,           // corosim::yield(); noted "resumed" when entered again
  wait,            // CoQueue::wait()
  wait_head,       // CoQueue::wait_insert_head()
  wait_unlocking,  // CoQueue::wait(mutex): releases the CoMutex while queued, re-takes it when woken
  next,            // CoQueue::next()
  restart_all,     // CoQueue::restart_all()
  lock,            // CoMutex::lock()
  unlock,          // CoMutex::unlock()
  rdlock,          // CoRwlock::rdlock()
  wrlock,          // CoRwlock::wrlock()
  rw_unlock,       // CoRwlock::unlock()
  upgrade,         // CoRwlock::upgrade()
  downgrade,       // CoRwlock::downgrade()
  finish,          // the actor's function returns: it terminates
};

const char *op_name(Op op) {
  switch (op) {
    case Op::yield: return "yield";
    case Op::wait: return "wait";
    case Op::wait_head: return "wait_head";
    case Op::wait_unlocking: return "wait_unlocking";
    case Op::next: return "next";
    case Op::restart_all: return "restart_all";
    case Op::lock: return "lock";
    case Op::unlock: return "unlock";
    case Op::rdlock: return "rdlock";
    case Op::wrlock: return "wrlock";
    case Op::rw_unlock: return "rw_unlock";
    case Op::upgrade: return "upgrade";
    case Op::downgrade: return "downgrade";
    case Op::finish: return "finish";
  }
  return "?";
}

// Where an actor is between commands. `running` only ever shows if an actor did not get back to a yield.
enum class Status : uint8_t {
  absent,             // not created yet
  ready,              // created and not started, or idle (empty mailbox): enterable
  yielded,            // stopped in a yield op: enterable
  running,            // (SUT only) inside an op
  queue_wait,         // in CoQueue::wait / wait_insert_head
  queue_wait_relock,  // in CoQueue::wait(mutex), not woken yet
  mutex_wait,         // in CoMutex::lock (also the re-lock of wait_unlocking)
  read_wait,          // in CoRwlock::rdlock
  write_wait,         // in CoRwlock::wrlock or upgrade
  done,               // terminated
};

const char *status_name(Status s) {
  switch (s) {
    case Status::absent: return "absent";
    case Status::ready: return "ready";
    case Status::yielded: return "yielded";
    case Status::running: return "running";
    case Status::queue_wait: return "queue_wait";
    case Status::queue_wait_relock: return "queue_wait_relock";
    case Status::mutex_wait: return "mutex_wait";
    case Status::read_wait: return "read_wait";
    case Status::write_wait: return "write_wait";
    case Status::done: return "done";
  }
  return "?";
}

bool enterable(Status s) { return s == Status::ready || s == Status::yielded; }
bool alive(Status s) { return s != Status::absent && s != Status::done; }

std::string actor_name(int a) { return "A" + std::to_string(a); }

template <class Seq, class F>
std::string join(const Seq &seq, F &&fmt, const char *sep = ", ") {
  std::string out;
  for (const auto &x : seq) {
    if (!out.empty()) out += sep;
    out += fmt(x);
  }
  return out;
}

std::string show_ops(const std::vector<Op> &ops) {
  return "[" + join(ops, [](Op op) { return std::string(op_name(op)); }) + "]";
}

// --- the model ------------------------------------------------------------------------------------------------

struct Ticket {
  int actor;
  bool read;
  bool operator==(const Ticket &) const = default;
};

struct Model {
  std::array<Status, kActors> status{};           // all absent
  std::array<std::vector<Op>, kActors> program{};  // each actor's mailbox: the ops it runs when it next runs
  std::vector<int> queue;                          // CoQueue waiters, first to wake first
  int mutex_holder = -1;                           // -1: free
  std::vector<int> mutex_waiters;                  // FIFO of arrival (hand-off, no barging)
  int writer = -1;                                 // CoRwlock exclusive owner, or -1
  std::set<int> readers;                           // CoRwlock shared owners
  std::vector<Ticket> tickets;                     // CoRwlock queue of tickets, FIFO

  int rw_owners() const { return writer >= 0 ? -1 : static_cast<int>(readers.size()); }
};

std::string describe(const Model &m) {
  std::ostringstream os;
  for (int a = 0; a < kActors; ++a) {
    os << actor_name(a) << ' ' << status_name(m.status[a]);
    if (!m.program[a].empty()) os << " mailbox " << show_ops(m.program[a]);
    os << "; ";
  }
  auto names = [](int a) { return actor_name(a); };
  os << "queue [" << join(m.queue, names) << "]; mutex "
     << (m.mutex_holder < 0 ? std::string("free") : actor_name(m.mutex_holder)) << " waiters ["
     << join(m.mutex_waiters, names) << "]; rwlock "
     << (m.writer >= 0 ? "writer " + actor_name(m.writer) : "readers {" + join(m.readers, names) + "}")
     << " tickets ["
     << join(m.tickets, [](const Ticket &t) { return std::string(t.read ? "r:" : "w:") + actor_name(t.actor); })
     << "]";
  return os.str();
}

// What an actor holds, and whether it has finished, as seen by its own program.
struct Holds {
  bool mutex = false;
  bool read = false;
  bool write = false;
  bool finished = false;
  bool rw() const { return read || write; }
  bool any() const { return mutex || read || write; }
};

// What actor a will hold when it next runs an op from its mailbox (a blocked actor holds what it waits for).
Holds holds_when_resumed(const Model &m, int a) {
  Holds h;
  h.mutex = m.mutex_holder == a || m.status[a] == Status::mutex_wait || m.status[a] == Status::queue_wait_relock;
  h.read = m.readers.count(a) != 0 || m.status[a] == Status::read_wait;
  h.write = m.writer == a || m.status[a] == Status::write_wait;
  h.finished = m.status[a] == Status::done;
  return h;
}

// Advances h over op; false if op is not legal for an actor holding h. Only the actor's own ops change what it
// holds, so this decides legality statically, whenever the op ends up running.
bool step_holds(Holds &h, Op op) {
  if (h.finished) return false;
  switch (op) {
    case Op::yield:
    case Op::wait:
    case Op::wait_head:
    case Op::next:
    case Op::restart_all: return true;
    case Op::wait_unlocking: return h.mutex && !h.rw();  // the re-lock obeys the lock order too
    case Op::lock:
      if (h.mutex || h.rw()) return false;  // no recursive lock; lock order: mutex before rwlock
      h.mutex = true;
      return true;
    case Op::unlock:
      if (!h.mutex) return false;
      h.mutex = false;
      return true;
    case Op::rdlock:
    case Op::wrlock:
      if (h.rw()) return false;
      (op == Op::rdlock ? h.read : h.write) = true;
      return true;
    case Op::rw_unlock:
      if (!h.rw()) return false;
      h.read = h.write = false;
      return true;
    case Op::upgrade:
      if (!h.read) return false;
      h.read = false;
      h.write = true;
      return true;
    case Op::downgrade:
      if (!h.write) return false;
      h.write = false;
      h.read = true;
      return true;
    case Op::finish:
      if (h.any()) return false;  // terminating while holding a lock is misuse
      h.finished = true;
      return true;
  }
  return false;
}

// Holds after actor a has run its whole current mailbox; nullopt if the mailbox is not legal.
std::optional<Holds> holds_after_mailbox(const Model &m, int a) {
  Holds h = holds_when_resumed(m, a);
  for (Op op : m.program[a])
    if (!step_holds(h, op)) return std::nullopt;
  return h;
}

// Ops offered to an actor, with weights; simpler ops first, because shrinking replaces an op by an earlier one.
constexpr std::pair<Op, int> kOpWeights[] = {
    {Op::yield, 2},  {Op::next, 4},      {Op::wait, 4},      {Op::restart_all, 3}, {Op::wait_head, 1},
    {Op::lock, 4},   {Op::unlock, 5},    {Op::rdlock, 3},    {Op::wrlock, 3},      {Op::rw_unlock, 5},
    {Op::upgrade, 1}, {Op::downgrade, 1}, {Op::wait_unlocking, 2}, {Op::finish, 1},
};
// How many ops an enter command carries, with weights: mostly one or two; zero just resumes the actor.
constexpr std::pair<int, int> kCountWeights[] = {{0, 1}, {1, 3}, {2, 4}, {3, 4}, {kMaxOpsPerEnter, 3}};

bool ops_legal(Holds h, const std::vector<Op> &ops) {
  for (Op op : ops)
    if (!step_holds(h, op)) return false;
  return true;
}

// Smaller legal lists: without one op, or with one op replaced by a simpler one.
rc::Seq<std::vector<Op>> shrink_ops(const Holds &start, const std::vector<Op> &ops) {
  std::vector<std::vector<Op>> out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::vector<Op> fewer = ops;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    if (ops_legal(start, fewer)) out.push_back(std::move(fewer));
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (auto [simpler, weight] : kOpWeights) {
      if (simpler == ops[i]) break;
      std::vector<Op> other = ops;
      other[i] = simpler;
      if (ops_legal(start, other)) out.push_back(std::move(other));
    }
  }
  return rc::seq::fromContainer(std::move(out));
}

// A legal list of ops for an actor that will hold `start` when it runs them (gen::elementOf would not shrink).
rc::Gen<std::vector<Op>> gen_ops(Holds start) {
  return [start](const rc::Random &random, int /*size*/) {
    rc::Random r = random;
    auto pick = [&r](const std::vector<std::pair<int, int>> &weighted) {
      int total = 0;
      for (auto [value, weight] : weighted) total += weight;
      int x = static_cast<int>(r.next() % static_cast<uint64_t>(total));
      for (auto [value, weight] : weighted) {
        if (x < weight) return value;
        x -= weight;
      }
      return weighted.back().first;
    };
    const int count = pick({std::begin(kCountWeights), std::end(kCountWeights)});
    std::vector<Op> ops;
    Holds h = start;
    for (int k = 0; k < count && !h.finished; ++k) {
      std::vector<std::pair<int, int>> legal;
      for (auto [op, weight] : kOpWeights) {
        Holds probe = h;
        if (step_holds(probe, op)) legal.emplace_back(static_cast<int>(op), weight);
      }
      const Op op = static_cast<Op>(pick(legal));
      step_holds(h, op);
      ops.push_back(op);
    }
    return rc::shrinkable::shrinkRecur(std::move(ops),
                                       [start](const std::vector<Op> &v) { return shrink_ops(start, v); });
  };
}


// Runs the model forward for one command and records the events the SUT must produce, in order.
class Simulator {
 public:
  explicit Simulator(Model m) : m_(std::move(m)) {}

  // coroutine_enter(actor) from outside any coroutine, after appending ops to its mailbox.
  void enter(int a, const std::vector<Op> &ops) {
    if (!enterable(m_.status[a]))
      return fail(actor_name(a) + " is not enterable (" + status_name(m_.status[a]) + ")");
    m_.program[a].insert(m_.program[a].end(), ops.begin(), ops.end());
    if (!holds_after_mailbox(m_, a))
      return fail(actor_name(a) + "'s mailbox " + show_ops(m_.program[a]) + " is not legal");
    enter_loop(a);
  }

  // CoQueue::enter_next() from outside: the first waiter is entered at once.
  bool outside_next() {
    note_test("enter_next");
    if (m_.queue.empty()) return false;
    int w = m_.queue.front();
    m_.queue.erase(m_.queue.begin());
    enter_loop(w);
    return true;
  }

  // CoQueue::enter_all() from outside: detaches the whole queue, then enters each waiter in order.
  void outside_all() {
    note_test("enter_all");
    std::vector<int> list = std::move(m_.queue);
    m_.queue.clear();
    for (int w : list) {
      if (!illegal_.empty()) return;
      enter_loop(w);
    }
  }

  const Model &model() const { return m_; }
  const std::vector<std::string> &events() const { return events_; }
  // Empty when the command is legal in this state.
  const std::string &illegal() const { return illegal_; }
  // How often a coroutine woke others while earlier wake-ups were still pending (depth first was observable).
  int depth_first_cascades() const { return depth_first_cascades_; }

 private:
  void fail(std::string why) {
    if (illegal_.empty()) illegal_ = std::move(why);
  }
  void note(int a, const std::string &what) { events_.push_back(actor_name(a) + " " + what); }
  void note_test(const std::string &what) { events_.push_back("T " + what); }

  // The enter loop of coroutine_enter: run `first`, then whatever the one that just ran woke, depth first
  // (its wake-ups go before those that were pending already).
  void enter_loop(int first) {
    std::deque<int> pending;
    int to = first;
    for (;;) {
      std::vector<int> woken = run(to);
      if (!illegal_.empty()) return;
      for (int w : woken)
        if (std::find(pending.begin(), pending.end(), w) != pending.end())
          return fail("model: " + actor_name(w) + " woken twice");
      // Depth first: what `to` woke goes before what was pending already. Count when that makes a difference.
      if (!pending.empty() && !woken.empty()) ++depth_first_cascades_;
      pending.insert(pending.begin(), woken.begin(), woken.end());
      if (pending.empty()) return;
      to = pending.front();
      pending.pop_front();
    }
  }

  // CoMutex::unlock by a: hand-off to the first waiter, who holds it from now on.
  void mutex_release(std::vector<int> &woken) {
    if (m_.mutex_waiters.empty()) {
      m_.mutex_holder = -1;
      return;
    }
    m_.mutex_holder = m_.mutex_waiters.front();
    m_.mutex_waiters.erase(m_.mutex_waiters.begin());
    woken.push_back(m_.mutex_holder);
  }

  // CoMutex::lock by a (after its "lock" or "woken" note): true if a got it now, else a is queued.
  bool mutex_acquire(int a) {
    if (m_.mutex_holder < 0) {
      if (!m_.mutex_waiters.empty()) fail("model: free mutex with waiters");
      m_.mutex_holder = a;
      note(a, "got mutex");
      return true;
    }
    m_.mutex_waiters.push_back(a);
    m_.status[a] = Status::mutex_wait;
    return false;
  }

  // CoRwlock's admit_first_and_unlock: the first ticket gets in if it fits; ownership before the wake-up.
  void rw_admit_first(std::vector<int> &woken) {
    if (m_.tickets.empty()) return;
    Ticket t = m_.tickets.front();
    int owners = m_.rw_owners();
    if (t.read && owners >= 0)
      m_.readers.insert(t.actor);
    else if (!t.read && owners == 0)
      m_.writer = t.actor;
    else
      return;
    m_.tickets.erase(m_.tickets.begin());
    woken.push_back(t.actor);
  }

  // Runs actor a (entered, or woken from a wake-up queue) until it yields, blocks or terminates. Returns what it
  // woke, in order (its wake-up queue).
  std::vector<int> run(int a) {
    std::vector<int> woken;
    switch (m_.status[a]) {
      case Status::ready: break;
      case Status::yielded: note(a, "resumed"); break;
      case Status::queue_wait: note(a, "woken"); break;
      case Status::queue_wait_relock:
        note(a, "woken");
        if (!mutex_acquire(a)) return woken;
        break;
      case Status::mutex_wait:
        if (m_.mutex_holder != a) fail("model: " + actor_name(a) + " woken without the mutex");
        note(a, "got mutex");
        break;
      case Status::read_wait:
        rw_admit_first(woken);  // a woken reader lets a following reader in
        note(a, "got read");
        break;
      case Status::write_wait: note(a, "got write"); break;
      case Status::absent:
      case Status::running:
      case Status::done:
        fail("model: running " + actor_name(a) + " in state " + status_name(m_.status[a]));
        return woken;
    }
    m_.status[a] = Status::ready;
    std::vector<Op> &program = m_.program[a];
    while (!program.empty()) {
      const Op op = program.front();
      program.erase(program.begin());
      note(a, op_name(op));
      switch (op) {
        case Op::yield: m_.status[a] = Status::yielded; return woken;
        case Op::wait:
          m_.queue.push_back(a);
          m_.status[a] = Status::queue_wait;
          return woken;
        case Op::wait_head:
          m_.queue.insert(m_.queue.begin(), a);
          m_.status[a] = Status::queue_wait;
          return woken;
        case Op::wait_unlocking:
          if (m_.mutex_holder != a) fail("model: wait_unlocking without the mutex");
          m_.queue.push_back(a);  // queued first, then the mutex is released
          mutex_release(woken);
          m_.status[a] = Status::queue_wait_relock;
          return woken;
        case Op::next:
          if (m_.queue.empty()) {
            note(a, "woke none");
          } else {
            woken.push_back(m_.queue.front());
            m_.queue.erase(m_.queue.begin());
            note(a, "woke one");
          }
          break;
        case Op::restart_all:
          woken.insert(woken.end(), m_.queue.begin(), m_.queue.end());
          m_.queue.clear();
          break;
        case Op::lock:
          if (!mutex_acquire(a)) return woken;
          break;
        case Op::unlock:
          if (m_.mutex_holder != a) fail("model: unlock by a non-holder");
          mutex_release(woken);
          break;
        case Op::rdlock:
          if (m_.writer < 0 && m_.tickets.empty()) {
            m_.readers.insert(a);
            note(a, "got read");
            break;
          }
          m_.tickets.push_back({a, true});
          m_.status[a] = Status::read_wait;
          return woken;
        case Op::wrlock:
          if (m_.rw_owners() == 0) {
            if (!m_.tickets.empty()) fail("model: free rwlock with tickets");
            m_.writer = a;
            note(a, "got write");
            break;
          }
          m_.tickets.push_back({a, false});
          m_.status[a] = Status::write_wait;
          return woken;
        case Op::rw_unlock:
          if (m_.writer == a)
            m_.writer = -1;
          else if (!m_.readers.erase(a))
            fail("model: rw_unlock by a non-holder");
          if (m_.rw_owners() == 0) rw_admit_first(woken);
          break;
        case Op::upgrade:
          if (!m_.readers.count(a)) fail("model: upgrade without a read share");
          if (m_.readers.size() == 1 && m_.tickets.empty()) {
            m_.readers.clear();
            m_.writer = a;
            note(a, "got write");
            break;
          }
          // Gives up its share and queues as a writer behind everyone waiting; may admit itself.
          m_.readers.erase(a);
          m_.tickets.push_back({a, false});
          m_.status[a] = Status::write_wait;
          rw_admit_first(woken);
          return woken;
        case Op::downgrade:
          if (m_.writer != a) fail("model: downgrade without the write lock");
          m_.writer = -1;
          m_.readers = {a};
          rw_admit_first(woken);
          break;
        case Op::finish:
          if (!program.empty()) fail("model: ops after finish");
          m_.status[a] = Status::done;
          return woken;
      }
      if (!illegal_.empty()) return woken;
    }
    note(a, "idle");
    return woken;
  }

  Model m_;
  std::vector<std::string> events_;
  std::string illegal_;
  int depth_first_cascades_ = 0;
};

// --- the system under test ------------------------------------------------------------------------------------

struct Sut {
  corosim::CoQueue queue;
  corosim::CoMutex mutex;
  corosim::CoRwlock rwlock;
  std::array<Coroutine *, kActors> co{};  // nullptr: not created or terminated
  std::array<std::deque<Op>, kActors> mailbox;
  // What each actor reports about itself: where it is blocked, and what it believes it holds.
  std::array<Status, kActors> status{};
  std::array<bool, kActors> has_mutex{}, has_read{}, has_write{};
  std::vector<std::string> log;
  // The model after the last command that ran (commands' run() keep it current), for the teardown.
  Model model;
  // Prefix of failure reports: empty while RapidCheck's commands run, then "teardown step N: ".
  std::string phase;
  // Coverage: cascades in which the depth-first order of the wake-up queue was observable.
  int depth_first_cascades = 0;

  Sut() = default;
  Sut(const Sut &) = delete;
  Sut &operator=(const Sut &) = delete;

  void create(int a) {
    mailbox[a].clear();
    status[a] = Status::ready;
    co[a] = corosim::coroutine_create([this, a] { actor_main(a); });
  }

  // Also checks, every time an actor notes something, that it runs as itself, entered, and not nested inside
  // any other actor (woken coroutines run from the enter loop, not on their waker's stack).
  void note(int a, const std::string &what) {
    std::string entry = actor_name(a) + " " + what;
    if (corosim::self() != co[a] || !corosim::in_coroutine() || !corosim::entered(co[a])) entry += " !not-self";
    for (int b = 0; b < kActors; ++b)
      if (b != a && co[b] && corosim::entered(co[b])) entry += " !nested-in-" + actor_name(b);
    log.push_back(std::move(entry));
  }

  void got_mutex(int a) {
    std::string bad;
    if (mutex.holder() != co[a]) bad += " !holder";
    for (int b = 0; b < kActors; ++b)
      if (has_mutex[b]) bad += " !also-held-by-" + actor_name(b);
    has_mutex[a] = true;
    note(a, "got mutex" + bad);
  }
  void got_rw(int a, bool write) {
    std::string bad;
    for (int b = 0; b < kActors; ++b)
      if (b != a && (has_write[b] || (write && has_read[b]))) bad += " !excludes-" + actor_name(b);
    (write ? has_write : has_read)[a] = true;
    note(a, std::string(write ? "got write" : "got read") + bad);
  }

  // The lock for CoQueue::wait(lock): records the release and the re-take like the actor's own ops do.
  struct RelockingMutex {
    Sut &s;
    int a;
    void unlock() {
      s.has_mutex[a] = false;
      s.mutex.unlock();
    }
    void lock() {
      s.note(a, "woken");
      s.status[a] = Status::mutex_wait;
      s.mutex.lock();
      s.status[a] = Status::running;
      s.got_mutex(a);
    }
  };

  void actor_main(int a) {
    for (;;) {
      if (mailbox[a].empty()) {
        note(a, "idle");
        status[a] = Status::ready;
        corosim::yield();
        status[a] = Status::running;
        continue;
      }
      const Op op = mailbox[a].front();
      mailbox[a].pop_front();
      note(a, op_name(op));
      switch (op) {
        case Op::yield:
          status[a] = Status::yielded;
          corosim::yield();
          status[a] = Status::running;
          note(a, "resumed");
          break;
        case Op::wait:
        case Op::wait_head:
          status[a] = Status::queue_wait;
          if (op == Op::wait)
            queue.wait();
          else
            queue.wait_insert_head();
          status[a] = Status::running;
          note(a, "woken");
          break;
        case Op::wait_unlocking: {
          RelockingMutex lock{*this, a};
          status[a] = Status::queue_wait_relock;
          queue.wait(lock);
          break;
        }
        case Op::next: note(a, queue.next() ? "woke one" : "woke none"); break;
        case Op::restart_all: queue.restart_all(); break;
        case Op::lock:
          status[a] = Status::mutex_wait;
          mutex.lock();
          status[a] = Status::running;
          got_mutex(a);
          break;
        case Op::unlock:
          has_mutex[a] = false;
          mutex.unlock();
          break;
        case Op::rdlock:
        case Op::wrlock:
          status[a] = op == Op::rdlock ? Status::read_wait : Status::write_wait;
          if (op == Op::rdlock)
            rwlock.rdlock();
          else
            rwlock.wrlock();
          status[a] = Status::running;
          got_rw(a, op == Op::wrlock);
          break;
        case Op::rw_unlock:
          has_read[a] = has_write[a] = false;
          rwlock.unlock();
          break;
        case Op::upgrade:
          has_read[a] = false;
          status[a] = Status::write_wait;
          rwlock.upgrade();
          status[a] = Status::running;
          got_rw(a, true);
          break;
        case Op::downgrade:
          has_write[a] = false;
          has_read[a] = true;
          rwlock.downgrade();
          break;
        case Op::finish:
          status[a] = Status::done;
          co[a] = nullptr;
          return;  // terminates; the enter loop recycles the coroutine
      }
    }
  }
};

// --- commands -------------------------------------------------------------------------------------------------

using Command = rc::state::Command<Model, Sut>;

// Compares the SUT with the model after a command; fails with the command, both logs and the model's state.
void check_against(const Model &before, const Simulator &sim, Sut &s, const std::string &what) {
  const Model &m = sim.model();
  std::vector<std::string> problems;
  if (s.log != sim.events())
    problems.push_back("events differ:\n    expected: " + join(sim.events(), [](auto &e) { return e; }) +
                       "\n    actual:   " + join(s.log, [](auto &e) { return e; }));
  if (corosim::in_coroutine()) problems.push_back("the test is inside a coroutine after the command");
  for (int a = 0; a < kActors; ++a) {
    const std::string n = actor_name(a);
    if (s.status[a] != m.status[a])
      problems.push_back(n + " is " + status_name(s.status[a]) + ", model says " + status_name(m.status[a]));
    if ((s.co[a] != nullptr) != alive(m.status[a]))
      problems.push_back(n + (s.co[a] ? " still has a coroutine" : " has no coroutine"));
    if (s.co[a] && corosim::entered(s.co[a])) problems.push_back(n + " is still entered");
    if (std::vector<Op>(s.mailbox[a].begin(), s.mailbox[a].end()) != m.program[a])
      problems.push_back(n + "'s mailbox differs");
    if (s.has_mutex[a] != (m.mutex_holder == a)) problems.push_back(n + "'s view of holding the mutex differs");
    if (s.has_read[a] != (m.readers.count(a) != 0)) problems.push_back(n + "'s view of a read share differs");
    if (s.has_write[a] != (m.writer == a)) problems.push_back(n + "'s view of the write lock differs");
  }
  Coroutine *holder = m.mutex_holder >= 0 ? s.co[m.mutex_holder] : nullptr;
  if (s.mutex.holder() != holder) problems.push_back("CoMutex::holder() differs from the model");
  if (s.queue.empty() != m.queue.empty()) problems.push_back("CoQueue::empty() differs from the model");
  if (!problems.empty()) {
    const std::string report = s.phase + "after `" + what + "`:\n  " +
                               join(problems, [](auto &p) { return p; }, "\n  ") +
                               "\n  model before: " + describe(before) + "\n  model after:  " + describe(m);
    RC_FAIL(report);
  }
  s.model = m;
  s.depth_first_cascades += sim.depth_first_cascades();
}

// Common shape: simulate on the model to get the next state and the prediction, legal or discarded.
template <class Derived>
struct SimulatedCommand : Command {
  Simulator simulate(const Model &s0) const {
    Simulator sim(s0);
    static_cast<const Derived *>(this)->simulate_into(sim);
    return sim;
  }
  void checkPreconditions(const Model &s0) const override { RC_PRE(simulate(s0).illegal().empty()); }
  void apply(Model &s0) const override { s0 = simulate(s0).model(); }
  std::string text() const {
    std::ostringstream os;
    this->show(os);
    return os.str();
  }
};

struct Create : Command {
  int actor;

  explicit Create(const Model &m) {
    std::vector<int> candidates;
    for (int a = 0; a < kActors; ++a)
      if (!alive(m.status[a])) candidates.push_back(a);
    if (candidates.empty()) RC_DISCARD("every actor is alive");
    actor = *rc::gen::elementOf(candidates);
  }

  void checkPreconditions(const Model &s0) const override { RC_PRE(!alive(s0.status[actor])); }
  void apply(Model &s0) const override {
    s0.status[actor] = Status::ready;
    s0.program[actor].clear();
  }
  void run(const Model &s0, Sut &s) const override {
    s.log.clear();
    s.create(actor);
    Simulator sim(nextState(s0));  // nothing runs: no events
    check_against(s0, sim, s, "create " + actor_name(actor));
  }
  void show(std::ostream &os) const override { os << "create " << actor_name(actor); }
};

struct Enter : SimulatedCommand<Enter> {
  int actor;
  std::vector<Op> ops;

  Enter(int a, std::vector<Op> o) : actor(a), ops(std::move(o)) {}
  explicit Enter(const Model &m) {
    std::vector<int> candidates;
    for (int a = 0; a < kActors; ++a)
      if (enterable(m.status[a])) candidates.push_back(a);
    if (candidates.empty()) RC_DISCARD("no enterable actor");
    actor = *rc::gen::elementOf(candidates);
    std::optional<Holds> start = holds_after_mailbox(m, actor);
    if (!start) RC_DISCARD("mailbox not legal");
    ops = *gen_ops(*start);
  }

  void simulate_into(Simulator &sim) const { sim.enter(actor, ops); }

  void run(const Model &s0, Sut &s) const override {
    Simulator sim = simulate(s0);
    s.log.clear();
    s.mailbox[actor].insert(s.mailbox[actor].end(), ops.begin(), ops.end());
    corosim::coroutine_enter(s.co[actor]);
    check_against(s0, sim, s, text());
  }
  void show(std::ostream &os) const override { os << "enter " << actor_name(actor) << ' ' << show_ops(ops); }
};

struct OutsideNext : SimulatedCommand<OutsideNext> {
  void simulate_into(Simulator &sim) const { sim.outside_next(); }
  void run(const Model &s0, Sut &s) const override {
    Simulator sim(s0);
    const bool expected = sim.outside_next();
    s.log.assign(1, "T enter_next");
    const bool woke = s.queue.enter_next();
    if (woke != expected) {
      const std::string report = s.phase + "enter_next returned " + std::to_string(woke) + ", model says " +
                                 std::to_string(expected) + "\n  model before: " + describe(s0);
      RC_FAIL(report);
    }
    check_against(s0, sim, s, text());
  }
  void show(std::ostream &os) const override { os << "enter_next from outside"; }
};

struct OutsideAll : SimulatedCommand<OutsideAll> {
  void simulate_into(Simulator &sim) const { sim.outside_all(); }
  void run(const Model &s0, Sut &s) const override {
    Simulator sim = simulate(s0);
    s.log.assign(1, "T enter_all");
    s.queue.enter_all();
    check_against(s0, sim, s, text());
  }
  void show(std::ostream &os) const override { os << "enter_all from outside"; }
};

// Drives every actor to termination (releasing what it will hold, then finishing), waking queue waiters from
// outside when no actor can be entered. Each step runs as a checked command. With the lock order kept by the
// preconditions someone can always make progress; if nobody can, that is a lost wake-up or a model bug.
void teardown(Sut &s) {
  for (int step = 0; step < kMaxTeardownSteps; ++step) {
    const Model m = s.model;
    int target = -1;
    bool any_alive = false;
    for (int a = 0; a < kActors; ++a) {
      any_alive = any_alive || alive(m.status[a]);
      if (target < 0 && enterable(m.status[a])) target = a;
    }
    if (!any_alive) return;
    s.phase = "teardown step " + std::to_string(step + 1) + ": ";
    if (target >= 0) {
      std::optional<Holds> h = holds_after_mailbox(m, target);
      RC_ASSERT(h.has_value());
      std::vector<Op> ops;
      if (!h->finished) {
        if (h->rw()) ops.push_back(Op::rw_unlock);
        if (h->mutex) ops.push_back(Op::unlock);
        ops.push_back(Op::finish);
      }
      const Enter cmd(target, ops);
      RC_ASSERT(cmd.simulate(m).illegal().empty());
      cmd.run(m, s);
    } else if (!m.queue.empty()) {
      OutsideAll().run(m, s);
    } else {
      const std::string report = "teardown: nobody can run (deadlock or lost wake-up): " + describe(m);
      RC_FAIL(report);
    }
  }
  const std::string report =
      "teardown did not finish in " + std::to_string(kMaxTeardownSteps) + " steps: " + describe(s.model);
  RC_FAIL(report);
}

// Enter is listed several times: execOneOfWithArgs picks a command type uniformly, and entering is what
// exercises the runtime (create and the outside wake-ups mostly set the stage).
using CommandGen = decltype(rc::state::gen::execOneOfWithArgs<Create, Enter, Enter, Enter, Enter, Enter, Enter,
                                                               OutsideNext, OutsideAll>());

// Coroutines alive in this thread: mapped stacks that are not waiting in a pool. (A failed run leaves its actors
// alive, so later runs compare against their own starting count.)
std::size_t live_coroutines() {
  const corosim::CoroutineStats stats = corosim::coroutine_stats();
  return stats.stacks_mapped - stats.global_pool - stats.local_pool;
}

void model_property() {
  const std::size_t live_before = live_coroutines();
  Sut sut;
  // rc::state::check(Model{}, sut, CommandGen()), with longer sequences.
  const auto commands = *rc::gen::scale(kSequenceScale, rc::state::gen::commands(Model{}, CommandGen()));
  rc::state::runAll(commands, Model{}, sut);
  RC_TAG(sut.depth_first_cascades > 0 ? "depth-first order observable" : "no depth-first cascade");
  teardown(sut);
  for (int a = 0; a < kActors; ++a)
    if (sut.co[a]) {
      const std::string report = actor_name(a) + " survived the teardown";
      RC_FAIL(report);
    }
  RC_ASSERT(sut.queue.empty());
  if (sut.mutex.holder()) RC_FAIL("the CoMutex is still held after the teardown");
  // No coroutine leaked: every actor terminated and went back to the pool (or was freed, without a pool).
  const std::size_t live_after = live_coroutines();
  RC_ASSERT(live_after == live_before);
}

// --- the test, on every backend -------------------------------------------------------------------------------

// The parameter is the backend's name, so that gtest prints it.
class CoroutineModel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    saved_ = corosim::backend();
    Backend backend;
    ASSERT_TRUE(corosim::parse_backend(GetParam().c_str(), &backend));
    corosim::set_backend(backend);
  }
  void TearDown() override { corosim::set_backend(saved_); }

 private:
  Backend saved_ = Backend::fcontext;
};

// What RC_GTEST_PROP expands to, inside a parameterised test (RC_GTEST_PROP cannot take a parameter).
TEST_P(CoroutineModel, RandomCommandSequencesMatchTheModel) { rc::detail::checkGTest(&model_property); }

INSTANTIATE_TEST_SUITE_P(Backends, CoroutineModel,
                         ::testing::Values(COROSIM_TEST_BACKEND_NAMES),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

}  // namespace
