// Packed depthwise mapping: the plan's sizes, and packed GEMMs that compute
// exactly the per-channel GEMMs' outputs with the same TR groups.
#include <gtest/gtest.h>

#include <random>

#include "modules/array/DepthwisePacking.hpp"
#include "modules/functional/Reference.hpp"

namespace trsim {
namespace {

ArraySpec array(int rows, int cols, int reductionPerPe, ArrayDataflow dataflow) {
    ArraySpec a;
    a.rows = rows;
    a.cols = cols;
    a.reductionPerPe = reductionPerPe;
    a.dataflow = dataflow;
    return a;
}

TEST(DepthwisePacking, PlanFillsRowsWithWholeGroupsPerChannel) {
    const OperandCoding w{8, Encoding::Hese, 8, 12}, x1{8, Encoding::Hese, 1, 3}, x3{8, Encoding::Hese, 3, 3};
    const ArraySpec ws = array(32, 32, 8, ArrayDataflow::WeightStationary);
    // 9 taps in groups of 8: two slices per channel, 16 channels on 32 rows.
    DepthwisePlan p = planDepthwise(9, 1, ws, x1, w);
    EXPECT_EQ(p.tapStride, 16);
    EXPECT_EQ(p.channelsPerGemm, 16);
    // Data groups of 3 and weight groups of 8 both align at lcm 24: three slices per channel.
    p = planDepthwise(9, 1, ws, x3, w);
    EXPECT_EQ(p.tapStride, 24);
    EXPECT_EQ(p.channelsPerGemm, 10);
    // Columns bound it too: two filters per channel on 8 columns.
    EXPECT_EQ(planDepthwise(9, 2, array(128, 8, 8, ArrayDataflow::WeightStationary), x1, w).channelsPerGemm, 4);
    // Output stationary: the reduction streams through time, columns alone bound P.
    EXPECT_EQ(planDepthwise(9, 1, array(32, 32, 8, ArrayDataflow::OutputStationary), x1, w).channelsPerGemm, 32);
    // A channel larger than the array still gets a GEMM of its own.
    EXPECT_EQ(planDepthwise(25 * 40, 1, array(4, 4, 1, ArrayDataflow::WeightStationary), std::nullopt, std::nullopt)
                  .channelsPerGemm, 1);
    EXPECT_EQ(planDepthwise(9, 1, array(32, 32, 1, ArrayDataflow::WeightStationary), std::nullopt, std::nullopt)
                  .tapStride, 9);
}

TEST(DepthwisePacking, PackedGemmsEqualPerChannelGemmsUnderTr) {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int64_t> value(-255, 255);
    IntTensor x({2, 7, 6, 5}), w({7, 1, 3, 3});
    for (int64_t& v : x.data) v = value(rng);
    for (int64_t& v : w.data) v = value(rng) / 2;
    const ConvParams params{1, 1, 1, 1, 7};
    ASSERT_TRUE(isDepthwise(w, params));
    ASSERT_FALSE(isDepthwise(IntTensor({4, 2, 3, 3}), ConvParams{1, 1, 0, 0, 2}));
    const LoweredConv lowered = lowerConv(x, w, params);
    const OperandCoding wc{8, Encoding::Hese, 4, 5}, xc{8, Encoding::Hese, 3, 4};
    const DepthwisePlan plan = planDepthwise(9, 1, array(16, 3, 4, ArrayDataflow::WeightStationary), xc, wc);
    ASSERT_EQ(plan.tapStride, 12);
    ASSERT_EQ(plan.channelsPerGemm, 3);  // 16 rows / 3 slices = 5, but 3 columns
    for (int64_t count : {int64_t{1}, int64_t{3}, int64_t{7}}) {
        std::vector<IntTensor> parts;
        for (int64_t first = 0; first < 7; first += count) {
            const int64_t n = std::min<int64_t>(count, 7 - first);
            const PackedGemm g = packDepthwise(lowered, first, n, plan.tapStride);
            ASSERT_EQ(g.x.shape, (std::vector<int64_t>{lowered.x[0].dim(0), n * 12}));
            ASSERT_EQ(g.w.shape, (std::vector<int64_t>{n, n * 12}));
            parts.push_back(gemmWithTr(g.x, g.w, xc, wc));
        }
        // Same outputs as TR applied to each channel's own GEMM.
        EXPECT_EQ(raiseConvOutput(parts, lowered), conv2dWithTr(x, w, params, xc, wc)) << "count " << count;
    }
}

}  // namespace
}  // namespace trsim
