#include "modules/functional/Reference.hpp"

#include <stdexcept>

namespace trsim {
namespace {

void requireRank(const IntTensor& t, std::size_t rank, const char* what) {
    if (t.rank() != rank)
        throw std::invalid_argument(std::string(what) + ": expected rank " + std::to_string(rank) + ", got shape " +
                                    shapeString(t.shape));
}

}  // namespace

IntTensor gemmReference(const IntTensor& x, const IntTensor& w) {
    requireRank(x, 2, "gemm data");
    requireRank(w, 2, "gemm weights");
    if (x.dim(1) != w.dim(1))
        throw std::invalid_argument("gemm: K differs: data " + shapeString(x.shape) + ", weights " +
                                    shapeString(w.shape));
    const int64_t m = x.dim(0), k = x.dim(1), n = w.dim(0);
    IntTensor y({m, n});
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            int64_t acc = 0;
            for (int64_t r = 0; r < k; ++r) acc += x.at2(i, r) * w.at2(j, r);
            y.at2(i, j) = acc;
        }
    return y;
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

ConvDims convDims(const IntTensor& x, const IntTensor& w, const ConvParams& p) {
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

}  // namespace

IntTensor conv2dReference(const IntTensor& x, const IntTensor& w, const ConvParams& p) {
    const ConvDims d = convDims(x, w, p);
    IntTensor y({d.b, d.n, d.oh, d.ow});
    for (int64_t b = 0; b < d.b; ++b)
        for (int64_t n = 0; n < d.n; ++n) {
            const int64_t g = n / d.ng;
            for (int64_t oy = 0; oy < d.oh; ++oy)
                for (int64_t ox = 0; ox < d.ow; ++ox) {
                    int64_t acc = 0;
                    for (int64_t c = 0; c < d.cg; ++c)
                        for (int64_t ky = 0; ky < d.kh; ++ky)
                            for (int64_t kx = 0; kx < d.kw; ++kx) {
                                const int64_t iy = oy * p.strideH - p.padH + ky;
                                const int64_t ix = ox * p.strideW - p.padW + kx;
                                if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.wd) continue;
                                acc += x.at4(b, g * d.cg + c, iy, ix) * w.at4(n, c, ky, kx);
                            }
                    y.at4(b, n, oy, ox) = acc;
                }
        }
    return y;
}

LoweredConv lowerConv(const IntTensor& x, const IntTensor& w, const ConvParams& p) {
    const ConvDims d = convDims(x, w, p);
    LoweredConv out;
    out.batch = d.b, out.outH = d.oh, out.outW = d.ow, out.outChannels = d.n;
    const int64_t k = d.kh * d.kw * d.cg, m = d.b * d.oh * d.ow;
    for (int g = 0; g < p.groups; ++g) {
        IntTensor xg({m, k}), wg({d.ng, k});
        for (int64_t n = 0; n < d.ng; ++n)
            for (int64_t ky = 0; ky < d.kh; ++ky)
                for (int64_t kx = 0; kx < d.kw; ++kx)
                    for (int64_t c = 0; c < d.cg; ++c)
                        wg.at2(n, (ky * d.kw + kx) * d.cg + c) = w.at4(g * d.ng + n, c, ky, kx);
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
                                xg.at2(row, (ky * d.kw + kx) * d.cg + c) = x.at4(b, g * d.cg + c, iy, ix);
                        }
                }
        out.x.push_back(std::move(xg));
        out.w.push_back(std::move(wg));
    }
    return out;
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

IntTensor revealRows(const IntTensor& a, const OperandCoding& coding) {
    requireRank(a, 2, "revealRows");
    IntTensor out(a.shape);
    const int64_t k = a.dim(1);
    for (int64_t r = 0; r < a.dim(0); ++r)
        revealValues(&a.data[static_cast<std::size_t>(r * k)], static_cast<std::size_t>(k), coding,
                     &out.data[static_cast<std::size_t>(r * k)]);
    return out;
}

IntTensor gemmWithTr(const IntTensor& x, const IntTensor& w, const std::optional<OperandCoding>& dataTr,
                     const std::optional<OperandCoding>& weightTr) {
    return gemmReference(dataTr ? revealRows(x, *dataTr) : x, weightTr ? revealRows(w, *weightTr) : w);
}

IntTensor conv2dWithTr(const IntTensor& x, const IntTensor& w, const ConvParams& p,
                       const std::optional<OperandCoding>& dataTr, const std::optional<OperandCoding>& weightTr) {
    const LoweredConv lowered = lowerConv(x, w, p);
    std::vector<IntTensor> parts;
    for (std::size_t g = 0; g < lowered.x.size(); ++g)
        parts.push_back(gemmWithTr(lowered.x[g], lowered.w[g], dataTr, weightTr));
    return raiseConvOutput(parts, lowered);
}

}  // namespace trsim
