// The array step rule of term-pair PEs (tr, laconic), around TrPe: a step
// multiplies a weight group with its data term pair by term pair, pairsPerCycle
// pairs per cycle, through the coefficient counters; it takes ceil(pairs /
// pairsPerCycle) cycles, at least one (TermPairTiming.hpp).
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/StepTrace.hpp"
#include "modules/pe/TermPairColumn.hpp"
#include "modules/pe/TermPairTiming.hpp"
#include "modules/pe/TrPe.hpp"

namespace trsim {

// kCountsMacs: the PE works on one element per step, so a step is also one MAC
// (laconic); tr's steps cover a whole weight group.
template <bool kCountsMacs>
class TermPairStepRule {
public:
    static constexpr bool kValueTiles = false;

    explicit TermPairStepRule(const ArraySpec& spec)
        : pe_(spec.coefficientCounters, spec.pairsPerCycle),
          sliceCounters_(spec.coefficientCounters),
          pairsPerCycle_(spec.pairsPerCycle) {}

    int64_t beginJob(const RevealedOperand& x, const RevealedOperand& w, int64_t stepSlot, const ArraySpec& spec) {
        const int wMost = w.largestExponent(), xMost = x.largestExponent();
        if (!pe_.accumulator().covers(wMost, xMost))
            throw std::invalid_argument("SystolicArrayCore: " + std::to_string(spec.coefficientCounters) +
                                        " coefficient counters cannot hold exponent sums up to " +
                                        std::to_string(wMost + xMost));
        // |value| < 2^(most + 1): a step's sum of reductionPerPe products fits 32 bits below this.
        int lenBits = 0;
        while ((int64_t{1} << lenBits) < spec.reductionPerPe) ++lenBits;
        narrowSums_ = wMost + xMost + 2 + lenBits <= 30;
        // |value| < 2^(most + 1) <= 2^15: both operands fit the 16-bit multiply-add.
        layout_ = narrowSums_ && wMost <= 14 && xMost <= 14 ? DataSliceLayout::Pairs16 : DataSliceLayout::Wide;
        return stepSlot > 0 ? stepSlot : spec.fixedStepCycles;
    }

    PeStep fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0, int64_t len,
                    int64_t) const {
        const TrStepOutcome o = TrPe::fastStep(w, n, x, m, k0, len);
        return PeStep{o.product, o.pairs, termPairStepCycles<int64_t>(o.pairs, pairsPerCycle_)};
    }

    DataSliceLayout sliceLayout() const { return layout_; }

    // fastStep for data rows [m0, m0 + rows) of the slice at once (row m0 + i's product added to
    // products[i], its cycles written to cycles[i]): loops over data rows, vectorized.
    int64_t fastColumn(const RevealedOperand& w, int64_t n, const DataSlice& x, int64_t, int64_t m0, int64_t rows,
                       int64_t* products, int32_t* cycles) {
        const uint8_t* wCounts = w.countsRow(n) + x.k0;
        if (layout_ == DataSliceLayout::Pairs16) {
            const std::size_t at = pairs16Index(m0, 0, x.pairStride);
            return termPairColumnPairs16(weightsAt<int16_t>(w, n, x.k0, x.len), wCounts, x.pairValues.data() + at,
                                         x.pairCounts.data() + at, x.len, rows, x.pairStride, pairsPerCycle_,
                                         products, cycles);
        }
        const int64_t stride = x.rows;  // Wide: element j of every row, then j + 1
        if (narrowSums_)
            return termPairColumnNarrow(weightsAt<int32_t>(w, n, x.k0, x.len), wCounts, x.values.data() + m0,
                                        x.counts.data() + m0, x.len, rows, stride, pairsPerCycle_, products, cycles);
        for (int64_t j = 0; j < x.len; ++j) {
            const int64_t wv = w.value(n, x.k0 + j);
            const int32_t* xv = &x.values[static_cast<std::size_t>(j * stride + m0)];
            if (wv != 0)
                for (int64_t i = 0; i < rows; ++i) products[i] += wv * xv[i];
        }
        std::fill(cycles, cycles + rows, 0);  // term pairs first, cycles below
        for (int64_t j = 0; j < x.len; ++j) {
            const int32_t wc = wCounts[j];
            const uint8_t* xc = &x.counts[static_cast<std::size_t>(j * stride + m0)];
            if (wc != 0)
                for (int64_t i = 0; i < rows; ++i) cycles[i] += wc * xc[i];
        }
        int64_t pairs = 0;
        for (int64_t i = 0; i < rows; ++i) pairs += cycles[i];
        const int32_t perCycle = pairsPerCycle_;
        for (int64_t i = 0; i < rows; ++i) cycles[i] = termPairStepCycles(cycles[i], perCycle);
        return pairs;
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

    // The tMAC on the terms at its ports: every weight term of element k meets
    // every data term of element k, pairsPerCycle pairs per cycle, counted into
    // the coefficient counters, which become the step's binary product. With a
    // trace (cycle-level waveform), each pair is recorded as it is counted.
    PeStep sliceStep(const OperandSlice& w, const OperandSlice& x, int64_t, StepTrace* trace = nullptr) {
        CoefficientAccumulator& counters = sliceCounters_;
        int64_t pairs = 0;
        if (trace) {
            trace->clear();
            trace->opsPerCycle = pairsPerCycle_;
        }
        int64_t sum = 0;
        for (std::size_t k = 0; k < x.values.size(); ++k)
            for (const Term& wt : w.termsAt(k))
                for (const Term& xt : x.termsAt(k)) {
                    counters.addPair(wt, xt);
                    ++pairs;
                    if (trace) {
                        const int c = wt.exponent + xt.exponent;
                        sum += wt.sign * xt.sign * (int64_t{1} << c);
                        trace->ops.push_back(
                            TracedOp{static_cast<int>(k), wt.value(), xt.value(), c, counters.count(c), sum});
                    }
                }
        return PeStep{counters.flush(), pairs, termPairStepCycles<int64_t>(pairs, pairsPerCycle_)};
    }
    // Counters the cycle-level waveform shows.
    int tracedCounters() const { return sliceCounters_.size(); }

    static void count(ArrayCounters& k, int64_t steps, int64_t pairs) {
        if (kCountsMacs) k.macs += steps;
        k.termPairs += pairs;
        k.groupsFlushed += steps;
    }
    static int64_t valueWork(int64_t) { return 0; }  // no value tiles

private:
    // Weights [k0, k0 + len) of row n at the kernel's width T: the operand's own values when stored at
    // T, else a copy (a Pairs16 job's weights all lie below 2^15, beginJob checks, whatever their storage).
    template <class T>
    const T* weightsAt(const RevealedOperand& w, int64_t n, int64_t k0, int64_t len) {
        return w.visitRow(n, [&](const auto* row) -> const T* {
            if constexpr (std::is_same_v<std::remove_const_t<std::remove_pointer_t<decltype(row)>>, T>) {
                return row + k0;
            } else {
                std::vector<T>& copy = std::get<std::vector<T>>(weightCopies_);
                copy.assign(row + k0, row + k0 + len);
                return copy.data();
            }
        });
    }

    TrPe pe_;
    CoefficientAccumulator sliceCounters_;  // the structural PE's own counters (sliceStep)
    int pairsPerCycle_;
    bool narrowSums_ = false;  // this job's step products sum exactly in 32 bits
    DataSliceLayout layout_ = DataSliceLayout::Wide;
    std::tuple<std::vector<int16_t>, std::vector<int32_t>> weightCopies_;  // weightsAt's copies
};

}  // namespace trsim
