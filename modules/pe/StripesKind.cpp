// stripes: bit-serial activations (Judd et al., MICRO 2016). The weight is held
// in parallel and the activation streams in one bit per cycle, for as many
// cycles as the layer's data precision (profiled per layer: the bits of its
// largest magnitude), whatever each value is. Every PE of a step takes the same
// time, so steps are fixed slots of that precision.
#include <algorithm>
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/OperandProfile.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/AreaModel.hpp"
#include "modules/pe/StripesPe.hpp"
#include "sim/config/Config.hpp"

namespace trsim {
namespace {

struct StripesStepRule {
    static constexpr bool kValueTiles = true;
    explicit StripesStepRule(const ArraySpec&) {}
    int64_t beginJob(const RevealedOperand&, const RevealedOperand&, int64_t stepSlot, const ArraySpec& spec) const {
        return stepSlot > 0 ? stepSlot : spec.fixedStepCycles;
    }
    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                    int64_t slot) const {
        return PeStep{StripesPe::fastProduct(w.value(n, k0), x.value(m, k0)), slot, slot};
    }
    PeStep detailedStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                        int64_t slot) const {
        StripesPe pe;
        pe.beginStep(w.value(n, k0), x.value(m, k0), static_cast<int>(slot));
        int64_t cycles = 0;
        for (; !pe.done(); ++cycles) pe.tick();
        return PeStep{pe.endStep(), slot, std::max<int64_t>(1, cycles)};
    }
    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t slot) const {
        StripesPe pe;
        pe.beginStep(w.values[0], x.values[0], static_cast<int>(slot));
        int64_t cycles = 0;
        for (; !pe.done(); ++cycles) pe.tick();
        return PeStep{pe.endStep(), slot, std::max<int64_t>(1, cycles)};
    }
    // A step is one value product of `slot` serial bit steps.
    static void count(ArrayCounters& k, int64_t steps, int64_t bits) {
        k.macs += steps;
        k.serialSteps += bits;
    }
    static int64_t valueWork(int64_t slot) { return slot; }
};

class StripesKind final : public PeKind {
public:
    std::string name() const override { return "stripes"; }
    std::string description() const override {
        return "bit-serial activations (Stripes): the layer's data precision in cycles per step";
    }
    void configureArray(const SimConfig& c, ArraySpec& s) const override {
        s.fixedStepCycles = c.data.bits;  // jobs narrow it to the layer's precision
    }
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<StripesStepRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig&, const OperandTensor& inputs, const OperandTensor&) const override {
        LayerOperands o;
        o.stepSlot = magnitudeBits(inputs);
        return o;
    }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.serialSteps); }
    // serial_bit_step is an 8-bit weight's gated shift-add; it scales with the weight width.
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        const double widthScale = std::max(1, o.weightMagnitudeBits) / 8.0;
        return {{EnergyComponent::PeCompute, "serial_bit_step", static_cast<double>(o.counters.serialSteps), widthScale,
                 "serial_bit_step_" + std::to_string(std::max(1, o.weightMagnitudeBits)) + "b"}};
    }
    // The weight gated by one activation bit (wb gates), the accumulator's adder,
    // registers for the weight, the activation bit and the shifting partial sum.
    std::vector<AreaComponent> areaComponents(const SimConfig& c) const override {
        const int wb = weightDesignBits(c), acc = designAccumulatorBits(c);
        const AreaTable& t = c.area;
        return {{"pe", muxUm2(t, wb) + adderUm2(t, acc) + registerUm2(t, wb + 1 + acc),
                 static_cast<double>(c.array.rows) * c.array.cols}};
    }
};

}  // namespace

const PeKind& stripesPeKind() {
    static const StripesKind kind;
    return kind;
}

}  // namespace trsim
