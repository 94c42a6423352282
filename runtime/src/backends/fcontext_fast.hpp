#pragma once
// Internal: whether yield() and coroutine_enter() take the stub fast path of fcontext_x86_64.S, and its entry
// points. The portable path (switch_to and jump_fcontext) is always there and is what sanitizer builds use.

#include <cstddef>

#include <boost/context/detail/fcontext.hpp>
#include <boost/version.hpp>

#include <corosim/platform.hpp>

#include "../sanitizers.hpp"

// BOOST_VERSION: the stubs share jump_fcontext's frame layout, which is Boost's private business; 1.81 is the
// version they were checked against (Debian 12). Another version falls back to the portable path.
// Not in the simulator: there every atomic is a scheduling point, and the fast path's checks read the coroutine's
// scheduled mark once more before falling back to the portable path (on misuse), so a run would take another step
// in the builds that have the stubs than in the sanitizer builds that do not, and its trace hash would depend on
// the build type.
#if defined(__x86_64__) && defined(__ELF__) && !defined(COROSIM_ASAN) && !defined(COROSIM_TSAN) && \
    !defined(__CET__) && BOOST_VERSION == 108100 && COROSIM_PLATFORM != COROSIM_PLATFORM_SIM
#define COROSIM_FCONTEXT_STUBS 1
#else
#define COROSIM_FCONTEXT_STUBS 0
#endif

#if COROSIM_FCONTEXT_STUBS
namespace corosim {
class Coroutine;
}
extern "C" {
// jump_fcontext's contract, without its MXCSR thrash (see fcontext_x86_64.S).
boost::context::detail::transfer_t corosim_fctx_jump(void *to_context, void *data);
// Switches to to_context; when resumed, saves the resumer's context in the resumer and returns.
void corosim_fctx_switch(void *to_context, void *data);
// Enters `to`; returns when it has yielded (or terminated) and its wake-ups have run.
void corosim_fctx_enter(void *to_context, void *data, corosim::Coroutine *to);
// Called by corosim_fctx_enter when the entered coroutine terminated or woke others: the rest of the enter loop.
void corosim_fctx_enter_finish(corosim::Coroutine *to, uintptr_t action);
}

#endif
