// tr: the Term Revealing tMAC array (Kung et al.; mac.v, coe_acc.v in the
// authors' Verilog). Weights are revealed offline and data at run time by a
// HESE encoder and term comparator per array row (data_path.*); a PE holds a
// weight group (operands.weights.group_size elements) as terms and multiplies
// it with the data group term pair by term pair through its coefficient
// counters. Steps are fixed slots of the most term pairs the budgets and the
// layer's operand precision allow (pe.schedule: fixed, the authors' design) or
// last as long as the busiest PE (lockstep). With binary encodings and no budgets it is the tMAC's
// conventional (uniform quantization) mode.
#include <algorithm>
#include <memory>

#include "modules/array/Controller.hpp"
#include "modules/array/PeArrayCore.hpp"
#include "modules/datapath/HeseEncoder.hpp"
#include "modules/pe/CoefficientCountersCheck.hpp"
#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/OperandProfile.hpp"
#include "modules/pe/PeKind.hpp"
#include "modules/pe/TermHardwareArea.hpp"
#include "sim/config/AreaModel.hpp"
#include "modules/pe/TermPairStepRule.hpp"
#include "modules/pe/TermPairTiming.hpp"
#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {
namespace {

class TrKind final : public PeKind {
public:
    std::string name() const override { return "tr"; }
    std::string description() const override {
        return "Term Revealing tMAC: term pairs of a weight group and its data, budgeted slots (pe.schedule)";
    }
    void validate(const SimConfig& c, const ConfigProblem& problem) const override {
        checkCoefficientCounters(c, problem);
    }

    void configureArray(const SimConfig& c, ArraySpec& s) const override {
        s.pairsPerCycle = c.pe.termPairsPerCycle;
        s.coefficientCounters = c.pe.coefficientCounters;
        s.schedule = c.pe.schedule == TrScheduleKind::Fixed ? TrSchedule::Fixed : TrSchedule::Lockstep;
        s.reductionPerPe = c.weights.groupSize;
        // The slot of operands at the declared bits; each layer's GEMMs get the
        // slot of their own precision (prepareLayer), never longer.
        s.fixedStepCycles = static_cast<int>(slotCycles(c, TrPe::slotPairs(c.weights, c.data)));
        // Each array row's encoders (lanes_per_row of them, each a
        // HeseEncoder -> TermComparator chain) deliver the row's g weight-group
        // elements every step: ceil(g / lanes) values per lane at C cycles per
        // value, so no step is shorter; a fold's first slice arrives that long
        // minus one, plus the encoder and comparator latencies, after it starts
        // (the chained timing HeseEncoderCore and TermComparatorCore implement).
        HeseEncoderParams enc;
        enc.bits = c.data.bits;
        enc.bitsPerCycle = c.dataPath.encoderBitsPerCycle;
        enc.latencyCycles = c.dataPath.encoderLatency;
        const int perValue = HeseEncoderCore(enc).cyclesPerValue();
        const int valuesPerLane = (c.weights.groupSize + c.dataPath.lanesPerRow - 1) / c.dataPath.lanesPerRow;
        s.minStepCycles = valuesPerLane * perValue;
        s.dataPathLatency = valuesPerLane * perValue - 1 + c.dataPath.encoderLatency + c.dataPath.comparatorLatency;
    }
    std::unique_ptr<SystolicArrayCore> makeCore(const ArraySpec& spec) const override {
        return std::make_unique<PeArrayCore<TermPairStepRule<false>>>(spec);
    }
    bool revealsDataAtRunTime() const override { return true; }

    // The fixed slot follows the operands the layer actually has: slotPairs on
    // codings whose bits are the layer's profiled precision (the bits of its
    // largest weight and data magnitude), not the declared operands.*.bits
    // bound. In the authors' accounting (SPEC section 6) QT costs wb x db term
    // pairs per MAC: conventional mode (binary, no budget) gets g x wb x db
    // pairs per group of g, e.g. 8 x 7 x 8 for symmetric int8 weights (7
    // magnitude bits) and uint8 data. TR costs k x s per group of g: with
    // budgets that bind, the slot is k x s whatever the precision (12 x 3 = 36).
    LayerOperands prepareLayer(const SimConfig& c, const OperandTensor& inputs, const OperandTensor& weights) const override {
        LayerOperands o;
        o.weightCoding = c.weights;
        o.dataCoding = c.data;
        OperandCoding w = c.weights, x = c.data;
        w.bits = std::min(w.bits, magnitudeBits(weights));
        x.bits = std::min(x.bits, magnitudeBits(inputs));
        o.stepSlot = slotCycles(c, TrPe::slotPairs(w, x));
        // Weights with a group budget are stored as their kept terms, k slots per
        // group (OperandStorage.hpp), or as values revealed when loaded
        // (pe.weight_storage); data as binary values, revealed after the buffers.
        if (c.weights.budget && c.pe.weightStorage == WeightStorage::Terms)
            o.weightStoredBits = keptTermBitsPerValue(c.weights);
        o.weightsRevealedAtLoad = revealsWeightsAtLoad(c);
        return o;
    }

    double usefulWork(const ArrayCounters& k) const override { return static_cast<double>(k.termPairs); }
    double workPerPeCycle(const SimConfig& c) const override { return c.pe.termPairsPerCycle; }

    std::vector<EnergyAction> energyActions(const SimConfig& c, const LayerOutcome& o) const override {
        std::vector<EnergyAction> a{
            {EnergyComponent::PeCompute, "term_pair", static_cast<double>(o.counters.termPairs)},
            {EnergyComponent::PeCompute, "coefficient_flush", static_cast<double>(o.counters.groupsFlushed)}};
        // A streaming comparator compares every incoming term once against the running threshold.
        if (c.data.budget)
            a.push_back({EnergyComponent::Comparator, "term_compare", static_cast<double>(o.dataEncodedTerms)});
        // Weights stored as values: every weight value loaded into the array is
        // encoded, and every term it has enters the column's comparator.
        if (revealsWeightsAtLoad(c)) {
            const double loaded = static_cast<double>(o.traffic.arrayValues.weights);
            const double termsPerValue =
                o.weightValues > 0 ? static_cast<double>(o.weightEncodedTerms) / static_cast<double>(o.weightValues) : 0.0;
            a.push_back({EnergyComponent::Encoder, "hese_encode", loaded, 1, "weight_hese_encode"});
            a.push_back({EnergyComponent::Comparator, "term_compare", loaded * termsPerValue, 1, "weight_term_compare"});
        }
        return a;
    }

    // The tMAC holds its weight group as stored (k term slots, or g binary
    // values in conventional mode); every row has lanes_per_row encoder lanes
    // and, with a data budget, a term comparator (TermHardwareArea.hpp).
    std::vector<AreaComponent> areaComponents(const SimConfig& c) const override {
        const OperandCoding w{weightDesignBits(c), c.weights.encoding, c.weights.groupSize, c.weights.budget};
        const OperandCoding x{dataDesignBits(c), c.data.encoding, c.data.groupSize, c.data.budget};
        // The tMAC holds its group as kept terms however the weights are stored.
        const double group = w.budget ? keptTermBitsPerValue(w) * w.groupSize : static_cast<double>(w.bits) * w.groupSize;
        const double rows = c.array.rows;
        std::vector<AreaComponent> a{{"pe", termPairPeUm2(c, w, x, group), rows * c.array.cols},
                                     {"hese_encoder_lane", encoderLaneUm2(c.area, x), rows * c.dataPath.lanesPerRow}};
        if (x.budget) a.push_back({"term_comparator", comparatorUm2(c.area, x), rows});
        // Weights stored as values: each column reveals the weight groups shifted
        // into it during the preload, a group per cycle: g encoder lanes and a
        // comparator keeping the group's k terms.
        if (revealsWeightsAtLoad(c)) {
            const double cols = c.array.cols;
            a.push_back({"weight_encoder_lane", encoderLaneUm2(c.area, w), cols * w.groupSize});
            a.push_back({"weight_term_comparator", comparatorUm2(c.area, w), cols});
        }
        return a;
    }

    std::optional<std::string> accuracyOperand(const OperandCoding& o) const override {
        if (!o.budget) return std::string("exact");  // every term kept
        return encodingName(o.encoding) + ":g" + std::to_string(o.groupSize) + ":k" + std::to_string(*o.budget);
    }

    // Every term kept is exact arithmetic (the 8-bit quality); otherwise the
    // trace's /tr_accuracy row for these codings, if it has one.
    std::optional<double> accuracy(const Trace& trace, const SimConfig& c) const override {
        if (!c.weights.budget && !c.data.budget) return trace.int8Metric;
        for (const TrAccuracyRow& r : trace.trAccuracy)
            if (r.weightEncoding == encodingName(c.weights.encoding) && r.dataEncoding == encodingName(c.data.encoding) &&
                r.weightGroupSize == c.weights.groupSize && r.dataGroupSize == c.data.groupSize &&
                r.weightBudget == c.weights.budget && r.dataBudget == c.data.budget)
                return r.value;
        return std::nullopt;
    }

private:
    // pe.weight_storage: values with a weight budget: an encoder and a comparator per column.
    static bool revealsWeightsAtLoad(const SimConfig& c) {
        return c.weights.budget && c.pe.weightStorage == WeightStorage::Values;
    }
    // Cycles of a slot of `pairs` term pairs at pe.term_pairs_per_cycle.
    static int64_t slotCycles(const SimConfig& c, int64_t pairs) {
        return termPairStepCycles<int64_t>(pairs, c.pe.termPairsPerCycle);
    }
};

}  // namespace

const PeKind& trPeKind() {
    static const TrKind kind;
    return kind;
}

}  // namespace trsim
