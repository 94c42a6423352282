// CoQueue (see co_queue.hpp). Members are linked through Coroutine::queue_next and marked queued == co_queue,
// which is how a coroutine put in two queues at once is caught.

#include <corosim/co_queue.hpp>

#include "coroutine_impl.hpp"

namespace corosim {

using detail::Queue;

void CoQueue::push_back_self() {
  Coroutine *me = detail::self_or_misuse("CoQueue::wait");
  detail::enqueue_check(me, Queue::co_queue);
  me->queue_next = nullptr;
  if (tail_)
    tail_->queue_next = me;
  else
    head_ = me;
  tail_ = me;
}

void CoQueue::suspend() {
  detail::yield_waiting(self(), detail::Wait::co_queue, this);
  // Whoever woke us took us off the queue first (pop), so we are in no queue now.
  if (COROSIM_UNLIKELY(self()->queued == Queue::co_queue))
    detail::misuse("Co-routine %llu resumed while still waiting in a CoQueue",
                   detail::id_of(self()));
}

void CoQueue::wait(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoQueue::wait");
  push_back_self();
  suspend();
}

void CoQueue::wait_insert_head() {
  Coroutine *me = detail::self_or_misuse("CoQueue::wait_insert_head");
  detail::enqueue_check(me, Queue::co_queue);
  me->queue_next = head_;
  head_ = me;
  if (!tail_) tail_ = me;
  suspend();
}

Coroutine *CoQueue::pop() {
  Coroutine *co = head_;
  if (!co) return nullptr;
  head_ = co->queue_next;
  if (!head_) tail_ = nullptr;
  co->queue_next = nullptr;
  co->queued = Queue::none;
  return co;
}

bool CoQueue::next(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoQueue::next");
  Coroutine *co = pop();
  if (!co) return false;
  detail::wake(co);
  return true;
}

void CoQueue::restart_all(COROSIM_SITE_DEF) {
  COROSIM_API_CALL("CoQueue::restart_all");
  // Detach the whole list first: a woken coroutine entered right now (non-coroutine caller) may wait on this
  // queue again, and must then not be woken a second time by this call.
  Coroutine *list = head_;
  head_ = tail_ = nullptr;
  while (list) {
    Coroutine *co = list;
    list = co->queue_next;
    co->queue_next = nullptr;
    co->queued = Queue::none;
    detail::wake(co);
  }
}

bool CoQueue::enter_next() {
  if (COROSIM_UNLIKELY(in_coroutine())) detail::misuse("CoQueue::enter_next called inside a coroutine (use next)");
  return next();
}

void CoQueue::enter_all() {
  if (COROSIM_UNLIKELY(in_coroutine()))
    detail::misuse("CoQueue::enter_all called inside a coroutine (use restart_all)");
  restart_all();
}

}  // namespace corosim
