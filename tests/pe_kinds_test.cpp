// The bit-level PE kinds on small GEMMs: outputs equal the reference, detailed
// equals fast, and cycle counts equal the rules worked out by hand
// (DNNsim core/src: Stripes = precision per step; Pragmatic = max terms over the
// synchronised PEs; Laconic = max over PEs of terms_w x terms_x).
#include <gtest/gtest.h>

#include "modules/pe/PeRegistry.hpp"
#include "modules/pe/PragmaticPe.hpp"
#include "modules/pe/StripesPe.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/functional/ExponentialQuantizer.hpp"
#include "modules/functional/Reference.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"
#include "modules/array/Controller.hpp"

namespace trsim {
namespace {

IntTensor matrix(int64_t rows, int64_t cols, std::vector<int64_t> values) {
    IntTensor t({rows, cols});
    t.data.assign(values.begin(), values.end());
    return t;
}

struct Result {
    IntTensor out;
    ArrayCounters counters;
};

Result run(const ArraySpec& spec, const RevealedOperand& x, const RevealedOperand& w, bool detailed, int64_t slot = 0) {
    const std::unique_ptr<SystolicArrayCore> owned = makeArrayCore(spec);
    SystolicArrayCore& core = *owned;
    core.startJob(x, w, slot);
    while (core.beginFold()) {
        if (!detailed) core.runFoldFast();
        while (!core.foldStepsDone()) {
            core.beginStepDetailed();
            while (!core.tickDetailed()) {
            }
        }
        core.endFold();
    }
    return {core.output(), core.counters()};
}

ArraySpec spec1x1(const PeKind* pe, TrSchedule schedule) {
    ArraySpec s;
    s.rows = 1;
    s.cols = 1;
    s.pe = pe;
    s.schedule = schedule;
    return s;
}

const OperandCoding kBinary{8, Encoding::Binary, 1, std::nullopt};

// One PE, data column {7, 0, 5, 255}, weight 27: the steps are one per data value.
const IntTensor kX = matrix(4, 1, {7, 0, 5, 255});
const IntTensor kW = matrix(1, 1, {27});

TEST(PeKinds, StripesTakesThePrecisionEveryStep) {
    for (bool detailed : {false, true}) {
        const Result r = run(spec1x1(&peKind("stripes"), TrSchedule::Fixed), RevealedOperand::plain(kX),
                             RevealedOperand::plain(kW), detailed, /*precision=*/8);
        // preload 1 + (M + R + C - 2 = 4 steps) x 8 cycles
        EXPECT_EQ(r.counters.computeCycles, 1 + 4 * 8) << detailed;
        EXPECT_EQ(r.counters.serialSteps, 4 * 8);
        EXPECT_EQ(r.out.data, (std::vector<int64_t>{189, 0, 135, 6885}));
    }
}

TEST(PeKinds, PragmaticStepIsTheDataTermCount) {
    // Binary terms: 7 -> 3, 0 -> 0 (still a cycle), 5 -> 2, 255 -> 8.
    for (bool detailed : {false, true}) {
        const Result r = run(spec1x1(&peKind("pragmatic"), TrSchedule::Lockstep), RevealedOperand(kX, kBinary),
                             RevealedOperand::plain(kW), detailed);
        EXPECT_EQ(r.counters.computeCycles, 1 + 3 + 1 + 2 + 8) << detailed;
        EXPECT_EQ(r.counters.serialSteps, 3 + 0 + 2 + 8);
        EXPECT_EQ(r.out.data, (std::vector<int64_t>{189, 0, 135, 6885}));
    }
}

TEST(PeKinds, LaconicStepIsTermsTimesTerms) {
    // Binary 27 has 4 terms: steps 4x3, 1 (no pairs), 4x2, 4x8.
    for (bool detailed : {false, true}) {
        const Result r = run(spec1x1(&peKind("laconic"), TrSchedule::Lockstep), RevealedOperand(kX, kBinary),
                             RevealedOperand(kW, kBinary), detailed);
        EXPECT_EQ(r.counters.computeCycles, 1 + 12 + 1 + 8 + 32) << detailed;
        EXPECT_EQ(r.counters.termPairs, 52);
        EXPECT_EQ(r.out.data, (std::vector<int64_t>{189, 0, 135, 6885}));
    }
}

TEST(PeKinds, LockStepWaitsForTheBusiestPe) {
    // 1 row, 2 columns (two filters), Pragmatic: at step t column c works on row t - c.
    // Data terms per row (binary): 7 -> 3, 1 -> 1, 255 -> 8.
    ArraySpec s = spec1x1(&peKind("pragmatic"), TrSchedule::Lockstep);
    s.cols = 2;
    const IntTensor x = matrix(3, 1, {7, 1, 255}), w = matrix(2, 1, {2, -3});
    for (bool detailed : {false, true}) {
        const Result r = run(s, RevealedOperand(x, kBinary), RevealedOperand::plain(w), detailed);
        // steps t = 0..3: active rows {0}, {1, 0}, {2, 1}, {2}: max terms 3, 3, 8, 8
        EXPECT_EQ(r.counters.computeCycles, 1 + 3 + 3 + 8 + 8) << detailed;
        // Each PE alone: column 0 does 3 + 1 + 8, column 1 the same; + preload + skew (R + C - 2 = 1).
        EXPECT_EQ(r.counters.idealCycles, 1 + 1 + 12);
        EXPECT_EQ(r.out, gemmReference(x, w));
    }
}

TEST(PeKinds, DnaTeqMultipliesQuantizedValuesOneCycleEach) {
    const IntTensor x = matrix(5, 3, {0, 10, 200, 37, 5, 1, 90, 91, 128, 255, 3, 64, 7, 7, 7});
    const IntTensor w = matrix(2, 3, {-100, 50, 3, 20, -7, 127});
    const IntTensor qx = quantizeExponentialFitted(x, 3), qw = quantizeExponentialFitted(w, 3);
    ArraySpec s;
    s.rows = 3;
    s.cols = 2;
    s.pe = &peKind("dnateq");
    const Result r = run(s, RevealedOperand::plain(qx), RevealedOperand::plain(qw), false);
    EXPECT_EQ(r.out, gemmReference(qx, qw));
    EXPECT_EQ(r.counters.computeCycles, 2 * 3 + 2 + 5 - 2);  // SCALE-Sim's WS fold, one fold
}

TEST(ExponentialQuantizer, LevelsAreExponentialAndQuantizationIsNearest) {
    IntTensor t({1, 256});
    for (int i = 0; i < 256; ++i) t.data[static_cast<std::size_t>(i)] = i - 128;
    const ExponentialLevels l = fitExponentialLevels(t, 3);
    ASSERT_GE(l.levels.size(), 5u);
    ASSERT_LE(l.levels.size(), 7u);  // 2^3 - 1 nonzero codes
    EXPECT_EQ(l.levels.back(), 128);  // the largest magnitude is a level
    for (std::size_t i = 1; i < l.levels.size(); ++i) EXPECT_GT(l.levels[i], l.levels[i - 1]);
    // Ratios of successive levels approach the base (rounding blurs the small ones).
    const double ratio = static_cast<double>(l.levels.back()) / static_cast<double>(l.levels[l.levels.size() - 2]);
    EXPECT_NEAR(ratio, l.base, 0.2);
    const IntTensor q = quantizeExponential(t, l);
    for (std::size_t i = 0; i < t.size(); ++i) {
        const int64_t v = t.data[i], qv = q.data[i];
        EXPECT_TRUE(qv == 0 || (qv > 0) == (v > 0)) << v;  // signs kept
        // Nearest: no level (or zero) is closer.
        int64_t bestDistance = std::abs(v);
        for (int64_t level : l.levels) bestDistance = std::min<int64_t>(bestDistance, std::abs(std::abs(v) - level));
        EXPECT_EQ(std::abs(std::abs(v) - std::abs(qv)), bestDistance) << v;
    }
}

TEST(SerialPes, BitAndTermSteppingGiveExactProducts) {
    for (int64_t w : {-127, -1, 0, 3, 99}) {
        for (int64_t x = -255; x <= 255; x += 17) {
            StripesPe s;
            s.beginStep(w, x, 8);
            int cycles = 0;
            for (; !s.done(); ++cycles) s.tick();
            EXPECT_EQ(cycles, 8);
            EXPECT_EQ(s.endStep(), w * x);
            const Terms terms = encode(Encoding::Hese, x, 8);
            PragmaticPe p;
            p.beginStep(w, terms.data(), static_cast<int>(terms.size()));
            cycles = 0;
            for (; !p.done(); ++cycles) p.tick();
            EXPECT_EQ(cycles, static_cast<int>(terms.size()));
            EXPECT_EQ(p.endStep(), w * x);
        }
    }
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

TEST(PeKinds, ValueMacsIgnoreAFixedSlotMeantForOtherKinds) {
    for (const PeKind* pe : {&peKind("mac"), &peKind("dnateq")}) {
        ArraySpec s = spec1x1(pe, TrSchedule::Fixed);
        s.fixedStepCycles = 36;
        const Result r = run(s, RevealedOperand::plain(kX), RevealedOperand::plain(kW), false);
        EXPECT_EQ(r.counters.computeCycles, 1 + 4);  // preload + 4 one-cycle steps
    }
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

// Issue 10 item 2: cycle rules take the precision of the operands a layer has
// (the bits of its largest magnitude), never the declared operands.*.bits bound.
// Authors' accounting (SPEC section 6): QT wb x db term pairs per MAC, TR k x s per group of g.
int64_t layerSlot(const std::vector<std::string>& sets, int64_t largestWeight, int64_t largestData) {
    const SimConfig c = loadConfig(std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml", sets);
    const IntTensor w = matrix(2, 3, {-largestWeight, 1, 0, 1, -1, 0});
    const IntTensor x = matrix(1, 3, {0, largestData, 1});
    return peKindOf(c).prepareLayer(c, x, w).stepSlot;
}

TEST(OperandPrecision, TrConventionalSlotIsGroupTimesWeightBitsTimesDataBits) {
    const std::vector<std::string> conventional{"operands.weights.encoding=binary", "operands.data.encoding=binary",
                                                "operands.weights.budget=none", "operands.data.budget=none"};
    for (int wb = 1; wb <= 8; ++wb)
        for (int db = 1; db <= 8; ++db)
            EXPECT_EQ(layerSlot(conventional, (int64_t{1} << wb) - 1, (int64_t{1} << db) - 1), 8 * wb * db)
                << wb << " x " << db;
    // Two pairs per cycle halve it (rounding up); a power of two needs one bit more than its predecessor.
    std::vector<std::string> twoPerCycle = conventional;
    twoPerCycle.push_back("pe.term_pairs_per_cycle=2");
    EXPECT_EQ(layerSlot(twoPerCycle, 127, 255), 8 * 7 * 8 / 2);
    EXPECT_EQ(layerSlot(conventional, 64, 255), 8 * 7 * 8);
    EXPECT_EQ(layerSlot(conventional, 63, 255), 8 * 6 * 8);
}

TEST(OperandPrecision, TrBudgetSlotIsKTimesSWhenTheBudgetsBind) {
    // HESE, g = 8, k = 12, s = 3 (default): 36 pairs whatever the precision, down to where the
    // precision binds: 3-bit HESE values have at most 2 terms, so 12 x 2.
    EXPECT_EQ(layerSlot({}, 127, 255), 36);
    EXPECT_EQ(layerSlot({}, 127, 7), 12 * static_cast<int64_t>(maxTermsPerValue(Encoding::Hese, 3)));
}

TEST(OperandPrecision, StripesStepsAreTheDataPrecision) {
    for (int db = 1; db <= 8; ++db) EXPECT_EQ(layerSlot({"pe.kind=stripes"}, 127, (int64_t{1} << db) - 1), db);
    EXPECT_EQ(layerSlot({"pe.kind=stripes"}, 127, 128), 8);
}

}  // namespace
}  // namespace trsim
