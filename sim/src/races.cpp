// Data-race detection by vector clocks (races.hpp).

#include "races.hpp"

#include <algorithm>
#include <cassert>

namespace corosim::sim::detail {

using platform::SimOp;

namespace {

enum Sync : unsigned { none = 0, acquire = 1, release = 2 };

// What a step synchronises, known before the operation. Locks and read-modify-writes that write are reported
// after it (on_acquire, on_release); condition variables, thread start, spawn and join (on_spawn, on_join), user
// points and var steps synchronise nothing here.
unsigned sync_of(SimOp op) {
  switch (op) {
    case SimOp::atomic_load:
    case SimOp::atomic_rmw:  // the release, if it wrote, follows (on_release)
    case SimOp::poll:
    case SimOp::notifier_clear:
    case SimOp::pipe_read:
      return acquire;
    case SimOp::atomic_store:
    case SimOp::notifier_set:
    case SimOp::pipe_write:
    case SimOp::pipe_close:
      return release;
    default:
      return none;
  }
}

}  // namespace

void RaceDetector::join(Clock &into, const Clock &from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (std::size_t i = 0; i < from.size(); ++i) into[i] = std::max(into[i], from[i]);
}

RaceDetector::Clock &RaceDetector::thread_clock(std::uint32_t t) {
  if (t >= threads_.size()) threads_.resize(t + 1);
  Clock &c = threads_[t];
  if (c.size() <= t) c.resize(t + 1, 0);
  if (c[t] == 0) c[t] = 1;  // a thread's own entry starts at 1: no other thread has seen its first epoch
  return c;
}

RaceDetector::Clock &RaceDetector::object_clock(std::uint64_t object) { return objects_[object]; }

void RaceDetector::on_step(std::uint32_t t, SimOp op, std::uint64_t object) {
  const unsigned sync = sync_of(op);
  if (sync == none || object == 0) return;
  if (sync == acquire) return on_acquire(t, object);
  assert(sync == release);
  Clock &mine = thread_clock(t);
  if (op == SimOp::atomic_store) {
    object_clock(object) = mine;  // a plain store starts a new release sequence: a load that reads it
                                  // synchronises with it alone
    ++mine[t];
  } else {
    on_release(t, object);
  }
}

void RaceDetector::on_acquire(std::uint32_t t, std::uint64_t object) {
  join(thread_clock(t), object_clock(object));
}

void RaceDetector::on_release(std::uint32_t t, std::uint64_t object) {
  Clock &mine = thread_clock(t);
  join(object_clock(object), mine);
  ++mine[t];
}

void RaceDetector::on_spawn(std::uint32_t parent, std::uint32_t child) {
  Clock start = thread_clock(parent);  // copied: thread_clock(child) may move the vector
  ++thread_clock(parent)[parent];
  join(thread_clock(child), start);
}

void RaceDetector::on_join(std::uint32_t joiner, std::uint32_t joined) {
  const Clock end = thread_clock(joined);
  join(thread_clock(joiner), end);
}

bool RaceDetector::ordered_before(const Access &earlier, std::uint32_t t) {
  if (earlier.thread == t) return true;
  const Clock &mine = thread_clock(t);
  return earlier.thread < mine.size() && earlier.epoch <= mine[earlier.thread];
}

std::string RaceDetector::describe(const Access &a) {
  std::string text = std::string(a.write ? "a write" : "a read") + " by sim thread " + std::to_string(a.thread);
  if (a.coroutine) text += " in coroutine " + std::to_string(a.coroutine);
  if (a.site.file)
    text += " at " + std::string(a.site.file) + ":" + std::to_string(a.site.line);
  else
    text += " (an implicit conversion or operator: load() and store() give its line)";
  return text;
}

std::optional<std::string> RaceDetector::on_access(std::uint32_t t, std::uint64_t coroutine, std::uint64_t object,
                                                   bool write, const platform::SimSite &site) {
  Shadow &shadow = vars_[object];
  const Access now{t, thread_clock(t)[t], coroutine, site, write};
  const Access *conflict = nullptr;
  if (shadow.write && !ordered_before(*shadow.write, t)) conflict = &*shadow.write;
  if (write && !conflict)
    for (const Access &read : shadow.reads)
      if (!ordered_before(read, t)) conflict = &read;
  if (conflict)
    return describe(*conflict) + ", and " + describe(now) +
           ", with no happens-before order between them";
  if (write) {
    shadow.write = now;
    shadow.reads.clear();
  } else {
    auto same = std::find_if(shadow.reads.begin(), shadow.reads.end(), [t](const Access &a) { return a.thread == t; });
    if (same != shadow.reads.end())
      *same = now;
    else
      shadow.reads.push_back(now);
  }
  return std::nullopt;
}

}  // namespace corosim::sim::detail
