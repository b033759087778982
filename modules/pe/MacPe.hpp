// Bit-parallel INT MAC PE (TPU-like, bit_parallel_mac.v): one multiply-accumulate
// per cycle on a stationary weight. A step is one cycle.
#pragma once
#include <cstdint>

namespace trsim {

struct MacPe {
    // Partial sum passed on to the PE below after this step.
    static int64_t step(int64_t psumIn, int64_t weight, int64_t data) { return psumIn + weight * data; }
    static constexpr int kCyclesPerStep = 1;
};

}  // namespace trsim
