// simulation.layers: which layers of a trace a run simulates.
//
//   ""                all layers (the default)
//   "conv1,fc3"       these layers by name, run in trace order
//   "A:B"             layers with 0-based index A <= i < B (Python slice; A or B may be left out,
//                     e.g. "2:" or ":1")
//
// The syntax is checked when the config loads; the names and the range are checked against the
// trace when the run starts (a trace is not read by config validation).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace trsim {

struct LayerSelection {
    std::vector<std::string> names;              // by name (empty when a range is given)
    std::optional<std::size_t> from, to;         // range bounds, when `isRange`
    bool isRange = false;
    bool all() const { return !isRange && names.empty(); }
};

// The --set override "simulation.layers=..." for a --layers value, quoted so YAML keeps it a string
// (a bare "2:" would be a map).
std::string layersOverride(const std::string& spec);

// Throws std::invalid_argument saying what is allowed.
LayerSelection parseLayerSelection(const std::string& text);

// Indices into `layerNames` (trace order) the selection keeps. Throws std::invalid_argument naming
// an unknown layer and listing the trace's layers, or a range that selects no layer.
std::vector<std::size_t> selectLayers(const LayerSelection& selection, const std::vector<std::string>& layerNames);

}  // namespace trsim
