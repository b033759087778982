#include "sim/run/TermHistograms.hpp"

#include <algorithm>

#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/functional/TermTable.hpp"

namespace trsim {
namespace {

class Counts {
public:
    void add(std::size_t value, double n = 1) {
        if (value >= c_.size()) c_.resize(value + 1, 0.0);
        c_[value] += n;
    }
    std::vector<double> take() {
        if (c_.empty()) c_.push_back(0.0);
        return std::move(c_);
    }

private:
    std::vector<double> c_;
};

struct OperandCounts {
    Counts binary, encoded, kept, exponents;
};

// The kept terms of a value are its largest ones: the top `kept` bits of its exponent mask.
void countOperand(const IntTensor& a, const RevealedOperand& r, const TermTable& table, OperandCounts& out) {
    const TermTable& binary = TermTable::get(Encoding::Binary, table.bits());
    for (int64_t row = 0; row < r.rows(); ++row) {
        for (int64_t k = 0; k < r.depth(); ++k) {
            const uint64_t mag = table.magnitude(a.data[static_cast<std::size_t>(row * r.depth() + k)]);
            out.binary.add(static_cast<std::size_t>(binary.count(mag)));
            out.encoded.add(static_cast<std::size_t>(table.count(mag)));
            const int kept = r.termCount(row, k);
            out.kept.add(static_cast<std::size_t>(kept));
            uint32_t mask = table.exponentMask(mag);
            for (int i = 0; i < kept; ++i) {
                const int e = 31 - __builtin_clz(mask);
                out.exponents.add(static_cast<std::size_t>(e));
                mask ^= uint32_t{1} << e;
            }
        }
    }
}

// For every output element (m, n) and weight group along K: sum of kept weight x kept data terms.
// Data counts are transposed to [K][M] so each group's sums run over data rows (vectorized).
void countPairs(const RevealedOperand& x, const RevealedOperand& w, int group, Counts& out) {
    const int64_t depth = x.depth(), M = x.rows();
    std::vector<uint8_t> xT(static_cast<std::size_t>(depth * M));
    int xMost = 0, wMost = 0;
    for (int64_t m = 0; m < M; ++m) {
        const uint8_t* xc = x.countsRow(m);
        for (int64_t k = 0; k < depth; ++k) {
            xT[static_cast<std::size_t>(k * M + m)] = xc[k];
            xMost = std::max<int>(xMost, xc[k]);
        }
    }
    for (int64_t n = 0; n < w.rows(); ++n)
        for (int64_t k = 0; k < depth; ++k) wMost = std::max<int>(wMost, w.countsRow(n)[k]);
    std::vector<int64_t> local(static_cast<std::size_t>(group) * xMost * wMost + 1, 0);
    std::vector<int32_t> pairs(static_cast<std::size_t>(M));
    for (int64_t n = 0; n < w.rows(); ++n) {
        const uint8_t* wc = w.countsRow(n);
        for (int64_t k0 = 0; k0 < depth; k0 += group) {
            const int64_t k1 = std::min<int64_t>(depth, k0 + group);
            std::fill(pairs.begin(), pairs.end(), 0);
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t c = wc[k];
                const uint8_t* xc = &xT[static_cast<std::size_t>(k * M)];
                if (c != 0)
                    for (int64_t m = 0; m < M; ++m) pairs[static_cast<std::size_t>(m)] += c * xc[m];
            }
            for (const int32_t p : pairs) ++local[static_cast<std::size_t>(p)];
        }
    }
    for (std::size_t i = 0; i < local.size(); ++i)
        if (local[i] > 0) out.add(i, static_cast<double>(local[i]));
}

LayerMap histogram(const std::string& layer, const std::string& name, const std::string& unit,
                   const std::string& description, Counts& c) {
    LayerMap m;
    m.layer = layer;
    m.name = "term_hist_" + name;
    m.unit = unit;
    m.description = description + " (element i: how many have i)";
    m.data = c.take();
    m.shape = {static_cast<int64_t>(m.data.size())};
    return m;
}

}  // namespace

std::vector<LayerMap> termHistograms(const TraceLayer& l, const IntTensor& inputs, const IntTensor& weights,
                                     const SimConfig& c) {
    const TermTable& wTable = TermTable::get(c.weights.encoding, c.weights.bits);
    const TermTable& xTable = TermTable::get(c.data.encoding, c.data.bits);
    OperandCounts wc, xc;
    Counts pairs;
    auto reveal = [](const IntTensor& a, const OperandCoding& coding) {
        return RevealedOperand(a, coding, TermStorage::CountsOnly);
    };
    // A large layer is counted a block at a time (a conv's im2col rows, an fc's weight
    // rows), so the histograms never hold a whole lowered or revealed operand.
    constexpr int64_t kBlockValues = int64_t{1} << 20;
    if (l.type == LayerType::Conv) {
        const int64_t rows = inputs.dim(0) * convOutputSize(inputs.dim(2), weights.dim(2), l.conv.strideH, l.conv.padH) *
                             convOutputSize(inputs.dim(3), weights.dim(3), l.conv.strideW, l.conv.padW);
        for (int g = 0; g < l.conv.groups; ++g) {
            const IntTensor wg = lowerConvWeights(weights, l.conv, g);
            const RevealedOperand rw = reveal(wg, c.weights);
            countOperand(wg, rw, wTable, wc);
            const int64_t block = std::max<int64_t>(1, kBlockValues / wg.dim(1));
            for (int64_t m0 = 0; m0 < rows; m0 += block) {
                const IntTensor xb = lowerConvRows(inputs, weights, l.conv, g, m0, std::min(block, rows - m0));
                const RevealedOperand rx = reveal(xb, c.data);
                countOperand(xb, rx, xTable, xc);
                countPairs(rx, rw, c.weights.groupSize, pairs);
            }
        }
    } else {
        const RevealedOperand rx = reveal(inputs, c.data);
        countOperand(inputs, rx, xTable, xc);
        const int64_t n = weights.dim(0), k = weights.dim(1), block = std::max<int64_t>(1, kBlockValues / k);
        for (int64_t n0 = 0; n0 < n; n0 += block) {
            const int64_t count = std::min(block, n - n0);
            IntTensor wb({count, k});
            std::copy_n(&weights.data[static_cast<std::size_t>(n0 * k)], count * k, wb.data.begin());
            const RevealedOperand rw = reveal(wb, c.weights);
            countOperand(wb, rw, wTable, wc);
            countPairs(rx, rw, c.weights.groupSize, pairs);
        }
    }
    const std::string we = encodingName(c.weights.encoding), de = encodingName(c.data.encoding);
    return {
        histogram(l.name, "weight_terms_binary", "values", "weight values by number of binary terms (set bits)", wc.binary),
        histogram(l.name, "weight_terms_encoded", "values", "weight values by number of " + we + " terms, before TR", wc.encoded),
        histogram(l.name, "weight_terms_kept", "values", "weight values by number of " + we + " terms TR kept", wc.kept),
        histogram(l.name, "data_terms_binary", "values",
                  "data values as the array consumes them (im2col repeats counted) by number of binary terms", xc.binary),
        histogram(l.name, "data_terms_encoded", "values", "data values by number of " + de + " terms, before TR", xc.encoded),
        histogram(l.name, "data_terms_kept", "values", "data values by number of " + de + " terms TR kept", xc.kept),
        histogram(l.name, "weight_kept_exponents", "terms", "kept weight terms by exponent", wc.exponents),
        histogram(l.name, "data_kept_exponents", "terms", "kept data terms by exponent", xc.exponents),
        histogram(l.name, "term_pairs_per_group", "groups",
                  "(output element, weight group of operands.weights.group_size) by term pairs: sum over the group of "
                  "kept weight terms times kept data terms",
                  pairs),
    };
}

}  // namespace trsim
