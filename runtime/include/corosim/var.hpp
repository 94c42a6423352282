#pragma once
// corosim::var<T>: a plain shared variable (not an atomic) whose accesses the simulator checks for data races.
//
//   corosim::var<int> count{0};
//   corosim::Thread a([&] { count = count + 1; }), b([&] { count.store(count.load() + 1); });
//   ...                                      // the simulator fails the run: kind data_race, naming both accesses
//
// Wrap the plain fields your code shares between threads or coroutines (the data a lock protects, the payload a
// flag publishes) and leave the synchronisation itself in corosim::atomic, Mutex, CondVar and the runtime's
// primitives. In the simulator every access is checked against the earlier ones by happens-before: two accesses
// from different sim threads, at least one a write, that no chain of synchronisation orders (thread start and
// join, a Mutex's unlock and the lock that takes it next, the runtime's locks, atomics taken as sequentially
// consistent, aio_co_schedule and aio_co_wake, bottom halves; a CondVar orders nothing by itself, its mutex does)
// fail the run as `data_race` with the thread, coroutine and source line of both.
// Coroutines of one sim thread never race with each other: they take turns on one thread.
//
// Accesses are not scheduling points, so wrapping a field does not multiply the schedules to explore: a race
// shows whichever way the threads happen to be ordered. To let the scheduler also switch threads right before
// each access of one variable, construct it with corosim::var_steps: `corosim::var<int> x{0, corosim::var_steps};`.
//
// Source lines: load(), store() and the assignments `x = v`, `x += v`, `x -= v` know the line they are written on;
// a read through the implicit conversion (`int y = x;`) and ++/-- do not, and the report says so. Assigning one
// var to another takes an explicit read: `x = y.load();`.
//
// In the real build a var<T> is a T and nothing more: the same member functions, inline, no checking.

#include <source_location>
#include <type_traits>

#include <corosim/platform.hpp>

namespace corosim {

// The tag that makes a var's accesses scheduling points (see above).
struct var_steps_t {
  explicit constexpr var_steps_t() = default;
};
inline constexpr var_steps_t var_steps{};

#if COROSIM_PLATFORM == COROSIM_PLATFORM_SIM
template <class T>
class var {
  using Where = std::source_location;

 public:
  // A value to assign and the line that assigns it: `x = v` converts v, and the conversion's default argument is
  // taken where it is written.
  struct sited {
    sited(T v, Where where = Where::current())  // NOLINT: implicit, so that `x = v` reads as it would on a T
        : value(v), site{where.line() ? where.file_name() : nullptr, where.line(), true} {}
    T value;
    platform::SimSite site;
  };

  constexpr var() : value_() {}
  explicit constexpr var(T value) : value_(value) {}
  constexpr var(T value, var_steps_t) : value_(value), steps_(true) {}
  var(const var &) = delete;
  var &operator=(const var &) = delete;

  T load(Where where = Where::current()) const {
    access(false, {where.file_name(), where.line(), true});
    return value_;
  }
  void store(T value, Where where = Where::current()) {
    access(true, {where.file_name(), where.line(), true});
    value_ = value;
  }
  operator T() const {  // NOLINT: as a plain T
    access(false, {});
    return value_;
  }
  var &operator=(sited v) {
    access(true, v.site);
    value_ = v.value;
    return *this;
  }
  var &operator+=(sited v) { return update(v, [](T a, T b) { return static_cast<T>(a + b); }); }
  var &operator-=(sited v) { return update(v, [](T a, T b) { return static_cast<T>(a - b); }); }
  var &operator++() { return *this += sited(T(1), Where{}); }
  var &operator--() { return *this -= sited(T(1), Where{}); }

  // A name for the variable in race reports and traces (as corosim::trace_name; kept even without a trace, for
  // the race report). Call it in the run, before the accesses it should name.
  void trace_name(const char *name) const {
    namespace d = platform::sim_detail;
    if (d::active()) d::g_engine->name_object(d::object_id(tag_), name);
  }

 private:
  template <class Op>
  var &update(const sited &v, Op op) {
    access(false, v.site);
    access(true, v.site);
    value_ = op(value_, v.value);
    return *this;
  }
  void access(bool write, const platform::SimSite &site) const {
    namespace d = platform::sim_detail;
    if (!d::active()) return;  // outside a run (set-up, checks after it): nothing to race with
    if (steps_) d::point(write ? platform::SimOp::var_write : platform::SimOp::var_read, tag_, site);
    d::g_engine->var_access(d::object_id(tag_), write, site);
  }

  T value_;
  mutable uint64_t tag_ = 0;  // the run's object id (sim_detail::object_id)
  bool steps_ = false;
};

template <class T>
void trace_name(const var<T> &object, const char *name) {
  object.trace_name(name);
}
#else
template <class T>
class var {
 public:
  constexpr var() : value_() {}
  explicit constexpr var(T value) : value_(value) {}
  constexpr var(T value, var_steps_t) : value_(value) {}
  var(const var &) = delete;
  var &operator=(const var &) = delete;

  T load() const { return value_; }
  void store(T value) { value_ = value; }
  operator T() const { return value_; }  // NOLINT: as a plain T
  var &operator=(T value) {
    value_ = value;
    return *this;
  }
  var &operator+=(T v) {
    value_ = static_cast<T>(value_ + v);
    return *this;
  }
  var &operator-=(T v) {
    value_ = static_cast<T>(value_ - v);
    return *this;
  }
  var &operator++() { return *this += T(1); }
  var &operator--() { return *this -= T(1); }

 private:
  T value_;
};
static_assert(sizeof(var<long>) == sizeof(long), "the real build's var<T> is a plain T");
#endif

}  // namespace corosim
