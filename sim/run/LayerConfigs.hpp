// Each layer's config for a run on a trace: the run's config with its per_layer entries applied
// (sim/config/PerLayer.hpp), resolved once on the whole trace, since selections (index ranges, first,
// last) refer to it, before simulation.layers keeps some layers. Everything that depends on a layer's
// operands (QT, the kind's prepared operands, the array spec of its GEMMs, energy, stats, histograms,
// the accuracy key) reads the layer's config; the design (array, area, clock) is the run's.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/io/Trace.hpp"

namespace trsim {

// A conv with groups > 1 and one input channel per group (groups == C): what trsim maps as depthwise.
bool isDepthwiseLayer(const TraceLayer& layer);

// What a layer selection sees of each trace layer, in trace order (needs only the layers' shapes).
std::vector<SelectableLayer> selectableLayers(const Trace& trace);

class LayerConfigs {
public:
    // Throws TraceConfigMismatch naming the config, the per_layer entry and the trace when a selection
    // does not fit the trace or a layer's combined settings break the PE kind's rules.
    LayerConfigs(const SimConfig& config, const Trace& trace);

    // The config of trace layer `name` (throws std::out_of_range naming it for a layer not in the trace).
    const SimConfig& of(const std::string& name) const;
    // Whether every layer runs the run's config (no per_layer entries).
    bool uniform() const { return uniform_; }

private:
    std::map<std::string, SimConfig> byName_;
    bool uniform_ = true;
};

}  // namespace trsim
