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
    // Buffer words: weights and data written once and read once; sums read-modify-written.
    EXPECT_EQ(t.sramWriteWords, 32 * 32 / 8 + 100 * 32 * 4 / 8);
    EXPECT_EQ(t.sramReadWords, 32 * 32 / 8 + 100 * 32 / 8 + 100 * 32 * 4 / 8);
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
