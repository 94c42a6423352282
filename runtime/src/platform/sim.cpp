// The sim platform's out-of-line parts (platform/sim.hpp): the engine pointer, run epochs and object ids,
// per-sim-thread storage, blocking primitives, the notifier registry and poll. Sim build only.

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <corosim/platform.hpp>
#include <corosim/platform/sim_runtime.hpp>

#include "../coroutine_impl.hpp"

namespace corosim::platform {

namespace sim_detail {
SimEngine *g_engine = nullptr;
bool g_tracing = false;
bool g_race_tracking = false;
bool g_api_granularity = false;
uint32_t g_epoch = 1;  // 1: outside any run (begin_epoch moves on from 2)
uint64_t g_next_object = 0;

namespace {
SimThreadStorage g_host_storage;

struct ThreadLocalType {
  std::size_t size;
  std::size_t align;
  void (*construct)(void *);  // a value as new, in place
  void (*destroy)(void *);    // its destructor, leaving the memory
};
// Never destroyed: the host's storage (a static) is destroyed at exit and needs it then.
std::vector<ThreadLocalType> &tls_types() {
  static auto *types = new std::vector<ThreadLocalType>;
  return *types;
}

// EventNotifier descriptors: fd - kFakeFdBase indexes this table (the lowest free slot is reused). Each entry
// remembers the run epoch it was made in, so that an abandoned run's notifiers (freed with the run's heap) are
// forgotten (sim_forget_run_notifiers).
struct NotifierEntry {
  Sim::EventNotifier *notifier;
  uint32_t epoch;
};
std::vector<NotifierEntry> &notifiers() {
  static auto *table = new std::vector<NotifierEntry>;  // never destroyed: notifiers may outlive statics
  return *table;
}

// Simulated pipes: (fd - kFakePipeBase) / 2 indexes this table; a slot is free again once both ends are closed.
struct SimPipe {
  std::string bytes;  // written, not yet read
  bool read_open = true;
  bool write_open = true;
  uint32_t epoch;
  uint64_t tag = 0;
};
std::vector<SimPipe *> &pipes() {
  static auto *table = new std::vector<SimPipe *>;  // never destroyed, like the notifier table
  return *table;
}
// The pipe of descriptor fd and which end it is, or nullptr.
SimPipe *pipe_of(int fd, bool *read_end) {
  if (fd < Sim::kFakePipeBase) return nullptr;
  auto i = static_cast<std::size_t>(fd - Sim::kFakePipeBase);
  if (i / 2 >= pipes().size()) return nullptr;
  SimPipe *p = pipes()[i / 2];
  *read_end = i % 2 == 0;
  if (!p || (*read_end ? !p->read_open : !p->write_open)) return nullptr;
  return p;
}

void route_misuse(const char *message) {
  if (active()) g_engine->misuse(message);  // does not return
}
}  // namespace

SimThreadStorage *g_storage = &g_host_storage;

void park(bool (*ready)(void *), void *arg, int64_t deadline_ns, SimOp op, uint64_t &tag, const SimHolder *holder) {
  if (!active()) detail::misuse("the simulator's %s would block outside a simulated run", sim_op_name(op));
  g_engine->park(ready, arg, deadline_ns, op, object_id(tag), holder);
}

void begin_epoch() noexcept {
  ++g_epoch;
  if (g_epoch < 2) g_epoch = 2;  // wrapped: 0 and 1 are never a run's
  g_next_object = 0;
}

std::size_t register_local_slot(std::size_t size, std::size_t align, void (*construct)(void *),
                                void (*destroy)(void *)) {
  SimHostHeap host;  // the table outlives the run that first uses a ThreadLocal type
  tls_types().push_back({size, align, construct, destroy});
  return tls_types().size() - 1;
}

uint32_t spawn(std::function<void()> *body) {
  if (!active()) {
    delete body;
    detail::misuse("a thread was started outside a simulated run");
  }
  // No scheduling point: no other thread can tell when a thread was created, only what it does, and its first
  // step (thread_start) is one. A point here would only double the ways to order the same events.
  return g_engine->spawn(
      [](void *p) {
        auto *fn = static_cast<std::function<void()> *>(p);
        (*fn)();
        delete fn;
      },
      body);
}

void join(uint32_t thread) {
  if (!active()) detail::misuse("a thread was joined outside a simulated run");
  if (thread == UINT32_MAX) detail::misuse("join of a thread that is not joinable");
  g_engine->join(thread);
}
}  // namespace sim_detail

using namespace sim_detail;

const char *sim_op_name(SimOp op) noexcept {
  switch (op) {
    case SimOp::atomic_load: return "atomic load";
    case SimOp::atomic_store: return "atomic store";
    case SimOp::atomic_rmw: return "atomic read-modify-write";
    case SimOp::mutex_lock: return "mutex lock";
    case SimOp::mutex_unlock: return "mutex unlock";
    case SimOp::cv_wait: return "condition wait";
    case SimOp::cv_notify: return "condition notify";
    case SimOp::thread_spawn: return "thread spawn";
    case SimOp::thread_join: return "thread join";
    case SimOp::thread_start: return "thread start";
    case SimOp::notifier_set: return "notifier set";
    case SimOp::notifier_clear: return "notifier clear";
    case SimOp::poll: return "poll";
    case SimOp::user_point: return "schedule point";
    case SimOp::pipe_read: return "pipe read";
    case SimOp::pipe_write: return "pipe write";
    case SimOp::pipe_close: return "pipe close";
    case SimOp::var_read: return "var read";
    case SimOp::var_write: return "var write";
    case SimOp::api_call: return "api call";
  }
  return "?";
}

void set_sim_tracing(bool on) noexcept { sim_detail::g_tracing = on; }
void set_sim_race_tracking(bool on) noexcept { sim_detail::g_race_tracking = on; }
void set_sim_api_granularity(bool on) noexcept { sim_detail::g_api_granularity = on; }

void set_sim_engine(SimEngine *engine) noexcept {
  g_engine = engine;
  detail::set_misuse_handler(engine ? &route_misuse : nullptr);
}
SimEngine *sim_engine() noexcept { return g_engine; }

void set_sim_thread_storage(SimThreadStorage *storage) noexcept { g_storage = storage ? storage : &g_host_storage; }

SimThreadStorage::~SimThreadStorage() {
  clear();
  auto &types = tls_types();
  for (std::size_t i = 0; i < size_; ++i)
    if (slots_[i].memory) ::operator delete(slots_[i].memory, std::align_val_t{types[i].align});
  delete[] slots_;
}

void SimThreadStorage::clear() noexcept {
  auto &types = tls_types();
  for (std::size_t i = 0; i < size_; ++i) {
    if (slots_[i].value) types[i].destroy(slots_[i].value);
    slots_[i].value = nullptr;
  }
}

void *SimThreadStorage::make_slot(std::size_t index) {
  const ThreadLocalType &type = tls_types()[index];
  if (index >= size_ || !slots_[index].memory) {
    // The table and the values' memory are the engine's, kept with a sim thread record it reuses: never the run
    // heap's. (What a value allocates itself is the run's, as anything the run's code allocates.)
    SimHostHeap host;
    if (index >= size_) {
      std::size_t n = std::max(tls_types().size(), index + 1);
      Slot *grown = new Slot[n]();
      std::copy(slots_, slots_ + size_, grown);
      delete[] slots_;
      slots_ = grown;
      size_ = n;
    }
    slots_[index].memory = ::operator new(type.size, std::align_val_t{type.align});
  }
  type.construct(slots_[index].memory);
  slots_[index].value = slots_[index].memory;
  return slots_[index].value;
}

// --- Mutex, CondVar ---

void Sim::Mutex::take() noexcept {
  held_epoch_ = g_epoch;
  acquired(tag_);
  holder_ = {active() ? g_engine->current_thread() : 0, active() ? sim_running_coroutine() : 0};
}

// A lock's step comes only once the mutex is free (gated_point): a thread that finds it taken does not spend a step
// to find that out and park; it waits, and its one step is the one that takes it. Under the api granularity a free
// lock of the runtime's own takes no step at all (internal_point).
void Sim::Mutex::step(bool gated) {
  if (!active()) return;
  if (!user_ && !held() && g_api_granularity) {
    internal_point(SimOp::mutex_lock, tag_);  // no step: the race detection alone hears of it
    return;
  }
  if (gated)
    g_engine->gated_point(SimOp::mutex_lock, object_id(tag_), [](void *m) { return !static_cast<Mutex *>(m)->held(); },
                          this, &holder_);
  else
    g_engine->schedule_point(SimOp::mutex_lock, object_id(tag_), {});
}

void Sim::Mutex::lock() {
  step(/*gated=*/true);
  while (held())
    park([](void *m) { return !static_cast<Mutex *>(m)->held(); }, this, -1, SimOp::mutex_lock, tag_, &holder_);
  take();
}

bool Sim::Mutex::try_lock() {
  step(/*gated=*/false);
  tried_epoch_ = g_epoch;
  if (held()) return false;
  take();
  return true;
}

// No scheduling point before an unlock: a release can be moved earlier without changing any outcome (Lipton's
// reduction: a release is a left mover). Another sim thread observes the moment of an unlock only through lock(),
// which waits for it in every interleaving anyway, or through a failing try_lock(): for a mutex on which try_lock
// was used in this run, the point stays.
void Sim::Mutex::unlock() {
  if (tried_epoch_ == g_epoch) {
    if (user_)
      point(SimOp::mutex_unlock, tag_);
    else
      internal_point(SimOp::mutex_unlock, tag_);
  }
  if (!held()) detail::misuse("unlock of a mutex that is not locked");
  released(tag_);
  held_epoch_ = 0;
}

void Sim::CondVar::refresh() noexcept {
  if (epoch_ != g_epoch) {
    epoch_ = g_epoch;
    next_ticket_ = wake_upto_ = 0;
  }
}

void Sim::CondVar::wait(std::unique_lock<Mutex> &lock) {
  point(SimOp::cv_wait, tag_);
  refresh();
  struct Wait {
    CondVar *cv;
    uint64_t ticket;
  } w{this, next_ticket_++};
  lock.unlock();
  while (wake_upto_ <= w.ticket)
    park([](void *p) { auto *w = static_cast<Wait *>(p); return w->cv->wake_upto_ > w->ticket; }, &w, -1,
         SimOp::cv_wait, tag_);
  lock.lock();
}

void Sim::CondVar::notify_one() {
  point(SimOp::cv_notify, tag_);
  refresh();
  if (wake_upto_ < next_ticket_) ++wake_upto_;
}

void Sim::CondVar::notify_all() {
  point(SimOp::cv_notify, tag_);
  refresh();
  wake_upto_ = next_ticket_;
}

// --- EventNotifier, poll ---

Sim::EventNotifier::EventNotifier() {
  SimHostHeap host;  // the table outlives the run
  auto &table = notifiers();
  std::size_t i = 0;
  while (i < table.size() && table[i].notifier) ++i;
  if (i == table.size()) table.push_back({nullptr, 0});
  table[i] = {this, g_epoch};
  fd_ = kFakeFdBase + static_cast<int>(i);
}

Sim::EventNotifier::~EventNotifier() { notifiers()[static_cast<std::size_t>(fd_ - kFakeFdBase)] = {nullptr, 0}; }

void sim_detail::forget_run_notifiers() noexcept {
  for (NotifierEntry &e : notifiers())
    if (e.notifier && e.epoch == g_epoch) e = {nullptr, 0};
  for (SimPipe *&p : pipes())
    if (p && p->epoch == g_epoch) p = nullptr;  // its memory is the run heap's
}

// --- pipes ---

int Sim::pipe(int fds[2]) {
  auto *p = new SimPipe;  // the run's (or the host's, outside runs)
  p->epoch = g_epoch;
  SimHostHeap host;  // the table outlives the run
  auto &table = pipes();
  std::size_t i = 0;
  while (i < table.size() && table[i]) ++i;
  if (i == table.size()) table.push_back(nullptr);
  table[i] = p;
  fds[0] = kFakePipeBase + static_cast<int>(2 * i);
  fds[1] = fds[0] + 1;
  return 0;
}

long Sim::read(int fd, void *buf, std::size_t n) {
  bool read_end = false;
  SimPipe *p = pipe_of(fd, &read_end);
  if (!p || !read_end) {
    errno = EBADF;
    return -1;
  }
  point(SimOp::pipe_read, p->tag);
  if (p->bytes.empty()) {
    if (!p->write_open) return 0;
    errno = EAGAIN;
    return -1;
  }
  const std::size_t k = n < p->bytes.size() ? n : p->bytes.size();
  std::memcpy(buf, p->bytes.data(), k);
  p->bytes.erase(0, k);
  return static_cast<long>(k);
}

long Sim::write(int fd, const void *buf, std::size_t n) {
  bool read_end = true;
  SimPipe *p = pipe_of(fd, &read_end);
  if (!p || read_end) {
    errno = EBADF;
    return -1;
  }
  point(SimOp::pipe_write, p->tag);
  if (!p->read_open) {
    errno = EPIPE;
    return -1;
  }
  p->bytes.append(static_cast<const char *>(buf), n);
  return static_cast<long>(n);
}

int Sim::close(int fd) {
  bool read_end = false;
  SimPipe *p = pipe_of(fd, &read_end);
  if (!p) {
    errno = EBADF;
    return -1;
  }
  point(SimOp::pipe_close, p->tag);
  (read_end ? p->read_open : p->write_open) = false;
  if (!p->read_open && !p->write_open) {
    pipes()[static_cast<std::size_t>(fd - kFakePipeBase) / 2] = nullptr;
    delete p;
  }
  return 0;
}

void Sim::EventNotifier::set() noexcept {
  point(SimOp::notifier_set, tag_);
  raised_ = true;
}

bool Sim::EventNotifier::test_and_clear() noexcept {
  point(SimOp::notifier_clear, tag_);
  return std::exchange(raised_, false);
}

namespace {
Sim::EventNotifier *notifier_of(int fd) {
  if (fd < Sim::EventNotifier::kFakeFdBase) return nullptr;
  auto i = static_cast<std::size_t>(fd - Sim::EventNotifier::kFakeFdBase);
  return i < notifiers().size() ? notifiers()[i].notifier : nullptr;
}

struct PollWait {
  pollfd *fds;
  std::size_t count;
};

short revents_of(const pollfd &f) {
  if (Sim::EventNotifier *n = notifier_of(f.fd)) return n->raised() && (f.events & POLLIN) ? POLLIN : 0;
  bool read_end = false;
  if (SimPipe *p = pipe_of(f.fd, &read_end)) {
    if (read_end) {
      short r = !p->bytes.empty() && (f.events & POLLIN) ? POLLIN : 0;
      return p->write_open ? r : static_cast<short>(r | POLLHUP);
    }
    return p->read_open ? (f.events & POLLOUT ? POLLOUT : 0) : POLLERR;
  }
  return 0;  // a real descriptor: never ready here
}

int count_ready(pollfd *fds, std::size_t count, bool fill) {
  int ready = 0;
  for (std::size_t i = 0; i < count; ++i) {
    short r = revents_of(fds[i]);
    if (fill) fds[i].revents = r;
    if (r) ++ready;
  }
  return ready;
}
}  // namespace

int Sim::poll(struct pollfd *fds, std::size_t count, int64_t timeout_ns) {
  // The object of a poll step: the first notifier's (a context polls its own notifier first).
  uint64_t no_tag = 0;
  uint64_t &tag = count > 0 && notifier_of(fds[0].fd) ? notifier_of(fds[0].fd)->tag_ : no_tag;
  point(SimOp::poll, tag);
  int ready = count_ready(fds, count, true);
  if (ready > 0 || timeout_ns == 0) return ready;
  if (!active()) detail::misuse("a blocking poll outside a simulated run");
  int64_t deadline = timeout_ns < 0 ? -1 : g_engine->now_ns() + timeout_ns;
  PollWait w{fds, count};
  for (;;) {
    park([](void *p) { auto *w = static_cast<PollWait *>(p); return count_ready(w->fds, w->count, false) > 0; },
         &w, deadline, SimOp::poll, tag);
    ready = count_ready(fds, count, true);
    if (ready > 0 || (deadline >= 0 && g_engine->now_ns() >= deadline)) return ready;
  }
}

void Sim::at_thread_exit(void (*fn)(void *), void *arg) {
  if (active()) g_engine->at_thread_exit(fn, arg);
  // Outside runs (the host): never run; the host's storage lives as long as the process.
}

}  // namespace corosim::platform

// --- the thread backend is not part of the simulator (std::thread): these stand in for backends/thread.cpp ---

namespace corosim::detail {

void thread_init(Coroutine *) { misuse("the thread backend is not available in the simulator"); }
void thread_destroy(Coroutine *) {}
Action thread_switch(ThreadState &, Coroutine *, Coroutine *, Action) {
  misuse("the thread backend is not available in the simulator");
}
void thread_leader_cleanup(Coroutine *) {}

}  // namespace corosim::detail
