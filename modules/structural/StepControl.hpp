// The global control wires of the lock-step structural array, driven by the
// array's sequencer (StructuralArray) and read by every PE: which phase the
// array is in, the clock edges on which PEs act, the job's step slot, and the
// lock step's "slowest PE" reduction (a max tree in hardware; each PE reports
// the cycles it needs when a step begins, the sequencer reads the result one
// delta later and holds the step that long).
#pragma once
#include <algorithm>
#include <cstdint>

#include <systemc>

namespace trsim {

enum class ArrayPhase {
    Preload,  // weight stationary: weights shift down the columns, one row per cycle
    Step,     // operands move one PE east, partial sums (or OS weights) one PE south
};

struct StepControl {
    sc_core::sc_event act;    // notified on the clock edges where PEs act
    sc_core::sc_event acted;  // notified once they have (the cycle-level waveform shows their new step)
    ArrayPhase phase = ArrayPhase::Step;
    int64_t slot = 1;       // the job's fixed step length
    int64_t slowest = 0;    // max of the cycles the PEs reported for the current step

    void report(int64_t cycles) { slowest = std::max(slowest, cycles); }
};

}  // namespace trsim
