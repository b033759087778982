#include "modules/memory/OperandStorage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "modules/functional/Encoding.hpp"
#include "modules/functional/Requantize.hpp"

namespace trsim {

int packedBinaryBits(const OperandTensor& t) {
    const auto [lo, hi] = t.range();
    return std::max(1, bitLength(std::max(-lo, hi)) + (lo < 0 ? 1 : 0));
}

double keptTermBitsPerValue(const OperandCoding& c) {
    if (!c.budget) throw std::invalid_argument("keptTermBitsPerValue: the coding has no group budget");
    const int exponentField = bitLength(maxExponent(c.encoding, c.bits) + 1);  // exponents 0..max and "empty"
    const int indexField = bitLength(c.groupSize - 1);                         // ceil(log2 g)
    return static_cast<double>(*c.budget) * (1 + exponentField + indexField) / c.groupSize;
}

int64_t packedBytes(int64_t values, double bitsPerValue) {
    return static_cast<int64_t>(std::ceil(static_cast<double>(values) * bitsPerValue / 8.0 - 1e-9));
}

}  // namespace trsim
