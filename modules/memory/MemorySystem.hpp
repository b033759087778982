// On-chip buffers (weights, data, outputs) and the off-chip DRAM channel that
// fills them. Per fold it works out the bytes moved and how long the DRAM needs
// for them; the array waits (stalls) when a fold's operands are not in yet.
//
// Buffers are double-buffered: the next fold's operands load while the current
// fold computes, so only DRAM time beyond the previous fold's compute stalls.
// Reuse across folds (WS, columns-of-filters outer loop, reduction inner):
//  - data: the layer's whole X stays on chip if it fits the data buffer,
//    otherwise each fold refetches its slice;
//  - partial sums: stay on chip across reduction folds if an [M, cols] tile of
//    32-bit sums fits the output buffer, otherwise they spill to DRAM and back.
// OS (filters outer, output rows inner): the filters' weight tile stays if it
// fits the weight buffer; data slices are refetched unless the whole X fits.
#pragma once
#include <cstdint>

#include "modules/array/ArraySpec.hpp"
#include "modules/array/SystolicArrayCore.hpp"
#include "modules/memory/OperandStorage.hpp"

namespace trsim {

struct MemorySpec {
    double weightBufferBytes = 256 * 1024;
    double dataBufferBytes = 256 * 1024;
    double outputBufferBytes = 128 * 1024;
    double dramBytesPerCycle = 64;  // bandwidth / clock
    int psumBytes = 4;              // 32-bit partial sums
};

// Bytes of one kind of traffic split by operand (SCALE-Sim's IFMAP / FILTER / OFMAP columns).
struct OperandBytes {
    int64_t weights = 0;
    int64_t data = 0;
    int64_t outputs = 0;  // partial sums / outputs

    OperandBytes& operator+=(const OperandBytes& o) {
        weights += o.weights;
        data += o.data;
        outputs += o.outputs;
        return *this;
    }
};

struct FoldTraffic {
    int64_t dramReadBytes = 0;
    int64_t dramWriteBytes = 0;
    int64_t sramReadWords = 0;   // 64-bit words
    int64_t sramWriteWords = 0;  // 64-bit words
    OperandBytes dramByOperand;  // DRAM reads and writes of each operand (outputs: partial sums in and out)
    OperandBytes arrayByOperand; // bytes between the buffers and the array: weights and data read into it,
                                 // outputs (partial sums) written out of it

    FoldTraffic& operator+=(const FoldTraffic& o) {
        dramReadBytes += o.dramReadBytes;
        dramWriteBytes += o.dramWriteBytes;
        sramReadWords += o.sramReadWords;
        sramWriteWords += o.sramWriteWords;
        dramByOperand += o.dramByOperand;
        arrayByOperand += o.arrayByOperand;
        return *this;
    }
};

class MemorySystem {
public:
    MemorySystem(const MemorySpec& spec, ArrayDataflow dataflow) : spec_(spec), dataflow_(dataflow) {}

    // Operands are stored at `widths` bits per value (OperandStorage.hpp).
    void startJob(int64_t M, int64_t K, int64_t N, int64_t rowFolds, const StoredWidths& widths = {});
    FoldTraffic foldTraffic(const FoldShape& fold) const;
    int64_t dramCycles(int64_t bytes) const;

private:
    MemorySpec spec_;
    ArrayDataflow dataflow_;
    int64_t M_ = 0, K_ = 0, N_ = 0, rowFolds_ = 1;
    StoredWidths widths_;
};

}  // namespace trsim
