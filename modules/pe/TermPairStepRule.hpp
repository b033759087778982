// The array step rule of term-pair PEs (tr, laconic), around TrPe: a step
// multiplies a weight group with its data term pair by term pair, pairsPerCycle
// pairs per cycle, through the coefficient counters; it takes ceil(pairs /
// pairsPerCycle) cycles (at least one).
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/TrPe.hpp"

namespace trsim {

// kCountsMacs: the PE works on one element per step, so a step is also one MAC
// (laconic); tr's steps cover a whole weight group.
template <bool kCountsMacs>
class TermPairStepRule {
public:
    static constexpr bool kValueTiles = false;

    explicit TermPairStepRule(const ArraySpec& spec)
        : pe_(spec.coefficientCounters, spec.pairsPerCycle), pairsPerCycle_(spec.pairsPerCycle) {}

    int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot, const ArraySpec& spec) const {
        const int wMost = largestExponent(w), xMost = largestExponent(x);
        if (!pe_.accumulator().covers(wMost, xMost))
            throw std::invalid_argument("SystolicArrayCore: " + std::to_string(spec.coefficientCounters) +
                                        " coefficient counters cannot hold exponent sums up to " +
                                        std::to_string(wMost + xMost));
        return stepSlot > 0 ? stepSlot : spec.fixedStepCycles;
    }

    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t len,
                    int64_t) const {
        const TrStepOutcome o = TrPe::fastStep(w, n, x, m, k0, len);
        return PeStep{o.product, o.pairs, std::max<int64_t>(1, (o.pairs + pairsPerCycle_ - 1) / pairsPerCycle_)};
    }

    PeStep detailedStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                        int64_t len, int64_t) {
        // One TrPe plays every PE in turn: a step's counters are flushed at its end.
        int64_t cycles = 0;
        pe_.beginStep(w, n, x, m, k0, len);
        for (; !pe_.done(); ++cycles) pe_.tick();
        PeStep s;
        s.work = pe_.pairsThisStep();
        s.product = pe_.endStep();
        s.cycles = std::max<int64_t>(1, cycles);  // a PE with nothing to do still spends its step's cycle
        return s;
    }

    static void count(ArrayCounters& k, int64_t steps, int64_t pairs) {
        if (kCountsMacs) k.macs += steps;
        k.termPairs += pairs;
        k.groupsFlushed += steps;
    }
    static int64_t valueWork(int64_t) { return 0; }  // no value tiles

private:
    static int largestExponent(const RevealedOperand& a) {
        int most = 0;
        for (int64_t i = 0; i < a.keptTerms(); ++i) most = std::max<int>(most, a.allTerms()[i].exponent);
        return most;
    }

    TrPe pe_;
    int pairsPerCycle_;
};

}  // namespace trsim
