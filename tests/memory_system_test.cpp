// The buffers and DRAM model alone: bytes and words per fold, worked by hand.
#include <gtest/gtest.h>

#include "modules/memory/MemorySystem.hpp"
#include "tests/support/SmallOperands.hpp"

namespace trsim {
namespace {

using testing_support::wsFold;

TEST(MemorySystem, WeightStationaryWithEverythingResident) {
    MemorySpec spec;  // 256 KiB data buffer, 128 KiB output buffer, 1-byte operands
    MemorySystem mem(spec, ArrayDataflow::WeightStationary);
    mem.startJob(/*M=*/100, /*K=*/64, /*N=*/64, /*rowFolds=*/2);
    // First fold: weights 32x32 B, data 100x32 B, partial sums stay on chip (not the last reduction fold).
    FoldTraffic t = mem.foldTraffic(wsFold(0, 0, 32, 32));
    EXPECT_EQ(t.dramReadBytes, 32 * 32 + 100 * 32);
    EXPECT_EQ(t.dramWriteBytes, 0);
    // Second reduction fold of the same columns: the 32-bit sums go out once at the end.
    t = mem.foldTraffic(wsFold(1, 0, 32, 32));
    EXPECT_EQ(t.dramReadBytes, 32 * 32 + 100 * 32);
    EXPECT_EQ(t.dramWriteBytes, 100 * 32 * 4);
    // Next column fold: X (100x64 = 6.4 KB) is still on chip, only weights come in.
    t = mem.foldTraffic(wsFold(0, 1, 32, 32));
    EXPECT_EQ(t.dramReadBytes, 32 * 32);
    // Buffer words: weights written once and read once, data read (it stayed); the sums written
    // and kept (not read out: nothing of this fold goes to DRAM).
    EXPECT_EQ(t.sramWriteWords, 32 * 32 / 8 + 100 * 32 * 4 / 8);
    EXPECT_EQ(t.sramReadWords, 32 * 32 / 8 + 100 * 32 / 8);
    EXPECT_EQ(t.sramReadsByBuffer.weights, 32 * 32 / 8);
    EXPECT_EQ(t.sramReadsByBuffer.data, 100 * 32 / 8);
    EXPECT_EQ(t.sramReadsByBuffer.outputs, 0);
    EXPECT_EQ(t.sramWritesByBuffer.outputs, 100 * 32 * 4 / 8);
}

TEST(MemorySystem, SmallBuffersRefetchDataAndSpillSums) {
    MemorySpec spec;
    spec.dataBufferBytes = 1024;    // X (100 x 64) does not fit
    spec.outputBufferBytes = 1024;  // a 100 x 32 tile of sums does not fit
    MemorySystem mem(spec, ArrayDataflow::WeightStationary);
    mem.startJob(100, 64, 64, 2);
    const FoldTraffic t = mem.foldTraffic(wsFold(1, 1, 32, 32));
    EXPECT_EQ(t.dramReadBytes, 32 * 32 + 100 * 32 + 100 * 32 * 4);  // weights, data again, partial sums back
    EXPECT_EQ(t.dramWriteBytes, 100 * 32 * 4);
}

TEST(MemorySystem, OutputStationaryKeepsTheWeightTileAcrossRowFolds) {
    MemorySpec spec;
    MemorySystem mem(spec, ArrayDataflow::OutputStationary);
    mem.startJob(100, 64, 64, 4);
    FoldShape f;
    f.rowFold = 1;
    f.colFold = 0;
    f.rowsUsed = 32;
    f.colsUsed = 32;
    FoldTraffic t = mem.foldTraffic(f);
    EXPECT_EQ(t.dramReadBytes, 32 * 64);  // the filter tile is on chip; these 32 data rows are new
    EXPECT_EQ(t.dramWriteBytes, 32 * 32 * 4);
    f.colFold = 1;
    f.rowFold = 0;
    t = mem.foldTraffic(f);
    EXPECT_EQ(t.dramReadBytes, 32 * 64);  // a new filter tile; X (6.4 KB) stayed on chip
}

// operands.outputs.precision: the last reduction fold's sums leave through the output stage at the
// output width; sums between reduction folds stay 32-bit, on chip or spilled.
TEST(MemorySystem, FinalOutputsLeaveAtTheOutputWidthAndSpilledSumsStayWide) {
    for (const double bits : {32.0, 8.0, 4.0}) {
        MemorySpec spec;
        spec.outputBufferBytes = 1024;  // a 100 x 32 tile of 32-bit sums (12.8 KB) spills
        MemorySystem mem(spec, ArrayDataflow::WeightStationary);
        mem.startJob(100, 64, 64, 2, StoredWidths{8, 8, bits});
        const FoldTraffic first = mem.foldTraffic(wsFold(0, 0, 32, 32));
        EXPECT_EQ(first.dramWriteBytes, 100 * 32 * 4) << bits;  // spilled partial sums: 32-bit
        EXPECT_EQ(first.outputsRequantized, 0) << bits;
        const FoldTraffic last = mem.foldTraffic(wsFold(1, 0, 32, 32));
        EXPECT_EQ(last.dramReadBytes, 32 * 32 + 100 * 32 + 100 * 32 * 4) << bits;  // the spilled sums come back
        EXPECT_EQ(last.dramWriteBytes, static_cast<int64_t>(100 * 32 * bits / 8)) << bits;  // 12800, 3200, 1600
        EXPECT_EQ(last.arrayByOperand.outputs, static_cast<int64_t>(100 * 32 * bits / 8)) << bits;
        EXPECT_EQ(last.sramWritesByBuffer.outputs, 100 * 32 * 4 / 8 + static_cast<int64_t>(100 * 32 * bits / 64)) << bits;
        EXPECT_EQ(last.outputsRequantized, bits < 32 ? 100 * 32 : 0) << bits;
        EXPECT_EQ(last.arrayValues.outputs, 100 * 32);  // SCALE-Sim's OFMAP words: values, whatever their width
    }
    MemorySystem os(MemorySpec{}, ArrayDataflow::OutputStationary);  // every fold's outputs are final
    os.startJob(100, 64, 64, 4, StoredWidths{8, 8, 6});
    FoldShape f;
    f.rowsUsed = 32;
    f.colsUsed = 32;
    EXPECT_EQ(os.foldTraffic(f).dramWriteBytes, 32 * 32 * 6 / 8);
    EXPECT_EQ(os.foldTraffic(f).outputsRequantized, 32 * 32);
}

TEST(MemorySystem, DramCyclesRoundUp) {
    MemorySpec spec;
    spec.dramBytesPerCycle = 64;
    MemorySystem mem(spec, ArrayDataflow::WeightStationary);
    EXPECT_EQ(mem.dramCycles(0), 0);
    EXPECT_EQ(mem.dramCycles(64), 1);
    EXPECT_EQ(mem.dramCycles(65), 2);
}

}  // namespace
}  // namespace trsim
