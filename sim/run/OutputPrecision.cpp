#include "sim/run/OutputPrecision.hpp"

#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"

namespace trsim {

double storedDataBitsOf(const SimConfig& c, const QuantizedOperands& layer) {
    return peKindOf(c).storedDataBits(c).value_or(packedBinaryBits(layer.inputs()));
}

std::vector<double> layerOutputBits(const SimConfig& c, const std::vector<QuantizedOperands>& layers) {
    std::vector<double> bits(layers.size(), 32.0);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        switch (c.outputPrecision.kind) {
            case OutputPrecisionKind::PartialSums: break;
            case OutputPrecisionKind::Bits: bits[i] = c.outputPrecision.bits; break;
            case OutputPrecisionKind::NextLayer:
                bits[i] = storedDataBitsOf(c, layers[i + 1 < layers.size() ? i + 1 : i]);
                break;
        }
    }
    return bits;
}

}  // namespace trsim
