#include "modules/memory/MemorySystem.hpp"

#include <cmath>

namespace trsim {
namespace {

int64_t words64(int64_t bytes) { return (bytes + 7) / 8; }

}  // namespace

void MemorySystem::startJob(int64_t M, int64_t K, int64_t N, int64_t rowFolds, const StoredWidths& widths) {
    widths_ = widths;
    M_ = M;
    K_ = K;
    N_ = N;
    rowFolds_ = rowFolds;
}

int64_t MemorySystem::dramCycles(int64_t bytes) const {
    return static_cast<int64_t>(std::ceil(static_cast<double>(bytes) / spec_.dramBytesPerCycle));
}

FoldTraffic MemorySystem::foldTraffic(const FoldShape& f) const {
    FoldTraffic t;
    const bool xResident = static_cast<double>(packedBytes(M_ * K_, widths_.dataBits)) <= spec_.dataBufferBytes;
    // Outputs below 32 bits pass the output stage (requantized); 32-bit outputs leave as they are.
    const bool requantize = widths_.outputBits < 8.0 * spec_.psumBytes;
    if (dataflow_ == ArrayDataflow::WeightStationary) {
        const int64_t wValues = f.redLen * f.colsUsed, xValues = M_ * f.redLen, pValues = M_ * f.colsUsed;
        const int64_t w = packedBytes(wValues, widths_.weightBits);
        const int64_t x = packedBytes(xValues, widths_.dataBits);
        const int64_t p = pValues * spec_.psumBytes;                  // 32-bit partial sums
        const bool psumResident = static_cast<double>(p) <= spec_.outputBufferBytes;
        const bool lastReduction = f.rowFold == rowFolds_ - 1;
        const int64_t out = lastReduction ? packedBytes(pValues, widths_.outputBits) : p;  // what the array writes
        const bool fetchX = !xResident || f.colFold == 0;
        const bool readBack = !psumResident && f.rowFold > 0;        // spilled sums come back
        const bool writeOut = lastReduction || !psumResident;         // final outputs, or spilled sums
        t.dramReadBytes = w + (fetchX ? x : 0) + (readBack ? p : 0);
        t.dramWriteBytes = writeOut ? out : 0;
        // Buffers: operands written from DRAM and read into the array; partial sums
        // read back into the array (rowFold > 0) and written by it; what goes to
        // DRAM is read out of the output buffer once more.
        t.sramWritesByBuffer = {words64(w), fetchX ? words64(x) : 0, (readBack ? words64(p) : 0) + words64(out)};
        t.sramReadsByBuffer = {words64(w), words64(x), (f.rowFold > 0 ? words64(p) : 0) + (writeOut ? words64(out) : 0)};
        t.dramByOperand = {w, fetchX ? x : 0, (readBack ? p : 0) + t.dramWriteBytes};
        t.arrayByOperand = {w, x, out};
        t.dramValues = {wValues, fetchX ? xValues : 0, (readBack ? pValues : 0) + (writeOut ? pValues : 0)};
        t.arrayValues = {wValues, xValues, pValues};
        t.outputsRequantized = lastReduction && requantize ? pValues : 0;
    } else {
        // The whole reduction runs in the PEs: every fold's outputs are final.
        const int64_t wValues = f.colsUsed * K_, xValues = f.rowsUsed * K_, oValues = f.rowsUsed * f.colsUsed;
        const int64_t w = packedBytes(wValues, widths_.weightBits);
        const int64_t x = packedBytes(xValues, widths_.dataBits);
        const int64_t o = packedBytes(oValues, widths_.outputBits);
        const bool wResident = static_cast<double>(w) <= spec_.weightBufferBytes;
        const bool fetchW = !wResident || f.rowFold == 0;
        const bool fetchX = !xResident || f.colFold == 0;
        t.dramReadBytes = (fetchW ? w : 0) + (fetchX ? x : 0);
        t.dramWriteBytes = o;
        t.sramWritesByBuffer = {fetchW ? words64(w) : 0, fetchX ? words64(x) : 0, words64(o)};
        t.sramReadsByBuffer = {words64(w), words64(x), words64(o)};
        t.dramByOperand = {fetchW ? w : 0, fetchX ? x : 0, o};
        t.arrayByOperand = {w, x, o};
        t.dramValues = {fetchW ? wValues : 0, fetchX ? xValues : 0, oValues};
        t.arrayValues = {wValues, xValues, oValues};
        t.outputsRequantized = requantize ? oValues : 0;
    }
    t.sramReadWords = t.sramReadsByBuffer.total();
    t.sramWriteWords = t.sramWritesByBuffer.total();
    return t;
}

}  // namespace trsim
