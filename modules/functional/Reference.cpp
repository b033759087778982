#include "modules/functional/Reference.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "modules/functional/ExactGemm.hpp"
#include "modules/functional/TermTable.hpp"

namespace trsim {
namespace {

template <class Tensor>
void requireRank(const Tensor& t, std::size_t rank, const char* what) {
    if (t.rank() != rank)
        throw std::invalid_argument(std::string(what) + ": expected rank " + std::to_string(rank) + ", got shape " +
                                    shapeString(t.shape));
}

}  // namespace

IntTensor gemmReference(const OperandTensor& x, const OperandTensor& w) {
    return gemmWithTr(x, w, std::nullopt, std::nullopt);
}

int64_t convOutputSize(int64_t in, int64_t kernel, int stride, int pad) {
    if (stride < 1) throw std::invalid_argument("conv: stride must be >= 1");
    const int64_t span = in + 2 * int64_t{pad} - kernel;  // 2 * pad in int overflows for pad near INT_MAX
    if (span < 0) throw std::invalid_argument("conv: kernel larger than padded input");
    return span / stride + 1;
}

namespace {

struct ConvDims {
    int64_t b, c, h, wd, n, cg, kh, kw, ng, oh, ow;
};

ConvDims convDims(const OperandTensor& x, const OperandTensor& w, const ConvParams& p) {
    requireRank(x, 4, "conv input");
    requireRank(w, 4, "conv weights");
    ConvDims d{};
    d.b = x.dim(0), d.c = x.dim(1), d.h = x.dim(2), d.wd = x.dim(3);
    d.n = w.dim(0), d.cg = w.dim(1), d.kh = w.dim(2), d.kw = w.dim(3);
    if (p.groups < 1 || d.c % p.groups != 0 || d.n % p.groups != 0 || d.cg * p.groups != d.c)
        throw std::invalid_argument("conv: input " + shapeString(x.shape) + " and weights " + shapeString(w.shape) +
                                    " do not agree with groups=" + std::to_string(p.groups));
    d.ng = d.n / p.groups;
    d.oh = convOutputSize(d.h, d.kh, p.strideH, p.padH);
    d.ow = convOutputSize(d.wd, d.kw, p.strideW, p.padW);
    return d;
}

// Channel group `group` of values laid out as x [B, C, H, W] (`from`: the first value of the tensor),
// channels last: out[((b * H + iy) * W + ix) * Cg + c]. im2col then copies each tap's Cg channels in one
// run instead of reading them a plane (H x W values) apart.
template <class From, class To>
void channelsLast(const From* from, const ConvDims& d, int group, To* out) {
    const int64_t plane = d.h * d.wd;
    for (int64_t b = 0; b < d.b; ++b)
        for (int64_t c = 0; c < d.cg; ++c) {
            const From* src = from + (b * d.c + group * d.cg + c) * plane;
            To* dst = out + b * plane * d.cg + c;
            for (int64_t i = 0; i < plane; ++i) dst[i * d.cg] = static_cast<To>(src[i]);
        }
}

// Rows [m0, m0 + rows) of the im2col matrix (row (b, oy, ox), reduction (ky, kx, c) with c fastest, as
// lowerConv orders it) from a channel group laid out channels last; padding taps are zeros.
template <class T>
void lowerChannelsLast(const T* nhwc, const ConvDims& d, const ConvParams& p, int64_t m0, int64_t rows, T* out) {
    const int64_t k = d.kh * d.kw * d.cg;
    for (int64_t i = 0; i < rows; ++i) {
        const int64_t row = m0 + i, b = row / (d.oh * d.ow), oy = row / d.ow % d.oh, ox = row % d.ow;
        for (int64_t ky = 0; ky < d.kh; ++ky)
            for (int64_t kx = 0; kx < d.kw; ++kx) {
                const int64_t iy = oy * p.strideH - p.padH + ky, ix = ox * p.strideW - p.padW + kx;
                T* to = out + i * k + (ky * d.kw + kx) * d.cg;
                if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.wd)
                    std::fill_n(to, d.cg, T{0});
                else
                    std::copy_n(nhwc + ((b * d.h + iy) * d.wd + ix) * d.cg, d.cg, to);
            }
    }
}

}  // namespace

IntTensor conv2dReference(const OperandTensor& x, const OperandTensor& w, const ConvParams& p) {
    return conv2dWithTr(x, w, p, std::nullopt, std::nullopt);
}

LoweredConv lowerConv(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, bool lowerData) {
    const ConvDims d = convDims(x, w, p);
    LoweredConv out;
    out.batch = d.b, out.outH = d.oh, out.outW = d.ow, out.outChannels = d.n;
    const int64_t k = d.kh * d.kw * d.cg, m = d.b * d.oh * d.ow;
    for (int g = 0; g < p.groups; ++g) {
        OperandTensor xg(lowerData ? std::vector<int64_t>{m, k} : std::vector<int64_t>{0, k}, x.widthLimit());
        OperandTensor wg({d.ng, k}, w.widthLimit());
        wg.visit([&](auto* to) {
            w.visit([&](const auto* from) {
                for (int64_t n = 0; n < d.ng; ++n)
                    for (int64_t ky = 0; ky < d.kh; ++ky)
                        for (int64_t kx = 0; kx < d.kw; ++kx)
                            for (int64_t c = 0; c < d.cg; ++c)
                                to[n * k + (ky * d.kw + kx) * d.cg + c] =
                                    static_cast<std::remove_reference_t<decltype(*to)>>(
                                        from[(((g * d.ng + n) * d.cg + c) * d.kh + ky) * d.kw + kx]);
            });
        });
        if (lowerData) xg.visit([&](auto* to) {
            x.visit([&](const auto* from) {
                for (int64_t b = 0; b < d.b; ++b)
                    for (int64_t oy = 0; oy < d.oh; ++oy)
                        for (int64_t ox = 0; ox < d.ow; ++ox) {
                            const int64_t row = (b * d.oh + oy) * d.ow + ox;
                            for (int64_t ky = 0; ky < d.kh; ++ky)
                                for (int64_t kx = 0; kx < d.kw; ++kx) {
                                    const int64_t iy = oy * p.strideH - p.padH + ky;
                                    const int64_t ix = ox * p.strideW - p.padW + kx;
                                    if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.wd) continue;  // zero padding
                                    for (int64_t c = 0; c < d.cg; ++c)
                                        to[row * k + (ky * d.kw + kx) * d.cg + c] =
                                            static_cast<std::remove_reference_t<decltype(*to)>>(
                                                from[((b * d.c + g * d.cg + c) * d.h + iy) * d.wd + ix]);
                                }
                        }
            });
        });
        out.x.push_back(std::move(xg));
        out.w.push_back(std::move(wg));
    }
    return out;
}

std::vector<int64_t> im2colUses(int64_t in, int64_t kernel, int64_t out, int stride, int pad) {
    std::vector<int64_t> u(static_cast<std::size_t>(in), 0);
    for (int64_t o = 0; o < out; ++o)
        for (int64_t t = 0; t < kernel; ++t) {
            const int64_t i = o * stride - pad + t;
            if (i >= 0 && i < in) ++u[static_cast<std::size_t>(i)];
        }
    return u;
}

RevealedOperand revealConvData(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, int group,
                               const OperandCoding& coding) {
    if (coding.groupSize != 1)
        throw std::invalid_argument("revealConvData: data TR groups of " + std::to_string(coding.groupSize) +
                                    " values (only single values keep their terms wherever im2col puts them)");
    const ConvDims d = convDims(x, w, p);
    if (group < 0 || group >= p.groups)
        throw std::invalid_argument("revealConvData: no channel group " + std::to_string(group) + " of " +
                                    std::to_string(p.groups));
    const TermTable& table = TermTable::get(coding.encoding, coding.bits);
    // Channel group `group` of the input, value by value: after TR, kept and encoded terms, and the
    // exponents of a value that keeps a term (revealByGroup, as RevealedOperand reveals).
    const int64_t plane = d.h * d.wd, perImage = d.cg * plane, n = d.b * perImage;
    std::vector<int64_t> values(static_cast<std::size_t>(n));
    for (int64_t b = 0; b < d.b; ++b)
        x.copyTo(static_cast<std::size_t>((b * d.c + group * d.cg) * plane), static_cast<std::size_t>(perImage),
                 &values[static_cast<std::size_t>(b * perImage)]);
    std::vector<uint8_t> kept(values.size());
    std::vector<int32_t> revealed(values.size());
    uint32_t unused = 0;  // every value's exponents; the operand's are those of the values im2col uses
    revealByGroup(table, values.data(), values.size(), 1, coding.budget, kept.data(), revealed.data(), unused);
    // How often im2col reads input position (iy, ix): its row's uses times its column's.
    const std::vector<int64_t> rowUses = im2colUses(d.h, d.kh, d.oh, p.strideH, p.padH);
    const std::vector<int64_t> colUses = im2colUses(d.wd, d.kw, d.ow, p.strideW, p.padW);
    RevealedParts parts;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t pos = i % plane, used = rowUses[static_cast<std::size_t>(pos / d.wd)] *
                                              colUses[static_cast<std::size_t>(pos % d.wd)];
        if (used == 0) continue;
        const std::size_t v = static_cast<std::size_t>(i);
        const uint64_t mag = table.magnitude(values[v]);
        parts.encodedTerms += used * table.count(mag);
        parts.keptTerms += used * kept[v];
        if (kept[v] > 0) parts.keptExponents |= table.exponentMask(mag);
    }
    // The im2col matrix of the revealed values and their counts, as lowerConv lowers the values, from
    // the group's values and counts laid out channels last.
    const int64_t k = d.kh * d.kw * d.cg, m = d.b * d.oh * d.ow;
    parts.rows = m, parts.depth = k;
    parts.narrow = RevealedOperand::storesNarrow(coding);
    ConvDims one = d;  // the group's values alone: one group of Cg channels
    one.c = d.cg;
    std::vector<uint8_t> keptLast(kept.size());
    channelsLast(kept.data(), one, 0, keptLast.data());
    parts.counts.resize(static_cast<std::size_t>(m * k));
    lowerChannelsLast(keptLast.data(), one, p, 0, m, parts.counts.data());
    const auto lowerValues = [&](auto& to) {
        std::vector<std::remove_reference_t<decltype(*to.data())>> last(revealed.size());
        channelsLast(revealed.data(), one, 0, last.data());
        to.resize(parts.counts.size());
        lowerChannelsLast(last.data(), one, p, 0, m, to.data());
    };
    if (parts.narrow)
        lowerValues(parts.values16);
    else
        lowerValues(parts.values32);
    return RevealedOperand(std::move(parts));
}

IntTensor raiseConvOutput(const std::vector<IntTensor>& perGroup, const LoweredConv& s) {
    IntTensor y({s.batch, s.outChannels, s.outH, s.outW});
    int64_t nBase = 0;
    for (const IntTensor& part : perGroup) {
        for (int64_t b = 0; b < s.batch; ++b)
            for (int64_t oy = 0; oy < s.outH; ++oy)
                for (int64_t ox = 0; ox < s.outW; ++ox)
                    for (int64_t n = 0; n < part.dim(1); ++n)
                        y.at4(b, nBase + n, oy, ox) = part.at2((b * s.outH + oy) * s.outW + ox, n);
        nBase += part.dim(1);
    }
    return y;
}

namespace {

// Rows of the data matrix go through TR and the GEMM in blocks of this many, so
// the reference never holds a layer's whole im2col matrix.
constexpr int64_t kRowBlock = 256;
// Weight values revealed and packed at a time (rows of W, at least one).
constexpr int64_t kWeightBlockValues = int64_t{1} << 20;

void revealBlock(int64_t* block, int64_t rows, int64_t k, const std::optional<OperandCoding>& tr) {
    if (!tr) return;
    for (int64_t r = 0; r < rows; ++r)
        revealValues(block + r * k, static_cast<std::size_t>(k), *tr,
                     block + r * k);
}

// Channel group `group` of revealed weights, checked against the [rows, k] the reference expects.
const RevealedOperand& revealedGroup(const RevealedWeights& revealed, int group, int groups, int64_t rows, int64_t k) {
    const auto fits = [&] {
        const std::size_t g = static_cast<std::size_t>(group);
        return revealed.size() == static_cast<std::size_t>(groups) && revealed[g] && revealed[g]->rows() == rows &&
               revealed[g]->depth() == k;
    };
    if (!fits())
        throw std::invalid_argument("revealed weights: " + std::to_string(revealed.size()) +
                                    " groups do not give group " + std::to_string(group) + " of " +
                                    std::to_string(groups) + " as [" + std::to_string(rows) + ", " +
                                    std::to_string(k) + "]");
    return *revealed[static_cast<std::size_t>(group)];
}

// Rows [r0, r0 + rows) of revealed weights into `out` ([rows, depth]).
void copyRevealedRows(const RevealedOperand& w, int64_t r0, int64_t rows, int64_t* out) {
    w.visitRow(r0, [&](const auto* values) { std::copy_n(values, rows * w.depth(), out); });
}

// Row r0 of revealed weights where they are, when stored at 16 bits (rows follow it, depth() apart);
// null when stored at 32.
const int16_t* revealedRows16(const RevealedOperand& w, int64_t r0) {
    return w.visitRow(r0, [](const auto* values) -> const int16_t* {
        if constexpr (std::is_same_v<std::remove_cv_t<std::remove_pointer_t<decltype(values)>>, int16_t>)
            return values;
        else
            return nullptr;
    });
}

}  // namespace

IntTensor revealRows(const IntTensor& a, const OperandCoding& coding) {
    requireRank(a, 2, "revealRows");
    IntTensor out = a;
    revealBlock(out.data.data(), a.dim(0), a.dim(1), coding);
    return out;
}

IntTensor gemmWithTr(const OperandTensor& x, const OperandTensor& w, const std::optional<OperandCoding>& dataTr,
                     const std::optional<OperandCoding>& weightTr, const RevealedWeights* revealed) {
    requireRank(x, 2, "gemm data");
    requireRank(w, 2, "gemm weights");
    if (x.dim(1) != w.dim(1))
        throw std::invalid_argument("gemm: K differs: data " + shapeString(x.shape) + ", weights " +
                                    shapeString(w.shape));
    const int64_t m = x.dim(0), k = x.dim(1), n = w.dim(0);
    const RevealedOperand* given = revealed ? &revealedGroup(*revealed, 0, 1, n, k) : nullptr;
    IntTensor y = IntTensor::unset({m, n});  // every element written below
    // One buffer each for every block: a fresh one per block would be fresh pages from the kernel each time.
    // Operands already at 16 bits (the revealed weights of codings up to 14 bits, trace values up to 16
    // bits) are multiplied without a 64-bit copy; TR on the fly (revealBlock) works on 64-bit blocks.
    UninitializedVector<int64_t> block, result, wr;
    UninitializedVector<int16_t> block16, wr16;
    const bool narrowData = !dataTr && x.bytesPerValue() <= 2;
    // Weight rows in blocks too: a large fc layer's revealed and packed weights are never all held at once.
    const int64_t wBlock = std::max<int64_t>(1, kWeightBlockValues / std::max<int64_t>(1, k));
    for (int64_t n0 = 0; n0 < n; n0 += wBlock) {
        const int64_t cols = std::min(wBlock, n - n0);
        const int16_t* w16 = given ? revealedRows16(*given, n0) : nullptr;
        if (given && !w16) {
            wr.resize(static_cast<std::size_t>(cols * k));
            copyRevealedRows(*given, n0, cols, wr.data());
        } else if (!given && !weightTr && w.bytesPerValue() <= 2) {
            wr16.resize(static_cast<std::size_t>(cols * k));
            w.copyTo(static_cast<std::size_t>(n0 * k), wr16.size(), wr16.data());
            w16 = wr16.data();
        } else if (!given) {
            wr.resize(static_cast<std::size_t>(cols * k));
            w.copyTo(static_cast<std::size_t>(n0 * k), wr.size(), wr.data());
            revealBlock(wr.data(), cols, k, weightTr);
        }
        const ExactGemm gemm = w16 ? ExactGemm(w16, cols, k) : ExactGemm(wr.data(), cols, k);
        for (int64_t m0 = 0; m0 < m; m0 += kRowBlock) {
            const int64_t rows = std::min(kRowBlock, m - m0);
            result.resize(static_cast<std::size_t>(rows * cols));
            if (narrowData) {
                block16.resize(static_cast<std::size_t>(rows * k));
                x.copyTo(static_cast<std::size_t>(m0 * k), block16.size(), block16.data());
                gemm.multiply(block16.data(), rows, result.data());
            } else {
                block.resize(static_cast<std::size_t>(rows * k));
                x.copyTo(static_cast<std::size_t>(m0 * k), block.size(), block.data());
                revealBlock(block.data(), rows, k, dataTr);
                gemm.multiply(block.data(), rows, result.data());
            }
            for (int64_t i = 0; i < rows; ++i)
                std::copy_n(&result[static_cast<std::size_t>(i * cols)], cols,
                            &y.data[static_cast<std::size_t>((m0 + i) * n + n0)]);
        }
    }
    return y;
}

namespace {

// Channel group `group`'s weight matrix shape [Ng, KH*KW*Cg]; throws for a group the weights lack.
std::vector<int64_t> loweredWeightShape(const OperandTensor& w, const ConvParams& p, int group) {
    requireRank(w, 4, "conv weights");
    const int64_t n = w.dim(0);
    if (p.groups < 1 || n % p.groups != 0 || group < 0 || group >= p.groups)
        throw std::invalid_argument("conv: weights " + shapeString(w.shape) + " have no group " + std::to_string(group) +
                                    " of " + std::to_string(p.groups));
    return {n / p.groups, w.dim(2) * w.dim(3) * w.dim(1)};
}

// The convolution as a GEMM over its im2col rows (reduction ordered (kh, kw, c),
// as lowerConv orders it, so TR groups are the same), built block by block here
// rather than through lowerConv, which the array's controller uses. Both write
// every element of `out`, padding taps as zeros: the buffers are reused unzeroed.
template <class T>  // int64_t, or int16_t for a tensor of at most 2 bytes a value
void lowerConvWeightsInto(const OperandTensor& w, const ConvParams& p, int group, T* out) {
    const std::vector<int64_t> shape = loweredWeightShape(w, p, group);
    const int64_t ng = shape[0], k = shape[1], cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
    w.visit([&](const auto* from) {
        for (int64_t f = 0; f < ng; ++f)
            for (int64_t ky = 0; ky < kh; ++ky)
                for (int64_t kx = 0; kx < kw; ++kx)
                    for (int64_t c = 0; c < cg; ++c)
                        out[f * k + (ky * kw + kx) * cg + c] =
                            static_cast<T>(from[(((group * ng + f) * cg + c) * kh + ky) * kw + kx]);
    });
}

void lowerConvRowsInto(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, int group, int64_t m0,
                       int64_t rows, int64_t* out) {
    const ConvDims d = convDims(x, w, p);
    const int64_t k = d.kh * d.kw * d.cg;
    x.visit([&](const auto* from) {
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t row = m0 + i, b = row / (d.oh * d.ow), oy = row / d.ow % d.oh, ox = row % d.ow;
            for (int64_t ky = 0; ky < d.kh; ++ky)
                for (int64_t kx = 0; kx < d.kw; ++kx) {
                    const int64_t iy = oy * p.strideH - p.padH + ky;
                    const int64_t ix = ox * p.strideW - p.padW + kx;
                    int64_t* to = out + i * k + (ky * d.kw + kx) * d.cg;
                    if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.wd) {
                        std::fill_n(to, d.cg, int64_t{0});  // zero padding
                        continue;
                    }
                    const auto* column = from + ((b * d.c + group * d.cg) * d.h + iy) * d.wd + ix;
                    for (int64_t c = 0; c < d.cg; ++c) to[c] = column[c * d.h * d.wd];
                }
        }
    });
}

}  // namespace

IntTensor lowerConvWeights(const OperandTensor& w, const ConvParams& p, int group) {
    IntTensor wg = IntTensor::unset(loweredWeightShape(w, p, group));
    lowerConvWeightsInto(w, p, group, wg.data.data());
    return wg;
}

IntTensor lowerConvRows(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, int group, int64_t m0,
                        int64_t rows) {
    const ConvDims d = convDims(x, w, p);
    IntTensor block = IntTensor::unset({rows, d.kh * d.kw * d.cg});
    lowerConvRowsInto(x, w, p, group, m0, rows, block.data.data());
    return block;
}

IntTensor conv2dWithTr(const OperandTensor& x, const OperandTensor& w, const ConvParams& p,
                       const std::optional<OperandCoding>& dataTr, const std::optional<OperandCoding>& weightTr,
                       const RevealedWeights* revealed) {
    const ConvDims d = convDims(x, w, p);
    const int64_t k = d.kh * d.kw * d.cg, m = d.b * d.oh * d.ow;
    IntTensor y = IntTensor::unset({d.b, d.n, d.oh, d.ow});  // every element written below
    // One buffer each for every group and block (fresh ones would be fresh pages from the kernel each time).
    UninitializedVector<int64_t> wg, block, result;
    // Data TR groups of one value: a value keeps the same terms wherever im2col puts it (and a padding zero
    // has none), so the input is revealed once here instead of every im2col copy of it below.
    const bool revealPerValue = dataTr && dataTr->groupSize == 1;
    OperandTensor revealedInput;
    if (revealPerValue) {
        IntTensor wide = x.widened();
        revealValues(wide.data.data(), wide.size(), *dataTr, wide.data.data());
        revealedInput = wide;
    }
    const OperandTensor& input = revealPerValue ? revealedInput : x;
    // Operands already at 16 bits are lowered and multiplied at 16 bits (gemmWithTr); TR of data groups
    // along K works on 64-bit blocks.
    UninitializedVector<int16_t> wg16, block16, groupLast;  // groupLast: the group's input, channels last
    const bool narrowData = input.bytesPerValue() <= 2 && (revealPerValue || !dataTr);
    for (int g = 0; g < p.groups; ++g) {
        const RevealedOperand* given = revealed ? &revealedGroup(*revealed, g, p.groups, d.ng, k) : nullptr;
        const int16_t* w16 = given ? revealedRows16(*given, 0) : nullptr;
        if (given && !w16) {
            wg.resize(static_cast<std::size_t>(d.ng * k));
            copyRevealedRows(*given, 0, d.ng, wg.data());
        } else if (!given && !weightTr && w.bytesPerValue() <= 2) {
            wg16.resize(static_cast<std::size_t>(d.ng * k));
            lowerConvWeightsInto(w, p, g, wg16.data());
            w16 = wg16.data();
        } else if (!given) {
            wg.resize(static_cast<std::size_t>(d.ng * k));
            lowerConvWeightsInto(w, p, g, wg.data());
            revealBlock(wg.data(), d.ng, k, weightTr);
        }
        const ExactGemm gemm = w16 ? ExactGemm(w16, d.ng, k) : ExactGemm(wg.data(), d.ng, k);
        if (narrowData) {
            groupLast.resize(static_cast<std::size_t>(d.b * d.h * d.wd * d.cg));
            input.visit([&](const auto* from) { channelsLast(from, d, g, groupLast.data()); });
        }
        for (int64_t m0 = 0; m0 < m; m0 += kRowBlock) {
            const int64_t rows = std::min(kRowBlock, m - m0);
            result.resize(static_cast<std::size_t>(rows * d.ng));
            if (narrowData) {
                block16.resize(static_cast<std::size_t>(rows * k));
                lowerChannelsLast(groupLast.data(), d, p, m0, rows, block16.data());
                gemm.multiply(block16.data(), rows, result.data());
            } else {
                block.resize(static_cast<std::size_t>(rows * k));
                lowerConvRowsInto(input, w, p, g, m0, rows, block.data());
                if (!revealPerValue) revealBlock(block.data(), rows, k, dataTr);
                gemm.multiply(block.data(), rows, result.data());
            }
            for (int64_t i = 0; i < rows; ++i) {
                const int64_t row = m0 + i, b = row / (d.oh * d.ow), pix = row % (d.oh * d.ow);
                for (int64_t n = 0; n < d.ng; ++n)
                    y.data[static_cast<std::size_t>((b * d.n + g * d.ng + n) * d.oh * d.ow + pix)] =
                        result[static_cast<std::size_t>(i * d.ng + n)];
            }
        }
    }
    return y;
}

}  // namespace trsim
