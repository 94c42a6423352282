// The fcontext backend: Boost.Context's make_fcontext/jump_fcontext. The portable switch is inline in
// coroutine_impl.hpp (switch_to), the fast one in fcontext_x86_64.S; this file prepares a new coroutine's first
// landing and runs its entries.

#include "../coroutine_impl.hpp"

namespace corosim::detail {
namespace {

namespace ctx = boost::context::detail;

// Runs on the coroutine's stack. The loop lets a pooled coroutine run many entries without a new make_fcontext:
// termination jumps to the caller, and the next coroutine_enter of the recycled object resumes right here.
[[noreturn]] void trampoline(ctx::transfer_t t) {
  fcontext_landed(t, nullptr);
  // The enterer made us current before jumping. This stack belongs to this coroutine object for good, so
  // `self` holds for every entry the pool recycles it for.
  Coroutine *const self = this_thread_after_switch().current;
  for (;;) {
    run_entry(self);
    // Terminate: back to the caller, which sets current itself (enter_loop), so no thread-local lookup is
    // needed here; the coroutine may by now run on another thread than the one it started on.
#if COROSIM_FCONTEXT_STUBS
    corosim_fctx_switch(self->caller->fctx, tag(self, Action::terminate));
#else
    switch_to(this_thread_after_switch(), self, self->caller, Action::terminate);  // (announces it to sanitizers)
#endif
  }
}

}  // namespace

void fcontext_init(Coroutine *co) {
  void *top = static_cast<char *>(co->stack.lo) + co->stack.size;
  co->fctx = ctx::make_fcontext(top, co->stack.size, trampoline);
}

}  // namespace corosim::detail
