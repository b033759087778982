// Layer selections: which layers of a trace simulation.layers (--layers) runs, and which layers a
// per_layer entry sets apart (sim/config/PerLayer.hpp). One syntax for both: items separated by commas,
// each item one of
//
//   conv1          a layer by name
//   layer1.*       the layers whose names match a glob (* any text, ? one character, [abc] a set)
//   A:B            layers with 0-based index A <= i < B (Python slice; A or B may be left out, e.g. "2:"
//                  or ":1"; quote it in YAML)
//   first, last    the trace's first and last layer (index 0 and n-1)
//   depthwise      every depthwise convolution: a conv with groups > 1 and one input channel per group
//                  (groups == C, the test trsim maps them by)
//   se             every layer whose trace attribute role is "se" (squeeze-and-excitation; format-2
//                  traces carry an optional role per layer, traces/README.md)
//
// An item that is both a role word and a layer name means the layer. "" selects every layer. The
// layers run (and entries apply) in trace order, whatever the order of the items. Every item must
// select at least one layer: an unknown name, a glob or role that matches nothing, or an empty range
// is an error naming the item and what the trace has.
//
// The syntax is checked when the config loads; the items are checked against the trace when the run
// starts (a trace is not read by config validation).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace trsim {

struct LayerSelection {
    enum class Kind { Name, Glob, Range, Role };
    struct Item {
        Kind kind = Kind::Name;
        std::string text;                     // the item as written
        std::optional<std::size_t> from, to;  // Range bounds
    };
    std::vector<Item> items;  // empty: every layer
    bool all() const { return items.empty(); }
};

// What a selection can look at in a trace layer.
struct SelectableLayer {
    std::string name;
    std::string role;        // the trace's role attribute, "" when it has none
    bool depthwise = false;  // conv with groups > 1 and groups == C
};

// The role words, in the order messages list them.
const std::vector<std::string>& layerRoleNames();

// The --set override "simulation.layers=..." for a --layers value, quoted so YAML keeps it a string
// (a bare "2:" would be a map).
std::string layersOverride(const std::string& spec);

// Throws std::invalid_argument saying what is allowed.
LayerSelection parseLayerSelection(const std::string& text);

// Indices into `layers` (trace order) the selection keeps. Throws std::invalid_argument naming the
// item that selects nothing (an unknown layer, listing the trace's layers; a glob or role without a
// match; a range past the trace's end).
std::vector<std::size_t> selectLayers(const LayerSelection& selection, const std::vector<SelectableLayer>& layers);
// The same on layer names alone (no roles: every layer's role is "" and none is depthwise).
std::vector<std::size_t> selectLayers(const LayerSelection& selection, const std::vector<std::string>& layerNames);

}  // namespace trsim
