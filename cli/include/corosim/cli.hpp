#pragma once
// The `corosim` command as a library (CMake target corosim::main): list, run, explore and replay over the
// scenarios registered in the program (corosim/scenario.hpp). The `corosim` program is corosim::main plus the
// built-in scenarios; a program of yours linked with corosim::main is the same command over your scenarios, and
// the schedule files it writes replay in it.
//
// corosim::main brings a main() that calls cli::main. A program with a main() of its own (to set something up
// first) calls it itself:
//
//   int main(int argc, char **argv) { /* ... */ return corosim::cli::main(argc, argv); }
//
// Every subcommand, option, output and exit status is described by `PROGRAM --help`, `PROGRAM COMMAND --help` and
// docs/cli.md. Exit statuses: 0 no failure found; 1 a failure was found (the report's last line reproduces it);
// 2 bad usage or bad input, with one line "corosim: <reason>" on stderr; 3 internal error.

namespace corosim::cli {

int main(int argc, char **argv);

}  // namespace corosim::cli
