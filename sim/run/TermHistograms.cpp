#include "sim/run/TermHistograms.hpp"

#include <algorithm>
#include <bitset>
#include <cstdlib>

#include "modules/functional/Reference.hpp"
#include "modules/functional/RevealedOperand.hpp"

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

// Terms of every magnitude 0 .. 2^bits - 1, looked up per value instead of encoding it again.
std::vector<uint8_t> termsByMagnitude(Encoding e, int bits) {
    std::vector<uint8_t> t(std::size_t{1} << bits);
    for (std::size_t m = 0; m < t.size(); ++m) t[m] = static_cast<uint8_t>(encode(e, static_cast<int64_t>(m), bits).size());
    return t;
}

struct OperandCounts {
    Counts binary, encoded, kept, exponents;
};

void countOperand(const IntTensor& a, const RevealedOperand& r, const std::vector<uint8_t>& encodedTerms,
                  OperandCounts& out) {
    for (int64_t row = 0; row < r.rows(); ++row) {
        for (int64_t k = 0; k < r.depth(); ++k) {
            const uint64_t mag = static_cast<uint64_t>(std::llabs(a.data[static_cast<std::size_t>(row * r.depth() + k)]));
            out.binary.add(std::bitset<64>(mag).count());
            out.encoded.add(mag < encodedTerms.size() ? encodedTerms[mag] : 0);
            const int kept = r.termCount(row, k);
            out.kept.add(static_cast<std::size_t>(kept));
            const Term* t = r.terms(row, k);
            for (int i = 0; i < kept; ++i) out.exponents.add(static_cast<std::size_t>(t[i].exponent));
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

std::vector<LayerMap> termHistograms(const TraceLayer& l, const SimConfig& c) {
    std::vector<IntTensor> xs, ws;
    if (l.type == LayerType::Conv) {
        LoweredConv lowered = lowerConv(l.inputs, l.weights, l.conv);
        xs = std::move(lowered.x);
        ws = std::move(lowered.w);
    } else {
        xs.push_back(l.inputs);
        ws.push_back(l.weights);
    }
    const auto wTable = termsByMagnitude(c.weights.encoding, c.weights.bits);
    const auto xTable = termsByMagnitude(c.data.encoding, c.data.bits);
    OperandCounts wc, xc;
    Counts pairs;
    for (std::size_t g = 0; g < xs.size(); ++g) {
        const RevealedOperand rw(ws[g], c.weights), rx(xs[g], c.data);
        countOperand(ws[g], rw, wTable, wc);
        countOperand(xs[g], rx, xTable, xc);
        countPairs(rx, rw, c.weights.groupSize, pairs);
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
