// The generator, the bounded-integer routine and seed parsing (random.hpp).

#include <corosim/sim/random.hpp>

#include <cassert>
#include <cinttypes>
#include <cstdio>

#include <corosim/sim/parse.hpp>

#include "check.hpp"

namespace corosim::sim {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

// The value of one hex digit, or -1.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_hex(std::string_view text) noexcept {
  for (char c : text)
    if (hex_value(c) < 0) return false;
  return true;
}

Error bad_seed(std::string_view text, std::string_view why) {
  return Error{"bad seed " + excerpt(text) + ": " + std::string(why) +
               " (a seed is a decimal number, 0x and up to 16 hex digits, or a 40-hex-digit git commit id)"};
}

}  // namespace

Rng::Rng(std::uint64_t seed) noexcept {
  std::uint64_t state = seed;
  for (std::uint64_t &word : s_) word = splitmix64_next(state);
  assert((s_[0] | s_[1] | s_[2] | s_[3]) != 0);
}

std::uint64_t Rng::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
  COROSIM_SIM_CHECK(n > 0, "Rng::below(0): the range is empty");
  // next() * n spans [0, n * 2^64); its high word is the result. Each result value owns floor(2^64 / n) or that
  // plus one low words; rejecting low words below 2^64 mod n leaves every value exactly floor(2^64 / n).
  unsigned __int128 product = static_cast<unsigned __int128>(next()) * n;
  auto low = static_cast<std::uint64_t>(product);
  if (low < n) {  // cheap pre-test: only then can low fall below the threshold (threshold < n)
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

Result<std::uint64_t> parse_seed(std::string_view text) {
  if (text.empty()) return bad_seed(text, "it is empty");
  // A commit id has letters: 40 decimal digits are a (too large) number, not a commit.
  if (text.size() == 40 && all_hex(text) && text.find_first_not_of("0123456789") != std::string_view::npos)
    return seed_from_commit(text);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    const std::string_view digits = text.substr(2);
    if (!all_hex(digits)) return bad_seed(text, "not a hex number");
    std::size_t first = digits.find_first_not_of('0');
    if (first != std::string_view::npos && digits.size() - first > 16) return bad_seed(text, "more than 64 bits");
    std::uint64_t value = 0;
    for (char c : digits) value = (value << 4) | static_cast<std::uint64_t>(hex_value(c));
    return value;
  }
  if (text.find_first_not_of("0123456789") != std::string_view::npos) return bad_seed(text, "not a number");
  auto value = parse_decimal(text);
  if (!value) return bad_seed(text, "more than 64 bits");
  return value;
}

std::uint64_t seed_from_commit(std::string_view commit) {
  COROSIM_SIM_CHECK(commit.size() == 40 && all_hex(commit), "seed_from_commit: not 40 hex digits");
  std::uint64_t h = 0;
  for (std::size_t word_start = 0; word_start < 40; word_start += 8) {
    std::uint64_t word = 0;
    for (std::size_t i = word_start; i < word_start + 8; ++i)
      word = (word << 4) | static_cast<std::uint64_t>(hex_value(commit[i]));
    h = mix64((h ^ word) + kGoldenGamma);
  }
  return h;
}

std::string format_hex64(std::uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, value);
  return text;
}

}  // namespace corosim::sim
