#pragma once
// The sim platform: what corosim::runtime_sim runs on (docs/design.md, "The seam"). Every
// operation is a scheduling point placed BEFORE the operation, then the plain operation: all sim threads are
// fibers on one OS thread, so the plain operations are sequentially consistent by construction. Blocking
// operations park the sim thread in the engine (sim_engine.hpp) until their condition holds.
// Do not include directly; include <corosim/platform.hpp>.
//
// Outside a run (no engine installed, or the engine is not running a sim thread) every operation is plain and
// nothing can block: a lock that is held, a join or a blocking poll there is misuse.
//
// Descriptors: poll() knows EventNotifier descriptors (fake numbers from EventNotifier::kFakeFdBase up) and
// simulated pipes (from kFakePipeBase up: pipe(), read(), write(), close() below). Real file descriptors are
// treated as never ready.

#include <cstddef>
#include <cstdint>
#include <atomic>  // std::memory_order only
#include <functional>
#include <mutex>
#include <new>
#include <source_location>
#include <type_traits>
#include <utility>

#include <corosim/clock.hpp>
#include <corosim/platform/sim_engine.hpp>

struct pollfd;

namespace corosim::platform {

namespace sim_detail {
extern SimEngine *g_engine;
extern SimThreadStorage *g_storage;  // never null: the host's storage outside runs
extern uint32_t g_epoch;
extern uint64_t g_next_object;

extern bool g_tracing;  // set_sim_tracing: the engine wants values, calls and wake-ups
extern bool g_race_tracking;  // set_sim_race_tracking: the engine wants acquired() and released() calls
extern bool g_api_granularity;  // set_sim_api_granularity: the runtime's own atomics and free locks take no step

inline bool active() noexcept { return g_engine && g_engine->in_sim_thread(); }
inline bool tracing() noexcept { return g_tracing && active(); }

// An object's id in this run: assigned at its first scheduling point of the run, sequentially (never an address).
inline uint64_t object_id(uint64_t &tag) noexcept {
  if (static_cast<uint32_t>(tag >> 32) != g_epoch) tag = (uint64_t{g_epoch} << 32) | ++g_next_object;
  return tag & 0xffffffffu;
}
inline void point(SimOp op, uint64_t &tag, const SimSite &site = {}) {
  if (active()) g_engine->schedule_point(op, object_id(tag), site);
}
// The scheduling point before an operation of the runtime's own (an atomic, a lock found free): none under the
// api granularity, where the race detection alone hears of it. Returns whether it was a scheduling point.
inline bool internal_point(SimOp op, uint64_t &tag, const SimSite &site = {}) {
  if (!g_api_granularity) {
    point(op, tag, site);
    return true;
  }
  if (g_race_tracking && active()) g_engine->quiet_step(op, object_id(tag));
  return false;
}
inline SimSite site_of(const std::source_location &where, bool user) noexcept {
  return {where.file_name(), where.line(), user};
}

// A value as a trace shows it (SimValue).
template <class T>
SimValue value_of(const T &v) noexcept {
  if constexpr (std::is_same_v<T, bool>)
    return {SimValue::Type::boolean, v ? 1u : 0u};
  else if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>)
    return {SimValue::Type::pointer, v != nullptr ? 1u : 0u};
  else if constexpr (std::is_enum_v<T>)
    return value_of(static_cast<std::underlying_type_t<T>>(v));
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    return {SimValue::Type::signed_, static_cast<uint64_t>(static_cast<int64_t>(v))};
  else if constexpr (std::is_integral_v<T>)
    return {SimValue::Type::unsigned_, static_cast<uint64_t>(v)};
  else
    return {};
}
// For the race detection (SimEngine::acquired, released): only while the engine tracks happens-before.
inline void acquired(uint64_t &tag) {
  if (g_race_tracking && active()) g_engine->acquired(object_id(tag));
}
inline void released(uint64_t &tag) {
  if (g_race_tracking && active()) g_engine->released(object_id(tag));
}
inline void name_object(uint64_t &tag, const char *name) {
  if (tracing()) g_engine->name_object(object_id(tag), name);
}
template <class T>
void note_access(SimAccess::Kind kind, const T &before, const T &after) {
  if (tracing()) g_engine->note_access({kind, value_of(before), value_of(after)});
}
// Parks until ready(arg); misuse outside a run (nothing could ever make it ready).
void park(bool (*ready)(void *), void *arg, int64_t deadline_ns, SimOp op, uint64_t &tag,
          const SimHolder *holder = nullptr);
// A new run epoch (SimRun): object ids restart at 1, and state an abandoned run left (a held lock, a waiter
// count) is recognised as stale by its older epoch.
void begin_epoch() noexcept;
// A ThreadLocal<T> type's slot number: T's size and alignment, how to make one in place and how to destroy it.
std::size_t register_local_slot(std::size_t size, std::size_t align, void (*construct)(void *),
                                void (*destroy)(void *));
uint32_t spawn(std::function<void()> *body);  // takes ownership
void join(uint32_t thread);
void forget_run_notifiers() noexcept;  // an abandoned run's notifiers and pipes leave the descriptor tables
}  // namespace sim_detail

struct Sim {
  static constexpr const char *name = "sim";

  // An atomic whose every operation is a scheduling point before it. `User`: the user's (corosim::atomic, whose
  // steps a folded trace shows) rather than the runtime's own. Each operation takes its caller's source location
  // (a default argument) for the trace, and tells the trace what it read or wrote.
  template <class T, bool User>
  class basic_atomic {
    using Where = std::source_location;
    using Kind = SimAccess::Kind;

   public:
    constexpr basic_atomic() noexcept : v_() {}
    constexpr basic_atomic(T v) noexcept : v_(v) {}  // NOLINT: as std::atomic
    basic_atomic(const basic_atomic &) = delete;
    basic_atomic &operator=(const basic_atomic &) = delete;

    T load(std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) const {
      if (step(SimOp::atomic_load, where)) sim_detail::note_access(Kind::load, v_, v_);
      return v_;
    }
    void store(T v, std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) {
      if (step(SimOp::atomic_store, where)) sim_detail::note_access(Kind::store, v_, v);
      v_ = v;
    }
    operator T() const { return load(); }  // NOLINT: as std::atomic
    T operator=(T v) {
      store(v);
      return v;
    }
    T exchange(T v, std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) {
      return rmw([v](T) { return v; }, where);
    }
    bool compare_exchange_strong(T &expected, T desired, std::memory_order = std::memory_order_seq_cst,
                                 std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) {
      const bool stepped = step(SimOp::atomic_rmw, where);
      if (v_ == expected) {
        if (stepped) sim_detail::note_access(Kind::cas_success, expected, desired);
        v_ = desired;
        sim_detail::released(tag_);  // (a failed compare-exchange is a load: it releases nothing)
        return true;
      }
      if (stepped) sim_detail::note_access(Kind::cas_failure, expected, v_);
      expected = v_;
      return false;
    }
    // No spurious failures: the simulator explores interleavings, not weak-CAS failures.
    bool compare_exchange_weak(T &expected, T desired, std::memory_order a = std::memory_order_seq_cst,
                               std::memory_order b = std::memory_order_seq_cst, Where where = Where::current()) {
      return compare_exchange_strong(expected, desired, a, b, where);
    }

    template <class D>
      requires(std::is_integral_v<T> || std::is_pointer_v<T>)
    T fetch_add(D d, std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) {
      return rmw([d](T v) { return static_cast<T>(v + d); }, where);
    }
    template <class D>
      requires(std::is_integral_v<T> || std::is_pointer_v<T>)
    T fetch_sub(D d, std::memory_order = std::memory_order_seq_cst, Where where = Where::current()) {
      return rmw([d](T v) { return static_cast<T>(v - d); }, where);
    }
    T fetch_and(T d, std::memory_order = std::memory_order_seq_cst, Where where = Where::current())
      requires std::is_integral_v<T>
    {
      return rmw([d](T v) { return static_cast<T>(v & d); }, where);
    }
    T fetch_or(T d, std::memory_order = std::memory_order_seq_cst, Where where = Where::current())
      requires std::is_integral_v<T>
    {
      return rmw([d](T v) { return static_cast<T>(v | d); }, where);
    }
    T fetch_xor(T d, std::memory_order = std::memory_order_seq_cst, Where where = Where::current())
      requires std::is_integral_v<T>
    {
      return rmw([d](T v) { return static_cast<T>(v ^ d); }, where);
    }
    // The operators take no source location of their own: the trace shows the line of the operator's own body.
    T operator++()
      requires std::is_integral_v<T>
    {
      return fetch_add(1) + 1;
    }
    T operator--()
      requires std::is_integral_v<T>
    {
      return fetch_sub(1) - 1;
    }
    T operator++(int)
      requires std::is_integral_v<T>
    {
      return fetch_add(1);
    }
    T operator--(int)
      requires std::is_integral_v<T>
    {
      return fetch_sub(1);
    }
    T operator+=(T d)
      requires std::is_integral_v<T>
    {
      return fetch_add(d) + d;
    }
    T operator-=(T d)
      requires std::is_integral_v<T>
    {
      return fetch_sub(d) - d;
    }

    // Its name in traces (corosim::trace_name).
    void trace_name(const char *name) const { sim_detail::name_object(tag_, name); }

   private:
    // The scheduling point before an operation: always for the user's atomics, not under the api granularity for
    // the runtime's. Returns whether it was one (the trace then hears what the operation did).
    bool step(SimOp op, const Where &where) const {
      if constexpr (User) {
        sim_detail::point(op, tag_, sim_detail::site_of(where, true));
        return true;
      } else {
        return sim_detail::internal_point(op, tag_, sim_detail::site_of(where, false));
      }
    }
    template <class F>
    T rmw(F f, const Where &where) {
      const bool stepped = step(SimOp::atomic_rmw, where);
      T old = v_;
      v_ = f(old);
      if (stepped) sim_detail::note_access(Kind::rmw, old, v_);
      sim_detail::released(tag_);
      return old;
    }
    T v_;
    mutable uint64_t tag_ = 0;
  };
  template <class T>
  using atomic = basic_atomic<T, false>;
  template <class T>
  using user_atomic = basic_atomic<T, true>;

  // Plain (sequentially consistent by construction: one OS thread), with no scheduling point: see the concept in
  // platform.hpp for when the runtime may use it.
  template <class T>
  class quiet_atomic {
   public:
    constexpr quiet_atomic() noexcept : v_() {}
    constexpr quiet_atomic(T v) noexcept : v_(v) {}  // NOLINT: as std::atomic
    quiet_atomic(const quiet_atomic &) = delete;
    quiet_atomic &operator=(const quiet_atomic &) = delete;
    T load(std::memory_order = std::memory_order_seq_cst) const noexcept { return v_; }
    void store(T v, std::memory_order = std::memory_order_seq_cst) noexcept { v_ = v; }
    T exchange(T v, std::memory_order = std::memory_order_seq_cst) noexcept { return std::exchange(v_, v); }
    bool compare_exchange_strong(T &expected, T desired, std::memory_order = std::memory_order_seq_cst,
                                 std::memory_order = std::memory_order_seq_cst) noexcept {
      if (v_ == expected) {
        v_ = desired;
        return true;
      }
      expected = v_;
      return false;
    }
    T fetch_add(T d, std::memory_order = std::memory_order_seq_cst) noexcept {
      T old = v_;
      v_ = static_cast<T>(v_ + d);
      return old;
    }
    T fetch_sub(T d, std::memory_order = std::memory_order_seq_cst) noexcept {
      T old = v_;
      v_ = static_cast<T>(v_ - d);
      return old;
    }

   private:
    T v_;
  };

  class Mutex {
   public:
    constexpr Mutex() noexcept = default;
    Mutex(const Mutex &) = delete;
    Mutex &operator=(const Mutex &) = delete;
    void lock();
    bool try_lock();
    void unlock();
    // Held in this run (a lock left held by an abandoned run counts as free).
    bool held() const noexcept { return held_epoch_ == sim_detail::g_epoch; }
    void trace_name(const char *name) { sim_detail::name_object(tag_, name); }
    // The user's (corosim::Mutex) rather than the runtime's own: its lock is a scheduling point under every
    // granularity.
    void set_user() noexcept { user_ = true; }

   private:
    void take() noexcept;  // records the hold: this run, the calling sim thread and its coroutine
    void step(bool gated);  // the scheduling point before a lock (gated: taken only once it is free) or try_lock
    bool user_ = false;
    uint32_t held_epoch_ = 0;
    SimHolder holder_;  // who took it; meaningful while held()
    uint32_t tried_epoch_ = 0;  // try_lock was used on it in this run: its unlock is then observable
    uint64_t tag_ = 0;
  };

  // Waiters are woken in FIFO order (tickets); no spurious wake-ups.
  class CondVar {
   public:
    CondVar() = default;
    CondVar(const CondVar &) = delete;
    CondVar &operator=(const CondVar &) = delete;
    void wait(std::unique_lock<Mutex> &lock);
    template <class Pred>
    void wait(std::unique_lock<Mutex> &lock, Pred pred) {
      while (!pred()) wait(lock);
    }
    void notify_one();
    void notify_all();
    void trace_name(const char *name) { sim_detail::name_object(tag_, name); }

   private:
    void refresh() noexcept;  // forgets waiters of an abandoned run
    uint32_t epoch_ = 0;
    uint64_t next_ticket_ = 0;
    uint64_t wake_upto_ = 0;  // tickets below this are woken
    uint64_t tag_ = 0;
  };

  // A sim thread. Constructed with a callable (spawns it); join() parks until it ends.
  class Thread {
   public:
    Thread() noexcept = default;
    template <class F>
      requires(!std::is_same_v<std::remove_cvref_t<F>, Thread>)
    explicit Thread(F &&f) : id_(sim_detail::spawn(new std::function<void()>(std::forward<F>(f)))) {}
    Thread(Thread &&other) noexcept : id_(std::exchange(other.id_, kNone)) {}
    Thread &operator=(Thread &&other) noexcept {
      id_ = std::exchange(other.id_, kNone);
      return *this;
    }
    ~Thread() = default;  // an unjoined sim thread runs on; the run does not end before it does
    bool joinable() const noexcept { return id_ != kNone; }
    void join() {
      sim_detail::join(id_);
      id_ = kNone;
    }
    uint32_t id() const noexcept { return id_; }

   private:
    static constexpr uint32_t kNone = UINT32_MAX;
    uint32_t id_ = kNone;
  };

  class EventNotifier {
   public:
    static constexpr int kFakeFdBase = 1 << 20;  // above any real descriptor (RLIMIT_NOFILE)
    EventNotifier();
    ~EventNotifier();
    EventNotifier(const EventNotifier &) = delete;
    EventNotifier &operator=(const EventNotifier &) = delete;
    void set() noexcept;
    bool test_and_clear() noexcept;
    int fd() const noexcept { return fd_; }
    bool raised() const noexcept { return raised_; }

   private:
    friend struct Sim;
    int fd_;
    bool raised_ = false;
    uint64_t tag_ = 0;
  };

  // Parks until one of the descriptors in fds is ready (a raised EventNotifier; a pipe's read end with data or
  // whose write end is closed; a pipe's write end) or the virtual clock has advanced by timeout_ns (-1: no limit;
  // 0: just look). Other descriptors are never ready.
  static int poll(struct pollfd *fds, std::size_t count, int64_t timeout_ns);

  // Simulated pipes: in memory, unbounded, never blocking (as a non-blocking pipe: read of an empty pipe is -1
  // with errno EAGAIN while the write end is open, 0 after; write after the read end closed is -1, EPIPE). Each
  // operation is a scheduling point. Descriptors: read end kFakePipeBase + 2i, write end + 1. A pipe made in a
  // run that is abandoned is forgotten with the run.
  static constexpr int kFakePipeBase = (1 << 20) + (1 << 19);
  static int pipe(int fds[2]);
  static long read(int fd, void *buf, std::size_t n);
  static long write(int fd, const void *buf, std::size_t n);
  static int close(int fd);

  // No adaptive spinning before a blocking poll: spinning on the virtual clock would only add steps.
  static constexpr int64_t poll_spin_max_ns = 0;
  static void relax() noexcept {}  // never called: event loops do not spin in the simulator

  static bool is_main_thread() noexcept { return sim_detail::active() && sim_detail::g_engine->current_thread() == 0; }

  // Per sim thread (outside runs: the host's one table). T: constant-initialisable, trivially destructible.
  template <class T>
  class ThreadLocal {
   public:
    static T &get() noexcept { return *static_cast<T *>(sim_detail::g_storage->slot(index())); }
    // The running sim thread's value if it has made one, else nullptr: never makes it.
    static T *find() noexcept { return static_cast<T *>(sim_detail::g_storage->find(index())); }

   private:
    static std::size_t index() noexcept {
      static const std::size_t i = sim_detail::register_local_slot(
          sizeof(T), alignof(T), [](void *p) { new (p) T{}; }, [](void *p) { static_cast<T *>(p)->~T(); });
      return i;
    }
  };

  static void at_thread_exit(void (*fn)(void *), void *arg);

  static int64_t now_ns(ClockType) noexcept { return sim_detail::g_engine ? sim_detail::g_engine->now_ns() : 0; }

  static void schedule_point(std::source_location where = std::source_location::current()) noexcept {
    if (sim_detail::active())
      sim_detail::g_engine->schedule_point(SimOp::user_point, 0, sim_detail::site_of(where, /*user=*/true));
  }

  // While one lives, the calling code is inside a call of the user's (`name`, from `where`): traces show the call
  // and fold the runtime's steps inside it (SimEngine::enter_call). Does nothing unless the engine traces.
  // With api_point: a coroutine lock or queue operation, which is a scheduling point (SimOp::api_call) under the
  // api granularity, where the runtime's atomics inside it are not.
  class CallScope {
   public:
    CallScope(const char *name, const std::source_location &where, bool api_point = false)
        : on_(sim_detail::tracing()) {
      if (api_point && sim_detail::g_api_granularity && sim_detail::active())
        sim_detail::g_engine->schedule_point(SimOp::api_call, 0, sim_detail::site_of(where, /*user=*/true));
      if (on_) sim_detail::g_engine->enter_call(name, sim_detail::site_of(where, /*user=*/true));
    }
    ~CallScope() {
      if (on_ && sim_detail::active()) sim_detail::g_engine->leave_call();
    }
    CallScope(const CallScope &) = delete;
    CallScope &operator=(const CallScope &) = delete;

   private:
    bool on_;
  };

  // The running code wakes or schedules coroutine `id` (for traces: who woke whom).
  static void note_wake(uint64_t id) noexcept {
    if (sim_detail::tracing()) sim_detail::g_engine->note_wake(id);
  }
  static void name_coroutine(uint64_t id, const char *name) noexcept {
    if (sim_detail::tracing()) sim_detail::g_engine->name_coroutine(id, name);
  }

  // Outside a run: 0, the natural order.
  static uint64_t choose(uint64_t n) { return sim_detail::active() && n > 1 ? sim_detail::g_engine->choose(n) : 0; }
};

}  // namespace corosim::platform
