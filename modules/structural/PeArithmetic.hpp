// One PE step's arithmetic for the structural array, on the operand slices that
// reached the PE through its ports: the product, the work it counts and the
// cycles it takes alone. A thin adaptor over the PE models of modules/pe/ (the
// same arithmetic and cycle rules SystolicArrayCore uses), until the PE-kind
// plug-in interface lands.
// PE-KIND: move into plug-in
#pragma once
#include <cstdint>

#include "modules/array/ArraySpec.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/CoefficientAccumulator.hpp"
#include "modules/structural/OperandSlice.hpp"

namespace trsim {

struct PeStepOutcome {
    int64_t product = 0;
    int64_t work = 0;    // MACs, term pairs or serial steps, as SystolicArrayCore counts per PE
    int64_t cycles = 1;  // cycles this PE needs for the step on its own
};

class PeArithmetic {
public:
    explicit PeArithmetic(const ArraySpec& spec) : spec_(spec), counters_(spec.coefficientCounters) {}

    // Whether this PE kind consumes terms (its slices carry them).
    static bool usesTerms(ArrayPe pe) { return pe == ArrayPe::Tr || pe == ArrayPe::Laconic || pe == ArrayPe::Pragmatic; }
    static bool usesWeightTerms(ArrayPe pe) { return pe == ArrayPe::Tr || pe == ArrayPe::Laconic; }

    // `slot` is the job's fixed step length (stripes: the layer's data precision).
    PeStepOutcome step(const OperandSlice& w, const OperandSlice& x, int64_t slot);
    // Adds one step's work to the array counters the way SystolicArrayCore does.
    void count(const PeStepOutcome& s, ArrayCounters& c) const;

private:
    ArraySpec spec_;
    CoefficientAccumulator counters_;  // tr, laconic: the tMAC's coefficient counters
};

}  // namespace trsim
