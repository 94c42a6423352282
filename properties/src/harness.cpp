// The check harness (harness.hpp). Everything here runs inside one simulated execution, where the simulator is
// sequentially consistent and switches threads only at scheduling points: the bookkeeping below uses plain fields,
// read and written between scheduling points by whichever contender runs, and needs no synchronisation of its own.

#include "harness.hpp"

#include <memory>
#include <new>
#include <string>
#include <vector>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/platform.hpp>
#include <corosim/sim/executor.hpp>

namespace corosim::check_detail {
namespace {

struct Contender {
  unsigned index = 0;
  unsigned context = 0;
  bool writer = true;  // an exclusive lock's contenders are all writers
  Coroutine *co = nullptr;
  uint64_t id = 0;  // co's number, kept for messages: co itself is gone once the contender has finished
  // The lock() call under way, if waiting (arrived and not yet inside).
  bool waiting = false;
  bool in_line = false;    // seen suspended inside this call (check.hpp, "Fairness as bounded bypass")
  unsigned call = 0;       // lock() calls made so far: tells this call from the next
  std::vector<unsigned> overtakers;  // who overtook it in this call
  // The waiters that were in line when this contender arrived, with their call numbers: each still in the same
  // call when this one gets in has been overtaken by it.
  std::vector<std::pair<unsigned, unsigned>> ahead;
};

class Harness {
 public:
  Harness(const LockType &lock, const HarnessParams &params) : lock_(lock), params_(params) {}

  void run() {
    void *storage = ::operator new(lock_.size, std::align_val_t{lock_.align});
    lock_.construct(storage);
    object_ = storage;
    draw_roles();
    AioContext *home = AioContext::create();
    {
      std::vector<std::unique_ptr<IOThread>> threads;
      for (unsigned i = 0; i < params_.contexts; ++i) threads.push_back(std::make_unique<IOThread>());
      for (Contender &c : contenders_) {
        c.co = coroutine_create([this, &c, home] {
          contend(c);
          done_.fetch_add(1);
          home->notify();
        });
        c.id = coroutine_id(c.co);
        aio_co_schedule(threads[c.context]->context(), c.co);
      }
      while (done_.load() < static_cast<int>(contenders_.size())) home->poll(true);
    }  // joins the IOThreads
    home->unref();
    lock_.destroy(object_);
    ::operator delete(storage, std::align_val_t{lock_.align});
  }

 private:
  // Contender i in context i % contexts; for an rwlock, a reader/writer mix drawn as one choice of the execution
  // (a non-empty set of writers), so that DFS covers every mix and a replay has the same one.
  void draw_roles() {
    const unsigned n = params_.coroutines;
    contenders_.resize(n);
    const uint64_t writers = lock_.rw ? 1 + platform::Current::choose((uint64_t{1} << n) - 1) : ~uint64_t{0};
    for (unsigned i = 0; i < n; ++i) {
      contenders_[i].index = i;
      contenders_[i].context = i % params_.contexts;
      contenders_[i].writer = (writers >> i & 1) != 0;
    }
  }

  void contend(Contender &c) {
    for (unsigned round = 0; round < params_.iterations; ++round) {
      arrive(c);
      (c.writer ? lock_.lock : lock_.rdlock)(object_);
      enter(c);
      corosim::schedule_point();
      leave(c);
      lock_.unlock(object_);
    }
  }

  void arrive(Contender &c) {
    note_suspended();
    c.waiting = true;
    c.in_line = false;
    ++c.call;
    c.overtakers.clear();
    c.ahead.clear();
    for (const Contender &w : contenders_)
      if (w.waiting && w.in_line) c.ahead.emplace_back(w.index, w.call);
  }

  void enter(Contender &c) {
    note_suspended();
    c.waiting = false;
    check_occupancy(c, "entered");
    (c.writer ? writers_ : readers_).push_back(c.index);
    if (!params_.max_bypass) return;
    for (const auto &[index, call] : c.ahead) {
      Contender &w = contenders_[index];
      if (!w.waiting || w.call != call) continue;  // it got in first, or is in a later call
      if (!w.writer && !c.writer) continue;         // readers do not keep each other out
      w.overtakers.push_back(c.index);
      if (w.overtakers.size() > *params_.max_bypass) starved(w);
    }
  }

  void leave(Contender &c) {
    std::vector<unsigned> &inside = c.writer ? writers_ : readers_;
    std::erase(inside, c.index);
    check_occupancy(c, "was still inside when it left; meanwhile");
  }

  // A waiter that is not running is suspended inside its lock() call: it has taken its place in line.
  void note_suspended() {
    for (Contender &w : contenders_)
      if (w.waiting && !entered(w.co)) w.in_line = true;
  }

  // Who may not be inside while c is: every writer, and for a writer every reader as well.
  void check_occupancy(const Contender &c, const char *what) {
    const unsigned *other = !writers_.empty() ? &writers_.front() : nullptr;
    if (!other && c.writer && !readers_.empty()) other = &readers_.front();
    if (!other) return;
    const Contender &o = contenders_[*other];
    sim::fail("mutual_exclusion: " + describe(c) + " " + what + " while " + describe(o) + " was inside");
  }

  [[noreturn]] void starved(const Contender &w) {
    std::string who;
    for (unsigned i : w.overtakers) who += (who.empty() ? "" : ", ") + std::to_string(contenders_[i].id);
    sim::fail("starvation: " + describe(w) + " was overtaken " + std::to_string(w.overtakers.size()) +
              " times in one lock() call, more than max_bypass = " + std::to_string(*params_.max_bypass) +
              "; overtaken by coroutines " + who + " (in that order), each of which arrived after it was in line");
  }

  // "coroutine 3 (contender 2, a reader, in context 0)": the coroutine number is the one the simulator's own
  // reports (deadlock, lost wake-up) use.
  std::string describe(const Contender &c) const {
    std::string text = "coroutine " + std::to_string(c.id) + " (contender " + std::to_string(c.index);
    if (lock_.rw) text += c.writer ? ", a writer" : ", a reader";
    return text + ", in context " + std::to_string(c.context) + ")";
  }

  const LockType &lock_;
  const HarnessParams params_;
  void *object_ = nullptr;  // the lock under test
  std::vector<Contender> contenders_;
  std::vector<unsigned> writers_, readers_;  // who is inside; invariant: writers_.size() <= 1, and both not at once
  corosim::atomic<int> done_{0};             // contenders finished (the main thread waits on it)
};

}  // namespace

void run_harness(const LockType &lock, const HarnessParams &params) { Harness(lock, params).run(); }

}  // namespace corosim::check_detail
