// The `corosim` program: corosim::main (the command, with its main()) over the built-in scenarios, which register
// themselves from corosim::scenarios' object files. Nothing else is needed here; this file exists because CMake
// wants at least one source per executable.
