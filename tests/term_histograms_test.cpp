// Term histograms of a convolution (sim/run/TermHistograms.hpp) against a brute-force count over its
// im2col matrix: every lowered data value, padding zeros included, and every (output element, weight
// group) pair of kept terms. Stride, padding and groups make im2col repeat and skip input values
// unevenly, which the per-value counting of single-value data groups must follow exactly.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/functional/TermTable.hpp"
#include "sim/config/Config.hpp"
#include "sim/run/TermHistograms.hpp"

namespace trsim {
namespace {

IntTensor randomTensor(std::vector<int64_t> shape, int64_t lo, int64_t hi, unsigned seed, double zeros) {
    IntTensor t(std::move(shape));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int64_t> value(lo, hi);
    std::bernoulli_distribution zero(zeros);
    for (int64_t& v : t.data) v = zero(rng) ? 0 : value(rng);
    return t;
}

void add(std::vector<double>& h, std::size_t i, double n = 1) {
    if (i >= h.size()) h.resize(i + 1, 0.0);
    h[i] += n;
}

// An operand's four per-value histograms (`side`: data or weight), value by value: binary, encoded and
// kept terms, and the exponents of the kept terms.
void countOperand(std::map<std::string, std::vector<double>>& h, const std::string& side, const IntTensor& a,
                  const RevealedOperand& r, const OperandCoding& coding) {
    const TermTable& table = TermTable::get(coding.encoding, coding.bits);
    const TermTable& binary = TermTable::get(Encoding::Binary, coding.bits);
    for (int64_t i = 0; i < a.dim(0); ++i)
        for (int64_t k = 0; k < a.dim(1); ++k) {
            const uint64_t mag = table.magnitude(a.at2(i, k));
            add(h[side + "_terms_binary"], binary.count(mag));
            add(h[side + "_terms_encoded"], table.count(mag));
            add(h[side + "_terms_kept"], r.termCount(i, k));
            uint32_t mask = table.exponentMask(mag);
            for (int t = 0; t < r.termCount(i, k); ++t) {
                const int e = 31 - __builtin_clz(mask);
                add(h[side + "_kept_exponents"], e);
                mask ^= uint32_t{1} << e;
            }
        }
}

// The pair histogram of data rows rx against weight rows rw, group by group along K.
void countPairs(std::map<std::string, std::vector<double>>& h, const RevealedOperand& rx, const RevealedOperand& rw,
                int group) {
    const int64_t K = rx.depth();
    for (int64_t m = 0; m < rx.rows(); ++m)
        for (int64_t n = 0; n < rw.rows(); ++n)
            for (int64_t k0 = 0; k0 < K; k0 += group) {
                int64_t pairs = 0;
                for (int64_t k = k0; k < std::min<int64_t>(K, k0 + group); ++k)
                    pairs += int64_t{rx.termCount(m, k)} * rw.termCount(n, k);
                add(h["term_pairs_per_group"], static_cast<std::size_t>(pairs));
            }
}

// The data histograms and the pair histogram, counted element by element over lowerConv's matrices.
std::map<std::string, std::vector<double>> bruteForce(const TraceLayer& l, const SimConfig& c) {
    std::map<std::string, std::vector<double>> h;
    const LoweredConv lowered = lowerConv(l.inputs, l.weights, l.conv);
    for (std::size_t g = 0; g < lowered.x.size(); ++g) {
        const RevealedOperand rx(lowered.x[g], c.data, TermStorage::CountsOnly);
        const RevealedOperand rw(lowered.w[g], c.weights, TermStorage::CountsOnly);
        countOperand(h, "data", lowered.x[g].widened(), rx, c.data);
        countPairs(h, rx, rw, c.weights.groupSize);
    }
    return h;
}

struct ConvCase {
    int stride, pad, groups, dataGroup;
    std::optional<int> dataBudget;
};

class ConvTermHistograms : public ::testing::TestWithParam<ConvCase> {};

// The case's convolution: inputs [2, 4, 9, 7] (30 % zeros) and weights [8, 4 / groups, 3, 3] (10 %) drawn
// with the given seeds.
TraceLayer convLayer(const ConvCase& p, unsigned inputSeed, unsigned weightSeed) {
    TraceLayer l;
    l.name = "conv";
    l.type = LayerType::Conv;
    l.conv.strideH = l.conv.strideW = p.stride;
    l.conv.padH = l.conv.padW = p.pad;
    l.conv.groups = p.groups;
    l.inputs = randomTensor({2, 4, 9, 7}, 0, 255, inputSeed, 0.3);
    l.weights = randomTensor({8, 4 / p.groups, 3, 3}, -127, 127, weightSeed, 0.1);
    return l;
}

TEST_P(ConvTermHistograms, EqualCountsOverTheIm2colMatrix) {
    const ConvCase p = GetParam();
    const TraceLayer l = convLayer(p, 3, 4);
    SimConfig c;
    c.weights = OperandCoding{8, Encoding::Hese, 8, 12};
    c.data = OperandCoding{8, Encoding::Hese, p.dataGroup, p.dataBudget};
    const std::vector<LayerMap> maps = termHistograms(l, l.inputs, l.weights, c);
    const auto expected = bruteForce(l, c);
    int checked = 0;
    for (const LayerMap& m : maps) {
        const auto it = expected.find(m.name.substr(std::string("term_hist_").size()));
        if (it == expected.end()) continue;
        EXPECT_EQ(m.data, it->second) << m.name;
        ++checked;
    }
    EXPECT_EQ(checked, 5);
}

// The weights revealed by the array's controller (one operand per lowerConv group, shared through
// modules/array/SharedWeights.hpp) give the same histograms as revealing them here; weights revealed with
// another budget give that budget's histograms, so their counts are what is read.
TEST_P(ConvTermHistograms, RevealedWeightsGivenAreTheWeightsCounted) {
    const ConvCase p = GetParam();
    const TraceLayer l = convLayer(p, 7, 8);
    SimConfig c, fewer;
    c.weights = OperandCoding{8, Encoding::Hese, 8, 12};
    c.data = fewer.data = OperandCoding{8, Encoding::Hese, p.dataGroup, p.dataBudget};
    fewer.weights = OperandCoding{8, Encoding::Hese, 8, 3};
    const LoweredConv lowered = lowerConv(l.inputs, l.weights, l.conv);
    RevealedWeights same, other;
    for (const OperandTensor& w : lowered.w) {
        same.push_back(std::make_shared<const RevealedOperand>(w, c.weights, TermStorage::CountsOnly));
        other.push_back(std::make_shared<const RevealedOperand>(w, fewer.weights, TermStorage::CountsOnly));
    }
    const auto data = [](const std::vector<LayerMap>& maps) {
        std::map<std::string, std::vector<double>> out;
        for (const LayerMap& m : maps) out[m.name] = m.data;
        return out;
    };
    const auto own = data(termHistograms(l, l.inputs, l.weights, c));
    EXPECT_EQ(data(termHistograms(l, l.inputs, l.weights, c, &same)), own);
    const auto withFewer = data(termHistograms(l, l.inputs, l.weights, fewer));
    EXPECT_NE(withFewer.at("term_hist_weight_terms_kept"), own.at("term_hist_weight_terms_kept"));
    EXPECT_EQ(data(termHistograms(l, l.inputs, l.weights, c, &other)), withFewer);
    RevealedWeights missing = same;
    missing.pop_back();
    EXPECT_THROW(termHistograms(l, l.inputs, l.weights, c, &missing), std::logic_error);
}

INSTANTIATE_TEST_SUITE_P(Cases, ConvTermHistograms,
                         ::testing::Values(ConvCase{1, 1, 1, 1, 3},   // every value used 1-9 times, padding
                                           ConvCase{2, 1, 2, 1, 2},   // stride skips rows and columns; groups
                                           ConvCase{3, 0, 1, 1, std::nullopt},  // unused input values, no budget
                                           ConvCase{2, 2, 4, 1, 1},   // depthwise-like groups, wide padding
                                           ConvCase{1, 1, 2, 4, 6}),  // data groups along K: lowered and revealed
                         [](const ::testing::TestParamInfo<ConvCase>& info) { return "case" + std::to_string(info.index); });

// A fully connected layer: every histogram, weights included, by brute force over [M, K] and [N, K].
// M = 1 (batch 1) takes the histograms' one-row path; K leaves a partial last weight group.
std::map<std::string, std::vector<double>> bruteForceFc(const IntTensor& x, const IntTensor& w, const SimConfig& c) {
    std::map<std::string, std::vector<double>> h;
    const RevealedOperand rx(x, c.data, TermStorage::CountsOnly), rw(w, c.weights, TermStorage::CountsOnly);
    countOperand(h, "data", x, rx, c.data);
    countOperand(h, "weight", w, rw, c.weights);
    countPairs(h, rx, rw, c.weights.groupSize);
    return h;
}

// Weight groups of 8 sum their pairs in 16 bits; a group of 16384 could reach 16384 * 3 pairs or more,
// beyond 2^15, and takes the 32-bit sums.
TEST(FcTermHistograms, EqualCountsOverTheOperandsAtOneAndSeveralRows) {
    for (const int weightGroup : {8, 16384}) {
        for (const int64_t M : {1, 5}) {
            TraceLayer l;
            l.name = "fc";
            l.type = LayerType::Fc;
            const IntTensor x = randomTensor({M, 45}, 0, 255, 5, 0.3), w = randomTensor({11, 45}, -127, 127, 6, 0.1);
            l.inputs = x;
            l.weights = w;
            SimConfig c;
            c.weights = OperandCoding{8, Encoding::Hese, weightGroup, 12};
            c.data = OperandCoding{8, Encoding::Hese, 1, 3};
            const auto expected = bruteForceFc(x, w, c);
            int checked = 0;
            for (const LayerMap& m : termHistograms(l, l.inputs, l.weights, c)) {
                const auto it = expected.find(m.name.substr(std::string("term_hist_").size()));
                ASSERT_NE(it, expected.end()) << m.name;
                EXPECT_EQ(m.data, it->second) << m.name << " at M = " << M << ", weight groups of " << weightGroup;
                ++checked;
            }
            EXPECT_EQ(checked, 9);
        }
    }
}

// A fully connected layer's revealed weights read a block of rows at a time: K = 2^18 + 3 gives
// blocks of 3 rows, 8 rows leave a block of 2. The same histograms as revealing the weights here.
TEST(FcTermHistograms, RevealedWeightsGivenAcrossRowBlocks) {
    TraceLayer l;
    l.name = "fc";
    l.type = LayerType::Fc;
    const int64_t k = (int64_t{1} << 18) + 3;
    l.inputs = randomTensor({2, k}, 0, 255, 9, 0.3);
    l.weights = randomTensor({8, k}, -127, 127, 10, 0.1);
    SimConfig c;
    c.weights = OperandCoding{8, Encoding::Hese, 8, 12};
    c.data = OperandCoding{8, Encoding::Hese, 1, 3};
    const RevealedWeights revealed{std::make_shared<const RevealedOperand>(l.weights, c.weights, TermStorage::CountsOnly)};
    const std::vector<LayerMap> own = termHistograms(l, l.inputs, l.weights, c);
    const std::vector<LayerMap> given = termHistograms(l, l.inputs, l.weights, c, &revealed);
    ASSERT_EQ(given.size(), own.size());
    for (std::size_t i = 0; i < own.size(); ++i) EXPECT_EQ(given[i].data, own[i].data) << own[i].name;
    const RevealedWeights wrong{std::make_shared<const RevealedOperand>(OperandTensor(IntTensor({7, k})), c.weights)};
    EXPECT_THROW(termHistograms(l, l.inputs, l.weights, c, &wrong), std::logic_error);
}

}  // namespace
}  // namespace trsim
