// DNA-TEQ-style exponential quantization (arXiv 2306.16430): a nonzero value is
// sign * (scale * base^e + offset) for an integer exponent e in
// [0, 2^exponentBits - 2] (one code is kept for zero), so a product of two
// values is dominated by base^(e_w + e_x): the PE adds exponents instead of
// multiplying. The parameters are fitted per tensor, as DNA-TEQ does offline
// for weights and per layer for activations.
//
// trsim keeps integer operands, so each level is rounded to an integer; the
// simulated layer computes exactly with these quantized integers.
#pragma once
#include <cstdint>
#include <vector>

#include "modules/functional/IntTensor.hpp"

namespace trsim {

struct ExponentialLevels {
    double base = 2;
    double scale = 1;
    double offset = 0;
    int exponentBits = 4;
    std::vector<int64_t> levels;  // increasing magnitudes, one per exponent
};

// Fits base, scale and offset to the tensor's nonzero magnitudes (least squared
// error over a grid of bases and offsets; deterministic).
ExponentialLevels fitExponentialLevels(const IntTensor& t, int exponentBits);

// Every value replaced by sign * the nearest level (or 0 when 0 is nearer).
IntTensor quantizeExponential(const IntTensor& t, const ExponentialLevels& levels);

// Both steps: the tensor quantized with levels fitted to it.
IntTensor quantizeExponentialFitted(const IntTensor& t, int exponentBits);

}  // namespace trsim
