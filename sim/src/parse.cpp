// Strict reading of user input (parse.hpp).

#include <corosim/sim/parse.hpp>

#include <charconv>
#include <cmath>

namespace corosim::sim {

Result<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return Error{"an empty value is not a decimal number"};
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Error{excerpt(text) + " is not a decimal number"};
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return Error{excerpt(text) + " is more than 64 bits"};
    value = value * 10 + digit;
  }
  return value;
}

Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min, std::uint64_t max) {
  auto value = parse_decimal(text);
  if (!value) return value;
  if (value.value() < min || value.value() > max)
    return Error{excerpt(text) + " is not between " + std::to_string(min) + " and " + std::to_string(max)};
  return value;
}

Result<double> parse_seconds(std::string_view text, double max) {
  const auto refuse = [&] {
    return Error{excerpt(text) + " is not a number of seconds (digits, with an optional fraction: 30, 0.5)"};
  };
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string_view::npos) return refuse();
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return refuse();
  if (value > max) return Error{excerpt(text) + " seconds is more than " + std::to_string(std::llround(max))};
  return value;
}

std::string excerpt(std::string_view text, std::size_t max) {
  std::string s(text.substr(0, max));
  for (char &c : s)
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) c = '?';
  return "'" + s + (text.size() > max ? "...'" : "'");
}

}  // namespace corosim::sim
