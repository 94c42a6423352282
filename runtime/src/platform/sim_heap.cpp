// The run heap (platform/sim_engine.hpp): the sim build's global operator new/delete, which can record the blocks
// a simulated run allocates so that an abandoned run is freed as a whole.
//
// Blocks are plain malloc / aligned_alloc blocks, so that memory from another allocator that also ends in
// malloc/free (Relacy's operator new in the comparison benchmark, a C library) can be freed here and the other
// way round. The run's blocks are remembered in a set of addresses (open addressing, linear probing, tombstones)
// while recording is on. Recording is per OS thread (t_recording): the simulation runs on one OS thread (the one
// that ever turned recording on: t_simulating), blocks other threads allocate are never recorded, and only that
// thread touches the set, so it needs no lock. A delete on another thread does not look at the set; a block of a
// run must therefore not be freed by another OS thread (simulated code runs on the simulating thread only).
//
// The set's order is never observed except to free or forget everything in it: no decision depends on addresses.

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include <corosim/platform.hpp>

namespace corosim::platform {
namespace {

class BlockSet {
 public:
  void insert(void *p) noexcept {
    if ((used_ + 1) * 2 > capacity_) grow();
    std::size_t i = slot_of(p);
    while (slots_[i] != nullptr && slots_[i] != tombstone()) i = (i + 1) & (capacity_ - 1);
    if (slots_[i] == nullptr) ++used_;
    slots_[i] = p;
    ++count_;
  }
  // True if p was in the set (and is no longer).
  bool erase(void *p) noexcept {
    if (count_ == 0) return false;
    for (std::size_t i = slot_of(p);; i = (i + 1) & (capacity_ - 1)) {
      if (slots_[i] == nullptr) return false;
      if (slots_[i] == p) {
        slots_[i] = tombstone();
        --count_;
        return true;
      }
    }
  }
  template <class F>
  std::size_t drain(F &&each) noexcept {
    std::size_t n = count_;
    for (std::size_t i = 0; i < capacity_; ++i)
      if (slots_[i] != nullptr && slots_[i] != tombstone()) each(slots_[i]);
    if (capacity_) std::memset(slots_, 0, capacity_ * sizeof(void *));
    used_ = count_ = 0;
    return n;
  }

 private:
  static void *tombstone() noexcept { return reinterpret_cast<void *>(uintptr_t{1}); }
  std::size_t slot_of(void *p) const noexcept {
    return static_cast<std::size_t>((reinterpret_cast<uintptr_t>(p) >> 4) * 0x9e3779b97f4a7c15ull >> 20) &
           (capacity_ - 1);
  }
  void grow() noexcept {
    void **old = slots_;
    const std::size_t old_capacity = capacity_;
    capacity_ = count_ * 4 > 64 ? std::size_t{1} << (64 - __builtin_clzll(count_ * 4)) : 64;
    slots_ = static_cast<void **>(std::calloc(capacity_, sizeof(void *)));  // not operator new: we are it
    if (!slots_) std::abort();
    used_ = count_ = 0;
    for (std::size_t i = 0; i < old_capacity; ++i)
      if (old[i] != nullptr && old[i] != tombstone()) insert(old[i]);
    std::free(old);
  }

  void **slots_ = nullptr;
  std::size_t capacity_ = 0;  // a power of two, or 0
  std::size_t used_ = 0;      // slots not null (blocks and tombstones)
  std::size_t count_ = 0;     // blocks
};

BlockSet g_run;  // constant-initialised: usable by allocations made during static initialisation
thread_local bool t_recording = false;
thread_local bool t_simulating = false;  // this thread has recorded: the only one that touches g_run

void *allocate(std::size_t size, std::size_t align) noexcept {
  if (size == 0) size = 1;
  void *p;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else {
    if (size > SIZE_MAX - align) return nullptr;
    p = std::aligned_alloc(align, (size + align - 1) / align * align);
  }
  if (p && t_recording) g_run.insert(p);
  return p;
}

void release(void *p) noexcept {
  if (!p) return;
  if (t_simulating) g_run.erase(p);
  std::free(p);
}

void *allocate_or_throw(std::size_t size, std::size_t align) {
  for (;;) {
    if (void *p = allocate(size, align)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void sim_heap_record(bool on) noexcept {
  t_recording = on;
  if (on) t_simulating = true;
}
bool sim_heap_recording() noexcept { return t_recording; }

std::size_t sim_heap_release_run() noexcept {
  return g_run.drain([](void *p) { std::free(p); });
}

std::size_t sim_heap_adopt_run() noexcept {
  return g_run.drain([](void *) {});
}

}  // namespace corosim::platform

// --- function-local statics ---
//
// A static first initialised inside a run must not be built from the run's heap: if the run were abandoned, the
// static would be left pointing to freed memory. The C++ ABI brackets every such initialisation with
// __cxa_guard_acquire (returning 1 when the caller is to initialise) and __cxa_guard_release / _abort; these
// wrappers turn recording off in between and hand the calls on to the next definition (the C++ runtime's, or a
// sanitizer's interceptor). The pointers to those are looked up without a static of their own (which would
// recurse into the wrappers).

namespace {

using GuardFn = int (*)(std::int64_t *);
using GuardDoneFn = void (*)(std::int64_t *);

template <class F>
F next_definition(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (!f) std::abort();  // the C++ runtime always defines them
  return reinterpret_cast<F>(f);
}

GuardFn g_acquire = nullptr;
GuardDoneFn g_release = nullptr;
GuardDoneFn g_abort = nullptr;

thread_local unsigned t_initialising = 0;  // nested static initialisations under way on this thread
thread_local bool t_recording_before = false;

void end_initialisation() noexcept {
  if (t_initialising > 0 && --t_initialising == 0) corosim::platform::sim_heap_record(t_recording_before);
}

}  // namespace

extern "C" int __cxa_guard_acquire(std::int64_t *guard) {
  if (!g_acquire) g_acquire = next_definition<GuardFn>("__cxa_guard_acquire");
  const int initialise = g_acquire(guard);
  if (initialise) {
    if (t_initialising++ == 0) t_recording_before = corosim::platform::sim_heap_recording();
    corosim::platform::sim_heap_record(false);
  }
  return initialise;
}

extern "C" void __cxa_guard_release(std::int64_t *guard) noexcept {
  if (!g_release) g_release = next_definition<GuardDoneFn>("__cxa_guard_release");
  g_release(guard);
  end_initialisation();
}

extern "C" void __cxa_guard_abort(std::int64_t *guard) noexcept {
  if (!g_abort) g_abort = next_definition<GuardDoneFn>("__cxa_guard_abort");
  g_abort(guard);
  end_initialisation();
}

// --- the replaceable global allocation functions ([new.delete]) ---

using corosim::platform::allocate_or_throw;
using corosim::platform::release;

void *operator new(std::size_t n) { return allocate_or_throw(n, 0); }
void *operator new[](std::size_t n) { return allocate_or_throw(n, 0); }
void *operator new(std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void *operator new[](std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void *operator new(std::size_t n, const std::nothrow_t &) noexcept { return corosim::platform::allocate(n, 0); }
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept { return corosim::platform::allocate(n, 0); }
void *operator new(std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return corosim::platform::allocate(n, static_cast<std::size_t>(a));
}
void *operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return corosim::platform::allocate(n, static_cast<std::size_t>(a));
}

void operator delete(void *p) noexcept { release(p); }
void operator delete[](void *p) noexcept { release(p); }
void operator delete(void *p, std::size_t) noexcept { release(p); }
void operator delete[](void *p, std::size_t) noexcept { release(p); }
void operator delete(void *p, std::align_val_t) noexcept { release(p); }
void operator delete[](void *p, std::align_val_t) noexcept { release(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { release(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { release(p); }
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { release(p); }
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept { release(p); }
