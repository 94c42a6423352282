// The executor (executor.hpp): the SimEngine of runtime/'s sim platform, driving one execution.
//
// Switching. The scheduler loop runs on the stack of run_once's caller. Each sim thread starts on its own stack
// (make_fcontext). Every switch goes through switch_to(): a sim thread at a scheduling point decides the next step
// itself and, when another thread is to take it, jumps straight to that thread; it jumps to the scheduler only when
// it finishes, when the run is abandoned (failure, misuse, step limit) or ends, and when the step needs the
// scheduler's own stack (a clock jump, a stuck run). jump_fcontext saves the position of whatever stack is running
// at that moment (the sim thread's own, or a coroutine's that the sim thread entered: the runtime's backends switch
// stacks inside a sim thread), and the side that lands stores it in the record of the side that left (its
// SimThread::ctx, or the scheduler's); resuming jumps back there. So a preemption inside a coroutine needs nothing
// from the coroutine backend.
//
// Per-sim-thread storage. Each sim thread owns a SimThreadStorage (its Platform::ThreadLocal values: the
// runtime's ThreadState with the current coroutine and context). The side that lands installs its own storage
// (the host's when it is the scheduler) as soon as it runs (landed(), set_sim_thread_storage).
//
// Misuse. set_sim_engine routes the runtime's misuse reports to SimEngine::misuse while a sim thread runs; it, like
// fail() and the step limit, records the failure and jumps to the scheduler for good (abandon): the frames left
// on the sim thread's and coroutines' stacks never run again.
//
// Tear-down. A run that ended normally has nothing left but what the scenario leaked. A failed run (abandoned,
// stuck, or leaking coroutines) is freed as a whole: the sim threads' stacks and records go, then the run's
// platform::SimRun (sim_runtime.hpp), the one owner of the run's state in the runtime, unmaps its coroutines'
// stacks and releases every block the run allocated and did not free (the run heap, sim_engine.hpp). Recording
// into the run heap is on exactly while a sim thread runs (landed()); the executor's own allocations made on a
// sim thread's behalf (spawn, exit hooks, failure messages) are made in SimHostHeap scopes, so that they survive
// the release.
//
// Stuck runs. When no sim thread can run and no timer is pending, diagnosis.cpp reads the runtime's unfinished
// coroutines (sim_live_coroutines) and tells a lock cycle (deadlock) from a wake-up nobody will send (lost
// wake-up), naming every coroutine, what it waits for and who holds it.
//
// Fair scheduling (after CHESS's fair scheduler, Musuvathi and Qadeer, PLDI 2008). A thread that waits by looping
// (a spin lock, `while (!ready) schedule_point();`, a coroutine re-scheduling itself until its ticket comes up)
// could otherwise be chosen forever while the thread it waits for never runs: a random walk wastes its steps, PCT
// starves the holder whenever the spinner has the higher priority, and DFS without a preemption left keeps
// running the spinner until the step limit. So when SpinDetector (spin.hpp) sees a thread repeat its loop, the
// thread owes a step to every other thread enabled at that moment: until each of them has taken a step (or is no
// longer enabled) the spinner is not offered to the strategy at all. Taken out of the choice that way it is a
// switch the program forced, not a preemption, so DFS explores a spin as one "yield" branch and a correct spin
// lock's space is finite. Every strategy sees the same filtered choice, a pure function of the run so far: replay
// needs nothing more. The strategy also hears of each spell of spinning (Strategy::thread_spins: PCT drops the
// spinner's priority). And when every enabled thread is spinning while another sleeps until a deadline, the clock
// jumps to it as if nothing could run: a loop that polls for a timer's effect lets virtual time pass. The filter
// never empties the choice: a spinner owes only threads that stepped before it
// last did, so among the enabled threads the one that stepped least recently owes nobody still waiting.

#include <corosim/sim/executor.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/context/detail/fcontext.hpp>

#include <corosim/platform.hpp>
#include <corosim/platform/sim_runtime.hpp>
#include <corosim/sim/trace_hash.hpp>

#include "diagnosis.hpp"
#include "hooks.hpp"
#include "races.hpp"
#include "spin.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define COROSIM_SIM_ASAN 1
#include <sanitizer/asan_interface.h>
extern "C" void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, std::size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, std::size_t *size_old);
#endif

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer follows stack switches through its fiber API: each sim thread gets a fiber, and a resume
// switches to whichever fiber the sim thread was on when it stopped (its own, or a coroutine's: the runtime gives
// each coroutine one).
#define COROSIM_SIM_TSAN 1
extern "C" void *__tsan_get_current_fiber(void);
extern "C" void *__tsan_create_fiber(unsigned flags);
extern "C" void __tsan_destroy_fiber(void *fiber);
extern "C" void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#if COROSIM_PLATFORM != COROSIM_PLATFORM_SIM
#error "the executor is built against corosim::runtime_sim (COROSIM_PLATFORM_SIM)"
#endif

namespace corosim::sim {
namespace {

namespace ctx = boost::context::detail;
using platform::SimOp;

// A sim thread's plain state, which a reused record gets back as new (SimThread::reset).
struct SimThreadState {
  uint32_t id = 0;
  void (*fn)(void *) = nullptr;
  void *arg = nullptr;
  ctx::fcontext_t ctx = nullptr;  // where it resumes (its own stack or a coroutine's)
  void *stack = nullptr;
  bool finished = false;
  // The operation it stands before, and the coroutine running in it then (the step's trace entry when it is
  // chosen).
  SimOp op = SimOp::thread_start;
  uint64_t object = 0;
  uint64_t coroutine = 0;
  platform::SimSite site;  // where in the source it stands (readable traces only)
  const platform::SimHolder *holder = nullptr;  // parked on a lock: who holds it (the lock's own record)
  // Fair scheduling (Executor::note_spin, with SimThread::spin and ::owes): whether its last steps repeat a loop,
  // and since when it owes a step to the threads in SimThread::owes.
  bool spinning = false;
  int64_t last_step = -1;  // the step it last took (-1: none yet)
  int64_t owes_since = -1;
  // At a gated point (SimEngine::gated_point): enabled only while gate(gate_arg), though not parked.
  bool (*gate)(void *) = nullptr;
  void *gate_arg = nullptr;
  // Parked: enabled only when ready(ready_arg) or the clock reaches deadline (-1: never).
  bool parked = false;
  bool (*ready)(void *) = nullptr;
  void *ready_arg = nullptr;
  int64_t deadline = -1;
  // AddressSanitizer: the bounds of the stack it is suspended on (its own, or a coroutine's it was preempted in).
  const void *asan_bottom = nullptr;
  std::size_t asan_size = 0;
  // ThreadSanitizer: its own fiber, and the fiber to switch to when it is resumed.
  void *tsan_own = nullptr;
  void *tsan_resume = nullptr;
};

// A sim thread's record: its state and what it owns. Kept from run to run (RunScratch), reset in between.
struct SimThread : SimThreadState {
  // Fair scheduling: the keys of its last steps, and while it spins the threads that were enabled when it last
  // repeated its loop and that it lets run first (owes a step to), unless they have stepped since owes_since or
  // are no longer enabled.
  SpinDetector spin;
  std::vector<uint32_t> owes;
  std::unique_ptr<platform::SimThreadStorage> storage = std::make_unique<platform::SimThreadStorage>();
  std::vector<std::pair<void (*)(void *), void *>> exit_hooks;

  // As new for the next run: the state, the spin record and the lists back to their initial values, ThreadLocal
  // values destroyed; the allocations (lists, storage table) kept.
  void reset() {
    static_cast<SimThreadState &>(*this) = SimThreadState{};
    spin.reset();
    owes.clear();
    exit_hooks.clear();
    storage->clear();
  }
};

class Executor;
Executor *g_executor = nullptr;
detail::StepBeacon *g_step_beacon = nullptr;      // hooks.hpp
detail::FatalFaultHook g_fatal_fault = nullptr;  // hooks.hpp

// Sim-thread stacks: mapped with a guard page below them, so that an overflow faults at the same depth in every run
// of a seed (the runtime's fault handler then asks Executor::stack_fault) instead of writing over the heap. Kept
// for the next run (a run starts a few sim threads; mapping 256 KiB each per run would be a few system calls each).
// Addresses never reach decisions or the trace. Only stacks of the size in use are kept; runs are not reentrant,
// so no lock.
std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

void *map_stack(std::size_t bytes) {
  void *base = ::mmap(nullptr, bytes + page_bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  ::mprotect(base, page_bytes(), PROT_NONE);
  return static_cast<char *>(base) + page_bytes();
}

void unmap_stack(void *stack, std::size_t bytes) {
  ::munmap(static_cast<char *>(stack) - page_bytes(), bytes + page_bytes());
}

class StackPool {
 public:
  void *take(std::size_t bytes) {
    if (count_ > 0 && bytes == bytes_) return stacks_[--count_];
    return map_stack(bytes);
  }
  void give(void *stack, std::size_t bytes) {
    if (!stack) return;
#ifdef COROSIM_SIM_ASAN
    // Frames of an abandoned run never returned and left their redzones poisoned.
    ASAN_UNPOISON_MEMORY_REGION(stack, bytes);
#endif
    if (bytes != bytes_) {
      while (count_ > 0) unmap_stack(stacks_[--count_], bytes_);
      bytes_ = bytes;
    }
    if (count_ < kCapacity)
      stacks_[count_++] = stack;
    else
      unmap_stack(stack, bytes);
  }
  ~StackPool() {
    while (count_ > 0) unmap_stack(stacks_[--count_], bytes_);
  }

 private:
  static constexpr std::size_t kCapacity = 16;
  std::size_t bytes_ = 0;
  std::size_t count_ = 0;
  void *stacks_[kCapacity];
};
StackPool g_stack_pool;

// What a run needs that no decision reads, kept from run to run so that a run allocates none of it: finished runs'
// sim thread records (reset, their ThreadLocal storage emptied, its table kept) and the executor's lists (cleared,
// their capacity kept). Runs are not reentrant, so one of each. Never destroyed: a process may end inside a run
// (a failure report that exits), whose records would then hold what the run heap already gave back.
struct RunScratch {
  static constexpr std::size_t kSpareThreads = 64;
  std::vector<std::unique_ptr<SimThread>> spare_threads;  // at most kSpareThreads
  std::vector<std::unique_ptr<SimThread>> threads;
  std::vector<SimThread *> live;
  std::vector<ThreadId> enabled_ids;
  std::vector<PendingStep> pending;
};
RunScratch &g_scratch = *new RunScratch;

// A sim thread record as new: a spare one if there is one.
std::unique_ptr<SimThread> new_sim_thread() {
  if (g_scratch.spare_threads.empty()) return std::make_unique<SimThread>();
  std::unique_ptr<SimThread> t = std::move(g_scratch.spare_threads.back());
  g_scratch.spare_threads.pop_back();
  return t;
}

class Executor final : public platform::SimEngine {
 public:
  Executor(Strategy &strategy, RunOptions options)
      : strategy_(strategy), options_(options), wants_pending_(strategy.wants_pending_steps()) {}

  ~Executor() override {
    for (auto &t : threads_) release_stack(*t);
    threads_.clear();  // (empty unless the run ended early: tear_down recycles them)
    live_.clear();
  }

  RunResult run(std::function<void()> &main_body) {
    platform::SimRun run(*this);
    run_ = &run;
    platform::set_sim_tracing(options_.record_trace);
    platform::set_sim_api_granularity(options_.granularity == Granularity::api);
    // The granularity is part of the trace: the same decisions mean other steps under another one. (Nothing is
    // added under full, whose hashes predate the choice.)
    if (options_.granularity != Granularity::full) {
      hash_.add(~uint64_t{2});
      hash_.add(static_cast<uint64_t>(options_.granularity));
    }
#ifdef COROSIM_SIM_TSAN
    tsan_host_ = __tsan_get_current_fiber();
#endif
    main_body_ = &main_body;
    spawn(
        [](void *self) {
          auto *executor = static_cast<Executor *>(self);
          (*executor->main_body_)();
          executor->run_->main_done();  // e.g. the thread pool's idle workers would wait forever
        },
        this);
    loop();
    if (status_ == RunStatus::ok && !pending_failure_.empty()) {  // reported by the body's last steps
      status_ = RunStatus::assertion;
      message_ = std::move(pending_failure_);
    }
    if (status_ == RunStatus::ok && !truncated_) {
      // The locks they wait for may have gone with the frames of finished sim threads: no holder look-up.
      std::vector<platform::SimCoroutine> left = platform::sim_live_coroutines(/*look_up_holders=*/false);
      if (!left.empty()) {
        status_ = RunStatus::leak;
        message_ = describe_leak(left);
      }
    }
    tear_down(run);
    platform::set_sim_tracing(false);
    platform::set_sim_race_tracking(false);
    platform::set_sim_api_granularity(false);
    RunResult r;
    r.status = status_;
    r.message = std::move(message_);
    r.shape = std::move(shape_);
    r.steps = steps_;
    r.trace_hash = hash_.value();
    r.end_ns = now_;
    r.truncated = truncated_;
    r.trace = std::move(trace_);
    r.failing_step = status_ == RunStatus::ok ? std::nullopt : failing_step_;
    r.object_names = std::move(object_names_);
    r.coroutine_names = std::move(coroutine_names_);
    return r;
  }

  // --- SimEngine ---

  bool in_sim_thread() const noexcept override { return cur_ != nullptr; }

  void schedule_point(SimOp op, uint64_t object, const platform::SimSite &site) override {
    cur_->op = op;
    cur_->object = object;
    cur_->coroutine = platform::sim_running_coroutine();
    cur_->site = site;
    step_from_sim_thread();
  }

  void gated_point(SimOp op, uint64_t object, bool (*ready)(void *), void *arg,
                   const platform::SimHolder *holder) override {
    cur_->gate = ready;
    cur_->gate_arg = arg;
    cur_->holder = holder;  // for a deadlock report, should the run get stuck with the gate closed
    schedule_point(op, object, {});
  }

  // --- readable traces (SimEngine): only while options_.record_trace ---

  void note_access(const platform::SimAccess &access) override {
    // The step this thread was chosen for is the trace's last event: nothing runs between the choice and the
    // operation (the operation follows its scheduling point directly, on this one OS thread).
    assert(!trace_.empty() && trace_.back().thread == cur_->id && trace_.back().kind == TraceEvent::Kind::step);
    trace_.back().access = access;
  }

  void enter_call(const char *name, const platform::SimSite &site) override {
    platform::SimHostHeap host;
    Call &call = calls_[call_key()];
    if (call.depth++ > 0) return;  // the runtime's own call inside the user's
    call.name = name;
    call.site = site;
    TraceEvent e = event(SimOp::user_point, 0, TraceEvent::Kind::call);
    e.file = site.file;
    e.line = site.line;
    e.user = true;
    e.call = name;
    trace_.push_back(e);
  }

  void leave_call() override {
    auto it = calls_.find(call_key());
    if (it != calls_.end() && --it->second.depth == 0) calls_.erase(it);
  }

  void note_wake(uint64_t coroutine) override {
    platform::SimHostHeap host;
    TraceEvent e = event(SimOp::user_point, coroutine, TraceEvent::Kind::wake);
    e.user = e.coroutine != 0;  // a coroutine's wake-up shows folded; a thread's (starting coroutines) is plumbing
    trace_.push_back(e);
  }

  void name_object(uint64_t object, const char *name) override {
    platform::SimHostHeap host;
    object_names_[object] = name;
  }

  void name_coroutine(uint64_t coroutine, const char *name) override {
    platform::SimHostHeap host;
    coroutine_names_[coroutine] = name;
  }

  uint32_t current_thread() const noexcept override { return cur_ ? cur_->id : UINT32_MAX; }

  uint32_t spawn(void (*fn)(void *), void *arg) override {
    platform::SimHostHeap host;  // the thread's record and stack belong to the executor, not to the run
    std::unique_ptr<SimThread> t = new_sim_thread();
    t->id = static_cast<uint32_t>(threads_.size());
    t->fn = fn;
    t->arg = arg;
    t->stack = g_stack_pool.take(options_.stack_bytes);
    if (!t->stack) {
      std::fprintf(stderr, "corosim: cannot allocate a sim thread stack\n");
      std::abort();
    }
    t->ctx = ctx::make_fcontext(static_cast<char *>(t->stack) + options_.stack_bytes, options_.stack_bytes,
                                &Executor::thread_main);
    t->asan_bottom = t->stack;
    t->asan_size = options_.stack_bytes;
#ifdef COROSIM_SIM_TSAN
    t->tsan_own = t->tsan_resume = __tsan_create_fiber(0);
#endif
    if (races_.active() && cur_) races_.on_spawn(cur_->id, t->id);
    threads_.push_back(std::move(t));
    live_.push_back(threads_.back().get());
    return threads_.back()->id;
  }

  void join(uint32_t thread) override {
    if (thread >= threads_.size()) misuse("join of an unknown sim thread");
    if (thread == cur_->id) misuse("a sim thread joins itself");
    SimThread *target = threads_[thread].get();
    while (!target->finished)
      park([](void *t) { return static_cast<SimThread *>(t)->finished; }, target, -1, SimOp::thread_join, thread,
           nullptr);
    if (races_.active()) {
      platform::SimHostHeap host;
      races_.on_join(cur_->id, thread);
    }
  }

  void var_access(uint64_t object, bool write, const platform::SimSite &site) override {
    std::optional<std::string> race;
    {
      platform::SimHostHeap host;  // the detector's records, and the message (abandon's rule), outlive the run
      if (!races_.active()) {
        races_.activate();
        platform::set_sim_race_tracking(true);
      }
      race = races_.on_access(cur_->id, platform::sim_running_coroutine(), object, write, site);
      if (race) {
        auto name = object_names_.find(object);
        const std::string var = name != object_names_.end()
                                    ? "var '" + name->second + "' (#" + std::to_string(object) + ")"
                                    : "var #" + std::to_string(object);
        race = "data race on " + var + ": " + *race;
      }
    }
    if (race) abandon(RunStatus::data_race, std::move(*race));
  }

  void acquired(uint64_t object) override {
    platform::SimHostHeap host;
    races_.on_acquire(cur_->id, object);
  }
  void released(uint64_t object) override {
    platform::SimHostHeap host;
    races_.on_release(cur_->id, object);
  }
  void quiet_step(SimOp op, uint64_t object) override {
    platform::SimHostHeap host;
    races_.on_step(cur_->id, op, object);
  }

  void park(bool (*ready)(void *), void *arg, int64_t deadline_ns, SimOp op, uint64_t object,
            const platform::SimHolder *holder) override {
    cur_->op = op;
    cur_->object = object;
    cur_->holder = holder;
    cur_->coroutine = platform::sim_running_coroutine();
    cur_->site = {};  // (a blocking call of the user's is known by its call: enter_call)
    cur_->parked = true;
    stop_spinning(*cur_);  // a thread that blocks is waiting properly, not looping
    cur_->ready = ready;
    cur_->ready_arg = arg;
    cur_->deadline = deadline_ns;
    step_from_sim_thread();
  }

  int64_t now_ns() const noexcept override { return now_; }

  uint64_t choose(uint64_t n) override {
    uint64_t k;
    {
      platform::SimHostHeap host;  // the strategy records the decision: its memory is not the run's
      k = strategy_.next_number(n);
    }
    if (!strategy_.mismatch().empty()) {
      std::string line;
      {
        platform::SimHostHeap host;
        line = strategy_.mismatch();
      }
      abandon(RunStatus::mismatch, std::move(line));
    }
    hash_.add(~uint64_t{1});  // a choice is part of the trace
    hash_.add(k);
    return k;
  }

  void at_thread_exit(void (*fn)(void *), void *arg) override {
    platform::SimHostHeap host;
    cur_->exit_hooks.emplace_back(fn, arg);
  }

  [[noreturn]] void misuse(const char *message) override {
    std::string text;
    {
      platform::SimHostHeap host;
      text = message;
    }
    abandon(RunStatus::misuse, std::move(text));
  }

  // `message` must not be the run heap's (it is released with the run): build it in a SimHostHeap scope.
  // A failure reported where the run cannot be left at once (inside GoogleTest's reporting, which holds a lock):
  // the run fails at the calling sim thread's next scheduling point, or when it ends. The first one is kept.
  void fail_soon(std::string message) {
    if (pending_failure_.empty()) pending_failure_ = std::move(message);
  }

  void stack_fault(uintptr_t address, uint64_t coroutine) override {
    const auto stack = reinterpret_cast<uintptr_t>(cur_ ? cur_->stack : nullptr);
    const bool own = stack && address < stack && address >= stack - page_bytes();
    if (!coroutine && !own) {
      if (g_fatal_fault) g_fatal_fault(SIGSEGV);  // not an overflow: the exploration reports it (hooks.hpp)
      return;
    }
    // The handler was entered with SIGSEGV blocked and is left by jumping to the scheduler, not by returning:
    // unblock it, or the next fault in this OS thread could not be delivered.
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    pthread_sigmask(SIG_UNBLOCK, &segv, nullptr);
    std::string message;
    {
      platform::SimHostHeap host;  // the message outlives the run (abandon's rule)
      message = coroutine ? "stack overflow in coroutine " + std::to_string(coroutine) + " (in sim thread " +
                                std::to_string(cur_->id) + ")"
                          : "stack overflow in sim thread " + std::to_string(cur_->id) + ": its stack is " +
                                std::to_string(options_.stack_bytes / 1024) +
                                " KiB (RunOptions::stack_bytes, --stack-kib)";
    }
    abandon(RunStatus::stack_overflow, std::move(message));
  }

  [[noreturn]] void abandon(RunStatus status, std::string message) {
    if (!cur_) {
      std::fprintf(stderr, "corosim: %s (outside a sim thread)\n", message.c_str());
      std::abort();
    }
    status_ = status;
    message_ = std::move(message);
    if (cur_->last_step >= 0) failing_step_ = static_cast<uint64_t>(cur_->last_step);
    abandoned_ = true;
    switch_to(nullptr, /*for_good=*/true);
    std::abort();  // never resumed
  }

 private:
  static void thread_main(ctx::transfer_t t) {
    Executor *self = g_executor;
    self->landed(t, nullptr);
    SimThread *me = self->cur_;
    // An exception escaping the thread's function fails the run, named; the catch block is left before the run is
    // abandoned, so the exception object is released as usual.
    std::optional<std::string> escaped;  // the run's heap
    try {
      me->fn(me->arg);
    } catch (...) {
      escaped = platform::sim_exception_text();
    }
    if (escaped) {
      std::string message;
      {
        platform::SimHostHeap host;  // the message outlives the run (abandon's rule)
        message = "an exception escaped sim thread " + std::to_string(me->id) + ": " + *escaped;
      }
      self->abandon(RunStatus::exception, std::move(message));
    }
    // Exit hooks (the runtime's per-thread cleanup) still run as this sim thread; they may register more.
    while (!me->exit_hooks.empty()) {
      auto [fn, arg] = me->exit_hooks.back();
      me->exit_hooks.pop_back();
      fn(arg);
    }
    me->finished = true;
    self->switch_to(nullptr, /*for_good=*/true);
    std::abort();  // never resumed
  }

  // Leaves the running context (cur_: a sim thread, or the scheduler when null) for `to` (a sim thread, or the
  // scheduler when null). A sim thread hands its step straight to the next one (step_from_sim_thread); the
  // scheduler is reached when a thread finishes, when the run ends or is abandoned, and for what only its stack may
  // do (a deferred step). for_good: the context left never resumes (a finished or abandoned sim thread).
  void switch_to(SimThread *to, bool for_good = false) {
    SimThread *from = cur_;
    landing_ = to;
    void *fake = nullptr;  // ASan's fake stack of the frame left, given back when it lands again
#ifdef COROSIM_SIM_ASAN
    __sanitizer_start_switch_fiber(for_good ? nullptr : &fake, to ? to->asan_bottom : asan_sched_bottom_,
                                   to ? to->asan_size : asan_sched_size_);
#else
    (void)for_good;
#endif
#ifdef COROSIM_SIM_TSAN
    if (from) from->tsan_resume = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(to ? to->tsan_resume : tsan_host_, 0);
#endif
    landed(ctx::jump_fcontext(to ? to->ctx : scheduler_, from), fake);
  }

  // Resumed (or, fake null, started) by a jump from the context in t.data (a SimThread, or null: the scheduler):
  // that context's position is t.fctx, and with ASan the bounds of the stack it left from (its own, or the
  // coroutine's it was preempted in). The context that lands (landing_, named by the jumper) becomes the current
  // one only here, on its own stack: until the jump, a fault (a stack overflow in the jumper's last frames) is
  // still the jumper's (stack_fault reads cur_).
  void landed(ctx::transfer_t t, void *fake) {
    auto *from = static_cast<SimThread *>(t.data);
#ifdef COROSIM_SIM_ASAN
    __sanitizer_finish_switch_fiber(fake, from ? &from->asan_bottom : &asan_sched_bottom_,
                                    from ? &from->asan_size : &asan_sched_size_);
#else
    (void)fake;
#endif
    (from ? from->ctx : scheduler_) = t.fctx;
    came_from_ = from;
    cur_ = landing_;
    platform::set_sim_thread_storage(cur_ ? cur_->storage.get() : nullptr);
    platform::sim_heap_record(cur_ != nullptr);
  }

  bool enabled(const SimThread &t) const {
    if (t.finished) return false;
    if (!t.parked) return !t.gate || t.gate(t.gate_arg);
    if (t.deadline >= 0 && now_ >= t.deadline) return true;
    return t.ready(t.ready_arg);
  }

  // What decide() found: a thread to run the next step (chosen_), the end of the run, or (asked on a sim thread)
  // something only the scheduler's own stack may handle.
  enum class Next { thread, over, defer };

  // One scheduling step: the enabled threads, the strategy's choice among them, and the step's trace entry
  // (hash, trace, spin detection); the choice is left in chosen_. With no thread enabled, or only spinning ones,
  // it moves the clock to the earliest deadline; with none enabled and no deadline it ends the run (every thread
  // finished: ok; otherwise a deadlock report). Called by the scheduler, and by a sim thread at a scheduling point
  // (on_sim_thread, run heap off): there a clock jump, a stuck run or the step limit is deferred to the scheduler
  // before anything has changed, so both paths take the very same steps and a run's trace does not depend on
  // where its steps were decided.
  Next decide(bool on_sim_thread) {
    for (;;) {
      enabled_ids_.clear();
      // Only the unfinished sim threads, in creation order (so enabled_ids_ is ascending): a long run starts
      // thousands of threads, and a step must not cost more the more of them have finished.
      // And the earliest deadline still ahead of a parked thread that cannot run yet (-1: none). (A thread whose
      // deadline has passed is enabled.)
      int64_t deadline = -1;
      for (SimThread *t : live_) {
        if (enabled(*t)) {
          enabled_ids_.push_back(t->id);
          continue;
        }
        if (running_ == t->id) running_.reset();  // the last step's thread, at a closed gate: it waits
        if (t->deadline > now_ && (deadline < 0 || t->deadline < deadline)) deadline = t->deadline;
      }
      if (deadline >= 0 && (enabled_ids_.empty() || all_spinning())) {
        // Nothing can run, or only threads waiting by looping: time passes (a spinner may be waiting for a timer).
        if (on_sim_thread) return Next::defer;
        jump_clock(deadline);
        continue;
      }
      if (enabled_ids_.empty()) {
        if (on_sim_thread) return Next::defer;
        if (live_.empty()) return Next::over;  // every sim thread finished: ok
        report_deadlock();
        return Next::over;
      }
      if (steps_ >= options_.max_steps) {
        if (on_sim_thread) return Next::defer;
        if (options_.on_step_limit == StepLimitPolicy::stop) {
          truncated_ = true;
        } else {
          status_ = RunStatus::step_limit;
          message_ = "step limit: " + std::to_string(options_.max_steps) + " scheduling steps" + spinners();
          if (steps_ > 0) failing_step_ = steps_ - 1;
        }
        return Next::over;
      }
      const std::optional<ThreadId> running = defer_spinners();
      ThreadId next = strategy_.next_thread(enabled_ids_, running, pending_steps());
      if (!strategy_.mismatch().empty()) {
        status_ = RunStatus::mismatch;
        message_ = strategy_.mismatch();
        return Next::over;
      }
      take_step(*threads_[next]);
      return Next::thread;
    }
  }

  // The strategy chose `t` for the next step: account for it (race detection, spin detection, trace hash, trace,
  // the crash beacon) and hand it the step.
  void take_step(SimThread &t) {
    const ThreadId next = t.id;
    if (races_.active()) races_.on_step(next, t.op, t.object);
    note_spin(t);
    // The step's four fields in two words, packed exactly: object ids are 32-bit (sim_detail::object_id, or a
    // sim thread's number), operations fit in 5 bits, and coroutine ids are small sequential numbers. (Hashing
    // is a good part of a step's cost: two mixes instead of four.)
    static_assert(static_cast<unsigned>(SimOp::api_call) < 32, "SimOp no longer fits the step's 5 bits");
    assert(t.object >> 32 == 0 && t.coroutine >> 59 == 0);
    hash_.add(uint64_t{next} << 32 | t.object);
    hash_.add(t.coroutine << 5 | static_cast<uint64_t>(t.op));
    if (options_.record_trace) record_step(t);
    if (detail::StepBeacon *beacon = g_step_beacon) {
      beacon->thread.store(next, std::memory_order_relaxed);
      beacon->step.store(steps_, std::memory_order_relaxed);  // numbered as the trace numbers it
    }
    ++steps_;
    t.parked = false;  // the thread re-checks its condition
    t.gate = nullptr;
    t.holder = nullptr;
    chosen_ = &t;
  }

  // What each enabled thread stands before, for a strategy that asks (pos); empty otherwise. Loads, var reads and
  // polls leave their object unchanged; thread start, spawn and join name a thread, not a shared object (their
  // numbers would collide with object ids), so they conflict with nothing.
  std::span<const PendingStep> pending_steps() {
    if (!wants_pending_) return {};
    pending_.clear();
    for (ThreadId id : enabled_ids_) {
      const SimThread &t = *threads_[id];
      const bool thread_op = t.op == SimOp::thread_start || t.op == SimOp::thread_spawn || t.op == SimOp::thread_join;
      const bool reads = t.op == SimOp::atomic_load || t.op == SimOp::var_read || t.op == SimOp::poll;
      pending_.push_back({thread_op ? 0 : t.object, !reads});
    }
    return pending_;
  }

  // --- readable traces ---

  // A user call in progress: per coroutine (one can move between sim threads), or per sim thread on its own stack.
  struct Call {
    const char *name = nullptr;
    platform::SimSite site;
    unsigned depth = 0;  // calls nested in it (the runtime's own) are counted, not recorded
  };
  std::pair<uint32_t, uint64_t> call_key() const {
    const uint64_t co = platform::sim_running_coroutine();
    return co ? std::pair{UINT32_MAX, co} : std::pair{cur_->id, uint64_t{0}};
  }

  // An event of the current sim thread that is not a step (the next step's number).
  TraceEvent event(SimOp op, uint64_t object, TraceEvent::Kind kind) const {
    TraceEvent e{steps_, cur_->id, platform::sim_running_coroutine(), op, object, now_};
    e.kind = kind;
    return e;
  }

  // The trace entry of step steps_, taken by t: its site is its own (a user step) or its user call's.
  void record_step(const SimThread &t) {
    TraceEvent e{steps_, t.id, t.coroutine, t.op, t.object, now_};
    e.file = t.site.file;
    e.line = t.site.line;
    e.user = t.site.user;
    auto it = calls_.find(t.coroutine ? std::pair{UINT32_MAX, t.coroutine} : std::pair{t.id, uint64_t{0}});
    if (it != calls_.end()) {
      e.call = it->second.name;
      if (!e.user) {
        e.file = it->second.site.file;
        e.line = it->second.site.line;
      }
    }
    trace_.push_back(e);
  }

  // Moves the clock forward to `deadline` (a parked thread's, ahead of now).
  void jump_clock(int64_t deadline) {
    assert(deadline > now_);
    now_ = deadline;
    hash_.add(~uint64_t{0});  // a clock jump is part of the trace
    hash_.add(static_cast<uint64_t>(now_));
    running_.reset();
  }

  // Every enabled thread is spinning (and there is one): what they wait for can only come from a timer, if at all.
  // Without a timer they go on (to the step limit if nothing changes).
  bool all_spinning() const {
    return !enabled_ids_.empty() && std::all_of(enabled_ids_.begin(), enabled_ids_.end(),
                                                [this](ThreadId id) { return threads_[id]->spinning; });
  }

  // A scheduling point or a park of the current sim thread (its op, object and park fields are set). The step is
  // decided right here: when the strategy picks this same thread (a forced step, or PCT's highest priority running
  // on) it goes on without leaving its stack, and when it picks another, it jumps straight to that one. Only a
  // deferred step (decided by the scheduler itself) or the end of the run goes through the scheduler.
  void step_from_sim_thread() {
    if (!pending_failure_.empty()) [[unlikely]]
      abandon(RunStatus::assertion, std::move(pending_failure_));
    // (A thread at a gated point whose gate is closed waits, as a parked one does: decide() finds it not enabled
    // and drops it from running_.)
    running_ = cur_->parked ? std::nullopt : std::optional<ThreadId>(cur_->id);
    platform::sim_heap_record(false);  // the strategy's decisions and the trace are the executor's memory
    const Next next = decide(/*on_sim_thread=*/true);
    if (next == Next::thread) {
      SimThread *to = std::exchange(chosen_, nullptr);
      if (to == cur_)
        platform::sim_heap_record(true);  // goes on: the run's memory again
      else
        switch_to(to);  // (the side that lands turns recording on for itself)
      return;
    }
    if (next == Next::over) {
      abandoned_ = true;  // the run ends here (a replay that no longer fits): this thread never resumes
      switch_to(nullptr, /*for_good=*/true);
      std::abort();
    }
    switch_to(nullptr);  // deferred: the scheduler decides
  }

  void loop() {
    running_.reset();
    for (;;) {
      if (!chosen_ && decide(/*on_sim_thread=*/false) == Next::over) return;
      switch_to(std::exchange(chosen_, nullptr));
      if (abandoned_) return;
      SimThread &t = *came_from_;  // (not necessarily the one resumed: steps pass between sim threads directly)
      if (t.finished) {
        std::erase(live_, &t);
        running_.reset();
        if (!t.owes.empty()) --owing_;
        t.owes.clear();
      }
    }
  }

  // Fair scheduling (see the top of the file): takes out of enabled_ids_ each spinner that still owes a step to an
  // enabled thread, forgetting the debts that are settled. Returns running_ if it is still offered.
  std::optional<ThreadId> defer_spinners() {
    if (owing_ == 0) return running_;
    std::erase_if(enabled_ids_, [this](ThreadId id) { return still_owes(*threads_[id]); });
    assert(!enabled_ids_.empty());  // the filter never empties the choice (see the top of the file)
    if (running_ && !std::binary_search(enabled_ids_.begin(), enabled_ids_.end(), *running_)) return std::nullopt;
    return running_;
  }

  bool still_owes(SimThread &t) {
    if (t.owes.empty()) return false;
    std::erase_if(t.owes, [&](uint32_t id) {
      const SimThread &other = *threads_[id];
      return other.last_step > t.owes_since || !enabled(other);
    });
    if (t.owes.empty()) --owing_;
    return !t.owes.empty();
  }

  // Ends t's spell of spinning, if any: it blocked, so it waits properly. Its debts go with it.
  void stop_spinning(SimThread &t) {
    t.spin.interrupt();
    t.spinning = false;
    if (!t.owes.empty()) --owing_;
    t.owes.clear();
  }

  // The step key SpinDetector compares: operation, object and running coroutine, packed exactly as far as object
  // ids (32 bits) and operations (5 bits) go; coroutine ids past 2^27 only share keys.
  static uint64_t spin_key(const SimThread &t) {
    return t.object | uint64_t{static_cast<uint8_t>(t.op)} << 32 | t.coroutine << 37;
  }

  // Thread t was chosen for step steps_: note it, and if it is repeating its loop, make it owe a step to every
  // other thread enabled now (enabled_ids_, after the filter).
  void note_spin(SimThread &t) {
    t.last_step = static_cast<int64_t>(steps_);
    if (!t.spin.note(spin_key(t))) {
      t.spinning = false;
      return;
    }
    if (!t.spinning) strategy_.thread_spins(t.id);  // a new spell of spinning
    t.spinning = true;
    if (t.owes.empty()) ++owing_;
    t.owes.clear();
    for (ThreadId id : enabled_ids_)
      if (id != t.id) t.owes.push_back(id);
    t.owes_since = t.last_step;
    if (t.owes.empty()) --owing_;
  }

  // For a step-limit message: the threads spinning when the limit came, and the loop each repeats, or "" if none
  // was. A spinning waiter whose holder never runs is the usual livelock.
  std::string spinners() const {
    std::string s;
    for (const auto &t : threads_) {
      if (t->finished || !t->spinning) continue;
      std::array<uint64_t, SpinDetector::kMaxPeriod> keys;
      const unsigned period = t->spin.loop(keys);
      std::string loop;
      for (unsigned i = 0; i < period && i < 6; ++i) {
        const auto op = static_cast<SimOp>(keys[i] >> 32 & 31);
        const uint64_t object = keys[i] & 0xffffffff;
        loop += std::string(loop.empty() ? "" : ", ") + platform::sim_op_name(op) +
                (object ? " #" + std::to_string(object) : "");
      }
      if (period > 6) loop += ", ... (" + std::to_string(period) + " steps)";
      s += "; sim thread " + std::to_string(t->id) + " was spinning, repeating " + loop;
    }
    return s.empty() ? s : s + " (a waiter whose holder never gets to run? see docs/determinism.md)";
  }

  void report_deadlock() {
    std::vector<StuckThread> stuck;
    for (auto &t : threads_) {
      if (t->finished) continue;
      std::optional<platform::SimHolder> holder;
      if (t->holder) holder = *t->holder;
      stuck.push_back({t->id, t->op, t->object, t->coroutine, holder});
      // The last of them to block: where the run got stuck (unless the trace names a coroutine's step, below).
      if (t->last_step >= 0 && (!failing_step_ || *failing_step_ < static_cast<uint64_t>(t->last_step)))
        failing_step_ = static_cast<uint64_t>(t->last_step);
    }
    const std::vector<platform::SimCoroutine> coroutines = platform::sim_live_coroutines(/*look_up_holders=*/true);
    if (options_.record_trace) failing_step_in_trace(coroutines);
    Diagnosis d = diagnose_stuck(coroutines, stuck);
    status_ = d.status;
    message_ = std::move(d.message);
    shape_ = std::move(d.shape);
  }

  // With a trace, the failing step of a stuck run is the last step one of its stuck coroutines took (where it
  // went to wait), rather than the last park of a sim thread (an event loop's poll, usually).
  void failing_step_in_trace(const std::vector<platform::SimCoroutine> &coroutines) {
    for (auto e = trace_.rbegin(); e != trace_.rend(); ++e) {
      if (e->kind != TraceEvent::Kind::step || e->coroutine == 0) continue;
      if (std::any_of(coroutines.begin(), coroutines.end(),
                      [&](const platform::SimCoroutine &c) { return c.id == e->coroutine; })) {
        failing_step_ = e->step;
        return;
      }
    }
  }

  // After the run: see "Tear-down" above. On the host, recording off.
  void tear_down(platform::SimRun &run) {
    const bool failed = status_ != RunStatus::ok || truncated_;  // a truncated run is abandoned mid-way too
    for (auto &t : threads_) {
      release_stack(*t);
#ifdef COROSIM_SIM_TSAN
      __tsan_destroy_fiber(t->tsan_own);
#endif
    }
    live_.clear();
    {
      platform::SimHostHeap host;  // the spare list is the executor's memory
      // Their storage (ThreadLocal values, run heap blocks) is emptied before the run ends. A run with many
      // threads leaves no more spares than kSpareThreads (a record with its tables is a few KiB).
      for (auto &t : threads_) {
        t->reset();
        if (g_scratch.spare_threads.size() < RunScratch::kSpareThreads)
          g_scratch.spare_threads.push_back(std::move(t));
      }
      threads_.clear();  // (the records beyond that)
    }
    run.end(failed);
    run_ = nullptr;
  }

  void release_stack(SimThread &t) {
    g_stack_pool.give(t.stack, options_.stack_bytes);
    t.stack = nullptr;
  }

  Strategy &strategy_;
  RunOptions options_;
  platform::SimRun *run_ = nullptr;                  // the run's lifecycle, while run() runs
  std::function<void()> *main_body_ = nullptr;       // sim thread 0's body
  std::string pending_failure_;                      // fail_soon's message (host memory)
  std::vector<std::unique_ptr<SimThread>> &threads_ = g_scratch.threads;  // every sim thread of the run, by id
  std::vector<SimThread *> &live_ = g_scratch.live;  // the unfinished ones, in creation order
  SimThread *cur_ = nullptr;
  SimThread *chosen_ = nullptr;        // decided to run the next step, not yet resumed
  detail::RaceDetector races_;         // corosim::var's happens-before, from the run's first var access
  const bool wants_pending_;            // the strategy looks at pending steps (pending_steps())
  std::vector<PendingStep> &pending_ = g_scratch.pending;  // pending_steps()'s list
  std::optional<ThreadId> running_;    // the thread of the last step, if it can go on (Strategy::next_thread)
  std::vector<ThreadId> &enabled_ids_ = g_scratch.enabled_ids;  // decide()'s scratch
  unsigned owing_ = 0;                 // threads whose SimThread::owes is not empty
  ctx::fcontext_t scheduler_ = nullptr;  // where the scheduler resumes
  SimThread *came_from_ = nullptr;       // who jumped to the context now running (landed())
  SimThread *landing_ = nullptr;         // the context a jump goes to (switch_to), current once it lands
  int64_t now_ = 0;
  uint64_t steps_ = 0;
  TraceHash hash_;
  RunStatus status_ = RunStatus::ok;
  std::string message_;
  std::string shape_;  // RunResult::shape
  std::optional<uint64_t> failing_step_;  // RunResult::failing_step
  std::vector<TraceEvent> trace_;
  std::map<std::pair<uint32_t, uint64_t>, Call> calls_;  // user calls in progress (record_trace only)
  std::map<uint64_t, std::string> object_names_, coroutine_names_;
  bool truncated_ = false;
  bool abandoned_ = false;
#ifdef COROSIM_SIM_TSAN
  void *tsan_host_ = nullptr;  // the scheduler's fiber
#endif
  const void *asan_sched_bottom_ = nullptr;  // the scheduler's (host) stack, learned on the first switch
  std::size_t asan_sched_size_ = 0;
};

}  // namespace

namespace {
// The one table of status names (executor.hpp).
constexpr std::pair<RunStatus, const char *> kStatusNames[] = {
    {RunStatus::ok, "ok"},
    {RunStatus::assertion, "assertion"},
    {RunStatus::misuse, "misuse"},
    {RunStatus::deadlock, "deadlock"},
    {RunStatus::lost_wakeup, "lost_wakeup"},
    {RunStatus::leak, "leak"},
    {RunStatus::step_limit, "step_limit"},
    {RunStatus::mismatch, "mismatch"},
    {RunStatus::exhausted, "exhausted"},
    {RunStatus::crash, "crash"},
    {RunStatus::exception, "exception"},
    {RunStatus::timeout, "timeout"},
    {RunStatus::stack_overflow, "stack_overflow"},
    {RunStatus::out_of_memory, "out_of_memory"},
    {RunStatus::data_race, "data_race"},
};
}  // namespace

namespace detail {
void set_step_beacon(StepBeacon *beacon) noexcept { g_step_beacon = beacon; }
void set_fatal_fault_hook(FatalFaultHook hook) noexcept { g_fatal_fault = hook; }
}  // namespace detail

const char *run_status_name(RunStatus status) noexcept {
  for (const auto &[s, name] : kStatusNames)
    if (s == status) return name;
  return "?";
}

std::string failure_kinds_text() {
  std::string text;
  for (const auto &[s, name] : kStatusNames)
    if (s != RunStatus::ok && s != RunStatus::mismatch && s != RunStatus::exhausted)
      text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

std::optional<RunStatus> parse_run_status(std::string_view name) noexcept {
  for (const auto &[s, n] : kStatusNames)
    if (name == n) return s;
  return std::nullopt;
}

RunResult run_once(std::function<void()> main_body, Strategy &strategy, uint64_t seed, RunOptions options) {
  if (g_executor) {
    std::fprintf(stderr, "corosim: run_once called inside a run\n");
    std::abort();
  }
  if (!strategy.begin_execution(seed)) {
    RunResult r;
    r.status = RunStatus::exhausted;
    r.message = "the strategy has explored its whole space";
    r.decisions = strategy.decisions();
    return r;
  }
  RunResult r;
  {
    Executor executor(strategy, options);
    g_executor = &executor;
    r = executor.run(main_body);
    g_executor = nullptr;
  }
  strategy.end_execution();
  if (r.status == RunStatus::ok && !strategy.mismatch().empty()) {
    r.status = RunStatus::mismatch;
    r.message = strategy.mismatch();
  }
  r.decisions = strategy.decisions();
  return r;
}

void fail_soon(const std::string &message) {
  if (!g_executor || !g_executor->in_sim_thread()) {
    std::fprintf(stderr, "corosim: %s (outside a simulated run)\n", message.c_str());
    std::abort();
  }
  platform::SimHostHeap host;  // the message outlives the run's heap
  g_executor->fail_soon(message);
}

void fail(const std::string &message) {
  if (!g_executor) {
    std::fprintf(stderr, "corosim: %s (outside a simulated run)\n", message.c_str());
    std::abort();
  }
  std::string text;
  {
    platform::SimHostHeap host;  // the message outlives the run's heap
    text = message;
  }
  g_executor->abandon(RunStatus::assertion, std::move(text));
}

uint32_t current_sim_thread() { return g_executor ? g_executor->current_thread() : UINT32_MAX; }

}  // namespace corosim::sim
