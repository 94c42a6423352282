#pragma once
// The simulator's only source of randomness (docs/determinism.md).
//
// Everything here is specified bit for bit, so a seed gives the same numbers on every machine, standard library,
// compiler and build type: SplitMix64 (Steele, Lea, Flood 2014) seeds xoshiro256** (Blackman, Vigna 2018), and
// bounded integers come from our own routine, never from std::*_distribution (whose output differs between
// standard libraries) nor from std::random_device or rand(). tests/random_test.cpp pins golden values.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <corosim/sim/result.hpp>

namespace corosim::sim {

// SplitMix64's increment (2^64 / golden ratio, odd).
inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// SplitMix64's output function: a bijection on 64-bit values with good avalanche. mix64(0) == 0.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One SplitMix64 step: advances state by kGoldenGamma and returns the mixed new state.
constexpr std::uint64_t splitmix64_next(std::uint64_t &state) noexcept {
  state += kGoldenGamma;
  return mix64(state);
}

// xoshiro256**, seeded from one 64-bit seed through SplitMix64 (the seeding its authors recommend).
// Not thread-safe; a strategy owns one and reseeds it per execution.
class Rng {
 public:
  // The state is the first four SplitMix64 outputs from `seed`. Any seed is fine (0 included): four consecutive
  // SplitMix64 outputs are never all zero, which is the one state xoshiro must avoid.
  explicit Rng(std::uint64_t seed) noexcept;

  // The next 64 uniformly distributed bits.
  std::uint64_t next() noexcept;

  // A uniformly distributed integer in [0, n). Precondition: n > 0 (n == 0 aborts with a diagnostic).
  // Lemire's multiply-shift with rejection ("Fast random integer generation in an interval", 2019): takes the high
  // 64 bits of next() * n and rejects the few low products that would bias the result. Consumes one next() except
  // with probability < n / 2^64 per extra draw; below(1) still consumes one.
  std::uint64_t below(std::uint64_t n) noexcept;

 private:
  std::array<std::uint64_t, 4> s_;  // invariant: not all zero
};

// --- seeds ---

// Parses a seed as a user types it:
//   decimal          "12345"         (digits only, at most 2^64 - 1)
//   hexadecimal      "0x3039"        (0x or 0X and 1 to 16 hex digits, either case)
//   git commit id    "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  (exactly 40 hex digits, either case)
// A commit id becomes seed_from_commit(text), so a CI failure stays reproducible from the commit alone. 40 decimal
// digits are read as a number (and refused: more than 64 bits), never as a commit id: a commit id has a letter.
// Anything else (empty, signs, spaces, overflow, a short hex string without 0x) is an Error with one line that
// quotes the input and says what is accepted.
Result<std::uint64_t> parse_seed(std::string_view text);

// The 64-bit seed of a 40-hex-digit commit id: read it as five 32-bit big-endian words w0..w4 (eight hex digits
// each, case-insensitive), then h = 0 and, for each word in order, h = mix64((h ^ w) + kGoldenGamma): one
// SplitMix64 step from h ^ w.
// Precondition: `commit` is exactly 40 hex digits (parse_seed checks; anything else aborts with a diagnostic).
std::uint64_t seed_from_commit(std::string_view commit);

// The seed of execution `index` (0, 1, 2, ...) of an exploration that started from `first`: output number `index`
// of the SplitMix64 stream seeded with `first`, i.e. mix64(first + (index + 1) * kGoldenGamma). Random access, so
// shards and workers derive their seeds without coordinating. Execution seeds are what `corosim run --seed` takes.
constexpr std::uint64_t execution_seed(std::uint64_t first, std::uint64_t index) noexcept {
  return mix64(first + (index + 1) * kGoldenGamma);
}

// "0x" and exactly 16 lowercase hex digits: how seeds and trace hashes are printed and stored. parse_seed reads
// it back.
std::string format_hex64(std::uint64_t value);

}  // namespace corosim::sim
