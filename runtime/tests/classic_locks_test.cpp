// The classic variants behave as the old QEMU locks did: correct exclusion, but the mutex lets a newcomer barge
// ahead of a woken waiter and the rwlock lets readers overtake a waiting writer. Each test shows the same
// interleaving on the modern lock for contrast.

#include <string>
#include <vector>

#include <corosim/classic_co_mutex.hpp>
#include <corosim/classic_co_rwlock.hpp>
#include <corosim/co_mutex.hpp>
#include <corosim/co_rwlock.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

class ClassicLocksTest : public testing::OnEachBackend {};
COROSIM_ON_EACH_BACKEND(ClassicLocksTest);

// The holder unlocks (waking the waiter) and immediately locks again, before the waiter runs.
template <class Mutex>
std::vector<std::string> unlock_then_relock() {
  Mutex m;
  std::vector<std::string> order;
  Coroutine *waiter = coroutine_create([&] {
    m.lock();
    order.push_back("waiter");
    m.unlock();
  });
  Coroutine *holder = coroutine_create([&] {
    m.lock();
    coroutine_enter(waiter);  // waiter queues
    m.unlock();
    m.lock();
    order.push_back("holder again");
    yield();
    m.unlock();
  });
  coroutine_enter(holder);
  coroutine_enter(holder);
  return order;
}

TEST_P(ClassicLocksTest, ClassicMutexLetsTheUnlockerBargeAheadOfTheWokenWaiter) {
  EXPECT_EQ(unlock_then_relock<ClassicCoMutex>(), (std::vector<std::string>{"holder again", "waiter"}));
  EXPECT_EQ(unlock_then_relock<CoMutex>(), (std::vector<std::string>{"waiter", "holder again"}));
}

// Two readers keep overlapping (each re-takes the read lock while the other still holds it) and a writer waits.
// Returns how many reads happened while the writer was waiting. The driver enters only coroutines that stopped
// at a plain yield (runnable); lock waiters are woken by the lock.
template <class Rwlock>
int reads_while_the_writer_waits() {
  constexpr int kReadsPerReader = 10;
  Rwlock lock;
  bool writer_waiting = false, writer_done = false;
  int reads_while_writer_waited = 0, readers_done = 0;
  bool runnable[2] = {false, true};  // reader 0 is started below; reader 1 not yet
  auto reader = [&](int me) {
    return [&, me] {
      for (int i = 0; i < kReadsPerReader; ++i) {
        lock.rdlock();
        if (writer_waiting) ++reads_while_writer_waited;
        runnable[me] = true;
        yield();
        lock.unlock();
      }
      ++readers_done;
    };
  };
  Coroutine *readers[2] = {coroutine_create(reader(0)), coroutine_create(reader(1))};
  coroutine_enter(readers[0]);
  coroutine_enter(coroutine_create([&] {
    writer_waiting = true;
    lock.wrlock();
    writer_waiting = false;
    lock.unlock();
    writer_done = true;
  }));
  for (int step = 0; readers_done < 2 || !writer_done; ++step) {
    if (step > 1000) {
      ADD_FAILURE() << "no progress";
      break;
    }
    int r = step % 2 == 0 ? 1 : 0;  // r2 first, then alternate
    if (!runnable[r]) r = 1 - r;
    if (!runnable[r]) {
      if (readers_done < 2 || !writer_done) ADD_FAILURE() << "nothing runnable but not finished";
      break;
    }
    runnable[r] = false;
    coroutine_enter(readers[r]);
  }
  return reads_while_writer_waited;
}

TEST_P(ClassicLocksTest, ClassicRwlockLetsReadersStarveAWaitingWriter) {
  // Reader-preferring: every read of both readers but the first happens while the writer waits (19 of 20).
  EXPECT_EQ(reads_while_the_writer_waits<ClassicCoRwlock>(), 19);
  // Fair: the second reader queues behind the writer, which gets in as soon as the first reader leaves.
  EXPECT_EQ(reads_while_the_writer_waits<CoRwlock>(), 0);
}

}  // namespace
}  // namespace corosim
