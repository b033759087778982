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

// SCALE-Sim v2's per-fold averages (scalesim/compute/systolic_compute_{ws,os}.py,
// the mapping_efficiency_per_fold and compute_utility_per_fold lists, averaged
// over folds without weights), summed over folds here; the report divides by
// `folds`. Per fold:
//  mapping: PEs with an operand / PEs (SCALE-Sim: row_used * col_used / (R * C));
//  compute: the fold's useful work / (PEs * the fold's cycles as SCALE-Sim counts
//           them), work in the kind's units (SCALE-Sim, one MAC per cycle:
//           mac_used * T); cycles: the fold's compute cycles, plus cols - 1 in a
//           weight-stationary fold (SCALE-Sim counts its filter demand matrix's
//           rows + columns - 1: 2R + 2C + T - 3 against the fold's 2R + C + T - 2).
struct FoldAverages {
    int64_t folds = 0;
    double mappingSum = 0;
    double computeSum = 0;  // divide by the kind's work per PE-cycle (1 for MACs)

    void addFold(const ArraySpec& spec, const FoldShape& f, int64_t foldCycles, double foldWork) {
        const double pes = static_cast<double>(spec.rows) * spec.cols;
        const int64_t scaleSimCycles =
            foldCycles + (spec.dataflow == ArrayDataflow::WeightStationary ? spec.cols - 1 : 0);
        folds++;
        mappingSum += static_cast<double>(f.rowsUsed * f.colsUsed) / pes;
        computeSum += scaleSimCycles > 0 ? foldWork / (pes * static_cast<double>(scaleSimCycles)) : 0.0;
    }
    FoldAverages& operator+=(const FoldAverages& o) {
        folds += o.folds;
        mappingSum += o.mappingSum;
        computeSum += o.computeSum;
        return *this;
    }
};

struct GemmJob {
    const RevealedOperand* x = nullptr;
    const RevealedOperand* w = nullptr;
    const OperandTensor* xValues = nullptr;  // the data before encoding and TR (what the data buffer holds)
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
    FoldAverages foldAverages; // SCALE-Sim's per-fold mapping and compute utilization
    std::vector<int64_t> peWork;  // useful MACs or term pairs of each PE, [rows * cols]
};

// sc_fifo payloads need a stream operator.
inline std::ostream& operator<<(std::ostream& os, const GemmJob* job) { return os << "GemmJob@" << static_cast<const void*>(job); }

}  // namespace trsim
