// The TR processing element (tMAC, mac.v in the authors' Verilog). It holds a
// stationary group of weights as terms and, per step, multiplies them with the
// data terms of the same group: every weight term of element k meets every data
// term of element k, one term pair per cycle (pairsPerCycle configurable), each
// pair counted into the CoefficientAccumulator; the counters become a binary
// partial sum at the end of the step.
//
// Two equivalent ways to run a step, and a test proves them equal:
//  - detailed: beginStep / tick per cycle / endStep, through the counters;
//  - fast: fastStep, which uses that the term pairs of one element add up to the
//    product of its truncated values, and only counts the pairs.
#pragma once
#include <cstdint>

#include "modules/pe/CoefficientAccumulator.hpp"
#include "modules/functional/RevealedOperand.hpp"

namespace trsim {

struct TrStepOutcome {
    int64_t product = 0;  // sum over the group of w'(k) * x'(k)
    int64_t pairs = 0;    // term pairs: sum over the group of terms_w(k) * terms_x(k)
};

class TrPe {
public:
    TrPe(int coefficientCounters, int pairsPerCycle);

    // Most term pairs one step over a weight group can need, given both
    // operands' codings: the slot of the fixed (lock-step) schedule. Each weight
    // term meets only the data terms of its own element, so the pairs are at most
    // (weight terms in the group) x (terms one data value can keep), and
    // symmetrically; the smaller bound is used.
    static int64_t slotPairs(const OperandCoding& weights, const OperandCoding& data);

    // Fast step over elements [k0, k0+len) of weight row n and data row m.
    static TrStepOutcome fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m,
                                  int64_t k0, int64_t len);

    // Detailed, cycle by cycle.
    void beginStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                   int64_t len);
    // One clock cycle: up to pairsPerCycle term pairs. True once every pair is done.
    // Inline: the detailed array calls it for every busy PE every cycle.
    bool tick() {
        for (int p = 0; p < pairsPerCycle_ && !done(); ++p) {
            acc_.addPair(wTerms_[i_], xTerms_[j_]);
            ++pairs_;
            if (++j_ < xCount_) continue;
            j_ = 0;
            if (++i_ < wCount_) continue;
            ++k_;
            skipEmpty();
        }
        return done();
    }
    bool done() const { return k_ >= kEnd_; }
    const CoefficientAccumulator& accumulator() const { return acc_; }
    // Binary partial product of the step (flushes the counters).
    int64_t endStep();
    int64_t pairsThisStep() const { return pairs_; }

private:
    void skipEmpty();

    CoefficientAccumulator acc_;
    int pairsPerCycle_;
    // Counts, term offsets and terms of the weight row n and data row m.
    const uint8_t* wCounts_ = nullptr;
    const uint8_t* xCounts_ = nullptr;
    const uint32_t* wOffsets_ = nullptr;
    const uint32_t* xOffsets_ = nullptr;
    const Term* wAll_ = nullptr;
    const Term* xAll_ = nullptr;
    int64_t k_ = 0, kEnd_ = 0;
    // Element k_'s terms and the current pair (weight term i_, data term j_).
    const Term* wTerms_ = nullptr;
    const Term* xTerms_ = nullptr;
    int wCount_ = 0, xCount_ = 0;
    int i_ = 0, j_ = 0;
    int64_t pairs_ = 0;
};

}  // namespace trsim
