// Properties every strategy keeps on any sequence of questions (RapidCheck): it answers with an enabled thread and
// a number in range, and replaying its decisions gives the same answers.

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include <corosim/sim/strategy.hpp>

namespace corosim::sim {
namespace {

// One question of an execution: a thread choice among `enabled` (ascending, non-empty), or a number below `n`
// when `enabled` is empty.
struct Question {
  std::vector<ThreadId> enabled;
  std::uint64_t n;
};

rc::Gen<Question> question() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::nonEmpty(rc::gen::container<std::vector<ThreadId>>(rc::gen::inRange<ThreadId>(0, 12))),
                   [](std::vector<ThreadId> threads) {
                     std::sort(threads.begin(), threads.end());
                     threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
                     return Question{std::move(threads), 0};
                   }),
      rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 50), [](std::uint64_t n) { return Question{{}, n}; }));
}

// Asks `questions` in one execution; `running` is the previous answer while it stays enabled. Returns the answers.
std::vector<std::uint64_t> ask(Strategy &strategy, std::uint64_t seed, const std::vector<Question> &questions) {
  RC_ASSERT(strategy.begin_execution(seed));
  std::vector<std::uint64_t> answers;
  std::optional<ThreadId> last;
  for (const Question &q : questions) {
    if (q.enabled.empty()) {
      const std::uint64_t number = strategy.next_number(q.n);
      RC_ASSERT(number < q.n);
      answers.push_back(number);
      continue;
    }
    std::optional<ThreadId> running;
    if (last && std::binary_search(q.enabled.begin(), q.enabled.end(), *last)) running = last;
    const ThreadId chosen = strategy.next_thread(q.enabled, running);
    RC_ASSERT(std::binary_search(q.enabled.begin(), q.enabled.end(), chosen));
    answers.push_back(chosen);
    last = chosen;
  }
  strategy.end_execution();
  RC_ASSERT(strategy.mismatch().empty());
  return answers;
}

RC_GTEST_PROP(EveryStrategy, AnswersInRangeAndReplaysExactly, (std::uint64_t seed)) {
  const std::string text =
      *rc::gen::element<std::string>("random", "pct", "pct:d=1", "pct:d=7,k=3", "dfs:preemptions=0",
                                     "dfs:preemptions=3", "ipb", "idb:delays=2", "pos", "urw");
  const auto questions = *rc::gen::container<std::vector<Question>>(question());
  auto strategy = make_strategy(text).value();
  // Several executions of the same questions: PCT's estimate and DFS's stack carry over between them.
  for (int execution = 0; execution < 3 && !strategy->exhausted(); ++execution) {
    const std::vector<std::uint64_t> answers = ask(*strategy, seed + execution, questions);
    auto replay = make_strategy("replay", strategy->decisions()).value();
    RC_ASSERT(ask(*replay, 0, questions) == answers);
  }
}

}  // namespace
}  // namespace corosim::sim
