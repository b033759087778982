// One trsim run: elaborates the SystemC design (Controller -> SystolicArray)
// for a config and a trace, simulates every layer, checks each layer's output
// against the functional reference, and records everything in a StatsRegistry.
#pragma once
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/run/StatsRegistry.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

// The array's output differed from the functional reference: a simulator bug.
class FunctionalMismatch : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The trace cannot run on this config (e.g. values wider than the operand bits).
class TraceConfigMismatch : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SimulationResult {
    StatsRegistry stats;
    std::vector<std::string> layerOrder;
    std::vector<LayerOutput> outputs;  // when outputs.save_layer_outputs
    std::vector<LayerMap> maps;        // pe_utilization of every layer
};

// SystemC elaborates once per process: call this at most once.
SimulationResult simulate(const SimConfig& config, const Trace& trace, std::ostream& progress);

// The trace's model quality (accuracy, perplexity: trace.metric) for this
// configuration (lookupAccuracy in sim/run/AccuracyKey.hpp: the 8-bit value, a
// /tr_accuracy row, the trace's score cache), nothing where none is known.
std::optional<double> accuracyFor(const Trace& trace, const SimConfig& config);

// The waveform file a run writes (outputs.vcd with ".vcd" appended unless it has it), "" for none.
std::string vcdFilePath(const SimConfig& config);

// Throws TraceConfigMismatch naming the layer, the operand and the config key.
void checkTraceFitsConfig(const Trace& trace, const SimConfig& config);

}  // namespace trsim
