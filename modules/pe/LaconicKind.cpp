// laconic: Laconic (Sharify et al., ISCA 2019). Every term of both operands (no
// budget) meets every term of the other, term pair by term pair through
// coefficient counters (TrPe on one element per step); PEs synchronise in lock
// step to the busiest of a step.
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/pe/CoefficientCountersCheck.hpp"
#include "modules/pe/OperandProfile.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/pe/TermHardwareArea.hpp"
#include "sim/config/AreaModel.hpp"
#include "modules/pe/TermPairStepRule.hpp"
#include "sim/config/Config.hpp"

namespace trsim {
namespace {

class LaconicKind final : public PeKind {
public:
    std::string name() const override { return "laconic"; }
    std::string description() const override {
        return "Laconic: term pairs of both operands, every term, lock step to the busiest PE";
    }
    void validate(const SimConfig& c, const ConfigProblem& problem) const override {
        checkCoefficientCounters(c, problem);
    }
    void configureArray(const SimConfig& c, ArraySpec& s) const override {
        s.pairsPerCycle = c.pe.termPairsPerCycle;
        s.coefficientCounters = c.pe.coefficientCounters;
        s.schedule = TrSchedule::Lockstep;
    }
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<TermPairStepRule<true>>>(spec);
    }
    LayerOperands prepareLayer(const SimConfig& c, const OperandTensor&, const OperandTensor&) const override {
        LayerOperands o;
        o.weightCoding = everyTerm(c.weights);
        o.dataCoding = everyTerm(c.data);
        return o;
    }
    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.termPairs); }
    double workPerPeCycle(const SimConfig& c) const override { return c.pe.termPairsPerCycle; }
    std::vector<EnergyAction> energyActions(const SimConfig&, const LayerOutcome& o) const override {
        return {{EnergyComponent::PeCompute, "term_pair", static_cast<double>(o.counters.termPairs)},
                {EnergyComponent::PeCompute, "coefficient_flush", static_cast<double>(o.counters.groupsFlushed)}};
    }
    // The tMAC's term-pair hardware for one weight (every term of both operands)
    // and one encoder lane per row.
    std::vector<AreaComponent> areaComponents(const SimConfig& c) const override {
        const int wb = weightDesignBits(c), db = dataDesignBits(c);
        const OperandCoding w{wb, c.weights.encoding, 1, std::nullopt}, x{db, c.data.encoding, 1, std::nullopt};
        const double rows = c.array.rows;
        return {{"pe", termPairPeUm2(c, w, x, wb), rows * c.array.cols},
                {"hese_encoder_lane", encoderLaneUm2(c.area, x), rows}};
    }
};

}  // namespace

const PeKind& laconicPeKind() {
    static const LaconicKind kind;
    return kind;
}

}  // namespace trsim
