// What the systolic array needs to know to time and compute a GEMM: its shape,
// dataflow, PE kind and the PE's cycle rule. Filled from SimConfig by sim/ and
// the kind (its configureArray).
#pragma once
#include <cstdint>

namespace trsim {

enum class ArrayDataflow { WeightStationary, OutputStationary };
class PeKind;  // modules/pe/PeKind.hpp: the kinds, one file each in modules/pe/

// How long a step takes.
//  fixed:    every step lasts the slot (TR: the most term pairs the budgets
//            allow, the authors' lock-step design; a PE never overruns its slot);
//  lockstep: a step lasts as long as the busiest active PE needs (Laconic-style
//            synchronisation; with TR budgets bounding the worst case).
enum class TrSchedule { Fixed, Lockstep };

struct ArraySpec {
    int rows = 32;
    int cols = 32;
    ArrayDataflow dataflow = ArrayDataflow::WeightStationary;
    const PeKind* pe = nullptr;   // a registered kind (PeRegistry), which outlives every array
    TrSchedule schedule = TrSchedule::Fixed;
    int pairsPerCycle = 1;        // term-pair PEs: term pairs a PE completes per cycle
    int coefficientCounters = 17; // term-pair PEs: counters of the coefficient accumulator
    int reductionPerPe = 1;       // reduction elements one PE covers per step (TR: weight group size)
    int fixedStepCycles = 1;      // fixed schedule: cycles of every step (a job may override it)
    int minStepCycles = 1;        // a step is never shorter (data path throughput)
    int dataPathLatency = 0;      // cycles before the first data group reaches the array in a fold
    int linkLatency = 1;          // cycles per hop between neighbouring PEs; a step waits for its hop
};

// Every field equal (a layer whose settings give another spec runs on a core built for it).
inline bool operator==(const ArraySpec& a, const ArraySpec& b) {
    return a.rows == b.rows && a.cols == b.cols && a.dataflow == b.dataflow && a.pe == b.pe && a.schedule == b.schedule &&
           a.pairsPerCycle == b.pairsPerCycle && a.coefficientCounters == b.coefficientCounters &&
           a.reductionPerPe == b.reductionPerPe && a.fixedStepCycles == b.fixedStepCycles &&
           a.minStepCycles == b.minStepCycles && a.dataPathLatency == b.dataPathLatency && a.linkLatency == b.linkLatency;
}
inline bool operator!=(const ArraySpec& a, const ArraySpec& b) { return !(a == b); }

}  // namespace trsim
