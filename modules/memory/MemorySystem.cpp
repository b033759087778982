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
    if (dataflow_ == ArrayDataflow::WeightStationary) {
        const int64_t w = packedBytes(f.redLen * f.colsUsed, widths_.weightBits);
        const int64_t x = packedBytes(M_ * f.redLen, widths_.dataBits);
        const int64_t p = M_ * f.colsUsed * spec_.psumBytes;
        const bool psumResident = static_cast<double>(p) <= spec_.outputBufferBytes;
        const bool lastReduction = f.rowFold == rowFolds_ - 1;
        const bool fetchX = !xResident || f.colFold == 0;
        t.dramReadBytes = w + (fetchX ? x : 0) + (!psumResident && f.rowFold > 0 ? p : 0);
        t.dramWriteBytes = (psumResident && !lastReduction) ? 0 : p;
        // Buffers: written from DRAM, read into the array; partial sums read-modify-written.
        t.sramWriteWords = words64(w) + (fetchX ? words64(x) : 0) + words64(p);
        t.sramReadWords = words64(w) + words64(x) + (f.rowFold > 0 ? words64(p) : 0) + words64(p);
        t.dramByOperand = {w, fetchX ? x : 0, (!psumResident && f.rowFold > 0 ? p : 0) + t.dramWriteBytes};
        t.arrayByOperand = {w, x, p};
    } else {
        const int64_t w = packedBytes(f.colsUsed * K_, widths_.weightBits);
        const int64_t x = packedBytes(f.rowsUsed * K_, widths_.dataBits);
        const int64_t o = f.rowsUsed * f.colsUsed * spec_.psumBytes;
        const bool wResident = static_cast<double>(w) <= spec_.weightBufferBytes;
        const bool fetchW = !wResident || f.rowFold == 0;
        const bool fetchX = !xResident || f.colFold == 0;
        t.dramReadBytes = (fetchW ? w : 0) + (fetchX ? x : 0);
        t.dramWriteBytes = o;
        t.sramWriteWords = (fetchW ? words64(w) : 0) + (fetchX ? words64(x) : 0) + words64(o);
        t.sramReadWords = words64(w) + words64(x) + words64(o);
        t.dramByOperand = {fetchW ? w : 0, fetchX ? x : 0, o};
        t.arrayByOperand = {w, x, o};
    }
    return t;
}

}  // namespace trsim
