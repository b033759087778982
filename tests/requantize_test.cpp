// QT re-quantization (contract 1) against an independent computation: the
// rounding done in long double arithmetic, the shift from powers of two.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "modules/functional/Requantize.hpp"

namespace trsim {
namespace {

// Smallest L with 2^L > m.
int lengthByPowers(int64_t m) {
    int L = 0;
    while ((int64_t{1} << L) <= m) ++L;
    return L;
}

// sign(q) * min(round-half-away(|q| / 2^s), 2^b - 1), in floating point.
int64_t expectedValue(int64_t q, int s, int b) {
    const long double scaled = std::fabs(static_cast<long double>(q)) / std::ldexp(1.0L, s);
    const long double rounded = std::floor(scaled + 0.5L);
    const long double clamped = std::min(rounded, std::ldexp(1.0L, b) - 1);
    return static_cast<int64_t>(q < 0 ? -clamped : clamped);
}

TEST(Requantize, BitLengthMatchesPowersOfTwo) {
    for (int64_t m = 0; m <= 70000; ++m) ASSERT_EQ(bitLength(m), lengthByPowers(m)) << m;
}

// Every 16-bit magnitude (both signs) at every shift a 16-bit tensor can get,
// for b = 2..16.
TEST(Requantize, EveryValueEveryShiftEveryWidth) {
    for (int b = 2; b <= 16; ++b)
        for (int s = 0; s <= 16 - b; ++s)
            for (int64_t q = -65535; q <= 65535; ++q)
                ASSERT_EQ(requantizeValue(q, s, b), expectedValue(q, s, b)) << "q=" << q << " s=" << s << " b=" << b;
}

// A tensor whose largest magnitude is every 16-bit value in turn gets the
// shift max(0, L - b), and its values follow the value rule at that shift.
TEST(Requantize, TensorShiftFollowsItsLargestMagnitude) {
    std::mt19937_64 rng(7);
    for (int b = 2; b <= 16; ++b)
        for (int64_t m = 0; m <= 65535; m += 1 + static_cast<int64_t>(rng() % 97)) {
            IntTensor t({2, 3});
            std::uniform_int_distribution<int64_t> pick(-m, m);
            for (int64_t& v : t.data) v = pick(rng);
            t.data[static_cast<std::size_t>(rng() % t.size())] = (rng() & 1) ? m : -m;
            const Requantized r = requantize(t, b);
            const int s = std::max(0, lengthByPowers(m) - b);
            ASSERT_EQ(r.shift, s) << "m=" << m << " b=" << b;
            ASSERT_EQ(r.values.shape, t.shape);
            for (std::size_t i = 0; i < t.size(); ++i) {
                ASSERT_EQ(r.values.value(i), expectedValue(t.data[i], s, b));
                ASSERT_LE(std::abs(r.values.value(i)), (int64_t{1} << b) - 1);
            }
        }
}

TEST(Requantize, WideEnoughWidthLeavesTheTensorAlone) {
    IntTensor t({1, 4});
    t.data = {-127, 0, 5, 127};  // symmetric int8: 7 magnitude bits
    for (int b = 7; b <= 16; ++b) {
        const Requantized r = requantize(t, b);
        EXPECT_EQ(r.shift, 0);
        EXPECT_EQ(r.values, t);
    }
    // 4 bits: s = 3, 127 -> (127 + 4) >> 3 = 16, clamped to 15; 5 -> 9 >> 3 = 1.
    const Requantized r4 = requantize(t, 4);
    EXPECT_EQ(r4.shift, 3);
    EXPECT_EQ(r4.values.widened().data, (std::vector<int64_t>{-15, 0, 1, 15}));
}

TEST(Requantize, RejectsWidthsOutsideTwoToSixteen) {
    IntTensor t({1, 1});
    EXPECT_THROW(requantize(t, 1), std::invalid_argument);
    EXPECT_THROW(requantize(t, 17), std::invalid_argument);
}

}  // namespace
}  // namespace trsim
