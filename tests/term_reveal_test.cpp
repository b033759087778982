// Functional model: Term Revealing selection (SPEC.md section 1). Expected
// values are hand-worked or come from an independent sort-based oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "tests/support/TermLiterals.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {
namespace {

using testing_support::kAllEncodings;
using testing_support::T;

std::vector<Terms> encodeAll(Encoding enc, const std::vector<int64_t>& values, int bits) {
    std::vector<Terms> out;
    for (int64_t v : values) out.push_back(encode(enc, v, bits));
    return out;
}

int64_t sumOf(const Terms& terms) {
    int64_t s = 0;
    for (const Term& t : terms) s += t.sign * (int64_t{1} << t.exponent);
    return s;
}

// Oracle: list every (exponent, value index, position in value) tuple, sort by
// exponent descending then value index ascending, keep the first k, then give
// each value back its kept terms in their original order.
std::vector<Terms> oracleTopK(const std::vector<Terms>& group, std::optional<int> budget) {
    std::vector<std::tuple<int, std::size_t, std::size_t>> all;  // (-exp, index, pos)
    for (std::size_t v = 0; v < group.size(); ++v)
        for (std::size_t p = 0; p < group[v].size(); ++p) all.emplace_back(-group[v][p].exponent, v, p);
    std::sort(all.begin(), all.end());
    const std::size_t keep = budget ? std::min<std::size_t>(all.size(), static_cast<std::size_t>(*budget)) : all.size();
    std::vector<std::vector<bool>> kept(group.size());
    for (std::size_t v = 0; v < group.size(); ++v) kept[v].assign(group[v].size(), false);
    for (std::size_t i = 0; i < keep; ++i) kept[std::get<1>(all[i])][std::get<2>(all[i])] = true;
    std::vector<Terms> out(group.size());
    for (std::size_t v = 0; v < group.size(); ++v)
        for (std::size_t p = 0; p < group[v].size(); ++p)
            if (kept[v][p]) out[v].push_back(group[v][p]);
    return out;
}

std::size_t totalTerms(const std::vector<Terms>& g) {
    std::size_t n = 0;
    for (const Terms& t : g) n += t.size();
    return n;
}

// ------------------------------------------------------ selectTopTerms ----

TEST(SelectTopTerms, TiesGoToTheLowerValueIndex) {
    // {4,4,4} binary: three +2^2 terms; k=2 keeps values 0 and 1.
    const std::vector<Terms> group = encodeAll(Encoding::Binary, {4, 4, 4}, 8);
    EXPECT_EQ(selectTopTerms(group, 2), (std::vector<Terms>{T({{1, 2}}), T({{1, 2}}), {}}));
    EXPECT_EQ(selectTopTerms(group, 1), (std::vector<Terms>{T({{1, 2}}), {}, {}}));
    EXPECT_EQ(selectTopTerms(group, 3), group);
}

TEST(SelectTopTerms, TieBetweenDifferentValuesAndSigns) {
    // 12 = +2^3 +2^2 (binary), -8 = -2^3: the 2^3 terms tie; index 0 first,
    // then index 1's -2^3, then 12's 2^2.
    const std::vector<Terms> group = encodeAll(Encoding::Binary, {12, -8}, 8);
    EXPECT_EQ(selectTopTerms(group, 1), (std::vector<Terms>{T({{1, 3}}), {}}));
    EXPECT_EQ(selectTopTerms(group, 2), (std::vector<Terms>{T({{1, 3}}), T({{-1, 3}})}));
    // swapped order: now -8 wins the tie
    const std::vector<Terms> swapped = encodeAll(Encoding::Binary, {-8, 12}, 8);
    EXPECT_EQ(selectTopTerms(swapped, 1), (std::vector<Terms>{T({{-1, 3}}), {}}));
}

TEST(SelectTopTerms, HandWorkedHeseGroup) {
    // 27 -> +2^5 -2^3 +2^2 -2^0, 6 -> +2^3 -2^1.
    // Order: (5,v0) (3,v0) (3,v1) (2,v0) (1,v1) (0,v0)
    const std::vector<Terms> group = encodeAll(Encoding::Hese, {27, 6}, 8);
    EXPECT_EQ(selectTopTerms(group, 1), (std::vector<Terms>{T({{1, 5}}), {}}));
    EXPECT_EQ(selectTopTerms(group, 2), (std::vector<Terms>{T({{1, 5}, {-1, 3}}), {}}));
    EXPECT_EQ(selectTopTerms(group, 3), (std::vector<Terms>{T({{1, 5}, {-1, 3}}), T({{1, 3}})}));
    EXPECT_EQ(selectTopTerms(group, 4), (std::vector<Terms>{T({{1, 5}, {-1, 3}, {1, 2}}), T({{1, 3}})}));
    EXPECT_EQ(selectTopTerms(group, 5), (std::vector<Terms>{T({{1, 5}, {-1, 3}, {1, 2}}), T({{1, 3}, {-1, 1}})}));
    EXPECT_EQ(selectTopTerms(group, 6), group);
}

TEST(SelectTopTerms, BudgetNoneZeroAndLargerThanAvailable) {
    const std::vector<Terms> group = encodeAll(Encoding::Hese, {27, 0, -6, 255}, 8);
    EXPECT_EQ(selectTopTerms(group, std::nullopt), group);
    EXPECT_EQ(selectTopTerms(group, 0), std::vector<Terms>(4));
    EXPECT_EQ(selectTopTerms(group, 8), group);  // exactly the 4+0+2+2 available
    EXPECT_EQ(selectTopTerms(group, 1000), group);
    EXPECT_TRUE(selectTopTerms({}, 3).empty());
    EXPECT_TRUE(selectTopTerms({}, std::nullopt).empty());
    EXPECT_EQ(selectTopTerms({{}, {}}, 3), std::vector<Terms>(2));
}

TEST(SelectTopTerms, NegativeBudgetThrows) {
    EXPECT_THROW(selectTopTerms(encodeAll(Encoding::Hese, {1}, 8), -1), std::invalid_argument);
}

// Thousands of random groups, all encodings, g in 1..16, k in 0..40.
TEST(SelectTopTerms, AgreesWithSortOracleOnRandomGroups) {
    std::mt19937 rng(20200714);
    int checked = 0;
    for (Encoding enc : kAllEncodings) {
        for (int trial = 0; trial < 1500; ++trial) {
            const int bits = (trial % 5 == 0) ? 4 : (trial % 7 == 0 ? 12 : 8);
            const int64_t maxMag = (int64_t{1} << bits) - 1;
            const int g = std::uniform_int_distribution<int>(1, 16)(rng);
            const int k = std::uniform_int_distribution<int>(0, 40)(rng);
            std::uniform_int_distribution<int64_t> val(-maxMag, maxMag);
            std::vector<int64_t> values(static_cast<std::size_t>(g));
            for (int64_t& v : values) v = (trial % 3 == 0) ? val(rng) / 8 : val(rng);  // some small values: more ties
            const std::vector<Terms> group = encodeAll(enc, values, bits);
            const std::vector<Terms> got = selectTopTerms(group, k);
            const std::vector<Terms> expected = oracleTopK(group, k);
            ASSERT_EQ(got, expected) << encodingName(enc) << " trial " << trial << " g=" << g << " k=" << k;

            // Properties stated directly, independent of the oracle.
            const std::size_t total = totalTerms(group);
            ASSERT_EQ(totalTerms(got), std::min<std::size_t>(total, static_cast<std::size_t>(k)));
            int minKept = 1000, maxDropped = -1;
            for (std::size_t v = 0; v < group.size(); ++v) {
                ASSERT_LE(got[v].size(), group[v].size());
                // kept terms of one value are a prefix of its terms (largest first)
                for (std::size_t p = 0; p < got[v].size(); ++p) ASSERT_EQ(got[v][p], group[v][p]);
                for (std::size_t p = 0; p < got[v].size(); ++p) minKept = std::min<int>(minKept, got[v][p].exponent);
                for (std::size_t p = got[v].size(); p < group[v].size(); ++p)
                    maxDropped = std::max<int>(maxDropped, group[v][p].exponent);
            }
            ASSERT_LE(maxDropped, minKept);
            ++checked;
        }
    }
    EXPECT_EQ(checked, 6000);
}

// Tie rule on random groups: when a dropped term has the same exponent as a
// kept one, the dropped one belongs to a higher value index.
TEST(SelectTopTerms, RandomTiesResolveToLowerIndex) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 2000; ++trial) {
        const int g = std::uniform_int_distribution<int>(2, 16)(rng);
        const int k = std::uniform_int_distribution<int>(1, 20)(rng);
        std::vector<int64_t> values(static_cast<std::size_t>(g));
        for (int64_t& v : values) v = std::uniform_int_distribution<int64_t>(-15, 15)(rng);
        const std::vector<Terms> group = encodeAll(Encoding::Binary, values, 4);
        const std::vector<Terms> got = selectTopTerms(group, k);
        for (std::size_t a = 0; a < group.size(); ++a)
            for (std::size_t pa = got[a].size(); pa < group[a].size(); ++pa)  // dropped
                for (std::size_t b = 0; b < group.size(); ++b)
                    for (std::size_t pb = 0; pb < got[b].size(); ++pb)  // kept
                        if (got[b][pb].exponent == group[a][pa].exponent) {
                            ASSERT_LT(b, a) << "trial " << trial;
                        }
    }
}

// --------------------------------------------------------- revealValues ----

TEST(RevealValues, HandWorkedGroupsWithPartialLastGroup) {
    // HESE, g=2, k=2:
    //  (27, 6):  +2^5 -2^3 | +2^3 ...  -> 27 keeps +2^5 -2^3 = 24, 6 keeps nothing
    //  (255, 1): +2^8 -2^0 | +2^0      -> 255 keeps both (tie at 2^0 to index 0), 1 -> 0
    //  (3):      +2^2 -2^0             -> 3
    const std::vector<int64_t> in{27, 6, 255, 1, 3};
    std::vector<int64_t> out(in.size(), -99);
    std::vector<int> terms(in.size(), -99);
    revealValues(in.data(), in.size(), OperandCoding{8, Encoding::Hese, 2, 2}, out.data(), terms.data());
    EXPECT_EQ(out, (std::vector<int64_t>{24, 0, 255, 0, 3}));
    EXPECT_EQ(terms, (std::vector<int>{2, 0, 2, 0, 2}));
}

TEST(RevealValues, NegativeValuesAndTruncationCanRoundUp) {
    // -27 keeps -2^5 +2^3 = -24.
    std::vector<int64_t> in{-27, 6}, out(2);
    revealValues(in.data(), 2, OperandCoding{8, Encoding::Hese, 2, 2}, out.data());
    EXPECT_EQ(out, (std::vector<int64_t>{-24, 0}));
    // HESE's leading term of 255 is 2^8: k=1 turns 255 into 256, and 1 into 0.
    in = {1, 255};
    revealValues(in.data(), 2, OperandCoding{8, Encoding::Hese, 2, 1}, out.data());
    EXPECT_EQ(out, (std::vector<int64_t>{0, 256}));
}

TEST(RevealValues, GroupSizeOneBudgetOneKeepsTheLeadingBinaryBit) {
    std::vector<int64_t> in, out(511);
    for (int64_t v = -255; v <= 255; ++v) in.push_back(v);
    std::vector<int> terms(511);
    revealValues(in.data(), in.size(), OperandCoding{8, Encoding::Binary, 1, 1}, out.data(), terms.data());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const int64_t mag = in[i] < 0 ? -in[i] : in[i];
        int64_t top = 0;
        for (int64_t p = 1; p <= mag; p *= 2) top = p;  // largest power of two <= |v|
        EXPECT_EQ(out[i], in[i] < 0 ? -top : top) << in[i];
        EXPECT_EQ(terms[i], in[i] == 0 ? 0 : 1) << in[i];
    }
}

TEST(RevealValues, GroupsAreConsecutiveNotStrided) {
    // binary, g=3, k=1: groups (8,1,1) (1,8,1) (1,1): each group keeps its
    // single largest term; in the last group the tie goes to index 0.
    const std::vector<int64_t> in{8, 1, 1, 1, 8, 1, 1, 1};
    std::vector<int64_t> out(in.size());
    std::vector<int> terms(in.size());
    revealValues(in.data(), in.size(), OperandCoding{8, Encoding::Binary, 3, 1}, out.data(), terms.data());
    EXPECT_EQ(out, (std::vector<int64_t>{8, 0, 0, 0, 8, 0, 1, 0}));
    EXPECT_EQ(terms, (std::vector<int>{1, 0, 0, 0, 1, 0, 1, 0}));
}

TEST(RevealValues, AgreesWithOracleOnRandomRows) {
    std::mt19937 rng(42);
    for (Encoding enc : kAllEncodings)
        for (int trial = 0; trial < 200; ++trial) {
            const int g = std::uniform_int_distribution<int>(1, 16)(rng);
            const int k = std::uniform_int_distribution<int>(0, 24)(rng);
            const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 70)(rng);
            std::vector<int64_t> in(n), out(n, -12345);
            std::vector<int> terms(n, -1);
            for (int64_t& v : in) v = std::uniform_int_distribution<int64_t>(-255, 255)(rng);
            revealValues(in.data(), n, OperandCoding{8, enc, g, k}, out.data(), terms.data());
            for (std::size_t start = 0; start < n; start += static_cast<std::size_t>(g)) {
                const std::size_t end = std::min(n, start + static_cast<std::size_t>(g));
                std::vector<Terms> group;
                for (std::size_t i = start; i < end; ++i) group.push_back(encode(enc, in[i], 8));
                const std::vector<Terms> kept = oracleTopK(group, k);
                std::size_t groupKept = 0;
                for (std::size_t i = start; i < end; ++i) {
                    ASSERT_EQ(out[i], sumOf(kept[i - start])) << encodingName(enc) << " trial " << trial << " i=" << i;
                    ASSERT_EQ(terms[i], static_cast<int>(kept[i - start].size()));
                    groupKept += static_cast<std::size_t>(terms[i]);
                }
                ASSERT_EQ(groupKept, std::min<std::size_t>(totalTerms(group), static_cast<std::size_t>(k)));
            }
        }
}

// Groups longer than 255 values (keptTermCounts counts exponents 255 values at
// a time) and magnitudes up to 16 bits, whose terms reach exponent 16.
TEST(RevealValues, AgreesWithOracleOnLongGroupsAndWideValues) {
    std::mt19937 rng(7);
    for (Encoding enc : kAllEncodings)
        for (const int bits : {4, 12, 16})
            for (const int g : {3, 256, 300, 700}) {
                const int64_t most = (int64_t{1} << bits) - 1;
                const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 800)(rng);
                const int k = std::uniform_int_distribution<int>(0, 3 * g)(rng);
                std::vector<int64_t> in(n), out(n);
                std::vector<int> terms(n);
                for (int64_t& v : in) v = std::uniform_int_distribution<int64_t>(-most, most)(rng);
                revealValues(in.data(), n, OperandCoding{bits, enc, g, k}, out.data(), terms.data());
                for (std::size_t start = 0; start < n; start += static_cast<std::size_t>(g)) {
                    const std::size_t end = std::min(n, start + static_cast<std::size_t>(g));
                    std::vector<Terms> group;
                    for (std::size_t i = start; i < end; ++i) group.push_back(encode(enc, in[i], bits));
                    const std::vector<Terms> kept = oracleTopK(group, k);
                    for (std::size_t i = start; i < end; ++i) {
                        ASSERT_EQ(out[i], sumOf(kept[i - start])) << encodingName(enc) << " bits " << bits << " g " << g;
                        ASSERT_EQ(terms[i], static_cast<int>(kept[i - start].size()));
                    }
                }
            }
}

TEST(RevealValues, LargeOrNoBudgetIsIdentity) {
    std::mt19937 rng(1);
    for (Encoding enc : kAllEncodings)
        for (int bits : {4, 8, 16}) {
            const int64_t maxMag = (int64_t{1} << bits) - 1;
            const int g = 5;
            std::vector<int64_t> in(37), out(37), out2(37);
            std::vector<int> terms(37), terms2(37);
            for (int64_t& v : in) v = std::uniform_int_distribution<int64_t>(-maxMag, maxMag)(rng);
            // a value has at most bits+1 terms, a group at most g*(bits+1)
            revealValues(in.data(), in.size(), OperandCoding{bits, enc, g, g * (bits + 1)}, out.data(), terms.data());
            revealValues(in.data(), in.size(), OperandCoding{bits, enc, g, std::nullopt}, out2.data(), terms2.data());
            EXPECT_EQ(out, in);
            EXPECT_EQ(out2, in);
            for (std::size_t i = 0; i < in.size(); ++i) {
                EXPECT_EQ(static_cast<std::size_t>(terms[i]), encode(enc, in[i], bits).size());
                EXPECT_EQ(terms2[i], terms[i]);
            }
        }
}

TEST(RevealValues, BinaryTermsOutIsPopcountWithoutBudget) {
    std::vector<int64_t> in{0, 1, -3, 255, -128, 85};
    std::vector<int64_t> out(in.size());
    std::vector<int> terms(in.size());
    revealValues(in.data(), in.size(), OperandCoding{8, Encoding::Binary, 4, std::nullopt}, out.data(), terms.data());
    EXPECT_EQ(terms, (std::vector<int>{0, 1, 2, 8, 1, 4}));
}

TEST(RevealValues, ZeroBudgetZeroesEverything) {
    std::vector<int64_t> in{5, -7, 100}, out(3, 1);
    std::vector<int> terms(3, 1);
    revealValues(in.data(), 3, OperandCoding{8, Encoding::Hese, 2, 0}, out.data(), terms.data());
    EXPECT_EQ(out, (std::vector<int64_t>{0, 0, 0}));
    EXPECT_EQ(terms, (std::vector<int>{0, 0, 0}));
}

TEST(RevealValues, EmptyInputAndNullTermsOut) {
    int64_t sentinel = 77;
    EXPECT_NO_THROW(revealValues(nullptr, 0, OperandCoding{}, &sentinel));
    EXPECT_EQ(sentinel, 77);
    const int64_t in[2] = {27, 6};
    int64_t out[2] = {0, 0};
    EXPECT_NO_THROW(revealValues(in, 2, OperandCoding{8, Encoding::Hese, 2, 3}, out, nullptr));
    EXPECT_EQ(out[0], 24);
    EXPECT_EQ(out[1], 8);
}

TEST(RevealValues, Errors) {
    const int64_t in[2] = {1, 300};
    int64_t out[2];
    EXPECT_THROW(revealValues(in, 1, OperandCoding{8, Encoding::Hese, 0, 1}, out), std::invalid_argument);
    EXPECT_THROW(revealValues(in, 1, OperandCoding{8, Encoding::Hese, -2, 1}, out), std::invalid_argument);
    EXPECT_THROW(revealValues(in, 1, OperandCoding{8, Encoding::Hese, 1, -1}, out), std::invalid_argument);
    EXPECT_THROW(revealValues(in, 2, OperandCoding{8, Encoding::Hese, 2, 4}, out), std::out_of_range);
    EXPECT_NO_THROW(revealValues(in, 2, OperandCoding{9, Encoding::Hese, 2, 4}, out));
}

// keptTermCountsByGroup and revealByGroup of `in` in groups of g against the sort oracle, group by group:
// every value's kept-term count and value after TR, the terms before TR, and the exponents of the values
// that keep a term.
void expectGroupsAgreeWithOracle(Encoding enc, int bits, int g, std::optional<int> budget,
                                 const std::vector<int64_t>& in) {
    const TermTable& table = TermTable::get(enc, bits);
    const std::size_t n = in.size();
    std::vector<uint8_t> counts(n, 99), revealedCounts(n, 99);
    std::vector<int32_t> values(n, -12345);
    uint32_t exponents = 0;
    const int64_t total = keptTermCountsByGroup(table, in.data(), n, g, budget, counts.data());
    const int64_t total2 = revealByGroup(table, in.data(), n, g, budget, revealedCounts.data(), values.data(), exponents);
    const std::string where = encodingName(enc) + " bits " + std::to_string(bits) + " g " + std::to_string(g) +
                              " budget " + (budget ? std::to_string(*budget) : std::string("none"));
    int64_t expectedTotal = 0;
    uint32_t expectedExponents = 0;
    for (std::size_t start = 0; start < n; start += static_cast<std::size_t>(g)) {
        const std::size_t end = std::min(n, start + static_cast<std::size_t>(g));
        std::vector<Terms> group;
        for (std::size_t i = start; i < end; ++i) group.push_back(encode(enc, in[i], bits));
        expectedTotal += static_cast<int64_t>(totalTerms(group));
        const std::vector<Terms> kept = oracleTopK(group, budget);
        for (std::size_t i = start; i < end; ++i) {
            const Terms& k = kept[i - start];
            ASSERT_EQ(counts[i], k.size()) << where << " i " << i;
            ASSERT_EQ(revealedCounts[i], k.size()) << where << " i " << i;
            ASSERT_EQ(values[i], sumOf(k)) << where << " i " << i;
            if (!k.empty())
                for (const Term& t : group[i - start]) expectedExponents |= uint32_t{1} << t.exponent;
        }
    }
    ASSERT_EQ(total, expectedTotal) << where;
    ASSERT_EQ(total2, expectedTotal) << where;
    ASSERT_EQ(exponents, expectedExponents) << where;
}

// The table-driven passes the simulator uses (keptTermCountsByGroup for the histograms, revealByGroup for
// RevealedOperand) against the oracle: kept counts, values after TR, terms before TR, and the exponents of
// the values that keep a term. Group sizes on both sides of the small-group limit (255), half the values
// zero (after ReLU), budgets from 0 past every term, and none.
TEST(RevealByGroup, CountsValuesAndExponentsAgreeWithOracle) {
    std::mt19937 rng(11);
    for (Encoding enc : kAllEncodings)
        for (const int bits : {4, 8, 12})
            for (const int g : {1, 2, 7, 8, 9, 16, 255, 256, 300}) {
                const int64_t most = (int64_t{1} << bits) - 1;
                for (int trial = 0; trial < 4; ++trial) {
                    const std::size_t longest = 3 * static_cast<std::size_t>(g) + 5;
                    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, longest)(rng);
                    const int drawn = std::uniform_int_distribution<int>(0, 3 * g + 1)(rng);
                    const std::optional<int> budget = drawn > 3 * g ? std::nullopt : std::optional<int>(drawn);
                    std::vector<int64_t> in(n);
                    for (int64_t& v : in)
                        v = rng() % 2 ? 0 : std::uniform_int_distribution<int64_t>(-most, most)(rng);
                    expectGroupsAgreeWithOracle(enc, bits, g, budget, in);
                    if (HasFatalFailure()) return;
                }
            }
}

// Rows of many groups: whole batches of groups are revealed a group to a vector lane (TermReveal.cpp),
// the rest one group at a time; both must be the oracle's selection, at every group size either path
// takes, with budgets that bind nowhere, somewhere or everywhere, and rows of mostly small values.
TEST(RevealByGroup, LongRowsAgreeWithOracle) {
    std::mt19937 rng(23);
    for (Encoding enc : kAllEncodings)
        for (const int bits : {3, 8, 16})
            for (const int g : {2, 3, 8, 15, 16, 17}) {
                const int64_t most = (int64_t{1} << bits) - 1;
                for (int trial = 0; trial < 6; ++trial) {
                    const std::size_t n = std::uniform_int_distribution<std::size_t>(8 * g, 20 * g + 7)(rng);
                    const int budget = std::uniform_int_distribution<int>(0, g * (bits + 1))(rng);
                    const int64_t small = trial % 2 ? most : std::min<int64_t>(most, 7);
                    std::vector<int64_t> in(n);
                    for (int64_t& v : in) v = std::uniform_int_distribution<int64_t>(-small, small)(rng);
                    expectGroupsAgreeWithOracle(enc, bits, g, budget, in);
                    if (HasFatalFailure()) return;
                }
            }
}

TEST(OperandCoding, Defaults) {
    const OperandCoding c;
    EXPECT_EQ(c.bits, 8);
    EXPECT_EQ(c.encoding, Encoding::Hese);
    EXPECT_EQ(c.groupSize, 1);
    EXPECT_FALSE(c.budget.has_value());
}

// RevealedOperand stores values after TR at 16 bits for codings of up to 14 bits and at 32 above: the
// largest magnitudes of 13- to 16-bit codings with one term kept (each rounds up to 2^bits, a carry past
// 2^15 at 15 bits) read back through value(), valuesTensor() and visitRow() equal to the oracle's;
// plain values at 16 bits narrow, at 32 wide.
TEST(RevealedOperand, ValuesAtTheirStoredWidthEqualTheOracle) {
    for (const int bits : {13, 14, 15, 16}) {
        const int64_t most = (int64_t{1} << bits) - 1;
        const std::vector<int64_t> values{most, -most, most - 1, -(most - 2), 0, 1, -1, most / 3};
        IntTensor a({2, 4});
        a.data.assign(values.begin(), values.end());
        const OperandCoding coding{bits, Encoding::Hese, 1, 1};
        const RevealedOperand r(a, coding);
        EXPECT_EQ(r.narrowValues(), bits <= 14) << bits;
        const IntTensor all = r.valuesTensor();
        for (int64_t row = 0; row < 2; ++row) {
            std::vector<int64_t> viaRow;
            r.visitRow(row, [&](const auto* v) { viaRow.assign(v, v + 4); });
            for (int64_t k = 0; k < 4; ++k) {
                const int64_t v = values[static_cast<std::size_t>(row * 4 + k)];
                const std::vector<Terms> kept = oracleTopK({encode(Encoding::Hese, v, bits)}, 1);
                const int64_t want = sumOf(kept[0]);
                EXPECT_EQ(r.value(row, k), want) << bits << " bits, value " << v;
                EXPECT_EQ(all.at2(row, k), want);
                EXPECT_EQ(viaRow[static_cast<std::size_t>(k)], want);
            }
        }
        EXPECT_EQ(r.value(0, 0), int64_t{1} << bits) << "the largest magnitude rounds up to 2^bits";
    }
    IntTensor small({1, 3}), large({1, 3});
    small.data.assign({32767, -32767, 5});
    large.data.assign({32768, -70000, 5});
    const RevealedOperand narrow = RevealedOperand::plain(small), wide = RevealedOperand::plain(large);
    EXPECT_TRUE(narrow.narrowValues());
    EXPECT_FALSE(wide.narrowValues());
    EXPECT_EQ(narrow.valuesTensor(), small);
    EXPECT_EQ(wide.valuesTensor(), large);
}

// A large operand is revealed a block of rows per thread: the same values, counts, terms and totals on
// 1, 2 and 3 threads (3 blocks of 2^22 values and a remainder), and, for values wider than the coding in
// two blocks, the error a single thread meets first (the earlier row's).
TEST(RevealedOperand, ThreadsGiveTheOneThreadResult) {
    std::mt19937 rng(3);
    const int64_t rows = 3 * 4096 + 7, depth = 1030;  // 12.7 M values
    OperandTensor a = OperandTensor::unset({rows, depth}, 1);
    a.visit([&](auto* v) {
        std::uniform_int_distribution<int> d(-127, 127);
        for (std::size_t i = 0; i < a.size(); ++i) v[i] = static_cast<int8_t>(i % 3 == 0 ? 0 : d(rng));
    });
    const OperandCoding coding{8, Encoding::Hese, 8, 7};
    for (const TermStorage storage : {TermStorage::CountsOnly, TermStorage::Stored}) {
        const RevealedOperand one(a, coding, storage, 1);
        for (const int threads : {2, 3}) {
            const RevealedOperand many(a, coding, storage, threads);
            EXPECT_EQ(many.valuesTensor(), one.valuesTensor()) << threads;
            EXPECT_EQ(many.keptTerms(), one.keptTerms());
            EXPECT_EQ(many.encodedTerms(), one.encodedTerms());
            EXPECT_EQ(many.largestExponent(), one.largestExponent());
            bool sameCounts = true, sameTerms = true;
            for (int64_t r = 0; r < rows; r += 97)
                for (int64_t k = 0; k < depth; ++k) {
                    sameCounts &= many.termCount(r, k) == one.termCount(r, k);
                    if (storage == TermStorage::Stored)
                        for (int t = 0; t < one.termCount(r, k); ++t)
                            sameTerms &= many.terms(r, k)[t].exponent == one.terms(r, k)[t].exponent &&
                                         many.terms(r, k)[t].sign == one.terms(r, k)[t].sign;
                }
            EXPECT_TRUE(sameCounts) << threads;
            EXPECT_TRUE(sameTerms) << threads;
        }
    }
    // 6-bit coding: 100 in the second block's rows, 120 in the third's; one thread meets 100 first.
    IntTensor wide({rows, depth});
    wide.data[static_cast<std::size_t>(2 * rows / 3 + 5) * depth] = 120;
    wide.data[static_cast<std::size_t>(rows / 3 + 5) * depth + 3] = 100;
    const OperandCoding narrow{6, Encoding::Hese, 8, 7};
    std::string first;
    try {
        RevealedOperand(wide, narrow, TermStorage::CountsOnly, 1);
    } catch (const std::out_of_range& e) {
        first = e.what();
    }
    ASSERT_FALSE(first.empty());
    for (const int threads : {2, 3}) {
        try {
            RevealedOperand(wide, narrow, TermStorage::CountsOnly, threads);
            ADD_FAILURE() << "no error on " << threads << " threads";
        } catch (const std::out_of_range& e) {
            EXPECT_EQ(std::string(e.what()), first) << threads;
        }
    }
}

// A convolution's im2col data revealed once per input value (revealConvData, the controller's path for
// data TR groups of one value) against revealing lowerConv's matrix: every value, count and total, for
// strides that skip input values (a large value where only skipped positions hold it must not reach the
// largest kept exponent), padding, channel groups, and codings stored at 16 and at 32 bits.
TEST(RevealedOperand, ConvDataRevealedPerValueEqualsTheLoweredMatrixRevealed) {
    struct Case {
        int stride, pad, groups;
        OperandCoding coding;
    };
    const Case cases[] = {{1, 1, 1, {8, Encoding::Hese, 1, 3}},   {2, 1, 2, {8, Encoding::Hese, 1, 2}},
                          {3, 0, 1, {8, Encoding::Hese, 1, 3}},   {2, 2, 6, {8, Encoding::Naf, 1, std::nullopt}},
                          {1, 0, 3, {16, Encoding::Hese, 1, 2}},  {3, 0, 2, {14, Encoding::Binary, 1, 1}}};
    std::mt19937 rng(11);
    for (const Case& c : cases) {
        const int64_t most = (int64_t{1} << c.coding.bits) - 1;
        std::uniform_int_distribution<int64_t> small(-most / 8, most / 8);
        IntTensor x({2, 6, 9, 7}), w({12, 6 / c.groups, 3, 3});
        for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i)
            // Column 6 holds the largest magnitude: with stride 3 and no padding im2col never reads it.
            x.data[static_cast<std::size_t>(i)] = i % 7 == 6 ? most : (i % 5 == 0 ? 0 : small(rng));
        for (int64_t& v : w.data) v = small(rng);
        ConvParams p;
        p.strideH = p.strideW = c.stride;
        p.padH = p.padW = c.pad;
        p.groups = c.groups;
        const LoweredConv lowered = lowerConv(x, w, p);
        for (int g = 0; g < c.groups; ++g) {
            const std::string what = "stride " + std::to_string(c.stride) + " pad " + std::to_string(c.pad) +
                                     " groups " + std::to_string(c.groups) + " bits " + std::to_string(c.coding.bits) +
                                     " group " + std::to_string(g);
            const RevealedOperand want(lowered.x[static_cast<std::size_t>(g)], c.coding, TermStorage::CountsOnly);
            const RevealedOperand got = revealConvData(x, w, p, g, c.coding);
            ASSERT_EQ(got.rows(), want.rows()) << what;
            ASSERT_EQ(got.depth(), want.depth()) << what;
            EXPECT_EQ(got.narrowValues(), want.narrowValues()) << what;
            EXPECT_EQ(got.valuesTensor(), want.valuesTensor()) << what;
            bool sameCounts = true;
            for (int64_t r = 0; r < want.rows(); ++r)
                for (int64_t k = 0; k < want.depth(); ++k) sameCounts &= got.termCount(r, k) == want.termCount(r, k);
            EXPECT_TRUE(sameCounts) << what;
            EXPECT_EQ(got.keptTerms(), want.keptTerms()) << what;
            EXPECT_EQ(got.encodedTerms(), want.encodedTerms()) << what;
            EXPECT_EQ(got.largestExponent(), want.largestExponent()) << what;
            EXPECT_FALSE(got.storesTerms()) << what;
        }
    }
    IntTensor x({1, 2, 4, 4}), w({2, 2, 3, 3});
    EXPECT_THROW(revealConvData(x, w, ConvParams{}, 0, OperandCoding{8, Encoding::Hese, 2, 3}), std::invalid_argument);
    EXPECT_THROW(revealConvData(x, w, ConvParams{}, 1, OperandCoding{8, Encoding::Hese, 1, 3}), std::invalid_argument);
}

}  // namespace
}  // namespace trsim
