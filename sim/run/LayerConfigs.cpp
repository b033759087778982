#include "sim/run/LayerConfigs.hpp"

#include <stdexcept>

#include "sim/config/PerLayer.hpp"
#include "sim/run/Simulation.hpp"

namespace trsim {

bool isDepthwiseLayer(const TraceLayer& l) {
    return l.type == LayerType::Conv && l.conv.groups > 1 && l.weights.rank() == 4 && l.weights.dim(1) == 1;
}

std::vector<SelectableLayer> selectableLayers(const Trace& trace) {
    std::vector<SelectableLayer> layers;
    for (const TraceLayer& l : trace.layers) layers.push_back({l.name, l.role, isDepthwiseLayer(l)});
    return layers;
}

LayerConfigs::LayerConfigs(const SimConfig& config, const Trace& trace) : uniform_(config.perLayer.empty()) {
    std::vector<SimConfig> configs;
    try {
        configs = layerConfigs(config, selectableLayers(trace));
    } catch (const std::invalid_argument& e) {
        throw TraceConfigMismatch(config.configPath + ": " + e.what() + " (trace " + trace.path + ")");
    }
    for (std::size_t i = 0; i < trace.layers.size(); ++i) byName_.emplace(trace.layers[i].name, std::move(configs[i]));
}

const SimConfig& LayerConfigs::of(const std::string& name) const {
    const auto it = byName_.find(name);
    if (it == byName_.end()) throw std::out_of_range("LayerConfigs: no layer '" + name + "'");
    return it->second;
}

}  // namespace trsim
