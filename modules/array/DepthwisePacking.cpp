#include "modules/array/DepthwisePacking.hpp"

#include <algorithm>
#include <numeric>

namespace trsim {

bool isDepthwise(const OperandTensor& weights, const ConvParams& p) {
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
    const OperandTensor& x0 = lowered.x[static_cast<std::size_t>(first)];
    const OperandTensor& w0 = lowered.w[static_cast<std::size_t>(first)];
    const int64_t m = x0.dim(0), taps = x0.dim(1), filters = w0.dim(0);
    // Every channel's matrices have the width of the tensor they were lowered from.
    PackedGemm g{OperandTensor({m, count * tapStride}, x0.widthLimit()),
                 OperandTensor({count * filters, count * tapStride}, w0.widthLimit())};
    const int64_t xCols = count * tapStride;
    for (int64_t p = 0; p < count; ++p) {
        const OperandTensor& x = lowered.x[static_cast<std::size_t>(first + p)];
        const OperandTensor& w = lowered.w[static_cast<std::size_t>(first + p)];
        g.x.visit([&](auto* to) {
            x.visit([&](const auto* from) {
                for (int64_t r = 0; r < m; ++r) std::copy_n(from + r * taps, taps, to + r * xCols + p * tapStride);
            });
        });
        g.w.visit([&](auto* to) {
            w.visit([&](const auto* from) {
                for (int64_t f = 0; f < filters; ++f)
                    std::copy_n(from + f * taps, taps, to + (p * filters + f) * xCols + p * tapStride);
            });
        });
    }
    return g;
}

}  // namespace trsim
