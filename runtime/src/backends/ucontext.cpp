// The ucontext backend, QEMU's way (util/coroutine-ucontext.c): makecontext/swapcontext only to start the
// coroutine's stack once, at creation; every later switch is sigsetjmp/siglongjmp without saving the signal mask
// (savemask 0), so no switch makes a system call.

// glibc's fortified longjmp refuses to jump to another stack.
#ifdef _FORTIFY_SOURCE
#undef _FORTIFY_SOURCE
#endif

#include <ucontext.h>

#include "../coroutine_impl.hpp"

namespace corosim::detail {
namespace {

// makecontext passes int arguments only: the coroutine pointer travels as two halves.
union PointerArgs {
  Coroutine *co;
  int half[2];
};
static_assert(sizeof(PointerArgs) == sizeof(int[2]));

[[noreturn]] void trampoline(int half0, int half1) {
  PointerArgs args;
  args.half[0] = half0;
  args.half[1] = half1;
  Coroutine *self = args.co;
#ifdef COROSIM_ASAN
  void *fake_save = nullptr;
  const void *creator_bottom;
  std::size_t creator_size;
  __sanitizer_finish_switch_fiber(nullptr, &creator_bottom, &creator_size);
#endif
  // Save where this coroutine starts, then go straight back to the creator.
  if (sigsetjmp(self->env, 0) == 0) {
#ifdef COROSIM_ASAN
    __sanitizer_start_switch_fiber(&fake_save, creator_bottom, creator_size);
#endif
#ifdef COROSIM_TSAN
    __tsan_switch_to_fiber(self->boot_tsan_fiber, 0);
#endif
    siglongjmp(*self->boot_env, 1);
  }
  // First real entry: we came from ucontext_switch.
#ifdef COROSIM_ASAN
  __sanitizer_finish_switch_fiber(fake_save, &self->caller->asan_stack_bottom, &self->caller->asan_stack_size);
#endif
  for (;;) {
    run_entry(self);
    switch_to(this_thread_after_switch(), self, self->caller, Action::terminate);
  }
}

}  // namespace

void ucontext_init(Coroutine *co) {
  ucontext_t boot_uc, old_uc;
  sigjmp_buf boot_env;
  if (getcontext(&boot_uc) != 0) misuse("getcontext failed");
  boot_uc.uc_link = nullptr;
  boot_uc.uc_stack.ss_sp = co->stack.lo;
  boot_uc.uc_stack.ss_size = co->stack.size;
  boot_uc.uc_stack.ss_flags = 0;
  PointerArgs args;
  args.co = co;
  makecontext(&boot_uc, reinterpret_cast<void (*)()>(trampoline), 2, args.half[0], args.half[1]);
  co->boot_env = &boot_env;
  if (sigsetjmp(boot_env, 0) == 0) {
#ifdef COROSIM_ASAN
    __sanitizer_start_switch_fiber(&co->asan_boot_fake_stack, co->stack.lo, co->stack.size);
#endif
#ifdef COROSIM_TSAN
    co->boot_tsan_fiber = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
    swapcontext(&old_uc, &boot_uc);
    // not reached: the trampoline longjmps to boot_env
  }
#ifdef COROSIM_ASAN
  __sanitizer_finish_switch_fiber(co->asan_boot_fake_stack, nullptr, nullptr);
#endif
  co->boot_env = nullptr;
}

Action ucontext_switch(Coroutine *from, Coroutine *to, Action action) {
  [[maybe_unused]] void *fake_save = nullptr;
  int ret = sigsetjmp(from->env, 0);
  if (ret == 0) {
#ifdef COROSIM_ASAN
    this_thread().asan_jumper = from;
    asan_start(action == Action::terminate ? nullptr : &fake_save, to);
#endif
#ifdef COROSIM_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    siglongjmp(to->env, static_cast<int>(action));
  }
#ifdef COROSIM_ASAN
  // Record the jumper's stack bounds: a thread's own stack (its leader) is learned this way, also on threads
  // that only ever resume coroutines started elsewhere. (We may be on another thread than when we suspended.)
  asan_finish(fake_save, this_thread_after_switch().asan_jumper);
#endif
  return static_cast<Action>(ret);
}

}  // namespace corosim::detail
