#include "sim/run/QuantizedOperands.hpp"

#include "modules/functional/Requantize.hpp"

namespace trsim {

QuantizedOperands::QuantizedOperands(const TraceLayer& layer, const QuantizeConfig& quantize)
    : traceWeights_(&layer.weights), traceInputs_(&layer.inputs) {
    if (quantize.weightBits) {
        Requantized r = requantize(layer.weights, *quantize.weightBits);
        weights_ = std::move(r.values);
        weightShift_ = r.shift;
    }
    if (quantize.dataBits) {
        Requantized r = requantize(layer.inputs, *quantize.dataBits);
        inputs_ = std::move(r.values);
        dataShift_ = r.shift;
    }
}

IntTensor QuantizedOperands::scaledToTrace(const IntTensor& output) const {
    IntTensor scaled = output;
    const int shift = weightShift_ + dataShift_;
    for (int64_t& v : scaled.data) v *= int64_t{1} << shift;
    return scaled;
}

int64_t largestMagnitudeAfterQuantization(const OperandTensor& t, const std::optional<int>& bits) {
    const int64_t most = largestMagnitude(t);
    return bits ? requantizeValue(most, requantizeShift(most, *bits), *bits) : most;
}

}  // namespace trsim
