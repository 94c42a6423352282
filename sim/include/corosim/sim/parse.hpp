#pragma once
// Reading what a person typed (options, environment variables, fields of files) strictly, and quoting it back in a
// one-line refusal. Used by the `corosim` command, the GoogleTest integration and the schedule reader alike, so the
// same text is accepted or refused everywhere.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <corosim/sim/result.hpp>

namespace corosim::sim {

// A decimal number: digits only (no sign, blank, exponent or suffix), at most UINT64_MAX. Error: why not, quoting
// an excerpt of the text ("'-1' is not a decimal number").
Result<std::uint64_t> parse_decimal(std::string_view text);

// The same within [min, max]: the error names the range.
Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min, std::uint64_t max);

// A number of seconds: a finite decimal with an optional fraction ("30", "0.5"), 0 <= value <= max. No sign,
// exponent, "nan" or "inf".
Result<double> parse_seconds(std::string_view text, double max);

// `text` as a refusal quotes it: in single quotes, at most `max` bytes (then "..."), control characters shown as
// '?', so that a quoted value never breaks the line or floods it.
std::string excerpt(std::string_view text, std::size_t max = 60);

}  // namespace corosim::sim
