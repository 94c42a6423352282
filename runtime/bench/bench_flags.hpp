#pragma once
// Command-line flags of the benchmark programs' own modes (runtime/bench, sim/bench), next to Google
// Benchmark's --benchmark_* flags: "--name=value" or a bare "--name".

#include <string_view>

namespace corosim::bench {

// The value of flag `name` if arg is that flag: "value" for "--name=value", "" for a bare "--name"; else nullptr.
inline const char *flag_value(const char *arg, std::string_view name) {
  std::string_view a(arg);
  if (a.substr(0, name.size()) != name) return nullptr;
  if (a.size() == name.size()) return arg + a.size();
  return a[name.size()] == '=' ? arg + name.size() + 1 : nullptr;
}

inline bool has_flag(int argc, char **argv, std::string_view name) {
  for (int i = 1; i < argc; ++i)
    if (flag_value(argv[i], name)) return true;
  return false;
}

}  // namespace corosim::bench
