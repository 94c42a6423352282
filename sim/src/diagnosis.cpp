// Deadlock, lost wake-up and leak reports (diagnosis.hpp).
//
// The wait-for graph: an edge from coroutine c to coroutine h when c waits for a lock (CoMutex, CoRwlock) that h
// holds. A cycle in it is a deadlock, whatever else is stuck. Without a cycle, every waiting coroutine's chain of
// edges ends in a coroutine that waits for something other than a held lock (a CoQueue, a plain yield, a lock
// handed to it whose wake-up never came): nothing left can wake that one, since no sim thread can run and no timer
// is pending. That is a lost wake-up, and those chain ends are named as its root.
//
// Objects are named by the order in which the report first mentions them ("CoMutex #1"); pointers serve only to
// recognise the same object twice (compared for equality), never to hash or order anything, so reports are the
// same on every run of a seed.

#include "diagnosis.hpp"

#include <algorithm>
#include <vector>

namespace corosim::sim {
namespace {

using platform::SimCoroutine;

class Namer {
 public:
  std::string name(const SimCoroutine &c) {
    if (c.waits_for.empty()) return "";
    if (!c.object) return c.waits_for;
    auto it = std::find(mentioned_.begin(), mentioned_.end(), c.object);
    if (it == mentioned_.end()) it = mentioned_.insert(mentioned_.end(), c.object);
    return kind_of(c.waits_for) + " #" + std::to_string(it - mentioned_.begin() + 1);
  }

 private:
  static std::string kind_of(const std::string &waits_for) {
    if (waits_for.rfind("CoRwlock", 0) == 0) return "CoRwlock";
    if (waits_for == "sleep" || waits_for == "aio_co_reschedule_self" || waits_for == "thread pool")
      return "context";
    return waits_for;
  }
  // Objects in order of first mention: an object's number is its position + 1. Compared for equality only (a
  // report names a handful of objects), never hashed or ordered by address.
  std::vector<const void *> mentioned_;
};

std::string holders_text(const std::vector<uint64_t> &holders) {
  if (holders.empty()) return "held by nobody";
  std::string s = holders.size() == 1 ? "held by coroutine " : "held by coroutines ";
  for (std::size_t i = 0; i < holders.size(); ++i) s += (i ? ", " : "") + std::to_string(holders[i]);
  return s;
}

bool waits_on_lock(const SimCoroutine &c) {
  return c.waits_for == "CoMutex" || c.waits_for.rfind("CoRwlock", 0) == 0;
}

// One line about coroutine c.
std::string describe(const SimCoroutine &c, Namer &namer) {
  std::string s = "coroutine " + std::to_string(c.id) + ": ";
  switch (c.state) {
    case SimCoroutine::State::created: return s + "created and never entered";
    case SimCoroutine::State::running: return s + "running in a sim thread that cannot go on";
    case SimCoroutine::State::suspended: break;
  }
  if (c.scheduled_by) {
    s += "scheduled by ";
    s += c.scheduled_by;
    s += ", in a context that will not run it";
    if (c.waits_for == "sleep") s += " (sleeping)";
    return s;
  }
  if (c.waits_for.empty()) return s + "yielded; nothing recorded what it waits for, and nothing will wake it";
  if (c.waits_for == "its waker to yield") return s + "woken, waiting for its waker to yield";
  s += "waits for " + namer.name(c);
  if (c.waits_for.rfind("CoRwlock", 0) == 0) s += c.waits_for.substr(8);  // " (read)" / " (write)"
  if (waits_on_lock(c)) s += ", " + holders_text(c.holders);
  return s;
}

}  // namespace

Diagnosis diagnose_stuck(const std::vector<SimCoroutine> &coroutines, const std::vector<StuckThread> &threads) {
  // coroutines is in id order (sim_live_coroutines): a holder's position is found by binary search.
  auto edges = [&](const SimCoroutine &c) {
    std::vector<std::size_t> out;
    if (c.state == SimCoroutine::State::suspended && waits_on_lock(c))
      for (uint64_t h : c.holders) {
        auto it = std::lower_bound(coroutines.begin(), coroutines.end(), h,
                                   [](const SimCoroutine &x, uint64_t id) { return x.id < id; });
        if (it != coroutines.end() && it->id == h) out.push_back(static_cast<std::size_t>(it - coroutines.begin()));
      }
    return out;
  };

  // The first cycle, searching from coroutines in id order (depth first, white/grey/black).
  std::vector<int> colour(coroutines.size(), 0);
  std::vector<std::size_t> path, cycle;
  auto dfs = [&](auto &self, std::size_t v) -> bool {
    colour[v] = 1;
    path.push_back(v);
    for (std::size_t w : edges(coroutines[v])) {
      if (colour[w] == 1) {
        cycle.assign(std::find(path.begin(), path.end(), w), path.end());
        return true;
      }
      if (colour[w] == 0 && self(self, w)) return true;
    }
    path.pop_back();
    colour[v] = 2;
    return false;
  };
  for (std::size_t v = 0; v < coroutines.size() && cycle.empty(); ++v)
    if (colour[v] == 0) dfs(dfs, v);

  Namer namer;
  Diagnosis d;
  std::string body;
  if (!cycle.empty()) {
    d.status = RunStatus::deadlock;
    body = "deadlock: a cycle of " + std::to_string(cycle.size()) + " coroutines, each waiting for a lock the next holds:\n";
    for (std::size_t k = 0; k < cycle.size(); ++k) {
      const SimCoroutine &c = coroutines[cycle[k]];
      const SimCoroutine &next = coroutines[cycle[(k + 1) % cycle.size()]];
      body += "  coroutine " + std::to_string(c.id) + " waits for " + namer.name(c) + ", held by coroutine " +
              std::to_string(next.id) + "\n";
    }
    body += "  (cycle: ";
    for (std::size_t k = 0; k <= cycle.size(); ++k)
      body += (k ? " -> " : "") + std::string("coroutine ") + std::to_string(coroutines[cycle[k % cycle.size()]].id);
    body += ")\n";
  } else {
    // Roots: suspended coroutines whose wait does not go through a lock someone holds.
    std::vector<const SimCoroutine *> roots;
    for (const SimCoroutine &c : coroutines)
      if (c.state == SimCoroutine::State::suspended && edges(c).empty()) roots.push_back(&c);
    if (!roots.empty()) {
      d.status = RunStatus::lost_wakeup;
      body = "lost wake-up: nothing left can wake ";
      for (std::size_t i = 0; i < roots.size(); ++i) body += (i ? ", " : "") + std::string("coroutine ") + std::to_string(roots[i]->id);
      body += " (no sim thread can run, no timer is pending, and no lock cycle explains the wait)\n";
      for (const SimCoroutine *c : roots) body += "  " + describe(*c, namer) + "\n";
    } else {
      d.status = RunStatus::deadlock;
      body = "deadlock: no sim thread can run and no timer is pending\n";
    }
  }
  if (!coroutines.empty()) {
    body += "unfinished coroutines:\n";
    for (const SimCoroutine &c : coroutines) body += "  " + describe(c, namer) + "\n";
  }
  body += "blocked sim threads:\n";
  for (const StuckThread &t : threads) {
    body += "  sim thread " + std::to_string(t.id) + (t.id == 0 ? " (main)" : "") + ": blocked in " +
            platform::sim_op_name(t.op);
    if (t.object) body += " #" + std::to_string(t.object);
    body += "\n";
  }
  body.pop_back();  // no trailing newline
  d.message = std::move(body);
  return d;
}

std::string describe_leak(const std::vector<SimCoroutine> &coroutines) {
  Namer namer;
  std::string s = "leak: every sim thread finished, but " + std::to_string(coroutines.size()) +
                  (coroutines.size() == 1 ? " coroutine" : " coroutines") + " did not:";
  for (const SimCoroutine &c : coroutines) s += "\n  " + describe(c, namer);
  return s;
}

}  // namespace corosim::sim
