#pragma once
// A pool of worker threads for blocking calls (QEMU's thread pool): a coroutine hands a function to a worker,
// yields, and resumes in its home context with the result. The coroutine's context keeps running other work
// meanwhile.

#include <optional>
#include <type_traits>
#include <utility>

#include <corosim/coroutine.hpp>

namespace corosim {

namespace detail {
// Runs fn(arg) on a worker; the calling coroutine yields and is woken in its home context when fn returned.
void thread_pool_run(void (*fn)(void *), void *arg);
}  // namespace detail

// coroutine_fn: runs f() on a worker thread and returns its result here, in the caller's context.
template <class F>
auto run_in_thread_pool(F &&f) -> std::invoke_result_t<F &> {
  using R = std::invoke_result_t<F &>;
  struct Call {
    F &f;
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
    static void run(void *self) {
      auto *call = static_cast<Call *>(self);
      if constexpr (std::is_void_v<R>) {
        call->f();
      } else {
        call->result.emplace(call->f());
      }
    }
  } call{f};
  detail::thread_pool_run(&Call::run, &call);
  if constexpr (!std::is_void_v<R>) return std::move(*call.result);
}

// Worker threads currently alive (started on demand, at most 4).
unsigned thread_pool_workers() noexcept;

// Lets the workers finish the queued calls, stops and joins them; a later run_in_thread_pool starts new ones.
// Not from a worker. In the simulator a run ends only when all its threads have: the executor calls this when
// the run's main body returns, if the run started workers.
void thread_pool_shutdown();

}  // namespace corosim
