#include "sim/run/TermHistograms.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "modules/functional/Reference.hpp"
#include "modules/functional/TermReveal.hpp"
#include "modules/functional/TermTable.hpp"

namespace trsim {

// Counts are spread over this many copies of the histogram, row m into copy m % kCopies: neighbouring
// rows mostly have the same pair count, and incrementing one counter back to back waits for each
// store to land before the next load; separate copies let the increments overlap.
constexpr int64_t kCopies = 4;

namespace {

// pairs[m] = sum over the group of wc[k] * xT[k * M + m], in `Sum` (16 bits where the largest sum
// fits: 16 products a vector instruction, not 8), then row m's count increments
// local[(m % kCopies) * bins + pairs[m]].
template <class Sum>
__attribute__((always_inline)) inline void countGroupPairsIn(const uint8_t* wc, int64_t len, const uint8_t* xT,
                                                             int64_t M, Sum* pairs, int64_t* local, std::size_t bins) {
    for (int64_t m = 0; m < M; ++m) pairs[m] = 0;
    for (int64_t k = 0; k < len; ++k) {
        const Sum c = wc[k];
        const uint8_t* xc = xT + k * M;
        if (c != 0)
            for (int64_t m = 0; m < M; ++m) pairs[m] = static_cast<Sum>(pairs[m] + c * xc[m]);
    }
    int64_t* const l0 = local;
    int64_t* const l1 = local + bins;
    int64_t* const l2 = local + 2 * bins;
    int64_t* const l3 = local + 3 * bins;
    int64_t m = 0;
    for (; m + kCopies <= M; m += kCopies) {
        ++l0[pairs[m]];
        ++l1[pairs[m + 1]];
        ++l2[pairs[m + 2]];
        ++l3[pairs[m + 3]];
    }
    for (; m < M; ++m) ++l0[pairs[m]];
}

}  // namespace

// One weight group (kept terms wc[0..len)) against every data row (xT: [len][M] kept terms): row m's
// term pairs p increment local[(m % kCopies) * bins + p]; `pairs` is M sums of scratch, 16 bits
// when every group's sum is below 2^15 (bins <= 2^15), 32 bits otherwise.
__attribute__((target_clones("avx2", "default"))) void countGroupPairs(const uint8_t* wc, int64_t len,
                                                                       const uint8_t* xT, int64_t M,
                                                                       int16_t* pairs, int64_t* local,
                                                                       std::size_t bins) {
    countGroupPairsIn(wc, len, xT, M, pairs, local, bins);
}
__attribute__((target_clones("avx2", "default"))) void countGroupPairs(const uint8_t* wc, int64_t len,
                                                                       const uint8_t* xT, int64_t M,
                                                                       int32_t* pairs, int64_t* local,
                                                                       std::size_t bins) {
    countGroupPairsIn(wc, len, xT, M, pairs, local, bins);
}

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

// An operand's values counted by (magnitude, kept terms): one increment per value, and the four
// histograms (binary, encoded and kept terms per value, kept terms by exponent) follow from the
// term table once at the end.
class OperandCounts {
public:
    explicit OperandCounts(const TermTable& table)
        : table_(table),
          perMagnitude_(static_cast<std::size_t>(table.maxTerms()) + 1),
          n_((std::size_t{1} << table.bits()) * perMagnitude_, 0.0) {}

    // `n` values of magnitude `mag` that keep `kept` terms (a padding zero: 0, 0).
    void add(uint64_t mag, int kept, double n = 1) { n_[mag * perMagnitude_ + static_cast<std::size_t>(kept)] += n; }
    // Values of magnitudes mag[0, n) with kept terms kept[0, n).
    void add(const int64_t* values, const uint8_t* kept, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) add(table_.magnitude(values[k]), kept[k]);
    }

    Counts binary, encoded, kept, exponents;
    // Fills the four histograms from the counts.
    void finish() {
        const TermTable& bin = TermTable::get(Encoding::Binary, table_.bits());
        for (uint64_t mag = 0; mag < (uint64_t{1} << table_.bits()); ++mag)
            for (std::size_t k = 0; k < perMagnitude_; ++k) {
                const double n = n_[mag * perMagnitude_ + k];
                if (n == 0) continue;
                binary.add(static_cast<std::size_t>(bin.count(mag)), n);
                encoded.add(static_cast<std::size_t>(table_.count(mag)), n);
                kept.add(k, n);
                // The kept terms of a value are its largest ones: the top bits of its exponent mask.
                uint32_t mask = table_.exponentMask(mag);
                for (std::size_t t = 0; t < k; ++t) {
                    const int e = 31 - __builtin_clz(mask);
                    exponents.add(static_cast<std::size_t>(e), n);
                    mask ^= uint32_t{1} << e;
                }
            }
    }

private:
    const TermTable& table_;
    std::size_t perMagnitude_;
    std::vector<double> n_;
};

// How many terms TR keeps of each value of an operand [rows, K] (what RevealedOperand's counts
// are, without the values after TR the histograms never read), each value counted into `counts`
// on the way when given.
struct KeptCounts {
    int64_t rows = 0, depth = 0;
    std::vector<uint8_t> owned;       // the counts, when computed here
    const uint8_t* kept = nullptr;    // [rows, depth]: owned's, or a revealed operand's
    const uint8_t* row(int64_t r) const { return kept + r * depth; }
};

// Rows [first, first + rows) of `a` (all of them by default). With `revealed` (`a` revealed already,
// the same [rows, K]: the controller's weights) its counts are read, not computed again.
KeptCounts keptCounts(const OperandTensor& a, const OperandCoding& coding, OperandCounts* counts, int64_t first = 0,
                      int64_t rows = -1, const RevealedOperand* revealed = nullptr) {
    if (revealed && (revealed->rows() != a.dim(0) || revealed->depth() != a.dim(1)))
        throw std::logic_error("term histograms: revealed weights [" + std::to_string(revealed->rows()) + ", " +
                               std::to_string(revealed->depth()) + "] are not the weights " + shapeString(a.shape));
    const TermTable& table = TermTable::get(coding.encoding, coding.bits);
    if (rows < 0) rows = a.dim(0);
    KeptCounts out{rows, a.dim(1), {}, nullptr};
    if (revealed) {
        out.kept = revealed->countsRow(first);
    } else {
        out.owned.resize(static_cast<std::size_t>(rows * a.dim(1)));
        out.kept = out.owned.data();
    }
    std::vector<int64_t> row(static_cast<std::size_t>(out.depth));
    for (int64_t r = 0; r < out.rows; ++r) {
        a.copyTo(static_cast<std::size_t>((first + r) * out.depth), row.size(), row.data());
        if (!revealed)
            keptTermCountsByGroup(table, row.data(), row.size(), coding.groupSize, coding.budget,
                                  &out.owned[static_cast<std::size_t>(r * out.depth)]);
        if (counts) counts->add(row.data(), out.row(r), row.size());
    }
    return out;
}

// For every output element (m, n) and weight group along K: sum of kept weight x kept data terms.
// `xT` holds the data rows' kept-term counts transposed, [K][M], so each group's sums run over data
// rows (vectorized, AVX2 where the CPU has it: countGroupPairs).
void countPairs(const uint8_t* xT, int64_t M, const KeptCounts& w, int group, Counts& out) {
    const int64_t depth = w.depth;
    int xMost = 0, wMost = 0;
    for (int64_t i = 0; i < depth * M; ++i) xMost = std::max<int>(xMost, xT[i]);
    for (int64_t i = 0; i < w.rows * depth; ++i) wMost = std::max<int>(wMost, w.kept[i]);
    const std::size_t bins = static_cast<std::size_t>(group) * xMost * wMost + 1;
    std::vector<int64_t> local(kCopies * bins, 0);
    const bool narrow = bins <= std::size_t{1} << 15;
    std::vector<int16_t> pairs16(narrow ? static_cast<std::size_t>(M) : 0);
    std::vector<int32_t> pairs32(narrow ? 0 : static_cast<std::size_t>(M));
    for (int64_t n = 0; n < w.rows; ++n) {
        const uint8_t* wc = w.row(n);
        if (M == 1) {
            // One data row (a fully connected layer at batch 1): a group is a short dot product, and a
            // call per group would cost more than its sum. The copies take consecutive groups.
            for (int64_t k0 = 0, g = 0; k0 < depth; k0 += group, ++g) {
                int32_t p = 0;
                for (int64_t k = k0, end = std::min<int64_t>(k0 + group, depth); k < end; ++k) p += wc[k] * xT[k];
                ++local[static_cast<std::size_t>(g % kCopies) * bins + static_cast<std::size_t>(p)];
            }
            continue;
        }
        for (int64_t k0 = 0; k0 < depth; k0 += group) {
            const int64_t len = std::min<int64_t>(group, depth - k0);
            if (narrow)
                countGroupPairs(wc + k0, len, xT + k0 * M, M, pairs16.data(), local.data(), bins);
            else
                countGroupPairs(wc + k0, len, xT + k0 * M, M, pairs32.data(), local.data(), bins);
        }
    }
    for (std::size_t i = 0; i < bins; ++i) {
        int64_t n = 0;
        for (int64_t c = 0; c < kCopies; ++c) n += local[static_cast<std::size_t>(c) * bins + i];
        if (n > 0) out.add(i, static_cast<double>(n));
    }
}

void countPairs(const KeptCounts& x, const KeptCounts& w, int group, Counts& out) {
    const int64_t depth = x.depth, M = x.rows;
    std::vector<uint8_t> xT(static_cast<std::size_t>(depth * M));
    for (int64_t m = 0; m < M; ++m) {
        const uint8_t* xc = x.row(m);
        for (int64_t k = 0; k < depth; ++k) xT[static_cast<std::size_t>(k * M + m)] = xc[k];
    }
    countPairs(xT.data(), M, w, group, out);
}

// A convolution's data side when its TR groups are single values (operands.data.group_size 1): a
// value's terms and kept terms do not depend on where im2col puts it, so the data histograms are
// the input's, each value counted as often as im2col uses it (the product of how many output rows
// and columns its row and column reach), plus the padding zeros; and the pair counts need only the
// kept-term counts lowered, never the values lowered and revealed again.
class PerValueConvData {
public:
    PerValueConvData(const OperandTensor& inputs, const OperandTensor& weights, const ConvParams& p, const TermTable& table,
                     std::optional<int> budget)
        : x_(inputs), p_(p), kh_(weights.dim(2)), kw_(weights.dim(3)), cg_(weights.dim(1)),
          oh_(convOutputSize(inputs.dim(2), kh_, p.strideH, p.padH)),
          ow_(convOutputSize(inputs.dim(3), kw_, p.strideW, p.padW)),
          rowUses_(im2colUses(inputs.dim(2), kh_, oh_, p.strideH, p.padH)),
          colUses_(im2colUses(inputs.dim(3), kw_, ow_, p.strideW, p.padW)),
          magnitudes_(inputs.size()),
          kept_(inputs.size()) {
        const int most = budget ? *budget : TermTable::kMaxBits + 1;
        inputs.visit([&](const auto* v) {
            for (std::size_t i = 0; i < inputs.size(); ++i) {
                magnitudes_[i] = static_cast<uint32_t>(table.magnitude(v[i]));
                kept_[i] = static_cast<uint8_t>(std::min(table.count(magnitudes_[i]), most));
            }
        });
    }

    // The data values of every group's lowered rows, padding zeros included.
    void countValues(OperandCounts& out) const {
        const int64_t H = x_.dim(2), W = x_.dim(3);
        double used = 0;
        for (int64_t b = 0; b < x_.dim(0); ++b)
            for (int64_t c = 0; c < x_.dim(1); ++c)
                for (int64_t iy = 0; iy < H; ++iy) {
                    if (rowUses_[static_cast<std::size_t>(iy)] == 0) continue;
                    for (int64_t ix = 0; ix < W; ++ix) {
                        const double n = static_cast<double>(rowUses_[static_cast<std::size_t>(iy)] *
                                                             colUses_[static_cast<std::size_t>(ix)]);
                        if (n == 0) continue;
                        const std::size_t i = static_cast<std::size_t>(((b * x_.dim(1) + c) * H + iy) * W + ix);
                        out.add(magnitudes_[i], kept_[i], n);
                        used += n;
                    }
                }
        // Every group's rows hold kh x kw x cg values: the input's uses and the padding zeros (no terms).
        const double all = static_cast<double>(x_.dim(0) * oh_ * ow_ * kh_ * kw_ * x_.dim(1));
        if (all > used) out.add(0, 0, all - used);
    }

    // Kept-term counts of group g's lowered rows [m0, m0 + rows), transposed: xT[k * rows + i].
    void lowerKeptTransposed(int g, int64_t m0, int64_t rows, std::vector<uint8_t>& xT) const {
        const int64_t H = x_.dim(2), W = x_.dim(3), K = kh_ * kw_ * cg_;
        xT.assign(static_cast<std::size_t>(K * rows), 0);  // padding zeros keep no terms
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t row = m0 + i, b = row / (oh_ * ow_), oy = row / ow_ % oh_, ox = row % ow_;
            for (int64_t ky = 0; ky < kh_; ++ky)
                for (int64_t kx = 0; kx < kw_; ++kx) {
                    const int64_t iy = oy * p_.strideH - p_.padH + ky, ix = ox * p_.strideW - p_.padW + kx;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                    for (int64_t c = 0; c < cg_; ++c)
                        xT[static_cast<std::size_t>(((ky * kw_ + kx) * cg_ + c) * rows + i)] =
                            kept_[static_cast<std::size_t>(((b * x_.dim(1) + g * cg_ + c) * H + iy) * W + ix)];
                }
        }
    }

private:
    const OperandTensor& x_;
    ConvParams p_;
    int64_t kh_, kw_, cg_, oh_, ow_;
    std::vector<int64_t> rowUses_, colUses_;
    std::vector<uint32_t> magnitudes_;  // of every input value
    std::vector<uint8_t> kept_;         // kept terms of every input value
};

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

std::vector<LayerMap> termHistograms(const TraceLayer& l, const OperandTensor& inputs, const OperandTensor& weights,
                                     const SimConfig& c, const RevealedWeights* revealed) {
    if (revealed && revealed->size() != static_cast<std::size_t>(l.type == LayerType::Conv ? l.conv.groups : 1))
        throw std::logic_error("term histograms: " + std::to_string(revealed->size()) +
                               " groups of revealed weights for layer '" + l.name + "'");
    const TermTable& wTable = TermTable::get(c.weights.encoding, c.weights.bits);
    const TermTable& xTable = TermTable::get(c.data.encoding, c.data.bits);
    OperandCounts wc(wTable), xc(xTable);
    Counts pairs;
    // A large layer is counted a block at a time (a conv's im2col rows, an fc's weight
    // rows), so the histograms never hold a whole lowered or revealed operand.
    constexpr int64_t kBlockValues = int64_t{1} << 20;
    if (l.type == LayerType::Conv) {
        const int64_t rows = inputs.dim(0) * convOutputSize(inputs.dim(2), weights.dim(2), l.conv.strideH, l.conv.padH) *
                             convOutputSize(inputs.dim(3), weights.dim(3), l.conv.strideW, l.conv.padW);
        std::optional<PerValueConvData> perValue;
        if (c.data.groupSize == 1) {
            perValue.emplace(inputs, weights, l.conv, xTable, c.data.budget);
            perValue->countValues(xc);
        }
        std::vector<uint8_t> xT;
        for (int g = 0; g < l.conv.groups; ++g) {
            const OperandTensor wg = lowerConvWeights(weights, l.conv, g);
            const KeptCounts rw = keptCounts(wg, c.weights, &wc, 0, -1,
                                             revealed ? (*revealed)[static_cast<std::size_t>(g)].get() : nullptr);
            const int64_t block = std::max<int64_t>(1, kBlockValues / wg.dim(1));
            if (perValue) {
                for (int64_t m0 = 0; m0 < rows; m0 += block) {
                    const int64_t count = std::min(block, rows - m0);
                    perValue->lowerKeptTransposed(g, m0, count, xT);
                    countPairs(xT.data(), count, rw, c.weights.groupSize, pairs);
                }
                continue;
            }
            for (int64_t m0 = 0; m0 < rows; m0 += block) {
                const OperandTensor xb = lowerConvRows(inputs, weights, l.conv, g, m0, std::min(block, rows - m0));
                const KeptCounts rx = keptCounts(xb, c.data, &xc);
                countPairs(rx, rw, c.weights.groupSize, pairs);
            }
        }
    } else {
        const KeptCounts rx = keptCounts(inputs, c.data, &xc);
        const int64_t n = weights.dim(0), k = weights.dim(1), block = std::max<int64_t>(1, kBlockValues / k);
        for (int64_t n0 = 0; n0 < n; n0 += block) {
            const int64_t count = std::min(block, n - n0);
            const KeptCounts rw =
                keptCounts(weights, c.weights, &wc, n0, count, revealed ? (*revealed)[0].get() : nullptr);
            countPairs(rx, rw, c.weights.groupSize, pairs);
        }
    }
    wc.finish();
    xc.finish();
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
