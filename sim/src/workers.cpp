// Worker processes: the back-end of sim::explore with jobs > 0 (explore.hpp, "Worker processes").
//
// Work split: the exploration asked for (itself possibly one shard I/M of a larger run) is split again by index:
// worker j explores shard I + j*M of M*N, i.e. every N-th of this process's executions. Seeds stay
// execution_seed(first_seed, i), so no worker waits for another, and no execution runs twice.
//
// Protocol: each worker publishes, in a shared mapping, the index it is running and how many executions it
// finished; when it ends it writes one JSON message to its pipe ({"executions", "exhausted", "out_of_time",
// "failure": the failure in failure.hpp's JSON form, or null} or {"error": "..."}) and exits 0. A worker that dies
// otherwise (a signal, an exit without a message) crashed while running the execution it had published.
//
// Why there is no race on the shared words: each Slot is written by its worker only and read by the explorer, and
// stop_after only ever decreases (a compare-and-swap minimum, by a worker that failed or by the explorer on a crash).
// A stale read is harmless either way: a worker that reads an old, larger stop_after runs one execution that does
// not matter (its index is above the final minimum, and it is not reported); an explorer that reads an old running
// index either kills a worker one execution late or not at all, and the worker then stops itself before its next
// execution. The atomics are lock-free (asserted), so they work across processes in a MAP_SHARED mapping.

#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <corosim/sim/random.hpp>

#include "hooks.hpp"
#include "explore_impl.hpp"

namespace corosim::sim::detail {

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

struct Slot {
  std::atomic<std::uint64_t> running{kNone};  // the index the worker is running; kNone: none (yet, or any more)
  std::atomic<std::uint64_t> finished{0};     // executions the worker has finished
  StepBeacon beacon;                          // the worker's executor's last step (hooks.hpp)
};

// The shared mapping: this header, then one Slot per worker.
struct Shared {
  std::atomic<std::uint64_t> stop_after{kNone};  // no worker starts an index above it; only decreases
  std::atomic<std::uint64_t> failures{0};        // failing executions found so far (for progress)
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared-memory atomics must be lock-free");
static_assert(sizeof(Shared) % alignof(Slot) == 0);

std::size_t shared_bytes(unsigned jobs) { return sizeof(Shared) + sizeof(Slot) * jobs; }
Slot *slots_of(Shared *shared) { return reinterpret_cast<Slot *>(reinterpret_cast<char *>(shared) + sizeof(Shared)); }

void lower_to(std::atomic<std::uint64_t> &word, std::uint64_t value) {
  std::uint64_t seen = word.load();
  while (value < seen && !word.compare_exchange_weak(seen, value)) {
  }
}

// Worker job's share of the exploration (the file's header).
ExploreOptions worker_options(const ExploreOptions &options, unsigned job) {
  ExploreOptions mine = options;
  mine.shard_index += static_cast<std::uint64_t>(job) * options.shard_count;
  mine.shard_count *= options.jobs;
  mine.jobs = 0;
  mine.progress = nullptr;
  mine.on_fatal = nullptr;
  mine.stop_on_signals = false;  // the explorer watches the time and reports a worker's death (explore_in_process)
  return mine;
}

// The message a worker sends when its exploration ends.
std::string worker_message(const std::function<void()> &body, ExploreOptions options, Shared *shared, Slot &slot) {
  std::uint64_t started = 0;
  options.before_execution = [&](std::uint64_t index) {
    slot.finished.store(started);  // every execution started before this one has finished
    if (index > shared->stop_after.load()) {
      slot.running.store(kNone);
      return false;
    }
    slot.running.store(index);
    ++started;
    return true;
  };
  try {
    const ExploreResult e = explore_in_process(body, options, /*guarded=*/false);
    if (e.failure) {
      lower_to(shared->stop_after, *e.failure->execution);
      shared->failures.fetch_add(1);
    }
    slot.finished.store(e.executions);
    slot.running.store(kNone);
    return Json{{"executions", e.executions},
                {"exhausted", e.exhausted},
                {"out_of_time", e.out_of_time},
                {"failure", e.failure ? Json::parse(to_json(*e.failure)) : Json(nullptr)}}
        .dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception &ex) {
    return Json{{"error", std::string("exception from the explored code: ") + ex.what()}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
  } catch (...) {
    return Json{{"error", "unknown exception from the explored code"}}.dump();
  }
}

// The body of a worker process: explores its share, writes its message to `fd`, and leaves without returning (no
// static destructors or atexit handlers of the explorer's image run twice).
[[noreturn]] void worker_main(const std::function<void()> &body, const ExploreOptions &options, unsigned job,
                              Shared *shared, int fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the explorer killed: its workers go with it
  signal(SIGINT, SIG_DFL);            // not the explorer's handlers (fork inherits them): Ctrl-C ends a worker
  signal(SIGTERM, SIG_DFL);
  set_step_beacon(&slots_of(shared)[job].beacon);
  const std::string message = worker_message(body, worker_options(options, job), shared, slots_of(shared)[job]);
  write_all(fd, message);
  ::close(fd);
  ::_exit(0);
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;            // read end of its pipe; -1 once at EOF
  std::string message;    // what it wrote
  bool killed = false;    // by the explorer: its result cannot matter
  bool overran = false;   // killed by the explorer: its execution ran past the timeout (that is its failure)
  bool bloated = false;   // killed by the explorer: past the memory limit (that is its failure)
  bool done = false;      // reaped
  std::uint64_t watched = kNone;  // the execution it was last seen running, and since when (wall seconds)
  double since = 0;
};

// The explorer's side: the workers, their shared words, and what they reported.
class WorkerPool {
 public:
  WorkerPool(const std::function<void()> &body, const ExploreOptions &options) : body_(body), options_(options) {}
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;
  ~WorkerPool() {
    for (Worker &w : workers_) {  // none outlives the exploration
      if (w.done || w.pid <= 0) continue;
      ::kill(w.pid, SIGKILL);
      if (w.fd >= 0) ::close(w.fd);
      ::waitpid(w.pid, nullptr, 0);
    }
    if (shared_) ::munmap(shared_, shared_bytes(options_.jobs));
  }

  Result<ExploreResult> run();

 private:
  Result<Done> start();
  void collect();                       // one round: read what is ready, reap who ended
  void ended(Worker &w, std::size_t job);
  void crashed(std::size_t job, RunResult died);
  void kill_overrunning();
  void stop_all(int sig);
  void reported(const Json &message);
  void kill_past_failure();
  void report_progress(double start, double &last_report);
  bool reading() const;

  const std::function<void()> &body_;
  const ExploreOptions &options_;
  Shared *shared_ = nullptr;
  std::vector<Worker> workers_;
  ExploreResult out_;
  std::string error_;
};

Result<Done> WorkerPool::start() {
  void *memory =
      ::mmap(nullptr, shared_bytes(options_.jobs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return Error{std::string("cannot map shared memory: ") + std::strerror(errno)};
  shared_ = new (memory) Shared;
  for (unsigned j = 0; j < options_.jobs; ++j) new (&slots_of(shared_)[j]) Slot;
  workers_.resize(options_.jobs);
  std::fflush(nullptr);  // nothing buffered is written twice
  for (unsigned j = 0; j < options_.jobs; ++j) {
    int fds[2];
    if (::pipe(fds) != 0) return Error{std::string("cannot create a pipe: ") + std::strerror(errno)};
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return Error{std::string("cannot start a worker process: ") + std::strerror(errno)};
    }
    if (pid == 0) {
      ::close(fds[0]);
      for (unsigned k = 0; k < j; ++k) ::close(workers_[k].fd);  // the other workers' pipes are the explorer's
      worker_main(body_, options_, j, shared_, fds[1]);
    }
    ::close(fds[1]);
    workers_[j].pid = pid;
    workers_[j].fd = fds[0];
  }
  return Done{};
}

bool WorkerPool::reading() const {
  for (const Worker &w : workers_)
    if (w.fd >= 0) return true;
  return false;
}

void WorkerPool::collect() {
  std::vector<pollfd> fds;
  for (const Worker &w : workers_) fds.push_back(pollfd{w.fd, POLLIN, 0});  // fd -1 is ignored by poll
  if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
    error_ = std::string("poll: ") + std::strerror(errno);
    return;
  }
  char buffer[65536];
  for (std::size_t j = 0; j < workers_.size(); ++j) {
    Worker &w = workers_[j];
    if (w.fd < 0 || !(fds[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t n = ::read(w.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      w.message.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    ended(w, j);
  }
}

// End of file: the worker has exited (it closes its pipe only then). Reap it now, so that a crash lowers
// stop_after at once and the other workers stop past it.
void WorkerPool::ended(Worker &w, std::size_t job) {
  ::close(w.fd);
  w.fd = -1;
  int status = 0;
  while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
  }
  w.done = true;
  // Killed by the explorer, or by the SIGINT/SIGTERM that interrupts the exploration (a terminal's Ctrl-C reaches
  // the whole process group): what it was running does not count.
  const bool interrupt = WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM) &&
                         options_.stop_on_signals;
  if (w.killed || interrupt) {
    out_.executions += slots_of(shared_)[job].finished.load();
    if (interrupt && !out_.interrupted) out_.interrupted = WTERMSIG(status);
    return;
  }
  if (w.overran || w.bloated || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || w.message.empty()) {
    RunResult died;
    died.status = w.overran ? RunStatus::timeout : w.bloated ? RunStatus::out_of_memory : RunStatus::crash;
    died.message = w.overran   ? timeout_message(options_.execution_timeout_s, slots_of(shared_)[job].beacon)
                   : w.bloated ? out_of_memory_message(options_.max_rss_mb)
                               : describe_death(status);
    return crashed(job, std::move(died));
  }
  const Json message = Json::parse(w.message, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    error_ = "a worker sent a message that is not JSON";
    return;
  }
  try {
    reported(message);
  } catch (const Json::exception &e) {
    error_ = std::string("a worker sent a malformed message: ") + e.what();
  }
}

// A worker died (or was killed for overrunning) while running the execution it had published: that execution's
// failure, `died`.
void WorkerPool::crashed(std::size_t job, RunResult died) {
  Slot &slot = slots_of(shared_)[job];
  const std::uint64_t index = slot.running.load();
  if (index == kNone) {
    error_ = "a worker process died outside any execution: " + died.message;
    return;
  }
  out_.executions += slot.finished.load() + 1;
  lower_to(shared_->stop_after, index);
  shared_->failures.fetch_add(1);
  if (out_.failure && *out_.failure->execution < index) return;
  const ExploreOptions mine = worker_options(options_, static_cast<unsigned>(job));
  out_.failure = make_failure(options_, std::move(died), execution_seed(options_.first_seed, index),
                              parse_strategy(options_.strategy).value(), index, mine.shard_index, mine.shard_count);
}

void WorkerPool::reported(const Json &message) {
  if (message.contains("error")) {
    error_ = message["error"].is_string() ? message["error"].get<std::string>() : "a worker failed";
    return;
  }
  out_.executions += message.at("executions").get<std::uint64_t>();
  out_.exhausted = out_.exhausted || message.at("exhausted").get<bool>();
  out_.out_of_time = out_.out_of_time || message.at("out_of_time").get<bool>();
  if (message.at("failure").is_null()) return;
  auto failure = failure_from_json(message.at("failure").dump());
  if (!failure) {
    error_ = "a worker sent a malformed failure: " + failure.error();
    return;
  }
  Failure &f = failure.value();
  lower_to(shared_->stop_after, *f.execution);
  if (!out_.failure || *f.execution < *out_.failure->execution) {
    f.run_options = options_.run_options;  // the parts of the options the JSON form does not carry
    out_.failure = std::move(f);
  }
}

// Kills the workers running an execution above the smallest failing index: nothing they find can be reported.
void WorkerPool::kill_past_failure() {
  const std::uint64_t stop_after = shared_->stop_after.load();
  if (stop_after == kNone) return;
  for (std::size_t j = 0; j < workers_.size(); ++j) {
    Worker &w = workers_[j];
    const std::uint64_t running = slots_of(shared_)[j].running.load();
    if (w.done || w.killed || running == kNone || running <= stop_after) continue;
    ::kill(w.pid, SIGKILL);
    w.killed = true;
  }
}

// The exploration is interrupted (stop_on_signals): every worker is killed; their finished executions count.
void WorkerPool::stop_all(int sig) {
  if (!out_.interrupted) out_.interrupted = sig;
  for (Worker &w : workers_) {
    if (w.done || w.killed) continue;
    ::kill(w.pid, SIGKILL);
    w.killed = true;
  }
}

// Kills a worker whose execution has run past the timeout or the memory limit (explore.hpp, execution_timeout_s,
// max_rss_mb); ended() then reports it as that execution's timeout or out_of_memory.
void WorkerPool::kill_overrunning() {
  const double now = wall_seconds();
  for (std::size_t j = 0; j < workers_.size(); ++j) {
    Worker &w = workers_[j];
    const std::uint64_t running = slots_of(shared_)[j].running.load();
    if (w.done || w.killed || w.overran || w.bloated) continue;
    if (running != kNone && options_.max_rss_mb > 0 && resident_mib(w.pid) > options_.max_rss_mb) {
      ::kill(w.pid, SIGKILL);
      w.bloated = true;
    } else if (running != w.watched) {
      w.watched = running;
      w.since = now;
    } else if (running != kNone && options_.execution_timeout_s > 0 && now - w.since > options_.execution_timeout_s) {
      ::kill(w.pid, SIGKILL);
      w.overran = true;
    }
  }
}

void WorkerPool::report_progress(double start, double &last_report) {
  const double now = wall_seconds();
  if (!options_.progress || now - last_report < options_.progress_interval_s) return;
  last_report = now;
  std::uint64_t finished = 0;
  for (unsigned j = 0; j < options_.jobs; ++j) finished += slots_of(shared_)[j].finished.load();
  const double elapsed = now - start;
  options_.progress(progress_of(options_, finished, shared_->failures.load(), elapsed));
}

Result<ExploreResult> WorkerPool::run() {
  const double began = wall_seconds();
  double last_report = began;
  if (auto started = start(); !started) return Error{started.error()};
  while (reading() && error_.empty()) {
    collect();
    if (options_.stop_on_signals && stop_signal() != 0) stop_all(stop_signal());
    kill_past_failure();
    kill_overrunning();
    report_progress(began, last_report);
  }
  if (!error_.empty()) return Error{error_};
  out_.wall_s = wall_seconds() - began;
  // Every execution of the share up to the failing one has run (explore.hpp), and the ones past it that ran by the
  // time the others heard of it do not count: the count is the one an exploration in one process would give.
  if (out_.failure)
    out_.executions = share_executions_through(options_, *out_.failure->execution);
  return std::move(out_);
}

}  // namespace

void write_all(int fd, const std::string &text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the explorer is gone: nobody to tell
    done += static_cast<std::size_t>(n);
  }
}

std::string describe_death(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char *name = strsignal(sig);
    return "the process running it was killed by signal " + std::to_string(sig) + " (" +
           (name ? name : "unknown") + ")" + (WCOREDUMP(status) ? ", core dumped" : "");
  }
  if (WIFEXITED(status))
    return "the process running it exited with status " + std::to_string(WEXITSTATUS(status)) +
           " without reporting: exit() in the explored code, or a sanitizer's report (on stderr, above)";
  return "the process running it ended abnormally";
}

Result<ExploreResult> explore_in_workers(const std::function<void()> &body, const ExploreOptions &options) {
  WorkerPool pool(body, options);
  return pool.run();
}

}  // namespace corosim::sim::detail
