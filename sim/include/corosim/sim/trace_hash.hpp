#pragma once
// TraceHash: the 64-bit hash of a run's event trace that every run prints at its end
// (docs/determinism.md: same scenario + same schedule or seed => same hash, on any
// machine, compiler and build type). Events are fed as integers and short strings; the hash is specified bit for
// bit here (never std::hash, never an address, never the host's byte order), and tests/trace_hash_test.cpp pins
// golden values.
//
// Each 64-bit word w updates the state as h = mix64((h ^ w) + kGoldenGamma): one SplitMix64 step from h ^ w. For a
// fixed h that is a bijection of w, so two traces that differ in exactly one word always hash differently, and the
// order of events matters. Not cryptographic: it tells runs apart, it does not resist someone crafting collisions.

#include <cstdint>
#include <string_view>

#include <corosim/sim/random.hpp>

namespace corosim::sim {

class TraceHash {
 public:
  // Adds one integer; negative values arrive as their two's complement (int64_t -1 == 2^64 - 1).
  constexpr void add(std::uint64_t value) noexcept { state_ = mix64((state_ ^ value) + kGoldenGamma); }

  // Adds a string (an operation or object name): its length, then its bytes eight at a time, little-endian, the
  // last word zero-padded. The length keeps ("ab", "c") apart from ("a", "bc").
  constexpr void add_text(std::string_view text) noexcept {
    add(text.size());
    for (std::size_t start = 0; start < text.size(); start += 8) {
      std::uint64_t word = 0;
      for (std::size_t i = start; i < text.size() && i < start + 8; ++i)
        word |= std::uint64_t{static_cast<unsigned char>(text[i])} << (8 * (i - start));
      add(word);
    }
  }

  // The hash of everything added so far (adding more afterwards continues from it).
  constexpr std::uint64_t value() const noexcept { return state_; }

 private:
  std::uint64_t state_ = 0x636f726f73696dULL;  // "corosim" in ASCII: any fixed non-zero start
};

}  // namespace corosim::sim
