// Deadlock, lost wake-up and leak reports (diagnosis.hpp).
//
// The wait-for graph. Its nodes are the run's unfinished coroutines and the stuck sim threads that run no coroutine
// (a thread blocked while a coroutine runs in it is represented by that coroutine). An edge goes from a node to the
// node it waits for: the holders of the CoMutex or CoRwlock a coroutine waits for, the holder of the platform Mutex
// a thread is parked on (the coroutine that took it, or the thread), the thread a join waits for. A cycle is a
// deadlock, whatever else is stuck. A wait for a Mutex whose holder has finished can never end either: a deadlock
// without a cycle. Otherwise every chain of edges ends in a node that waits for something no one holds (a CoQueue, a
// plain yield, a condition variable, a lock handed to it whose wake-up never came): nothing left can wake it, since
// no sim thread can run and no timer is pending. That is a lost wake-up, and those chain ends are named as its root.
//
// Objects are named by kind and the order in which the report first mentions them ("CoMutex #1", "Mutex #2"); the
// identities compared are pointers (runtime objects) or the trace's object ids (platform objects), compared for
// equality only, never hashed or ordered, so reports are the same on every run of a seed.

#include "diagnosis.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace corosim::sim {
namespace {

using platform::SimCoroutine;
using platform::SimOp;
using platform::SimWait;

class Namer {
 public:
  // kind: "CoMutex", "Mutex", ...; identity: what tells two objects of the report apart.
  std::string name(const char *kind, bool platform_object, uint64_t identity) {
    const Key key{platform_object, identity};
    auto it = std::find(mentioned_.begin(), mentioned_.end(), key);
    if (it == mentioned_.end()) it = mentioned_.insert(mentioned_.end(), key);
    return std::string(kind) + " #" + std::to_string(it - mentioned_.begin() + 1);
  }

 private:
  using Key = std::pair<bool, uint64_t>;
  std::vector<Key> mentioned_;  // in order of first mention: an object's number is its position + 1
};

bool waits_on_lock(SimWait w) {
  return w == SimWait::co_mutex || w == SimWait::co_rwlock_read || w == SimWait::co_rwlock_write;
}

const char *object_kind(SimWait w) {
  switch (w) {
    case SimWait::co_mutex: return "CoMutex";
    case SimWait::co_queue: return "CoQueue";
    case SimWait::co_rwlock_read:
    case SimWait::co_rwlock_write: return "CoRwlock";
    case SimWait::sleep:
    case SimWait::reschedule:
    case SimWait::thread_pool: return "context";
    case SimWait::none:
    case SimWait::waker: break;
  }
  return "";
}

// What a coroutine's wait is called in the report: "CoMutex #1", "CoRwlock #2 (write)", "context #3 (sleep)".
std::string coroutine_wait(const SimCoroutine &c, Namer &namer) {
  std::string s = namer.name(object_kind(c.waits_for), false, reinterpret_cast<uintptr_t>(c.object));
  switch (c.waits_for) {
    case SimWait::co_rwlock_read: return s + " (read)";
    case SimWait::co_rwlock_write: return s + " (write)";
    case SimWait::sleep: return s + " (sleep)";
    case SimWait::reschedule: return s + " (aio_co_reschedule_self)";
    case SimWait::thread_pool: return s + " (thread pool)";
    default: return s;
  }
}

// What a parked sim thread waits for: "Mutex #2", "CondVar #3", "thread 4 to finish", or its operation.
std::string thread_wait(const StuckThread &t, Namer &namer) {
  switch (t.op) {
    case SimOp::mutex_lock: return namer.name("Mutex", true, t.object);
    case SimOp::cv_wait: return namer.name("CondVar", true, t.object);
    case SimOp::thread_join: return "thread " + std::to_string(t.object) + " to finish";
    default: return std::string(platform::sim_op_name(t.op)) + (t.object ? " #" + std::to_string(t.object) : "");
  }
}

// A sim thread parked in one of these waits for something the report can name (thread_wait).
bool names_its_wait(SimOp op) {
  return op == SimOp::mutex_lock || op == SimOp::cv_wait || op == SimOp::thread_join;
}

// "waits for Mutex #2", "blocked in poll #21": what a stuck sim thread is doing.
std::string thread_state(const StuckThread &t, Namer &namer) {
  return (names_its_wait(t.op) ? "waits for " : "blocked in ") + thread_wait(t, namer);
}

std::string holders_text(const std::vector<uint64_t> &holders) {
  if (holders.empty()) return "held by nobody";
  std::string s = holders.size() == 1 ? "held by coroutine " : "held by coroutines ";
  for (std::size_t i = 0; i < holders.size(); ++i) s += (i ? ", " : "") + std::to_string(holders[i]);
  return s;
}

// One line about coroutine c; `in`: the stuck sim thread it runs in, if it is running.
std::string describe(const SimCoroutine &c, Namer &namer, const StuckThread *in = nullptr) {
  std::string s = "coroutine " + std::to_string(c.id) + ": ";
  switch (c.state) {
    case SimCoroutine::State::created: return s + "created and never entered";
    case SimCoroutine::State::running:
      if (!in) return s + "running in a sim thread that cannot go on";
      s += "running in sim thread " + std::to_string(in->id) + ", which ";
      return s + (names_its_wait(in->op) ? "" : "is ") + thread_state(*in, namer);
    case SimCoroutine::State::suspended: break;
  }
  if (c.scheduled_by) {
    s += "scheduled by ";
    s += c.scheduled_by;
    s += ", in a context that will not run it";
    if (c.waits_for == SimWait::sleep) s += " (sleeping)";
    return s;
  }
  if (c.waits_for == SimWait::none) return s + "yielded; nothing recorded what it waits for, and nothing will wake it";
  if (c.waits_for == SimWait::waker) return s + "woken, waiting for its waker to yield";
  s += "waits for " + coroutine_wait(c, namer);
  if (waits_on_lock(c.waits_for)) s += ", " + holders_text(c.holders);
  return s;
}

// --- the wait-for graph ---

struct Node {
  const SimCoroutine *coroutine = nullptr;  // a coroutine node
  const StuckThread *thread = nullptr;      // the stuck sim thread it is, or blocks (a running coroutine)
  std::vector<std::size_t> edges;           // the nodes it waits for
  bool lock_edges = false;                  // its edges are lock holders (not a join)
  bool orphan = false;                      // waits for a Mutex whose holder has finished

  std::string agent() const {
    return coroutine ? "coroutine " + std::to_string(coroutine->id) : "thread " + std::to_string(thread->id);
  }
  bool parked_in(SimOp op) const { return thread && thread->op == op && (!coroutine || coroutine->state ==
                                                                           SimCoroutine::State::running); }
  // A chain end that nothing left can wake (see the top of the file).
  bool root() const {
    if (!edges.empty() || orphan) return false;
    if (coroutine && coroutine->state == SimCoroutine::State::suspended) return true;
    return parked_in(SimOp::cv_wait);
  }
  // "waits for X" as the report words it.
  std::string wait(Namer &namer) const {
    if (coroutine && coroutine->state == SimCoroutine::State::suspended) return coroutine_wait(*coroutine, namer);
    return thread ? thread_wait(*thread, namer) : "nothing recorded";
  }
};

class Graph {
 public:
  Graph(const std::vector<SimCoroutine> &coroutines, const std::vector<StuckThread> &threads) {
    for (const SimCoroutine &c : coroutines) nodes_.emplace_back().coroutine = &c;
    for (const StuckThread &t : threads) {
      if (std::optional<std::size_t> c = t.coroutine ? find_coroutine(t.coroutine) : std::nullopt)
        nodes_[*c].thread = &t;
      else
        nodes_.emplace_back().thread = &t;
    }
    for (Node &n : nodes_) add_edges(n);
  }

  const std::vector<Node> &nodes() const { return nodes_; }

  // The first cycle, searching from the nodes in order (depth first, white/grey/black); empty if none.
  std::vector<std::size_t> cycle() const {
    std::vector<int> colour(nodes_.size(), 0);
    std::vector<std::size_t> path, found;
    auto dfs = [&](auto &self, std::size_t v) -> bool {
      colour[v] = 1;
      path.push_back(v);
      for (std::size_t w : nodes_[v].edges) {
        if (colour[w] == 1) {
          found.assign(std::find(path.begin(), path.end(), w), path.end());
          return true;
        }
        if (colour[w] == 0 && self(self, w)) return true;
      }
      path.pop_back();
      colour[v] = 2;
      return false;
    };
    for (std::size_t v = 0; v < nodes_.size() && found.empty(); ++v)
      if (colour[v] == 0) dfs(dfs, v);
    return found;
  }

 private:
  std::optional<std::size_t> find_coroutine(uint64_t id) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].coroutine && nodes_[i].coroutine->id == id) return i;
    return std::nullopt;
  }
  // The node standing for sim thread `id`: the coroutine running in it, or the thread itself.
  std::optional<std::size_t> find_thread(uint64_t id) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i].thread && nodes_[i].thread->id == id) return i;
    return std::nullopt;
  }

  void add_edges(Node &n) {
    const SimCoroutine *c = n.coroutine;
    if (c && c->state == SimCoroutine::State::suspended && waits_on_lock(c->waits_for)) {
      n.lock_edges = true;
      for (uint64_t h : c->holders)
        if (auto to = find_coroutine(h)) n.edges.push_back(*to);
      return;
    }
    if (n.parked_in(SimOp::mutex_lock) && n.thread->holder) {
      const platform::SimHolder &h = *n.thread->holder;
      auto to = h.coroutine ? find_coroutine(h.coroutine) : find_thread(h.thread);
      if (!to && h.coroutine) to = find_thread(h.thread);  // the coroutine finished; its thread may not have
      n.lock_edges = true;
      if (to)
        n.edges.push_back(*to);
      else
        n.orphan = true;
    } else if (n.parked_in(SimOp::thread_join)) {
      if (auto to = find_thread(n.thread->object)) n.edges.push_back(*to);
    }
  }

  std::vector<Node> nodes_;
};

// "coroutines", "threads" or "threads and coroutines", for the nodes of a cycle.
std::string cycle_members(const std::vector<Node> &nodes, const std::vector<std::size_t> &cycle) {
  bool threads = false, coroutines = false;
  for (std::size_t i : cycle) (nodes[i].coroutine ? coroutines : threads) = true;
  return threads && coroutines ? "threads and coroutines" : threads ? "threads" : "coroutines";
}

Diagnosis describe_cycle(const std::vector<Node> &nodes, const std::vector<std::size_t> &cycle, Namer &namer) {
  const bool locks = std::all_of(cycle.begin(), cycle.end(), [&](std::size_t i) { return nodes[i].lock_edges; });
  const std::string shape = "a cycle of " + std::to_string(cycle.size()) + " " + cycle_members(nodes, cycle) +
                            (locks ? ", each waiting for a lock the next holds" : ", each waiting for the next");
  std::string s = "deadlock: " + shape + ":\n";
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    const Node &n = nodes[cycle[k]];
    const Node &next = nodes[cycle[(k + 1) % cycle.size()]];
    s += "  " + n.agent() + " waits for " + n.wait(namer);
    s += n.lock_edges ? ", held by " + next.agent() + "\n" : "\n";
  }
  s += "  (cycle: ";
  for (std::size_t k = 0; k <= cycle.size(); ++k) s += (k ? " -> " : "") + nodes[cycle[k % cycle.size()]].agent();
  return {RunStatus::deadlock, s + ")\n", shape};
}

// The first line (and the lines under it) of a stuck run without a cycle.
Diagnosis describe_no_cycle(const std::vector<Node> &nodes, Namer &namer) {
  for (const Node &n : nodes) {
    if (!n.orphan) continue;
    const platform::SimHolder &h = *n.thread->holder;
    return {RunStatus::deadlock,
            "deadlock: " + n.agent() + " waits for " + n.wait(namer) + ", held by " +
                (h.coroutine ? "coroutine " + std::to_string(h.coroutine) + " in " : "") + "thread " +
                std::to_string(h.thread) + ", which finished without unlocking it\n",
            "a lock whose holder finished without unlocking it"};
  }
  std::vector<const Node *> roots;
  for (const Node &n : nodes)
    if (n.root()) roots.push_back(&n);
  if (roots.empty())
    return {RunStatus::deadlock, "deadlock: no sim thread can run and no timer is pending\n", "no cycle"};
  std::string s = "lost wake-up: nothing left can wake ";
  for (std::size_t i = 0; i < roots.size(); ++i) s += (i ? ", " : "") + roots[i]->agent();
  s += " (no sim thread can run, no timer is pending, and no lock cycle explains the wait)\n";
  for (const Node *n : roots)
    s += "  " + (n->coroutine ? describe(*n->coroutine, namer) : n->agent() + ": waits for " + n->wait(namer) +
                                                                    ", which nothing left can notify") + "\n";
  return {RunStatus::lost_wakeup, s, {}};
}

std::string blocked_threads(const std::vector<StuckThread> &threads, Namer &namer) {
  std::string s = "blocked sim threads:\n";
  for (const StuckThread &t : threads) {
    s += "  sim thread " + std::to_string(t.id) + (t.id == 0 ? " (main)" : "") + ": " + thread_state(t, namer);
    if (t.coroutine) s += " (in coroutine " + std::to_string(t.coroutine) + ")";
    s += "\n";
  }
  return s;
}

const StuckThread *thread_running(const SimCoroutine &c, const std::vector<StuckThread> &threads) {
  for (const StuckThread &t : threads)
    if (t.coroutine == c.id) return &t;
  return nullptr;
}

}  // namespace

Diagnosis diagnose_stuck(const std::vector<SimCoroutine> &coroutines, const std::vector<StuckThread> &threads) {
  const Graph graph(coroutines, threads);
  Namer namer;
  Diagnosis d;
  if (std::vector<std::size_t> cycle = graph.cycle(); !cycle.empty())
    d = describe_cycle(graph.nodes(), cycle, namer);
  else
    d = describe_no_cycle(graph.nodes(), namer);
  if (!coroutines.empty()) {
    d.message += "unfinished coroutines:\n";
    for (const SimCoroutine &c : coroutines)
      d.message += "  " + describe(c, namer, thread_running(c, threads)) + "\n";
  }
  d.message += blocked_threads(threads, namer);
  d.message.pop_back();  // no trailing newline
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
