// Packed mapping of depthwise convolutions (mapping.depthwise: packed). A
// depthwise layer lowered per channel is C tiny GEMMs (K = KH*KW taps, N =
// filters per channel), each a fold that uses a sliver of the array. Packed, P
// channels share one GEMM: channel p's taps occupy reduction columns
// [p*S, p*S + taps) of the data matrix (S, the tap stride, pads each channel to
// a whole number of PE slices and TR groups) and its filters' weights sit in the
// same columns of their rows, zero elsewhere (block diagonal), so one fold
// serves P channels and its output columns are P channels' outputs in order.
//
// TR groups: S is a multiple of the reduction per PE and of both operands' TR
// group sizes, so no weight group and no data group spans two channels; each
// channel's groups start at its first tap, exactly as in its own GEMM, and the
// padding zeros have no terms. Outputs, kept terms and term pairs are therefore
// those of the per-channel mapping; only the folds, and the cycles, differ.
#pragma once
#include <cstdint>
#include <optional>

#include "modules/array/ArraySpec.hpp"
#include "modules/functional/Reference.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {

struct DepthwisePlan {
    int64_t channelsPerGemm = 1;  // P
    int64_t tapStride = 0;        // S
};

// True for a grouped convolution with one input channel per group.
bool isDepthwise(const OperandTensor& weights, const ConvParams& p);

// P and S for `taps` reduction values and `filters` output channels per input
// channel on `array`: as many channels as the array's rows hold (weight
// stationary: P*S/reductionPerPe <= rows) and its columns hold (P*filters <= cols).
DepthwisePlan planDepthwise(int64_t taps, int64_t filters, const ArraySpec& array,
                            const std::optional<OperandCoding>& data, const std::optional<OperandCoding>& weights);

// The packed GEMM operands of channels [first, first + count) of a lowered
// depthwise convolution: X [M, count*S], W [count*filters, count*S].
struct PackedGemm {
    OperandTensor x, w;
};
PackedGemm packDepthwise(const LoweredConv& lowered, int64_t first, int64_t count, int64_t tapStride);

}  // namespace trsim
