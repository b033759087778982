// What a kind's hardware profiles from its operands before a layer runs.
#pragma once
#include <algorithm>
#include <cstdint>

#include "modules/functional/OperandTensor.hpp"
#include "modules/functional/Requantize.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {

// Bits the largest magnitude of `t` needs (at least 1): the per-layer
// precision a bit-serial PE streams (Stripes' profiled precision).
inline int magnitudeBits(const OperandTensor& t) {
    const int64_t largest = largestMagnitude(t);
    int bits = 1;
    while ((largest >> bits) != 0) ++bits;
    return bits;
}

// Every term of every value, in the operand's encoding: how term-serial PEs
// without a budget (laconic, pragmatic) see their operands.
inline OperandCoding everyTerm(const OperandCoding& o) { return OperandCoding{o.bits, o.encoding, 1, std::nullopt}; }

}  // namespace trsim
