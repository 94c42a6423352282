// corosim/qemu/main-loop.h: an AioContext as a GLib source (library corosim::glib, real platform only).
//
// GLib's main loop waits in its own poll, on the context's behalf, with the context's announce-then-check protocol
// (aio/context.cpp): prepare() announces the waiter and hands GLib the descriptors to watch (the notifier first) and
// the time to the next timer; check() withdraws the announcement and says whether anything is ready; dispatch()
// lowers the notifier and runs one non-blocking iteration of the context. A notify() between prepare and check finds
// the waiter announced and raises the notifier, which ends GLib's poll; one after check is seen by dispatch, which
// takes `notified` before it looks at the work. prepare() may be called again without a check() in between (GLib
// skips check() for a source that prepare() found ready, and for lower-priority sources when a higher one is
// ready): `announced` makes sure the context counts this waiter once.

#include <corosim/aio.hpp>
#include <corosim/qemu/main-loop.h>

#include <poll.h>

#include <algorithm>
#include <climits>
#include <new>
#include <vector>

#include "../aio/aio_impl.hpp"

namespace {

struct AioSource {
  GSource base;  // first: GLib hands us the GSource
  corosim::AioContext *ctx;
  bool announced;
  corosim::PollScratch scratch;  // what begin_foreign_wait found to wait for
  std::vector<pollfd> watched;   // the descriptors GLib watches for us (tags[i] is watched[i]'s)
  std::vector<gpointer> tags;
};

AioSource *as_aio(GSource *source) { return reinterpret_cast<AioSource *>(source); }

void withdraw(AioSource *src) {
  if (!src->announced) return;
  corosim::end_foreign_wait(*src->ctx->impl());
  src->announced = false;
}

// Has GLib watch `fds` (the notifier, then the handlers' descriptors). Only when they differ from what it watches
// already: adding or removing a descriptor wakes GLib's poll, so doing it on every prepare would never let GLib
// sleep.
void watch_fds(AioSource *src, const std::vector<pollfd> &fds) {
  const bool same = fds.size() == src->watched.size() &&
                    std::equal(fds.begin(), fds.end(), src->watched.begin(), [](const pollfd &a, const pollfd &b) {
                      return a.fd == b.fd && a.events == b.events;
                    });
  if (same) return;
  for (gpointer tag : src->tags) g_source_remove_unix_fd(&src->base, tag);
  src->tags.clear();
  for (const pollfd &fd : fds) {
    const int events = ((fd.events & POLLIN) ? G_IO_IN : 0) | ((fd.events & POLLOUT) ? G_IO_OUT : 0);
    src->tags.push_back(g_source_add_unix_fd(&src->base, fd.fd, static_cast<GIOCondition>(events)));
  }
  src->watched = fds;
}

gboolean aio_source_prepare(GSource *source, gint *timeout_ms) {
  AioSource *src = as_aio(source);
  corosim::AioContext::Impl &impl = *src->ctx->impl();
  withdraw(src);
  const int64_t timeout_ns = corosim::begin_foreign_wait(impl, src->scratch);
  src->announced = true;
  watch_fds(src, src->scratch.fds);
  if (timeout_ns == 0) {
    withdraw(src);  // ready now: GLib will not call check()
    *timeout_ms = 0;
    return TRUE;
  }
  // Rounded up: waking before the timer is due would only make GLib spin until it is.
  *timeout_ms = timeout_ns < 0 ? -1 : static_cast<gint>(std::min<int64_t>((timeout_ns + 999'999) / 1'000'000, INT_MAX));
  return FALSE;
}

gboolean aio_source_check(GSource *source) {
  AioSource *src = as_aio(source);
  corosim::AioContext::Impl &impl = *src->ctx->impl();
  withdraw(src);
  if (impl.notified.load()) return TRUE;
  for (gpointer tag : src->tags)
    if (g_source_query_unix_fd(source, tag) != 0) return TRUE;
  return corosim::next_timer_delay_ns(impl) == 0;
}

gboolean aio_source_dispatch(GSource *source, GSourceFunc, gpointer) {
  AioSource *src = as_aio(source);
  withdraw(src);
  // Lowered before the iteration takes `notified`: a notify() from now on raises it again or is seen there.
  src->ctx->impl()->notifier.test_and_clear();
  src->ctx->poll(false);
  return G_SOURCE_CONTINUE;
}

void aio_source_finalize(GSource *source) {
  AioSource *src = as_aio(source);
  withdraw(src);
  using Scratch = corosim::PollScratch;
  using Fds = std::vector<pollfd>;
  using Tags = std::vector<gpointer>;
  src->scratch.~Scratch();
  src->watched.~Fds();
  src->tags.~Tags();
  src->ctx->unref();
}

GSourceFuncs g_aio_source_funcs = {aio_source_prepare, aio_source_check, aio_source_dispatch, aio_source_finalize,
                                   nullptr, nullptr};

}  // namespace

extern "C" {

GSource *aio_get_g_source(AioContext *ctx) {
  GSource *source = g_source_new(&g_aio_source_funcs, sizeof(AioSource));
  AioSource *src = as_aio(source);
  src->ctx = reinterpret_cast<corosim::AioContext *>(ctx);
  src->announced = false;
  ::new (&src->scratch) corosim::PollScratch;
  ::new (&src->watched) std::vector<pollfd>;
  ::new (&src->tags) std::vector<gpointer>;
  src->ctx->ref();
  g_source_set_name(source, "corosim AioContext");
  return source;
}

int qemu_init_main_loop(Error **errp) {
  if (errp) *errp = nullptr;
  static const bool attached = [] {
    GSource *source = aio_get_g_source(qemu_get_aio_context());
    g_source_attach(source, nullptr);
    g_source_unref(source);  // the default main context keeps it
    return true;
  }();
  static_cast<void>(attached);
  return 0;
}

}  // extern "C"
