// Functional model: the four term encoders (SPEC.md sections 1 and 2).
// Expectations are computed independently in this file (hand-written values,
// brute force, or a differently structured implementation), never by calling
// the encoder under test a second time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "tests/support/TermLiterals.hpp"
#include "modules/functional/Term.hpp"

namespace trsim {
namespace {

using testing_support::kAllEncodings;
using testing_support::T;

// Independent sum: does not use termsValue().
int64_t sumOf(const Terms& terms) {
    int64_t s = 0;
    for (const Term& t : terms) {
        int64_t p = 1;
        for (int i = 0; i < t.exponent; ++i) p *= 2;
        s += (t.sign > 0 ? p : -p);
    }
    return s;
}

int popcount(uint64_t v) {
    int c = 0;
    for (; v; v &= v - 1) ++c;
    return c;
}

// Checks every structural property of one encoding of `value` and returns a
// failure description ("" when all hold), so the caller can stop at the first
// failure instead of flooding the log over 2^17 values.
std::string checkWellFormed(Encoding enc, int64_t value, int bits) {
    const Terms t = encode(enc, value, bits);
    const auto fail = [&](const char* what) {
        return encodingName(enc) + " " + std::to_string(value) + " (" + formatTerms(t) + "): " + what;
    };
    if (sumOf(t) != value) return fail("sum of terms != value");
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].sign != 1 && t[i].sign != -1) return fail("sign not +-1");
        if (t[i].exponent < 0) return fail("negative exponent");
        if (t[i].exponent > maxExponent(enc, bits)) return fail("exponent > maxExponent");
        if (i > 0 && !(t[i - 1].exponent > t[i].exponent)) return fail("exponents not strictly descending");
    }
    if (value == 0 && !t.empty()) return fail("zero must have no terms");
    // Sign-magnitude convention: the leading term carries the value's sign.
    if (!t.empty() && (t.front().sign > 0) != (value > 0)) return fail("leading term has the wrong sign");
    return "";
}

void checkAllMagnitudes(int bits) {
    const int64_t maxMag = (int64_t{1} << bits) - 1;
    for (Encoding enc : kAllEncodings) {
        int failures = 0;
        for (int64_t v = -maxMag; v <= maxMag && failures < 5; ++v) {
            const std::string err = checkWellFormed(enc, v, bits);
            if (!err.empty()) {
                ADD_FAILURE() << err;
                ++failures;
            }
        }
        EXPECT_EQ(failures, 0) << encodingName(enc) << " bits=" << bits;
    }
}

// ---------------------------------------------------------------- names ----

TEST(EncodingNames, RoundTripAndUnknown) {
    EXPECT_EQ(encodingName(Encoding::Binary), "binary");
    EXPECT_EQ(encodingName(Encoding::Hese), "hese");
    EXPECT_EQ(encodingName(Encoding::Naf), "naf");
    EXPECT_EQ(encodingName(Encoding::Booth4), "booth4");
    EXPECT_EQ(encodingNames(), (std::vector<std::string>{"binary", "hese", "naf", "booth4"}));
    for (Encoding e : kAllEncodings) EXPECT_EQ(parseEncoding(encodingName(e)), e);
    EXPECT_FALSE(parseEncoding("HESE").has_value());
    EXPECT_FALSE(parseEncoding("").has_value());
    EXPECT_FALSE(parseEncoding("csd").has_value());
}

TEST(MaxExponent, BinaryIsTopBitOthersOneMore) {
    for (int bits : {1, 4, 8, 16, 62}) {
        EXPECT_EQ(maxExponent(Encoding::Binary, bits), bits - 1);
        EXPECT_EQ(maxExponent(Encoding::Hese, bits), bits);
        EXPECT_EQ(maxExponent(Encoding::Naf, bits), bits);
        EXPECT_EQ(maxExponent(Encoding::Booth4, bits), bits);
    }
}

// The bound is tight for HESE/NAF/Booth (255 needs 2^8) and for binary.
TEST(MaxExponent, IsReachedAt8Bits) {
    EXPECT_EQ(encode(Encoding::Binary, 255, 8).front().exponent, 7);
    EXPECT_EQ(encode(Encoding::Hese, 255, 8).front().exponent, 8);
    EXPECT_EQ(encode(Encoding::Naf, 255, 8).front().exponent, 8);
    EXPECT_EQ(encode(Encoding::Booth4, 255, 8).front().exponent, 8);
}

// ----------------------------------------------------------------- Term ----

TEST(Term, ValueSumAndFormat) {
    EXPECT_EQ((Term{1, 0}).value(), 1);
    EXPECT_EQ((Term{-1, 3}).value(), -8);
    EXPECT_EQ((Term{1, 40}).value(), int64_t{1099511627776});
    EXPECT_EQ(termsValue({}), 0);
    EXPECT_EQ(termsValue(T({{1, 5}, {-1, 3}, {1, 2}, {-1, 0}})), 27);
    EXPECT_EQ(formatTerms({}), "");
    EXPECT_EQ(formatTerms(T({{1, 5}, {-1, 3}, {1, 2}, {-1, 0}})), "+2^5 -2^3 +2^2 -2^0");
    EXPECT_TRUE((Term{1, 2}) == (Term{1, 2}));
    EXPECT_TRUE((Term{1, 2}) != (Term{-1, 2}));
    EXPECT_TRUE((Term{1, 2}) != (Term{1, 3}));
}

// ------------------------------------------------------ all encoders ----

TEST(Encoders, ExactAndWellFormedAll8BitValues) { checkAllMagnitudes(8); }

TEST(Encoders, ExactAndWellFormedAll16BitValues) { checkAllMagnitudes(16); }

TEST(Encoders, ExactForWideValuesNear62Bits) {
    const int64_t top = (int64_t{1} << 62) - 1;
    for (Encoding enc : kAllEncodings)
        for (int64_t v : {top, -top, int64_t{1} << 61, (int64_t{1} << 61) + 1, int64_t{0x2AAAAAAAAAAAAAAA},
                          int64_t{0x1555555555555555}, int64_t{0x3333333333333333}, -int64_t{0x3FFF0000FFFF0000}})
            EXPECT_EQ(checkWellFormed(enc, v, 62), "");
}

TEST(Encoders, ZeroHasNoTerms) {
    for (Encoding enc : kAllEncodings) {
        EXPECT_TRUE(encode(enc, 0, 8).empty()) << encodingName(enc);
        EXPECT_TRUE(encode(enc, 0, 1).empty()) << encodingName(enc);
    }
    EXPECT_TRUE(encodeBinary(0).empty());
    EXPECT_TRUE(encodeHese(0).empty());
    EXPECT_TRUE(encodeNaf(0).empty());
    EXPECT_TRUE(encodeBooth4(0).empty());
}

TEST(Encoders, NegativeValueNegatesEveryTermOfTheMagnitude) {
    for (Encoding enc : kAllEncodings)
        for (int64_t v = 1; v <= 255; ++v) {
            const Terms pos = encode(enc, v, 8);
            Terms expected = pos;
            for (Term& t : expected) t.sign = static_cast<int8_t>(-t.sign);
            ASSERT_EQ(encode(enc, -v, 8), expected) << encodingName(enc) << " " << v;
        }
}

TEST(Encoders, EncodeMatchesTheMagnitudeEncoders) {
    for (uint64_t m : {1u, 6u, 27u, 128u, 255u, 4095u, 43690u}) {
        EXPECT_EQ(encode(Encoding::Binary, static_cast<int64_t>(m), 16), encodeBinary(m));
        EXPECT_EQ(encode(Encoding::Hese, static_cast<int64_t>(m), 16), encodeHese(m));
        EXPECT_EQ(encode(Encoding::Naf, static_cast<int64_t>(m), 16), encodeNaf(m));
        EXPECT_EQ(encode(Encoding::Booth4, static_cast<int64_t>(m), 16), encodeBooth4(m));
    }
}

TEST(Encoders, OutOfRangeThrows) {
    for (Encoding enc : kAllEncodings) {
        EXPECT_NO_THROW(encode(enc, 255, 8));
        EXPECT_NO_THROW(encode(enc, -255, 8));
        EXPECT_THROW(encode(enc, 256, 8), std::out_of_range);
        EXPECT_THROW(encode(enc, -256, 8), std::out_of_range);
        EXPECT_THROW(encode(enc, 1000, 8), std::out_of_range);
        EXPECT_NO_THROW(encode(enc, 65535, 16));
        EXPECT_THROW(encode(enc, 65536, 16), std::out_of_range);
        EXPECT_THROW(encode(enc, -65536, 16), std::out_of_range);
        EXPECT_NO_THROW(encode(enc, 1, 1));
        EXPECT_THROW(encode(enc, 2, 1), std::out_of_range);
        EXPECT_THROW(encode(enc, -2, 1), std::out_of_range);
        // bits outside 1..62
        EXPECT_THROW(encode(enc, 0, 0), std::out_of_range);
        EXPECT_THROW(encode(enc, 0, -3), std::out_of_range);
        EXPECT_THROW(encode(enc, 0, 63), std::out_of_range);
        EXPECT_THROW(encode(enc, int64_t{1} << 62, 62), std::out_of_range);
        EXPECT_THROW(encode(enc, -(int64_t{1} << 62), 62), std::out_of_range);
        EXPECT_THROW(encode(enc, std::numeric_limits<int64_t>::max(), 62), std::out_of_range);
        EXPECT_THROW(encode(enc, std::numeric_limits<int64_t>::min(), 62), std::out_of_range);
        EXPECT_THROW(encode(enc, std::numeric_limits<int64_t>::min(), 8), std::out_of_range);
    }
}

// Per-value hand-worked encodings of all four schemes.
TEST(Encoders, HandWorkedExamples) {
    // binary: the set bits
    EXPECT_EQ(encode(Encoding::Binary, 13, 8), T({{1, 3}, {1, 2}, {1, 0}}));
    EXPECT_EQ(encode(Encoding::Binary, -255, 8),
              T({{-1, 7}, {-1, 6}, {-1, 5}, {-1, 4}, {-1, 3}, {-1, 2}, {-1, 1}, {-1, 0}}));
    // NAF: 27 = 32 - 4 - 1; 7 = 8 - 1; 11 = 16 - 4 - 1; 5 = 4 + 1
    EXPECT_EQ(encode(Encoding::Naf, 27, 8), T({{1, 5}, {-1, 2}, {-1, 0}}));
    EXPECT_EQ(encode(Encoding::Naf, 7, 8), T({{1, 3}, {-1, 0}}));
    EXPECT_EQ(encode(Encoding::Naf, 11, 8), T({{1, 4}, {-1, 2}, {-1, 0}}));
    EXPECT_EQ(encode(Encoding::Naf, 5, 8), T({{1, 2}, {1, 0}}));
    EXPECT_EQ(encode(Encoding::Naf, -7, 8), T({{-1, 3}, {1, 0}}));
    // Booth radix 4, digit d_i = -2 b[2i+1] + b[2i] + b[2i-1]:
    // 27 = 0b011011: d0=-1, d1=-1, d2=+2 -> +2^5 -2^2 -2^0
    EXPECT_EQ(encode(Encoding::Booth4, 27, 8), T({{1, 5}, {-1, 2}, {-1, 0}}));
    // 6 = 0b110: d0=-2, d1=+2 -> +2^3 -2^1
    EXPECT_EQ(encode(Encoding::Booth4, 6, 8), T({{1, 3}, {-1, 1}}));
    // 255: d0=-1, d1=d2=d3=0, d4=+1 -> +2^8 -2^0
    EXPECT_EQ(encode(Encoding::Booth4, 255, 8), T({{1, 8}, {-1, 0}}));
    // 128 = 0b10000000: d3=-2, d4=+1 -> +2^8 -2^7 (Booth is not minimal weight)
    EXPECT_EQ(encode(Encoding::Booth4, 128, 8), T({{1, 8}, {-1, 7}}));
    // 2 = 0b10: d0=-2, d1=+1 -> +2^2 -2^1
    EXPECT_EQ(encode(Encoding::Booth4, 2, 8), T({{1, 2}, {-1, 1}}));
    // 1: d0 = +1
    EXPECT_EQ(encode(Encoding::Booth4, 1, 8), T({{1, 0}}));
}

// ----------------------------------------------------------------- HESE ----

TEST(Hese, SpecExamples) {
    EXPECT_EQ(encode(Encoding::Hese, 27, 8), T({{1, 5}, {-1, 3}, {1, 2}, {-1, 0}}));
    EXPECT_EQ(encode(Encoding::Hese, 6, 8), T({{1, 3}, {-1, 1}}));
    EXPECT_EQ(encode(Encoding::Hese, 255, 8), T({{1, 8}, {-1, 0}}));
    EXPECT_EQ(formatTerms(encode(Encoding::Hese, 27, 8)), "+2^5 -2^3 +2^2 -2^0");
    EXPECT_EQ(encode(Encoding::Hese, -27, 8), T({{-1, 5}, {1, 3}, {-1, 2}, {1, 0}}));
}

TEST(Hese, MoreHandWorkedExamples) {
    // isolated ones stay single terms: 0b10101 = 21
    EXPECT_EQ(encode(Encoding::Hese, 21, 8), T({{1, 4}, {1, 2}, {1, 0}}));
    // 3 = 0b11 -> +2^2 -2^0
    EXPECT_EQ(encode(Encoding::Hese, 3, 8), T({{1, 2}, {-1, 0}}));
    // 0b1011 = 11 -> +2^3 (isolated), run of bits 1..0 -> +2^2 -2^0
    EXPECT_EQ(encode(Encoding::Hese, 11, 8), T({{1, 3}, {1, 2}, {-1, 0}}));
    // 0b11101110 = 238 -> run 7..5: +2^8 -2^5, run 3..1: +2^4 -2^1
    EXPECT_EQ(encode(Encoding::Hese, 238, 8), T({{1, 8}, {-1, 5}, {1, 4}, {-1, 1}}));
    // 128 -> +2^7
    EXPECT_EQ(encode(Encoding::Hese, 128, 8), T({{1, 7}}));
}

// Independent HESE by run-length decomposition: walk the runs of ones LSB to
// MSB; a run of length 1 at bit i is +2^i, a run from bit i down to j (i > j)
// is +2^(i+1) -2^j.
Terms heseByRuns(uint64_t m) {
    std::vector<std::pair<int, int>> lsbFirst;  // (sign, exponent)
    int bit = 0;
    while (m >> bit) {
        if (((m >> bit) & 1) == 0) {
            ++bit;
            continue;
        }
        const int j = bit;
        while ((m >> bit) & 1) ++bit;
        const int i = bit - 1;
        if (i == j) {
            lsbFirst.push_back({1, i});
        } else {
            lsbFirst.push_back({-1, j});
            lsbFirst.push_back({1, i + 1});
        }
    }
    Terms out;
    for (auto it = lsbFirst.rbegin(); it != lsbFirst.rend(); ++it)
        out.push_back({static_cast<int8_t>(it->first), static_cast<int8_t>(it->second)});
    return out;
}

TEST(Hese, MatchesRunLengthDecompositionAll16Bit) {
    int failures = 0;
    for (int64_t v = 0; v <= 65535 && failures < 5; ++v) {
        const Terms expected = heseByRuns(static_cast<uint64_t>(v));
        const Terms got = encode(Encoding::Hese, v, 16);
        if (got != expected) {
            ADD_FAILURE() << v << ": got " << formatTerms(got) << ", expected " << formatTerms(expected);
            ++failures;
        }
        Terms negExpected = expected;
        for (Term& t : negExpected) t.sign = static_cast<int8_t>(-t.sign);
        if (v != 0 && encode(Encoding::Hese, -v, 16) != negExpected) {
            ADD_FAILURE() << -v << ": got " << formatTerms(encode(Encoding::Hese, -v, 16));
            ++failures;
        }
    }
}

TEST(Hese, NeverMoreTermsThanBinaryAll16Bit) {
    for (int64_t v = 0; v <= 65535; ++v) {
        const std::size_t hese = encode(Encoding::Hese, v, 16).size();
        const std::size_t binaryCount = static_cast<std::size_t>(popcount(static_cast<uint64_t>(v)));
        ASSERT_LE(hese, binaryCount) << v;
        ASSERT_EQ(encode(Encoding::Binary, v, 16).size(), binaryCount) << v;
    }
}

// SPEC.md section 2: mean terms over uniform 0..255 is 3.25 for HESE, 4.00 for
// binary and about 3.11 for NAF.
TEST(Hese, MeanTermCountOver8BitMatchesSpec) {
    int64_t binary = 0, hese = 0, naf = 0, popcounts = 0;
    for (int64_t v = 0; v <= 255; ++v) {
        binary += static_cast<int64_t>(encode(Encoding::Binary, v, 8).size());
        hese += static_cast<int64_t>(encode(Encoding::Hese, v, 8).size());
        naf += static_cast<int64_t>(encode(Encoding::Naf, v, 8).size());
        popcounts += popcount(static_cast<uint64_t>(v));
    }
    EXPECT_EQ(hese, 832);
    EXPECT_DOUBLE_EQ(static_cast<double>(hese) / 256.0, 3.25);
    EXPECT_EQ(popcounts, 1024);
    EXPECT_EQ(binary, 1024);
    EXPECT_DOUBLE_EQ(static_cast<double>(binary) / 256.0, 4.0);

    // NAF weight by an independent closed form: the NAF digits of n are
    // bit(3n, i+1) - bit(n, i+1), so weight(n) = popcount((3n XOR n) >> 1).
    int64_t nafClosedForm = 0;
    for (uint64_t n = 0; n <= 255; ++n) nafClosedForm += popcount(((3 * n) ^ n) >> 1);
    EXPECT_EQ(naf, nafClosedForm);
    EXPECT_EQ(nafClosedForm, 796);  // 796 / 256 = 3.109375
    EXPECT_NEAR(static_cast<double>(naf) / 256.0, 3.11, 0.005);
}

// ------------------------------------------------------------------ NAF ----

TEST(Naf, NoTwoAdjacentNonzeroDigitsAll16Bit) {
    for (int64_t v = -65535; v <= 65535; ++v) {
        const Terms t = encode(Encoding::Naf, v, 16);
        for (std::size_t i = 1; i < t.size(); ++i)
            ASSERT_GE(t[i - 1].exponent - t[i].exponent, 2) << v << ": " << formatTerms(t);
    }
}

// Independent NAF: digits d_i = bit(3n, i+1) - bit(n, i+1).
TEST(Naf, MatchesClosedFormDigitsAll16Bit) {
    for (uint64_t n = 0; n <= 65535; ++n) {
        Terms expected;
        const uint64_t h = 3 * n;
        for (int i = 17; i >= 0; --i) {
            const int d = static_cast<int>((h >> (i + 1)) & 1) - static_cast<int>((n >> (i + 1)) & 1);
            if (d != 0) expected.push_back({static_cast<int8_t>(d), static_cast<int8_t>(i)});
        }
        ASSERT_EQ(encode(Encoding::Naf, static_cast<int64_t>(n), 16), expected) << n;
    }
}

// Brute force over every signed-digit representation with 9 digits in
// {-1, 0, 1} (3^9 = 19683): NAF has the minimum number of nonzero digits of
// every 8-bit value, and it is the only representation with no two adjacent
// nonzero digits.
TEST(Naf, MinimalWeightAndUniqueNonAdjacentFormBruteForce8Bit) {
    constexpr int kDigits = 9;
    std::vector<int> minWeight(256, 1000);
    std::vector<int> nonAdjacentCount(256, 0);
    std::vector<Terms> nonAdjacentForm(256);
    std::array<int, kDigits> d{};
    int combos = 0;
    for (int code = 0; code < 19683; ++code) {
        int c = code;
        int64_t value = 0, pow = 1;
        int weight = 0;
        for (int i = 0; i < kDigits; ++i, pow *= 2) {
            d[i] = c % 3 - 1;
            c /= 3;
            value += d[i] * pow;
            weight += d[i] != 0;
        }
        ++combos;
        if (value < 0 || value > 255) continue;
        minWeight[value] = std::min(minWeight[value], weight);
        bool nonAdjacent = true;
        for (int i = 1; i < kDigits; ++i)
            if (d[i] != 0 && d[i - 1] != 0) nonAdjacent = false;
        if (nonAdjacent) {
            ++nonAdjacentCount[value];
            Terms t;
            for (int i = kDigits - 1; i >= 0; --i)
                if (d[i] != 0) t.push_back({static_cast<int8_t>(d[i]), static_cast<int8_t>(i)});
            nonAdjacentForm[value] = t;
        }
    }
    ASSERT_EQ(combos, 19683);
    int64_t minSum = 0;
    for (int v = 0; v <= 255; ++v) {
        const Terms naf = encode(Encoding::Naf, v, 8);
        EXPECT_EQ(static_cast<int>(naf.size()), minWeight[v]) << v;
        EXPECT_EQ(nonAdjacentCount[v], 1) << v;
        EXPECT_EQ(naf, nonAdjacentForm[v]) << v;
        // HESE and Booth are never better than the minimum either
        EXPECT_GE(static_cast<int>(encode(Encoding::Hese, v, 8).size()), minWeight[v]) << v;
        EXPECT_GE(static_cast<int>(encode(Encoding::Booth4, v, 8).size()), minWeight[v]) << v;
        minSum += minWeight[v];
    }
    EXPECT_EQ(minSum, 796);
}

// --------------------------------------------------------------- Booth4 ----

std::string checkBooth(int64_t v, int bits) {
    const Terms t = encode(Encoding::Booth4, v, bits);
    std::map<int, int> digitAt;  // radix-4 position -> digit
    for (const Term& term : t) {
        const int pos = term.exponent / 2;
        const int mag = (term.exponent % 2) ? 2 : 1;
        if (digitAt.count(pos)) return "two terms at radix-4 position " + std::to_string(pos);
        digitAt[pos] = term.sign * mag;
    }
    int64_t sum = 0;
    for (const auto& [pos, digit] : digitAt) {
        if (digit < -2 || digit > 2 || digit == 0) return "bad digit";
        sum += digit * (int64_t{1} << (2 * pos));
    }
    if (sum != v) return "digits do not sum to the value";
    const std::size_t maxCount = static_cast<std::size_t>((bits + 1 + 1) / 2);  // ceil((bits+1)/2)
    if (t.size() > maxCount) return "more than ceil((bits+1)/2) terms";
    return "";
}

TEST(Booth4, DigitsInRangeOneTermPerPositionAll8And16Bit) {
    for (int bits : {8, 16}) {
        const int64_t maxMag = (int64_t{1} << bits) - 1;
        for (int64_t v = -maxMag; v <= maxMag; ++v) {
            const std::string err = checkBooth(v, bits);
            ASSERT_EQ(err, "") << "bits=" << bits << " v=" << v << " "
                               << formatTerms(encode(Encoding::Booth4, v, bits));
        }
    }
}

TEST(Booth4, CountBoundHoldsForOddWidthsToo) {
    for (int bits : {1, 3, 5, 7, 9}) {
        const int64_t maxMag = (int64_t{1} << bits) - 1;
        for (int64_t v = -maxMag; v <= maxMag; ++v) ASSERT_EQ(checkBooth(v, bits), "") << bits << " " << v;
    }
    // ceil((8+1)/2) = 5 is reached by 0xAA (a nonzero digit at all 5 positions, see below)
    EXPECT_EQ(encode(Encoding::Booth4, 0x55, 8).size(), 4u);
    EXPECT_EQ(encode(Encoding::Booth4, 0xAA, 8).size(), 5u);
}

// 0xAA = 0b10101010: d0=-2, d1=-2+0+1=-1, d2=-1, d3=-1, d4=+1 ->
// +2^8 -2^6 -2^4 -2^2 -2^1 (= 256 - 64 - 16 - 4 - 2 = 170).
TEST(Booth4, HandWorkedAlternatingPattern) {
    EXPECT_EQ(encode(Encoding::Booth4, 0xAA, 8), T({{1, 8}, {-1, 6}, {-1, 4}, {-1, 2}, {-1, 1}}));
    // 0x55 = 0b01010101: d0=+1, d1=+1, d2=+1, d3=+1 -> +2^6 +2^4 +2^2 +2^0
    EXPECT_EQ(encode(Encoding::Booth4, 0x55, 8), T({{1, 6}, {1, 4}, {1, 2}, {1, 0}}));
}

}  // namespace
}  // namespace trsim
