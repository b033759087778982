#include "sim/run/OutputPrecision.hpp"

#include "modules/memory/OperandStorage.hpp"
#include "modules/pe/PeKind.hpp"
#include "sim/config/ArrayFromConfig.hpp"

namespace trsim {

double storedDataBitsOf(const SimConfig& c, const QuantizedOperands& layer) {
    return peKindOf(c).storedDataBits(c).value_or(packedBinaryBits(layer.inputs()));
}

std::vector<double> layerOutputBits(const std::vector<const SimConfig*>& configs, const std::vector<TraceLayer>& layers,
                                    const std::vector<QuantizedOperands>& ops) {
    std::vector<double> bits(ops.size(), 32.0);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const SimConfig& c = *configs[i];
        const std::size_t next = i + 1 < ops.size() ? i + 1 : i;
        switch (c.outputPrecision.kind) {
            case OutputPrecisionKind::PartialSums: break;
            case OutputPrecisionKind::Bits: bits[i] = c.outputPrecision.bits; break;
            case OutputPrecisionKind::NextLayer:
                bits[i] = layers[i].nextLayerDataBits > 0 ? layers[i].nextLayerDataBits
                                                          : storedDataBitsOf(*configs[next], ops[next]);
                break;
        }
    }
    return bits;
}

}  // namespace trsim
