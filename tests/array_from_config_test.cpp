// The config -> module parameter mapping, with the numbers worked out by hand.
#include <gtest/gtest.h>

#include "modules/array/Controller.hpp"
#include "modules/pe/PeRegistry.hpp"
#include "modules/pe/TrPe.hpp"
#include "sim/config/ArrayFromConfig.hpp"
#include "sim/config/ConfigLoader.hpp"

namespace trsim {
namespace {

const std::string kDefault = std::string(TRSIM_SOURCE_DIR) + "/configs/default.yaml";

TEST(ArrayFromConfig, DefaultTrArrayIsThePapersTwelveByThreeSlot) {
    const ArraySpec s = arraySpecFromConfig(loadConfig(kDefault));
    EXPECT_EQ(s.pe, &peKind("tr"));
    EXPECT_EQ(s.reductionPerPe, 8);
    // 12 weight terms per group of 8, each meeting at most 3 data terms: 36 pairs, one per cycle.
    EXPECT_EQ(s.fixedStepCycles, 36);
    // 8 bit-parallel encoders per row: a group of 8 in one cycle; first slice after 1 - 1 + 2 + 1.
    EXPECT_EQ(s.minStepCycles, 1);
    EXPECT_EQ(s.dataPathLatency, 3);
}

TEST(ArrayFromConfig, BitSerialEncoderAndTwoPairsPerCycle) {
    const ArraySpec s = arraySpecFromConfig(loadConfig(
        kDefault, {"data_path.encoder_bits_per_cycle=1", "data_path.lanes_per_row=1", "pe.term_pairs_per_cycle=2"}));
    EXPECT_EQ(s.fixedStepCycles, 18);  // 36 pairs, 2 per cycle
    EXPECT_EQ(s.minStepCycles, 72);    // one lane: 9 digit positions per 8-bit value, 8 values
    EXPECT_EQ(s.dataPathLatency, 72 - 1 + 2 + 1);
    // Three lanes: ceil(8 / 3) = 3 values each, 27 cycles.
    EXPECT_EQ(arraySpecFromConfig(loadConfig(kDefault, {"data_path.encoder_bits_per_cycle=1", "data_path.lanes_per_row=3"}))
                  .minStepCycles,
              27);
}

TEST(ArrayFromConfig, MacArrayTakesExactValues) {
    const SimConfig c = loadConfig(kDefault, {"pe.kind=mac"});
    const ArraySpec s = arraySpecFromConfig(c);
    EXPECT_EQ(s.pe, &peKind("mac"));
    EXPECT_EQ(s.reductionPerPe, 1);
    const IntTensor x({2, 3}), w({4, 3});
    const LayerOperands o = peKindOf(c).prepareLayer(c, x, w);
    EXPECT_FALSE(o.weightCoding || o.dataCoding || o.inputs || o.weights);
    EXPECT_EQ(o.stepSlot, 0);
}

TEST(ArrayFromConfig, MemoryBandwidthPerCycle) {
    const MemorySpec m = memorySpecFromConfig(loadConfig(kDefault, {"dram.bandwidth_gb_per_s=12.8", "clock_mhz=200"}));
    EXPECT_DOUBLE_EQ(m.dramBytesPerCycle, 64.0);  // 12.8e9 B/s / 200e6 cycles/s
    EXPECT_DOUBLE_EQ(m.dataBufferBytes, 256 * 1024.0);
}

TEST(TrPeSlot, BoundsFromBothOperands) {
    const OperandCoding w{8, Encoding::Hese, 8, 12};
    // Data per value (g=1, k=3): 12 weight terms x 3 data terms.
    EXPECT_EQ(TrPe::slotPairs(w, {8, Encoding::Hese, 1, 3}), 36);
    // No budgets: 8 elements x 6 x 6 (8-bit HESE has at most 6 terms: 219 = 0b11011011
    // -> +2^8 -2^6 +2^5 -2^3 +2^2 -2^0).
    EXPECT_EQ(TrPe::slotPairs({8, Encoding::Hese, 8, std::nullopt}, {8, Encoding::Hese, 1, std::nullopt}), 288);
    // Aligned data group of 8 with budget 4: at most 4 data terms over the weight group, each
    // meeting <= 6 weight terms of its element: 24, less than 12 x 4 = 48.
    EXPECT_EQ(TrPe::slotPairs(w, {8, Encoding::Hese, 8, 4}), 24);
    // Data groups of 3 against weight groups of 8: a weight group overlaps up to 4 data groups
    // (elements 16..23 touch groups 5, 6, 7): 4 x 2 = 8 data terms x 6 = 48 > 12 x 2 = 24.
    EXPECT_EQ(TrPe::slotPairs(w, {8, Encoding::Hese, 3, 2}), 24);
    EXPECT_EQ(TrPe::slotPairs({8, Encoding::Hese, 8, 40}, {8, Encoding::Hese, 3, 1}), 4 * 1 * 6);
    // Binary 8-bit, no budgets: 8 x 8 x 8.
    EXPECT_EQ(TrPe::slotPairs({8, Encoding::Binary, 8, std::nullopt}, {8, Encoding::Binary, 1, std::nullopt}), 512);
}

}  // namespace
}  // namespace trsim
