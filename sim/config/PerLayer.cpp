#include "sim/config/PerLayer.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "modules/pe/PeRegistry.hpp"

namespace trsim {
namespace {

// The operand fields, for weights (W = true) and data.
OperandCoding& coding(SimConfig& c, bool w) { return w ? c.weights : c.data; }
const OperandCoding& coding(const SimConfig& c, bool w) { return w ? c.weights : c.data; }
std::optional<int>& qt(SimConfig& c, bool w) { return w ? c.quantize.weightBits : c.quantize.dataBits; }
const std::optional<int>& qt(const SimConfig& c, bool w) { return w ? c.quantize.weightBits : c.quantize.dataBits; }
std::string intOrNone(const std::optional<int>& v) { return v ? std::to_string(*v) : "none"; }

using Map = const YAML::Node&;
using Path = const std::string&;

template <bool W>
PerLayerKey encodingKey() {
    return {std::string("operands.") + (W ? "weights" : "data") + ".encoding",
            [](StrictYaml& y, Map m, Path p, Path f, SimConfig& c) {
                coding(c, W).encoding = *parseEncoding(y.choice(m, p, f, encodingNames(), std::nullopt));
            },
            [](const SimConfig& c) { return encodingName(coding(c, W).encoding); },
            [](const SimConfig& from, SimConfig& to) { coding(to, W).encoding = coding(from, W).encoding; }};
}

template <bool W>
PerLayerKey groupSizeKey() {
    return {std::string("operands.") + (W ? "weights" : "data") + ".group_size",
            [](StrictYaml& y, Map m, Path p, Path f, SimConfig& c) {
                coding(c, W).groupSize = y.integer(m, p, f, 1, 4096, std::nullopt);
            },
            [](const SimConfig& c) { return std::to_string(coding(c, W).groupSize); },
            [](const SimConfig& from, SimConfig& to) { coding(to, W).groupSize = coding(from, W).groupSize; }};
}

template <bool W>
PerLayerKey budgetKey() {
    return {std::string("operands.") + (W ? "weights" : "data") + ".budget",
            [](StrictYaml& y, Map m, Path p, Path f, SimConfig& c) {
                coding(c, W).budget = y.integerOrNone(m, p, f, 0, 1 << 20);
            },
            [](const SimConfig& c) { return intOrNone(coding(c, W).budget); },
            [](const SimConfig& from, SimConfig& to) { coding(to, W).budget = coding(from, W).budget; }};
}

template <bool W>
PerLayerKey quantizeBitsKey() {
    return {std::string("operands.") + (W ? "weights" : "data") + ".quantize_bits",
            [](StrictYaml& y, Map m, Path p, Path f, SimConfig& c) { qt(c, W) = y.integerOrNone(m, p, f, 2, 16); },
            [](const SimConfig& c) { return intOrNone(qt(c, W)); },
            [](const SimConfig& from, SimConfig& to) { qt(to, W) = qt(from, W); }};
}

std::vector<std::string> keyNames() {
    std::vector<std::string> names;
    for (const PerLayerKey& k : perLayerKeys()) names.push_back(k.key);
    return names;
}

const char* kShape = "a list of {layers: SELECTION, set: {KEY: VALUE, ...}}";

}  // namespace

const std::vector<PerLayerKey>& perLayerKeys() {
    // THE list of keys that may differ per layer. A key added here is read, checked, hashed, resolved
    // and recorded like these; add its reader beside the ones above (and to ConfigSchema's description).
    static const std::vector<PerLayerKey> keys{
        encodingKey<true>(),  groupSizeKey<true>(),  budgetKey<true>(),  quantizeBitsKey<true>(),
        encodingKey<false>(), groupSizeKey<false>(), budgetKey<false>(), quantizeBitsKey<false>(),
    };
    return keys;
}

const PerLayerKey& perLayerKey(const std::string& key) {
    for (const PerLayerKey& k : perLayerKeys())
        if (k.key == key) return k;
    throw std::out_of_range("not a per-layer key: " + key);
}

const std::vector<std::string>& structuralPerLayerKeys() {
    // The wired array's PEs hold weights revealed offline (any coding, any budget) and get QT'd operands;
    // its rows' encoders and comparators, and the PEs' group size, are built once for every layer.
    static const std::vector<std::string> keys{"operands.weights.encoding", "operands.weights.budget",
                                               "operands.weights.quantize_bits", "operands.data.quantize_bits"};
    return keys;
}

std::vector<PerLayerEntry> readPerLayer(StrictYaml& y, const YAML::Node& root, const SimConfig& base) {
    std::vector<PerLayerEntry> entries;
    const YAML::Node list = root["per_layer"];
    if (!list || list.IsNull()) return entries;
    const std::string allowed = joinWords(keyNames());
    if (!list.IsSequence()) {
        y.problem("per_layer", std::string("must be ") + kShape + " (keys that can differ per layer: " + allowed + ")");
        return entries;
    }
    const bool structural = base.simulation.mode == SimMode::Structural;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string at = "per_layer[" + std::to_string(i) + "]";
        const YAML::Node node = list[i];
        if (!node.IsMap()) {
            y.problem(at, std::string("must be a map with keys layers, set (per_layer is ") + kShape + ")");
            continue;
        }
        const std::size_t before = y.problems().size();
        y.onlyKeys(node, at, {"layers", "set"});
        PerLayerEntry e;
        e.layers = y.text(node, at, "layers", std::nullopt);
        if (node["layers"] && node["layers"].IsScalar() && e.layers.empty())
            y.problem(at + ".layers", "selects no layer: empty (allowed: " + std::string("a layer selection, e.g. stem, "
                                      "b1_*, 2:5, first, last, depthwise, se)"));
        else if (!e.layers.empty()) {
            try {
                e.selection = parseLayerSelection(e.layers);
            } catch (const std::invalid_argument& ex) {
                y.problem(at + ".layers", ex.what());
            }
        }
        const YAML::Node set = y.map(node, at, "set", true);
        auto values = std::make_shared<SimConfig>(base);
        values->perLayer.clear();
        std::set<std::string> given;
        for (const auto& kv : set) {
            if (!kv.first.IsScalar()) {
                y.problem(at + ".set.<key>", "a key must be a dotted path, not a list or map (allowed: " + allowed + ")");
                continue;
            }
            const std::string key = kv.first.Scalar();
            const auto& names = keyNames();
            if (std::find(names.begin(), names.end(), key) == names.end()) {
                y.problem(at + ".set." + key, "cannot differ per layer (keys that can: " + allowed + ")");
                continue;
            }
            const auto& wired = structuralPerLayerKeys();
            if (structural && std::find(wired.begin(), wired.end(), key) == wired.end()) {
                y.problem(at + ".set." + key, "cannot differ per layer in simulation.mode structural, whose rows' data "
                                              "path and PE group size are wired once (allowed there: " +
                                                  joinWords(wired) + ")");
                continue;
            }
            perLayerKey(key).read(y, set, at + ".set", key, *values);
            given.insert(key);
        }
        if (node["set"] && set.IsMap() && set.size() == 0)
            y.problem(at + ".set", "sets no key (allowed: " + allowed + ")");
        for (const PerLayerKey& k : perLayerKeys())
            if (given.count(k.key)) e.set.emplace_back(k.key, k.show(*values));
        // The kind's own rules across keys, with this entry's values (layerConfigs checks each layer's
        // combination of entries again once the trace is known).
        if (y.problems().size() == before && y.problems().empty())
            peKind(values->pe.kind).validate(*values, [&](const std::string& key, const std::string& message) {
                y.problem(at + ".set", "with these values, " + key + ": " + message);
            });
        e.values = std::move(values);
        entries.push_back(std::move(e));
    }
    return entries;
}

std::string perLayerYaml(const std::vector<PerLayerEntry>& entries) {
    if (entries.empty()) return "";
    YAML::Emitter e;
    e << YAML::Flow << YAML::BeginSeq;
    for (const PerLayerEntry& entry : entries) {
        e << YAML::BeginMap << YAML::Key << "layers" << YAML::Value << entry.layers << YAML::Key << "set" << YAML::Value
          << YAML::BeginMap;
        for (const auto& [key, value] : entry.set) e << YAML::Key << key << YAML::Value << value;
        e << YAML::EndMap << YAML::EndMap;
    }
    e << YAML::EndSeq;
    return e.c_str();
}

std::vector<SimConfig> layerConfigs(const SimConfig& config, const std::vector<SelectableLayer>& layers) {
    std::vector<SimConfig> out(layers.size(), config);
    std::vector<bool> touched(layers.size(), false);
    for (std::size_t i = 0; i < config.perLayer.size(); ++i) {
        const PerLayerEntry& entry = config.perLayer[i];
        std::vector<std::size_t> picked;
        try {
            picked = selectLayers(entry.selection, layers);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("per_layer[" + std::to_string(i) + "].layers = '" + entry.layers + "': " + e.what());
        }
        for (std::size_t l : picked) {
            for (const auto& kv : entry.set) perLayerKey(kv.first).copy(*entry.values, out[l]);
            touched[l] = true;
        }
    }
    for (std::size_t l = 0; l < layers.size(); ++l) {
        if (!touched[l]) continue;
        std::string problems;
        peKind(out[l].pe.kind).validate(out[l], [&](const std::string& key, const std::string& message) {
            problems += (problems.empty() ? "" : "; ") + key + ": " + message;
        });
        if (!problems.empty())
            throw std::invalid_argument("per_layer: layer '" + layers[l].name + "' with its entries applied: " + problems);
    }
    return out;
}

}  // namespace trsim
