// The main() of corosim::main: the `corosim` command over the scenarios linked into the program (corosim/cli.hpp).
// A program with a main() of its own calls corosim::cli::main instead; the linker then leaves this file out.

#include <corosim/cli.hpp>

int main(int argc, char **argv) { return corosim::cli::main(argc, argv); }
