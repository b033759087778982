// per_layer: config keys that take a different value in some layers.
//
//   per_layer:
//     - layers: stem                                 # a selection (sim/config/LayerSelection.hpp)
//       set: {operands.weights.budget: none}
//     - layers: "b3_*,last"
//       set: {operands.weights.budget: 16, operands.data.budget: 3}
//
// Each entry sets its keys in the layers its selection picks; entries apply in order, so a later entry
// wins where two set the same key of a layer. A layer no entry picks runs the config as it is.
//
// Contract:
//  - perLayerKeys() is the one list of keys that may differ per layer, each with how it is read (the same
//    reader serves the base config's key and per_layer[i].set's, so ranges are written once), shown
//    (canonical text for the resolved config and the hash) and copied into a layer's config. Adding a
//    key is one entry there, plus its row in ConfigSchema's per_layer description.
//  - readPerLayer checks everything a config alone can show: the list's shape, each selection's syntax,
//    each key (one of perLayerKeys(), a valid value), the PE kind's rules with each entry applied, and
//    in simulation.mode structural only the keys its one wired data path allows. Problems are reported at
//    per_layer[i].layers and per_layer[i].set.KEY.
//  - layerConfigs resolves the entries against a trace's layers (the whole trace: index ranges, first and
//    last count in it, before simulation.layers): each layer's config is the run's with its entries
//    applied, and every item of every selection must select a layer.
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sim/config/Config.hpp"
#include "sim/config/LayerSelection.hpp"
#include "sim/config/StrictYaml.hpp"

namespace trsim {

struct PerLayerKey {
    std::string key;  // full path, e.g. "operands.weights.budget"
    // Reads map[field] into `c`, problems at path.field. The base config reads its own key with `field`
    // the last word ("budget" in operands.weights); per_layer[i].set with the whole key as `field`.
    void (*read)(StrictYaml& y, const YAML::Node& map, const std::string& path, const std::string& field, SimConfig& c);
    std::string (*show)(const SimConfig& c);                 // the value in `c`, as canonical YAML
    void (*copy)(const SimConfig& from, SimConfig& to);      // sets the key in `to` to its value in `from`
};

// The keys a per_layer entry may set, in the order the resolved config lists them.
const std::vector<PerLayerKey>& perLayerKeys();
const PerLayerKey& perLayerKey(const std::string& key);  // throws std::out_of_range for other keys
// The keys simulation.mode structural lets a layer set apart (its data path is wired once).
const std::vector<std::string>& structuralPerLayerKeys();

// Reads the config's per_layer list (absent or null: none) on top of `base` (every other key read).
std::vector<PerLayerEntry> readPerLayer(StrictYaml& y, const YAML::Node& root, const SimConfig& base);

// The per_layer list as one line of flow YAML (resolved config, hash); "" when empty.
std::string perLayerYaml(const std::vector<PerLayerEntry>& entries);

// Every layer's config, in the order of `layers` (the whole trace). Throws std::invalid_argument naming
// per_layer[i].layers and the item that selects nothing, or the layer whose combined settings break a
// rule of the PE kind.
std::vector<SimConfig> layerConfigs(const SimConfig& config, const std::vector<SelectableLayer>& layers);

}  // namespace trsim
