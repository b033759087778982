// How operands are stored in DRAM and the on-chip buffers, in bits per value,
// so traffic follows precision:
//  - binary values are packed at the layer's precision: the bits of the
//    tensor's largest magnitude plus a sign bit if any value is negative
//    (int8 weights: 7 + 1 = 8; post-ReLU uint8 data: 8; QT at b bits: b + 1
//    for signed weights, b for post-ReLU data). A layer's precision is known
//    when its weights are quantized (offline) and when its data format is
//    fixed by the layer before it, as in per-layer-precision designs (Stripes).
//  - weights with a TR group budget are stored as their kept terms, revealed
//    offline: every group of g values has exactly k term slots (fixed size, so
//    addresses stay static), each slot a sign bit, an exponent field with one
//    code left for "empty slot" and the index of its value in the group:
//    k * (1 + bitLength(maxExponent + 1) + ceil(log2 g)) bits per g values.
//    HESE 8-bit, g = 8, k = 12: 12 * (1 + 4 + 3) / 8 = 12 bits per weight,
//    more than the 8 of binary storage; k = 4: 4 bits per weight.
//  - data is always stored as binary values: TR of data happens in the data
//    path in front of the array, after the buffers.
// Partial sums that spill across reduction folds stay 32-bit; a layer's final
// outputs leave at `outputBits` (operands.outputs.precision, resolved per layer
// by sim/run/OutputPrecision.hpp): the array's output stage requantizes them to
// the next layer's data width before they are written.
#pragma once
#include "modules/functional/OperandTensor.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {

struct StoredWidths {
    double weightBits = 8;  // bits per stored weight
    double dataBits = 8;    // bits per stored data value
    double outputBits = 32; // bits per final output value written out of the array
};

// Bits per value of a tensor packed at its precision (at least 1).
int packedBinaryBits(const OperandTensor& t);

// Bits per value of weights stored as k term slots per group (coding.budget set).
double keptTermBitsPerValue(const OperandCoding& coding);

// Bytes that `values` values of `bitsPerValue` bits occupy, packed.
int64_t packedBytes(int64_t values, double bitsPerValue);

}  // namespace trsim
