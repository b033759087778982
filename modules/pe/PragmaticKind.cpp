// pragmatic: Bit-Pragmatic (Albericio et al., MICRO 2017). The weight is held in
// parallel and the activation's terms (its "oneffsets" in operands.data.encoding,
// every one of them) arrive one per cycle; a value with no terms still takes a
// cycle. PEs synchronise in lock step to the busiest of a step.
#include <algorithm>
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/OperandProfile.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/pe/TermHardwareArea.hpp"
#include "modules/functional/Encoding.hpp"
#include "modules/functional/Requantize.hpp"
#include "sim/config/AreaModel.hpp"
#include "modules/pe/PragmaticPe.hpp"
#include "sim/config/Config.hpp"

namespace trsim {
namespace {

struct PragmaticStepRule {
    static constexpr bool kValueTiles = false;
    explicit PragmaticStepRule(const ArraySpec&) {}
    int64_t beginJob(const RevealedOperand&, const RevealedOperand&, int64_t stepSlot, const ArraySpec& spec) const {
        return stepSlot > 0 ? stepSlot : spec.fixedStepCycles;
    }
    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                    int64_t) const {
        const int64_t terms = x.termCount(m, k0);
        return PeStep{w.value(n, k0) * x.value(m, k0), terms, std::max<int64_t>(1, terms)};
    }
    PeStep detailedStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t,
                        int64_t) const {
        PragmaticPe pe;
        pe.beginStep(w.value(n, k0), x.terms(m, k0), x.termCount(m, k0));
        int64_t cycles = 0;
        for (; !pe.done(); ++cycles) pe.tick();
        return PeStep{pe.endStep(), x.termCount(m, k0), std::max<int64_t>(1, cycles)};
    }
    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t) const {
        const Terms& terms = x.termsAt(0);
        PragmaticPe pe;
        pe.beginStep(w.values[0], terms.data(), static_cast<int>(terms.size()));
        int64_t cycles = 0;
        for (; !pe.done(); ++cycles) pe.tick();
        return PeStep{pe.endStep(), static_cast<int64_t>(terms.size()), std::max<int64_t>(1, cycles)};
    }
    // A step is one value product of `terms` serial term steps.
    static void count(ArrayCounters& k, int64_t steps, int64_t terms) {
        k.macs += steps;
        k.serialSteps += terms;
    }
    static int64_t valueWork(int64_t) { return 0; }  // no value tiles
};

class PragmaticKind final : public PeKind {
public:
    std::string name() const override { return "pragmatic"; }
    std::string description() const override {
        return "Bit-Pragmatic: activation terms one per cycle, lock step to the busiest PE";
    }
    void configureArray(const SimConfig&, ArraySpec& s) const override { s.schedule = TrSchedule::Lockstep; }
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<PragmaticStepRule>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig& c, const OperandTensor&, const OperandTensor&) const override {
        LayerOperands o;
        o.dataCoding = everyTerm(c.data);
        return o;
    }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.serialSteps); }
    // term_shift_add shifts and adds an 8-bit weight; it scales with the weight width.
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        const double widthScale = std::max(1, o.weightMagnitudeBits) / 8.0;
        return {{EnergyComponent::PeCompute, "term_shift_add", static_cast<double>(o.counters.serialSteps), widthScale,
                 "term_shift_add_" + std::to_string(std::max(1, o.weightMagnitudeBits)) + "b"}};
    }
    // A barrel shifter of the weight over the data encoding's exponents
    // ((wb + E) bits x ceil(log2(E + 1)) mux stages), the accumulator's adder,
    // registers for the weight, one term and the partial sum; one encoder lane
    // per row turns a data value into terms per step.
    std::vector<AreaComponent> areaComponents(const SimConfig& c) const override {
        const int wb = weightDesignBits(c), db = dataDesignBits(c), acc = designAccumulatorBits(c);
        const AreaTable& t = c.area;
        const int exponent = maxExponent(c.data.encoding, db), stages = bitLength(exponent);
        const double rows = c.array.rows;
        return {{"pe",
                 muxUm2(t, static_cast<double>(wb + exponent) * stages) + adderUm2(t, acc) +
                     registerUm2(t, wb + 1 + stages + acc),
                 rows * c.array.cols},
                {"hese_encoder_lane", encoderLaneUm2(t, OperandCoding{db, c.data.encoding, 1, std::nullopt}), rows}};
    }
};

}  // namespace

const PeKind& pragmaticPeKind() {
    static const PragmaticKind kind;
    return kind;
}

}  // namespace trsim
