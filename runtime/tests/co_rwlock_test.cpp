// CoRwlock: sharing, exclusion, FIFO fairness, and QEMU's upgrade and downgrade interleavings.

#include <string>
#include <vector>

#include <corosim/co_rwlock.hpp>

#include "backend_fixture.hpp"

namespace corosim {
namespace {

class CoRwlockTest : public testing::OnEachBackend {
 protected:
  CoRwlock lock;
  std::vector<std::string> events;
};
COROSIM_ON_EACH_BACKEND(CoRwlockTest);

TEST_P(CoRwlockTest, ReadersShareAndAWriterWaitsForAllOfThem) {
  auto reader = [&](std::string name) {
    return coroutine_create([this, name] {
      lock.rdlock();
      events.push_back(name + " reads");
      yield();
      events.push_back(name + " done");
      lock.unlock();
    });
  };
  Coroutine *r1 = reader("r1"), *r2 = reader("r2");
  Coroutine *w = coroutine_create([&] {
    lock.wrlock();
    events.push_back("w writes");
    lock.unlock();
  });
  coroutine_enter(r1);
  coroutine_enter(r2);
  coroutine_enter(w);
  EXPECT_EQ(events, (std::vector<std::string>{"r1 reads", "r2 reads"})) << "the writer must wait";
  coroutine_enter(r1);
  EXPECT_EQ(events.back(), "r1 done");
  coroutine_enter(r2);  // last reader out: the writer gets in
  EXPECT_EQ(events, (std::vector<std::string>{"r1 reads", "r2 reads", "r1 done", "r2 done", "w writes"}));
}

// More read locks at once than a coroutine records (Coroutine::kTrackedRwlocks): unlocking them in any order is
// not misuse, and a lock released twice is still caught once no hold is left unrecorded.
TEST_P(CoRwlockTest, MoreHoldsThanRecordedUnlockCleanly) {
  CoRwlock locks[6];
  bool done = false;
  coroutine_enter(coroutine_create([&] {
    for (CoRwlock &l : locks) l.rdlock();
    for (CoRwlock &l : locks) l.unlock();  // the first recorded ones go first: the unrecorded ones come after
    for (CoRwlock &l : locks) l.wrlock();  // all free again
    for (int i = 5; i >= 0; --i) locks[i].unlock();
    done = true;
  }));
  EXPECT_TRUE(done);
}

TEST_P(CoRwlockTest, AReaderArrivingBehindAWaitingWriterWaitsItsTurn) {
  Coroutine *r1 = coroutine_create([&] {
    lock.rdlock();
    yield();
    lock.unlock();
  });
  Coroutine *w = coroutine_create([&] {
    lock.wrlock();
    events.push_back("w");
    yield();
    lock.unlock();
  });
  Coroutine *r2 = coroutine_create([&] {
    lock.rdlock();
    events.push_back("r2");
    lock.unlock();
  });
  coroutine_enter(r1);
  coroutine_enter(w);   // queued behind r1
  coroutine_enter(r2);  // would get in with r1 under a reader-preferring lock; here it queues behind w
  EXPECT_TRUE(events.empty());
  coroutine_enter(r1);  // r1 leaves: w enters and yields holding the lock
  EXPECT_EQ(events, (std::vector<std::string>{"w"}));
  coroutine_enter(w);  // w leaves: r2 enters
  EXPECT_EQ(events, (std::vector<std::string>{"w", "r2"}));
}

TEST_P(CoRwlockTest, QueuedReadersEnterTogether) {
  Coroutine *w = coroutine_create([&] {
    lock.wrlock();
    yield();
    lock.unlock();
  });
  std::vector<Coroutine *> readers;
  for (int i = 0; i < 3; ++i) {
    readers.push_back(coroutine_create([this, i] {
      lock.rdlock();
      events.push_back("r" + std::to_string(i) + " in");
      yield();
      lock.unlock();
    }));
  }
  coroutine_enter(w);
  for (Coroutine *r : readers) coroutine_enter(r);
  coroutine_enter(w);
  EXPECT_EQ(events, (std::vector<std::string>{"r0 in", "r1 in", "r2 in"}));
  for (Coroutine *r : readers) coroutine_enter(r);
}

TEST_P(CoRwlockTest, UpgradeWaitsForAQueuedWriter) {
  // QEMU's test_co_rwlock_upgrade:
  // | c1         | c2         |
  // |------------|------------|
  // | rdlock     |            |
  // | yield      |            |
  // |            | wrlock     |
  // |            | <queued>   |
  // | upgrade    |            |
  // | <queued>   | <dequeued> |
  // |            | unlock     |
  // | <dequeued> |            |
  // | unlock     |            |
  bool c1_done = false, c2_done = false;
  Coroutine *c1 = coroutine_create([&] {
    lock.rdlock();
    yield();
    lock.upgrade();
    events.push_back("c1 upgraded");
    yield();
    lock.unlock();
    c1_done = true;
  });
  Coroutine *c2 = coroutine_create([&] {
    lock.wrlock();
    events.push_back("c2 writes");
    yield();
    lock.unlock();
    c2_done = true;
  });
  coroutine_enter(c1);
  coroutine_enter(c2);
  coroutine_enter(c1);  // upgrade: gives up the read share; c2 (queued first) gets the write lock
  EXPECT_EQ(events, (std::vector<std::string>{"c2 writes"}));
  EXPECT_FALSE(c1_done);
  coroutine_enter(c2);  // c2 unlocks: c1 becomes the writer and yields
  EXPECT_TRUE(c2_done);
  EXPECT_EQ(events, (std::vector<std::string>{"c2 writes", "c1 upgraded"}));
  coroutine_enter(c1);
  EXPECT_TRUE(c1_done);
}

TEST_P(CoRwlockTest, UpgradeIsImmediateForALoneReader) {
  bool upgraded = false;
  Coroutine *c = coroutine_create([&] {
    lock.rdlock();
    lock.upgrade();
    upgraded = true;
    yield();
    lock.unlock();
  });
  coroutine_enter(c);
  EXPECT_TRUE(upgraded);
  bool reader_in = false;
  coroutine_enter(coroutine_create([&] {
    lock.rdlock();
    reader_in = true;
    lock.unlock();
  }));
  EXPECT_FALSE(reader_in) << "the upgraded lock is exclusive";
  coroutine_enter(c);
  EXPECT_TRUE(reader_in);
}

TEST_P(CoRwlockTest, DowngradeLetsQueuedReadersIn) {
  // QEMU's test_co_rwlock_downgrade:
  // | c1     | c2         | c3         | c4         |
  // |--------|------------|------------|------------|
  // | rdlock |            |            |            |
  // | yield  |            |            |            |
  // |        | wrlock     |            |            |
  // |        | <queued>   |            |            |
  // |        |            | rdlock     |            |
  // |        |            | <queued>   |            |
  // |        |            |            | wrlock     |
  // |        |            |            | <queued>   |
  // | unlock |            |            |            |
  // |        | <dequeued> |            |            |
  // |        | downgrade  |            |            |
  // |        | yield      | <dequeued> |            |
  // |        |            | unlock     |            |
  // |        | unlock     |            |            |
  // |        |            |            | <dequeued> |
  // |        |            |            | unlock     |
  Coroutine *c1 = coroutine_create([&] {
    lock.rdlock();
    yield();
    lock.unlock();
    events.push_back("c1 out");
  });
  Coroutine *c2 = coroutine_create([&] {
    lock.wrlock();
    events.push_back("c2 writes");
    lock.downgrade();
    events.push_back("c2 downgraded");
    yield();
    lock.unlock();
    events.push_back("c2 out");
  });
  Coroutine *c3 = coroutine_create([&] {
    lock.rdlock();
    events.push_back("c3 reads");
    lock.unlock();
  });
  Coroutine *c4 = coroutine_create([&] {
    lock.wrlock();
    events.push_back("c4 writes");
    lock.unlock();
  });
  coroutine_enter(c1);
  coroutine_enter(c2);
  coroutine_enter(c3);
  coroutine_enter(c4);
  EXPECT_TRUE(events.empty());
  coroutine_enter(c1);
  EXPECT_EQ(events, (std::vector<std::string>{"c1 out", "c2 writes", "c2 downgraded", "c3 reads"}))
      << "c3 must be admitted by the downgrade, not left asleep";
  coroutine_enter(c2);
  EXPECT_EQ(events, (std::vector<std::string>{"c1 out", "c2 writes", "c2 downgraded", "c3 reads", "c2 out",
                                              "c4 writes"}));
}

}  // namespace
}  // namespace corosim
