// The operands a layer runs with: the trace's integers, or their QT
// re-quantization (operands.*.quantize_bits, modules/functional/Requantize.hpp)
// done once at load, with the shifts that scale the result back.
#pragma once
#include <optional>

#include "sim/config/Config.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

class QuantizedOperands {
public:
    QuantizedOperands(const TraceLayer& layer, const QuantizeConfig& quantize);

    const OperandTensor& weights() const { return weights_ ? *weights_ : *traceWeights_; }
    const OperandTensor& inputs() const { return inputs_ ? *inputs_ : *traceInputs_; }
    int weightShift() const { return weightShift_; }
    int dataShift() const { return dataShift_; }
    // An output of these operands times 2^(weightShift + dataShift) is comparable
    // with the trace's exact result (the operands' scales grew by these powers).
    IntTensor scaledToTrace(const IntTensor& output) const;
    // Frees the re-quantized values once nothing reads them (the shifts stay).
    void releaseRequantized() {
        weights_.reset();
        inputs_.reset();
    }

private:
    const OperandTensor* traceWeights_;
    const OperandTensor* traceInputs_;
    std::optional<OperandTensor> weights_, inputs_;  // only when re-quantized
    int weightShift_ = 0, dataShift_ = 0;
};

// The largest magnitude an operand tensor reaches after QT at `bits` (nullopt:
// no QT), without building the re-quantized tensor.
int64_t largestMagnitudeAfterQuantization(const OperandTensor& t, const std::optional<int>& bits);

}  // namespace trsim
