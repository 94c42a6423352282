// The QEMU-compatible C headers in a C++ translation unit together with the C++ headers: the C functions are
// global (extern "C"), the C++ ones of the same names live in namespace corosim, and the C types (::AioContext,
// ::Coroutine, ...) are distinct from corosim's. Both sets must compile side by side and reach the same runtime.

#include <gtest/gtest.h>

#include <atomic>

#include <corosim/aio.hpp>
#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/qemu/aio.h>
#include <corosim/qemu/coroutine.h>
#include <corosim/qemu/timer.h>

namespace {

std::atomic<int> g_runs{0};
void count(void *) { g_runs.fetch_add(1); }

struct CState {
  AioContext *seen = nullptr;
  bool done = false;
};

void coroutine_fn c_entry(void *opaque) {
  auto *s = static_cast<CState *>(opaque);
  s->seen = qemu_get_current_aio_context();
  co_sleep_ns(rt_clock, 1000);
  s->done = true;
}

}  // namespace

TEST(QemuHeadersInCxx, CAndCxxDeclarationsOfTheSameNamesCoexist) {
  // The C types are the C++ ones under other names: the main context is one object.
  ::AioContext *c_main = ::qemu_get_aio_context();
  corosim::AioContext *cpp_main = corosim::main_context();
  EXPECT_EQ(static_cast<void *>(c_main), static_cast<void *>(cpp_main));
  EXPECT_EQ(static_cast<void *>(::qemu_get_current_aio_context()), static_cast<void *>(corosim::current_context()));

  // Same unqualified names, both spellings: qualified, and unqualified (overload resolution by argument type,
  // the C++ overload found by argument-dependent lookup).
  ::IOThread *io = ::iothread_new();
  corosim::IOThread cpp_io;
  ::Coroutine *c_co = ::qemu_coroutine_create(c_entry);
  CState c_state;
  ::qemu_coroutine_enter(c_co, &c_state);  // runs until its sleep
  EXPECT_EQ(c_state.seen, c_main);
  EXPECT_FALSE(c_state.done);

  std::atomic<bool> done{false};
  corosim::AioContext *cpp_seen = nullptr;
  corosim::Coroutine *cpp_co = corosim::coroutine_create([&] {
    corosim::yield();
    cpp_seen = corosim::current_context();
    corosim::bh_schedule_oneshot(corosim::main_context(), [](void *d) { static_cast<std::atomic<bool> *>(d)->store(true); },
                                 &done);
  });
  corosim::coroutine_enter(cpp_co);
  aio_co_schedule(cpp_io.context(), cpp_co);  // unqualified, C++ arguments: corosim::aio_co_schedule
  while (!done.load()) corosim::main_context()->poll(true);
  EXPECT_EQ(cpp_seen, cpp_io.context());

  while (!c_state.done) aio_poll(c_main, true);  // unqualified, C argument: ::aio_poll
  aio_bh_schedule_oneshot(::iothread_get_aio_context(io), count, nullptr);  // unqualified, C arguments
  corosim::bh_schedule_oneshot(cpp_io.context(), count, nullptr);
  ::iothread_join(io);
  cpp_io.join();
  EXPECT_EQ(g_runs.load(), 2);
}
