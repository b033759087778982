#include "modules/pe/TrPe.hpp"

#include <algorithm>
#include <numeric>

namespace trsim {

TrPe::TrPe(int coefficientCounters, int pairsPerCycle) : acc_(coefficientCounters), pairsPerCycle_(pairsPerCycle) {}

int64_t TrPe::slotPairs(const OperandCoding& weights, const OperandCoding& data) {
    const int64_t g = weights.groupSize;
    const int64_t tw = maxTermsPerValue(weights.encoding, weights.bits);
    const int64_t tx = maxTermsPerValue(data.encoding, data.bits);
    // Weight terms in one group, and per weight value.
    const int64_t groupW = weights.budget ? std::min<int64_t>(*weights.budget, g * tw) : g * tw;
    const int64_t valueW = weights.budget ? std::min<int64_t>(*weights.budget, tw) : tw;
    // Data terms over the g elements: weight groups start at multiples of g and
    // data groups at multiples of gx, so count the data groups one weight group
    // overlaps, at worst (the pattern repeats every lcm(g, gx) elements).
    const int64_t gx = data.groupSize;
    int64_t dataGroups = 0;
    for (int64_t start = 0; start < std::lcm(g, gx); start += g)
        dataGroups = std::max(dataGroups, (start + g - 1) / gx - start / gx + 1);
    const int64_t groupX = data.budget ? std::min<int64_t>(g * tx, *data.budget * dataGroups) : g * tx;
    const int64_t valueX = data.budget ? std::min<int64_t>(*data.budget, tx) : tx;
    return std::min(groupW * valueX, groupX * valueW);
}

TrStepOutcome TrPe::fastStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                             int64_t len) {
    TrStepOutcome out;
    for (int64_t k = k0; k < k0 + len; ++k) {
        out.product += w.value(n, k) * x.value(m, k);
        out.pairs += static_cast<int64_t>(w.termCount(n, k)) * x.termCount(m, k);
    }
    return out;
}

void TrPe::beginStep(const RevealedOperand& w, int64_t n, const RevealedOperand& x, int64_t m, int64_t k0,
                     int64_t len) {
    wCounts_ = w.countsRow(n);
    xCounts_ = x.countsRow(m);
    wOffsets_ = w.offsetsRow(n);
    xOffsets_ = x.offsetsRow(m);
    wAll_ = w.allTerms();
    xAll_ = x.allTerms();
    k_ = k0;
    kEnd_ = k0 + len;
    i_ = j_ = 0;
    pairs_ = 0;
    skipEmpty();
}

// Moves to the next element that has at least one term pair.
void TrPe::skipEmpty() {
    for (; k_ < kEnd_; ++k_) {
        wCount_ = wCounts_[k_];
        xCount_ = xCounts_[k_];
        if (wCount_ > 0 && xCount_ > 0) break;
    }
    if (k_ < kEnd_) {
        wTerms_ = wAll_ + wOffsets_[k_];
        xTerms_ = xAll_ + xOffsets_[k_];
    }
    i_ = j_ = 0;
}

int64_t TrPe::endStep() { return acc_.flush(); }

}  // namespace trsim
