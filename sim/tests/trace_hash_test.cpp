// The trace hash: golden values from the independent reference implementation (see random_test.cpp), so a
// change of hash function or byte order shows up as a failure here, not as "replay produced another hash".

#include <corosim/sim/trace_hash.hpp>

#include <gtest/gtest.h>

namespace corosim::sim {
namespace {

constexpr std::uint64_t sample_trace_hash() {
  TraceHash hash;
  hash.add(1);
  hash.add(2);
  hash.add_text("lock");
  hash.add(UINT64_MAX);
  hash.add_text("co_mutex_unlock");  // longer than one word
  return hash.value();
}

// Computable at compile time: nothing in it depends on the machine it runs on.
static_assert(sample_trace_hash() == 0xb83444749eb44332ULL);

TEST(TraceHash, GoldenValues) {
  EXPECT_EQ(TraceHash{}.value(), 0x636f726f73696dULL);
  EXPECT_EQ(sample_trace_hash(), 0xb83444749eb44332ULL);
  TraceHash empty_text;
  empty_text.add_text("");
  EXPECT_EQ(empty_text.value(), 0x5d3a41fb6719f2f7ULL);
}

TEST(TraceHash, NegativeIntegersAreTheirTwosComplement) {
  TraceHash a, b;
  a.add(static_cast<std::uint64_t>(std::int64_t{-1}));
  b.add(UINT64_MAX);
  EXPECT_EQ(a.value(), b.value());
}

TEST(TraceHash, OrderOfEventsMatters) {
  TraceHash a, b;
  a.add(1);
  a.add(2);
  b.add(2);
  b.add(1);
  EXPECT_NE(a.value(), b.value());
}

TEST(TraceHash, StringBoundariesMatter) {
  TraceHash a, b, c;
  a.add_text("ab");
  a.add_text("c");
  b.add_text("a");
  b.add_text("bc");
  c.add_text("abc");
  EXPECT_NE(a.value(), b.value());
  EXPECT_NE(a.value(), c.value());
  EXPECT_NE(b.value(), c.value());
}

}  // namespace
}  // namespace corosim::sim
