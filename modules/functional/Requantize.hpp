// Conventional quantization (QT) at b magnitude bits, applied to a trace's
// integers (the project's contract 1, shared with the Python accuracy scorer,
// which must give the same integers):
//   m = max|q| over the tensor, L = bit length of m (0 for m = 0),
//   s = max(0, L - b),
//   q' = sign(q) * min((|q| + (s > 0 ? 2^(s-1) : 0)) >> s, 2^b - 1)
// i.e. round half away from zero, then clamp to b magnitude bits; the tensor's
// scale becomes scale * 2^s, so q' * 2^s approximates q.
#pragma once
#include <cstdint>

#include "modules/functional/OperandTensor.hpp"

namespace trsim {

// Bits needed for a magnitude: 0 for 0, 1 for 1, 8 for 255.
int bitLength(int64_t magnitude);

// The largest |v| of a tensor.
int64_t largestMagnitude(const OperandTensor& t);

// s = max(0, L - bits) for a tensor whose largest magnitude is `largest`.
int requantizeShift(int64_t largest, int bits);

// One value at shift s and b magnitude bits (the rule above).
int64_t requantizeValue(int64_t q, int shift, int bits);

struct Requantized {
    OperandTensor values;  // q' for every element, same shape
    int shift = 0;     // s: the operand's scale is multiplied by 2^s
};

// The whole tensor at `bits` magnitude bits (2..16).
Requantized requantize(const OperandTensor& t, int bits);

}  // namespace trsim
