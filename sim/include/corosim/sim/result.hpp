#pragma once
// Result<T>: a value, or one line saying why there is none. The simulator's parsers and loaders return it for
// expected bad input (a mistyped seed, a corrupted schedule file); they never throw and never abort on input.
// The one-line message is written for the person who typed the input: the CLI prints it and exits with status 2.

#include <string>
#include <utility>
#include <variant>

namespace corosim::sim {

// The failure half of a Result: one line, no trailing newline.
struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition: ok(). Calling it on an error throws std::bad_variant_access (a bug in the caller).
  T &value() & { return std::get<0>(state_); }
  const T &value() const & { return std::get<0>(state_); }
  T &&value() && { return std::get<0>(std::move(state_)); }

  // Precondition: !ok(). Calling it on a value throws std::bad_variant_access (a bug in the caller).
  const std::string &error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

// Success without a value (saving a file).
struct Done {};

}  // namespace corosim::sim
