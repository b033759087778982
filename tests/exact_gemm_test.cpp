// ExactGemm (the functional reference's GEMM) against a naive int64 triple loop
// kept here: random shapes on both paths, and the 32-bit chunk bound at its edge,
// with the operands given at 64 bits or at 16 bits (each, or both).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "modules/functional/ExactGemm.hpp"
#include "modules/functional/Reference.hpp"

namespace trsim {
namespace {

std::vector<int64_t> naiveGemm(const std::vector<int64_t>& x, const std::vector<int64_t>& w, int64_t m, int64_t k,
                               int64_t n) {
    std::vector<int64_t> y(static_cast<std::size_t>(m * n), 0);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
            for (int64_t r = 0; r < k; ++r) y[i * n + j] += x[i * k + r] * w[j * k + r];
    return y;
}

std::vector<int64_t> randomValues(std::size_t count, int64_t most, std::mt19937& rng) {
    std::uniform_int_distribution<int64_t> d(-most, most);
    std::vector<int64_t> v(count);
    for (int64_t& e : v) e = d(rng);
    return v;
}

// Which operands ExactGemm is given at 16 bits (the values must fit).
enum class Given { Wide, Weights16, Data16, Both16 };
constexpr Given kEveryWay[] = {Given::Wide, Given::Weights16, Given::Data16, Given::Both16};

std::vector<int64_t> multiply(const std::vector<int64_t>& x, const std::vector<int64_t>& w, int64_t m, int64_t k,
                              int64_t n, Given given = Given::Wide) {
    const std::vector<int16_t> x16(x.begin(), x.end()), w16(w.begin(), w.end());
    const bool narrowW = given == Given::Weights16 || given == Given::Both16;
    const bool narrowX = given == Given::Data16 || given == Given::Both16;
    const ExactGemm gemm = narrowW ? ExactGemm(w16.data(), n, k) : ExactGemm(w.data(), n, k);
    std::vector<int64_t> y(static_cast<std::size_t>(m * n), -1);
    if (narrowX)
        gemm.multiply(x16.data(), m, y.data());
    else
        gemm.multiply(x.data(), m, y.data());
    return y;
}

std::string nameOf(Given g) {
    return g == Given::Wide ? "64-bit" : g == Given::Weights16 ? "16-bit weights" : g == Given::Data16 ? "16-bit data" : "16-bit both";
}

TEST(ExactGemm, MatchesNaiveLoopOnRandomShapesAndWidths) {
    std::mt19937 rng(7);
    // 8 bits and 12 bits take the 16-bit path (long and short chunks); 13, 15 and
    // 16 bits and 2^20 take the 64-bit path.
    for (int64_t most : {int64_t{1}, int64_t{255}, int64_t{256}, int64_t{4095}, int64_t{8191}, int64_t{32767},
                         int64_t{65535}, int64_t{1} << 20})
        for (int trial = 0; trial < 12; ++trial) {
            std::uniform_int_distribution<int64_t> dim(1, 23), deep(1, 700);
            const int64_t m = dim(rng), n = dim(rng) + 10, k = trial % 3 == 0 ? deep(rng) * 7 : dim(rng);
            const auto x = randomValues(static_cast<std::size_t>(m * k), most, rng);
            const auto w = randomValues(static_cast<std::size_t>(n * k), most, rng);
            const auto want = naiveGemm(x, w, m, k, n);
            for (const Given given : kEveryWay) {
                if (given != Given::Wide && most > 32767) continue;  // not 16-bit values
                ASSERT_EQ(multiply(x, w, m, k, n, given), want)
                    << "max " << most << " trial " << trial << ", " << nameOf(given);
            }
        }
}

// -32768, the one 16-bit value whose magnitude is not one (two products of it overflow a 32-bit
// lane): given at 16 bits, the product still takes the 64-bit path and stays exact.
TEST(ExactGemm, SixteenBitOperandsAtTheirMostNegativeValue) {
    const int64_t m = 3, n = 4, k = 300;
    std::vector<int64_t> x(static_cast<std::size_t>(m * k), -32768), w(static_cast<std::size_t>(n * k), -32768);
    w[5] = 32767;
    x[7] = 1;
    const auto want = naiveGemm(x, w, m, k, n);
    for (const Given given : kEveryWay) EXPECT_EQ(multiply(x, w, m, k, n, given), want) << nameOf(given);
    for (const Given given : kEveryWay) EXPECT_EQ(multiply(w, x, n, k, m, given), naiveGemm(w, x, n, k, m)) << nameOf(given);
}

TEST(ExactGemm, LongestChunkSumsAtTheThirtyTwoBitEdge) {
    // 4095 x 4095 x 128 = 2,146,435,200 is the largest chunk sum below 2^31; a
    // chunk one longer, or products of one sign not split, would wrap.
    for (int64_t sign : {int64_t{1}, int64_t{-1}}) {
        const int64_t m = 5, n = 3, k = 128 * 9 + 5;
        const std::vector<int64_t> x(static_cast<std::size_t>(m * k), 4095 * sign), w(static_cast<std::size_t>(n * k), 4095);
        for (const Given given : kEveryWay) {
            const auto y = multiply(x, w, m, k, n, given);
            for (int64_t v : y) ASSERT_EQ(v, sign * 4095 * 4095 * k) << nameOf(given);
            ASSERT_EQ(y, naiveGemm(x, w, m, k, n)) << nameOf(given);
        }
    }
}

TEST(ExactGemm, ZeroOperandsAndEmptyShapes) {
    const std::vector<int64_t> x(6, 0), w(6, 3);
    EXPECT_EQ(multiply(x, w, 2, 3, 2), std::vector<int64_t>(4, 0));
    EXPECT_EQ(multiply(w, x, 2, 3, 2), std::vector<int64_t>(4, 0));
    EXPECT_TRUE(multiply({}, w, 0, 3, 2).empty());
}

// Reference convolutions through ExactGemm, over more im2col rows than one
// reference block (256), against a direct loop written here.
TEST(ExactGemm, ConvolutionAcrossRowBlocksMatchesDirectLoop) {
    std::mt19937 rng(11);
    struct Case {
        int64_t b, c, h, wd, n, kh, kw;
        int groups, stride, pad;
    };
    for (const Case& cc : {Case{1, 6, 23, 29, 6, 3, 3, 6, 1, 1}, Case{2, 8, 17, 19, 12, 3, 3, 2, 2, 1},
                          Case{1, 3, 31, 30, 5, 5, 5, 1, 1, 2}}) {
        IntTensor x({cc.b, cc.c, cc.h, cc.wd}), w({cc.n, cc.c / cc.groups, cc.kh, cc.kw});
        { const auto v = randomValues(x.size(), 255, rng); x.data.assign(v.begin(), v.end()); }
        { const auto v = randomValues(w.size(), 127, rng); w.data.assign(v.begin(), v.end()); }
        const ConvParams p{cc.stride, cc.stride, cc.pad, cc.pad, cc.groups};
        const IntTensor y = conv2dReference(x, w, p);
        const int64_t cg = cc.c / cc.groups, ng = cc.n / cc.groups;
        for (int64_t b = 0; b < cc.b; ++b)
            for (int64_t n = 0; n < cc.n; ++n)
                for (int64_t oy = 0; oy < y.dim(2); ++oy)
                    for (int64_t ox = 0; ox < y.dim(3); ++ox) {
                        int64_t acc = 0;
                        for (int64_t c = 0; c < cg; ++c)
                            for (int64_t ky = 0; ky < cc.kh; ++ky)
                                for (int64_t kx = 0; kx < cc.kw; ++kx) {
                                    const int64_t iy = oy * cc.stride - cc.pad + ky, ix = ox * cc.stride - cc.pad + kx;
                                    if (iy >= 0 && iy < cc.h && ix >= 0 && ix < cc.wd)
                                        acc += x.at4(b, n / ng * cg + c, iy, ix) * w.at4(n, c, ky, kx);
                                }
                        ASSERT_EQ(y.at4(b, n, oy, ox), acc) << b << " " << n << " " << oy << " " << ox;
                    }
    }
}

}  // namespace
}  // namespace trsim
