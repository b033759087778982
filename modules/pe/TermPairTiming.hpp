// How long a term-pair PE's step lasts (tr, laconic): its term pairs at `perCycle` pairs a cycle, and
// at least one cycle (a PE with nothing to do still spends its step's cycle). The one statement of the
// rule: the fast kernels (TermPairColumn), the step rule's fast and slice steps (TermPairStepRule) use
// it; the detailed step counts TrPe's ticks instead and is tested equal to it.
#pragma once
#include <algorithm>

namespace trsim {

// One pair per cycle (the authors' tMAC) needs no division, which does not vectorize and was a fifth of
// a fully connected layer's time at batch 1, where each PE's step is a short dot product.
template <class Int>
constexpr Int termPairStepCycles(Int pairs, Int perCycle) {
    return perCycle == 1 ? std::max<Int>(1, pairs) : std::max<Int>(1, (pairs + perCycle - 1) / perCycle);
}

}  // namespace trsim
