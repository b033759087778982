// Bit-parallel INT MAC PE (TPU-like, bit_parallel_mac.v): one multiply-accumulate
// per cycle on a stationary weight. A step is one cycle.
#pragma once
#include <cstdint>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/StepTrace.hpp"

namespace trsim {

struct MacPe {
    // Partial sum passed on to the PE below after this step.
    static int64_t step(int64_t psumIn, int64_t weight, int64_t data) { return psumIn + weight * data; }
    static constexpr int kCyclesPerStep = 1;
};

// The array step rule of PEs built around MacPe (mac, dnateq): one value
// product per step, one cycle whatever slot a job asks for.
struct MacStepRule {
    static constexpr bool kValueTiles = true;
    explicit MacStepRule(const ArraySpec&) {}
    int64_t beginJob(const RevealedOperand&, const RevealedOperand&, int64_t, const ArraySpec&) const {
        return MacPe::kCyclesPerStep;
    }
    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                    int64_t) const {
        return PeStep{MacPe::step(0, w.value(n, k0), x.value(m, k0)), 1, MacPe::kCyclesPerStep};
    }
    PeStep detailedStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                        int64_t len, int64_t slot) const {
        return fastStep(w, n, x, m, k0, len, slot);  // one cycle: nothing happens inside it
    }
    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t, StepTrace* trace = nullptr) const {
        const int64_t product = MacPe::step(0, w.values[0], x.values[0]);
        if (trace) {
            trace->clear();
            trace->opsPerCycle = 1;
            trace->ops.push_back(TracedOp{0, w.values[0], x.values[0], -1, 0, product});
        }
        return PeStep{product, 1, MacPe::kCyclesPerStep};
    }
    int tracedCounters() const { return 0; }  // no coefficient counters
    static void count(ArrayCounters& k, int64_t steps, int64_t) { k.macs += steps; }
    static int64_t valueWork(int64_t) { return 1; }
};

}  // namespace trsim
