#include <cstdlib>
#include <iostream>
#include <systemc>  // declares sc_main extern "C"

#include "sim/cli/Commands.hpp"

namespace {

// The SystemC kernel prints a copyright banner unless this variable is set
// before it starts, which is before sc_main: set it during static
// initialisation. trsim's output should be its own (an explicit setting wins).
const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

}  // namespace

// libsystemc provides main(), which sets up the simulation kernel and calls
// sc_main: the standard SystemC entry point.
int sc_main(int argc, char** argv) {
    (void)kBannerOff;
    trsim::Args args(argv + 1, argv + argc);
    return trsim::trsimMain(args, std::cout, std::cerr);
}
