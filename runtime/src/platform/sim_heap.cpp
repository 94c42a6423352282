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
