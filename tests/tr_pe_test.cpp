// The tMAC alone: its coefficient accumulator, its per-cycle term-pair stepping
// and its fast step, on hand-worked groups.
#include <gtest/gtest.h>

#include "modules/pe/CoefficientAccumulator.hpp"
#include "modules/pe/TrPe.hpp"
#include "tests/support/SmallOperands.hpp"

namespace trsim {
namespace {

using testing_support::row;

TEST(CoefficientAccumulator, CountsPairsPerExponentSumAndFlushesToBinary) {
    CoefficientAccumulator acc(17);
    // 27 * 6 with HESE: (+2^5 -2^3 +2^2 -2^0) x (+2^3 -2^1) = 162
    const Terms w{{1, 5}, {-1, 3}, {1, 2}, {-1, 0}}, x{{1, 3}, {-1, 1}};
    for (const Term& a : w)
        for (const Term& b : x) acc.addPair(a, b);
    EXPECT_EQ(acc.flush(), 162);
    EXPECT_EQ(acc.flush(), 0);  // flushing clears the counters
    EXPECT_TRUE(acc.covers(8, 8));
    EXPECT_FALSE(acc.covers(8, 9));
    EXPECT_THROW(CoefficientAccumulator(0), std::invalid_argument);
    EXPECT_THROW(CoefficientAccumulator(65), std::invalid_argument);
}

TEST(TrPe, DetailedStepTakesOneCyclePerPairAndGivesTheProduct) {
    // Group of 3: w = {27, 0, 5}, x = {6, 9, 7}; HESE terms w: 4, 0, 2; x: 2, 2(9=+2^3+2^0), 2 (7=+2^3-2^0)
    const RevealedOperand w(row({27, 0, 5}), OperandCoding{8, Encoding::Hese, 3, std::nullopt});
    const RevealedOperand x(row({6, 9, 7}), OperandCoding{8, Encoding::Hese, 1, std::nullopt});
    TrPe pe(17, 1);
    pe.beginStep(w, 0, x, 0, 0, 3);
    int cycles = 0;
    while (!pe.done()) {
        pe.tick();
        ++cycles;
    }
    EXPECT_EQ(cycles, 4 * 2 + 0 + 2 * 2);
    EXPECT_EQ(pe.pairsThisStep(), 12);
    EXPECT_EQ(pe.endStep(), 27 * 6 + 0 * 9 + 5 * 7);
    const TrStepOutcome fast = TrPe::fastStep(w, 0, x, 0, 0, 3);
    EXPECT_EQ(fast.product, 27 * 6 + 5 * 7);
    EXPECT_EQ(fast.pairs, 12);
}

TEST(TrPe, TwoPairsPerCycleHalvesTheCyclesRoundingUp) {
    const RevealedOperand w(row({27}), OperandCoding{8, Encoding::Hese, 1, std::nullopt});  // 4 terms
    const RevealedOperand x(row({7}), OperandCoding{8, Encoding::Binary, 1, std::nullopt});  // 3 terms
    TrPe pe(17, 2);
    pe.beginStep(w, 0, x, 0, 0, 1);
    int cycles = 0;
    while (!pe.done()) {
        pe.tick();
        ++cycles;
    }
    EXPECT_EQ(cycles, 6);  // 12 pairs, 2 per cycle
    EXPECT_EQ(pe.endStep(), 189);
}

TEST(TrPe, TruncatedOperandsGiveTheTruncatedProduct) {
    // Weights 27, 6 in one group with budget 3: HESE terms +2^5 -2^3 +2^2 -2^0 | +2^3 -2^1;
    // the 3 largest: +2^5 (v0), -2^3 (v0, tie with v1's +2^3 goes to index 0), +2^3 (v1)
    // -> 24 and 8.
    const RevealedOperand w(row({27, 6}), OperandCoding{8, Encoding::Hese, 2, 3});
    const RevealedOperand x(row({1, 1}), OperandCoding{8, Encoding::Hese, 1, std::nullopt});
    EXPECT_EQ(w.value(0, 0), 24);
    EXPECT_EQ(w.value(0, 1), 8);
    TrPe pe(17, 1);
    pe.beginStep(w, 0, x, 0, 0, 2);
    while (!pe.tick()) {
    }
    EXPECT_EQ(pe.endStep(), 32);
    EXPECT_EQ(pe.pairsThisStep(), 3);
}

TEST(TrPe, EmptyStepIsDoneAtOnce) {
    const RevealedOperand w(row({0, 0}), OperandCoding{8, Encoding::Hese, 2, 3});
    const RevealedOperand x(row({5, 0}), OperandCoding{8, Encoding::Hese, 1, 2});
    TrPe pe(17, 1);
    pe.beginStep(w, 0, x, 0, 0, 2);
    EXPECT_TRUE(pe.done());
    EXPECT_EQ(pe.endStep(), 0);
}

}  // namespace
}  // namespace trsim
