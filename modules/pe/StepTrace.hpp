// What one PE step did, operation by operation, for the cycle-level waveform of
// the structural array (outputs.vcd_level: cycle). A kind's step rule fills it
// while it computes the step (PeArrayCore.hpp: the optional traced sliceStep), so
// the waveform shows the very operations that made the result, not a replay:
//  - term-pair PEs (tr, laconic): one entry per term pair, in the order the PE
//    takes them (element k, every weight term of k, every data term of k), with
//    the coefficient counter it steps and the counter's value afterwards;
//  - value PEs (mac, dnateq): one entry, the product of the two values.
// Entry i runs in cycle i / pairsPerCycle of the step.
#pragma once
#include <cstdint>
#include <vector>

namespace trsim {

struct TracedOp {
    int element = 0;          // reduction element of the step (0 .. reductionPerPe - 1)
    int64_t weight = 0;       // the weight term's value s * 2^e (value PEs: the weight value)
    int64_t data = 0;         // the data term's value (value PEs: the data value)
    int counter = -1;         // coefficient counter stepped: exponent sum a + b; -1: none (value PEs)
    int64_t counterValue = 0; // that counter after this op
    int64_t sum = 0;          // binary value of the step so far (the counters' sum, or the product)
};

struct StepTrace {
    std::vector<TracedOp> ops;
    int opsPerCycle = 1;

    void clear() { ops.clear(); }
    // Cycles the ops take (at least one: a step with no op still spends its cycle).
    int64_t cycles() const {
        const int64_t n = static_cast<int64_t>(ops.size());
        return n == 0 ? 1 : (n + opsPerCycle - 1) / opsPerCycle;
    }
};

}  // namespace trsim
