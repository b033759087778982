// libsystemc.so refers to sc_main; this binary takes main() from gtest_main
// and never starts a SystemC simulation, so sc_main only has to exist.
#include <cstdio>

extern "C" int sc_main(int, char**) {
    std::fprintf(stderr, "sc_main stub: not a SystemC program\n");
    return 1;
}
