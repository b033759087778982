// What the systolic array needs to know to time and compute a GEMM: its shape,
// dataflow, PE kind and the PE's cycle rule. Filled from SimConfig by sim/.
#pragma once
#include <cstdint>

namespace trsim {

enum class ArrayDataflow { WeightStationary, OutputStationary };
// PE kinds (one reduction element per PE step except tr, which takes a weight group):
//  mac        bit-parallel INT MAC, one cycle per step
//  tr         tMAC: term pairs of a weight group and its data, see TrPe
//  stripes    bit-serial activations: `precision` cycles per step (StripesPe)
//  pragmatic  activation terms one per cycle (PragmaticPe); lock step to the busiest PE
//  laconic    term pairs of both operands, no budget (TrPe on one element); lock step
//  dnateq     exponentially quantized operands, one exponent-add MAC per cycle
enum class ArrayPe { Mac, Tr, Stripes, Pragmatic, Laconic, DnaTeq };

// How long a TR step takes.
//  fixed:    every step is budgeted for the most term pairs the budgets allow
//            (the authors' lock-step design: a group never overruns its slot);
//  lockstep: a step lasts as long as the busiest active PE needs (Laconic-style
//            synchronisation, but with TR budgets bounding the worst case).
enum class TrSchedule { Fixed, Lockstep };

struct ArraySpec {
    int rows = 32;
    int cols = 32;
    ArrayDataflow dataflow = ArrayDataflow::WeightStationary;
    ArrayPe pe = ArrayPe::Mac;
    TrSchedule schedule = TrSchedule::Fixed;
    int pairsPerCycle = 1;        // tr, laconic: term pairs a PE completes per cycle
    int coefficientCounters = 17; // TR: counters of the coefficient accumulator
    int reductionPerPe = 1;       // reduction elements one PE covers per step (TR: weight group size)
    int fixedStepCycles = 1;      // fixed schedule: cycles of every step (a job may override it)
    int minStepCycles = 1;        // a step is never shorter (data path throughput)
    int dataPathLatency = 0;      // cycles before the first data group reaches the array in a fold
    int linkLatency = 1;          // cycles per hop between neighbouring PEs; a step waits for its hop
};

}  // namespace trsim
