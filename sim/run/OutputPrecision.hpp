// The one place operands.outputs.precision is resolved per layer: the bits per
// value a layer's outputs are written at when they leave the array.
//  - next_layer: the width the next layer of the run stores its data at (the
//    kind's data storage, else packed binary at that layer's precision after
//    QT: OperandStorage.hpp), so each layer writes its outputs at the width the
//    next one reads them at; the last layer of the run writes at its own data
//    width (as if a layer of the same precision followed; the authors'
//    relu_quantizer.v requantizes every layer's outputs to 8 bits). "Next" is
//    the trace's execution order, also under a layer selection: in graph networks a layer's consumers (residual adds,
//    squeeze-and-excitation branches) may be others, and the traces here keep
//    every layer's data at one width, so the two agree;
//  - partial_sums: 32 bits, no output stage;
//  - a number of bits: that width for every layer.
// Below 32 bits the output stage requantizes (energy entry requantize_output);
// sums that spill across reduction folds stay 32-bit (MemorySystem.hpp).
#pragma once
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/run/QuantizedOperands.hpp"

namespace trsim {

// Bits per stored data value of a layer with these (QT'd) operands.
double storedDataBitsOf(const SimConfig& c, const QuantizedOperands& layer);

// Bits per output value of each of the run's layers (`layers`, their operands `ops` after QT, each read
// with its own config `configs[i]`: per_layer settings change a layer's data width, so the next layer's
// config decides next_layer). The next layer is the trace's: a layer whose next one a selection
// (simulation.layers) dropped carries that layer's width (TraceLayer::nextLayerDataBits), so a subset
// writes what the whole run writes.
std::vector<double> layerOutputBits(const std::vector<const SimConfig*>& configs, const std::vector<TraceLayer>& layers,
                                    const std::vector<QuantizedOperands>& ops);

}  // namespace trsim
