#include <climits>
#include <cstdlib>
#include <malloc.h>
#include <iostream>
#include <systemc>  // declares sc_main extern "C"

#include "sim/cli/Commands.hpp"

namespace {

// The SystemC kernel prints a copyright banner unless this variable is set
// before it starts, which is before sc_main: set it during static
// initialisation. trsim's output should be its own (an explicit setting wins).
const bool kBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

// A run's big buffers (a layer's revealed operands and im2col blocks, hundreds of MB on VGG-16) come
// and go layer by layer. glibc would map each from the kernel and unmap it when freed, so every
// layer's buffers were fresh pages the kernel zeroes (and a virtual machine's host backs) again:
// 2.3 of VGG-16's 14 CPU seconds. One heap (one arena: the pool's threads share it), never mapped
// apart and never trimmed, reuses memory the process already has; its peak is lower too (VGG-16
// 893 -> 821 MB: per-thread arenas no longer hold memory apart). Set before any thread starts.
const bool kOneHeap = mallopt(M_ARENA_MAX, 1) && mallopt(M_MMAP_MAX, 0) && mallopt(M_TRIM_THRESHOLD, INT_MAX);

}  // namespace

// libsystemc provides main(), which sets up the simulation kernel and calls
// sc_main: the standard SystemC entry point.
int sc_main(int argc, char** argv) {
    (void)kBannerOff;
    (void)kOneHeap;
    trsim::Args args(argv + 1, argv + argc);
    return trsim::trsimMain(args, std::cout, std::cerr);
}
