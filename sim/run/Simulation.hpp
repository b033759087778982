// One trsim run: elaborates the SystemC design (Controller -> SystolicArray)
// for a config and a trace, simulates every layer, checks each layer's output
// against the functional reference, and records everything in a StatsRegistry.
#pragma once
#include <functional>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/io/ResultsWriter.hpp"
#include "sim/run/StatsRegistry.hpp"
#include "sim/io/Trace.hpp"
#include "sim/run/AccuracyKey.hpp"

namespace trsim {

// The array's output differed from the functional reference: a simulator bug.
class FunctionalMismatch : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The trace cannot run on this config (e.g. values wider than the operand bits).
class TraceConfigMismatch : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

class LayerConfigs;

struct SimulationResult {
    StatsRegistry stats;
    std::vector<std::string> layerOrder;
    std::map<std::string, std::string> layerOperands;  // each layer's resolved operands (ResultsWriter.hpp)
    std::vector<LayerOutput> outputs;  // when outputs.save_layer_outputs
    std::vector<LayerMap> maps;        // pe_utilization of every layer
};

// The SystemC clock period in picoseconds for clock_mhz (rounded to the kernel's 1 ps resolution).
double clockPeriodPs(double clockMhz);

// SystemC elaborates once per process: call this at most once. A layer's
// values are released as soon as it is done (its shapes stay), so a large
// network never holds all of them and its run's memory stays near the trace's.
// `accuracy` is what run/accuracy records (the caller's lookup on the whole trace, see
// sim/cli/AccuracyScoring.hpp); without it, lookupAccuracy on `trace`. `layers` are the layers' configs
// resolved on the whole trace (sim/run/LayerConfigs.hpp) when `trace` keeps only some layers (per_layer
// selections refer to the whole trace); without it, they are resolved on `trace`.
// `onLayerRecorded`, when given, is called on the simulation's thread in layer order as soon as a
// layer's results in the result are final (its stats, maps and output): a ResultsStream
// (sim/io/ResultsWriter.hpp) writes them while the next layers run.
using LayerRecorded = std::function<void(const SimulationResult& result, const std::string& layer)>;
SimulationResult simulate(const SimConfig& config, Trace& trace, std::ostream& progress,
                          const AccuracyLookup* accuracy = nullptr, const LayerConfigs* layers = nullptr,
                          const LayerRecorded& onLayerRecorded = {});

// The trace's model quality (accuracy, perplexity: trace.metric) for this
// configuration (lookupAccuracy in sim/run/AccuracyKey.hpp: the 8-bit value, a
// /tr_accuracy row, the trace's score cache), nothing where none is known.
std::optional<double> accuracyFor(const Trace& trace, const SimConfig& config);

// The waveform file a run writes (outputs.vcd with ".vcd" appended unless it has it), "" for none.
std::string vcdFilePath(const SimConfig& config);

// Throws TraceConfigMismatch naming the layer, the operand and the config key (each layer's own config).
void checkTraceFitsConfig(const Trace& trace, const LayerConfigs& layers);

// Keeps only the layers simulation.layers selects, in trace order. Throws TraceConfigMismatch naming
// the trace, the key and the trace's layers when the selection does not fit the trace. `layers` (resolved
// on the whole trace) gives the dropped next layer's data width that a kept layer writes its outputs at.
void keepSelectedLayers(Trace& trace, const SimConfig& config, const LayerConfigs& layers);

}  // namespace trsim
