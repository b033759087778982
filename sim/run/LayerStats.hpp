// Records one simulated layer in the StatsRegistry: cycles, stalls,
// utilization, work counts, traffic, energy by component and output error.
#pragma once
#include <string>

#include "modules/array/Controller.hpp"
#include "sim/config/Config.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/run/StatsRegistry.hpp"

namespace trsim {

struct LayerShape {
    int64_t denseMacs = 0;  // multiply-accumulates of the layer at full precision
};

// Relative L2 and max-abs difference of `actual` from `exact`.
struct OutputError {
    double relativeL2 = 0;
    double maxAbs = 0;
};
OutputError outputError(const IntTensor& actual, const IntTensor& exact);

void recordLayer(StatsRegistry& stats, const std::string& scope, const SimConfig& config, const LayerOutcome& outcome,
                 const LayerShape& shape, const OutputError& error);

// The layer's resolved operand setting (its config: per_layer applied): group sizes, budgets and QT bits
// of both operands, NaN where a budget or QT is none (every term kept, the trace's integers).
void recordLayerSetting(StatsRegistry& stats, const std::string& scope, const SimConfig& layerConfig);

// pe_utilization [rows, cols]: the share of the layer's cycles each PE did
// useful work (MACs, or term pairs / pairs per cycle).
LayerMap peUtilizationMap(const std::string& layer, const SimConfig& config, const LayerOutcome& outcome);

// Run totals ("run" scope) summed over the layer scopes.
void recordRunTotals(StatsRegistry& stats, const std::vector<std::string>& layerScopes, double wallSeconds,
                     int64_t peCount);

}  // namespace trsim
