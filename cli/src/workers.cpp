// Worker processes for `corosim explore --jobs N` (workers.hpp).
//
// Why there is no race on the shared words: each Slot is written by its worker only and read by the parent, and
// stop_after only ever decreases (a compare-and-swap minimum, by a worker that failed or by the parent on a crash).
// A stale read is harmless either way: a worker that reads an old, larger stop_after runs one execution that does
// not matter (its index is above the final minimum, and it is not reported); a parent that reads an old running
// index either kills a worker one execution late or not at all, and the worker then stops itself before its next
// execution. The atomics are lock-free (asserted), so they work across processes in a MAP_SHARED mapping.

#include "workers.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <corosim/sim/random.hpp>

namespace corosim::cli {

namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

struct Slot {
  std::atomic<std::uint64_t> running{kNone};  // the index the worker is running; kNone: none (yet, or any more)
  std::atomic<std::uint64_t> finished{0};     // executions the worker has finished
};

// The shared mapping: this header, then one Slot per worker.
struct Shared {
  std::atomic<std::uint64_t> stop_after{kNone};  // no worker starts an index above it; only decreases
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

void write_all(int fd, const std::string &text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nobody to tell
    done += static_cast<std::size_t>(n);
  }
}

// COROSIM_TEST_CRASH_AT_EXECUTION (workers.hpp): test-only, the 1-based execution number a worker crashes at.
std::optional<std::uint64_t> test_crash_at() {
  const char *text = std::getenv("COROSIM_TEST_CRASH_AT_EXECUTION");
  if (!text || !*text) return std::nullopt;
  auto number = sim::parse_seed(text);
  if (!number || number.value() == 0) return std::nullopt;
  return number.value() - 1;
}

Json result_json(const sim::ExploreFailure &f) {
  Json decisions = Json::array();
  for (const sim::Decision &d : f.result.decisions)
    decisions.push_back(Json::array({d.kind == sim::Decision::Kind::thread ? 0 : 1, d.value}));
  return Json{{"index", f.index},
              {"seed", f.seed},
              {"spec", f.spec.to_string()},
              {"status", sim::run_status_name(f.result.status)},
              {"message", f.result.message},
              {"steps", f.result.steps},
              {"trace_hash", f.result.trace_hash},
              {"end_ns", f.result.end_ns},
              {"truncated", f.result.truncated},
              {"decisions", std::move(decisions)}};
}

// The body of worker `job`: explores its shard, writes its message to `fd`, and leaves without returning (no
// static destructors or atexit handlers of the parent's image run twice).
[[noreturn]] void worker_main(const std::function<void()> &body, sim::ExploreOptions options, unsigned job,
                              unsigned jobs, Shared *shared, int fd) {
  Slot &slot = slots_of(shared)[job];
  const std::optional<std::uint64_t> crash_at = test_crash_at();
  std::uint64_t started = 0;
  options.shard_index += static_cast<std::uint64_t>(job) * options.shard_count;
  options.shard_count *= jobs;
  options.progress = nullptr;
  options.before_execution = [&](std::uint64_t index) {
    slot.finished.store(started);  // every execution started before this one has finished
    if (index > shared->stop_after.load()) {
      slot.running.store(kNone);
      return false;
    }
    slot.running.store(index);
    ++started;
    if (crash_at && index == *crash_at) {  // test-only (workers.hpp)
      std::signal(SIGSEGV, SIG_DFL);
      std::raise(SIGSEGV);
    }
    return true;
  };
  std::string message;
  try {
    auto explored = sim::explore(body, options);
    if (!explored) {
      message = Json{{"error", explored.error()}}.dump();
    } else {
      const sim::ExploreResult &e = explored.value();
      if (e.failure) lower_to(shared->stop_after, e.failure->index);
      slot.finished.store(e.executions);
      slot.running.store(kNone);
      message = Json{{"executions", e.executions},
                     {"exhausted", e.exhausted},
                     {"out_of_time", e.out_of_time},
                     {"failure", e.failure ? result_json(*e.failure) : Json(nullptr)}}
                    .dump(-1, ' ', false, Json::error_handler_t::replace);
    }
  } catch (const std::exception &ex) {
    message = Json{{"error", std::string("exception from the scenario: ") + ex.what()}}.dump(
        -1, ' ', false, Json::error_handler_t::replace);
  } catch (...) {
    message = Json{{"error", "unknown exception from the scenario"}}.dump();
  }
  write_all(fd, message);
  ::close(fd);
  ::_exit(0);
}

std::optional<sim::RunStatus> status_of_kind(const std::string &kind) {
  for (sim::RunStatus s : {sim::RunStatus::ok, sim::RunStatus::assertion, sim::RunStatus::misuse, sim::RunStatus::deadlock,
                           sim::RunStatus::lost_wakeup, sim::RunStatus::leak, sim::RunStatus::step_limit,
                           sim::RunStatus::mismatch, sim::RunStatus::exhausted})
    if (kind == sim::run_status_name(s)) return s;
  return std::nullopt;
}

// A worker's final message. Error: it does not parse (a worker would not send that unless its memory is broken).
sim::Result<Json> parse_message(const std::string &text) {
  Json message = Json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return sim::Error{"a worker sent a message that is not JSON"};
  return message;
}

sim::Result<WorkerFailure> failure_of(const Json &f) {
  try {
    WorkerFailure out;
    out.index = f.at("index").get<std::uint64_t>();
    out.seed = f.at("seed").get<std::uint64_t>();
    auto spec = sim::parse_strategy(f.at("spec").get<std::string>());
    if (!spec) return sim::Error{"a worker reported a bad strategy: " + spec.error()};
    out.spec = spec.value();
    auto status = status_of_kind(f.at("status").get<std::string>());
    if (!status) return sim::Error{"a worker reported an unknown status"};
    sim::RunResult r;
    r.status = *status;
    r.message = f.at("message").get<std::string>();
    r.steps = f.at("steps").get<std::uint64_t>();
    r.trace_hash = f.at("trace_hash").get<std::uint64_t>();
    r.end_ns = f.at("end_ns").get<std::int64_t>();
    r.truncated = f.at("truncated").get<bool>();
    for (const Json &d : f.at("decisions"))
      r.decisions.push_back(sim::Decision{d.at(0).get<int>() == 0 ? sim::Decision::Kind::thread : sim::Decision::Kind::number,
                                          d.at(1).get<std::uint64_t>()});
    out.result = std::move(r);
    return out;
  } catch (const Json::exception &e) {
    return sim::Error{std::string("a worker sent a malformed failure: ") + e.what()};
  }
}

std::string describe_death(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char *name = strsignal(sig);
    return "the worker process running it was killed by signal " + std::to_string(sig) + " (" +
           (name ? name : "unknown") + ")" + (WCOREDUMP(status) ? ", core dumped" : "");
  }
  if (WIFEXITED(status))
    return "the worker process running it exited with status " + std::to_string(WEXITSTATUS(status)) +
           " without reporting (the scenario called exit?)";
  return "the worker process running it ended abnormally";
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;            // read end of its pipe; -1 once at EOF
  std::string message;    // what it wrote
  bool killed = false;    // by the parent: its result cannot matter
  bool done = false;      // reaped
};

}  // namespace

sim::Result<WorkersResult> explore_in_workers(const std::function<void()> &body, const sim::ExploreOptions &options,
                                              unsigned jobs,
                                              const std::function<void(const sim::ExploreProgress &)> &progress) {
  if (jobs == 0) return sim::Error{"no worker processes"};
  void *memory = ::mmap(nullptr, shared_bytes(jobs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return sim::Error{std::string("cannot map shared memory: ") + std::strerror(errno)};
  auto *shared = new (memory) Shared;
  Slot *slots = slots_of(shared);
  for (unsigned j = 0; j < jobs; ++j) new (&slots[j]) Slot;

  const double start = sim::wall_seconds();
  std::vector<Worker> workers(jobs);
  std::fflush(stdout);
  std::fflush(stderr);
  std::string setup_error;
  for (unsigned j = 0; j < jobs; ++j) {
    int fds[2];
    if (::pipe(fds) != 0) {
      setup_error = std::string("cannot create a pipe: ") + std::strerror(errno);
      break;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      setup_error = std::string("cannot start a worker process: ") + std::strerror(errno);
      ::close(fds[0]);
      ::close(fds[1]);
      break;
    }
    if (pid == 0) {
      ::close(fds[0]);
      for (unsigned k = 0; k < j; ++k) ::close(workers[k].fd);  // the other workers' pipes are the parent's
      worker_main(body, options, j, jobs, shared, fds[1]);
    }
    ::close(fds[1]);
    workers[j].pid = pid;
    workers[j].fd = fds[0];
  }
  if (!setup_error.empty()) {
    for (Worker &w : workers) {
      if (w.pid <= 0) continue;
      ::kill(w.pid, SIGKILL);
      ::close(w.fd);
      ::waitpid(w.pid, nullptr, 0);
    }
    ::munmap(memory, shared_bytes(jobs));
    return sim::Error{setup_error};
  }

  WorkersResult out;
  std::string error;
  double last_report = start;
  std::vector<pollfd> fds;
  char buffer[65536];
  for (;;) {
    fds.clear();
    for (const Worker &w : workers)
      if (w.fd >= 0) fds.push_back(pollfd{w.fd, POLLIN, 0});
    if (fds.empty()) break;
    const int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) {
      error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (Worker &w : workers) {
      if (w.fd < 0) continue;
      const auto polled = std::find_if(fds.begin(), fds.end(), [&](const pollfd &p) { return p.fd == w.fd; });
      if (polled == fds.end() || !(polled->revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(w.fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.message.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      // End of file: the worker has exited (it closes its pipe only then). Reap it now, so that a crash lowers
      // stop_after at once and the other workers stop past it.
      ::close(w.fd);
      w.fd = -1;
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      w.done = true;
      const std::size_t job = static_cast<std::size_t>(&w - workers.data());
      Slot &slot = slots[job];
      if (w.killed) {
        out.executions += slot.finished.load();
        continue;
      }
      const bool reported = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !w.message.empty();
      if (!reported) {
        const std::uint64_t index = slot.running.load();
        if (index == kNone) {
          error = "a worker process died outside any execution: " + describe_death(status);
          continue;
        }
        out.executions += slot.finished.load() + 1;
        lower_to(shared->stop_after, index);
        if (!out.failure || index < out.failure->index) {
          WorkerFailure f;
          f.index = index;
          f.seed = sim::execution_seed(options.first_seed, index);
          f.spec = sim::parse_strategy(options.strategy).value();  // checked by the caller
          f.crash = describe_death(status);
          f.worker_shard_index = options.shard_index + job * options.shard_count;
          f.worker_shard_count = options.shard_count * jobs;
          out.failure = std::move(f);
        }
        continue;
      }
      auto message = parse_message(w.message);
      if (!message) {
        error = message.error();
        continue;
      }
      const Json &m = message.value();
      if (m.contains("error")) {
        error = m["error"].is_string() ? m["error"].get<std::string>() : "a worker failed";
        continue;
      }
      try {
        out.executions += m.at("executions").get<std::uint64_t>();
        out.exhausted = out.exhausted || m.at("exhausted").get<bool>();
        out.out_of_time = out.out_of_time || m.at("out_of_time").get<bool>();
        if (!m.at("failure").is_null()) {
          auto f = failure_of(m.at("failure"));
          if (!f) {
            error = f.error();
            continue;
          }
          lower_to(shared->stop_after, f.value().index);
          if (!out.failure || f.value().index < out.failure->index) {
            f.value().worker_shard_index = options.shard_index + job * options.shard_count;
            f.value().worker_shard_count = options.shard_count * jobs;
            out.failure = std::move(f.value());
          }
        }
      } catch (const Json::exception &e) {
        error = std::string("a worker sent a malformed message: ") + e.what();
      }
    }
    if (!error.empty()) break;  // the workers left are killed below
    // Kill the workers running an execution above the smallest failing index: nothing they find can be reported.
    const std::uint64_t stop_after = shared->stop_after.load();
    for (std::size_t j = 0; j < workers.size(); ++j) {
      Worker &w = workers[j];
      if (w.done || w.killed) continue;
      const std::uint64_t running = slots[j].running.load();
      if (stop_after != kNone && running != kNone && running > stop_after) {
        ::kill(w.pid, SIGKILL);
        w.killed = true;
      }
    }
    if (progress) {
      const double now = sim::wall_seconds();
      if (now - last_report >= options.progress_interval_s) {
        last_report = now;
        std::uint64_t finished = 0;
        for (unsigned j = 0; j < jobs; ++j) finished += slots[j].finished.load();
        const double elapsed = now - start;
        progress(sim::ExploreProgress{finished, 0, elapsed, elapsed > 0 ? static_cast<double>(finished) / elapsed : 0.0});
      }
    }
  }
  // After an error, make sure no worker outlives this call.
  for (Worker &w : workers) {
    if (w.done) continue;
    ::kill(w.pid, SIGKILL);
    if (w.fd >= 0) ::close(w.fd);
    ::waitpid(w.pid, nullptr, 0);
  }
  ::munmap(memory, shared_bytes(jobs));
  out.wall_s = sim::wall_seconds() - start;
  if (!error.empty()) return sim::Error{error};
  // Every execution of the shard up to the failing one has run (workers.hpp), and the ones past it that ran by the
  // time the others heard of it do not count: the count is the same as an exploration in one process would give.
  if (out.failure) out.executions = (out.failure->index - options.shard_index) / options.shard_count + 1;
  return out;
}

}  // namespace corosim::cli
