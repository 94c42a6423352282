#pragma once
// Internal: whether yield() and coroutine_enter() take the stub fast path of fcontext_x86_64.S, and its entry
// points. The portable path (switch_to and jump_fcontext) is always there and is what sanitizer builds use.

#include <cstddef>

#include <boost/version.hpp>

#include "../coroutine_impl.hpp"

// BOOST_VERSION: the stubs share jump_fcontext's frame layout, which is Boost's private business; 1.81 is the
// version they were checked against (Debian 12). Another version falls back to the portable path.
#if defined(__x86_64__) && defined(__ELF__) && !defined(COROSIM_ASAN) && !defined(COROSIM_TSAN) && \
    !defined(__CET__) && BOOST_VERSION == 108100
#define COROSIM_FCONTEXT_STUBS 1
#else
#define COROSIM_FCONTEXT_STUBS 0
#endif

#if COROSIM_FCONTEXT_STUBS
extern "C" {
void corosim_fctx_yield(void *to_context, void *data);
void corosim_fctx_enter(void *to_context, void *data, corosim::Coroutine *to);
// Called by corosim_fctx_enter when the entered coroutine terminated or woke others: the rest of the enter loop.
void corosim_fctx_enter_finish(corosim::Coroutine *to, uintptr_t action);
}

namespace corosim::detail {
static_assert(offsetof(Coroutine, fctx) == 8, "COROUTINE_FCTX in fcontext_x86_64.S");
static_assert(offsetof(Coroutine, wakeup_head) == 16, "COROUTINE_WAKEUP_HEAD in fcontext_x86_64.S");
static_assert(static_cast<uintptr_t>(Action::yield) == 2, "fcontext_x86_64.S tests for action 2");
}  // namespace corosim::detail
#endif
