// Plain integer reference arithmetic that every simulated layer is checked
// against. Conventions (also the trace format's):
//   fc / GEMM:  X [M,K] (data), W [N,K] (weights)            -> Y [M,N]
//   conv:       X [B,C,H,W], W [N,C/groups,KH,KW]             -> Y [B,N,OH,OW]
// The reduction dimension K of a convolution is ordered (kh, kw, c) with the
// input channel fastest, so TR groups of consecutive values span input channels
// as in the TR paper.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "modules/functional/IntTensor.hpp"
#include "modules/functional/OperandTensor.hpp"
#include "modules/functional/RevealedOperand.hpp"
#include "modules/functional/TermReveal.hpp"

namespace trsim {

struct ConvParams {
    int strideH = 1, strideW = 1;
    int padH = 0, padW = 0;
    int groups = 1;
};

// Y[m][n] = sum_k X[m][k] * W[n][k], exactly (ExactGemm).
IntTensor gemmReference(const OperandTensor& x, const OperandTensor& w);

// Convolution, zero padding, exactly: im2col row blocks times the weights (ExactGemm).
IntTensor conv2dReference(const OperandTensor& x, const OperandTensor& w, const ConvParams& p);

// Output height/width of a convolution; throws if the kernel does not fit.
int64_t convOutputSize(int64_t in, int64_t kernel, int stride, int pad);

// Lowering of a convolution into one GEMM per channel group (im2col), each matrix at
// its operand's width.
struct LoweredConv {
    std::vector<OperandTensor> x;  // per group: [B*OH*OW, KH*KW*Cg], row m = (b, oh, ow)
    std::vector<OperandTensor> w;  // per group: [Ng, KH*KW*Cg]
    int64_t batch = 0, outH = 0, outW = 0, outChannels = 0;
};
// Along one axis of a convolution (`in` input positions, `out` outputs, a kernel of `kernel` taps): how
// many (output, tap) pairs read input position i, so im2col copies input value (iy, ix) rowUses[iy] x
// colUses[ix] times (0: a position the stride skips).
std::vector<int64_t> im2colUses(int64_t in, int64_t kernel, int64_t out, int stride, int pad);
// lowerData false: the weights only (x holds a [0, K] tensor per group).
LoweredConv lowerConv(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, bool lowerData = true);
// Channel group `group`'s im2col data revealed with `coding`, whose TR groups must be single values
// (std::invalid_argument otherwise): each input value is revealed once and its value after TR and kept
// terms lowered wherever im2col puts it, instead of revealing every copy. Equal, value for value and in
// every total, to RevealedOperand(lowerConv(x, w, p).x[group], coding, TermStorage::CountsOnly).
RevealedOperand revealConvData(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, int group,
                               const OperandCoding& coding);
// Channel group `group`'s weight matrix [Ng, KH*KW*Cg] (lowerConv's w[group]), widened.
IntTensor lowerConvWeights(const OperandTensor& w, const ConvParams& p, int group);
// Rows [m0, m0 + rows) of channel group `group`'s im2col matrix (lowerConv's x[group]),
// widened, so a pass over a large layer's data can hold a block of it at a time.
IntTensor lowerConvRows(const OperandTensor& x, const OperandTensor& w, const ConvParams& p, int group, int64_t m0,
                        int64_t rows);
// Inverse of the output side of lowerConv: per-group [M, Ng] results -> [B,N,OH,OW].
IntTensor raiseConvOutput(const std::vector<IntTensor>& perGroup, const LoweredConv& shape);

// TR applied to every row of a [rows, K] operand, groups running along K.
IntTensor revealRows(const IntTensor& a, const OperandCoding& coding);

// A layer's weights already lowered and revealed, one operand per channel group ([Ng, KH*KW*Cg], lowerConv's
// w[group]; fc: one [N, K]), as the array's controller prepared them (modules/array/SharedWeights.hpp).
using RevealedWeights = std::vector<std::shared_ptr<const RevealedOperand>>;

// GEMM with optional TR on each operand (nullopt = exact operand). `revealed`: the weights after
// weightTr, given instead of revealing them here; throws std::invalid_argument if its shape differs.
IntTensor gemmWithTr(const OperandTensor& x, const OperandTensor& w, const std::optional<OperandCoding>& dataTr,
                     const std::optional<OperandCoding>& weightTr, const RevealedWeights* revealed = nullptr);

// Convolution with optional TR on each operand: the same TR groups as lowerConv's
// GEMMs, computed through its own im2col blocks (not lowerConv, which the array uses).
// `revealed` as gemmWithTr's, a group each.
IntTensor conv2dWithTr(const OperandTensor& x, const OperandTensor& w, const ConvParams& p,
                       const std::optional<OperandCoding>& dataTr, const std::optional<OperandCoding>& weightTr,
                       const RevealedWeights* revealed = nullptr);

}  // namespace trsim
