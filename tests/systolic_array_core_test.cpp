// The array core against the functional reference (bit for bit), the detailed
// cycle-by-cycle path against the fast path, and cycle counts against formulas
// derived by hand and SCALE-Sim v2.
#include <gtest/gtest.h>

#include <random>

#include "modules/array/SystolicArrayCore.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "modules/functional/Reference.hpp"

namespace trsim {
namespace {

IntTensor randomMatrix(int64_t rows, int64_t cols, int64_t lo, int64_t hi, uint32_t seed, double zeros = 0.0) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    std::bernoulli_distribution zero(zeros);
    IntTensor t({rows, cols});
    for (auto& v : t.data) v = zero(gen) ? 0 : dist(gen);
    return t;
}

struct ArrayRun {
    IntTensor out;
    ArrayCounters counters;
};

ArrayRun runArray(const ArraySpec& spec, const RevealedOperand& x, const RevealedOperand& w, bool detailed) {
    const std::unique_ptr<SystolicArrayCore> owned = makeArrayCore(spec);
    SystolicArrayCore& core = *owned;
    core.startJob(x, w);
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

OperandCoding coding(Encoding e, int g, std::optional<int> k) { return OperandCoding{8, e, g, k}; }

TEST(SystolicArrayCore, MacMatchesReferenceForBothDataflowsAndOddShapes) {
    for (ArrayDataflow df : {ArrayDataflow::WeightStationary, ArrayDataflow::OutputStationary}) {
        for (auto [R, C, M, K, N] : std::vector<std::array<int, 5>>{{4, 4, 7, 9, 5}, {3, 5, 1, 1, 1}, {8, 2, 13, 16, 9}}) {
            const IntTensor x = randomMatrix(M, K, 0, 255, 1u + R), w = randomMatrix(N, K, -127, 127, 2u + C);
            ArraySpec spec;
            spec.pe = &peKind("mac");
            spec.rows = R, spec.cols = C, spec.dataflow = df;
            const RevealedOperand rx = RevealedOperand::plain(x), rw = RevealedOperand::plain(w);
            const ArrayRun run = runArray(spec, rx, rw, false);
            EXPECT_EQ(run.out, gemmReference(x, w)) << R << "x" << C << " M" << M << " K" << K << " N" << N;
            EXPECT_EQ(run.counters.macs, int64_t{M} * K * N);
            const ArrayRun detailed = runArray(spec, rx, rw, true);
            EXPECT_EQ(detailed.out, run.out);
            EXPECT_EQ(detailed.counters.computeCycles, run.counters.computeCycles);
            EXPECT_EQ(detailed.counters.idealCycles, run.counters.idealCycles);
            EXPECT_EQ(detailed.counters.macs, run.counters.macs);
        }
    }
}

TEST(SystolicArrayCore, MacWeightStationaryCyclesAreScaleSimPerFold) {
    // folds * (2R + C + M - 2), folds = ceil(K/R) * ceil(N/C)
    const int R = 4, C = 3, M = 10, K = 9, N = 7;
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = R, spec.cols = C;
    const IntTensor x = randomMatrix(M, K, 0, 9, 3), w = randomMatrix(N, K, -9, 9, 4);
    const ArrayRun run = runArray(spec, RevealedOperand::plain(x), RevealedOperand::plain(w), false);
    EXPECT_EQ(run.counters.folds, 3 * 3);
    EXPECT_EQ(run.counters.computeCycles, 9 * (2 * R + C + M - 2));
    EXPECT_EQ(run.counters.idealCycles, run.counters.computeCycles);  // one-cycle MACs never wait
}

TEST(SystolicArrayCore, MacOutputStationaryCyclesPerFold) {
    // folds = ceil(M/R) * ceil(N/C); each R + C + K - 2
    const int R = 4, C = 3, M = 10, K = 9, N = 7;
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = R, spec.cols = C, spec.dataflow = ArrayDataflow::OutputStationary;
    const IntTensor x = randomMatrix(M, K, 0, 9, 5), w = randomMatrix(N, K, -9, 9, 6);
    const ArrayRun run = runArray(spec, RevealedOperand::plain(x), RevealedOperand::plain(w), false);
    EXPECT_EQ(run.counters.folds, 3 * 3);
    EXPECT_EQ(run.counters.computeCycles, 9 * (R + C + K - 2));
}

TEST(SystolicArrayCore, ScaleSimAlexNetConv1On32x32) {
    // SCALE-Sim v2 topology alexnet.csv conv1: 224x224x3 input, 11x11 kernel, 96 filters,
    // stride 4. SCALE-Sim's ofmap size is ceil((224 - 11 + 4) / 4) = 55, so M = 3025,
    // K = 11*11*3 = 363, N = 96. SCALE-Sim reports 112,283: the 0-based index of the
    // last cycle (ofmap_serviced_cycles[-1]), i.e. one less than the count of cycles.
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = 32, spec.cols = 32;
    const IntTensor x({3025, 363}), w({96, 363});  // timing does not depend on values for MAC PEs
    const ArrayRun run = runArray(spec, RevealedOperand::plain(x), RevealedOperand::plain(w), false);
    EXPECT_EQ(run.counters.folds, 36);
    EXPECT_EQ(run.counters.computeCycles - 1, 112283);
}

struct TrCase {
    ArrayDataflow df;
    TrSchedule schedule;
    int R, C, M, K, N, gw, kw, gx;
    std::optional<int> kx;
    int ppc;
};

class TrArray : public ::testing::TestWithParam<TrCase> {};

TEST_P(TrArray, OutputsEqualReferenceAndDetailedEqualsFast) {
    const TrCase p = GetParam();
    const IntTensor x = randomMatrix(p.M, p.K, 0, 255, 11, 0.4), w = randomMatrix(p.N, p.K, -127, 127, 12, 0.1);
    const OperandCoding wc = coding(Encoding::Hese, p.gw, p.kw), xc = coding(Encoding::Hese, p.gx, p.kx);
    const RevealedOperand rx(x, xc), rw(w, wc);
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = p.R, spec.cols = p.C, spec.dataflow = p.df, spec.pe = &peKind("tr"), spec.schedule = p.schedule;
    spec.reductionPerPe = p.gw;
    spec.pairsPerCycle = p.ppc;
    spec.fixedStepCycles = (p.kw * std::min(5, p.kx.value_or(5)) + p.ppc - 1) / p.ppc;  // HESE 8-bit: <= 5 terms
    spec.dataPathLatency = 3;
    const ArrayRun fast = runArray(spec, rx, rw, false);
    const ArrayRun detailed = runArray(spec, rx, rw, true);
    EXPECT_EQ(fast.out, gemmWithTr(x, w, xc, wc));
    EXPECT_EQ(detailed.out, fast.out);
    EXPECT_EQ(detailed.counters.computeCycles, fast.counters.computeCycles);
    EXPECT_EQ(detailed.counters.idealCycles, fast.counters.idealCycles);
    EXPECT_EQ(detailed.counters.termPairs, fast.counters.termPairs);
    EXPECT_EQ(detailed.counters.steps, fast.counters.steps);
    EXPECT_LE(fast.counters.idealCycles, fast.counters.computeCycles);
    // Useful term pairs, counted independently of the array.
    int64_t pairs = 0;
    for (int64_t m = 0; m < p.M; ++m)
        for (int64_t n = 0; n < p.N; ++n)
            for (int64_t k = 0; k < p.K; ++k) pairs += int64_t{rx.termCount(m, k)} * rw.termCount(n, k);
    EXPECT_EQ(fast.counters.termPairs, pairs);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TrArray,
    ::testing::Values(TrCase{ArrayDataflow::WeightStationary, TrSchedule::Fixed, 4, 4, 9, 24, 6, 8, 12, 1, 3, 1},
                      TrCase{ArrayDataflow::WeightStationary, TrSchedule::Lockstep, 3, 5, 7, 20, 11, 4, 6, 4, 8, 1},
                      TrCase{ArrayDataflow::WeightStationary, TrSchedule::Lockstep, 2, 2, 5, 17, 3, 3, 100, 5, std::nullopt, 2},
                      // 70 and 67 data rows: the fold kernel's 32-row register blocks and a remainder.
                      TrCase{ArrayDataflow::WeightStationary, TrSchedule::Lockstep, 3, 4, 70, 40, 9, 8, 12, 1, 3, 1},
                      TrCase{ArrayDataflow::WeightStationary, TrSchedule::Fixed, 4, 3, 67, 33, 5, 8, 10, 1, 4, 2},
                      TrCase{ArrayDataflow::OutputStationary, TrSchedule::Fixed, 4, 3, 10, 24, 5, 8, 12, 1, 3, 2},
                      TrCase{ArrayDataflow::OutputStationary, TrSchedule::Lockstep, 3, 3, 8, 13, 7, 2, 3, 2, 4, 1}),
    [](const ::testing::TestParamInfo<TrCase>& info) {
        const TrCase& p = info.param;
        return std::string(p.df == ArrayDataflow::WeightStationary ? "WS" : "OS") +
               (p.schedule == TrSchedule::Fixed ? "_fixed_" : "_lockstep_") + std::to_string(p.R) + "x" +
               std::to_string(p.C) + "_" + std::to_string(info.index);
    });

// The fold kernel's three paths, chosen per job by the operands' largest kept exponents
// (TermPairStepRule::beginJob): 16-bit pairs (both below 2^15), 32-bit sums of wide data
// (16-bit data, 8-bit weights), 64-bit sums (16-bit both); and the weights' storage
// (RevealedOperand::narrowValues: 16 bits for codings of up to 14) against the kernel's width:
// 8-bit weights stored at 16 bits into the 32-bit kernel, 16-bit weights stored at 32 bits
// whose values fit the pair kernel. Each against the reference and the detailed path; 70 rows
// (two 32-row blocks and a remainder), groups of 5 (an odd pair).
TEST(SystolicArrayCore, TrFoldKernelPathsEqualReferenceAndDetailed) {
    struct Path {
        int xBits, wBits;
        int64_t wMax;
    };
    for (const Path p : {Path{8, 8, 127}, Path{16, 8, 127}, Path{16, 16, 32767}, Path{8, 16, 4095}}) {
        const int64_t xMax = (int64_t{1} << p.xBits) - 1, wMax = p.wMax;
        const int M = 70, K = 23, N = 6, g = 5;
        const IntTensor x = randomMatrix(M, K, 0, xMax, 31u + p.xBits, 0.2);
        const IntTensor w = randomMatrix(N, K, -wMax, wMax, 32u + p.wBits);
        const OperandCoding xc{p.xBits, Encoding::Hese, 1, std::nullopt}, wc{p.wBits, Encoding::Hese, g, 3 * g};
        const RevealedOperand rx(x, xc), rw(w, wc);
        EXPECT_EQ(rw.narrowValues(), p.wBits <= 14);
        EXPECT_EQ(rx.narrowValues(), p.xBits <= 14);
        ArraySpec spec;
        spec.rows = 3, spec.cols = 4, spec.pe = &peKind("tr"), spec.schedule = TrSchedule::Lockstep;
        spec.reductionPerPe = g;
        spec.coefficientCounters = 34;  // exponent sums up to 16 + 16 (+ a carry)
        const ArrayRun fast = runArray(spec, rx, rw, false);
        const ArrayRun detailed = runArray(spec, rx, rw, true);
        const std::string name = "x " + std::to_string(p.xBits) + " bits, w " + std::to_string(p.wBits) +
                                 " bits up to " + std::to_string(p.wMax);
        EXPECT_EQ(fast.out, gemmWithTr(x, w, xc, wc)) << name;
        EXPECT_EQ(detailed.out, fast.out) << name;
        EXPECT_EQ(detailed.counters.computeCycles, fast.counters.computeCycles) << name;
        EXPECT_EQ(detailed.counters.termPairs, fast.counters.termPairs) << name;
    }
}

TEST(SystolicArrayCore, TrFixedScheduleCyclesFollowTheSlot) {
    // WS fold = preload R + latency + (M + R + C - 2) steps of S cycles.
    const int R = 4, C = 4, M = 6, K = 32, N = 4, S = 36, L = 5;
    const IntTensor x = randomMatrix(M, K, 0, 255, 21), w = randomMatrix(N, K, -127, 127, 22);
    const RevealedOperand rx(x, coding(Encoding::Hese, 1, 3)), rw(w, coding(Encoding::Hese, 8, 12));
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = R, spec.cols = C, spec.pe = &peKind("tr"), spec.reductionPerPe = 8, spec.fixedStepCycles = S;
    spec.dataPathLatency = L;
    const ArrayRun run = runArray(spec, rx, rw, false);
    EXPECT_EQ(run.counters.folds, 1);  // 32 / 8 = 4 slices on 4 rows, 4 filters on 4 columns
    EXPECT_EQ(run.counters.computeCycles, R + L + (M + R + C - 2) * S);
}

TEST(SystolicArrayCore, TrLockstepStepIsTheBusiestPe) {
    // One PE (1x1 array): every step lasts exactly its own term pairs (min 1).
    IntTensor xv({3, 1}), wv({1, 1});
    xv.data = {7, 0, 5};  // HESE: 7 -> 2 terms, 0 -> 0, 5 -> 2 terms
    wv.data = {27};       // HESE: 4 terms
    const RevealedOperand rx(xv, coding(Encoding::Hese, 1, std::nullopt)), rw(wv, coding(Encoding::Hese, 1, std::nullopt));
    ArraySpec spec;
    spec.pe = &peKind("mac");
    spec.rows = 1, spec.cols = 1, spec.pe = &peKind("tr"), spec.schedule = TrSchedule::Lockstep;
    const ArrayRun run = runArray(spec, rx, rw, true);
    EXPECT_EQ(run.counters.computeCycles, 1 /*preload*/ + 8 + 1 + 8);
    EXPECT_EQ(run.counters.termPairs, 16);
    EXPECT_EQ(run.out.data, (std::vector<int64_t>{7 * 27, 0, 5 * 27}));
}

}  // namespace
}  // namespace trsim
