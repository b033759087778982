// Term comparator core (modules/datapath/TermComparator.hpp), without SystemC: kept terms
// against the functional model, the timing stated in the header, flushes and
// segment ends, and the encoder -> comparator chain timing the array model uses.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "modules/datapath/HeseEncoder.hpp"
#include "modules/datapath/TermComparator.hpp"
#include "modules/functional/Encoding.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {
namespace {

EncodedValue encoded(int64_t v, int bits = 8) { return {v, encode(Encoding::Hese, v, bits)}; }

std::vector<Terms> termsOf(const std::vector<int64_t>& values) {
    std::vector<Terms> out;
    for (int64_t v : values) out.push_back(encode(Encoding::Hese, v, 8));
    return out;
}

int countTerms(const std::vector<Terms>& g) {
    int n = 0;
    for (const Terms& t : g) n += static_cast<int>(t.size());
    return n;
}

// Feeds one value per cycle, then idles until every group has left.
std::vector<TimedRevealedGroup> feedBackToBack(TermComparatorCore& cmp, const std::vector<int64_t>& values) {
    std::vector<TimedRevealedGroup> out;
    for (int64_t v : values)
        if (auto g = cmp.tick(encoded(v))) out.push_back(*g);
    while (!cmp.idle())
        if (auto g = cmp.tick(std::nullopt)) out.push_back(*g);
    return out;
}

TEST(TermComparatorCore, RandomGroupsMatchSelectTopTerms) {
    std::mt19937_64 rng(2020);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    std::uniform_int_distribution<int> groupSize(1, 16);
    std::uniform_int_distribution<int> budget(-1, 24);  // -1 = no budget
    std::uniform_int_distribution<int> zeroChance(0, 3);
    for (int trial = 0; trial < 4000; ++trial) {
        const int g = groupSize(rng);
        const int b = budget(rng);
        const std::optional<int> k = b < 0 ? std::nullopt : std::optional<int>(b);
        std::vector<int64_t> values;
        // Some zeros and small values, so groups with fewer terms than the budget and
        // many exponent ties both occur.
        for (int i = 0; i < g; ++i) values.push_back(zeroChance(rng) == 0 ? value(rng) % 8 : value(rng));

        TermComparatorCore cmp({g, k, 1, 0});
        const std::vector<TimedRevealedGroup> out = feedBackToBack(cmp, values);
        ASSERT_EQ(out.size(), 1u) << "trial " << trial;
        const std::vector<Terms> group = termsOf(values);
        EXPECT_EQ(out[0].group.kept, selectTopTerms(group, k)) << "trial " << trial;
        EXPECT_EQ(out[0].group.available, countTerms(group));
        EXPECT_EQ(out[0].group.comparisons, k ? countTerms(group) : 0);
        EXPECT_EQ(cmp.termsKept(), static_cast<uint64_t>(countTerms(out[0].group.kept)));
    }
}

TEST(TermComparatorCore, NoBudgetPassesEveryTermWithoutComparisons) {
    TermComparatorCore cmp({4, std::nullopt, 1, 0});
    const std::vector<int64_t> values{27, -255, 0, 6};
    const auto out = feedBackToBack(cmp, values);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].group.kept, termsOf(values));
    EXPECT_EQ(out[0].group.comparisons, 0);
    EXPECT_EQ(cmp.comparisons(), 0u);
}

TEST(TermComparatorCore, BudgetZeroKeepsNothing) {
    TermComparatorCore cmp({3, 0, 0, 0});
    const auto out = feedBackToBack(cmp, {255, -1, 7});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].group.kept, std::vector<Terms>(3));
    EXPECT_EQ(out[0].group.available, 2 + 1 + 2);
}

// Groups of g arriving one value per cycle from cycle 0: group j closes at
// (j+1)g - 1 and leaves latencyCycles later; consecutive groups leave g cycles apart.
TEST(TermComparatorCore, BackToBackGroupTimingIsExact) {
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    for (int g : {1, 2, 4, 8, 16}) {
        for (int lat : {0, 1, 3}) {
            SCOPED_TRACE("g " + std::to_string(g) + " latency " + std::to_string(lat));
            std::vector<int64_t> values;
            for (int i = 0; i < 10 * g; ++i) values.push_back(value(rng));
            TermComparatorCore cmp({g, 5, lat, 0});
            EXPECT_EQ(cmp.latency(), lat);
            const auto out = feedBackToBack(cmp, values);
            ASSERT_EQ(out.size(), 10u);
            for (uint64_t j = 0; j < 10; ++j) {
                EXPECT_EQ(out[j].firstArrivalCycle, j * g);
                EXPECT_EQ(out[j].closeCycle, (j + 1) * g - 1);
                EXPECT_EQ(out[j].outputCycle, (j + 1) * g - 1 + lat);
                const std::vector<int64_t> part(values.begin() + j * g, values.begin() + (j + 1) * g);
                EXPECT_EQ(out[j].group.kept, selectTopTerms(termsOf(part), 5));
            }
        }
    }
}

TEST(TermComparatorCore, NothingLeavesBeforeTheLatency) {
    TermComparatorCore cmp({2, 3, 3, 0});
    EXPECT_FALSE(cmp.tick(encoded(100)).has_value());  // cycle 0
    EXPECT_FALSE(cmp.tick(encoded(-3)).has_value());   // cycle 1: group closes
    EXPECT_FALSE(cmp.tick(std::nullopt).has_value());  // cycle 2
    EXPECT_FALSE(cmp.tick(std::nullopt).has_value());  // cycle 3
    auto g = cmp.tick(std::nullopt);                   // cycle 4 = 1 + 3
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->outputCycle, 4u);
    EXPECT_TRUE(cmp.idle());
}

// Arrivals with gaps: the group still closes on its last arrival.
TEST(TermComparatorCore, GapsDelayTheCloseToTheLastArrival) {
    TermComparatorCore cmp({3, 2, 1, 0});
    std::optional<TimedRevealedGroup> out;
    const std::vector<std::optional<int64_t>> stream{5, std::nullopt, std::nullopt, 9, std::nullopt, 200};
    for (const auto& v : stream) {
        auto g = cmp.tick(v ? std::optional<EncodedValue>(encoded(*v)) : std::nullopt);
        EXPECT_FALSE(g.has_value());
    }
    out = cmp.tick(std::nullopt);  // cycle 6 = close at 5 + 1
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->firstArrivalCycle, 0u);
    EXPECT_EQ(out->closeCycle, 5u);
    EXPECT_EQ(out->group.kept, selectTopTerms(termsOf({5, 9, 200}), 2));
}

TEST(TermComparatorCore, FlushClosesAPartialGroup) {
    TermComparatorCore cmp({4, 3, 2, 0});
    cmp.tick(encoded(27));                        // cycle 0
    cmp.tick(encoded(-6));                        // cycle 1
    cmp.tick(std::nullopt);                       // cycle 2
    EXPECT_FALSE(cmp.tick(std::nullopt, true));   // cycle 3: flush closes {27, -6}
    EXPECT_FALSE(cmp.tick(std::nullopt));         // cycle 4
    auto g = cmp.tick(std::nullopt);              // cycle 5 = 3 + 2
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->closeCycle, 3u);
    EXPECT_EQ(g->group.kept, selectTopTerms(termsOf({27, -6}), 3));
    EXPECT_TRUE(cmp.idle());

    // A value arriving with the flush belongs to the group it closes.
    cmp.tick(encoded(1));                         // cycle 6
    cmp.tick(encoded(3), true);                   // cycle 7
    cmp.tick(std::nullopt);
    g = cmp.tick(std::nullopt);                   // cycle 9
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->closeCycle, 7u);
    EXPECT_EQ(g->group.kept.size(), 2u);

    // Flushing with nothing open emits nothing; a full group closed by its last
    // value is not closed a second time by a flush in the same cycle.
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(cmp.tick(std::nullopt, true));
    int groups = 0;
    for (int64_t v : {1, 2, 3}) cmp.tick(encoded(v));
    if (cmp.tick(encoded(4), true)) ++groups;
    while (!cmp.idle())
        if (cmp.tick(std::nullopt, true)) ++groups;
    EXPECT_EQ(groups, 1);
    EXPECT_EQ(cmp.groupsEmitted(), 3u);
}

// Segments (rows of the reduction dimension) close the group in progress, which
// makes a long stream come out exactly as revealValues() treats each row.
TEST(TermComparatorCore, SegmentEndsCloseGroupsLikeRevealValues) {
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    for (int segment : {1, 5, 10, 16, 27}) {
        for (int g : {1, 3, 4, 8}) {
            SCOPED_TRACE("segment " + std::to_string(segment) + " g " + std::to_string(g));
            const int rows = 6;
            std::vector<int64_t> values;
            for (int i = 0; i < rows * segment; ++i) values.push_back(value(rng));
            TermComparatorCore cmp({g, 4, 1, segment});
            const auto out = feedBackToBack(cmp, values);

            std::vector<int64_t> fromGroups;
            for (const auto& grp : out)
                for (const Terms& t : grp.group.kept) fromGroups.push_back(termsValue(t));
            std::vector<int64_t> expected(values.size());
            const OperandCoding coding{8, Encoding::Hese, g, 4};
            for (int r = 0; r < rows; ++r)
                revealValues(values.data() + r * segment, segment, coding, expected.data() + r * segment);
            EXPECT_EQ(fromGroups, expected);
            const std::size_t groupsPerRow = (segment + g - 1) / g;
            EXPECT_EQ(out.size(), rows * groupsPerRow);
        }
    }
}

TEST(TermComparatorCore, RejectsBadParametersAndTerms) {
    EXPECT_THROW(TermComparatorCore({0, 1, 1, 0}), std::invalid_argument);
    EXPECT_THROW(TermComparatorCore({2, -1, 1, 0}), std::invalid_argument);
    EXPECT_THROW(TermComparatorCore({2, 1, -1, 0}), std::invalid_argument);
    EXPECT_THROW(TermComparatorCore({2, 1, 1, -1}), std::invalid_argument);
    TermComparatorCore cmp({2, 1, 1, 0});
    EXPECT_THROW(cmp.tick(EncodedValue{5, {{1, 0}, {1, 2}}}), std::invalid_argument);  // smallest first
    EXPECT_EQ(cmp.cycle(), 0u);
    EXPECT_TRUE(cmp.idle());
}

// The chain the array model times: encoder output handed to the comparator in
// the same cycle. With values always available from cycle 0, value n leaves the
// encoder at n*C + C - 1 + Le, so group j (last value n = (j+1)g - 1) leaves the
// comparator at (j+1)*g*C - 1 + Le + Lc, one group every g*C cycles.
TEST(TermComparatorCore, ChainedWithEncoderTimingFormula) {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    for (int bpc : {1, 2, 4, 9}) {
        for (int g : {1, 4, 8}) {
            SCOPED_TRACE("bitsPerCycle " + std::to_string(bpc) + " g " + std::to_string(g));
            const int Le = 2, Lc = 1, groups = 12;
            HeseEncoderCore enc({8, bpc, Le});
            TermComparatorCore cmp({g, 6, Lc, 0});
            std::vector<int64_t> values;
            for (int i = 0; i < groups * g; ++i) values.push_back(value(rng));
            std::vector<TimedRevealedGroup> out;
            std::size_t next = 0;
            while (next < values.size() || !enc.idle() || !cmp.idle()) {
                EncoderTick e = enc.tick(next < values.size() ? std::optional<int64_t>(values[next]) : std::nullopt);
                if (e.accepted) ++next;
                std::optional<EncodedValue> passed;
                if (e.output) passed = e.output->encoded;
                if (auto grp = cmp.tick(passed)) out.push_back(*grp);
            }
            ASSERT_EQ(out.size(), static_cast<std::size_t>(groups));
            const uint64_t C = static_cast<uint64_t>(enc.cyclesPerValue());
            for (uint64_t j = 0; j < static_cast<uint64_t>(groups); ++j) {
                EXPECT_EQ(out[j].outputCycle, (j + 1) * g * C - 1 + Le + Lc);
                const std::vector<int64_t> part(values.begin() + j * g, values.begin() + (j + 1) * g);
                EXPECT_EQ(out[j].group.kept, selectTopTerms(termsOf(part), 6));
            }
        }
    }
}

}  // namespace
}  // namespace trsim

namespace trsim {
namespace {

// Several lanes into one comparator: up to valuesPerCycle values per cycle, in
// order. The groups are those of the one-value-per-cycle stream, and each
// closes on the cycle its last value arrives.
TEST(TermComparatorCore, ManyValuesPerCycleFormTheSameGroups) {
    std::mt19937_64 rng(77);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    for (int trial = 0; trial < 500; ++trial) {
        const int g = 1 + static_cast<int>(rng() % 6), perCycle = 1 + static_cast<int>(rng() % 5);
        const std::optional<int> k = rng() % 4 == 0 ? std::nullopt : std::optional<int>(static_cast<int>(rng() % 10));
        const int latency = static_cast<int>(rng() % 3);
        std::vector<int64_t> values(1 + rng() % 20);
        for (auto& v : values) v = value(rng);

        TermComparatorCore one({g, k, latency, 0, 1}), many({g, k, latency, 0, perCycle});
        std::vector<TimedRevealedGroup> expected;
        for (int64_t v : values)
            if (auto out = one.tick(encoded(v))) expected.push_back(*out);
        if (auto out = one.tick(std::nullopt, true)) expected.push_back(*out);
        while (!one.idle())
            if (auto out = one.tick(std::nullopt)) expected.push_back(*out);

        std::vector<TimedRevealedGroup> got;
        std::vector<uint64_t> lastArrival;  // cycle each value arrived
        for (std::size_t i = 0; i < values.size();) {
            std::vector<EncodedValue> batch;
            for (; i < values.size() && static_cast<int>(batch.size()) < perCycle; ++i) {
                batch.push_back(encoded(values[i]));
                lastArrival.push_back(many.cycle());
            }
            for (auto& out : many.tickMany(std::move(batch), i == values.size())) got.push_back(out);
        }
        while (!many.idle())
            for (auto& out : many.tickMany({})) got.push_back(out);

        ASSERT_EQ(got.size(), expected.size());
        for (std::size_t j = 0; j < got.size(); ++j) {
            EXPECT_EQ(got[j].group, expected[j].group);
            const std::size_t last = std::min(values.size(), (j + 1) * static_cast<std::size_t>(g)) - 1;
            EXPECT_EQ(got[j].closeCycle, lastArrival[last]);
            EXPECT_EQ(got[j].outputCycle, lastArrival[last] + static_cast<uint64_t>(latency));
        }
    }
    TermComparatorCore two({1, 3, 1, 0, 2});
    EXPECT_THROW(two.tickMany({encoded(1), encoded(2), encoded(3)}), std::invalid_argument);
    EXPECT_THROW(TermComparatorCore({1, 3, 1, 0, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace trsim
