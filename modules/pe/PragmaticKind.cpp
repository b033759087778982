// pragmatic: Bit-Pragmatic (Albericio et al., MICRO 2017). The weight is held in
// parallel and the activation's terms (its "oneffsets" in operands.data.encoding,
// every one of them) arrive one per cycle; a value with no terms still takes a
// cycle. PEs synchronise in lock step to the busiest of a step.
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/OperandProfile.hpp"
#include "modules/pe/PeKind.hpp"
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
    LayerOperands prepareLayer(const SimConfig& c, const IntTensor&, const IntTensor&) const override {
        LayerOperands o;
        o.dataCoding = everyTerm(c.data);
        return o;
    }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.serialSteps); }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return {{EnergyComponent::PeCompute, "term_shift_add", static_cast<double>(o.counters.serialSteps)}};
    }
};

}  // namespace

const PeKind& pragmaticPeKind() {
    static const PragmaticKind kind;
    return kind;
}

}  // namespace trsim
