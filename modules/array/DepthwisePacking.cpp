#include "modules/array/DepthwisePacking.hpp"

#include <algorithm>
#include <numeric>

namespace trsim {

bool isDepthwise(const IntTensor& weights, const ConvParams& p) {
    return p.groups > 1 && weights.rank() == 4 && weights.dim(1) == 1;
}

DepthwisePlan planDepthwise(int64_t taps, int64_t filters, const ArraySpec& array,
                            const std::optional<OperandCoding>& data, const std::optional<OperandCoding>& weights) {
    int64_t unit = std::max(1, array.reductionPerPe);
    if (data) unit = std::lcm(unit, static_cast<int64_t>(data->groupSize));
    if (weights) unit = std::lcm(unit, static_cast<int64_t>(weights->groupSize));
    DepthwisePlan plan;
    plan.tapStride = (taps + unit - 1) / unit * unit;
    const int64_t slices = plan.tapStride / std::max(1, array.reductionPerPe);
    int64_t channels = array.cols / std::max<int64_t>(1, filters);
    // Output stationary streams the reduction through time, so only columns limit P.
    if (array.dataflow == ArrayDataflow::WeightStationary) channels = std::min(channels, array.rows / slices);
    plan.channelsPerGemm = std::max<int64_t>(1, channels);
    return plan;
}

PackedGemm packDepthwise(const LoweredConv& lowered, int64_t first, int64_t count, int64_t tapStride) {
    const IntTensor& x0 = lowered.x[static_cast<std::size_t>(first)];
    const IntTensor& w0 = lowered.w[static_cast<std::size_t>(first)];
    const int64_t m = x0.dim(0), taps = x0.dim(1), filters = w0.dim(0);
    PackedGemm g{IntTensor({m, count * tapStride}), IntTensor({count * filters, count * tapStride})};
    for (int64_t p = 0; p < count; ++p) {
        const IntTensor& x = lowered.x[static_cast<std::size_t>(first + p)];
        const IntTensor& w = lowered.w[static_cast<std::size_t>(first + p)];
        for (int64_t r = 0; r < m; ++r)
            std::copy_n(&x.data[static_cast<std::size_t>(r * taps)], taps, &g.x.at2(r, p * tapStride));
        for (int64_t f = 0; f < filters; ++f)
            std::copy_n(&w.data[static_cast<std::size_t>(f * taps)], taps, &g.w.at2(p * filters + f, p * tapStride));
    }
    return g;
}

}  // namespace trsim
