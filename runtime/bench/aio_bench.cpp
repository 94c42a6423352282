// Benchmarks of the event loops (aio.hpp, iothread.hpp), each read against a baseline of its own measured in the
// same run (the second table of ratio_reporter.hpp):
//
//   aio_co_schedule_round_trip        two coroutines, one homed in each of two IOThreads, hand a token to each
//                                     other with aio_co_schedule; one round trip = two cross-thread hand-offs
//   aio_co_reschedule_self_round_trip one coroutine hops A -> B -> A with aio_co_reschedule_self (each hop also
//                                     runs a one-shot bottom half in the context it leaves)
//     baseline: condvar_ping_pong_round_trip, two std::threads passing a token under a std::mutex with two
//               std::condition_variables; one round trip = two hand-offs
//
//   co_mutex_contended/per_context:N  N coroutines in each of two IOThreads compete for one CoMutex (lock,
//                                     increment a counter, unlock); ns per lock+unlock, all coroutines together;
//                                     owner_changes_per_op says how often the lock went to the other context
//     baseline: std_mutex_contended/threads:2, two std::threads doing the same with a std::mutex
//
//   bh_schedule_poll                  bh_schedule + main_context()->poll(false) running it, on the benchmark
//                                     (main) thread; also a one-shot bottom half, and 64 bottom halves per poll
//   ppoll_eventfd_zero_timeout        what every poll(false) costs at least: one ppoll of an eventfd, no wait
//     baseline: BM_function_call_noinline (baselines_bench.cpp), a plain non-inlined call: what running a
//               callback costs without deferring it
//
// Threads, contexts and coroutines are set up once per benchmark run, outside the timed region. The timed loop
// runs batches (KeepRunningBatch): the benchmark thread starts a batch and sleeps until the last thread of the
// batch posts a semaphore, so one wake-up of the benchmark thread is shared by a whole batch, and the time per
// iteration is the time per operation. All use real time: the benchmark thread sleeps while the work is done
// elsewhere, so its CPU time says nothing; the counter process_cpu_ns_per_op gives the CPU time of all threads.

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include <corosim/aio.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>

#include "bench_support.hpp"
#include "ratio_reporter.hpp"

namespace corosim::bench {
namespace {

// A cross-thread hand-off takes microseconds: 0.2 s per repetition still gives tens of thousands of them.
constexpr double kEventLoopMinTime_s = 0.2;
constexpr int64_t kRoundTripsPerBatch = 200;
constexpr int64_t kLockOpsPerBatch = 16384;  // lock+unlock pairs, all threads or coroutines together
// The contended CoMutex runs a fixed number of batches rather than for a minimum time. Its cost per operation is
// bimodal: tens of nanoseconds while one side happens to run alone (say both IOThreads share a CPU and the
// waker is not preempted), microseconds once the lock alternates between two running threads (a cross-thread
// wake-up per hand-off). Google Benchmark would size a repetition from a fast trial and then run it in the
// slow mode, for many seconds; a fixed count bounds a repetition to well under a second in the slow mode.
constexpr int64_t kCoMutexContendedBatches = 4;
constexpr int64_t kBottomHalvesPerPoll = 64;
// A user counter of the contended-lock benchmarks: see OwnerChanges.
constexpr const char *kOwnerChangesCounter = "owner_changes_per_op";
// A user counter of the benchmarks that run several threads: the CPU time of the whole process (all threads)
// per operation. Real time per operation includes the waits for a sleeping thread to be woken and scheduled;
// this is the work done, system calls included.
constexpr const char *kCpuPerOpCounter = "process_cpu_ns_per_op";

// The process's CPU time over the timed loop: start it right before the loop, report right after.
class ProcessCpuTime {
 public:
  ProcessCpuTime() : start_ns_(now_ns()) {}

  void report(benchmark::State &state, int64_t ops) const {
    if (ops > 0) state.counters[kCpuPerOpCounter] = static_cast<double>(now_ns() - start_ns_) / static_cast<double>(ops);
  }

 private:
  static int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }

  int64_t start_ns_;
};

// --- cross-context round trips -----------------------------------------------------------------------------

// Two coroutines, `first` homed in IOThread A and `second` in IOThread B. A batch of n round trips: the
// benchmark thread schedules `first` in A; n times, `first` schedules `second` in B and yields, and `second`
// schedules `first` back in A and yields; then `first` posts batch_done_ and yields.
//
// Each schedule names a coroutine that has yielded or is about to (it is running in the other context and its
// next step is yield()): its home loop cannot enter it before it has yielded, so this is the legal use.
class ScheduleRoundTrip {
 public:
  ScheduleRoundTrip()
      : first_(coroutine_create([this] { run_first(); })), second_(coroutine_create([this] { run_second(); })) {}

  ~ScheduleRoundTrip() { finish(); }

  // Lets both coroutines terminate and joins the threads. `first` schedules `second` once more and returns;
  // `second` sees stopping_, posts and returns.
  void finish() {
    if (stopping_.exchange(true, std::memory_order_relaxed)) return;
    aio_co_schedule(a_.context(), first_);
    batch_done_.acquire();
    a_.join();  // A before B: nothing is scheduled in B once A has finished
    b_.join();
  }
  ScheduleRoundTrip(const ScheduleRoundTrip &) = delete;
  ScheduleRoundTrip &operator=(const ScheduleRoundTrip &) = delete;

  void run_batch(int64_t round_trips) {
    round_trips_ = round_trips;  // read by `first` after the schedule below, which publishes it
    aio_co_schedule(a_.context(), first_);
    batch_done_.acquire();
  }

  // How many times `second` ran: round trips + 1 (the stop) after finish().
  int64_t second_runs() const { return second_runs_.load(std::memory_order_relaxed); }

 private:
  void run_first() {
    for (;;) {
      if (stopping_.load(std::memory_order_relaxed)) {
        aio_co_schedule(b_.context(), second_);
        return;
      }
      for (int64_t i = round_trips_; i > 0; --i) {
        aio_co_schedule(b_.context(), second_);
        yield();
      }
      batch_done_.release();
      yield();
    }
  }

  void run_second() {
    for (;;) {
      second_runs_.fetch_add(1, std::memory_order_relaxed);
      if (stopping_.load(std::memory_order_relaxed)) {
        batch_done_.release();
        return;
      }
      aio_co_schedule(a_.context(), first_);
      yield();
    }
  }

  IOThread a_, b_;
  Coroutine *first_, *second_;
  int64_t round_trips_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> second_runs_{0};
  std::binary_semaphore batch_done_{0};
};

// Times batches of round trips of a ping-pong (ScheduleRoundTrip, CondvarPingPong), then checks that no
// hand-off was lost or duplicated.
template <class PingPong>
void measure_round_trips(benchmark::State &state, PingPong &round_trip) {
  int64_t round_trips = 0;
  ProcessCpuTime cpu;
  while (state.KeepRunningBatch(kRoundTripsPerBatch)) {
    round_trip.run_batch(kRoundTripsPerBatch);
    round_trips += kRoundTripsPerBatch;
  }
  cpu.report(state, round_trips);
  // Not timed any more: the timer stopped when the loop ended.
  round_trip.finish();
  if (round_trip.second_runs() != round_trips + 1) state.SkipWithError("a hand-off was lost or duplicated");
}

void BM_aio_co_schedule_round_trip(benchmark::State &state) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  ScheduleRoundTrip round_trip;
  measure_round_trips(state, round_trip);
}

// One coroutine that hops between the two contexts: aio_co_reschedule_self(B), then aio_co_reschedule_self(A).
// Each hop schedules a one-shot bottom half in the context being left (it schedules the coroutine once it has
// yielded), so the context left runs one more loop iteration per hop than with a plain aio_co_schedule.
class RescheduleSelfRoundTrip {
 public:
  RescheduleSelfRoundTrip() : co_(coroutine_create([this] { run(); })) {}

  ~RescheduleSelfRoundTrip() {
    stopping_.store(true, std::memory_order_relaxed);  // published by the schedule
    aio_co_schedule(a_.context(), co_);
    batch_done_.acquire();
    a_.join();
    b_.join();
  }
  RescheduleSelfRoundTrip(const RescheduleSelfRoundTrip &) = delete;
  RescheduleSelfRoundTrip &operator=(const RescheduleSelfRoundTrip &) = delete;

  void run_batch(int64_t round_trips) {
    round_trips_ = round_trips;
    aio_co_schedule(a_.context(), co_);
    batch_done_.acquire();
  }

  int64_t hops() const { return hops_; }

 private:
  void run() {
    for (;;) {
      if (stopping_.load(std::memory_order_relaxed)) {
        batch_done_.release();
        return;
      }
      for (int64_t i = round_trips_; i > 0; --i) {
        aio_co_reschedule_self(b_.context());
        hops_ += current_context() == b_.context();
        aio_co_reschedule_self(a_.context());
        hops_ += current_context() == a_.context();
      }
      batch_done_.release();
      yield();
    }
  }

  IOThread a_, b_;
  Coroutine *co_;
  int64_t round_trips_ = 0;
  int64_t hops_ = 0;  // hops that landed where they should; read once the batch is done
  std::atomic<bool> stopping_{false};
  std::binary_semaphore batch_done_{0};
};

void BM_aio_co_reschedule_self_round_trip(benchmark::State &state) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  RescheduleSelfRoundTrip round_trip;
  int64_t round_trips = 0;
  ProcessCpuTime cpu;
  while (state.KeepRunningBatch(kRoundTripsPerBatch)) {
    round_trip.run_batch(kRoundTripsPerBatch);
    round_trips += kRoundTripsPerBatch;
  }
  cpu.report(state, round_trips);
  if (round_trip.hops() != 2 * round_trips) state.SkipWithError("a hop did not land in the context it asked for");
}

// The baseline: the same round trips between two plain threads, the textbook way. A token (second_turn_) under a
// std::mutex, one std::condition_variable per thread; whoever passes the token sets it under the lock, unlocks,
// then notifies the other thread's condition variable. A batch is started and awaited like the ones above.
class CondvarPingPong {
 public:
  CondvarPingPong() : first_([this] { run_first(); }), second_([this] { run_second(); }) {}

  ~CondvarPingPong() { finish(); }

  void finish() {
    if (!first_.joinable()) return;
    round_trips_ = -1;  // stop
    batch_start_.release();
    first_.join();
    second_.join();
  }
  CondvarPingPong(const CondvarPingPong &) = delete;
  CondvarPingPong &operator=(const CondvarPingPong &) = delete;

  void run_batch(int64_t round_trips) {
    round_trips_ = round_trips;  // published by the semaphore
    batch_start_.release();
    batch_done_.acquire();
  }

  int64_t second_runs() const { return second_runs_; }  // after finish(): round trips + 1 (the stop)

 private:
  void pass(bool to_second) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      second_turn_ = to_second;
    }
    (to_second ? second_cv_ : first_cv_).notify_one();
  }

  void await(bool second) {
    std::unique_lock<std::mutex> lock(mutex_);
    (second ? second_cv_ : first_cv_).wait(lock, [&] { return second_turn_ == second; });
  }

  void run_first() {
    for (;;) {
      batch_start_.acquire();
      const int64_t n = round_trips_;
      if (n < 0) {
        stopping_ = true;  // published to the second thread by the mutex in pass()
        pass(true);
        return;
      }
      for (int64_t i = 0; i < n; ++i) {
        pass(true);
        await(false);
      }
      batch_done_.release();
    }
  }

  void run_second() {
    for (;;) {
      await(true);
      ++second_runs_;
      if (stopping_) return;
      pass(false);
    }
  }

  std::mutex mutex_;
  std::condition_variable first_cv_, second_cv_;
  bool second_turn_ = false;  // guarded by mutex_
  bool stopping_ = false;     // written before a pass, read after the matching await
  int64_t round_trips_ = 0;
  int64_t second_runs_ = 0;   // the second thread's
  std::binary_semaphore batch_start_{0}, batch_done_{0};
  std::thread first_, second_;  // last: started once everything above is constructed
};

void BM_condvar_ping_pong_round_trip(benchmark::State &state) {
  CondvarPingPong round_trip;
  measure_round_trips(state, round_trip);
}

// --- contended locks -----------------------------------------------------------------------------------------
//
// Both sides must really compete: with a plain start, the side that got going first may do its whole share
// before the other is even scheduled (likely on a loaded machine), and the figure would be that of an
// uncontended lock. So each batch starts behind a gate: the lock is held until every locker has arrived at
// it, then released, and from there on they compete. The counter owner_changes_per_op tells how often the lock
// then passed to the other side (another thread; a coroutine of the other context): CoMutex hands the lock to
// the first waiter (FIFO, no barging), std::mutex lets the unlocking thread take it again.

// The share of operations whose lock holder is on another side than the previous holder's. Updated inside the
// critical section, so guarded by the lock measured.
struct OwnerChanges {
  const void *last_owner = nullptr;
  uint64_t changes = 0;

  void note(const void *owner) {
    changes += owner != last_owner;
    last_owner = owner;
  }
};

// Waits for an atomic counter to reach a value from plain code: spins with a pause, yielding the CPU now and
// then for the sake of a loaded machine.
void spin_until_at_least(const std::atomic<int> &counter, int value) {
  for (unsigned spins = 1; counter.load(std::memory_order_acquire) < value; ++spins) {
    __builtin_ia32_pause();
    if (spins % 256 == 0) std::this_thread::yield();
  }
}

// per_context coroutines in each of two IOThreads share one CoMutex; in a batch each does its share of
// kLockOpsPerBatch lock + increment + unlock. A batch's coroutines are created in their own context by a
// one-shot bottom half, so that their stacks come from and go back to that thread's pool. The gate is a
// coroutine of context A that takes the lock first, then starts B's workers, and gives the lock up once all
// workers are in lock(): it goes round A's loop (schedules itself there and yields) while it waits, so that
// A's workers, started right after it, can arrive.
class ContendedCoMutex {
 public:
  explicit ContendedCoMutex(int per_context)
      : per_context_(per_context), ops_per_coroutine_(kLockOpsPerBatch / (2 * per_context)) {}

  ~ContendedCoMutex() {
    a_.join();
    b_.join();
  }
  ContendedCoMutex(const ContendedCoMutex &) = delete;
  ContendedCoMutex &operator=(const ContendedCoMutex &) = delete;

  int64_t ops_per_batch() const { return 2 * per_context_ * ops_per_coroutine_; }

  void run_batch() {
    arrived_.store(0);
    running_.store(2 * per_context_);
    bh_schedule_oneshot(a_.context(), &start_coroutines, this);  // the gate, which starts B's, then A's workers
    batch_done_.acquire();
  }

  // Between batches.
  uint64_t counter() const { return counter_; }
  uint64_t context_changes() const { return changes_.changes; }

 private:
  static void start_coroutines(void *opaque) {
    auto *self = static_cast<ContendedCoMutex *>(opaque);
    AioContext *here = current_context();
    if (here == self->a_.context()) aio_co_enter(here, coroutine_create([self] { self->gate(); }));
    for (int i = 0; i < self->per_context_; ++i) aio_co_enter(here, coroutine_create([self] { self->work(); }));
  }

  void gate() {
    mutex_.lock();
    bh_schedule_oneshot(b_.context(), &start_coroutines, this);
    AioContext *here = current_context();
    // Two more rounds after the last arrival: it counted itself just before lock(), give it time to queue.
    for (int rounds_after = 0; rounds_after < 2; rounds_after += arrived_.load() == 2 * per_context_) {
      aio_co_schedule(here, self());
      yield();
    }
    mutex_.unlock();
  }

  void work() {
    const void *here = current_context();
    arrived_.fetch_add(1);
    for (int64_t i = 0; i < ops_per_coroutine_; ++i) {
      mutex_.lock();
      ++counter_;
      changes_.note(here);
      mutex_.unlock();
    }
    if (running_.fetch_sub(1) == 1) batch_done_.release();
  }

  IOThread a_, b_;
  const int per_context_;
  const int64_t ops_per_coroutine_;
  CoMutex mutex_;
  uint64_t counter_ = 0;  // guarded by mutex_
  OwnerChanges changes_;  // guarded by mutex_
  std::atomic<int> arrived_{0};
  std::atomic<int> running_{0};
  std::binary_semaphore batch_done_{0};
};

void BM_co_mutex_contended(benchmark::State &state, int per_context) {
  BackendScope scope(Backend::fcontext, /*pool=*/true);
  ContendedCoMutex contended(per_context);
  uint64_t expected = 0;
  ProcessCpuTime cpu;
  while (state.KeepRunningBatch(contended.ops_per_batch())) {
    contended.run_batch();
    expected += static_cast<uint64_t>(contended.ops_per_batch());
  }
  cpu.report(state, static_cast<int64_t>(expected));
  if (contended.counter() != expected) state.SkipWithError("the counter lost increments");
  state.counters[kOwnerChangesCounter] =
      expected ? static_cast<double>(contended.context_changes()) / static_cast<double>(expected) : 0;
}

// The baseline: two threads, each doing half of kLockOpsPerBatch lock + increment + unlock on a std::mutex per
// batch. Each thread has a start semaphore of its own, so that both take part in every batch; the gate is the
// benchmark thread, which holds the lock until both have arrived.
class ContendedStdMutex {
 public:
  ContendedStdMutex() : threads_{std::thread([this] { run(0); }), std::thread([this] { run(1); })} {}

  ~ContendedStdMutex() {
    stopping_.store(true);
    for (auto &s : start_) s.release();
    for (auto &t : threads_) t.join();
  }
  ContendedStdMutex(const ContendedStdMutex &) = delete;
  ContendedStdMutex &operator=(const ContendedStdMutex &) = delete;

  static constexpr int64_t ops_per_batch() { return 2 * kOpsPerThread; }

  void run_batch() {
    arrived_.store(0);
    running_.store(2);
    mutex_.lock();
    for (auto &s : start_) s.release();
    spin_until_at_least(arrived_, 2);
    mutex_.unlock();
    batch_done_.acquire();
  }

  uint64_t counter() const { return counter_; }
  uint64_t thread_changes() const { return changes_.changes; }

 private:
  static constexpr int64_t kOpsPerThread = kLockOpsPerBatch / 2;

  void run(int index) {
    for (;;) {
      start_[index].acquire();
      if (stopping_.load()) return;
      arrived_.fetch_add(1);
      for (int64_t i = 0; i < kOpsPerThread; ++i) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++counter_;
        changes_.note(&threads_[index]);
      }
      if (running_.fetch_sub(1) == 1) batch_done_.release();
    }
  }

  std::mutex mutex_;
  uint64_t counter_ = 0;  // guarded by mutex_
  OwnerChanges changes_;  // guarded by mutex_
  std::atomic<int> arrived_{0};
  std::atomic<int> running_{0};
  std::atomic<bool> stopping_{false};
  std::array<std::binary_semaphore, 2> start_{std::binary_semaphore(0), std::binary_semaphore(0)};
  std::binary_semaphore batch_done_{0};
  std::thread threads_[2];  // last: started once everything above is constructed
};

void BM_std_mutex_contended(benchmark::State &state) {
  ContendedStdMutex contended;
  uint64_t expected = 0;
  ProcessCpuTime cpu;
  while (state.KeepRunningBatch(ContendedStdMutex::ops_per_batch())) {
    contended.run_batch();
    expected += ContendedStdMutex::ops_per_batch();
  }
  cpu.report(state, static_cast<int64_t>(expected));
  if (contended.counter() != expected) state.SkipWithError("the counter lost increments");
  state.counters[kOwnerChangesCounter] =
      expected ? static_cast<double>(contended.thread_changes()) / static_cast<double>(expected) : 0;
}

// --- bottom halves -------------------------------------------------------------------------------------------

void count_run(void *runs) { ++*static_cast<int64_t *>(runs); }

// Leaves the main context with nothing pending, so that a benchmark's first poll runs only what it scheduled.
void drain_main_context() {
  while (main_context()->poll(false)) {
  }
}

// One reusable bottom half: schedule it, then one non-blocking iteration of the main loop runs it.
void BM_bh_schedule_poll(benchmark::State &state) {
  AioContext *ctx = main_context();
  drain_main_context();
  int64_t runs = 0;
  BottomHalf *bh = bh_new(ctx, &count_run, &runs);
  for (auto _ : state) {
    bh_schedule(bh);
    ctx->poll(false);
  }
  bh_delete(bh);
  if (runs != state.iterations()) state.SkipWithError("a scheduled bottom half did not run exactly once");
}

// The same with bh_schedule_oneshot: allocated per schedule, freed after it ran.
void BM_bh_schedule_oneshot_poll(benchmark::State &state) {
  AioContext *ctx = main_context();
  drain_main_context();
  int64_t runs = 0;
  for (auto _ : state) {
    bh_schedule_oneshot(ctx, &count_run, &runs);
    ctx->poll(false);
  }
  if (runs != state.iterations()) state.SkipWithError("a one-shot bottom half did not run exactly once");
}

// kBottomHalvesPerPoll bottom halves scheduled, then one poll(false) runs them all: the poll's fixed cost
// (a ppoll system call, timers' clocks) is shared. Time per bottom half.
void BM_bh_schedule_poll_batch(benchmark::State &state) {
  AioContext *ctx = main_context();
  drain_main_context();
  int64_t runs = 0;
  BottomHalf *bhs[kBottomHalvesPerPoll];
  for (BottomHalf *&bh : bhs) bh = bh_new(ctx, &count_run, &runs);
  while (state.KeepRunningBatch(kBottomHalvesPerPoll)) {
    for (BottomHalf *bh : bhs) bh_schedule(bh);
    ctx->poll(false);
  }
  for (BottomHalf *bh : bhs) bh_delete(bh);
  if (runs != state.iterations()) state.SkipWithError("a scheduled bottom half did not run exactly once");
}

// A reference for the above: the one system call every poll() makes, ppoll of an eventfd with a zero timeout.
void BM_ppoll_eventfd_zero_timeout(benchmark::State &state) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("eventfd failed");
    for (auto _ : state) {
    }
    return;
  }
  const timespec zero{0, 0};
  for (auto _ : state) {
    pollfd p{fd, POLLIN, 0};
    benchmark::DoNotOptimize(ppoll(&p, 1, &zero, nullptr));
  }
  close(fd);
}

// --- registration --------------------------------------------------------------------------------------------

constexpr const char *kCondvarBaseline = "BM_condvar_ping_pong_round_trip";
constexpr const char *kStdMutexBaseline = "BM_std_mutex_contended/threads:2";
constexpr const char *kFunctionCallBaseline = "BM_function_call_noinline";  // baselines_bench.cpp

// Baselines first, each followed by what is compared with it.
[[maybe_unused]] const bool registered = [] {
  // Several threads: real time (see the top of this file).
  auto threaded = [](const std::string &name, auto &&fn, const char *baseline, auto &&...args) {
    if (baseline) compare_with_own_baseline(name, baseline);
    return benchmark::RegisterBenchmark(name.c_str(), fn, args...)->UseRealTime();
  };
  threaded(kCondvarBaseline, BM_condvar_ping_pong_round_trip, nullptr)->MinTime(kEventLoopMinTime_s);
  threaded("BM_aio_co_schedule_round_trip", BM_aio_co_schedule_round_trip, kCondvarBaseline)
      ->MinTime(kEventLoopMinTime_s);
  threaded("BM_aio_co_reschedule_self_round_trip", BM_aio_co_reschedule_self_round_trip, kCondvarBaseline)
      ->MinTime(kEventLoopMinTime_s);

  threaded(kStdMutexBaseline, BM_std_mutex_contended, nullptr)->MinTime(kEventLoopMinTime_s);
  for (int per_context : {1, 4})
    threaded("BM_co_mutex_contended/per_context:" + std::to_string(per_context), BM_co_mutex_contended,
             kStdMutexBaseline, per_context)
        ->Iterations(kCoMutexContendedBatches * kLockOpsPerBatch);

  // Single-threaded: measured like the switch benchmarks.
  auto local = [](const std::string &name, auto &&fn) {
    benchmark::RegisterBenchmark(name.c_str(), fn)->MinTime(kFastMinTime_s);
    compare_with_own_baseline(name, kFunctionCallBaseline);
  };
  local("BM_bh_schedule_poll", BM_bh_schedule_poll);
  local("BM_bh_schedule_oneshot_poll", BM_bh_schedule_oneshot_poll);
  local("BM_bh_schedule_poll_batch/bhs_per_poll:" + std::to_string(kBottomHalvesPerPoll), BM_bh_schedule_poll_batch);
  local("BM_ppoll_eventfd_zero_timeout", BM_ppoll_eventfd_zero_timeout);
  return true;
}();

}  // namespace
}  // namespace corosim::bench
