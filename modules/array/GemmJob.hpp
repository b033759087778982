// One GEMM handed from the Controller to the SystolicArray, and what the array
// reports back: X [M,K] (data) times W [N,K]^T (weights), operands already in
// the form the PEs consume.
#pragma once
#include <cstdint>
#include <ostream>

#include "modules/memory/MemorySystem.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/RevealedOperand.hpp"

namespace trsim {

struct GemmJob {
    const RevealedOperand* x = nullptr;
    const RevealedOperand* w = nullptr;
    const IntTensor* xValues = nullptr;  // the data before encoding and TR (what the data buffer holds)
    int64_t layer = 0;                   // index of the layer it belongs to (waveform marker)
    int64_t stepSlot = 0;  // > 0: fixed step length for this GEMM (stripes: the layer's data precision)
    StoredWidths stored;   // how the layer's operands are stored (memory traffic)
    // The layer's own array spec when its settings (per_layer) give one other than the array's, e.g. another
    // weight group size; nullptr: the array's. SystolicArray runs such a job on a core built for it.
    const ArraySpec* array = nullptr;

    // Filled by the array.
    IntTensor output;          // [M, N]
    ArrayCounters counters;
    int64_t stallCycles = 0;   // waiting for DRAM
    int64_t totalCycles = 0;   // compute + stalls
    FoldTraffic traffic;       // summed over folds
    std::vector<int64_t> peWork;  // useful MACs or term pairs of each PE, [rows * cols]
};

// sc_fifo payloads need a stream operator.
inline std::ostream& operator<<(std::ostream& os, const GemmJob* job) { return os << "GemmJob@" << static_cast<const void*>(job); }

}  // namespace trsim
