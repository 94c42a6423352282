// The fcontext backend: Boost.Context's jump_fcontext. The switch itself is inline in coroutine_impl.hpp
// (switch_to); this file prepares a new coroutine's first landing.

#include "../coroutine_impl.hpp"

namespace corosim::detail {
namespace {

namespace ctx = boost::context::detail;

// Runs on the coroutine's stack. The loop lets a pooled coroutine run many entries without a new make_fcontext:
// termination jumps to the caller, and the next coroutine_enter of the recycled object resumes right here.
[[noreturn]] void trampoline(ctx::transfer_t t) {
  fcontext_landed(t, nullptr);
  for (;;) {
    Coroutine *self = this_thread_after_switch().current;  // switch_to set it before jumping here
    run_entry(self);
    // The coroutine may have been resumed on another thread since it started.
    switch_to(this_thread_after_switch(), self, self->caller, Action::terminate);
  }
}

}  // namespace

void fcontext_init(Coroutine *co) {
  void *top = static_cast<char *>(co->stack.lo) + co->stack.size;
  co->fctx = ctx::make_fcontext(top, co->stack.size, trampoline);
}

}  // namespace corosim::detail
