// Operand storage in bits (OperandStorage.hpp) and the traffic and arithmetic
// energy that follow it, worked by hand.
#include <gtest/gtest.h>

#include "modules/memory/MemorySystem.hpp"
#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/PrecisionEnergy.hpp"
#include "sim/config/Config.hpp"
#include "tests/support/SmallOperands.hpp"

namespace trsim {
namespace {

using testing_support::row;
using testing_support::wsFold;

TEST(OperandStorage, BinaryValuesPackAtTheLayersPrecisionWithASignBitIfNeeded) {
    EXPECT_EQ(packedBinaryBits(row({-127, 3, 127})), 8);  // symmetric int8: 7 magnitude bits + sign
    EXPECT_EQ(packedBinaryBits(row({0, 255, 17})), 8);    // post-ReLU uint8
    EXPECT_EQ(packedBinaryBits(row({-15, 0, 9})), 5);     // QT at 4 bits, signed
    EXPECT_EQ(packedBinaryBits(row({0, 15})), 4);         // QT at 4 bits, post-ReLU
    EXPECT_EQ(packedBinaryBits(row({0, 0})), 1);          // nothing to store still takes a bit
    EXPECT_EQ(packedBinaryBits(row({-1})), 2);
}

TEST(OperandStorage, TrWeightsStoreTheirBudgetOfTermSlots) {
    // HESE 8-bit reaches exponent 8: 9 exponents + "empty" = 10 codes, 4 bits;
    // index in a group of 8: 3 bits; sign 1 bit. 12 slots x 8 bits per 8 weights.
    EXPECT_DOUBLE_EQ(keptTermBitsPerValue({8, Encoding::Hese, 8, 12}), 12.0);
    EXPECT_DOUBLE_EQ(keptTermBitsPerValue({8, Encoding::Hese, 8, 4}), 4.0);
    // Binary 8-bit: exponents 0..7 + empty = 9 codes, 4 bits; g = 1 needs no index.
    EXPECT_DOUBLE_EQ(keptTermBitsPerValue({8, Encoding::Binary, 1, 3}), 3 * 5.0);
    // g = 16: 4 index bits; HESE 4-bit reaches exponent 4: 6 codes, 3 bits.
    EXPECT_DOUBLE_EQ(keptTermBitsPerValue({4, Encoding::Hese, 16, 8}), 8 * (1 + 3 + 4) / 16.0);
    EXPECT_THROW(keptTermBitsPerValue({8, Encoding::Hese, 8, std::nullopt}), std::invalid_argument);
}

TEST(OperandStorage, PackedBytesRoundUpOnlyOnce) {
    EXPECT_EQ(packedBytes(1000, 8), 1000);
    EXPECT_EQ(packedBytes(1000, 4), 500);
    EXPECT_EQ(packedBytes(1000, 5), 625);
    EXPECT_EQ(packedBytes(3, 5), 2);  // 15 bits
    EXPECT_EQ(packedBytes(8, 12), 12);
}

TEST(OperandStorage, TrafficFollowsTheStoredWidths) {
    MemorySystem mem(MemorySpec{}, ArrayDataflow::WeightStationary);
    // 5-bit weights (QT 4 bits, signed), 4-bit data (QT 4 bits, post-ReLU).
    mem.startJob(/*M=*/100, /*K=*/64, /*N=*/64, /*rowFolds=*/2, StoredWidths{5, 4});
    const FoldTraffic t = mem.foldTraffic(wsFold(0, 0, 32, 32));
    EXPECT_EQ(t.dramReadBytes, 32 * 32 * 5 / 8 + 100 * 32 * 4 / 8);  // 640 + 1600
    // Buffer words are 64-bit words of packed values; sums stay 32-bit.
    EXPECT_EQ(t.sramWriteWords, 640 / 8 + 1600 / 8 + 100 * 32 * 4 / 8);
    EXPECT_EQ(t.sramReadWords, 640 / 8 + 1600 / 8);  // the sums stay for the next reduction fold
    // The same fold at 8 bits moves 1.6x and 2x the operand bytes.
    mem.startJob(100, 64, 64, 2, StoredWidths{8, 8});
    EXPECT_EQ(mem.foldTraffic(wsFold(0, 0, 32, 32)).dramReadBytes, 32 * 32 + 100 * 32);
}

TEST(OperandStorage, NarrowDataStaysOnChipWhereEightBitDataWouldNot) {
    MemorySpec spec;
    spec.dataBufferBytes = 4000;  // X = 100 x 64 values: 6400 B at 8 bits, 3200 B at 4 bits
    MemorySystem mem(spec, ArrayDataflow::WeightStationary);
    mem.startJob(100, 64, 64, 2, StoredWidths{8, 8});
    EXPECT_EQ(mem.foldTraffic(wsFold(0, 1, 32, 32)).dramReadBytes, 32 * 32 + 100 * 32);  // X refetched
    mem.startJob(100, 64, 64, 2, StoredWidths{8, 4});
    EXPECT_EQ(mem.foldTraffic(wsFold(0, 1, 32, 32)).dramReadBytes, 32 * 32);  // X resident
}

// pJ of `macs` MACs at aBits x bBits, from the table's anchors.
double macPj(int aBits, int bBits) {
    EnergyTable t;
    t.entries["multiply_8b"].value = 0.2;
    t.entries["add_32b"].value = 0.1;
    double pj = 0;
    for (const EnergyAction& a : macEnergyActions(1, aBits, bBits)) {
        EXPECT_EQ(a.component, EnergyComponent::PeCompute);
        pj += a.count * a.scale * t.pj(a.entry);
    }
    return pj;
}

TEST(PrecisionEnergy, MacScalesFromTheHorowitzAnchors) {
    EXPECT_DOUBLE_EQ(macPj(8, 8), 0.3);                     // 8b mult + 32b add
    EXPECT_DOUBLE_EQ(macPj(32, 32) - 0.1 * 80 / 32, 3.2);  // multiplier part; Horowitz: 3.1 pJ
    EXPECT_DOUBLE_EQ(macPj(4, 4), 0.05 + 0.1 * 24 / 32);   // 4x4 mult + 24-bit accumulator
    EXPECT_DOUBLE_EQ(macPj(6, 6), 0.2 * 36 / 64 + 0.1 * 28 / 32);
    EXPECT_EQ(macAccumulatorBits(8, 8), 32);
    for (int a = 2; a < 16; ++a) EXPECT_LT(macPj(a, 8), macPj(a + 1, 8)) << a;
}

}  // namespace
}  // namespace trsim
