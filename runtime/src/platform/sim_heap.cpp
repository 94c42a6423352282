// The run heap (platform/sim_engine.hpp): the sim build's global operator new/delete, which can record the blocks
// a simulated run allocates so that an abandoned run is freed as a whole.
//
// Every block carries a header in front of the caller's bytes. A recorded block's header is linked into one
// circular list (the sentinel g_run); an unrecorded block's links are null. Recording is per OS thread
// (t_recording): the simulation runs on one OS thread, and blocks that other threads allocate are never recorded.
// Only that thread links and unlinks, so the list needs no lock.
//
//   raw (malloc / aligned_alloc)          user pointer (returned), aligned to max(16, requested alignment)
//   |<------------- offset ------------->|
//   [ padding ... | Header{prev,next,raw} ][ caller's bytes ... ]
//
// Not recorded: malloc/free used directly (the runtime maps coroutine stacks and reaps them itself).

#include <cstdlib>
#include <new>

#include <corosim/platform.hpp>

namespace corosim::platform {
namespace {

struct alignas(16) Header {
  Header *prev;  // null: not recorded
  Header *next;
  void *raw;     // what malloc/aligned_alloc returned
  std::size_t pad;
};
static_assert(sizeof(Header) == 32);

Header g_run{&g_run, &g_run, nullptr, 0};
thread_local bool t_recording = false;

void *allocate(std::size_t size, std::size_t align) noexcept {
  if (align < alignof(Header)) align = alignof(Header);
  const std::size_t offset = align > sizeof(Header) ? align : sizeof(Header);
  if (size > SIZE_MAX - offset - align) return nullptr;
  void *raw = align <= alignof(std::max_align_t)
                  ? std::malloc(size + offset)
                  : std::aligned_alloc(align, (size + offset + align - 1) / align * align);
  if (!raw) return nullptr;
  auto *user = static_cast<char *>(raw) + offset;
  Header *h = reinterpret_cast<Header *>(user) - 1;
  h->raw = raw;
  if (t_recording) {
    h->next = &g_run;
    h->prev = g_run.prev;
    g_run.prev->next = h;
    g_run.prev = h;
  } else {
    h->prev = h->next = nullptr;
  }
  return user;
}

void release(void *p) noexcept {
  if (!p) return;
  Header *h = static_cast<Header *>(p) - 1;
  if (h->prev) {
    h->prev->next = h->next;
    h->next->prev = h->prev;
  }
  std::free(h->raw);
}

void *allocate_or_throw(std::size_t size, std::size_t align) {
  for (;;) {
    if (void *p = allocate(size ? size : 1, align)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void sim_heap_record(bool on) noexcept { t_recording = on; }
bool sim_heap_recording() noexcept { return t_recording; }

std::size_t sim_heap_release_run() noexcept {
  std::size_t n = 0;
  while (g_run.next != &g_run) {
    Header *h = g_run.next;
    g_run.next = h->next;
    std::free(h->raw);
    ++n;
  }
  g_run.prev = &g_run;
  return n;
}

std::size_t sim_heap_adopt_run() noexcept {
  std::size_t n = 0;
  for (Header *h = g_run.next; h != &g_run;) {
    Header *next = h->next;
    h->prev = h->next = nullptr;
    h = next;
    ++n;
  }
  g_run.prev = g_run.next = &g_run;
  return n;
}

}  // namespace corosim::platform

// --- the replaceable global allocation functions ([new.delete]) ---

using corosim::platform::allocate_or_throw;

void *operator new(std::size_t n) { return allocate_or_throw(n, 0); }
void *operator new[](std::size_t n) { return allocate_or_throw(n, 0); }
void *operator new(std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void *operator new[](std::size_t n, std::align_val_t a) { return allocate_or_throw(n, static_cast<std::size_t>(a)); }
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  try {
    return allocate_or_throw(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t n, const std::nothrow_t &t) noexcept { return operator new(n, t); }
void *operator new(std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  try {
    return allocate_or_throw(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t &t) noexcept {
  return operator new(n, a, t);
}

void operator delete(void *p) noexcept { corosim::platform::release(p); }
void operator delete[](void *p) noexcept { corosim::platform::release(p); }
void operator delete(void *p, std::size_t) noexcept { corosim::platform::release(p); }
void operator delete[](void *p, std::size_t) noexcept { corosim::platform::release(p); }
void operator delete(void *p, std::align_val_t) noexcept { corosim::platform::release(p); }
void operator delete[](void *p, std::align_val_t) noexcept { corosim::platform::release(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { corosim::platform::release(p); }
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept { corosim::platform::release(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { corosim::platform::release(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { corosim::platform::release(p); }
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { corosim::platform::release(p); }
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  corosim::platform::release(p);
}
