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
//    32-bit sums fits the output buffer, otherwise they spill to DRAM and back
//    (spilled sums stay 32-bit); the last reduction fold's sums pass the output
//    stage and are written at the layer's output width (StoredWidths::outputBits).
// Buffer traffic is counted per buffer (weights, data, outputs), as each buffer's
// access energy depends on its size.
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

// One kind of traffic split by operand (SCALE-Sim's IFMAP / FILTER / OFMAP columns):
// bytes, 64-bit words or values, as the field using it says.
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
    int64_t total() const { return weights + data + outputs; }
};

struct FoldTraffic {
    int64_t dramReadBytes = 0;
    int64_t dramWriteBytes = 0;
    int64_t sramReadWords = 0;   // 64-bit words, all buffers
    int64_t sramWriteWords = 0;  // 64-bit words, all buffers
    OperandBytes sramReadsByBuffer;   // 64-bit words read from the weight, data and output buffers
    OperandBytes sramWritesByBuffer;  // 64-bit words written to them
    OperandBytes dramByOperand;  // DRAM reads and writes of each operand (outputs: partial sums in and out)
    OperandBytes arrayByOperand; // bytes between the buffers and the array: weights and data read into it,
                                 // outputs (partial sums) written out of it
    OperandBytes dramValues;     // values behind dramByOperand (SCALE-Sim counts words, one per value)
    OperandBytes arrayValues;    // values behind arrayByOperand
    int64_t outputsRequantized = 0;  // final outputs through the output stage (outputBits < 32)

    FoldTraffic& operator+=(const FoldTraffic& o) {
        dramReadBytes += o.dramReadBytes;
        dramWriteBytes += o.dramWriteBytes;
        sramReadWords += o.sramReadWords;
        sramWriteWords += o.sramWriteWords;
        sramReadsByBuffer += o.sramReadsByBuffer;
        sramWritesByBuffer += o.sramWritesByBuffer;
        dramByOperand += o.dramByOperand;
        arrayByOperand += o.arrayByOperand;
        dramValues += o.dramValues;
        arrayValues += o.arrayValues;
        outputsRequantized += o.outputsRequantized;
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
