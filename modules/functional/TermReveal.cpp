#include "modules/functional/TermReveal.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace trsim {

std::vector<Terms> selectTopTerms(const std::vector<Terms>& group, std::optional<int> budget) {
    if (budget && *budget < 0) throw std::invalid_argument("selectTopTerms: negative budget");
    std::vector<Terms> kept(group.size());
    if (!budget) return group;
    // Per-value cursors into already-sorted term lists: a k-way merge by exponent.
    std::vector<std::size_t> next(group.size(), 0);
    for (int taken = 0; taken < *budget; ++taken) {
        int best = -1;
        for (std::size_t v = 0; v < group.size(); ++v) {
            if (next[v] >= group[v].size()) continue;
            if (best < 0 || group[v][next[v]].exponent > group[best][next[best]].exponent) best = static_cast<int>(v);
        }
        if (best < 0) break;  // fewer terms than the budget: keep them all
        kept[best].push_back(group[best][next[best]++]);
    }
    return kept;
}

namespace {

// Byte b spread to eight 8-bit lanes: lane i is bit i of b. Adding the spread
// exponent bytes of up to 255 values counts their terms per exponent, lane by lane.
struct ByteLanes {
    uint64_t lanes[256];
    ByteLanes() {
        for (int b = 0; b < 256; ++b) {
            lanes[b] = 0;
            for (int i = 0; i < 8; ++i)
                if (b >> i & 1) lanes[b] |= uint64_t{1} << (8 * i);
        }
    }
};
const ByteLanes kByteLanes;
constexpr int kExponents = 24;  // three bytes of exponent mask cover TermTable::kMaxBits + 1

// Where a group's budget cuts its terms, given how many terms it has at each exponent (`atExponent`,
// exponents present in `present`): every term above exponent `cut` is kept, and at `cut` the first
// `atCut` in value order (ties to the lower index); cut -1 when the budget keeps every term.
// Found without a data-dependent exit (where the cut falls is as good as random from group to group):
// S(e), the terms at exponent e and above, grows as e falls; the cut is the highest e with
// S(e) > budget, and the S(cut + 1) terms above it (the largest S(e) within the budget) are all kept.
struct BudgetCut {
    int cut, atCut;
};
template <class AtExponent>
BudgetCut budgetCut(const AtExponent& atExponent, uint32_t present, int budget) {
    int cut = -1, keptAbove = 0, atOrAbove = 0;
    for (int e = present ? 31 - __builtin_clz(present) : -1; e >= 0; --e) {
        atOrAbove += atExponent(e);
        const bool over = atOrAbove > budget;
        cut += over;
        keptAbove = over ? keptAbove : atOrAbove;
    }
    return {cut, cut >= 0 ? budget - keptAbove : 0};
}
// The budget of `budget`, none keeping every term.
int budgetOrAll(std::optional<int> budget) { return budget ? *budget : std::numeric_limits<int>::max(); }

}  // namespace

namespace {

// Compiled for x86-64-v3 (popcnt, AVX2) and the baseline, chosen at run time (target_clones): on the
// former __builtin_popcount is one instruction.
// keptTermCounts of a group of at most 255 values (every TR group in practice: group_size is small):
// each value's exponent mask is looked up once. Nothing branches on the values: whether the budget
// binds, where it cuts and which values keep a term at the cut are as good as random from group to
// group, and a mispredicted branch costs more than the arithmetic that replaces it. With `valuesOut`,
// also each value after TR (its sign times the sum of its kept terms), and the exponents of the
// values that keep a term ORed into *keptExponents.
constexpr std::size_t kSmallGroup = 255;
__attribute__((target_clones("arch=x86-64-v3", "default"))) int64_t keptTermCountsSmall(
    const TermTable& table, const int64_t* values, std::size_t n, std::optional<int> budget, uint8_t* keptOut,
    int32_t* valuesOut = nullptr, uint32_t* keptExponents = nullptr) {
    uint32_t masks[kSmallGroup];
    uint32_t mags[kSmallGroup];
    // Kept counts are built here and copied out at the end: a store through keptOut (a char
    // pointer, which may alias anything) would make every table look-up reload the table.
    uint8_t kept[kSmallGroup];
    int total = 0;
    uint32_t present = 0;
    // Terms per exponent over the group, in byte lanes (n <= 255: a lane cannot overflow).
    uint64_t lanes[3] = {0, 0, 0};
    for (std::size_t i = 0; i < n; ++i) {
        const uint32_t m = static_cast<uint32_t>(table.magnitude(values[i]));  // at most TermTable::kMaxBits bits
        const uint32_t mask = table.exponentMask(m);
        mags[i] = m;
        masks[i] = mask;
        present |= mask;
        total += __builtin_popcount(mask);  // one term per exponent (TermTable.hpp)
        lanes[0] += kByteLanes.lanes[mask & 0xff];
        lanes[1] += kByteLanes.lanes[mask >> 8 & 0xff];
        lanes[2] += kByteLanes.lanes[mask >> 16 & 0xff];
    }
    const auto atExponent = [&](int e) { return static_cast<int>(lanes[e / 8] >> (8 * (e % 8)) & 0xff); };
    auto [cut, atCut] = budgetCut(atExponent, present, budgetOrAll(budget));
    // Of the values with a term at the cut, the first `atCut` in value order keep it: without branches too.
    const uint32_t cutBit = cut >= 0 ? uint32_t{1} << cut : 0;
    const int above = cut + 1;
    for (std::size_t i = 0; i < n; ++i) {
        const int take = static_cast<int>((masks[i] & cutBit) != 0) & static_cast<int>(atCut > 0);
        atCut -= take;
        kept[i] = static_cast<uint8_t>(__builtin_popcount(masks[i] >> above) + take);
    }
    if (valuesOut) {
        uint32_t exponents = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const int32_t sum = static_cast<int32_t>(table.keptValue(mags[i], kept[i]));
            // Signs in arithmetic, not a branch (GCC branches on `values[i] < 0 ? -sum : sum`).
            const int32_t sign = static_cast<int32_t>(values[i] >> 63);  // 0 or -1
            valuesOut[i] = (sum ^ sign) - sign;
            exponents |= masks[i] & (0u - static_cast<uint32_t>(kept[i] > 0));
        }
        *keptExponents |= exponents;
    }
    std::memcpy(keptOut, kept, n);  // std::copy_n became `rep movsq`, slow to start for a few bytes
    return total;
}

// keptTermCountsSmall of kLanes consecutive groups of g <= kLaneGroup values each, a group to a vector
// lane (GCC's vector extensions: AVX2 in the x86-64-v3 clone, SSE2 pairs in the baseline): the same
// selection for every lane at once, so one group's serial steps (its budget's cut above all) no longer
// set the pace. A fully connected layer's 103 M weights took 7 ns a value one group at a time. A value
// too wide throws as keptTermCountsSmall does, though within a batch another too-wide value may be named.
constexpr int kLanes = 8;
constexpr int kLaneGroup = 16;
using LaneU32 = uint32_t __attribute__((vector_size(4 * kLanes)));
using LaneI32 = int32_t __attribute__((vector_size(4 * kLanes)));  // casts between the two keep the bits

template <bool kValues>
__attribute__((always_inline)) inline int64_t keptTermCountsLanesIn(const TermTable& table, const int64_t* values,
                                                                    int g, int budget, uint8_t* keptOut,
                                                                    int32_t* valuesOut, uint32_t* keptExponents) {
    // Each position's lanes are built in registers and stored whole: lane-by-lane stores read back as one
    // vector cannot be forwarded from the store buffer, and each such read stalled (a quarter of the time).
    static_assert(kLanes == 8, "a position's lanes are spelled out below");
    LaneU32 masks[kLaneGroup], mags[kLaneGroup];
    uint32_t present = 0;
    for (int p = 0; p < g; ++p) {
        const int64_t* v = values + p;
        const auto magnitude = [&](int l) { return static_cast<uint32_t>(table.magnitude(v[l * g])); };
        const uint32_t m0 = magnitude(0), m1 = magnitude(1), m2 = magnitude(2), m3 = magnitude(3),
                       m4 = magnitude(4), m5 = magnitude(5), m6 = magnitude(6), m7 = magnitude(7);
        const uint32_t e0 = table.exponentMask(m0), e1 = table.exponentMask(m1), e2 = table.exponentMask(m2),
                       e3 = table.exponentMask(m3), e4 = table.exponentMask(m4), e5 = table.exponentMask(m5),
                       e6 = table.exponentMask(m6), e7 = table.exponentMask(m7);
        mags[p] = LaneU32{m0, m1, m2, m3, m4, m5, m6, m7};
        masks[p] = LaneU32{e0, e1, e2, e3, e4, e5, e6, e7};
        present |= e0 | e1 | e2 | e3 | e4 | e5 | e6 | e7;
    }
    // From the highest exponent any lane has down: S(e), the terms at e and above, and the cut (budgetCut);
    // vector comparisons give -1 for true.
    const LaneI32 budgets = LaneI32{} + budget;
    LaneI32 atOrAbove = {}, keptAbove = {}, cut = LaneI32{} - 1;
    for (int e = present ? 31 - __builtin_clz(present) : -1; e >= 0; --e) {
        LaneU32 at = {};
        for (int p = 0; p < g; ++p) at += (masks[p] >> e) & 1u;
        atOrAbove += (LaneI32)at;
        const LaneI32 over = atOrAbove > budgets;
        cut -= over;
        keptAbove = (keptAbove & over) | (atOrAbove & ~over);
    }
    const LaneI32 cutAt = cut >= 0;  // -1 where the budget binds
    const LaneU32 cutBit = ((LaneU32{} + 1u) << (LaneU32)(cut & 31)) & (LaneU32)cutAt;
    const LaneU32 above = (LaneU32)(cut + 1);
    LaneI32 atCut = (budgets - keptAbove) & cutAt;
    // Value by value in group order, the first atCut values with a term at the cut keep it.
    LaneI32 kept[kLaneGroup];
    for (int p = 0; p < g; ++p) {
        const LaneI32 take = ((LaneI32)(masks[p] & cutBit) != 0) & (atCut > 0);  // -1 or 0
        atCut += take;
        LaneU32 terms = masks[p] >> above;
        toBitCounts(terms);
        kept[p] = (LaneI32)terms - take;
    }
    int64_t total = 0;
    for (int l = 0; l < kLanes; ++l) total += atOrAbove[l];
    for (int l = 0; l < kLanes; ++l)
        for (int p = 0; p < g; ++p) keptOut[l * g + p] = static_cast<uint8_t>(kept[p][l]);
    if constexpr (kValues) {
        uint32_t exponents = 0;
        for (int l = 0; l < kLanes; ++l)
            for (int p = 0; p < g; ++p) {
                const int32_t sum = static_cast<int32_t>(table.keptValue(mags[p][l], kept[p][l]));
                const int32_t sign = static_cast<int32_t>(values[l * g + p] >> 63);  // 0 or -1
                valuesOut[l * g + p] = (sum ^ sign) - sign;
                exponents |= masks[p][l] & (0u - static_cast<uint32_t>(kept[p][l] > 0));
            }
        *keptExponents |= exponents;
    }
    return total;
}

__attribute__((target_clones("arch=x86-64-v3", "default"))) int64_t keptTermCountsLanes(
    const TermTable& table, const int64_t* values, int g, int budget, uint8_t* keptOut) {
    return keptTermCountsLanesIn<false>(table, values, g, budget, keptOut, nullptr, nullptr);
}

__attribute__((target_clones("arch=x86-64-v3", "default"))) int64_t revealLanes(
    const TermTable& table, const int64_t* values, int g, int budget, uint8_t* keptOut, int32_t* valuesOut,
    uint32_t* keptExponents) {
    return keptTermCountsLanesIn<true>(table, values, g, budget, keptOut, valuesOut, keptExponents);
}

// How many values from the start of n go through the lanes: whole batches of kLanes groups of g.
std::size_t laneValues(std::size_t n, int g, const std::optional<int>& budget) {
    if (!budget || g < 2 || g > kLaneGroup) return 0;
    const std::size_t batch = static_cast<std::size_t>(kLanes) * static_cast<std::size_t>(g);
    return n / batch * batch;
}

}  // namespace

int64_t keptTermCounts(const TermTable& table, const int64_t* values, std::size_t n, std::optional<int> budget,
                       uint8_t* keptOut) {
    if (budget && *budget < 0) throw std::invalid_argument("keptTermCounts: negative budget");
    if (n <= kSmallGroup) return keptTermCountsSmall(table, values, n, budget, keptOut);
    // Terms per exponent over the group, counted in byte lanes 255 values at a time.
    int perExponent[kExponents] = {};
    uint32_t present = 0;
    int64_t total = 0;
    for (std::size_t start = 0; start < n; start += 255) {
        uint64_t lanes[3] = {0, 0, 0};
        for (std::size_t i = start, end = std::min(n, start + 255); i < end; ++i) {
            const uint32_t mask = table.exponentMask(table.magnitude(values[i]));
            present |= mask;
            lanes[0] += kByteLanes.lanes[mask & 0xff];
            lanes[1] += kByteLanes.lanes[mask >> 8 & 0xff];
            lanes[2] += kByteLanes.lanes[mask >> 16 & 0xff];
        }
        for (int e = 0; e < kExponents; ++e) perExponent[e] += static_cast<int>(lanes[e / 8] >> (8 * (e % 8)) & 0xff);
    }
    for (int e = 0; e < kExponents; ++e) total += perExponent[e];
    auto [cut, atCut] = budgetCut([&](int e) { return perExponent[e]; }, present, budgetOrAll(budget));
    for (std::size_t i = 0; i < n; ++i) {
        const uint32_t mask = table.exponentMask(table.magnitude(values[i]));
        int kept = bitCount(cut < 0 ? mask : mask >> cut >> 1);
        if (cut >= 0 && (mask >> cut & 1) && atCut > 0) {
            ++kept;
            --atCut;
        }
        keptOut[i] = static_cast<uint8_t>(kept);
    }
    return total;
}

int64_t keptTermCountsByGroup(const TermTable& table, const int64_t* values, std::size_t n, int groupSize,
                              std::optional<int> budget, uint8_t* keptOut) {
    if (groupSize < 1) throw std::invalid_argument("keptTermCountsByGroup: group size must be >= 1");
    if (budget && *budget < 0) throw std::invalid_argument("keptTermCountsByGroup: negative budget");
    int64_t total = 0;
    if (groupSize == 1 || !budget) {
        // Every value keeps its largest `budget` terms (all without a budget): no group to rank.
        const int most = budget ? *budget : TermTable::kMaxBits + 1;
        for (std::size_t i = 0; i < n; ++i) {
            const int c = table.count(table.magnitude(values[i]));
            keptOut[i] = static_cast<uint8_t>(std::min(c, most));
            total += c;
        }
        return total;
    }
    const std::size_t laned = laneValues(n, groupSize, budget);
    for (std::size_t start = 0; start < laned; start += static_cast<std::size_t>(kLanes * groupSize))
        total += keptTermCountsLanes(table, values + start, groupSize, *budget, keptOut + start);
    for (std::size_t start = laned; start < n; start += static_cast<std::size_t>(groupSize)) {
        const std::size_t len = std::min(n - start, static_cast<std::size_t>(groupSize));
        total += keptTermCounts(table, values + start, len, budget, keptOut + start);
    }
    return total;
}

int64_t revealByGroup(const TermTable& table, const int64_t* values, std::size_t n, int groupSize,
                      std::optional<int> budget, uint8_t* keptOut, int32_t* valuesOut, uint32_t& keptExponents) {
    if (groupSize < 1) throw std::invalid_argument("revealByGroup: group size must be >= 1");
    if (budget && *budget < 0) throw std::invalid_argument("revealByGroup: negative budget");
    if (groupSize > 1 && budget && static_cast<std::size_t>(groupSize) <= kSmallGroup) {
        int64_t total = 0;
        const std::size_t laned = laneValues(n, groupSize, budget);
        for (std::size_t start = 0; start < laned; start += static_cast<std::size_t>(kLanes * groupSize))
            total += revealLanes(table, values + start, groupSize, *budget, keptOut + start, valuesOut + start,
                                 &keptExponents);
        for (std::size_t start = laned; start < n; start += static_cast<std::size_t>(groupSize))
            total += keptTermCountsSmall(table, values + start, std::min(n - start, static_cast<std::size_t>(groupSize)),
                                         budget, keptOut + start, valuesOut + start, &keptExponents);
        return total;
    }
    const int64_t total = keptTermCountsByGroup(table, values, n, groupSize, budget, keptOut);
    uint32_t exponents = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const uint64_t m = table.magnitude(values[i]);
        const int32_t sum = static_cast<int32_t>(table.keptValue(m, keptOut[i]));
        const int32_t sign = static_cast<int32_t>(values[i] >> 63);  // 0 or -1: no branch (keptTermCountsSmall)
        valuesOut[i] = (sum ^ sign) - sign;
        exponents |= table.exponentMask(m) & (0u - static_cast<uint32_t>(keptOut[i] > 0));
    }
    keptExponents |= exponents;
    return total;
}

void revealValues(const int64_t* values, std::size_t n, const OperandCoding& coding, int64_t* out, int* termsOut) {
    if (coding.groupSize < 1) throw std::invalid_argument("revealValues: group size must be >= 1");
    if (coding.budget && *coding.budget < 0) throw std::invalid_argument("revealValues: negative budget");
    if (n == 0) return;
    const TermTable& table = TermTable::get(coding.encoding, coding.bits);
    std::vector<uint8_t> kept(n);
    std::vector<int32_t> revealed(n);  // values after TR fit 32 bits (TermTable::kMaxBits)
    uint32_t exponents = 0;
    revealByGroup(table, values, n, coding.groupSize, coding.budget, kept.data(), revealed.data(), exponents);
    std::copy(revealed.begin(), revealed.end(), out);  // out may be `values`: written only now
    if (termsOut) std::copy(kept.begin(), kept.end(), termsOut);
}

}  // namespace trsim
