// Functional model: reference GEMM / convolution, im2col lowering and TR
// applied through them. Expected numbers are hand-computed or come from naive
// loops written here, structured differently from the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {
namespace {

IntTensor make(std::vector<int64_t> shape, std::vector<int64_t> data) {
    IntTensor t(std::move(shape));
    if (t.size() != data.size()) throw std::logic_error("make: data does not match shape");
    t.data.assign(data.begin(), data.end());
    return t;
}

IntTensor randomTensor(std::vector<int64_t> shape, std::mt19937& rng, int64_t lo = -128, int64_t hi = 127) {
    IntTensor t(std::move(shape));
    std::uniform_int_distribution<int64_t> d(lo, hi);
    for (int64_t& v : t.data) v = d(rng);
    return t;
}

// Naive GEMM by flat indexing: Y[i][j] = sum_k X[i*K+k] W[j*K+k].
template <class Values>
std::vector<int64_t> naiveGemm(const Values& x, const Values& w, int64_t m, int64_t k,
                               int64_t n) {
    std::vector<int64_t> y(static_cast<std::size_t>(m * n), 0);
    for (int64_t r = 0; r < k; ++r)  // k outermost: a different loop order from the reference
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) y[i * n + j] += x[i * k + r] * w[j * k + r];
    return y;
}

// Naive convolution through an explicitly zero-padded copy of the input
// (no bounds checks inside the window loop).
IntTensor naiveConv(const IntTensor& x, const IntTensor& w, int sh, int sw, int ph, int pw, int groups) {
    const int64_t B = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const int64_t N = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3];
    const int64_t HP = H + 2 * ph, WP = W + 2 * pw;
    std::vector<int64_t> padded(static_cast<std::size_t>(B * C * HP * WP), 0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t y = 0; y < H; ++y)
                for (int64_t xx = 0; xx < W; ++xx)
                    padded[((b * C + c) * HP + y + ph) * WP + xx + pw] = x.data[((b * C + c) * H + y) * W + xx];
    const int64_t OH = (HP - KH) / sh + 1, OW = (WP - KW) / sw + 1;
    const int64_t Ng = N / groups;
    IntTensor out({B, N, OH, OW});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t n = 0; n < N; ++n)
            for (int64_t c = 0; c < Cg; ++c) {
                const int64_t inC = (n / Ng) * Cg + c;
                for (int64_t oy = 0; oy < OH; ++oy)
                    for (int64_t ox = 0; ox < OW; ++ox)
                        for (int64_t ky = 0; ky < KH; ++ky)
                            for (int64_t kx = 0; kx < KW; ++kx)
                                out.data[((b * N + n) * OH + oy) * OW + ox] +=
                                    padded[((b * C + inC) * HP + oy * sh + ky) * WP + ox * sw + kx] *
                                    w.data[((n * Cg + c) * KH + ky) * KW + kx];
            }
    return out;
}

// Independent TR oracle on one row: sort (exp desc, index asc), keep k.
template <class Values>
std::vector<int64_t> oracleReveal(const Values& row, const OperandCoding& c) {
    std::vector<int64_t> out(row.size(), 0);
    for (std::size_t start = 0; start < row.size(); start += static_cast<std::size_t>(c.groupSize)) {
        const std::size_t end = std::min(row.size(), start + static_cast<std::size_t>(c.groupSize));
        struct Item {
            int exp;
            std::size_t idx;
            int64_t value;
        };
        std::vector<Item> items;
        for (std::size_t i = start; i < end; ++i)
            for (const Term& t : encode(c.encoding, row[i], c.bits))
                items.push_back({t.exponent, i, t.sign * (int64_t{1} << t.exponent)});
        std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.exp > b.exp; });
        const std::size_t keep = c.budget ? std::min<std::size_t>(items.size(), *c.budget) : items.size();
        for (std::size_t i = 0; i < keep; ++i) out[items[i].idx] += items[i].value;
    }
    return out;
}

IntTensor oracleRevealRows(const IntTensor& a, const OperandCoding& c) {
    IntTensor out(a.shape);
    const int64_t k = a.shape[1];
    for (int64_t r = 0; r < a.shape[0]; ++r) {
        const std::vector<int64_t> row(a.data.begin() + r * k, a.data.begin() + (r + 1) * k);
        const std::vector<int64_t> t = oracleReveal(row, c);
        std::copy(t.begin(), t.end(), out.data.begin() + r * k);
    }
    return out;
}

// ------------------------------------------------------------ IntTensor ----

TEST(IntTensor, ShapeIndexingAndErrors) {
    IntTensor t({2, 3});
    EXPECT_EQ(t.size(), 6u);
    EXPECT_EQ(t.rank(), 2u);
    EXPECT_EQ(t.dim(1), 3);
    EXPECT_EQ(std::count(t.data.begin(), t.data.end(), 0), 6);
    t.at2(1, 2) = 9;
    EXPECT_EQ(t.data[5], 9);
    IntTensor u({2, 3, 4, 5});
    u.at4(1, 2, 3, 4) = 7;
    EXPECT_EQ(u.data[119], 7);  // ((1*3+2)*4+3)*5+4
    u.at4(0, 1, 0, 2) = 5;
    EXPECT_EQ(u.data[22], 5);  // ((0*3+1)*4+0)*5+2
    EXPECT_THROW(IntTensor({2, -1}), std::invalid_argument);
    EXPECT_THROW(t.dim(2), std::out_of_range);
    EXPECT_EQ(shapeString({2, 3, 4}), "[2,3,4]");
    EXPECT_EQ(shapeString({}), "[]");
    EXPECT_TRUE(make({1, 2}, {1, 2}) == make({1, 2}, {1, 2}));
    EXPECT_FALSE(make({1, 2}, {1, 2}) == make({2, 1}, {1, 2}));
}

// ----------------------------------------------------------------- GEMM ----

TEST(Gemm, HandWorked) {
    // X [2,3], W [2,3] (rows of W are output columns)
    const IntTensor x = make({2, 3}, {1, 2, 3, 4, 5, 6});
    const IntTensor w = make({2, 3}, {1, 0, -1, 2, 1, 0});
    // Y[0] = {1-3, 2+2} = {-2, 4}; Y[1] = {4-6, 8+5} = {-2, 13}
    EXPECT_EQ(gemmReference(x, w), make({2, 2}, {-2, 4, -2, 13}));
}

TEST(Gemm, MatchesNaiveLoopOnRandomInt8Matrices) {
    std::mt19937 rng(123);
    for (int trial = 0; trial < 40; ++trial) {
        const int64_t m = std::uniform_int_distribution<int64_t>(1, 17)(rng);
        const int64_t k = std::uniform_int_distribution<int64_t>(1, 70)(rng);
        const int64_t n = std::uniform_int_distribution<int64_t>(1, 13)(rng);
        const IntTensor x = randomTensor({m, k}, rng), w = randomTensor({n, k}, rng);
        const IntTensor y = gemmReference(x, w);
        ASSERT_EQ(y.shape, (std::vector<int64_t>{m, n}));
        ASSERT_EQ(y.data, naiveGemm(x.data, w.data, m, k, n)) << "trial " << trial;
    }
}

TEST(Gemm, ExtremeInt8ValuesDoNotOverflow) {
    const int64_t k = 4096;
    IntTensor x({1, k}), w({1, k});
    std::fill(x.data.begin(), x.data.end(), -128);
    std::fill(w.data.begin(), w.data.end(), -128);
    EXPECT_EQ(gemmReference(x, w).data[0], int64_t{16384} * 4096);
}

TEST(Gemm, WithTrWithoutTrIsReference) {
    std::mt19937 rng(5);
    const IntTensor x = randomTensor({9, 33}, rng), w = randomTensor({7, 33}, rng);
    const std::vector<int64_t> expected = naiveGemm(x.data, w.data, 9, 33, 7);
    EXPECT_EQ(gemmWithTr(x, w, std::nullopt, std::nullopt).data, expected);
    // a coding with no budget is exact too
    const OperandCoding exact{8, Encoding::Hese, 8, std::nullopt};
    EXPECT_EQ(gemmWithTr(x, w, exact, exact).data, expected);
    EXPECT_EQ(gemmWithTr(x, w, exact, std::nullopt).data, expected);
}

TEST(Gemm, WithTrEqualsGemmOfOracleTruncatedOperands) {
    std::mt19937 rng(77);
    for (Encoding enc : {Encoding::Binary, Encoding::Hese, Encoding::Naf, Encoding::Booth4})
        for (int trial = 0; trial < 10; ++trial) {
            const int64_t m = 5, k = std::uniform_int_distribution<int64_t>(1, 40)(rng), n = 4;
            const IntTensor x = randomTensor({m, k}, rng, -255, 255), w = randomTensor({n, k}, rng);
            const OperandCoding dataTr{8, enc, std::uniform_int_distribution<int>(1, 16)(rng),
                                       std::uniform_int_distribution<int>(0, 20)(rng)};
            const OperandCoding weightTr{8, enc, std::uniform_int_distribution<int>(1, 16)(rng),
                                         std::uniform_int_distribution<int>(0, 20)(rng)};
            const IntTensor xt = oracleRevealRows(x, dataTr), wt = oracleRevealRows(w, weightTr);
            EXPECT_EQ(gemmWithTr(x, w, dataTr, weightTr).data, naiveGemm(xt.data, wt.data, m, k, n));
            EXPECT_EQ(gemmWithTr(x, w, dataTr, std::nullopt).data, naiveGemm(xt.data, w.data, m, k, n));
            EXPECT_EQ(gemmWithTr(x, w, std::nullopt, weightTr).data, naiveGemm(x.data, wt.data, m, k, n));
        }
}

// Large fc layers go through the reference in blocks of weight rows (2^20 values each):
// with K = 2^18, blocks of 4 rows, and 9 rows leave a block of one.
TEST(Gemm, WithTrAcrossWeightRowBlocks) {
    std::mt19937 rng(9);
    const int64_t m = 2, k = int64_t{1} << 18, n = 9;
    const IntTensor x = randomTensor({m, k}, rng, -255, 255), w = randomTensor({n, k}, rng);
    const OperandCoding dataTr{8, Encoding::Hese, 1, 2}, weightTr{8, Encoding::Hese, 8, 5};
    const IntTensor xt = oracleRevealRows(x, dataTr), wt = oracleRevealRows(w, weightTr);
    EXPECT_EQ(gemmWithTr(x, w, dataTr, weightTr).data, naiveGemm(xt.data, wt.data, m, k, n));
    EXPECT_EQ(gemmReference(x, w).data, naiveGemm(x.data, w.data, m, k, n));
}

// Weights revealed beforehand, one operand per group, as the array's controller reveals them
// (modules/array/SharedWeights.hpp).
RevealedWeights revealedGroups(const std::vector<OperandTensor>& groups, const OperandCoding& coding) {
    RevealedWeights out;
    for (const OperandTensor& g : groups) out.push_back(std::make_shared<const RevealedOperand>(g, coding));
    return out;
}

// Given revealed weights are the weights the GEMM multiplies: the controller's reveal gives the
// reference's own result, and weights revealed with another budget give that budget's (so they are
// read, not revealed again), across weight-row blocks (K = 2^18: blocks of 4 rows, 9 rows).
TEST(Gemm, WithTrTakesGivenRevealedWeights) {
    std::mt19937 rng(19);
    const int64_t m = 3, k = (int64_t{1} << 18) + 3, n = 9;
    const IntTensor x = randomTensor({m, k}, rng, 0, 255), w = randomTensor({n, k}, rng);
    const OperandCoding dataTr{8, Encoding::Hese, 1, 3}, weightTr{8, Encoding::Hese, 8, 12}, fewer{8, Encoding::Hese, 8, 2};
    const RevealedWeights same = revealedGroups({w}, weightTr), other = revealedGroups({w}, fewer);
    const IntTensor own = gemmWithTr(x, w, dataTr, weightTr);
    EXPECT_EQ(gemmWithTr(x, w, dataTr, weightTr, &same), own);
    const IntTensor withFewer = gemmWithTr(x, w, dataTr, fewer);
    EXPECT_FALSE(withFewer == own);
    EXPECT_EQ(gemmWithTr(x, w, dataTr, weightTr, &other), withFewer);
    const RevealedWeights twoGroups = revealedGroups({w, w}, weightTr);
    EXPECT_THROW(gemmWithTr(x, w, dataTr, weightTr, &twoGroups), std::invalid_argument);
    const RevealedWeights shorter = revealedGroups({IntTensor({n - 1, k})}, weightTr);
    EXPECT_THROW(gemmWithTr(x, w, dataTr, weightTr, &shorter), std::invalid_argument);
}

TEST(Gemm, ShapeErrorsThrow) {
    const IntTensor a({2, 3}), b({4, 3}), c({4, 5}), r1({3}), r3({1, 2, 3});
    EXPECT_NO_THROW(gemmReference(a, b));
    EXPECT_THROW(gemmReference(a, c), std::invalid_argument);
    EXPECT_THROW(gemmReference(r1, b), std::invalid_argument);
    EXPECT_THROW(gemmReference(a, r3), std::invalid_argument);
    EXPECT_THROW(gemmWithTr(a, c, std::nullopt, std::nullopt), std::invalid_argument);
}

// ------------------------------------------------------------ revealRows ----

TEST(RevealRows, GroupsDoNotSpanRows) {
    // HESE g=2 k=2 per row:
    //  row0 (27, 6 | 1)   -> 24, 0 | 1
    //  row1 (255, 1 | 3)  -> 255, 0 | 3
    const IntTensor a = make({2, 3}, {27, 6, 1, 255, 1, 3});
    EXPECT_EQ(revealRows(a, OperandCoding{8, Encoding::Hese, 2, 2}), make({2, 3}, {24, 0, 1, 255, 0, 3}));
    EXPECT_THROW(revealRows(IntTensor({6}), OperandCoding{}), std::invalid_argument);
}

TEST(RevealRows, MatchesOracleOnRandomMatrix) {
    std::mt19937 rng(99);
    const IntTensor a = randomTensor({12, 29}, rng, -255, 255);
    for (int g : {1, 3, 8, 29, 40})
        for (int k : {0, 1, 5, 12}) {
            const OperandCoding c{8, Encoding::Hese, g, k};
            EXPECT_EQ(revealRows(a, c), oracleRevealRows(a, c)) << "g=" << g << " k=" << k;
        }
}

// ---------------------------------------------------------- convolution ----

TEST(ConvOutputSize, KnownValues) {
    EXPECT_EQ(convOutputSize(3, 2, 1, 0), 2);
    EXPECT_EQ(convOutputSize(3, 2, 2, 1), 2);
    EXPECT_EQ(convOutputSize(5, 3, 1, 0), 3);
    EXPECT_EQ(convOutputSize(5, 3, 1, 1), 5);
    EXPECT_EQ(convOutputSize(7, 3, 2, 1), 4);
    EXPECT_EQ(convOutputSize(224, 7, 2, 3), 112);  // ResNet conv1
    EXPECT_EQ(convOutputSize(227, 11, 4, 0), 55);  // AlexNet conv1
    EXPECT_EQ(convOutputSize(56, 1, 2, 0), 28);    // ResNet downsample 1x1
    EXPECT_EQ(convOutputSize(112, 3, 2, 1), 56);
    EXPECT_EQ(convOutputSize(3, 3, 1, 0), 1);
    EXPECT_EQ(convOutputSize(1, 3, 1, 1), 1);
    EXPECT_EQ(convOutputSize(8, 3, 3, 0), 2);  // floor((8-3)/3)+1
    EXPECT_THROW(convOutputSize(2, 3, 1, 0), std::invalid_argument);
    EXPECT_THROW(convOutputSize(5, 3, 0, 0), std::invalid_argument);
    EXPECT_THROW(convOutputSize(5, 3, -1, 0), std::invalid_argument);
}

const IntTensor kX3x3 = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
const IntTensor kW2x2 = make({1, 1, 2, 2}, {1, 2, 3, 4});

TEST(Conv2d, HandWorkedStride1Pad0) {
    // (0,0): 1*1+2*2+4*3+5*4 = 37; (0,1): 2+6+15+24 = 47
    // (1,0): 4+10+21+32 = 67;      (1,1): 5+12+24+36 = 77
    EXPECT_EQ(conv2dReference(kX3x3, kW2x2, ConvParams{}), make({1, 1, 2, 2}, {37, 47, 67, 77}));
}

TEST(Conv2d, HandWorkedStride2Pad1) {
    // Padded input 5x5, windows at padded rows/cols {0,2}:
    // (0,0): [0 0; 0 1] -> 1*4 = 4       (0,1): [0 0; 2 3] -> 2*3+3*4 = 18
    // (1,0): [0 4; 0 7] -> 4*2+7*4 = 36  (1,1): [5 6; 8 9] -> 5+12+24+36 = 77
    ConvParams p;
    p.strideH = p.strideW = 2;
    p.padH = p.padW = 1;
    EXPECT_EQ(conv2dReference(kX3x3, kW2x2, p), make({1, 1, 2, 2}, {4, 18, 36, 77}));
}

TEST(Conv2d, HandWorkedAsymmetricStrideAndPad) {
    // strideH=1, strideW=2, padH=0, padW=1: OH = 2, OW = (3+2-2)/2+1 = 2
    // rows 0-1, padded cols 0-1: [0 1; 0 4] -> 1*2+4*4 = 18
    // rows 0-1, padded cols 2-3: [2 3; 5 6] -> 2+6+15+24 = 47
    // rows 1-2, padded cols 0-1: [0 4; 0 7] -> 4*2+7*4 = 36
    // rows 1-2, padded cols 2-3: [5 6; 8 9] -> 77
    ConvParams p;
    p.strideW = 2;
    p.padW = 1;
    EXPECT_EQ(conv2dReference(kX3x3, kW2x2, p), make({1, 1, 2, 2}, {18, 47, 36, 77}));
}

TEST(Conv2d, HandWorkedChannelsGroupsAndBatch) {
    // B=2, C=2, 2x2 images; batch 1 is batch 0 times -1.
    const IntTensor x = make({2, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8});
    // groups=1, one output channel: ch0 + 10*ch1
    const IntTensor w1 = make({1, 2, 1, 1}, {1, 10});
    EXPECT_EQ(conv2dReference(x, w1, ConvParams{}),
              make({2, 1, 2, 2}, {51, 62, 73, 84, -51, -62, -73, -84}));
    // groups=2 (depthwise), one 1x1 filter each: 2*ch0, -1*ch1
    ConvParams dw;
    dw.groups = 2;
    const IntTensor w2 = make({2, 1, 1, 1}, {2, -1});
    EXPECT_EQ(conv2dReference(x, w2, dw),
              make({2, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8, -2, -4, -6, -8, 5, 6, 7, 8}));
    // groups=2 with 2 filters per group (N=4): group 0 sees only ch0, group 1 only ch1
    const IntTensor w4 = make({4, 1, 1, 1}, {1, 3, 1, 3});
    const IntTensor y = conv2dReference(x, w4, dw);
    EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 4, 2, 2}));
    EXPECT_EQ(y.at4(0, 0, 0, 0), 1);
    EXPECT_EQ(y.at4(0, 1, 1, 1), 12);  // 3 * 4
    EXPECT_EQ(y.at4(0, 2, 0, 1), 6);   // 1 * 6
    EXPECT_EQ(y.at4(0, 3, 1, 0), 21);  // 3 * 7
    EXPECT_EQ(y.at4(1, 3, 1, 1), -24);
}

struct ConvCase {
    int64_t b, c, h, w, n, kh, kw;
    int sh, sw, ph, pw, groups;
};

std::vector<ConvCase> convCases() {
    return {
        {1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1},  {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1}, {1, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 2},
        {2, 6, 8, 7, 6, 3, 3, 1, 2, 1, 0, 6},  // depthwise, groups == C
        {1, 8, 5, 5, 16, 3, 3, 2, 2, 1, 1, 8},  // depthwise multiplier 2
        {1, 5, 6, 6, 3, 1, 1, 2, 2, 0, 0, 1},  {1, 3, 11, 11, 2, 5, 5, 3, 2, 2, 1, 1}, {3, 4, 4, 4, 8, 2, 3, 1, 1, 0, 1, 4},
        {1, 2, 1, 1, 2, 3, 3, 1, 1, 1, 1, 1},  // 1x1 image, 3x3 kernel, padding only
    };
}

TEST(Conv2d, MatchesPaddedCopyNaiveConvOnRandomShapes) {
    std::mt19937 rng(2024);
    for (const ConvCase& cc : convCases()) {
        const IntTensor x = randomTensor({cc.b, cc.c, cc.h, cc.w}, rng);
        const IntTensor w = randomTensor({cc.n, cc.c / cc.groups, cc.kh, cc.kw}, rng);
        const ConvParams p{cc.sh, cc.sw, cc.ph, cc.pw, cc.groups};
        EXPECT_EQ(conv2dReference(x, w, p), naiveConv(x, w, cc.sh, cc.sw, cc.ph, cc.pw, cc.groups))
            << "C=" << cc.c << " groups=" << cc.groups;
    }
}

TEST(Conv2d, LoweredGemmEqualsDirectConvolution) {
    std::mt19937 rng(31337);
    for (const ConvCase& cc : convCases()) {
        const IntTensor x = randomTensor({cc.b, cc.c, cc.h, cc.w}, rng);
        const IntTensor w = randomTensor({cc.n, cc.c / cc.groups, cc.kh, cc.kw}, rng);
        const ConvParams p{cc.sh, cc.sw, cc.ph, cc.pw, cc.groups};
        const LoweredConv lc = lowerConv(x, w, p);
        ASSERT_EQ(lc.x.size(), static_cast<std::size_t>(cc.groups));
        ASSERT_EQ(lc.w.size(), static_cast<std::size_t>(cc.groups));
        const int64_t oh = (cc.h + 2 * cc.ph - cc.kh) / cc.sh + 1, ow = (cc.w + 2 * cc.pw - cc.kw) / cc.sw + 1;
        EXPECT_EQ(lc.batch, cc.b);
        EXPECT_EQ(lc.outH, oh);
        EXPECT_EQ(lc.outW, ow);
        EXPECT_EQ(lc.outChannels, cc.n);
        const int64_t k = cc.kh * cc.kw * (cc.c / cc.groups);
        std::vector<IntTensor> parts;
        for (int g = 0; g < cc.groups; ++g) {
            EXPECT_EQ(lc.x[g].shape, (std::vector<int64_t>{cc.b * oh * ow, k}));
            EXPECT_EQ(lc.w[g].shape, (std::vector<int64_t>{cc.n / cc.groups, k}));
            parts.push_back(gemmReference(lc.x[g], lc.w[g]));
        }
        const IntTensor viaGemm = raiseConvOutput(parts, lc);
        EXPECT_EQ(viaGemm, conv2dReference(x, w, p)) << "C=" << cc.c << " groups=" << cc.groups;
        EXPECT_EQ(viaGemm, naiveConv(x, w, cc.sh, cc.sw, cc.ph, cc.pw, cc.groups));
    }
}

TEST(LowerConv, ChannelIsFastestInK) {
    // x [1,3,3,3] with x(c,y,x) = 100c + 10y + x; w [2,3,2,2] with w(n,c,ky,kx) = 1000n + 100c + 10ky + kx.
    IntTensor x({1, 3, 3, 3}), w({2, 3, 2, 2});
    for (int64_t c = 0; c < 3; ++c)
        for (int64_t y = 0; y < 3; ++y)
            for (int64_t xx = 0; xx < 3; ++xx) x.at4(0, c, y, xx) = 100 * c + 10 * y + xx;
    for (int64_t n = 0; n < 2; ++n)
        for (int64_t c = 0; c < 3; ++c)
            for (int64_t ky = 0; ky < 2; ++ky)
                for (int64_t kx = 0; kx < 2; ++kx) w.at4(n, c, ky, kx) = 1000 * n + 100 * c + 10 * ky + kx;
    const LoweredConv lc = lowerConv(x, w, ConvParams{});
    ASSERT_EQ(lc.x.size(), 1u);
    ASSERT_EQ(lc.x[0].shape, (std::vector<int64_t>{4, 12}));
    ASSERT_EQ(lc.w[0].shape, (std::vector<int64_t>{2, 12}));
    // Row m = (oh=1, ow=0) = 2. Column k = (ky*KW + kx)*C + c; ky=1, kx=0, c=2 -> k = 8,
    // which reads input (c=2, y=1+1, x=0+0) = 220.
    EXPECT_EQ(lc.x[0].at2(2, 8), 220);
    // The first row (oh=0, ow=0) in full: (ky,kx)=(0,0) c=0..2, (0,1) c=0..2, (1,0), (1,1)
    const IntTensor x0 = lc.x[0].widened(), w0 = lc.w[0].widened();
    EXPECT_EQ(std::vector<int64_t>(x0.data.begin(), x0.data.begin() + 12),
              (std::vector<int64_t>{0, 100, 200, 1, 101, 201, 10, 110, 210, 11, 111, 211}));
    // Row 3 = (oh=1, ow=1), k = 4 -> (ky=0, kx=1, c=1): input (1, 1, 2) = 112
    EXPECT_EQ(lc.x[0].at2(3, 4), 112);
    // Weights in the same K order: filter 1, k = 5 -> (ky=0, kx=1, c=2) = 1201
    EXPECT_EQ(std::vector<int64_t>(w0.data.begin() + 12, w0.data.end()),
              (std::vector<int64_t>{1000, 1100, 1200, 1001, 1101, 1201, 1010, 1110, 1210, 1011, 1111, 1211}));
    EXPECT_EQ(lc.w[0].at2(1, 5), 1201);
}

TEST(LowerConv, PaddingIsZeroAndGroupsSplitChannels) {
    // x [1,4,2,2] with x(c,y,x) = 1 + 100c + 10y + x (no zeros), w [2,2,3,3], pad 1, groups 2.
    IntTensor x({1, 4, 2, 2});
    for (int64_t c = 0; c < 4; ++c)
        for (int64_t y = 0; y < 2; ++y)
            for (int64_t xx = 0; xx < 2; ++xx) x.at4(0, c, y, xx) = 1 + 100 * c + 10 * y + xx;
    const IntTensor w({2, 2, 3, 3});
    ConvParams p;
    p.padH = p.padW = 1;
    p.groups = 2;
    const LoweredConv lc = lowerConv(x, w, p);
    ASSERT_EQ(lc.x.size(), 2u);
    ASSERT_EQ(lc.x[1].shape, (std::vector<int64_t>{4, 18}));  // OH=OW=2, K = 3*3*2
    // row 0 = output (0,0): window rows -1..1, cols -1..1. (ky,kx)=(0,*) and (*,0) are padding.
    for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 3; ++kx)
            for (int64_t c = 0; c < 2; ++c) {
                const int64_t iy = ky - 1, ix = kx - 1;
                const bool inside = iy >= 0 && ix >= 0;
                const int64_t col = (ky * 3 + kx) * 2 + c;
                EXPECT_EQ(lc.x[0].at2(0, col), inside ? 1 + 100 * c + 10 * iy + ix : 0) << col;
                EXPECT_EQ(lc.x[1].at2(0, col), inside ? 1 + 100 * (c + 2) + 10 * iy + ix : 0) << col;
            }
}

TEST(Conv2dWithTr, NoBudgetEqualsReference) {
    std::mt19937 rng(8);
    const OperandCoding exact{8, Encoding::Hese, 4, std::nullopt};
    for (const ConvCase& cc : convCases()) {
        const IntTensor x = randomTensor({cc.b, cc.c, cc.h, cc.w}, rng);
        const IntTensor w = randomTensor({cc.n, cc.c / cc.groups, cc.kh, cc.kw}, rng);
        const ConvParams p{cc.sh, cc.sw, cc.ph, cc.pw, cc.groups};
        const IntTensor ref = naiveConv(x, w, cc.sh, cc.sw, cc.ph, cc.pw, cc.groups);
        EXPECT_EQ(conv2dWithTr(x, w, p, exact, exact), ref);
        EXPECT_EQ(conv2dWithTr(x, w, p, std::nullopt, std::nullopt), ref);
        EXPECT_EQ(conv2dWithTr(x, w, p, std::nullopt, exact), ref);
    }
}

// conv2dWithTr with each group's weights revealed by the caller (the controller's lowerConv groups):
// the same output as revealing them itself, another budget's output for weights revealed with that
// budget, and an error for groups that are not the layer's.
TEST(Conv2dWithTr, TakesGivenRevealedWeightsPerGroup) {
    std::mt19937 rng(21);
    const OperandCoding dataTr{8, Encoding::Hese, 1, 3}, weightTr{8, Encoding::Hese, 4, 6}, fewer{8, Encoding::Hese, 4, 1};
    for (const ConvCase& cc : convCases()) {
        const IntTensor x = randomTensor({cc.b, cc.c, cc.h, cc.w}, rng, 0, 255);
        const IntTensor w = randomTensor({cc.n, cc.c / cc.groups, cc.kh, cc.kw}, rng);
        const ConvParams p{cc.sh, cc.sw, cc.ph, cc.pw, cc.groups};
        const LoweredConv lc = lowerConv(x, w, p);
        const RevealedWeights same = revealedGroups(lc.w, weightTr), other = revealedGroups(lc.w, fewer);
        EXPECT_EQ(conv2dWithTr(x, w, p, dataTr, weightTr, &same), conv2dWithTr(x, w, p, dataTr, weightTr))
            << "C=" << cc.c << " groups=" << cc.groups;
        EXPECT_EQ(conv2dWithTr(x, w, p, dataTr, weightTr, &other), conv2dWithTr(x, w, p, dataTr, fewer))
            << "C=" << cc.c << " groups=" << cc.groups;
        RevealedWeights missing = same;
        missing.pop_back();
        EXPECT_THROW(conv2dWithTr(x, w, p, dataTr, weightTr, &missing), std::invalid_argument);
    }
}

// Weight TR with g = C runs over the input channels of one (n, ky, kx) tap
// (channel fastest in K): truncate each tap's channel vector with the oracle,
// then convolve directly.
TEST(Conv2dWithTr, WeightGroupsSpanInputChannelsOfOneTap) {
    std::mt19937 rng(11);
    const int64_t B = 1, C = 4, H = 5, W = 5, N = 3, KH = 3, KW = 3;
    const IntTensor x = randomTensor({B, C, H, W}, rng);
    const IntTensor w = randomTensor({N, C, KH, KW}, rng);
    for (int k : {0, 1, 2, 4, 7}) {
        const OperandCoding wt{8, Encoding::Hese, static_cast<int>(C), k};
        IntTensor wTrunc(w.shape);
        for (int64_t n = 0; n < N; ++n)
            for (int64_t ky = 0; ky < KH; ++ky)
                for (int64_t kx = 0; kx < KW; ++kx) {
                    std::vector<int64_t> tap;
                    for (int64_t c = 0; c < C; ++c) tap.push_back(w.at4(n, c, ky, kx));
                    const std::vector<int64_t> t = oracleReveal(tap, wt);
                    for (int64_t c = 0; c < C; ++c) wTrunc.at4(n, c, ky, kx) = t[c];
                }
        ConvParams p;
        p.padH = p.padW = 1;
        EXPECT_EQ(conv2dWithTr(x, w, p, std::nullopt, wt), naiveConv(x, wTrunc, 1, 1, 1, 1, 1)) << "k=" << k;
    }
}

TEST(Conv2dWithTr, DataTrIsAppliedToLoweredRows) {
    std::mt19937 rng(12);
    const IntTensor x = randomTensor({2, 4, 4, 4}, rng, 0, 255);  // post-ReLU activations
    const IntTensor w = randomTensor({4, 2, 2, 2}, rng);
    ConvParams p;
    p.strideH = p.strideW = 2;
    p.groups = 2;
    const OperandCoding dt{8, Encoding::Hese, 2, 3}, wt{8, Encoding::Naf, 4, 5};
    const LoweredConv lc = lowerConv(x, w, p);
    std::vector<IntTensor> parts;
    for (std::size_t g = 0; g < lc.x.size(); ++g) {
        const IntTensor xt = oracleRevealRows(lc.x[g].widened(), dt), wtt = oracleRevealRows(lc.w[g].widened(), wt);
        const int64_t m = xt.shape[0], k = xt.shape[1], n = wtt.shape[0];
        parts.push_back(make({m, n}, naiveGemm(xt.data, wtt.data, m, k, n)));
    }
    EXPECT_EQ(conv2dWithTr(x, w, p, dt, wt), raiseConvOutput(parts, lc));
}

TEST(Conv2d, ShapeErrorsThrow) {
    const IntTensor x({1, 4, 5, 5});
    ConvParams p;
    EXPECT_THROW(conv2dReference(IntTensor({4, 5, 5}), IntTensor({2, 4, 3, 3}), p), std::invalid_argument);
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 4, 3}), p), std::invalid_argument);
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 3, 3, 3}), p), std::invalid_argument);  // C mismatch
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 4, 6, 6}), p), std::invalid_argument);  // kernel too big
    p.groups = 3;  // C=4 not divisible
    EXPECT_THROW(conv2dReference(x, IntTensor({3, 1, 3, 3}), p), std::invalid_argument);
    p.groups = 2;
    EXPECT_THROW(conv2dReference(x, IntTensor({3, 2, 3, 3}), p), std::invalid_argument);  // N=3 % 2
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 4, 3, 3}), p), std::invalid_argument);  // Cg*groups != C
    EXPECT_NO_THROW(conv2dReference(x, IntTensor({2, 2, 3, 3}), p));
    p.groups = 0;
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 4, 3, 3}), p), std::invalid_argument);
    p = ConvParams{};
    p.strideW = 0;
    EXPECT_THROW(conv2dReference(x, IntTensor({2, 4, 3, 3}), p), std::invalid_argument);
    EXPECT_THROW(lowerConv(x, IntTensor({2, 4, 3, 3}), p), std::invalid_argument);
    EXPECT_THROW(conv2dWithTr(x, IntTensor({2, 3, 3, 3}), ConvParams{}, std::nullopt, std::nullopt),
                 std::invalid_argument);
}

}  // namespace
}  // namespace trsim
